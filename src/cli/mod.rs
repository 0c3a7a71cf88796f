//! The `clientele` command: `serve`, `keys`, `users`, `catalog`, `import`.

mod catalog;
mod import;
mod keys;
mod serve;
mod users;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::{FileConfig, LogFormat, DEFAULT_DATABASE_URL};
use crate::domain::FieldErrors;
use crate::store::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Config(String),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("the catalog is inconsistent:\n{}", list(.0))]
    Catalog(FieldErrors),
}

fn list(errors: &FieldErrors) -> String {
    errors
        .as_slice()
        .iter()
        .map(|e| format!("  {}: {:?} {}", e.path, e.code, e.message))
        .collect::<Vec<_>>()
        .join("\n")
}

#[derive(Debug, Parser)]
#[command(name = "clientele", version, about = "A customer registry")]
pub struct Cli {
    /// A TOML configuration file; flags and CLIENTELE_* variables override it.
    #[arg(long, global = true, env = "CLIENTELE_CONFIG")]
    config: Option<PathBuf>,
    /// sqlite://FILE (default sqlite://clientele.db) or postgres://…
    #[arg(
        long,
        global = true,
        env = "CLIENTELE_DATABASE_URL",
        hide_env_values = true
    )]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the HTTP server.
    Serve(serve::ServeArgs),
    /// Manage API keys.
    #[command(subcommand)]
    Keys(keys::KeysCommand),
    /// Manage the eGain door's users (agents).
    #[command(subcommand)]
    Users(users::UsersCommand),
    /// Show or replace a tenant's catalog.
    #[command(subcommand)]
    Catalog(catalog::CatalogCommand),
    /// Load customers (with accounts, subscribers, cards) from an ndjson or CSV file.
    Import(import::ImportArgs),
}

impl Cli {
    fn file(&self) -> Result<FileConfig, CliError> {
        FileConfig::load(self.config.as_deref()).map_err(CliError::Config)
    }

    fn database_url(&self, file: &FileConfig) -> String {
        crate::config::pick(self.database_url.clone(), file.database_url.clone(), || {
            DEFAULT_DATABASE_URL.to_owned()
        })
    }
}

async fn open_store(url: &str) -> Result<Store, CliError> {
    Ok(Store::open(url).await?)
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // The innermost span is enough: a request's holds its id, and listing the spans again
    // would format their fields twice for every line.
    let _ = match format {
        LogFormat::Json => builder.json().with_span_list(false).try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

/// Parses the command line and runs the command; errors go to stderr with exit code 1.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), CliError> {
    let file = cli.file()?;
    let database_url = cli.database_url(&file);
    match cli.command {
        Command::Serve(args) => {
            let config = args.resolve(file, database_url)?;
            init_logging(config.log_format);
            serve::run(config).await
        }
        Command::Keys(command) => {
            init_logging(LogFormat::Text);
            keys::run(command, &database_url).await
        }
        Command::Users(command) => {
            init_logging(LogFormat::Text);
            users::run(command, &database_url, &file).await
        }
        Command::Catalog(command) => {
            init_logging(LogFormat::Text);
            catalog::run(command, &database_url, file.limits.unwrap_or_default()).await
        }
        Command::Import(args) => {
            init_logging(LogFormat::Text);
            import::run(args, &database_url, file.limits.unwrap_or_default()).await
        }
    }
}
