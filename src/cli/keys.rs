use clap::Subcommand;

use super::{open_store, CliError};
use crate::domain::auth::{key_hash, valid_tenant_name, ApiKey, Role};
use crate::store::{now_micros, KeyRecord, Store};

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Make a key and print it; only its hash is stored. Creates the tenant if needed.
    Create {
        #[arg(long, value_parser = clap::value_parser!(RoleArg))]
        role: RoleArg,
        #[arg(long, default_value = "default")]
        tenant: String,
    },
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
    if !valid_tenant_name(tenant) {
        return Err(CliError::Config(format!(
            "tenant {tenant:?}: use 1 to 64 letters, digits, '_' or '-'"
        )));
    }
    let record = KeyRecord {
        id: uuid::Uuid::now_v7().to_string(),
        tenant: tenant.to_owned(),
        role: role.as_str().to_owned(),
    };
    store
        .insert_key(record, key_hash(key), now_micros())
        .await?;
    Ok(())
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
    }
}
