//! Group commit on PostgreSQL, for the writes [`grouped`] can take together (native creates
//! of one customer). A few tasks take turns at one queue: each takes every write waiting
//! at that moment (up to a bound; none waits for others to come), writes them in one
//! transaction of two round trips — `BEGIN` with the statement that claims and inserts,
//! then the statement that records the events and keeps the answers with `COMMIT` — and
//! answers each once committed. While one task commits, the next gathers what came
//! meanwhile.
//!
//! A group that fails (a claim whose first request is still open elsewhere and outlasts
//! the lock timeout, a deadlock, an event or answer the database refuses: any error it
//! answers, up to the commit) is rolled back and each of its writes runs alone, in a
//! transaction of its own, so no write is refused for a neighbour's fault. Only a commit
//! whose fate is not known (the connection lost) fails the whole group. A write whose key
//! another write of its group claims runs alone after the group and after any of its
//! writes that went alone, and so replays that answer.
//!
//! [`grouped`]: crate::store::sql::grouped

use std::collections::HashSet;
use std::sync::Arc;

use deadpool_postgres::{Object, Pool};
use tokio::sync::{mpsc, oneshot, Mutex};

use super::conn::PgConn;
use super::pool_error;
use crate::store::sql::counted::Counted;
use crate::store::sql::grouped::{self, Kept, Member, Settled};
use crate::store::{Executed, Render, Rendered, Result, StoreError, Write, WriteCtx};

/// Tasks writing groups at once: a group's round trips and its fsync overlap with the
/// next group's, and PostgreSQL flushes concurrent commits together.
const TASKS: usize = 4;
/// The most writes in one group.
const MOST: usize = 64;
/// Writes waiting beyond this many are written alone instead.
const QUEUE: usize = 1024;

pub(super) struct Job {
    ctx: WriteCtx,
    write: Write,
    render: Render,
    reply: Reply,
}

/// The queue of writes waiting to be grouped.
pub(super) struct Groups {
    queue: mpsc::Sender<Job>,
}

impl Groups {
    /// Starts the tasks; they stop once the queue is dropped.
    pub(super) fn start(pool: Pool) -> Self {
        let (queue, inbox) = mpsc::channel(QUEUE);
        let inbox = Arc::new(Mutex::new(inbox));
        for _ in 0..TASKS {
            tokio::spawn(take_turns(pool.clone(), inbox.clone()));
        }
        Self { queue }
    }

    /// Writes `write` with whatever else is waiting; gives it back when the queue is
    /// full, to be written alone.
    pub(super) async fn execute(
        &self,
        ctx: WriteCtx,
        write: Write,
        render: Render,
    ) -> std::result::Result<Result<Executed>, (WriteCtx, Write, Render)> {
        let (reply, answer) = oneshot::channel();
        let job = Job {
            ctx,
            write,
            render,
            reply,
        };
        if let Err(e) = self.queue.try_send(job) {
            let job = e.into_inner();
            return Err((job.ctx, job.write, job.render));
        }
        // A group that panicked dropped its replies, and nothing of it was committed.
        Ok(answer.await.unwrap_or(Err(StoreError::WriterGone)))
    }
}

/// Writes that arrive together, in groups of [`MOST`] in their order where they may be
/// grouped and each alone otherwise; their answers in the same order.
pub(super) async fn together(
    pool: &Pool,
    writes: Vec<(WriteCtx, Write, Render)>,
) -> Vec<Result<Executed>> {
    let mut answers = Vec::with_capacity(writes.len());
    let (mut grouped, mut alone) = (Vec::new(), Vec::new());
    for (ctx, write, render) in writes {
        let (reply, answer) = oneshot::channel();
        answers.push(answer);
        let job = Job {
            ctx,
            write,
            render,
            reply,
        };
        match grouped::groupable(&job.write) {
            true => grouped.push(job),
            false => alone.push(job),
        }
    }
    let mut groups = Vec::new();
    while !grouped.is_empty() {
        let rest = grouped.split_off(grouped.len().min(MOST));
        groups.push(tokio::spawn(write_group(pool.clone(), grouped)));
        grouped = rest;
    }
    each_alone(pool, alone.into_iter()).await;
    for group in groups {
        let _ = group.await;
    }
    let mut executed = Vec::with_capacity(answers.len());
    for answer in answers {
        executed.push(answer.await.unwrap_or(Err(StoreError::WriterGone)));
    }
    executed
}

async fn take_turns(pool: Pool, inbox: Arc<Mutex<mpsc::Receiver<Job>>>) {
    loop {
        let group = {
            let mut inbox = inbox.lock().await;
            let Some(first) = inbox.recv().await else {
                return;
            };
            let mut group = vec![first];
            while group.len() < MOST {
                match inbox.try_recv() {
                    Ok(job) => group.push(job),
                    Err(_) => break,
                }
            }
            group
        };
        // A task of its own, so that a panic loses one group and not this turn-taker.
        let _ = tokio::spawn(write_group(pool.clone(), group)).await;
    }
}

async fn write_group(pool: Pool, jobs: Vec<Job>) {
    metrics::histogram!("clientele_postgres_group_size").record(jobs.len() as f64);
    let (jobs, after) = apart(jobs);
    let alone = match pool.get().await {
        Ok(client) => in_one_transaction(client, jobs).await,
        Err(e) => {
            tracing::warn!(error = %pool_error(e), "no connection for a group; its writes go alone");
            jobs
        }
    };
    // A key's later writes wait for its first to be answered, as after a group that
    // committed: run beside it, they would wait on its claim and might answer "in
    // progress" where a replay is due.
    each_alone(&pool, alone.into_iter()).await;
    each_alone(&pool, after.into_iter()).await;
}

