//! A poll's model as it may be kept: the flight recorder stores what the
//! screen would show, never a secret. Query text is masked as the Database
//! pane draws it (`query_for_screen`: literals of a role statement with a
//! password, then the redactor); a label, annotation or other name=value
//! set outside opsdeck under a secret-looking name is masked whole, and
//! every other free text passes the redactor, as the details views do.

use crate::model::alerts::{AlertRow, AlertsSummary};
use crate::model::backend::BackendData;
use crate::model::postgres::{query_for_screen, PgSummary};
use crate::model::redact::{is_secret_key, Redactor, REDACTED};
use std::collections::BTreeMap;

/// `data` with every secret the screen would hide taken out.
pub fn masked(data: &BackendData, r: &Redactor) -> BackendData {
    match data {
        BackendData::Docker(d) => {
            let mut d = d.clone();
            for c in &mut d.containers {
                c.labels = c.labels.iter().map(|l| label(l, r)).collect();
            }
            BackendData::Docker(d)
        }
        BackendData::Postgres(p) => BackendData::Postgres(Box::new(pg(p, r))),
        BackendData::Alerts(a) => BackendData::Alerts(std::sync::Arc::new(alerts(a, r))),
        BackendData::Http(_) | BackendData::Host(_) => data.clone(),
        // Numbers and the server's own names: nothing of the config's.
        BackendData::Redis(_) => data.clone(),
        BackendData::Prometheus(p) => BackendData::Prometheus(Box::new(p.masked(r))),
    }
}

/// A poll's error text as it may be kept.
pub fn masked_error(text: &str, r: &Redactor) -> String {
    r.redact(text)
}

/// "key=value": the value masked whole under a secret-looking key.
fn label(l: &str, r: &Redactor) -> String {
    match l.split_once('=') {
        Some((k, v)) if is_secret_key(k) && !v.is_empty() => format!("{k}={REDACTED}"),
        _ => r.redact(l),
    }
}

fn map(m: &BTreeMap<String, String>, r: &Redactor) -> BTreeMap<String, String> {
    m.iter()
        .map(|(k, v)| {
            let v = if is_secret_key(k) && !v.is_empty() {
                REDACTED.to_string()
            } else {
                r.redact(v)
            };
            (k.clone(), v)
        })
        .collect()
}

fn pg(p: &PgSummary, r: &Redactor) -> PgSummary {
    let mut p = p.clone();
    for s in &mut p.backends {
        s.query = query_for_screen(&s.query, r);
    }
    if let Some(b) = &mut p.backup {
        b.error = b.error.as_deref().map(|e| r.redact(e));
    }
    p
}

/// One alert as it may be kept.
pub fn masked_alert(alert: &AlertRow, r: &Redactor) -> AlertRow {
    AlertRow {
        labels: map(&alert.labels, r),
        annotations: map(&alert.annotations, r),
        summary: r.redact(&alert.summary),
        generator_url: r.redact(&alert.generator_url),
        ..alert.clone()
    }
}

fn alerts(a: &AlertsSummary, r: &Redactor) -> AlertsSummary {
    let mut a = a.clone();
    a.alerts = a.alerts.iter().map(|alert| masked_alert(alert, r)).collect();
    for s in &mut a.silences {
        s.comment = r.redact(&s.comment);
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::postgres::PgBackend;

    #[test]
    fn a_password_literal_and_a_secret_label_never_reach_the_record() {
        let r = Redactor::new(["configured-pw"]);
        let session = PgBackend {
            pid: 1,
            user: "app".into(),
            database: "app".into(),
            client_addr: None,
            application: String::new(),
            state: "active".into(),
            duration_secs: 1.0,
            xact_secs: None,
            wait_event: None,
            query: "ALTER ROLE app PASSWORD 'hunter2-literal'".into(),
            blocked_by: Vec::new(),
        };
        let pg = PgSummary {
            backends: vec![session],
            ..Default::default()
        };
        let out = serde_json::to_string(&masked(&BackendData::Postgres(Box::new(pg)), &r)).unwrap_or_default();
        assert!(!out.contains("hunter2-literal"), "{out}");
        assert_eq!(label("DB_PASSWORD=s3cret-label", &r), "DB_PASSWORD=[redacted]");
        assert_eq!(label("team=configured-pw", &r), "team=[redacted]");
        assert_eq!(label("tier=web", &r), "tier=web");
    }
}
