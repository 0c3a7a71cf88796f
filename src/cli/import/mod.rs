//! `clientele import FILE`: customers, with their accounts, subscribers and cards where the
//! format has them, loaded from a file through the same rules and the same write pipeline as
//! the doors. Every row is answered: stored, or written to the reject file with its problems.
//! Rows are written in chunks, one transaction each, so a server on the same database keeps
//! answering; each chunk's idempotency claim is named after the file's content and its
//! lines, so a rerun (`--resume`) replays what was stored instead of writing it twice.

mod chunk;
mod columns;
mod flight;
mod read;
mod report;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::sync::mpsc;

use super::{open_store, CliError};
use crate::app::{Caller, Registry, Settings};
use crate::domain::auth::Role;
use crate::domain::time::Timestamp;
use crate::domain::Limits;
use flight::{Flight, Flying};
use read::{Door, Format};
use report::{Progress, Rejects, Summary};

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The file: one JSON object a line (ndjson), or CSV with a header line.
    file: PathBuf,
    /// How FILE is laid out; csv when its name ends in .csv, else ndjson.
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Whose shapes the rows have: native (`POST /v1/customers` bodies; accounts and
    /// subscribers by a "kind" member) or bank (one customer of `POST /v2/data/customers`).
    #[arg(long, value_enum, default_value = "native")]
    door: Door,
    /// Where the rejected rows are written (FILE.rejects.ndjson by default).
    #[arg(long)]
    rejects: Option<PathBuf>,
    /// Go on with an earlier run of the same file: what it stored is replayed, not written
    /// again. Every run does so; without the flag, finding such rows is told as a warning.
    #[arg(long)]
    resume: bool,
    #[arg(long, default_value = "default")]
    tenant: String,
    /// Rows a chunk, each written whole or not at all (500 on SQLite, 2000 on PostgreSQL).
    /// A run that goes on with an earlier one must use the same.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    chunk: Option<u32>,
}

/// Chunks read ahead of the one being written.
const READ_AHEAD: usize = 4;

/// What a backend takes best: rows a chunk, and chunks written at once. On both, two at
/// once let the import plan and send a chunk while the one before is written or waits for
/// its fsync. SQLite has one writer, which commits each chunk of 500 on its own (its
/// transactions hold 512 rows at most), so its chunks stay small to let a server's writes
/// in between. PostgreSQL holds no lock a server's writes wait for beyond a chunk's own
/// rows, and a statement there costs a round trip, so its chunks are bigger.
fn backend_chunks(backend: &str) -> (u32, usize) {
    match backend {
        "postgres" => (2000, 2),
        _ => (500, 2),
    }
}

fn default_rejects(file: &Path) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(".rejects.ndjson");
    PathBuf::from(name)
}

pub async fn run(args: ImportArgs, database_url: &str, limits: Limits) -> Result<(), CliError> {
    let format = args.format.unwrap_or_else(|| {
        if args.file.extension().is_some_and(|e| e == "csv") {
            Format::Csv
        } else {
            Format::Ndjson
        }
    });
    if format == Format::Csv && args.door == Door::Bank {
        return Err(CliError::Config(
            "CSV has the native door's customers only; bank customers come as ndjson".into(),
        ));
    }
    let file = args.file.clone();
    let (hash, rows) = tokio::task::spawn_blocking(move || read::fingerprint(&file))
        .await
        .map_err(|e| CliError::Config(e.to_string()))?
        .map_err(|e| CliError::Config(format!("cannot read {}: {e}", args.file.display())))?;
    let rejects_path = args
        .rejects
        .clone()
        .unwrap_or_else(|| default_rejects(&args.file));
    let store = open_store(database_url).await?;
    if let Err(e) = store.ensure_tenant(&args.tenant, Timestamp::now()).await {
        store.close().await;
        return Err(e.into());
    }
    let settings = Settings {
        limits,
        ..Settings::default()
    };
    let registry = Registry::new(store.clone(), settings, crate::api::event_encoder());
    let (chunk, in_flight) = backend_chunks(store.backend());
    let shape = Shape {
        format,
        chunk: args.chunk.unwrap_or(chunk) as usize,
        in_flight,
    };
    let outcome = import(&args, shape, &hash, rows, &rejects_path, registry).await;
    store.close().await;
    let (summary, elapsed) = outcome?;
    if summary.replayed > 0 && !args.resume {
        eprintln!(
            "warning: {} rows of this file were stored by an earlier run and were not written again",
            summary.replayed
        );
    }
    if summary.rejected > 0 {
        eprintln!(
            "{} rows rejected; see {}",
            summary.rejected,
            rejects_path.display()
        );
    }
    println!("{}", summary.line(elapsed));
    Ok(())
}

