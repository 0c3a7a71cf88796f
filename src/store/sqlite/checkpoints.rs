//! WAL checkpoints beside the writer rather than in its path.
//!
//! SQLite's own checkpoint runs inside the commit that finds the log long (1,000 pages by
//! default): the one writer stops to copy the log into the database and fsync it, about a
//! tenth of its time under an import. Here a thread of its own, on a connection of its own,
//! copies what the writer has committed (a passive checkpoint, which never blocks the
//! writer) soon after each commit. The writer still checkpoints when the log reaches
//! [`WRITER_PAGES`], but by then nearly every page is copied already, so its share is the
//! last few pages and the fsync; that checkpoint, completing, is what lets the next commit
//! start the log from its beginning again, so the log stays bounded however busy the
//! writer is. Durability is untouched: a commit is durable in the log before any checkpoint.

use std::sync::mpsc::{self, Receiver, SyncSender};
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::Connection;

/// Log pages at which the writer checkpoints itself, finishing what this thread left.
const WRITER_PAGES: i64 = 4_000;
/// The least time between two of this thread's checkpoints: each one fsyncs the database,
/// and a page changed by many commits in that time is copied once.
const PAUSE: Duration = Duration::from_millis(20);

pub(super) struct Checkpoints {
    nudge: SyncSender<()>,
    thread: JoinHandle<()>,
}

impl Checkpoints {
    /// Starts the thread on its own read-write connection to the database, and leaves the
    /// writer's own checkpoints to the log's tail.
    pub(super) fn start(writer: &Connection, conn: Connection) -> rusqlite::Result<Self> {
        writer.pragma_update(None, "wal_autocheckpoint", WRITER_PAGES)?;
        let (nudge, nudged) = mpsc::sync_channel(1);
        let thread = std::thread::Builder::new()
            .name("sqlite-checkpoints".into())
            .spawn(move || run(&conn, &nudged))
            .expect("spawning the SQLite checkpoint thread");
        Ok(Self { nudge, thread })
    }

    /// Tells the thread that the writer committed; nudges while it works are one.
    pub(super) fn nudge(&self) {
        // Full: a nudge is waiting already. Disconnected: the thread has stopped.
        let _ = self.nudge.try_send(());
    }

    /// Lets a checkpoint under way finish, and stops the thread.
    pub(super) fn stop(self) {
        drop(self.nudge);
        let _ = self.thread.join();
    }
}

fn run(conn: &Connection, nudged: &Receiver<()>) {
    while nudged.recv().is_ok() {
        // A passive checkpoint takes no lock the writer waits for. It may find another
        // process's checkpoint under way (busy), which is as good.
        if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
            tracing::warn!(error = %e, "a background WAL checkpoint failed");
        }
        std::thread::sleep(PAUSE);
    }
}
