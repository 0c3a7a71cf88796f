use std::path::PathBuf;

use clap::Subcommand;

use super::{open_store, CliError};
use crate::domain::catalog::{Catalog, CatalogRules};
use crate::domain::Limits;
use crate::store::{
    now_micros, EventRow, Executed, Rendered, Store, StoredAnswer, WriteCtx, WriteOp, Written,
};

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
    catalog
        .clone()
        .validate(limits)
        .map_err(CliError::Catalog)?;
    let document = serde_json::to_string(&catalog).map_err(|e| CliError::Config(e.to_string()))?;
    if let Some((version, current)) = store.catalog(tenant).await? {
        if CatalogRules::from_stored(&current, limits)
            .map_err(CliError::Config)?
            .document()
            == &catalog
        {
            return Ok(version);
        }
    }
    store.ensure_tenant(tenant, now_micros()).await?;
    let ctx = WriteCtx {
        tenant: tenant.to_owned(),
        actor: "cli".to_owned(),
        claim: None,
        at: now_micros(),
    };
    let op = WriteOp::PutCatalog {
        document: document.clone(),
        at: ctx.at,
    };
    let tenant_name = tenant.to_owned();
    let render = Box::new(move |outcome: &crate::store::Outcome| {
        let events = match outcome {
            Ok(Written::Catalog { version }) => vec![EventRow {
                event_type: "catalog.updated".into(),
                entity: "catalog".into(),
                entity_id: format!("{tenant_name}@{version}"),
                data: document,
            }],
            _ => Vec::new(),
        };
        Rendered {
            answer: StoredAnswer {
                status: 200,
                body: Vec::new(),
                location: None,
            },
            events,
        }
    });
    match store.execute(ctx, op, render).await? {
        Executed::Fresh(_) => Ok(store.catalog_version(tenant).await?),
        other => Err(CliError::Config(format!("unexpected outcome {other:?}"))),
    }
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
