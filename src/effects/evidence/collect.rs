//! Reading what goes into a pack, as it is (the caller masks and writes):
//! containers (inspect and the last lines of the log), PostgreSQL sessions
//! and who blocks whom, Alertmanager's alerts and silences, and the audit
//! entries of the incident. Each source within its target's timeout; one
//! that fails is a problem named in the pack, not the end of the capture.

use crate::config::{AlertmanagerConfig, DockerConfig, PostgresConfig};
use crate::store::{AuditEntry, Store};
use serde_json::{json, Value};
use std::time::Duration;

/// Lines of a container's log kept.
pub const LOG_LINES: usize = 1000;
/// Audit entries kept when no incident is named.
pub const AUDIT_TAIL: i64 = 200;

/// One container as found: its host, its name, the inspect answer as JSON,
/// its log's last lines ("TIME stream text").
pub struct Container {
    pub host: String,
    pub name: String,
    pub inspect: Value,
    pub log: Result<String, String>,
}

/// The named containers on every Docker host that has them, or with no
/// names every unhealthy, exited or dead one; and what went wrong.
pub async fn containers(hosts: &[DockerConfig], named: &[String]) -> (Vec<Container>, Vec<String>) {
    let mut found = Vec::new();
    let mut problems = Vec::new();
    for cfg in hosts {
        match on_host(cfg, named).await {
            Ok(c) => found.extend(c),
            Err(e) => problems.push(format!("Docker host {}: {e}", cfg.name)),
        }
    }
    for name in named {
        if !found.iter().any(|c: &Container| &c.name == name) {
            problems.push(format!("container {name}: not found on any Docker host"));
        }
    }
    (found, problems)
}

async fn on_host(cfg: &DockerConfig, named: &[String]) -> Result<Vec<Container>, String> {
    let t = cfg.timeout.max(Duration::from_secs(1));
    let client = crate::backends::docker::connect::connect(cfg, t.as_secs()).await?;
    let names = if named.is_empty() {
        problem_containers(&client, t).await?
    } else {
        named.to_vec()
    };
    let mut out = Vec::new();
    for name in names {
        let inspect = match tokio::time::timeout(t, client.inspect_container(&name, None)).await {
            Err(_) => return Err(format!("no answer to inspect {name} in {}s", t.as_secs())),
            // Not on this host: another may have it.
            Ok(Err(bollard::errors::Error::DockerResponseServerError { status_code: 404, .. })) => continue,
            Ok(Err(e)) => return Err(crate::backends::docker::connect::explain(&e)),
            Ok(Ok(i)) => i,
        };
        let inspect = serde_json::to_value(&inspect).map_err(|e| format!("inspect {name}: {e}"))?;
        let log = log_tail(&client, &name, t).await;
        out.push(Container {
            host: cfg.name.clone(),
            name,
            inspect,
            log,
        });
    }
    Ok(out)
}

/// The names of the containers that are unhealthy, exited or dead.
async fn problem_containers(client: &bollard::Docker, t: Duration) -> Result<Vec<String>, String> {
    use bollard::container::ListContainersOptions;
    let opts = ListContainersOptions::<String> {
        all: true,
        ..Default::default()
    };
    let list = tokio::time::timeout(t, client.list_containers(Some(opts)))
        .await
        .map_err(|_| format!("no answer to the container list in {}s", t.as_secs()))?
        .map_err(|e| crate::backends::docker::connect::explain(&e))?;
    Ok(list
        .into_iter()
        .map(crate::backends::docker::row::row_from_summary)
        .filter(|r| r.is_problem() || r.state == "exited" || r.state == "dead")
        .map(|r| r.name)
        .collect())
}

