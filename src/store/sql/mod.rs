//! What both backends share, written once: every statement (with `$N` placeholders), the
//! listing filters, row decoding into domain records, the table of unique indexes, and the
//! write algorithms themselves. A backend brings only a [`Conn`]: how to run a statement,
//! read its rows and keep a savepoint, and which [`Dialect`] it speaks, so that the few
//! statements one backend does better (PostgreSQL's row locks and data-modifying CTEs) are
//! chosen here, in one place, rather than by forking the algorithm.
//!
//! The algorithms are `async` because PostgreSQL's driver is; SQLite's calls never wait,
//! so its backend finishes each of these futures in a single poll.

use std::sync::OnceLock;

use crate::domain::records::Common;
use crate::domain::refusal::{Refusal, UniqueKey};
use crate::domain::state::{State, StateWithReason};
use crate::domain::time::Timestamp;
use crate::domain::Kind;
use crate::store::{Result, StoreError, Write};

/// The columns every kind of object has, in the order [`common`] reads them.
macro_rules! common_columns {
    () => {
        "x.id, x.external_id, x.profile, x.segment, x.custom_name, x.custom_attributes, \
         x.state, x.state_reason, x.created_at, x.updated_at"
    };
}

/// Binds a statement's parameters in order, each converted by [`Param::from`].
macro_rules! params {
    ($($value:expr),* $(,)?) => {
        &[$($crate::store::sql::Param::from($value)),*]
    };
}
pub(crate) use params;

/// Unwraps what a refusable step gives back, or hands its refusal up unchanged.
macro_rules! accept {
    ($step:expr) => {
        match $step {
            Ok(value) => value,
            Err(refusal) => return Ok(Err(refusal)),
        }
    };
}

mod accounts;
mod bank;
mod batch;
mod cards;
pub(crate) mod catalog_usage;
pub(crate) mod constraints;
pub(crate) mod contacts;
pub(crate) mod counted;
mod customer_updates;
mod customers;
pub(crate) mod events;
pub(crate) mod execute;
mod gates;
pub(crate) mod grouped;
pub(crate) mod history;
pub(crate) mod idempotency;
mod joint;
pub(crate) mod keys;
mod lifecycle;
pub(crate) mod numbers;
pub(crate) mod objects;
mod parents;
mod pending;
mod references;
pub(crate) mod relay;
pub(crate) mod sessions;
mod subscribers;
pub(crate) mod tenants;
pub(crate) mod users;
mod values;
pub(crate) mod webhooks;

/// A step of a write that the data already stored can refuse: `Ok(Err(..))`.
pub(crate) type Step<T> = Result<std::result::Result<T, Refusal>>;

/// The SQL a connection speaks, as far as the shared code must know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    Postgres,
    Sqlite,
}

impl Dialect {
    /// Many PostgreSQL processes write at once, so a write locks what it decides on (a
    /// parent it references, the object it changes) until it commits. SQLite has one
    /// writer, which already makes every write run alone.
    pub(crate) fn locks_rows(self) -> bool {
        self == Dialect::Postgres
    }

    /// An idempotency claim is a row from the moment it is made where writes run at once
    /// (PostgreSQL): the first of two uses of a key inserts it, the second finds it and
    /// waits on its lock. SQLite's one writer runs each write alone, so its claim is a
    /// lookup and the row goes in once, with the answer.
    pub(crate) fn claims_by_row(self) -> bool {
        self == Dialect::Postgres
    }

    /// Each PostgreSQL statement is a round trip, which a data-modifying CTE saves; SQLite
    /// has no such CTEs and its statements cost no round trip.
    pub(crate) fn writes_in_ctes(self) -> bool {
        self == Dialect::Postgres
    }

    /// Arrays bind as one parameter, so a whole page's account owners come in one query.
    pub(crate) fn binds_arrays(self) -> bool {
        self == Dialect::Postgres
    }

    /// A write that leaves nothing to undo when refused goes without a savepoint of its
    /// own: on PostgreSQL one costs two round trips, on SQLite two statements of the one
    /// writer's time.
    pub(crate) fn savepoint_for(self, write: &Write) -> bool {
        !write.is_single_write()
    }

