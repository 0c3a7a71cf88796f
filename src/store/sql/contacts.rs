//! A customer's contact data: its details row, its contact persons and their contact
//! points, each a row of its own table. Statements are built from the model's field lists,
//! so a field added there is a column here without another list to keep in step.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use super::{corrupt, objects, Conn, Param, Row, Statement, Step};
use crate::domain::contact::{
    email_key, Channel, ContactDetails, ContactPerson, ContactPoint, ContactSearch, DetailText,
    MultiAttributes, PersonFlag, PersonText, PointText, Secret,
};
use crate::domain::number::Numbered;
use crate::domain::outcome::Written;
use crate::domain::records::{CustomerRecord, Record};
use crate::domain::refusal::Refusal;
use crate::domain::state::State;
use crate::domain::time::Timestamp;
use crate::domain::Kind;
use crate::store::{Result, StoreError, WriteCtx};

fn columns<T: Copy>(fields: &[T], column: fn(T) -> &'static str) -> String {
    fields
        .iter()
        .map(|f| column(*f))
        .collect::<Vec<_>>()
        .join(", ")
}

fn placeholders(from: usize, count: usize) -> String {
    (from..from + count)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn statement(sql: String) -> Statement {
    Statement::new(Box::leak(sql.into_boxed_str()))
}

static INSERT_DETAILS: LazyLock<Statement> = LazyLock::new(|| {
    let n = DetailText::ALL.len();
    statement(format!(
        "INSERT INTO contact_details (customer_id, {}, pin_hash, email_scope, attributes) \
         VALUES ({})",
        columns(DetailText::ALL, DetailText::column),
        placeholders(1, n + 4)
    ))
});

static INSERT_PERSON: LazyLock<Statement> = LazyLock::new(|| {
    let n = PersonText::ALL.len() + PersonFlag::ALL.len();
    statement(format!(
        "INSERT INTO contact_persons (id, tenant_id, customer_id, position, {}, {}, \
             secret_answer_hash, attributes) VALUES ({})",
        columns(PersonText::ALL, PersonText::column),
        columns(PersonFlag::ALL, PersonFlag::column),
        placeholders(1, n + 6)
    ))
});

static INSERT_POINT: LazyLock<Statement> = LazyLock::new(|| {
    let n = PointText::ALL.len();
    statement(format!(
        "INSERT INTO contact_points (id, tenant_id, customer_id, person_id, position, channel, \
             priority, {}, email_key, email_scope, attributes) VALUES ({})",
        columns(PointText::ALL, PointText::column),
        placeholders(1, n + 10)
    ))
});

/// Reads of one customer's rows (`$1` its id) and of a page's (`$1` an array of ids).
struct Reads {
    one: Statement,
    page: Statement,
}

fn reads(select: String, order: &str) -> Reads {
    Reads {
        one: statement(format!("{select} WHERE customer_id = $1 {order}")),
        page: statement(format!("{select} WHERE customer_id = ANY($1) {order}")),
    }
}

static DETAILS: LazyLock<Reads> = LazyLock::new(|| {
    reads(
        format!(
            "SELECT customer_id, {}, pin_hash, email_scope, attributes FROM contact_details",
            columns(DetailText::ALL, DetailText::column)
        ),
        "",
    )
});

static PERSONS: LazyLock<Reads> = LazyLock::new(|| {
    reads(
        format!(
            "SELECT customer_id, id, {}, {}, secret_answer_hash, attributes FROM contact_persons",
            columns(PersonText::ALL, PersonText::column),
            columns(PersonFlag::ALL, PersonFlag::column),
        ),
        "ORDER BY customer_id, position",
    )
});

static POINTS: LazyLock<Reads> = LazyLock::new(|| {
    reads(
        format!(
            "SELECT customer_id, person_id, id, channel, priority, {}, attributes \
             FROM contact_points",
            columns(PointText::ALL, PointText::column),
        ),
        "ORDER BY customer_id, person_id, position",
    )
});

static DELETE_POINTS: Statement =
    Statement::new("DELETE FROM contact_points WHERE customer_id = $1");
static DELETE_PERSONS: Statement =
    Statement::new("DELETE FROM contact_persons WHERE customer_id = $1");
static DELETE_DETAILS: Statement =
    Statement::new("DELETE FROM contact_details WHERE customer_id = $1");

fn attributes_json(attributes: &MultiAttributes) -> Result<String> {
    serde_json::to_string(attributes).map_err(|e| StoreError::Database(e.to_string()))
}

fn stored_hash(secret: &Option<Secret>) -> Result<Option<&str>> {
    match secret {
        None => Ok(None),
        Some(Secret::Hashed(hash)) => Ok(Some(hash)),
        // The pipeline hashes every secret before the write; one in the clear is a bug
        // that must not reach a disk.
        Some(Secret::Given(_)) => Err(StoreError::Database(
            "a secret reached the store unhashed".into(),
        )),
    }
}

fn position(index: usize) -> Result<i32> {
    i32::try_from(index).map_err(|_| corrupt("too many contact rows"))
}

/// Stores a new customer's contact data (item `item` of the write). An email address
/// another contact point of the tenant has is refused.
pub(crate) async fn insert<C: Conn>(
    conn: &C,
    ctx: &WriteCtx,
    customer_id: &str,
    details: &ContactDetails,
    item: usize,
) -> Step<()> {
    let attributes = attributes_json(&details.attributes)?;
    let mut values = vec![Param::Text(customer_id)];
    values.extend(
        DetailText::ALL
            .iter()
            .map(|f| Param::OptText(details.texts.get(f).map(String::as_str))),
    );
    values.push(Param::OptText(stored_hash(&details.pin)?));
    values.push(Param::Text(&details.email_scope));
    values.push(Param::Text(&attributes));
    conn.exec(&INSERT_DETAILS, &values).await?;
    for (p, person) in details.persons.iter().enumerate() {
        insert_person(conn, ctx, customer_id, p, person).await?;
        for (q, point) in person.points.iter().enumerate() {
            let written = insert_point(conn, ctx, customer_id, person, q, point, details).await?;
            if written.is_err() {
                return Ok(Err(Refusal::Taken {
                    key: crate::domain::refusal::UniqueKey::Email,
                    item,
                }));
            }
        }
    }
    Ok(Ok(()))
}

async fn insert_person<C: Conn>(
    conn: &C,
    ctx: &WriteCtx,
    customer_id: &str,
    index: usize,
    person: &ContactPerson,
) -> Result<()> {
    let attributes = attributes_json(&person.attributes)?;
    let mut values = vec![
        Param::Text(&person.id),
        Param::Text(&ctx.tenant),
        Param::Text(customer_id),
        Param::I32(position(index)?),
    ];
    values.extend(
        PersonText::ALL
            .iter()
            .map(|f| Param::OptText(person.texts.get(f).map(String::as_str))),
    );
    values.extend(
        PersonFlag::ALL
            .iter()
            .map(|f| Param::OptBool(person.flags.get(f).copied())),
    );
    values.push(Param::OptText(stored_hash(&person.secret_answer)?));
    values.push(Param::Text(&attributes));
    conn.exec(&INSERT_PERSON, &values).await?;
    Ok(())
}

async fn insert_point<C: Conn>(
    conn: &C,
    ctx: &WriteCtx,
    customer_id: &str,
    person: &ContactPerson,
    index: usize,
    point: &ContactPoint,
    details: &ContactDetails,
) -> Result<std::result::Result<u64, crate::domain::refusal::UniqueKey>> {
    let attributes = attributes_json(&point.attributes)?;
    let email = point
        .texts
        .get(&PointText::EmailAddress)
        .map(|e| email_key(e));
    let scope = email.as_ref().map(|_| details.email_scope.as_str());
    let mut values = vec![
        Param::Text(&point.id),
        Param::Text(&ctx.tenant),
        Param::Text(customer_id),
        Param::Text(&person.id),
        Param::I32(position(index)?),
        Param::Text(point.channel.name()),
        Param::OptText(point.priority.as_deref()),
    ];
    values.extend(
        PointText::ALL
            .iter()
            .map(|f| Param::OptText(point.texts.get(f).map(String::as_str))),
    );
    values.push(Param::OptText(email.as_deref()));
    values.push(Param::OptText(scope));
    values.push(Param::Text(&attributes));
    conn.exec_unique(&INSERT_POINT, &values).await
}

/// Replaces a customer's contact data with `details` (item `item` of the write).
pub(crate) async fn replace<C: Conn>(
    conn: &C,
    ctx: &WriteCtx,
    customer_id: &str,
    details: &ContactDetails,
    item: usize,
) -> Step<()> {
    for statement in [&DELETE_POINTS, &DELETE_PERSONS, &DELETE_DETAILS] {
        conn.exec(statement, params![customer_id]).await?;
    }
    insert(conn, ctx, customer_id, details, item).await
}

static LOCK: Statement = Statement::locking(
    "SELECT id FROM customers WHERE tenant_id = $1 AND id = $2",
    " FOR UPDATE",
);
static TOUCH: Statement =
    Statement::new("UPDATE customers SET updated_at = $3 WHERE tenant_id = $1 AND id = $2");

/// Replaces customer `id`'s contact data by `details`, unless the customer changed since
/// `read_at` (the `updatedAt` the edit was merged onto) or is DEACTIVATED. Writes nothing
/// when nothing changes.
pub(crate) async fn edit<C: Conn>(
    conn: &C,
    ctx: &WriteCtx,
    id: &str,
    details: &ContactDetails,
    read_at: Timestamp,
) -> Step<Written> {
    if conn.dialect().locks_rows()
        && conn
            .query_opt(&LOCK, params![&ctx.tenant, id], |row| row.text(0))
            .await?
            .is_none()
    {
        return Ok(Err(Refusal::Missing));
    }
    let Some(current) = objects::object(conn, Kind::Customer, &ctx.tenant, id).await? else {
        return Ok(Err(Refusal::Missing));
    };
    let Record::Customer(customer) = &current else {
        return Ok(Err(Refusal::Missing));
    };
    if customer.common.state.state == State::Deactivated {
        return Ok(Err(Refusal::Terminal));
    }
    if customer.common.updated_at != read_at {
        return Ok(Err(Refusal::Stale));
    }
    if customer.contact.as_ref() == Some(details) {
        return Ok(Ok(Written::Unchanged(Box::new(current))));
    }
    accept!(replace(conn, ctx, id, details, 0).await?);
    conn.exec(&TOUCH, params![&ctx.tenant, id, ctx.at]).await?;
    let record = objects::read_back(conn, Kind::Customer, &ctx.tenant, id).await?;
    Ok(Ok(Written::Patched {
        record: Box::new(record),
        linked: Vec::new(),
    }))
}

fn texts<T: Copy + Ord>(row: &dyn Row, fields: &[T], from: usize) -> Result<BTreeMap<T, String>> {
    let mut out = BTreeMap::new();
    for (i, field) in fields.iter().enumerate() {
        if let Some(value) = row.opt_text(from + i)? {
            out.insert(*field, value);
        }
    }
    Ok(out)
}

fn attributes(row: &dyn Row, column: usize) -> Result<MultiAttributes> {
    serde_json::from_str(&row.text(column)?).map_err(corrupt)
}

fn details_row(row: &dyn Row) -> Result<(String, ContactDetails)> {
    let n = DetailText::ALL.len();
    Ok((
        row.text(0)?,
        ContactDetails {
            texts: texts(row, DetailText::ALL, 1)?,
            pin: row.opt_text(1 + n)?.map(Secret::Hashed),
            email_scope: row.text(2 + n)?,
            attributes: attributes(row, 3 + n)?,
            persons: Vec::new(),
        },
    ))
}

fn person_row(row: &dyn Row) -> Result<(String, ContactPerson)> {
    let n = PersonText::ALL.len();
    let mut flags = BTreeMap::new();
    for (i, flag) in PersonFlag::ALL.iter().enumerate() {
        if let Some(value) = row.opt_bool(2 + n + i)? {
            flags.insert(*flag, value);
        }
    }
    let m = n + PersonFlag::ALL.len();
    Ok((
        row.text(0)?,
        ContactPerson {
            id: row.text(1)?,
            texts: texts(row, PersonText::ALL, 2)?,
            flags,
            secret_answer: row.opt_text(2 + m)?.map(Secret::Hashed),
            attributes: attributes(row, 3 + m)?,
            points: Vec::new(),
        },
    ))
}

fn point_row(row: &dyn Row) -> Result<(String, (String, ContactPoint))> {
    let channel = row.text(3)?;
    let channel = Channel::parse(&channel).ok_or_else(|| corrupt(format!("channel {channel}")))?;
    Ok((
        row.text(0)?,
        (
            row.text(1)?,
            ContactPoint {
                id: row.text(2)?,
                channel,
                priority: row.opt_text(4)?,
                texts: texts(row, PointText::ALL, 5)?,
                attributes: attributes(row, 5 + PointText::ALL.len())?,
            },
        ),
    ))
}

/// Reads the contact data of every customer among `records` that has some.
pub(crate) async fn complete<C: Conn>(conn: &C, records: &mut [Record]) -> Result<()> {
    let ids: Vec<String> = records
        .iter()
        .filter_map(|r| match r {
            Record::Customer(c) => Some(c.common.id.clone()),
            _ => None,
        })
        .collect();
    if ids.is_empty() {
        return Ok(());
    }
    let details = read(conn, &DETAILS, &ids, details_row).await?;
    if details.is_empty() {
        return Ok(());
    }
    let persons = read(conn, &PERSONS, &ids, person_row).await?;
    let points = read(conn, &POINTS, &ids, point_row).await?;
    let mut details: BTreeMap<String, ContactDetails> = details.into_iter().collect();
    for (customer, person) in persons {
        if let Some(d) = details.get_mut(&customer) {
            d.persons.push(person);
        }
    }
    for (customer, (person, point)) in points {
        let person = details
            .get_mut(&customer)
            .and_then(|d| d.persons.iter_mut().find(|p| p.id == person));
        if let Some(person) = person {
            person.points.push(point);
        }
    }
    for record in records.iter_mut() {
        if let Record::Customer(CustomerRecord {
            common, contact, ..
        }) = record
        {
            *contact = details.remove(&common.id);
        }
    }
    Ok(())
}

/// Rows for every id, in one query where arrays bind, else one query per id.
async fn read<C: Conn, T>(
    conn: &C,
    reads: &Reads,
    ids: &[String],
    decode: fn(&dyn Row) -> Result<T>,
) -> Result<Vec<T>> {
    if conn.dialect().binds_arrays() {
        return conn.query(&reads.page, params![ids], decode).await;
    }
    let mut out = Vec::new();
    for id in ids {
        out.extend(conn.query(&reads.one, params![id], decode).await?);
    }
    Ok(out)
}

/// By its counter; a customer stored before counters were kept, by its number.
static BY_NUMBER: Statement = Statement::new(
    "SELECT id FROM customers WHERE number_counter = $2 AND tenant_id = $1 \
     UNION ALL SELECT id FROM customers \
     WHERE tenant_id = $1 AND number = $3 AND number_counter IS NULL",
);
static BY_EMAIL: Statement = Statement::new(
    "SELECT DISTINCT customer_id FROM contact_points WHERE tenant_id = $1 AND email_key = $2 \
     ORDER BY customer_id LIMIT $3",
);
static BY_PHONE: Statement = Statement::new(
    "SELECT DISTINCT customer_id FROM contact_points WHERE tenant_id = $1 AND phone_no = $2 \
     ORDER BY customer_id LIMIT $3",
);

/// The id of the tenant's customer with this number.
pub(crate) async fn customer_by_number<C: Conn>(
    conn: &C,
    tenant: &str,
    number: Numbered,
) -> Result<Option<String>> {
    let (Ok(counter), Ok(number)) = (i64::try_from(number.counter), i64::try_from(number.number))
    else {
        return Ok(None);
    };
    conn.query_opt(&BY_NUMBER, params![tenant, counter, number], |row| {
        row.text(0)
    })
    .await
}

/// The ids of the tenant's customers with a contact point that matches exactly, in id
/// order, at most `limit`.
pub(crate) async fn search<C: Conn>(
    conn: &C,
    tenant: &str,
    search: &ContactSearch,
    limit: i64,
) -> Result<Vec<String>> {
    let (statement, value) = match search {
        ContactSearch::Email(address) => (&BY_EMAIL, email_key(address)),
        ContactSearch::Phone(number) => (&BY_PHONE, number.clone()),
    };
    conn.query(statement, params![tenant, &value, limit], |row| row.text(0))
        .await
}
