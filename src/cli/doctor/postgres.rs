//! A `[[postgres]]` target: the connection and its authentication, the
//! monitoring grant (`pg_monitor` or `pg_read_all_stats`) and the server's
//! clock (`now()`).

use super::{bounded, clock, Finding};
use crate::config::PostgresConfig;
use sqlx::{Connection, Row};

/// The roles that let a monitor see other sessions' queries and replication.
const MONITOR_ROLES: [&str; 2] = ["pg_monitor", "pg_read_all_stats"];

const SQL: &str = "SELECT now() AS now, current_user::text AS who, \
                   pg_has_role(current_user, $1, 'MEMBER') AS monitor, \
                   pg_has_role(current_user, $2, 'MEMBER') AS stats";

pub async fn check(cfg: &PostgresConfig) -> Vec<Finding> {
    let subject = format!("postgres {:?}", cfg.name);
    let shown = cfg.url.to_string();
    let opts = match crate::backends::postgres::connect_options(cfg) {
        Ok(o) => o,
        Err(e) => return vec![Finding::fail(&subject, e, "set the variable or file the config names")],
    };
    let connected = tokio::time::timeout(cfg.timeout, sqlx::postgres::PgConnection::connect_with(&opts)).await;
    let mut conn = match connected {
        Ok(Ok(c)) => c,
        Ok(Err(e)) => return vec![refused(cfg, &e).finding(&subject, &shown)],
        Err(_) => {
            return vec![Finding::fail(
                &subject,
                format!("{shown}: not reachable: {}", crate::text::no_answer(cfg.timeout)),
                "check the url's host and port, and that PostgreSQL listens there",
            )]
        }
    };
    let before = chrono::Utc::now();
    let row = bounded(cfg.timeout, async {
        sqlx::query(SQL)
            .bind(MONITOR_ROLES[0])
            .bind(MONITOR_ROLES[1])
            .fetch_one(&mut conn)
            .await
            .map_err(|e| crate::text::error_chain(&e))
    })
    .await;
    let after = chrono::Utc::now();
    let _ = bounded(cfg.timeout, async { conn.close().await.map_err(|e| e.to_string()) }).await;
    let row = match row {
        Ok(r) => r,
        Err(e) => {
            return vec![Finding::fail(
                &subject,
                format!("connected to {shown}, but a query failed: {e}"),
                "check the server's log",
            )]
        }
    };
    let decoded = (|| -> Result<_, sqlx::Error> {
        Ok((
            row.try_get::<chrono::DateTime<chrono::Utc>, _>("now")?,
            row.try_get::<String, _>("who")?,
            row.try_get::<bool, _>("monitor")?,
            row.try_get::<bool, _>("stats")?,
        ))
    })();
    let (now, who, monitor, stats) = match decoded {
        Ok(d) => d,
        Err(e) => {
            return vec![Finding::fail(
                &subject,
                format!("unexpected answer: {e}"),
                "check the server",
            )]
        }
    };
    let who = crate::text::clean::line(who);
    let mut out = vec![Finding::ok(
        &subject,
        format!("reachable at {shown}, logged in as {who:?}"),
    )];
    if monitor || stats {
        let role = if monitor { MONITOR_ROLES[0] } else { MONITOR_ROLES[1] };
        out.push(Finding::ok(&subject, format!("role {who:?} is a member of {role}")));
    } else {
        out.push(Finding::fail(
            &subject,
            format!(
                "role {who:?} is not a member of pg_monitor or pg_read_all_stats: \
                 other sessions' queries, locks and replication are hidden"
            ),
            format!("as a superuser: GRANT pg_monitor TO {};", quote_ident(&who)),
        ));
    }
    out.push(clock(&subject, now, before, after, std::time::Duration::ZERO));
    out
}

/// Why connecting failed, and what to do about it.
struct Refused {
    text: String,
    fix: String,
}

impl Refused {
    fn finding(self, subject: &str, shown: &str) -> Finding {
        Finding::fail(subject, format!("{shown}: {}", self.text), self.fix)
    }
}

fn refused(cfg: &PostgresConfig, e: &sqlx::Error) -> Refused {
    let text = crate::text::error_chain(e);
    let code = match e {
        sqlx::Error::Database(db) => db.code().map(|c| c.to_string()),
        _ => None,
    };
    let password = match (&cfg.password_env, &cfg.password_file) {
        (Some(v), _) => format!("the password in ${v}"),
        (None, Some(f)) => format!("the password in {}", f.display()),
        _ => "the password (set password_env or password_file; .pgpass is read too)".into(),
    };
    let fix = match code.as_deref() {
        // invalid_password, invalid_authorization_specification
        Some("28P01") | Some("28000") => format!("check the user in the url and {password}, and pg_hba.conf"),
        // invalid_catalog_name
        Some("3D000") => "the database in the url does not exist: correct it".into(),
        Some(_) => "see the server's message".into(),
        None => "check the url's host and port, and that PostgreSQL listens there".into(),
    };
    let text = match code {
        Some(_) => format!("authentication or login refused: {text}"),
        None => format!("not reachable: {text}"),
    };
    Refused { text, fix }
}

/// `name` as an SQL identifier, for the fix an operator pastes.
fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}
