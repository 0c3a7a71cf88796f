//! Sessions of the eGain door's users, kept in the database so that every server process
//! on it takes them. A session is found by its token's hash, lives while its last use
//! written is recent, and is deleted when its user logs out, when it is forced out by a
//! newer one, or once it has expired.

use super::{users, Conn, Statement};
use crate::domain::time::Timestamp;
use crate::domain::users::{sessions_to_end, SessionOpened, SessionOpening, SessionRecord};
use crate::store::Result;

/// Logins of one user queue here, so that two at once cannot both see room for one more
/// session. SQLite's single writer already runs each login alone.
static LOCK_USER: Statement =
    Statement::locking("SELECT 1 FROM users WHERE id = $1", " FOR UPDATE");
static END_EXPIRED_OF_USER: Statement =
    Statement::new("DELETE FROM sessions WHERE user_id = $1 AND last_used_at <= $2");
static SESSIONS_OF_USER: Statement =
    Statement::new("SELECT id FROM sessions WHERE user_id = $1 ORDER BY created_at, id");
static END_BY_ID: Statement = Statement::new("DELETE FROM sessions WHERE id = $1");
static INSERT_SESSION: Statement = Statement::new(
    "INSERT INTO sessions (id, user_id, token_hash, created_at, last_used_at) \
     VALUES ($1, $2, $3, $4, $4)",
);
static FIND_SESSION: Statement = Statement::new(
    "SELECT s.id, s.last_used_at, u.name, u.tenant_id, u.role \
     FROM sessions s JOIN users u ON u.id = s.user_id \
     WHERE s.token_hash = $1 AND s.last_used_at > $2",
);
/// Writes nothing when another request (of any process) wrote a use since `$3`, or when
/// the session expired meanwhile: a touch never brings a session back.
static TOUCH: Statement = Statement::new(
    "UPDATE sessions SET last_used_at = $1 \
     WHERE id = $2 AND last_used_at <= $3 AND last_used_at > $4",
);
static END_BY_TOKEN: Statement =
    Statement::new("DELETE FROM sessions WHERE token_hash = $1 AND last_used_at > $2");
static PURGE: Statement = Statement::new("DELETE FROM sessions WHERE last_used_at <= $1");

/// Opens a session for its user unless the user holds the most there may be; with
/// `force`, the user's oldest sessions end to make room. Run in one transaction.
pub(crate) async fn open_session<C: Conn>(
    conn: &C,
    opening: &SessionOpening,
) -> Result<SessionOpened> {
    let session = &opening.session;
    let user = &session.user_id;
    if conn.dialect().locks_rows() {
        conn.query_opt(&LOCK_USER, params![user], |_| Ok(()))
            .await?;
    }
    conn.exec(&END_EXPIRED_OF_USER, params![user, opening.live_since])
        .await?;
    let live = conn
        .query(&SESSIONS_OF_USER, params![user], |row| row.text(0))
        .await?;
    let ended = match sessions_to_end(live.len(), opening.max, opening.force) {
        Ok(ended) => ended,
        Err(refused) => return Ok(refused),
    };
    for id in live.iter().take(ended) {
        conn.exec(&END_BY_ID, params![id]).await?;
    }
    let params = params![&session.id, user, &session.token_hash, session.at];
    conn.exec(&INSERT_SESSION, params).await?;
    Ok(SessionOpened::Opened { ended })
}

/// The live session with this token's hash, and its user.
pub(crate) async fn find_session<C: Conn>(
    conn: &C,
    token_hash: &str,
    live_since: Timestamp,
) -> Result<Option<SessionRecord>> {
    conn.query_opt(&FIND_SESSION, params![token_hash, live_since], |row| {
        Ok(SessionRecord {
            id: row.text(0)?,
            last_used_at: Timestamp::from_micros(row.i64(1)?),
            user_name: row.text(2)?,
            tenant: row.text(3)?,
            role: users::role(row, 4)?,
        })
    })
    .await
}

/// Records a use at `at` unless one was recorded after `since`, or the session is over.
pub(crate) async fn touch_session<C: Conn>(
    conn: &C,
    id: &str,
    at: Timestamp,
    since: Timestamp,
    live_since: Timestamp,
) -> Result<()> {
    conn.exec(&TOUCH, params![at, id, since, live_since])
        .await
        .map(drop)
}

/// Ends the live session with this token's hash; whether there was one.
pub(crate) async fn end_session<C: Conn>(
    conn: &C,
    token_hash: &str,
    live_since: Timestamp,
) -> Result<bool> {
    Ok(conn
        .exec(&END_BY_TOKEN, params![token_hash, live_since])
        .await?
        > 0)
}

/// Deletes every session last used at `before` or earlier; how many.
pub(crate) async fn purge_sessions<C: Conn>(conn: &C, before: Timestamp) -> Result<u64> {
    conn.exec(&PURGE, params![before]).await
}
