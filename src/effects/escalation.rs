//! Escalation's one side effect: telling a level's destination about an
//! overdue alert. The JSON body (the same for a webhook and a command's
//! standard input, wrapped for PagerDuty's Events API v2), and one attempt
//! to deliver it, bounded by the level's timeout. The routing key is read
//! when sent and is in no message this returns.

use crate::config::escalation::{Destination, EscalationConfig};
use crate::model::alerts::AlertRow;
use crate::model::escalation::Due;
use serde_json::{json, Value};
use std::process::Stdio;
use std::time::Duration;
use tokio::io::AsyncWriteExt;

/// Outside text on one line, cleaned (`text::clean`).
fn line(s: &str) -> String {
    crate::text::clean::line(s.to_string())
}

/// PagerDuty refuses a summary longer than this.
const PAGERDUTY_SUMMARY_MAX: usize = 1024;

/// What every destination is told: the alert's name, source, labels,
/// severity, deadline, how overdue, the level, and a summary without links
/// (a page is read on a phone, and a link in it is one more thing to trust).
pub fn body(alert: &AlertRow, due: &Due) -> Value {
    let overdue = due.overdue.num_seconds().max(0);
    let summary = summary(alert, due);
    json!({
        "alertname": line(&alert.name),
        "source": due.key.source,
        "fingerprint": alert.fingerprint,
        "labels": alert.labels.iter().map(|(k, v)| (line(k), Value::from(line(v)))).collect::<serde_json::Map<_, _>>(),
        "severity": alert.severity.label(),
        "starts_at": alert.starts_at.to_rfc3339(),
        "deadline": due.deadline.to_rfc3339(),
        "overdue_seconds": overdue,
        "level": due.key.level,
        "summary": summary,
    })
}

/// One line: what fires where, for how long unanswered, to which level.
fn summary(alert: &AlertRow, due: &Due) -> String {
    let what = without_links(&line(&alert.summary));
    let overdue = crate::text::duration_text(due.overdue.num_seconds().max(0));
    let mut s = format!("{} {}", alert.severity.label().to_uppercase(), line(&alert.name));
    if !alert.instance.is_empty() {
        s.push_str(&format!(" on {}", without_links(&line(&alert.instance))));
    }
    if !what.is_empty() {
        s.push_str(&format!(": {what}"));
    }
    s.push_str(&format!(
        " — unanswered {overdue} past its response deadline; escalated to {}",
        due.key.level
    ));
    s
}

/// Text with every word that is a link (`scheme://…`, `www.…`) left out.
fn without_links(text: &str) -> String {
    text.split_whitespace()
        .filter(|w| !w.contains("://") && !w.to_ascii_lowercase().starts_with("www."))
        .collect::<Vec<_>>()
        .join(" ")
}

/// PagerDuty's Events API v2 trigger: one incident per alert (its dedup
/// key), the body as custom details.
pub fn pagerduty_body(routing_key: &str, body: &Value) -> Value {
    let text = |k: &str| body.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
    let mut summary = text("summary");
    if summary.len() > PAGERDUTY_SUMMARY_MAX {
        let mut end = PAGERDUTY_SUMMARY_MAX;
        while !summary.is_char_boundary(end) {
            end -= 1;
        }
        summary.truncate(end);
    }
    let severity = match text("severity").as_str() {
        "critical" => "critical",
        "warning" => "warning",
        _ => "info",
    };
    json!({
        "routing_key": routing_key,
        "event_action": "trigger",
        "dedup_key": format!("opsdeck/{}/{}", text("source"), text("fingerprint")),
        "payload": {
            "summary": summary,
            "source": text("source"),
            "severity": severity,
            "timestamp": text("starts_at"),
            "component": text("alertname"),
            "custom_details": body,
        },
    })
}

/// How an attempt went: accepted (with what the destination said, e.g.
/// "HTTP 200"), or not, in plain words. Neither holds a secret.
pub type Attempt = Result<String, String>;

/// One attempt to deliver `body` to `level`'s destination.
pub async fn send(level: &EscalationConfig, body: &Value) -> Attempt {
    let timeout = level.timeout;
    match level.destination() {
        Destination::Webhook(url) => {
            let url = url.expand().map_err(|e| format!("webhook URL: {e}"))?;
            post(url.expose(), body, timeout).await
        }
        Destination::PagerDuty { key_env, url } => {
            let Some(key) = level.routing_key() else {
                return Err(format!("environment variable {key_env} (the routing key) is not set"));
            };
            let url = url.expand().map_err(|e| format!("PagerDuty URL: {e}"))?;
            post(url.expose(), &pagerduty_body(key.expose(), body), timeout).await
        }
        Destination::Command(argv) => run(&argv, body, timeout).await,
    }
}

async fn post(url: &str, body: &Value, timeout: Duration) -> Attempt {
    let client = crate::backends::http_client(timeout)?;
    let sent = tokio::time::timeout(timeout, async {
        let resp = client.post(url).json(body).send().await?;
        let status = resp.status();
        // The answer's text says why a refusal was made; a little is enough.
        let text = resp.text().await.unwrap_or_default();
        Ok::<_, reqwest::Error>((status, text))
    })
    .await;
    match sent {
        Err(_) => Err(crate::text::no_answer(timeout)),
        // The error's chain may hold the URL, which may hold a token.
        Ok(Err(e)) => Err(crate::text::error_chain(&e.without_url())),
        Ok(Ok((status, _))) if status.is_success() => Ok(format!("HTTP {}", status.as_u16())),
        Ok(Ok((status, text))) => {
            let said = line(text.chars().take(200).collect::<String>().trim());
            Err(match said.is_empty() {
                true => format!("HTTP {}", status.as_u16()),
                false => format!("HTTP {}: {said}", status.as_u16()),
            })
        }
    }
}

