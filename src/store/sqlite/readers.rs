//! The pool of read connections.

use std::sync::Mutex;

use rusqlite::Connection;
use tokio::sync::Semaphore;

use super::open::open_connection;
use crate::store::{Result, StoreError};

/// Read connections handed out one per query; WAL lets them read while the writer writes.
pub(super) struct Readers {
    pub(super) path: String,
    pub(super) idle: Mutex<Vec<Connection>>,
    pub(super) permits: Semaphore,
}

impl Readers {
    pub(super) async fn read<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T> + Send + 'static,
    {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| StoreError::WriterGone)?;
        let idle = self.idle.lock().expect("reader pool lock").pop();
        let conn = match idle {
            Some(conn) => conn,
            None => open_connection(&self.path, true)?,
        };
        let (conn, result) = tokio::task::spawn_blocking(move || {
            let result = work(&conn);
            (conn, result)
        })
        .await
        .map_err(|e| StoreError::Database(format!("a read panicked: {e}")))?;
        self.idle.lock().expect("reader pool lock").push(conn);
        result
    }
}
