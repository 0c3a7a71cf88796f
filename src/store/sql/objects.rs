//! Reading objects of any kind: one by id, or a page of a listing.

use super::{accounts, contacts, customers, subscribers};
use super::{must_exist, read_one, Conn, Dialect, Param, Row};
use crate::domain::records::{ListFilter, Record};
use crate::domain::Kind;
use crate::store::Result;

/// The query that reads a kind's records, its table aliased `x`.
pub(crate) const fn select(kind: Kind) -> &'static str {
    match kind {
        Kind::Customer => customers::SELECT,
        Kind::Account => accounts::SELECT,
        Kind::Subscriber => subscribers::SELECT,
    }
}

fn decoder(kind: Kind) -> fn(&dyn Row) -> Result<Record> {
    match kind {
        Kind::Customer => customers::decode,
        Kind::Account => accounts::decode,
        Kind::Subscriber => subscribers::decode,
    }
}

/// One object of the tenant, if it exists.
pub(crate) async fn object<C: Conn>(
    conn: &C,
    kind: Kind,
    tenant: &str,
    id: &str,
) -> Result<Option<Record>> {
    match kind {
        Kind::Customer => {
            let found = read_one(conn, &customers::ONE, customers::decode, tenant, id).await?;
            let mut records: Vec<Record> = found.into_iter().collect();
            contacts::complete(conn, &mut records).await?;
            Ok(records.pop())
        }
        Kind::Account => accounts::read(conn, tenant, id).await,
        Kind::Subscriber => {
            read_one(conn, &subscribers::ONE, subscribers::decode, tenant, id).await
        }
    }
}

/// An object the write itself just made or changed: not finding it means damaged data.
pub(crate) async fn read_back<C: Conn>(
    conn: &C,
    kind: Kind,
    tenant: &str,
    id: &str,
) -> Result<Record> {
    must_exist(object(conn, kind, tenant, id).await?, kind, id)
}

/// A page of the tenant's objects of a kind, in id order.
pub(crate) async fn objects<C: Conn>(
    conn: &C,
    kind: Kind,
    tenant: &str,
    filter: &ListFilter,
) -> Result<Vec<Record>> {
    let listing = Listing::of(conn.dialect(), kind, tenant, filter);
    let mut records = conn
        .query_shaped(&listing.sql, &listing.params, decoder(kind))
        .await?;
    records.truncate(filter.limit);
    complete(conn, kind, &mut records).await?;
    Ok(records)
}

/// Reads what a kind keeps outside its own row: an account's owners, cards and awaited
/// owners.
async fn complete<C: Conn>(conn: &C, kind: Kind, records: &mut [Record]) -> Result<()> {
    match kind {
        Kind::Account => accounts::complete(conn, records).await,
        Kind::Customer => contacts::complete(conn, records).await,
        Kind::Subscriber => Ok(()),
    }
}

/// The limits a PostgreSQL listing is prepared with: the usual page sizes (each with the
/// row more that tells whether more follow) as they are, any other rounded up to the next,
/// the rows beyond it dropped. A limit written in the text, not bound, is what lets
/// PostgreSQL keep one plan for the statement instead of planning it at every read (it
/// cannot cost a bound limit, so it plans each anew), and the few texts keep its
/// connections' caches of prepared statements small.
const PREPARED_LIMITS: [usize; 10] = [2, 11, 21, 26, 51, 101, 201, 251, 501, 1001];

fn prepared_limit(limit: usize) -> usize {
    PREPARED_LIMITS
        .into_iter()
        .find(|&prepared| prepared >= limit)
        .unwrap_or(limit)
}

/// A listing's query: one condition per filter given, so its text varies with them.
struct Listing<'a> {
    dialect: Dialect,
    sql: String,
    params: Vec<Param<'a>>,
}

impl<'a> Listing<'a> {
    fn of(dialect: Dialect, kind: Kind, tenant: &'a str, filter: &'a ListFilter) -> Self {
        let mut listing = Self {
            dialect,
            sql: String::from(select(kind)),
            params: Vec::new(),
        };
        listing.push(" WHERE x.tenant_id = ", "", Param::Text(tenant));
        let text = |value: &'a Option<String>| value.as_deref().map(Param::Text);
        let conditions = [
            ("(x.external_id =", text(&filter.external_id)),
            ("(x.segment =", text(&filter.segment)),
            ("(x.state =", filter.state.map(Param::from)),
            ("(x.created_at >", filter.created_after.map(Param::from)),
            (
                "x.id IN (SELECT account_id FROM account_owners WHERE customer_id =",
                text(&filter.customer).filter(|_| kind == Kind::Account),
            ),
            (
                "(x.account_id =",
                text(&filter.account).filter(|_| kind == Kind::Subscriber),
            ),
            ("(x.id >", text(&filter.after_id)),
        ];
        for (condition, value) in conditions {
            if let Some(value) = value {
                listing.push(" AND ", condition, value);
                listing.sql.push(')');
            }
        }
        let limit = match dialect {
            Dialect::Postgres => prepared_limit(filter.limit),
            Dialect::Sqlite => filter.limit,
        };
        listing
            .sql
            .push_str(&format!(" ORDER BY x.id LIMIT {limit}"));
        listing
    }

    /// Appends `{joint}{condition} ` and the next placeholder, bound to `value`.
    fn push(&mut self, joint: &str, condition: &str, value: Param<'a>) {
        self.params.push(value);
        let mark = match self.dialect {
            Dialect::Postgres => '$',
            Dialect::Sqlite => '?',
        };
        let space = if condition.is_empty() { "" } else { " " };
        self.sql.push_str(&format!(
            "{joint}{condition}{space}{mark}{}",
            self.params.len()
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listing_has_one_condition_per_filter_given() {
        let filter = ListFilter {
            segment: Some("b2b".into()),
            customer: Some("c1".into()),
            after_id: Some("a0".into()),
            limit: 10,
            ..Default::default()
        };
        let listing = Listing::of(Dialect::Sqlite, Kind::Account, "t", &filter);
        assert!(listing.sql.ends_with(
            " ON ba.account_id = x.id WHERE x.tenant_id = ?1 AND (x.segment = ?2) AND x.id IN \
             (SELECT account_id FROM account_owners WHERE customer_id = ?3) AND (x.id > ?4) \
             ORDER BY x.id LIMIT 10"
        ));
        assert_eq!(listing.params.len(), 4);
        let subscribers = Listing::of(Dialect::Postgres, Kind::Subscriber, "t", &filter);
        assert!(subscribers.sql.ends_with(
            "WHERE x.tenant_id = $1 AND (x.segment = $2) AND (x.id > $3) ORDER BY x.id LIMIT 11"
        ));
    }

    #[test]
    fn a_prepared_limit_is_a_usual_page_size_or_the_next_one() {
        assert_eq!(prepared_limit(2), 2);
        assert_eq!(prepared_limit(3), 11);
        assert_eq!(prepared_limit(101), 101);
        assert_eq!(prepared_limit(102), 201);
        assert_eq!(prepared_limit(5000), 5000);
    }
}