/// The jobs that may go together, and those whose key an earlier one of the group claims.
fn apart(jobs: Vec<Job>) -> (Vec<Job>, Vec<Job>) {
    let mut claimed = HashSet::new();
    jobs.into_iter()
        .partition(|job| match grouped::claim_key(&job.ctx) {
            Some((tenant, scope, key)) => {
                claimed.insert((tenant.to_owned(), scope.to_owned(), key.to_owned()))
            }
            None => true,
        })
}

/// Runs each job in a transaction of its own, all at once.
async fn each_alone(pool: &Pool, jobs: impl Iterator<Item = Job>) {
    let running: Vec<_> = jobs
        .map(|job| {
            let pool = pool.clone();
            tokio::spawn(async move {
                let executed = super::execute_alone(&pool, job.ctx, job.write, job.render).await;
                let _ = job.reply.send(executed);
            })
        })
        .collect();
    for task in running {
        let _ = task.await;
    }
}

/// A connection inside a transaction this module began: dropped before it ends (a panic),
/// it is closed rather than pooled, which ends the transaction with nothing committed.
struct Open(Option<Object>);

impl Open {
    fn conn(&self) -> PgConn<'_, Object> {
        PgConn(self.0.as_ref().expect("an open connection"))
    }

    /// The transaction ended: the connection goes back to the pool.
    fn ended(mut self) {
        self.0.take();
    }

    async fn roll_back(self) {
        let rolled_back = self.conn().0.batch_execute("ROLLBACK").await;
        if rolled_back.is_ok() {
            self.ended();
        }
    }
}

impl Drop for Open {
    fn drop(&mut self) {
        if let Some(client) = self.0.take() {
            drop(Object::take(client));
        }
    }
}

/// Writes the jobs in one transaction and answers them; the jobs to run alone instead,
/// when the group failed as a whole.
async fn in_one_transaction(client: Object, jobs: Vec<Job>) -> Vec<Job> {
    let open = Open(Some(client));
    let settled = match claim_and_insert(&open, &jobs).await {
        Ok(settled) => settled,
        Err(e) => return alone_after(open, e, jobs).await,
    };
    // The answers are made here. They are made again should the group fail as a whole and
    // its writes run alone: a render is free of effects.
    let mut answered = Vec::with_capacity(jobs.len());
    let mut rendered: Vec<(usize, Rendered)> = Vec::new();
    for (i, settled) in settled.into_iter().enumerate() {
        match settled {
            Settled::Earlier(executed) => answered.push((i, Ok(executed))),
            Settled::Ran(outcome) => rendered.push((i, (jobs[i].render)(&outcome))),
        }
    }
    let lost = match finish(&open, &jobs, &rendered).await {
        Ok(()) => {
            open.ended();
            None
        }
        // PostgreSQL answered, so nothing of the group was committed: an event or an
        // answer it could not keep fails its own write alone, not the group.
        Err(e) if e.as_db_error().is_some() => {
            return alone_after(open, super::db_error(e), jobs).await;
        }
        // Whether the commit was made is not known: each write's caller is told, and a
        // retry with its key finds out.
        Err(e) => {
            open.roll_back().await;
            Some(super::db_error(e))
        }
    };
    for (i, made) in rendered {
        answered.push((
            i,
            match &lost {
                None => Ok(Executed::Fresh(made.answer)),
                Some(e) => Err(again(e)),
            },
        ));
    }
    let mut replies: Vec<_> = jobs.into_iter().map(|job| Some(job.reply)).collect();
    for (i, executed) in answered {
        if let Some(reply) = replies[i].take() {
            let _ = reply.send(executed);
        }
    }
    Vec::new()
}

/// Rolls a failed group back and gives its jobs back, to run alone.
async fn alone_after(open: Open, e: StoreError, jobs: Vec<Job>) -> Vec<Job> {
    tracing::debug!(error = %e, writes = jobs.len(), "a group failed; its writes go alone");
    open.roll_back().await;
    jobs
}

type Reply = oneshot::Sender<Result<Executed>>;

/// Begins the transaction, claims every key and inserts every customer, and reads what
/// each create came to.
async fn claim_and_insert(open: &Open, jobs: &[Job]) -> Result<Vec<Settled>> {
    let members = jobs
        .iter()
        .map(|job| {
            let customer = grouped::customer(&job.write)
                .ok_or_else(|| StoreError::Database("a write that cannot be grouped".into()))?;
            Ok(Member {
                ctx: &job.ctx,
                customer,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let columns = grouped::Columns::of(&members)?;
    let conn = open.conn();
    let counted = Counted::new(&conn);
    let rows = conn
        .query_after(
            "BEGIN",
            &grouped::INSERT,
            &columns.params(),
            grouped::inserted,
        )
        .await?;
    // The insert, and the statement that will finish the group.
    counted.add(2);
    let settled = grouped::settle(&counted, &members, rows).await?;
    counted.record_shared("create", members.len());
    Ok(settled)
}

/// Records the events, keeps the answers and commits.
async fn finish(
    open: &Open,
    jobs: &[Job],
    rendered: &[(usize, Rendered)],
) -> std::result::Result<(), tokio_postgres::Error> {
    let mut kept = Kept::default();
    for (i, made) in rendered {
        kept.add(&jobs[*i].ctx, made);
    }
    let conn = open.conn();
    if kept.is_empty() {
        return conn.0.batch_execute("COMMIT").await;
    }
    conn.exec_before(&grouped::FINISH, &kept.params(), "COMMIT")
        .await
}

/// The same error for each write of a group that failed as one.
fn again(e: &StoreError) -> StoreError {
    match e {
        StoreError::Busy => StoreError::Busy,
        StoreError::WriterGone => StoreError::WriterGone,
        e => StoreError::Database(e.to_string()),
    }
}