    fn slot(self) -> usize {
        match self {
            Dialect::Postgres => 0,
            Dialect::Sqlite => 1,
        }
    }
}

/// A statement written once for both backends, in PostgreSQL's `$N` form. SQLite reads `$N`
/// as a *named* parameter numbered by first appearance, so its text has `?N` instead; each
/// dialect's text is made on first use and kept, so a call costs no formatting and both
/// backends' statement caches see the same string every time.
pub(crate) struct Statement {
    /// Put before the template: a kind's `SELECT … FROM …`, say.
    prefix: &'static str,
    template: &'static str,
    /// Fills `{table}` in the template.
    kind: Option<Kind>,
    /// Appended where rows are locked (PostgreSQL), dropped where they are not.
    lock: &'static str,
    texts: [OnceLock<String>; 2],
}

impl Statement {
    pub(crate) const fn new(template: &'static str) -> Self {
        Self::build("", template, None, "")
    }

    /// `prefix` and then `template`, for statements that share their head (a `SELECT`).
    pub(crate) const fn prefixed(prefix: &'static str, template: &'static str) -> Self {
        Self::build(prefix, template, None, "")
    }

    /// A statement that takes `lock` (` FOR SHARE`, ` FOR UPDATE`…) where rows are locked.
    pub(crate) const fn locking(template: &'static str, lock: &'static str) -> Self {
        Self::build("", template, None, lock)
    }

    const fn build(
        prefix: &'static str,
        template: &'static str,
        kind: Option<Kind>,
        lock: &'static str,
    ) -> Self {
        Self {
            prefix,
            template,
            kind,
            lock,
            texts: [OnceLock::new(), OnceLock::new()],
        }
    }

    pub(crate) fn text(&self, dialect: Dialect) -> &str {
        self.texts[dialect.slot()].get_or_init(|| self.render(dialect))
    }

    fn render(&self, dialect: Dialect) -> String {
        let mut text = format!("{}{}", self.prefix, self.template);
        if let Some(kind) = self.kind {
            text = text.replace("{table}", table(kind));
        }
        if dialect.locks_rows() {
            text.push_str(self.lock);
        }
        match dialect {
            Dialect::Postgres => text,
            Dialect::Sqlite => text.replace('$', "?"),
        }
    }
}

/// One statement over each kind's table: `{table}` names the kind's.
pub(crate) struct PerKind([Statement; 3]);

impl PerKind {
    pub(crate) const fn new(template: &'static str) -> Self {
        Self::locking(template, "")
    }

    pub(crate) const fn locking(template: &'static str, lock: &'static str) -> Self {
        Self([
            Statement::build("", template, Some(Kind::Customer), lock),
            Statement::build("", template, Some(Kind::Account), lock),
            Statement::build("", template, Some(Kind::Subscriber), lock),
        ])
    }

    pub(crate) fn of(&self, kind: Kind) -> &Statement {
        &self.0[match kind {
            Kind::Customer => 0,
            Kind::Account => 1,
            Kind::Subscriber => 2,
        }]
    }
}

/// A statement parameter, as both backends bind it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Param<'a> {
    Text(&'a str),
    OptText(Option<&'a str>),
    I64(i64),
    OptI64(Option<i64>),
    /// For `INTEGER` columns, which PostgreSQL will not bind from an `i64`.
    I32(i32),
    Bool(bool),
    OptBool(Option<bool>),
    Bytes(&'a [u8]),
    /// A text array; only where [`Dialect::binds_arrays`], as are the arrays below: a
    /// column of a multi-row statement each.
    Texts(&'a [String]),
    OptTexts(&'a [Option<&'a str>]),
    I64s(&'a [i64]),
    OptI64s(&'a [Option<i64>]),
    I32s(&'a [i32]),
    Bools(&'a [bool]),
    Blobs(&'a [&'a [u8]]),
}

impl<'a> From<&'a str> for Param<'a> {
    fn from(value: &'a str) -> Self {
        Param::Text(value)
    }
}

impl<'a> From<&'a String> for Param<'a> {
    fn from(value: &'a String) -> Self {
        Param::Text(value)
    }
}

impl<'a> From<Option<&'a str>> for Param<'a> {
    fn from(value: Option<&'a str>) -> Self {
        Param::OptText(value)
    }
}

impl<'a> From<&'a Option<String>> for Param<'a> {
    fn from(value: &'a Option<String>) -> Self {
        Param::OptText(value.as_deref())
    }
}

impl From<i64> for Param<'_> {
    fn from(value: i64) -> Self {
        Param::I64(value)
    }
}

