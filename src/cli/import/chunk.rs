//! Writing one chunk of rows through the write pipeline, exactly once across reruns.
//!
//! A chunk is written as one batch (`Command::Batch`, or `Command::BankBatch` for the bank
//! door): one transaction, each row's objects planned by the domain and each customer given
//! its number and its `customer.created` event. The write claims the idempotency key
//! `HASH:FIRST-LAST:ATTEMPT` (the file's SHA-256, the chunk's first and last lines, and the
//! attempt), and the answer kept with the claim says, by line, what was stored and what was
//! refused. A rerun of the file sends the same keys in the same order and so gets the answers
//! back instead of writing again; every decision after an attempt is taken from its answer
//! alone, fresh or replayed, so a rerun walks the same attempts as the run it continues.
//!
//! When the store refuses the batch (a duplicate found only in the transaction, a parent
//! that is not there), the answer names the row it is about; that row is rejected and the
//! rest are sent again as the next attempt. After the first duplicate, the rows left are
//! looked up by their external ids, so a file that is mostly stored already costs one more
//! attempt per chunk, not one per row; what the lookup found is kept in that attempt's
//! answer, so its replay finds the same.

use std::collections::HashSet;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::read::{bank_relative, split_item, Door, Good, Item};
use super::report::{LineError, Reject};
use crate::api::bank::fields as bank_fields;
use crate::api::native::fields as native_fields;
use crate::app::{respond_with, AppError, Caller, Command, Failure, Registry, Respond};
use crate::domain::idempotency::{Answer, Claim};
use crate::domain::records::ListFilter;
use crate::domain::{FieldCode, FieldErrors, Kind};

/// What an attempt's answer keeps: the lines stored (as ranges of lines, first and last)
/// and the lines refused, with their problems.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Kept {
    stored: Vec<(u64, u64)>,
    rejected: Vec<Reject>,
}

/// What became of a chunk.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Rows this run stored.
    pub stored: u64,
    /// Rows an earlier run stored, whose answers were replayed.
    pub replayed: u64,
    /// Every row not stored, in line order, once each.
    pub rejects: Vec<Reject>,
}

/// Writes chunks of one file for one tenant.
pub struct Writer {
    pub registry: Registry,
    pub caller: Caller,
    pub door: Door,
    /// The claims' scope: the import, its format and door.
    pub scope: String,
    /// The file's SHA-256, hex.
    pub file: String,
}

/// Attempts beyond which a chunk whose answers make no progress is given up.
const ATTEMPTS_PAST_ROWS: usize = 8;
/// How long a write that found the data busy waits before it tries again, and how often.
const BUSY_WAIT: Duration = Duration::from_millis(250);
const BUSY_TRIES: u32 = 120;

impl Writer {
    /// Writes the rows of the chunk of lines `first..=last`; `rejects` are its rows
    /// answered already.
    pub async fn write(
        &self,
        first: u64,
        last: u64,
        good: Vec<Good>,
        mut rejects: Vec<Reject>,
    ) -> Result<Outcome, String> {
        let mut outcome = Outcome::default();
        let mut stored: HashSet<u64> = HashSet::new();
        let mut pending = good;
        let mut known: Vec<Reject> = Vec::new();
        let mut looked_up = false;
        let most = pending.len() + ATTEMPTS_PAST_ROWS;
        for attempt in 0.. {
            if attempt > most {
                return Err(format!(
                    "lines {first} to {last}: the answers kept for this file make no progress; \
                     was it imported before with another catalog or --chunk?"
                ));
            }
            let (kept, replayed) = self
                .attempt(first, last, attempt, &pending, std::mem::take(&mut known))
                .await?;
            let mut lines = 0;
            for (from, to) in &kept.stored {
                for line in *from..=*to {
                    if stored.insert(line) {
                        lines += 1;
                    }
                }
            }
            if replayed {
                outcome.replayed += lines;
            } else {
                outcome.stored += lines;
            }
            let refused: HashSet<u64> = kept.rejected.iter().map(|r| r.line).collect();
            let duplicate = kept
                .rejected
                .iter()
                .any(|r| r.errors.iter().any(LineError::is_duplicate));
            rejects.extend(kept.rejected);
            pending.retain(|g| !stored.contains(&g.line) && !refused.contains(&g.line));
            if pending.is_empty() {
                break;
            }
            if duplicate && !looked_up && pending.len() > 1 {
                looked_up = true;
                known = self.stored_already(&pending).await?;
            }
        }
        rejects.retain(|r| !stored.contains(&r.line));
        rejects.sort_by_key(|r| r.line);
        rejects.dedup_by_key(|r| r.line);
        outcome.rejects = rejects;
        Ok(outcome)
    }