/// Run argv (never a shell) with the body on its standard input.
async fn run(argv: &[String], body: &Value, timeout: Duration) -> Attempt {
    let Some((program, args)) = argv.split_first() else {
        return Err("no command".into());
    };
    let ran = tokio::time::timeout(timeout, async {
        let mut child = tokio::process::Command::new(program)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("{program}: {e}"))?;
        if let Some(mut stdin) = child.stdin.take() {
            // A program that does not read its input still decides the outcome.
            let _ = stdin.write_all(body.to_string().as_bytes()).await;
        }
        child.wait_with_output().await.map_err(|e| format!("{program}: {e}"))
    })
    .await;
    match ran {
        Err(_) => Err(crate::text::no_answer(timeout)),
        Ok(Err(e)) => Err(line(&e)),
        Ok(Ok(out)) if out.status.success() => Ok("exit 0".into()),
        Ok(Ok(out)) => {
            let said = String::from_utf8_lossy(&out.stderr);
            let said = line(said.lines().next().unwrap_or("").trim());
            let status = match out.status.code() {
                Some(c) => format!("exit {c}"),
                None => "killed by a signal".into(),
            };
            Err(if said.is_empty() {
                status
            } else {
                format!("{status}: {said}")
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::alerts::Severity;
    use crate::model::escalation::Key;

    fn alert() -> AlertRow {
        AlertRow {
            fingerprint: "f1".into(),
            name: "HighErrorRate".into(),
            severity: Severity::Critical,
            state: "active".into(),
            starts_at: "2026-12-07T03:00:00Z".parse().expect("time"),
            summary: "5xx above 5% see https://grafana.example/d/x and www.example.com now".into(),
            instance: "web-1".into(),
            labels: [("alertname".to_string(), "HighErrorRate".to_string())].into(),
            silenced_by: Vec::new(),
            annotations: Default::default(),
            generator_url: "http://prom/graph".into(),
        }
    }

    fn due() -> Due {
        Due {
            key: Key {
                source: "am".into(),
                fingerprint: "f1".into(),
                starts_at: "2026-12-07T03:00:00Z".parse().expect("time"),
                level: "L2".into(),
            },
            level: 1,
            deadline: "2026-12-07T03:10:00Z".parse().expect("time"),
            overdue: chrono::Duration::seconds(125),
        }
    }

    #[test]
    fn the_body_says_what_is_overdue_and_holds_no_link() {
        let b = body(&alert(), &due());
        assert_eq!(b["alertname"], "HighErrorRate");
        assert_eq!(b["severity"], "critical");
        assert_eq!(b["level"], "L2");
        assert_eq!(b["overdue_seconds"], 125);
        assert_eq!(b["labels"]["alertname"], "HighErrorRate");
        assert_eq!(b["deadline"], "2026-12-07T03:10:00+00:00");
        let s = b["summary"].as_str().expect("summary");
        assert!(
            s.starts_with("CRITICAL HighErrorRate on web-1: 5xx above 5% see and now"),
            "{s}"
        );
        assert!(s.contains("escalated to L2"), "{s}");
        assert!(!b.to_string().contains("://"), "{b}");
    }

    #[test]
    fn pagerduty_gets_a_trigger_with_one_dedup_key_per_alert() {
        let b = body(&alert(), &due());
        let pd = pagerduty_body("R0UTING", &b);
        assert_eq!(pd["event_action"], "trigger");
        assert_eq!(pd["routing_key"], "R0UTING");
        assert_eq!(pd["dedup_key"], "opsdeck/am/f1");
        assert_eq!(pd["payload"]["severity"], "critical");
        assert_eq!(pd["payload"]["source"], "am");
        assert_eq!(pd["payload"]["custom_details"]["level"], "L2");
        let mut other = due();
        other.key.level = "L3".into();
        assert_eq!(
            pagerduty_body("k", &body(&alert(), &other))["dedup_key"],
            pd["dedup_key"]
        );
    }

    #[tokio::test]
    async fn a_command_gets_the_body_and_its_exit_decides() {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("got.json");
        let b = body(&alert(), &due());
        let argv = |script: String| vec!["/bin/sh".to_string(), "-c".to_string(), script];
        let ok = run(&argv(format!("cat > {}", out.display())), &b, Duration::from_secs(5)).await;
        assert_eq!(ok, Ok("exit 0".into()));
        let got: Value = serde_json::from_str(&std::fs::read_to_string(&out).expect("read")).expect("json");
        assert_eq!(got, b);
        let failed = run(
            &argv("echo 'mailer down' >&2; exit 3".into()),
            &b,
            Duration::from_secs(5),
        )
        .await;
        assert_eq!(failed, Err("exit 3: mailer down".into()));
        let slow = run(&argv("sleep 5".into()), &b, Duration::from_millis(200)).await;
        assert!(slow.is_err_and(|e| e.contains("no answer")));
        let missing = run(&["/nonexistent/mailer".to_string()], &b, Duration::from_secs(1)).await;
        assert!(missing.is_err_and(|e| e.starts_with("/nonexistent/mailer:")));
    }
}
