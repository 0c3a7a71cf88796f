//! The one task that writes to SQLite. It group-commits: takes every write waiting in the
//! queue (up to a bound), runs them in one transaction, commits once — one fsync for the
//! lot — and only then answers them. Each commit nudges the [`Checkpoints`] thread, which
//! copies the log into the database.
//!
//! A write that fails must roll back alone. A savepoint around each write would do it, but
//! makes SQLite copy every page the write touches into its statement journal, which was
//! a twentieth of a create's work. So a batch first runs without them; when a write fails,
//! the whole transaction is rolled back and the batch runs again, each write in a savepoint
//! of its own. Writes fail rarely (refusals are answers, not failures), and running one
//! again is safe: the first run left nothing behind.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::thread::JoinHandle;

use rusqlite::Connection;
use tokio::sync::{mpsc, oneshot};

use super::checkpoints::Checkpoints;
use crate::store::{Result, StoreError};

/// One write of a batch, run once or, when its batch is run again, twice.
trait Job: Send {
    /// Runs the write, in a savepoint of its own when `alone`; false when it failed.
    fn run(&mut self, conn: &Connection, alone: bool) -> bool;
    /// Answers the waiting request once its batch is committed (or not).
    fn finish(self: Box<Self>, committed: std::result::Result<(), String>);
    /// Rows the write stores, as its caller reckons them; what bounds a transaction.
    fn rows(&self) -> usize;
}

struct Waiting<T, F> {
    work: F,
    rows: usize,
    result: Option<Result<T>>,
    /// The answer, and the write itself: dropping a write (an import chunk's objects and
    /// events) was a twentieth of this thread's work, and the waiting task can do it.
    reply: oneshot::Sender<(Result<T>, F)>,
}

impl<T, F> Job for Waiting<T, F>
where
    T: Send,
    F: FnMut(&Connection) -> Result<T> + Send,
{
    fn run(&mut self, conn: &Connection, alone: bool) -> bool {
        let work = &mut self.work;
        let result = if alone {
            in_savepoint(conn, work)
        } else {
            unwound(|| work(conn))
        };
        let ran = result.is_ok();
        self.result = Some(result);
        ran
    }

    fn rows(&self) -> usize {
        self.rows
    }

    fn finish(self: Box<Self>, committed: std::result::Result<(), String>) {
        let Waiting {
            work,
            result,
            reply,
            ..
        } = *self;
        let result = match committed {
            Ok(()) => {
                result.unwrap_or_else(|| Err(StoreError::Database("the write did not run".into())))
            }
            Err(e) => Err(StoreError::Database(e)),
        };
        let _ = reply.send((result, work));
    }
}

enum Msg {
    Job(Box<dyn Job>),
    Stop(oneshot::Sender<()>),
}

pub(super) struct Writer {
    queue: mpsc::Sender<Msg>,
    thread: std::sync::Mutex<Option<JoinHandle<()>>>,
}

/// How much one transaction takes: at most `writes` of the waiting writes, and no more
/// than `rows` rows between them, unless one write alone has more.
#[derive(Debug, Clone, Copy)]
pub(super) struct Bounds {
    pub(super) writes: usize,
    pub(super) rows: usize,
}

impl Writer {
    pub(super) fn start(conn: Connection, bounds: Bounds, checkpoints: Checkpoints) -> Self {
        let (queue, inbox) = mpsc::channel(bounds.writes * 4);
        let thread = std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || write_loop(conn, inbox, bounds, checkpoints))
            .expect("spawning the SQLite writer thread");
        Self {
            queue,
            thread: std::sync::Mutex::new(Some(thread)),
        }
    }

    /// Runs `work`, which stores about `rows` rows, in one of the writer's next transactions
    /// and answers once that transaction is durable. `work` may run twice (see the module's
    /// comment): all it does must be to the connection.
    pub(super) async fn run<T, F>(&self, rows: usize, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnMut(&Connection) -> Result<T> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job = Box::new(Waiting {
            work,
            rows,
            result: None,
            reply,
        });
        // A full queue is answered at once, as busy, rather than waited on: the writes
        // waiting would otherwise grow without end under a flood.
        self.queue.try_send(Msg::Job(job)).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => StoreError::Busy,
            mpsc::error::TrySendError::Closed(_) => StoreError::WriterGone,
        })?;
        let (result, _work) = answer.await.map_err(|_| StoreError::WriterGone)?;
        result
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

