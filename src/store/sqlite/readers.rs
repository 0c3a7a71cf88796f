//! The pool of read connections.

use std::sync::Mutex;

use rusqlite::Connection;
use tokio::sync::Semaphore;

use super::open::open_connection;
use crate::domain::records::ListFilter;
use crate::store::{Result, StoreError};

/// Read connections handed out one per query; WAL lets them read while the writer writes.
pub(super) struct Readers {
    pub(super) path: String,
    pub(super) idle: Mutex<Vec<Connection>>,
    pub(super) permits: Semaphore,
}

/// Where a read runs, by what it may cost.
///
/// In WAL mode a reader on an open connection takes no lock it can wait on (SQLite answers
/// busy only while a connection opens or recovers the log), so a read found through a key
/// is a few microseconds of CPU: less than the two thread hand-offs of `spawn_blocking`
/// around it. Run on the task's own thread, `GET /v1/customers?limit=1` went from 38–41k to
/// 60–73k answers a second on two cores. A page of rows, a scan or a filter no index serves
/// is another matter: on the runtime's threads it holds up every task queued behind it
/// (creates beside 100-row page reads fell from 6.9k to 3.1k a second), while on a blocking
/// thread the kernel shares the cores between it and them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Reach {
    /// A unique key, or a few rows of an index from a key: runs where it is awaited.
    Few,
    /// Anything else: runs on a blocking thread.
    Many,
}

impl Readers {
    pub(super) async fn read<T, F>(&self, reach: Reach, work: F) -> Result<T>
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
        let (conn, result) = match idle {
            Some(conn) if reach == Reach::Few => {
                let result = work(&conn);
                (conn, result)
            }
            // A read of many rows runs on a blocking thread, and so does opening a connection,
            // which can wait on the database's locks.
            idle => {
                let path = self.path.clone();
                tokio::task::spawn_blocking(move || {
                    let conn = match idle {
                        Some(conn) => conn,
                        None => open_connection(&path, true)?,
                    };
                    let result = work(&conn);
                    Ok::<_, StoreError>((conn, result))
                })
                .await
                .map_err(|e| StoreError::Database(format!("a read panicked: {e}")))??
            }
        };
        self.idle.lock().expect("reader pool lock").push(conn);
        result
    }
}

/// Rows a page may hold and still be read where it is awaited.
const FEW_ROWS: usize = 10;

/// A page of `limit` rows read along an index from a key (the tenant's events after a
/// number, or a listing's first ids).
pub(super) fn page_reach(limit: usize) -> Reach {
    if limit <= FEW_ROWS {
        Reach::Few
    } else {
        Reach::Many
    }
}

/// A short page of a kind in id order, found through its tenant's index or an external id;
/// a filter on anything else may walk many rows to fill it.
pub(super) fn list_reach(filter: &ListFilter) -> Reach {
    // Named one by one, so that a filter added to listings has to be placed here too.
    let ListFilter {
        external_id: _,
        segment,
        state,
        created_after,
        customer,
        account,
        after_id: _,
        limit,
    } = filter;
    let indexed = segment.is_none()
        && state.is_none()
        && created_after.is_none()
        && customer.is_none()
        && account.is_none();
    if indexed {
        page_reach(*limit)
    } else {
        Reach::Many
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(limit: usize) -> ListFilter {
        ListFilter {
            limit,
            ..ListFilter::default()
        }
    }

    #[test]
    fn a_short_page_through_an_index_runs_where_it_is_awaited() {
        assert_eq!(list_reach(&filter(1)), Reach::Few);
        assert_eq!(list_reach(&filter(FEW_ROWS)), Reach::Few);
        let by_id = ListFilter {
            external_id: Some("c-1".into()),
            after_id: Some("01a2".into()),
            ..filter(5)
        };
        assert_eq!(list_reach(&by_id), Reach::Few);
        assert_eq!(page_reach(FEW_ROWS), Reach::Few);
    }

    #[test]
    fn a_longer_page_or_an_unindexed_filter_runs_apart() {
        assert_eq!(list_reach(&filter(FEW_ROWS + 1)), Reach::Many);
        assert_eq!(page_reach(FEW_ROWS + 1), Reach::Many);
        let unindexed = [
            ListFilter {
                segment: Some("b2b".into()),
                ..filter(1)
            },
            ListFilter {
                state: Some(crate::domain::state::State::Active),
                ..filter(1)
            },
            ListFilter {
                created_after: Some(
                    crate::domain::time::Timestamp::parse_rfc3339("2026-01-01T00:00:00Z").unwrap(),
                ),
                ..filter(1)
            },
            ListFilter {
                customer: Some("01a2".into()),
                ..filter(1)
            },
            ListFilter {
                account: Some("01a2".into()),
                ..filter(1)
            },
        ];
        for filter in unindexed {
            assert_eq!(list_reach(&filter), Reach::Many, "{filter:?}");
        }
    }
}
