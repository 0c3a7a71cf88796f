//! The one task that writes to SQLite. It group-commits: takes every write waiting in the
//! queue (up to a bound), runs each in its own savepoint inside one transaction so a failing
//! write rolls back alone, commits once — one fsync for the lot — and only then answers them.
//! Each commit nudges the [`Checkpoints`] thread, which copies the log into the database.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::thread::JoinHandle;

use rusqlite::Connection;
use tokio::sync::{mpsc, oneshot};

use super::checkpoints::Checkpoints;
use crate::store::{Result, StoreError};

/// Called once the batch is committed (or not) to answer the waiting request.
type Finish = Box<dyn FnOnce(std::result::Result<(), String>) + Send>;
/// One write; `None` when the batch's transaction could not even begin.
type Job = Box<dyn FnOnce(Option<&Connection>) -> Finish + Send>;

enum Msg {
    Job(Job),
    Stop(oneshot::Sender<()>),
}

pub(super) struct Writer {
    queue: mpsc::Sender<Msg>,
    thread: std::sync::Mutex<Option<JoinHandle<()>>>,
}

impl Writer {
    pub(super) fn start(conn: Connection, max_batch: usize, checkpoints: Checkpoints) -> Self {
        let (queue, inbox) = mpsc::channel(max_batch * 4);
        let thread = std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || write_loop(conn, inbox, max_batch, checkpoints))
            .expect("spawning the SQLite writer thread");
        Self {
            queue,
            thread: std::sync::Mutex::new(Some(thread)),
        }
    }

    /// Runs `work` in the writer's next transaction and answers once that transaction is durable.
    pub(super) async fn run<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job: Job = Box::new(move |conn| {
            let result = match conn {
                Some(conn) => in_savepoint(conn, work),
                None => Err(StoreError::Database("could not begin a transaction".into())),
            };
            Box::new(move |committed| {
                let result = match committed {
                    Ok(()) => result,
                    Err(e) => Err(StoreError::Database(e)),
                };
                let _ = reply.send(result);
            })
        });
        // A full queue is answered at once, as busy, rather than waited on: the writes
        // waiting would otherwise grow without end under a flood.
        self.queue.try_send(Msg::Job(job)).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => StoreError::Busy,
            mpsc::error::TrySendError::Closed(_) => StoreError::WriterGone,
        })?;
        answer.await.map_err(|_| StoreError::WriterGone)?
    }

    /// Lets queued writes finish, then stops the thread and closes the connection.
    pub(super) async fn stop(&self) {
        let (done, stopped) = oneshot::channel();
        if self.queue.send(Msg::Stop(done)).await.is_ok() {
            let _ = stopped.await;
        }
        let thread = self.thread.lock().expect("writer thread lock").take();
        if let Some(thread) = thread {
            let _ = tokio::task::spawn_blocking(move || thread.join()).await;
        }
    }
}

/// Runs a statement kept prepared: savepoints come with every write, and parsing them anew
/// each time was a tenth of the writer's time.
pub(super) fn run_cached(conn: &Connection, sql: &str) -> Result<()> {
    conn.prepare_cached(sql)
        .and_then(|mut statement| statement.execute([]))
        .map(drop)
        .map_err(super::db_error)
}

fn in_savepoint<T>(conn: &Connection, work: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
    run_cached(conn, "SAVEPOINT job")?;
    let result = catch_unwind(AssertUnwindSafe(|| work(conn)))
        .unwrap_or_else(|_| Err(StoreError::Database("a write panicked".into())));
    if result.is_err() {
        run_cached(conn, "ROLLBACK TO job")?;
    }
    run_cached(conn, "RELEASE job")?;
    result
}

fn write_loop(
    conn: Connection,
    mut inbox: mpsc::Receiver<Msg>,
    max_batch: usize,
    checkpoints: Checkpoints,
) {
    let mut stop = None;
    while stop.is_none() {
        let Some(first) = inbox.blocking_recv() else {
            break;
        };
        let mut batch = Vec::with_capacity(max_batch);
        match first {
            Msg::Job(job) => batch.push(job),
            Msg::Stop(done) => stop = Some(done),
        }
        while stop.is_none() && batch.len() < max_batch {
            match inbox.try_recv() {
                Ok(Msg::Job(job)) => batch.push(job),
                Ok(Msg::Stop(done)) => stop = Some(done),
                Err(_) => break,
            }
        }
        if batch.is_empty() {
            continue;
        }
        commit_batch(&conn, batch);
        checkpoints.nudge();
    }
    checkpoints.stop();
    drop(conn);
    if let Some(done) = stop {
        let _ = done.send(());
    }
}

fn commit_batch(conn: &Connection, batch: Vec<Job>) {
    if let Err(e) = run_cached(conn, "BEGIN IMMEDIATE") {
        tracing::error!(error = %e, "could not begin a write transaction");
        for job in batch {
            job(None)(Err(e.to_string()));
        }
        return;
    }
    // SQLite rolls the whole transaction back on some errors (I/O, a full disk). Jobs after
    // that would run in autocommit mode and commit one by one, so they are not run at all.
    let mut lost = false;
    let mut finishes: Vec<Finish> = Vec::with_capacity(batch.len());
    for job in batch {
        if lost {
            finishes.push(job(None));
        } else {
            finishes.push(job(Some(conn)));
            lost = conn.is_autocommit();
        }
    }
    let committed = if lost {
        tracing::error!("the write transaction was rolled back by SQLite; the batch failed");
        Err("the write transaction was rolled back".to_owned())
    } else {
        run_cached(conn, "COMMIT").map_err(|e| {
            tracing::error!(error = %e, "commit failed; the batch is rolled back");
            let _ = conn.execute_batch("ROLLBACK");
            e.to_string()
        })
    };
    metrics::histogram!("clientele_sqlite_batch_size").record(finishes.len() as f64);
    for finish in finishes {
        finish(committed.clone());
    }
}
