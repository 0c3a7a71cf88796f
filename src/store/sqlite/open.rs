//! Opening a connection to the file, as a reader or as a writer, and bringing its schema up
//! to date.

use rusqlite::{Connection, OpenFlags};

use super::db_error;
use crate::store::{Result, StoreError};

const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_init.sql"),
    include_str!("migrations/0002_hierarchy.sql"),
    include_str!("migrations/0003_answer_content_type.sql"),
    include_str!("migrations/0004_key_lifecycle.sql"),
    include_str!("migrations/0005_bank.sql"),
    include_str!("migrations/0006_users.sql"),
    include_str!("migrations/0007_contacts.sql"),
    include_str!("migrations/0008_tenant_event_seq.sql"),
    include_str!("migrations/0009_shared_answer_body.sql"),
    include_str!("migrations/0010_relay.sql"),
    include_str!("migrations/0011_first_history_in_row.sql"),
    include_str!("migrations/0012_number_counter.sql"),
];

pub(super) fn open_connection(path: &str, read_only: bool) -> Result<Connection> {
    let flags = if read_only {
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX
    } else {
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
    };
    let conn = Connection::open_with_flags(path, flags).map_err(db_error)?;
    // Every statement the shared SQL uses stays prepared; rusqlite's default of 16 is fewer
    // than a create alone runs, and a statement pushed out is parsed again.
    conn.set_prepared_statement_cache_capacity(256);
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .map_err(db_error)?;
    if !read_only {
        // WAL lets readers run beside the writer; FULL fsyncs every commit, so a 2xx is durable.
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(db_error)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(db_error)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(db_error)?;
        // An insert that writes a row and its indexes and may still fail on a constraint
        // keeps the pages it changes in a statement journal, to undo itself alone; past
        // 64 KiB in one write (an import's chunk) SQLite spills that journal to a temp file,
        // and an import's writer spent a quarter of its time writing it. It only undoes a
        // statement or savepoint of a live transaction and never recovers a crash, so keeping
        // it in memory leaves durability as it is.
        conn.pragma_update(None, "temp_store", "MEMORY")
            .map_err(db_error)?;
    }
    Ok(conn)
}

pub(super) fn migrate(conn: &mut Connection) -> Result<()> {
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(|e| StoreError::Migration(e.to_string()))?;
    let current: i64 = tx
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .map_err(|e| StoreError::Migration(e.to_string()))?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        tx.execute_batch(sql)
            .map_err(|e| StoreError::Migration(format!("migration {}: {e}", i + 1)))?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)
            .map_err(|e| StoreError::Migration(e.to_string()))?;
    }
    tx.commit()
        .map_err(|e| StoreError::Migration(e.to_string()))
}
