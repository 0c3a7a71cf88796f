//! The unique indexes whose violation is the client's doing, and the key each one keeps.
//! Both backends name a violated index differently (PostgreSQL by the index's name, SQLite
//! by its table and columns), so both look it up here, in the one table of them.

use super::table;
use crate::domain::refusal::UniqueKey;
use crate::domain::Kind;

struct UniqueIndex {
    /// As the migrations create it.
    name: &'static str,
    table: &'static str,
    columns: &'static [&'static str],
    key: UniqueKey,
}

const fn external_id(name: &'static str, kind: Kind) -> UniqueIndex {
    UniqueIndex {
        name,
        table: table(kind),
        columns: &["tenant_id", "external_id"],
        key: UniqueKey::ExternalId(kind),
    }
}

const UNIQUE: &[UniqueIndex] = &[
    external_id("customers_external_id", Kind::Customer),
    external_id("accounts_external_id", Kind::Account),
    external_id("subscribers_external_id", Kind::Subscriber),
    UniqueIndex {
        name: "subscribers_primary_resource",
        table: table(Kind::Subscriber),
        columns: &["tenant_id", "primary_resource"],
        key: UniqueKey::PrimaryResource,
    },
    UniqueIndex {
        name: "contact_points_email",
        table: "contact_points",
        columns: &["tenant_id", "email_scope", "email_key"],
        key: UniqueKey::Email,
    },
];

/// The key an index keeps, by the index's name.
pub(crate) fn by_name(name: &str) -> Option<UniqueKey> {
    UNIQUE
        .iter()
        .find(|index| index.name == name)
        .map(|index| index.key)
}

/// The key an index keeps, by its columns as SQLite lists them: `table.column, table.column`.
pub(crate) fn by_columns(columns: &str) -> Option<UniqueKey> {
    UNIQUE
        .iter()
        .find(|index| {
            columns
                .split(", ")
                .map(|column| column.split_once('.'))
                .eq(index.columns.iter().map(|c| Some((index.table, *c))))
        })
        .map(|index| index.key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_namings_find_the_same_key() {
        assert_eq!(
            by_name("subscribers_external_id"),
            Some(UniqueKey::ExternalId(Kind::Subscriber))
        );
        assert_eq!(
            by_columns("subscribers.tenant_id, subscribers.external_id"),
            Some(UniqueKey::ExternalId(Kind::Subscriber))
        );
        assert_eq!(
            by_columns("subscribers.tenant_id, subscribers.primary_resource"),
            Some(UniqueKey::PrimaryResource)
        );
        assert_eq!(by_columns("api_keys.key_hash"), None);
        assert_eq!(by_name("api_keys_hash"), None);
    }
}