impl From<i32> for Param<'_> {
    fn from(value: i32) -> Self {
        Param::I32(value)
    }
}

impl From<bool> for Param<'_> {
    fn from(value: bool) -> Self {
        Param::Bool(value)
    }
}

/// Times are stored as microseconds, so both databases compare them the same way.
impl From<Timestamp> for Param<'_> {
    fn from(value: Timestamp) -> Self {
        Param::I64(value.micros())
    }
}

impl From<State> for Param<'_> {
    fn from(value: State) -> Self {
        Param::Text(value.as_str())
    }
}

impl<'a> From<&'a [u8]> for Param<'a> {
    fn from(value: &'a [u8]) -> Self {
        Param::Bytes(value)
    }
}

impl<'a> From<&'a [String]> for Param<'a> {
    fn from(value: &'a [String]) -> Self {
        Param::Texts(value)
    }
}

/// One row of a result, read by column index whatever the driver.
pub(crate) trait Row {
    fn text(&self, column: usize) -> Result<String>;
    fn opt_text(&self, column: usize) -> Result<Option<String>>;
    fn i64(&self, column: usize) -> Result<i64>;
    fn opt_i32(&self, column: usize) -> Result<Option<i32>>;
    fn opt_i64(&self, column: usize) -> Result<Option<i64>>;
    fn bool(&self, column: usize) -> Result<bool>;
    fn opt_bool(&self, column: usize) -> Result<Option<bool>>;
    fn opt_bytes(&self, column: usize) -> Result<Option<Vec<u8>>>;
}

/// A connection (or transaction) the shared code runs its statements on. Cached statements
/// stay prepared on the connection; [`Conn::query_varying`] is for texts that vary with
/// their arguments.
pub(crate) trait Conn {
    fn dialect(&self) -> Dialect;