/// How the file is read and written.
struct Shape {
    format: Format,
    /// Rows a chunk.
    chunk: usize,
    /// Chunks written at once, at most.
    in_flight: usize,
}

async fn import(
    args: &ImportArgs,
    shape: Shape,
    hash: &str,
    rows: u64,
    rejects_path: &Path,
    registry: Registry,
) -> Result<(Summary, std::time::Duration), CliError> {
    let rules = registry
        .line_rules(&args.tenant)
        .await
        .map_err(|e| CliError::Config(e.to_string()))?;
    let mut rejects = Rejects::create(rejects_path)
        .map_err(|e| CliError::Config(format!("cannot write {}: {e}", rejects_path.display())))?;
    let format = shape.format;
    let writer = Arc::new(chunk::Writer {
        registry,
        caller: Caller {
            tenant: args.tenant.clone(),
            actor: "import".to_owned(),
            role: Role::Writer,
        },
        door: args.door,
        scope: format!("import {} {}", format.name(), args.door.name()),
        file: hash.to_owned(),
    });
    let (sender, mut chunks) = mpsc::channel(READ_AHEAD);
    let (path, door, size) = (args.file.clone(), args.door, shape.chunk);
    let reader = std::thread::spawn(move || read::read(&path, format, door, rules, size, sender));
    let mut progress = Progress::new(rows.saturating_sub(u64::from(format == Format::Csv)));
    let mut summary = Summary::default();
    let mut failed = None;
    let mut write_failed = false;
    let mut flight = Flight::new(shape.in_flight);
    'read: while let Some(chunk) = chunks.recv().await {
        let chunk = match chunk {
            Ok(chunk) => chunk,
            Err(e) => {
                failed = Some(e);
                break;
            }
        };
        summary.skipped += chunk.blank;
        if chunk.rows == 0 {
            continue;
        }
        let ids = flight.ids(&chunk.good);
        while !flight.clear(ids.as_ref()) {
            let Some(done) = flight.oldest() else { break };
            if let Err(e) = settle(done, &mut rejects, &mut summary, &mut progress).await? {
                failed = Some(e);
                write_failed = true;
                break 'read;
            }
        }
        let writer = writer.clone();
        let task = tokio::spawn(async move {
            writer
                .write(chunk.first, chunk.last, chunk.good, chunk.rejects)
                .await
        });
        flight.push(chunk.rows, ids, task);
    }
    // What is still in flight (all of it before a line the reader failed at) is waited for,
    // and reported up to the first chunk that failed; one stored after it is replayed by a
    // rerun.
    while let Some(done) = flight.oldest() {
        if write_failed {
            let _ = done.task.await;
            continue;
        }
        if let Err(e) = settle(done, &mut rejects, &mut summary, &mut progress).await? {
            write_failed = true;
            failed = Some(e);
        }
    }
    drop(chunks);
    let _ = reader.join();
    progress.finish();
    if let Some(e) = failed {
        return Err(CliError::Config(format!(
            "the import stopped: {e}\n{}; the rows before were answered, and a rerun goes on",
            summary.line(progress.elapsed())
        )));
    }
    debug_assert_eq!(summary.rejected, rejects.count());
    Ok((summary, progress.elapsed()))
}

/// Waits for a chunk in flight and reports it; `Err` inside when the chunk's write failed.
async fn settle(
    done: Flying,
    rejects: &mut Rejects,
    summary: &mut Summary,
    progress: &mut Progress,
) -> Result<Result<(), String>, CliError> {
    let written = match done.task.await {
        Ok(Ok(written)) => written,
        Ok(Err(e)) => return Ok(Err(e)),
        Err(e) => return Ok(Err(format!("a chunk's write stopped: {e}"))),
    };
    let rejected = written.rejects.len() as u64;
    rejects
        .write(written.rejects)
        .map_err(|e| CliError::Config(format!("cannot write {}: {e}", rejects.path().display())))?;
    summary.stored += written.stored;
    summary.replayed += written.replayed;
    summary.rejected += rejected;
    progress.advance(done.rows, rejected);
    Ok(Ok(()))
}