/// A panic in a write is that write's failure, not the writer's end.
fn unwound<T>(work: impl FnOnce() -> Result<T>) -> Result<T> {
    catch_unwind(AssertUnwindSafe(work))
        .unwrap_or_else(|_| Err(StoreError::Database("a write panicked".into())))
}

fn in_savepoint<T>(conn: &Connection, work: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
    run_cached(conn, "SAVEPOINT job")?;
    let result = unwound(|| work(conn));
    if result.is_err() {
        if let Err(e) = run_cached(conn, "ROLLBACK TO job") {
            // What the write did cannot be undone alone, and must not be committed with the
            // rest: the whole transaction goes, which the batch sees and answers.
            let _ = conn.execute_batch("ROLLBACK");
            return Err(e);
        }
    }
    run_cached(conn, "RELEASE job")?;
    result
}

fn write_loop(
    conn: Connection,
    mut inbox: mpsc::Receiver<Msg>,
    bounds: Bounds,
    checkpoints: Checkpoints,
) {
    let mut stop = None;
    // A write that did not fit in the last batch, first in the next.
    let mut left: Option<Box<dyn Job>> = None;
    while stop.is_none() {
        let first = match left.take() {
            Some(job) => job,
            None => match inbox.blocking_recv() {
                Some(Msg::Job(job)) => job,
                Some(Msg::Stop(done)) => {
                    stop = Some(done);
                    break;
                }
                None => break,
            },
        };
        let mut rows = first.rows();
        let mut batch = Vec::with_capacity(bounds.writes);
        batch.push(first);
        while stop.is_none() && batch.len() < bounds.writes {
            match inbox.try_recv() {
                Ok(Msg::Job(job)) if rows + job.rows() > bounds.rows => {
                    left = Some(job);
                    break;
                }
                Ok(Msg::Job(job)) => {
                    rows += job.rows();
                    batch.push(job);
                }
                Ok(Msg::Stop(done)) => stop = Some(done),
                Err(_) => break,
            }
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

fn commit_batch(conn: &Connection, mut batch: Vec<Box<dyn Job>>) {
    let committed = match run_batch(conn, &mut batch, false) {
        Ran::Again => {
            metrics::counter!("clientele_sqlite_batches_run_again").increment(1);
            match run_batch(conn, &mut batch, true) {
                Ran::Again => unreachable!("writes alone in savepoints fail alone"),
                Ran::Done(committed) => committed,
            }
        }
        Ran::Done(committed) => committed,
    };
    metrics::histogram!("clientele_sqlite_batch_size").record(batch.len() as f64);
    for job in batch {
        job.finish(committed.clone());
    }
}

enum Ran {
    /// Committed, or failed as a whole with why.
    Done(std::result::Result<(), String>),
    /// A write failed without a savepoint; nothing was kept.
    Again,
}

fn run_batch(conn: &Connection, batch: &mut [Box<dyn Job>], alone: bool) -> Ran {
    if let Err(e) = run_cached(conn, "BEGIN IMMEDIATE") {
        tracing::error!(error = %e, "could not begin a write transaction");
        return Ran::Done(Err(e.to_string()));
    }
    let only = batch.len() == 1;
    for job in batch.iter_mut() {
        let ran = job.run(conn, alone);
        // SQLite rolls the whole transaction back on some errors (I/O, a full disk). Writes
        // after that would run in autocommit mode and commit one by one.
        if conn.is_autocommit() {
            tracing::error!("the write transaction was rolled back by SQLite; the batch failed");
            return Ran::Done(Err("the write transaction was rolled back".to_owned()));
        }
        if !ran && !alone {
            if let Err(e) = run_cached(conn, "ROLLBACK") {
                tracing::error!(error = %e, "could not roll back a failed write");
                return Ran::Done(Err(e.to_string()));
            }
            // A write alone in its batch is answered with its own failure, with nothing
            // written, as its savepoint would have left it.
            return if only { Ran::Done(Ok(())) } else { Ran::Again };
        }
    }
    Ran::Done(run_cached(conn, "COMMIT").map_err(|e| {
        tracing::error!(error = %e, "commit failed; the batch is rolled back");
        let _ = conn.execute_batch("ROLLBACK");
        e.to_string()
    }))
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    use super::*;

    fn start(path: &str, bounds: Bounds) -> Writer {
        let conn = super::super::open::open_connection(path, false).unwrap();
        let own = super::super::open::open_connection(path, false).unwrap();
        let checkpoints = Checkpoints::start(&conn, own).unwrap();
        Writer::start(conn, bounds, checkpoints)
    }

    /// A write that counts its runs, and fails when `fails`.
    fn counted(runs: &Arc<AtomicUsize>, fails: bool) -> impl FnMut(&Connection) -> Result<()> {
        let runs = runs.clone();
        move |_| {
            runs.fetch_add(1, Ordering::SeqCst);
            if fails {
                Err(StoreError::Database("refused by the test".into()))
            } else {
                Ok(())
            }
        }
    }

    /// Whether two writes shared a transaction shows in a failure: a write beside one that
    /// fails runs again.
    #[tokio::test]
    async fn a_transaction_takes_waiting_writes_up_to_its_rows() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.db");
        let writer = Arc::new(start(
            path.to_str().unwrap(),
            Bounds {
                writes: 16,
                rows: 10,
            },
        ));
        // The first write holds the writer until the others wait in its queue.
        let (release, held) = std::sync::mpsc::channel::<()>();
        let held = std::sync::Mutex::new(held);
        let (started, running) = tokio::sync::oneshot::channel::<()>();
        let mut started = Some(started);
        let first = {
            let writer = writer.clone();
            tokio::spawn(async move {
                writer
                    .run(1, move |_| {
                        if let Some(started) = started.take() {
                            let _ = started.send(());
                        }
                        let _ = held.lock().unwrap().recv();
                        Ok(())
                    })
                    .await
            })
        };
        running.await.unwrap();
        let (a, b, c) = (
            Arc::new(AtomicUsize::new(0)),
            Arc::new(AtomicUsize::new(0)),
            Arc::new(AtomicUsize::new(0)),
        );
        let mut waiting = Vec::new();
        for (rows, runs, fails) in [(6, &a, false), (6, &b, false), (1, &c, true)] {
            let sender = writer.clone();
            let work = counted(runs, fails);
            waiting.push(tokio::spawn(async move { sender.run(rows, work).await }));
            // Each reaches the queue before the next is sent.
            while writer_queued(&writer) < waiting.len() {
                tokio::task::yield_now().await;
            }
        }
        release.send(()).unwrap();
        first.await.unwrap().unwrap();
        let results: Vec<_> = futures_util::future::join_all(waiting).await;
        let results: Vec<_> = results.into_iter().map(Result::unwrap).collect();
        assert!(results[0].is_ok() && results[1].is_ok() && results[2].is_err());
        // 6 + 6 rows is more than 10: the first write went alone, the second with the third.
        assert_eq!(a.load(Ordering::SeqCst), 1);
        assert_eq!(b.load(Ordering::SeqCst), 2);
        assert_eq!(c.load(Ordering::SeqCst), 2);
        writer.stop().await;
    }

    /// Writes sent and not yet taken by the writer thread.
    fn writer_queued(writer: &Writer) -> usize {
        writer.queue.max_capacity() - writer.queue.capacity()
    }
}