    /// Runs a statement; how many rows it touched.
    async fn exec(&self, statement: &Statement, params: &[Param<'_>]) -> Result<u64>;

    /// Like [`Conn::exec`], but a violation of a unique index the [`constraints`] table
    /// knows comes back as its key: the client's data caused it, not the database.
    async fn exec_unique(
        &self,
        statement: &Statement,
        params: &[Param<'_>],
    ) -> Result<std::result::Result<u64, UniqueKey>>;

    async fn query<T, F>(
        &self,
        statement: &Statement,
        params: &[Param<'_>],
        decode: F,
    ) -> Result<Vec<T>>
    where
        F: FnMut(&dyn Row) -> Result<T>;

    /// A query whose text varies with a listing's filters. PostgreSQL does not keep it
    /// prepared, or its per-connection cache would grow with every shape.
    async fn query_varying<T, F>(
        &self,
        sql: &str,
        params: &[Param<'_>],
        decode: F,
    ) -> Result<Vec<T>>
    where
        F: FnMut(&dyn Row) -> Result<T>;

    /// A query whose text is one of a few, bounded by the code that makes it (a listing's
    /// filters given or not, its limit one of a few): kept prepared, so that a read is not
    /// parsed and planned anew each time. SQLite keeps every text in its bounded cache of
    /// statements anyway.
    async fn query_shaped<T, F>(&self, sql: &str, params: &[Param<'_>], decode: F) -> Result<Vec<T>>
    where
        F: FnMut(&dyn Row) -> Result<T>,
    {
        self.query_varying(sql, params, decode).await
    }

    /// Begins the savepoint that a refused write rolls back to.
    async fn savepoint(&self) -> Result<()>;
    async fn release(&self) -> Result<()>;
    async fn rollback(&self) -> Result<()>;

    async fn query_opt<T, F>(
        &self,
        statement: &Statement,
        params: &[Param<'_>],
        decode: F,
    ) -> Result<Option<T>>
    where
        F: FnMut(&dyn Row) -> Result<T>,
    {
        Ok(self
            .query(statement, params, decode)
            .await?
            .into_iter()
            .next())
    }

    async fn query_one<T, F>(
        &self,
        statement: &Statement,
        params: &[Param<'_>],
        decode: F,
    ) -> Result<T>
    where
        F: FnMut(&dyn Row) -> Result<T>,
    {
        self.query_opt(statement, params, decode)
            .await?
            .ok_or_else(|| StoreError::Database("the query returned no row".into()))
    }
}

/// The table each kind is stored in; the domain knows kinds, not tables.
pub(crate) const fn table(kind: Kind) -> &'static str {
    match kind {
        Kind::Customer => "customers",
        Kind::Account => "accounts",
        Kind::Subscriber => "subscribers",
    }
}

/// The columns of [`common_columns!`], from the first.
pub(crate) fn common(row: &dyn Row) -> Result<Common> {
    Ok(Common {
        id: row.text(0)?,
        external_id: row.opt_text(1)?,
        profile: row.opt_text(2)?,
        segment: row.opt_text(3)?,
        custom_name: row.opt_text(4)?,
        custom_attributes: serde_json::from_str(&row.text(5)?).map_err(corrupt)?,
        state: state_with_reason(row, 6)?,
        created_at: timestamp(row, 8)?,
        updated_at: timestamp(row, 9)?,
    })
}

/// Reads one object by id, `statement` being its kind's select `WHERE x.tenant_id = $1
/// AND x.id = $2`.
pub(crate) async fn read_one<C: Conn>(
    conn: &C,
    statement: &Statement,
    decode: fn(&dyn Row) -> Result<crate::domain::records::Record>,
    tenant: &str,
    id: &str,
) -> Result<Option<crate::domain::records::Record>> {
    let mut records = conn.query(statement, params![tenant, id], decode).await?;
    Ok(records.pop())
}

/// Reads back an object the write itself just made or changed: not finding it means
/// damaged data.
pub(crate) fn must_exist<T>(found: Option<T>, kind: Kind, id: &str) -> Result<T> {
    found.ok_or_else(|| corrupt(format!("{kind} {id} cannot be read back")))
}

/// The condition every kind's read-one statement appends to its select.
pub(crate) const WHERE_ONE: &str = " WHERE x.tenant_id = $1 AND x.id = $2";

/// A refusal for the value a unique index keeps, at item `item` of the write.
pub(crate) fn taken<T>(
    written: std::result::Result<T, UniqueKey>,
    item: usize,
) -> std::result::Result<T, Refusal> {
    written.map_err(|key| Refusal::Taken { key, item })
}

pub(crate) fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(what.to_string())
}

/// Custom attributes are stored as a JSON object, the same text on both backends.
pub(crate) fn attributes_json(
    attributes: &crate::domain::attributes::Attributes,
) -> Result<String> {
    serde_json::to_string(attributes).map_err(corrupt)
}

/// A state and its reason from two columns; an unknown state means the data is damaged.
pub(crate) fn state_with_reason(row: &dyn Row, state: usize) -> Result<StateWithReason> {
    Ok(StateWithReason {
        state: parse_state(row.text(state)?)?,
        state_reason: row.text(state + 1)?,
    })
}

pub(crate) fn parse_state(text: String) -> Result<State> {
    text.parse()
        .map_err(|_| corrupt(format!("unknown state {text:?}")))
}

pub(crate) fn timestamp(row: &dyn Row, column: usize) -> Result<Timestamp> {
    row.i64(column).map(Timestamp::from_micros)
}

/// Whether an object may still change: DEACTIVATED is terminal.
pub(crate) fn is_terminal(common: &Common) -> bool {
    common.state.state == State::Deactivated
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_gets_numbered_placeholders_and_no_locks() {
        static S: PerKind = PerKind::locking(
            "SELECT id FROM {table} WHERE id = $2 AND t = $1",
            " FOR SHARE",
        );
        assert_eq!(
            S.of(Kind::Account).text(Dialect::Sqlite),
            "SELECT id FROM accounts WHERE id = ?2 AND t = ?1"
        );
        assert_eq!(
            S.of(Kind::Subscriber).text(Dialect::Postgres),
            "SELECT id FROM subscribers WHERE id = $2 AND t = $1 FOR SHARE"
        );
    }
}
