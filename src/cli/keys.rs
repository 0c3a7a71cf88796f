use clap::Subcommand;

use super::{open_store, CliError};
use crate::app::keys;
use crate::domain::auth::{ApiKey, Role};
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
