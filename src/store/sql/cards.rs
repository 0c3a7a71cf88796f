//! Cards: an entity of their own, each in one account and held by one of its owners (by the
//! holder's external id, as the bank names it). A card is known by its holder, iin and last
//! four within its account; the unique index on them keeps a card sent again single.

use super::bank::opt_timestamp;
use super::{corrupt, Conn, Row, Statement};
use crate::domain::bank::Card;
use crate::store::Result;

macro_rules! insert_card {
    () => {
        "INSERT INTO cards (id, tenant_id, account_id, holder, iin, last4, card_type, status, \
             network, opened_on, closed_on) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
         ON CONFLICT (account_id, holder, iin, last4) DO "
    };
}
static INSERT: Statement = Statement::new(concat!(insert_card!(), "NOTHING"));
/// An update's card: the one stored under its holder, iin and last four takes the type,
/// status, network and dates sent (a `closeDate` closes it); its id stays. A card sent as it
/// is stored is not written, so it counts as no row.
static UPSERT: Statement = Statement::new(concat!(
    insert_card!(),
    "UPDATE SET card_type = excluded.card_type, status = excluded.status, \
         network = excluded.network, opened_on = excluded.opened_on, \
         closed_on = excluded.closed_on \
     WHERE cards.card_type IS DISTINCT FROM excluded.card_type \
         OR cards.status IS DISTINCT FROM excluded.status \
         OR cards.network IS DISTINCT FROM excluded.network \
         OR cards.opened_on IS DISTINCT FROM excluded.opened_on \
         OR cards.closed_on IS DISTINCT FROM excluded.closed_on"
));

macro_rules! cards_where {
    ($account:literal) => {
        concat!(
            "SELECT account_id, id, holder, iin, last4, card_type, status, network, opened_on, \
                 closed_on \
             FROM cards WHERE account_id ",
            $account,
            " ORDER BY account_id, holder, iin, last4"
        )
    };
}
pub(crate) static OF_ACCOUNT: Statement = Statement::new(cards_where!("= $1"));
pub(crate) static OF_PAGE: Statement = Statement::new(cards_where!("= ANY($1)"));

/// A card row: its account, and the card.
pub(crate) fn card(row: &dyn Row) -> Result<(String, Card)> {
    let network = row
        .opt_i32(7)?
        .and_then(|n| u8::try_from(n).ok())
        .ok_or_else(|| corrupt("a card without a network digit"))?;
    Ok((
        row.text(0)?,
        Card {
            id: row.text(1)?,
            holder: row.text(2)?,
            iin: row.text(3)?,
            last4: row.text(4)?,
            card_type: row.text(5)?,
            status: row.text(6)?,
            network,
            opened_on: opt_timestamp(row, 8)?,
            closed_on: opt_timestamp(row, 9)?,
        },
    ))
}

/// Adds the cards `account` lacks; how many it lacked. A card it has (same holder, iin and
/// last four) is kept as stored.
pub(crate) async fn add<C: Conn>(
    conn: &C,
    tenant: &str,
    account: &str,
    cards: &[Card],
) -> Result<u64> {
    write(conn, &INSERT, tenant, account, cards).await
}

/// Adds the cards `account` lacks and makes those it has what was sent; how many rows were
/// written (a card already as sent is none).
pub(crate) async fn upsert<C: Conn>(
    conn: &C,
    tenant: &str,
    account: &str,
    cards: &[Card],
) -> Result<u64> {
    write(conn, &UPSERT, tenant, account, cards).await
}

async fn write<C: Conn>(
    conn: &C,
    statement: &Statement,
    tenant: &str,
    account: &str,
    cards: &[Card],
) -> Result<u64> {
    let mut added = 0;
    for card in cards {
        let params = params![
            &card.id,
            tenant,
            account,
            &card.holder,
            &card.iin,
            &card.last4,
            &card.card_type,
            &card.status,
            i32::from(card.network),
            card.opened_on,
            card.closed_on,
        ];
        added += conn.exec(statement, params).await?;
    }
    Ok(added)
}
