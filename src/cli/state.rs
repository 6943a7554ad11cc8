//! `opsdeck state migrate --to postgres://user@host/db`: the embedded store
//! copied into an empty team store, and the proof printed.

use crate::cli::{config_error, print_out, EXIT_CHECK_FAILED, EXIT_OK, EXIT_USAGE};
use crate::cli::{Cli, StateCmd};
use crate::config::{ConfigUrl, SecretRef};
use crate::store::team::is_team_url;
use crate::store::{migrate, Location, Store, TeamStore};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub async fn run(cli: &Cli, cmd: &StateCmd) -> ExitCode {
    match cmd {
        StateCmd::Migrate {
            to,
            password_env,
            password_file,
        } => migrate(cli, to, password_env.as_deref(), password_file.as_deref()).await,
    }
}

fn fail(code: u8, message: &str) -> ExitCode {
    eprintln!("opsdeck: {message}");
    ExitCode::from(code)
}

/// The team store `--to` names, its password by reference: the flags, else
/// the config's `[state]` references. A password written into the URL is
/// refused, as the config refuses it (`${VAR}` is fine).
pub fn target(
    to: &str,
    password_env: Option<&str>,
    password_file: Option<&Path>,
    config: &crate::config::Config,
) -> Result<TeamStore, String> {
    let url = ConfigUrl::new(to);
    if !is_team_url(to) {
        return Err(format!("--to {url}: not a team store; give postgres://user@host/db"));
    }
    if url.has_literal_password() {
        // Named without the password: it must not reach a terminal's scrollback twice.
        return Err(format!(
            "--to {url}: a password is written in the URL; pass --password-env VAR or --password-file FILE \
             (or write ${{VAR}} in the URL)"
        ));
    }
    let password = match (password_env, password_file) {
        (None, None) => config.state.password(),
        (env, file) => SecretRef {
            env: env.map(String::from),
            file: file.map(PathBuf::from),
        },
    };
    Ok(TeamStore { url, password })
}

async fn migrate(cli: &Cli, to: &str, password_env: Option<&str>, password_file: Option<&Path>) -> ExitCode {
    let config = match crate::config::Config::discover(cli.config.as_deref()) {
        Ok(c) => c,
        Err(e) => return config_error(&e),
    };
    let team = match target(to, password_env, password_file, &config) {
        Ok(t) => t,
        Err(e) => return fail(EXIT_USAGE, &e),
    };
    let path = match crate::runtime::setup::state_location(cli, &config) {
        None => return fail(EXIT_USAGE, "no state store path: pass --state PATH"),
        Some(Location::Team(t)) => {
            return fail(
                EXIT_USAGE,
                &format!(
                    "{} is a team store already: migrate copies the embedded store (a SQLite file); pass --state FILE",
                    t.shown()
                ),
            )
        }
        Some(Location::File(p)) => p,
    };
    if !path.exists() {
        return fail(EXIT_USAGE, &format!("state store {} does not exist", path.display()));
    }
    let from = match Store::open(&path).await {
        Ok(s) => s,
        Err(e) => return fail(EXIT_CHECK_FAILED, &e.to_string()),
    };
    let into = match Store::open_at(&Location::Team(team.clone())).await {
        Ok(s) => s,
        Err(e) => {
            from.close().await;
            return fail(EXIT_CHECK_FAILED, &e.to_string());
        }
    };
    let done = migrate::copy(&from, &into).await;
    from.close().await;
    into.close().await;
    match done {
        Ok(copied) => {
            print_out(&report(&path, &team, &copied));
            ExitCode::from(EXIT_OK)
        }
        Err(e) => fail(EXIT_CHECK_FAILED, &e),
    }
}

/// What was copied, table by table, and the proof.
pub fn report(path: &Path, team: &TeamStore, copied: &migrate::Copied) -> String {
    let mut out = format!("copied {} into {}\n\n", path.display(), team.shown());
    out.push_str(&format!("{:<20} {:>10}\n", "TABLE", "ROWS"));
    for (table, rows) in &copied.tables {
        out.push_str(&format!("{table:<20} {rows:>10}\n"));
    }
    let total: u64 = copied.tables.iter().map(|(_, n)| n).sum();
    out.push_str(&format!("{:<20} {total:>10}\n\n", "total"));
    out.push_str(&format!(
        "audit chain verified on both sides: {} entries\n",
        copied.audit_rows
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_literal_password_is_refused_without_being_shown() {
        let config = crate::config::Config::default();
        let e = target("postgres://ops:hunter2@db/state", None, None, &config).expect_err("refused");
        assert!(e.contains("password is written"), "{e}");
        assert!(!e.contains("hunter2"), "{e}");
        let t = target("postgres://ops:${PW}@db/state", Some("X"), None, &config).expect("a reference is fine");
        assert_eq!(t.password.env.as_deref(), Some("X"));
        assert!(target("/var/lib/state.db", None, None, &config).is_err());
    }

    #[test]
    fn the_password_comes_from_the_config_when_no_flag_names_it() {
        let mut config = crate::config::Config::default();
        config.state.password_env = Some("STATE_PW".into());
        let t = target("postgres://ops@db/state", None, None, &config).expect("ok");
        assert_eq!(t.password.env.as_deref(), Some("STATE_PW"));
        let t = target("postgres://ops@db/state", None, Some(Path::new("/run/pw")), &config).expect("ok");
        assert_eq!(t.password.env, None);
        assert_eq!(t.password.file.as_deref(), Some(Path::new("/run/pw")));
    }
}
