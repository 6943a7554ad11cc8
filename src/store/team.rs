//! Team mode: the state store on a PostgreSQL database several opsdecks
//! share. Opening it, and saying in plain words when its server is gone.

use super::{Engine, Location, Store, StoreError, PG_MIGRATOR};
use crate::config::{ConfigUrl, SecretRef, StateConfig};
use sqlx::any::AnyConnectOptions;
use sqlx::postgres::PgConnectOptions;
use sqlx::ConnectOptions;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

/// How long a call waits for a connection before the store counts as
/// unreachable: short, so a write is refused while the operator watches
/// rather than hanging the screen's result.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// `[state] url = "postgres://..."` and where its password is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamStore {
    pub url: ConfigUrl,
    pub password: SecretRef,
}

impl TeamStore {
    /// The team store of `[state]`, when its `url` is set.
    pub fn from_config(state: &StateConfig) -> Option<Self> {
        Some(TeamStore {
            url: state.url.clone()?,
            password: state.password(),
        })
    }

    /// The server as messages name it: no password, ever.
    pub fn shown(&self) -> String {
        self.url.to_string()
    }

    /// Connection options with the password resolved; `instance` is the
    /// connection's application_name, which notifications carry.
    pub fn connect_options(&self, instance: &str) -> Result<PgConnectOptions, String> {
        let url = self.url.expand()?;
        // sqlx's message could echo the URL; say only what is wrong.
        let mut opts = PgConnectOptions::from_str(url.expose())
            .map_err(|_| format!("cannot read the team store url {}", self.shown()))?
            .application_name(instance);
        if let Some(pw) = self.password.resolve()? {
            opts = opts.password(pw.expose());
        }
        Ok(opts)
    }
}

/// Whether a `--state` or `[state] url` value names a team store.
pub use crate::config::is_team_url;

pub(super) async fn open(team: &TeamStore) -> Result<Store, StoreError> {
    sqlx::any::install_default_drivers();
    let instance = super::instance_name();
    let open_err = |message: String| StoreError::Open {
        path: team.shown().into(),
        message,
    };
    let pg = team.connect_options(&instance).map_err(open_err)?;
    // One direct connection first: the pool retries a refused connection
    // until its timeout and then says only "timed out".
    use sqlx::Connection;
    let cannot_reach = |e: sqlx::Error| match unreachable_reason(&e) {
        Some(why) => open_err(format!("cannot reach the server: {why}")),
        None => open_err(crate::text::one_line(&e.to_string())),
    };
    pg.connect()
        .await
        .map_err(cannot_reach)?
        .close()
        .await
        .map_err(cannot_reach)?;
    // `Any` connects from a URL only; the options' own URL drops the
    // application name, so it is put back.
    let mut url = pg.to_url_lossy();
    url.query_pairs_mut().append_pair("application_name", &instance);
    let any = AnyConnectOptions::from_url(&url).map_err(|_| open_err("cannot read the team store url".into()))?;
    let pool = super::pool_options()
        .acquire_timeout(CONNECT_TIMEOUT)
        .connect_with(any)
        .await
        .map_err(|e| error(team, e))?;
    // Several opsdecks may start at once: sqlx serialises migrations with
    // an advisory lock.
    let shown = std::path::PathBuf::from(team.shown());
    super::run_migrations(
        &pool,
        &PG_MIGRATOR,
        &shown,
        |e| unreachable_reason(e).is_some(),
        |e| error(team, e),
    )
    .await?;
    Ok(Store {
        pool,
        location: Arc::new(Location::Team(team.clone())),
        engine: Engine::Postgres,
        read_only: false,
        instance,
        heads: Default::default(),
    })
}

/// An error of the team store: its server gone is told apart from a query
/// that failed, because the screen turns read-only for the one only.
pub(super) fn error(team: &TeamStore, e: sqlx::Error) -> StoreError {
    match unreachable_reason(&e) {
        Some(reason) => {
            tracing::warn!(store = %team.shown(), error = %e, "team store unreachable");
            StoreError::Unreachable {
                store: team.shown(),
                reason,
            }
        }
        None => StoreError::Db(e.to_string()),
    }
}

/// Why the server cannot be reached, in plain words; None when it answered.
pub fn unreachable_reason(e: &sqlx::Error) -> Option<String> {
    match e {
        sqlx::Error::Io(io) => Some(crate::text::error_chain(io)),
        sqlx::Error::PoolTimedOut => Some(format!("no connection within {}s", CONNECT_TIMEOUT.as_secs())),
        sqlx::Error::PoolClosed => Some("the connection pool is closed".into()),
        sqlx::Error::Tls(t) => Some(format!("TLS: {t}")),
        sqlx::Error::Protocol(_) => Some("the answer is not the PostgreSQL protocol".into()),
        // Class 08: connection exception; 57P01-03: the server is shutting
        // down, crashed, or not yet accepting connections.
        sqlx::Error::Database(db) => match db.code().as_deref() {
            Some(c) if c.starts_with("08") => Some(db.message().to_string()),
            Some("57P01" | "57P02" | "57P03") => Some("the server is shutting down or restarting".into()),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use std::path::Path;

    #[test]
    fn a_team_store_is_a_postgres_url_with_its_password_by_reference() {
        let text = "[state]\nurl = \"postgres://opsdeck@db/opsdeck\"\npassword_env = \"PW\"\n";
        let c = Config::parse(text, Path::new("test.toml")).expect("team");
        let team = TeamStore::from_config(&c.state).expect("a team store");
        assert_eq!(team.shown(), "postgres://opsdeck@db/opsdeck");
        assert_eq!(team.password.env.as_deref(), Some("PW"));
        assert_eq!(TeamStore::from_config(&Config::default().state), None);
    }
}
