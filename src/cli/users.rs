//! `clientele users`: the eGain door's agents. A password is read from stdin, never from
//! the command line (where `ps` and shell histories see it), and stored as an argon2id hash.

use std::io::BufRead;

use clap::{Args, Subcommand};

use super::{open_store, CliError};
use crate::app::sessions;
use crate::config::{pick, FileConfig};
use crate::domain::auth::{Role, SecretCost};
use crate::domain::users::UserInfo;

#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Make a user of the eGain door, its password read from stdin (one line; the newline
    /// is not part of it). Creates the tenant if needed. Works while servers run.
    Create {
        /// The name the user logs in with; unique across tenants.
        name: String,
        /// admin, writer or reader.
        #[arg(long)]
        role: Role,
        /// The tenant whose data the user's sessions work on.
        #[arg(long, default_value = "default")]
        tenant: String,
        /// Read the password from stdin (the only way a password is taken).
        #[arg(long)]
        password_stdin: bool,
        #[command(flatten)]
        argon2: Argon2Args,
    },
    /// List users: id, name, tenant, role and when made; never a password or its hash.
    List {
        /// Only this tenant's users; all tenants' without it.
        #[arg(long)]
        tenant: Option<String>,
    },
}

/// What hashing a password costs (argon2id); OWASP's minimum by default.
#[derive(Debug, Args)]
pub struct Argon2Args {
    /// Memory per hash, in KiB (default 19456).
    #[arg(long, env = "CLIENTELE_ARGON2_MEMORY_KIB")]
    argon2_memory_kib: Option<u32>,
    /// Passes over the memory (default 2).
    #[arg(long, env = "CLIENTELE_ARGON2_ITERATIONS")]
    argon2_iterations: Option<u32>,
    /// Lanes (default 1).
    #[arg(long, env = "CLIENTELE_ARGON2_PARALLELISM")]
    argon2_parallelism: Option<u32>,
}

impl Argon2Args {
    /// The cost from flags or environment, then the file, then the defaults.
    pub fn cost(&self, file: &FileConfig) -> Result<SecretCost, CliError> {
        let default = SecretCost::default();
        SecretCost::new(
            pick(self.argon2_memory_kib, file.argon2_memory_kib, || {
                default.memory_kib()
            }),
            pick(self.argon2_iterations, file.argon2_iterations, || {
                default.iterations()
            }),
            pick(self.argon2_parallelism, file.argon2_parallelism, || {
                default.parallelism()
            }),
        )
        .map_err(|why| {
            CliError::Config(format!(
                "CLIENTELE_ARGON2_MEMORY_KIB, _ITERATIONS, _PARALLELISM: {why}"
            ))
        })
    }
}

/// The first line of `input`, without its line ending.
fn read_password(mut input: impl BufRead) -> Result<String, CliError> {
    let mut line = String::new();
    input
        .read_line(&mut line)
        .map_err(|e| CliError::Config(format!("cannot read the password from stdin: {e}")))?;
    let line = line.strip_suffix('\n').unwrap_or(&line);
    let line = line.strip_suffix('\r').unwrap_or(line);
    if line.is_empty() {
        return Err(CliError::Config(
            "the password is empty: send it on stdin, e.g. \
             `printf '%s\\n' \"$PASSWORD\" | clientele users create NAME --role writer \
             --password-stdin`"
                .into(),
        ));
    }
    Ok(line.to_owned())
}

pub async fn run(
    command: UsersCommand,
    database_url: &str,
    file: &FileConfig,
) -> Result<(), CliError> {
    match command {
        UsersCommand::Create {
            name,
            role,
            tenant,
            password_stdin,
            argon2,
        } => {
            if !password_stdin {
                return Err(CliError::Config(
                    "pass --password-stdin and the password on stdin: a password is never \
                     taken from the command line"
                        .into(),
                ));
            }
            let cost = argon2.cost(file)?;
            let password = read_password(std::io::stdin().lock())?;
            let store = open_store(database_url).await?;
            let made = sessions::create_user(&store, cost, &name, &tenant, role, password).await;
            store.close().await;
            let user = made.map_err(CliError::Config)?;
            eprintln!(
                "made the {} user {:?} of tenant {}",
                user.role, user.name, user.tenant
            );
            Ok(())
        }
        UsersCommand::List { tenant } => {
            let store = open_store(database_url).await?;
            let listed = sessions::list_users(&store, tenant.as_deref()).await;
            store.close().await;
            print!("{}", table(&listed.map_err(CliError::Config)?));
            Ok(())
        }
    }
}

/// One line a user, in columns, under a header line. Names may hold spaces, so the name
/// comes last.
fn table(users: &[UserInfo]) -> String {
    let mut rows = vec![[
        "ID".to_owned(),
        "TENANT".to_owned(),
        "ROLE".to_owned(),
        "CREATED".to_owned(),
        "NAME".to_owned(),
    ]];
    rows.extend(users.iter().map(|user| {
        [
            user.id.clone(),
            user.tenant.clone(),
            user.role.to_string(),
            user.created_at.to_string(),
            user.name.clone(),
        ]
    }));
    let widths: Vec<usize> = (0..5)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_is_one_line_without_its_ending() {
        assert_eq!(read_password(&b"s3cret\n"[..]).unwrap(), "s3cret");
        assert_eq!(read_password(&b"s3cret\r\n"[..]).unwrap(), "s3cret");
        assert_eq!(read_password(&b"s3cret"[..]).unwrap(), "s3cret");
        assert_eq!(read_password(&b"a b \nsecond\n"[..]).unwrap(), "a b ");
        assert!(read_password(&b"\n"[..]).is_err());
        assert!(read_password(&b""[..]).is_err());
    }
}
