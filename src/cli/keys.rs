use clap::Subcommand;

use super::{open_store, CliError};
use crate::app::keys::{self, Revoked};
use crate::domain::auth::{ApiKey, KeyInfo, KeyRecord, Role};
use crate::domain::time::Timestamp;
use crate::store::Store;

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Make a key and print it; only its hash is stored. Creates the tenant if needed.
    Create {
        #[arg(long, value_parser = clap::value_parser!(RoleArg))]
        role: RoleArg,
        #[arg(long, default_value = "default")]
        tenant: String,
    },
    /// List keys: id, tenant, role, when made, last used and revoked; never a key or its hash.
    List {
        /// Only this tenant's keys; all tenants' without it.
        #[arg(long)]
        tenant: Option<String>,
    },
    /// Revoke a key by its id (from `keys list`); every server refuses it within seconds.
    Revoke { id: String },
}

#[derive(Debug, Clone, Copy)]
pub struct RoleArg(Role);

impl std::str::FromStr for RoleArg {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.parse().map(RoleArg)
    }
}

/// Stores the hash of `key` for the tenant with the role.
pub async fn store_key(store: &Store, tenant: &str, role: Role, key: &str) -> Result<(), CliError> {
    keys::store_key(store, tenant, role, key)
        .await
        .map_err(CliError::Config)
}

/// The working key `key` stands for; `None` when it is unknown or revoked.
pub async fn find(store: &Store, key: &str) -> Result<Option<KeyRecord>, CliError> {
    keys::find_key(store, key).await.map_err(CliError::Config)
}

/// How many working admin keys the tenant has.
pub async fn live_admins(store: &Store, tenant: &str) -> Result<usize, CliError> {
    let listed = keys::list_keys(store, Some(tenant))
        .await
        .map_err(CliError::Config)?;
    Ok(listed
        .iter()
        .filter(|k| k.role == Role::Admin && k.revoked_at.is_none())
        .count())
}

pub async fn run(command: KeysCommand, database_url: &str) -> Result<(), CliError> {
    match command {
        KeysCommand::Create { role, tenant } => {
            let store = open_store(database_url).await?;
            let key = ApiKey::generate();
            let stored = store_key(&store, &tenant, role.0, key.expose()).await;
            store.close().await;
            stored?;
            eprintln!(
                "made a {} key for tenant {tenant}; it is shown once:",
                role.0
            );
            println!("{}", key.expose());
            Ok(())
        }
        KeysCommand::List { tenant } => {
            let store = open_store(database_url).await?;
            let listed = keys::list_keys(&store, tenant.as_deref()).await;
            store.close().await;
            print!("{}", table(&listed.map_err(CliError::Config)?));
            Ok(())
        }
        KeysCommand::Revoke { id } => {
            let store = open_store(database_url).await?;
            let revoked = keys::revoke_key(&store, &id).await;
            store.close().await;
            match revoked.map_err(CliError::Config)? {
                Revoked::Now(key) => eprintln!(
                    "revoked the {} key {} of tenant {}; servers refuse it within seconds",
                    key.role, key.id, key.tenant
                ),
                Revoked::Before(key) => eprintln!(
                    "the {} key {} of tenant {} was revoked already, at {}",
                    key.role,
                    key.id,
                    key.tenant,
                    when(key.revoked_at)
                ),
                Revoked::Unknown => {
                    return Err(CliError::Config(format!(
                        "no key has the id {id:?}; `clientele keys list` shows them"
                    )))
                }
            }
            Ok(())
        }
    }
}

fn when(at: Option<Timestamp>) -> String {
    at.map_or_else(|| "-".to_owned(), |at| at.to_string())
}

/// One line a key, in columns, under a header line.
fn table(keys: &[KeyInfo]) -> String {
    let mut rows = vec![[
        "ID".to_owned(),
        "TENANT".to_owned(),
        "ROLE".to_owned(),
        "CREATED".to_owned(),
        "LAST USED".to_owned(),
        "REVOKED".to_owned(),
    ]];
    rows.extend(keys.iter().map(|key| {
        [
            key.id.clone(),
            key.tenant.clone(),
            key.role.to_string(),
            key.created_at.to_string(),
            when(key.last_used_at),
            when(key.revoked_at),
        ]
    }));
    let widths: Vec<usize> = (0..6)
        .map(|i| rows.iter().map(|row| row[i].len()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for row in rows {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}
