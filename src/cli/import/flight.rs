//! Chunks written beside each other: while one chunk's transaction is in the database, the
//! next one is planned and sent (on another connection on PostgreSQL; on SQLite it waits
//! for the one writer, and is then committed next), so neither the database nor the import
//! waits for the other.
//!
//! Only chunks that cannot see each other go together: every row a native customer that
//! names no parent, and no external id in two of them. Whatever order their transactions
//! commit in, each row is then stored or refused as it would be one chunk after the other:
//! a row of one chunk neither needs nor takes anything of another's. Any other chunk (an
//! account, a subscriber, a bank customer, a parent, an id seen in a chunk in flight) is
//! written alone, once those before it are done.

use std::collections::{HashSet, VecDeque};

use tokio::task::JoinHandle;

use super::chunk::Outcome;
use super::read::{Good, Item};
use crate::domain::object::ObjectSpec;

/// The external ids of a chunk that may go beside others; `None` when it must go alone.
fn beside(good: &[Good]) -> Option<HashSet<String>> {
    let mut ids = HashSet::with_capacity(good.len());
    for row in good {
        let Item::Native {
            spec: ObjectSpec::Customer(customer),
            ..
        } = &row.item
        else {
            return None;
        };
        if customer.parent.is_some() {
            return None;
        }
        ids.extend(customer.common.external_id.clone());
    }
    Some(ids)
}

/// A chunk being written, with what its report needs once it is done.
pub struct Flying {
    pub rows: u64,
    ids: Option<HashSet<String>>,
    pub task: JoinHandle<Result<Outcome, String>>,
}

/// The chunks being written, in the file's order.
pub struct Flight {
    most: usize,
    chunks: VecDeque<Flying>,
}

impl Flight {
    /// At most `most` chunks at once; 1 writes them one after the other.
    pub fn new(most: usize) -> Self {
        Self {
            most: most.max(1),
            chunks: VecDeque::new(),
        }
    }

    /// The external ids of `good`, when it may go beside other chunks.
    pub fn ids(&self, good: &[Good]) -> Option<HashSet<String>> {
        if self.most > 1 {
            beside(good)
        } else {
            None
        }
    }

    /// Whether a chunk with these ids may start now; when not, the caller waits for the
    /// oldest chunk and asks again.
    pub fn clear(&self, ids: Option<&HashSet<String>>) -> bool {
        self.chunks.is_empty()
            || (self.chunks.len() < self.most
                && ids.is_some_and(|ids| {
                    self.chunks
                        .iter()
                        .all(|c| c.ids.as_ref().is_some_and(|theirs| theirs.is_disjoint(ids)))
                }))
    }

    pub fn push(
        &mut self,
        rows: u64,
        ids: Option<HashSet<String>>,
        task: JoinHandle<Result<Outcome, String>>,
    ) {
        self.chunks.push_back(Flying { rows, ids, task });
    }

    /// The oldest chunk in flight.
    pub fn oldest(&mut self) -> Option<Flying> {
        self.chunks.pop_front()
    }
}
