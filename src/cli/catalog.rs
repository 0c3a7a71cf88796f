use std::path::PathBuf;

use clap::Subcommand;

use super::{open_store, CliError};
use crate::app::{Registry, Settings};
use crate::domain::catalog::{Catalog, CatalogRules};
use crate::domain::Limits;
use crate::store::Store;

#[derive(Debug, Subcommand)]
pub enum CatalogCommand {
    /// Print the tenant's catalog as TOML.
    Show {
        #[arg(long, default_value = "default")]
        tenant: String,
    },
    /// Validate a catalog file (TOML, or JSON if it ends in .json) and make it the tenant's.
    Apply {
        file: PathBuf,
        #[arg(long, default_value = "default")]
        tenant: String,
    },
}

pub fn read_catalog_file(path: &std::path::Path) -> Result<Catalog, CliError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::Config(format!("cannot read {}: {e}", path.display())))?;
    let parsed = if path.extension().is_some_and(|e| e == "json") {
        serde_json::from_str(&text).map_err(|e| e.to_string())
    } else {
        toml::from_str(&text).map_err(|e| e.to_string())
    };
    parsed.map_err(|e| CliError::Config(format!("{}: {e}", path.display())))
}

/// Stores `catalog` as the tenant's next version unless it already is the current one.
/// Returns the version now in force.
pub async fn apply(
    store: &Store,
    tenant: &str,
    catalog: Catalog,
    limits: &Limits,
) -> Result<i64, CliError> {
    let settings = Settings {
        limits: limits.clone(),
        ..Settings::default()
    };
    let registry = Registry::new(store.clone(), settings, crate::api::event_encoder());
    registry
        .apply_catalog(tenant, catalog)
        .await
        .map_err(|e| CliError::Config(e.to_string()))?
        .map_err(CliError::Catalog)
}

pub async fn run(
    command: CatalogCommand,
    database_url: &str,
    limits: Limits,
) -> Result<(), CliError> {
    let store = open_store(database_url).await?;
    let result = match command {
        CatalogCommand::Show { tenant } => show(&store, &tenant, &limits).await,
        CatalogCommand::Apply { file, tenant } => {
            let catalog = read_catalog_file(&file)?;
            let version = apply(&store, &tenant, catalog, &limits).await;
            version.map(|v| eprintln!("catalog of tenant {tenant} is now version {v}"))
        }
    };
    store.close().await;
    result
}

async fn show(store: &Store, tenant: &str, limits: &Limits) -> Result<(), CliError> {
    let catalog = match store.catalog(tenant).await? {
        Some((_, document)) => CatalogRules::from_stored(&document, limits)
            .map_err(CliError::Config)?
            .document()
            .clone(),
        None => Catalog::default(),
    };
    let text = toml::to_string_pretty(&catalog).map_err(|e| CliError::Config(e.to_string()))?;
    print!("{text}");
    Ok(())
}