    /// The chunk's claim for one attempt: its key names the file, the lines and the attempt;
    /// the fingerprint only the key, so a replay answers whatever the rows sent now.
    fn claim(&self, first: u64, last: u64, attempt: usize) -> Claim {
        let key = format!("{}:{first}-{last}:{attempt}", self.file);
        let mut hash = Sha256::new();
        hash.update(self.scope.as_bytes());
        hash.update(b"\n");
        hash.update(key.as_bytes());
        Claim {
            scope: self.scope.clone(),
            key,
            fingerprint: hex::encode(hash.finalize()),
        }
    }

    /// Sends the pending rows but those `known` to be refused, and keeps `known` with the
    /// answer; the answer as kept, and whether it is a replay.
    async fn attempt(
        &self,
        first: u64,
        last: u64,
        attempt: usize,
        pending: &[Good],
        known: Vec<Reject>,
    ) -> Result<(Kept, bool), String> {
        let skipped: HashSet<u64> = known.iter().map(|r| r.line).collect();
        let sent: Vec<&Good> = pending
            .iter()
            .filter(|g| !skipped.contains(&g.line))
            .collect();
        let lines: Vec<(u64, Kind)> = sent.iter().map(|g| (g.line, g.item.kind())).collect();
        for _ in 0..BUSY_TRIES {
            let claim = self.claim(first, last, attempt);
            let command = command(self.door, &sent);
            let respond = respond(self.door, lines.clone(), known.clone());
            match self
                .registry
                .write(&self.caller, Some(claim), command, respond)
                .await
            {
                Ok(reply) => {
                    let kept: Kept = serde_json::from_slice(&reply.answer.body).map_err(|e| {
                        format!(
                            "lines {first} to {last}: the answer kept for them is not an import's: {e}"
                        )
                    })?;
                    return Ok((kept, reply.replayed));
                }
                // Nothing was written: the same attempt again, after a while.
                Err(AppError::Busy | AppError::InProgress) => tokio::time::sleep(BUSY_WAIT).await,
                Err(e) => return Err(format!("lines {first} to {last}: {e}")),
            }
        }
        Err(format!(
            "lines {first} to {last}: the database stayed busy; run the import again to go on"
        ))
    }

    /// The rejects of the pending rows whose external ids are stored already.
    async fn stored_already(&self, pending: &[Good]) -> Result<Vec<Reject>, String> {
        let mut found = Vec::new();
        for good in pending {
            let Some(id) = good.item.external_id() else {
                continue;
            };
            let filter = ListFilter {
                external_id: Some(id.to_owned()),
                limit: 1,
                ..ListFilter::default()
            };
            let (records, _) = self
                .registry
                .objects(&self.caller, good.item.kind(), filter)
                .await
                .map_err(|e| e.to_string())?;
            if !records.is_empty() {
                found.push(Reject {
                    line: good.line,
                    errors: vec![taken(self.door)],
                });
            }
        }
        Ok(found)
    }
}

/// The problem of a row whose external id is stored already, as its door words it.
fn taken(door: Door) -> LineError {
    let message = match door {
        Door::Native => "this value is already taken",
        Door::Bank => "is stored already",
    };
    LineError::new(door.external_id_field(), FieldCode::Duplicate, message)
}

