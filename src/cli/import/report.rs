//! What an import tells: one reject line per bad input line, progress while it runs, and a
//! summary at the end.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressState, ProgressStyle};
use serde::{Deserialize, Serialize};

use crate::api::http::problem::{ApiError, FieldError};
use crate::domain::FieldCode;

/// One problem of a line: `field` is its path in the line's object as the door names it
/// (`state.stateReason`, `accounts[0].cards[1].last4`), empty for the line as a whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineError {
    pub field: String,
    pub code: String,
    pub message: String,
}

impl LineError {
    pub fn new(field: impl Into<String>, code: FieldCode, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            code: code_name(code),
            message: message.into(),
        }
    }

    /// A door's field problem, its field named by `field`.
    pub fn of(error: &FieldError, field: impl FnOnce(&str) -> String) -> Self {
        Self {
            field: field(&error.field),
            code: code_name(error.code),
            message: error.message.clone(),
        }
    }

    /// The problems a door's error lists, or the error itself for the whole line.
    pub fn from_problem(problem: &ApiError, field: impl Fn(&str) -> String) -> Vec<Self> {
        let listed: Vec<Self> = problem
            .field_errors()
            .iter()
            .map(|e| Self::of(e, &field))
            .collect();
        if !listed.is_empty() {
            return listed;
        }
        vec![Self {
            field: String::new(),
            code: problem.problem().code,
            message: problem.detail().to_owned(),
        }]
    }

    pub fn is_duplicate(&self) -> bool {
        self.code == code_name(FieldCode::Duplicate)
    }
}

/// A field code as the API spells it (`DUPLICATE`).
pub fn code_name(code: FieldCode) -> String {
    match serde_json::to_value(code) {
        Ok(serde_json::Value::String(name)) => name,
        _ => format!("{code:?}"),
    }
}

/// A bad input line and every problem found in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reject {
    pub line: u64,
    pub errors: Vec<LineError>,
}

/// The reject file: one JSON object a line, in line order, written anew by every run.
pub struct Rejects {
    path: PathBuf,
    out: BufWriter<File>,
    count: u64,
}

impl Rejects {
    pub fn create(path: &Path) -> std::io::Result<Self> {
        Ok(Self {
            path: path.to_owned(),
            out: BufWriter::new(File::create(path)?),
            count: 0,
        })
    }

    /// Writes a chunk's rejects, each line once, in line order.
    pub fn write(&mut self, rejects: Vec<Reject>) -> std::io::Result<()> {
        let mut by_line: BTreeMap<u64, Reject> = BTreeMap::new();
        for reject in rejects {
            by_line.entry(reject.line).or_insert(reject);
        }
        for reject in by_line.values() {
            serde_json::to_writer(&mut self.out, reject)?;
            self.out.write_all(b"\n")?;
            self.count += 1;
        }
        self.out.flush()
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// How often progress is told when stderr is not a terminal.
const PLAIN_EVERY: Duration = Duration::from_secs(2);

/// A progress bar on a terminal; plain lines on stderr every few seconds otherwise.
pub struct Progress {
    bar: Option<ProgressBar>,
    started: Instant,
    told: Instant,
    total: u64,
    done: u64,
    rejected: u64,
}

impl Progress {
    /// `total` is how many rows the file has, as far as a quick count tells.
    pub fn new(total: u64) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(total);
            let style = ProgressStyle::with_template(
                "{elapsed_precise} [{wide_bar}] {human_pos}/{human_len} rows, {rate}, ETA {eta} {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .with_key("rate", |state: &ProgressState, out: &mut dyn std::fmt::Write| {
                let _ = write!(out, "{:.0} rows/s", state.per_sec());
            })
            .progress_chars("=> ");
            bar.set_style(style);
            bar.set_message("· 0 rejected");
            bar.enable_steady_tick(Duration::from_millis(250));
            bar
        });
        let now = Instant::now();
        Self {
            bar,
            started: now,
            told: now,
            total,
            done: 0,
            rejected: 0,
        }
    }

    /// `rows` more rows answered, `rejected` of them rejected.
    pub fn advance(&mut self, rows: u64, rejected: u64) {
        self.done += rows;
        self.rejected += rejected;
        if self.done > self.total {
            self.total = self.done;
            if let Some(bar) = &self.bar {
                bar.set_length(self.total);
            }
        }
        if let Some(bar) = &self.bar {
            bar.set_position(self.done);
            bar.set_message(format!("· {} rejected", self.rejected));
            return;
        }
        if self.told.elapsed() >= PLAIN_EVERY {
            self.told = Instant::now();
            eprintln!("import: {}", self.line());
        }
    }

    fn line(&self) -> String {
        let seconds = self.started.elapsed().as_secs_f64();
        let rate = self.done as f64 / seconds.max(1e-3);
        let left = self.total.saturating_sub(self.done) as f64 / rate.max(1e-3);
        let percent = self.done as f64 * 100.0 / (self.total.max(1)) as f64;
        format!(
            "{} of {} rows ({percent:.0} %), {rate:.0} rows/s, {} rejected, about {left:.0} s left",
            self.done, self.total, self.rejected
        )
    }

    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// What a run did, for its last line.
#[derive(Debug, Default, Clone, Copy)]
pub struct Summary {
    /// Stored by this run.
    pub stored: u64,
    /// Stored by an earlier run of the same file and replayed, not written again.
    pub replayed: u64,
    pub rejected: u64,
    /// Blank lines, which are no row.
    pub skipped: u64,
}

impl Summary {
    pub fn line(&self, elapsed: Duration) -> String {
        let seconds = elapsed.as_secs_f64();
        let rows = self.stored + self.replayed + self.rejected;
        format!(
            "stored {}, replayed {}, rejected {}, skipped {}, {seconds:.2} s, {:.0} rows/s",
            self.stored,
            self.replayed,
            self.rejected,
            self.skipped,
            rows as f64 / seconds.max(1e-3)
        )
    }
}