/// The last `LOG_LINES` lines, escape sequences and control bytes taken
/// out by the log pane's own parser.
async fn log_tail(client: &bollard::Docker, name: &str, t: Duration) -> Result<String, String> {
    use bollard::container::{LogOutput, LogsOptions};
    use futures::StreamExt;
    let opts = LogsOptions::<String> {
        follow: false,
        stdout: true,
        stderr: true,
        timestamps: true,
        tail: LOG_LINES.to_string(),
        ..Default::default()
    };
    let read = async {
        let mut text = String::new();
        let mut stream = client.logs(name, Some(opts));
        while let Some(out) = stream.next().await {
            let out = out.map_err(|e| crate::backends::docker::connect::explain(&e))?;
            let (stream_name, bytes) = match &out {
                LogOutput::StdErr { message } => ("stderr", message),
                LogOutput::StdOut { message } | LogOutput::Console { message } | LogOutput::StdIn { message } => {
                    ("stdout", message)
                }
            };
            for raw in bytes.split_inclusive(|b| *b == b'\n') {
                let line = crate::backends::docker::log_text::parse_line(raw, stream_name == "stderr");
                text.push_str(&format!("{} {stream_name} {}\n", line.ts, line.text));
            }
        }
        Ok(text)
    };
    // A long log over a slow link gets more than one poll's time.
    tokio::time::timeout(t * 4, read)
        .await
        .unwrap_or_else(|_| Err(format!("no complete log in {}s", (t * 4).as_secs())))
}

/// Every client session of interest (active, idle in a transaction,
/// blocking or blocked: the Database pane's query with no age limit) and
/// who blocks whom.
pub async fn postgres(cfg: &PostgresConfig) -> Result<(Vec<crate::model::postgres::PgBackend>, Value), String> {
    use crate::backends::postgres::queries as q;
    let work = async {
        let mut conn = crate::backends::postgres::connect(cfg).await?;
        let err = |what: &str, e: sqlx::Error| format!("{what}: {}", crate::text::error_chain(&e));
        let rows = sqlx::query(q::SESSIONS_SQL)
            .bind(0.0_f64)
            .bind(0.0_f64)
            .bind(q::MAX_SESSIONS)
            .fetch_all(&mut conn)
            .await
            .map_err(|e| err("pg_stat_activity", e))?;
        let sessions = rows.iter().map(q::session).collect::<Result<Vec<_>, _>>()?;
        let rows = sqlx::query(q::BLOCKS_SQL)
            .bind(q::MAX_BLOCKS)
            .fetch_all(&mut conn)
            .await
            .map_err(|e| err("pg_locks", e))?;
        let blocks = rows.iter().map(q::block).collect::<Result<Vec<_>, _>>()?;
        let _ = sqlx::Connection::close(conn).await;
        Ok::<_, String>((sessions, json!({ "blocks": blocks })))
    };
    let t = cfg.timeout.max(Duration::from_secs(1)) * 2;
    tokio::time::timeout(t, work)
        .await
        .unwrap_or_else(|_| Err(format!("no answer in {}s", t.as_secs())))
}

/// Alerts and silences of every Alertmanager, each source's own or its error.
pub async fn alerts(sources: &[AlertmanagerConfig]) -> Value {
    let mut out = Vec::new();
    for cfg in sources {
        let mut poller = crate::backends::alertmanager::AlertmanagerPoller::new(cfg);
        out.push(match poller.poll().await {
            Ok(s) => json!({ "source": cfg.name, "alerts": s.alerts, "silences": s.silences }),
            Err(e) => json!({ "source": cfg.name, "error": e }),
        });
    }
    json!({ "alertmanagers": out })
}

/// The audit entries of the incident's time (from its start to its close),
/// or the newest `AUDIT_TAIL` with none; in sequence order.
pub async fn audit(
    store: &Store,
    incident: Option<&crate::runbook::session::SessionMeta>,
) -> Result<Vec<AuditEntry>, String> {
    let Some(meta) = incident else {
        let mut tail = store.audit_tail(AUDIT_TAIL).await.map_err(|e| e.to_string())?;
        tail.reverse();
        return Ok(tail);
    };
    let entries = store
        .audit_entries(Some(meta.started_at))
        .await
        .map_err(|e| e.to_string())?;
    Ok(entries
        .into_iter()
        .filter(
            |e| match (meta.closed_at, chrono::DateTime::parse_from_rfc3339(&e.ts)) {
                (Some(closed), Ok(ts)) => ts <= closed,
                _ => true,
            },
        )
        .collect())
}