fn command(door: Door, rows: &[&Good]) -> Command {
    let native = || {
        rows.iter()
            .filter_map(|g| match &g.item {
                Item::Native { spec, .. } => Some(spec.clone()),
                Item::Bank(_) => None,
            })
            .collect()
    };
    match door {
        Door::Bank if !rows.is_empty() => Command::BankBatch(
            rows.iter()
                .filter_map(|g| match &g.item {
                    Item::Bank(spec) => Some(spec.clone()),
                    Item::Native { .. } => None,
                })
                .collect(),
        ),
        // An attempt with nothing to write still claims its key, to keep what it knew.
        Door::Bank | Door::Native => Command::Batch(native()),
    }
}

/// The answer kept with an attempt: `lines` are the lines sent, in the batch's order.
fn respond(door: Door, lines: Vec<(u64, Kind)>, known: Vec<Reject>) -> Respond {
    respond_with(move |result, _events| {
        let mut kept = Kept {
            stored: Vec::new(),
            rejected: known.clone(),
        };
        let status = match result {
            Ok(_) => {
                kept.stored = ranges(lines.iter().map(|(line, _)| *line));
                201
            }
            Err(failure) => {
                kept.rejected.extend(refused(door, failure, &lines));
                422
            }
        };
        Answer {
            status,
            content_type: "application/json".to_owned(),
            body: serde_json::to_vec(&kept).expect("an answer always serialises"),
            location: None,
        }
    })
}

/// Runs of consecutive lines, as first and last.
fn ranges(lines: impl Iterator<Item = u64>) -> Vec<(u64, u64)> {
    let mut out: Vec<(u64, u64)> = Vec::new();
    for line in lines {
        match out.last_mut() {
            Some((_, last)) if *last + 1 == line => *last = line,
            _ => out.push((line, line)),
        }
    }
    out
}

/// The rows a refused batch names, with their problems; a problem about no row in
/// particular is every row's.
fn refused(door: Door, failure: Failure<'_>, lines: &[(u64, Kind)]) -> Vec<Reject> {
    match failure {
        Failure::Invalid(errors) => invalid(door, errors, lines),
        Failure::Refused(refusal, at) => {
            // A bank refusal's own item counts the batch's accounts too: only its path
            // tells the row.
            let item = split_item(at).0.or(match door {
                Door::Native => refusal.item(),
                Door::Bank => None,
            });
            let problem = match door {
                Door::Native => {
                    let kind = item.and_then(|i| lines.get(i)).map(|(_, kind)| *kind);
                    native_fields::problem(failure, kind)
                }
                Door::Bank => bank_fields::problem(failure),
            };
            let errors = LineError::from_problem(&problem, |field| match door {
                Door::Native => field.to_owned(),
                Door::Bank => bank_relative(field),
            });
            match item.and_then(|i| lines.get(i)) {
                Some((line, _)) => vec![Reject {
                    line: *line,
                    errors,
                }],
                None => lines
                    .iter()
                    .map(|(line, _)| Reject {
                        line: *line,
                        errors: errors.clone(),
                    })
                    .collect(),
            }
        }
    }
}

fn invalid(door: Door, errors: &FieldErrors, lines: &[(u64, Kind)]) -> Vec<Reject> {
    let mut by_item: Vec<Vec<LineError>> = vec![Vec::new(); lines.len()];
    let mut everyone = Vec::new();
    for error in errors.as_slice() {
        let (item, rest) = split_item(&error.path);
        let kind = item.and_then(|i| lines.get(i)).map(|(_, kind)| *kind);
        let field = match door {
            Door::Native => native_fields::render(&rest, kind),
            Door::Bank => bank_relative(&bank_fields::render(&error.path)),
        };
        let problem = LineError::new(field, error.code, error.message.clone());
        match item.filter(|i| *i < lines.len()) {
            Some(i) => by_item[i].push(problem),
            None => everyone.push(problem),
        }
    }
    lines
        .iter()
        .zip(by_item)
        .filter_map(|((line, _), mut errors)| {
            errors.extend(everyone.iter().cloned());
            (!errors.is_empty()).then_some(Reject {
                line: *line,
                errors,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_join_consecutive_lines() {
        assert_eq!(
            ranges([1, 2, 3, 5, 7, 8].into_iter()),
            vec![(1, 3), (5, 5), (7, 8)]
        );
        assert!(ranges(std::iter::empty()).is_empty());
    }
}
