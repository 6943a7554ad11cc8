//! Container details for the incident: what ran, when it started and stopped,
//! how it exited, what its health check said, and where it is wired. Secret
//! environment values are masked here, before anything reaches the UI.

use crate::config::DockerConfig;
pub use crate::model::docker::{is_secret_name, Details, Row};
use crate::text::clean;
use bollard::models::ContainerInspectResponse;

pub async fn inspect(cfg: &DockerConfig, name: &str) -> Result<Details, String> {
    let client = crate::backends::docker::connect(cfg, cfg.timeout.as_secs().max(1)).await?;
    let resp = client
        .inspect_container(name, None)
        .await
        .map_err(|e| crate::backends::docker::connect::explain(&e))?;
    Ok(details(&resp))
}

#[derive(Default)]
struct Builder(Details);

/// Every row goes through here: environment values, labels, commands,
/// health check output and Docker's error words are anyone's text, drawn
/// one row each, so no control character (line breaks neither) is kept.
impl Builder {
    fn field(&mut self, label: &str, value: String) {
        self.0.push(Row::Field(clean::line_of(label), clean::line(value)));
    }
    fn section(&mut self, name: &str) {
        self.0.push(Row::Section(clean::line_of(name)));
    }
}

pub fn details(r: &ContainerInspectResponse) -> Details {
    let mut b = Builder::default();
    let state = r.state.clone().unwrap_or_default();
    let config = r.config.clone().unwrap_or_default();
    let host = r.host_config.clone().unwrap_or_default();

    b.field(
        "name",
        r.name.clone().unwrap_or_default().trim_start_matches('/').to_string(),
    );
    b.field("id", r.id.clone().unwrap_or_default().chars().take(12).collect());
    b.field("image", config.image.clone().unwrap_or_default());
    let command: Vec<String> = config
        .entrypoint
        .clone()
        .unwrap_or_default()
        .into_iter()
        .chain(config.cmd.clone().unwrap_or_default())
        .collect();
    b.field("command", command.join(" "));
    b.field("state", state.status.map(|s| s.to_string()).unwrap_or_default());
    b.field("created", r.created.clone().unwrap_or_default());
    b.field("started", state.started_at.clone().unwrap_or_default());
    b.field(
        "finished",
        state
            .finished_at
            .clone()
            .filter(|f| !f.starts_with("0001-"))
            .unwrap_or_else(|| "-".into()),
    );
    b.field("exit code", state.exit_code.map(|c| c.to_string()).unwrap_or_default());
    b.field(
        "OOM killed",
        if state.oom_killed.unwrap_or(false) {
            "YES".into()
        } else {
            "no".into()
        },
    );
    if let Some(err) = state.error.clone().filter(|e| !e.is_empty()) {
        b.field("error", err);
    }
    b.field("restart count", r.restart_count.unwrap_or(0).to_string());
    let policy = host.restart_policy.clone().unwrap_or_default();
    b.field(
        "restart policy",
        match (policy.name.map(|n| n.to_string()), policy.maximum_retry_count) {
            (Some(n), Some(max)) if max > 0 => format!("{n} (max {max})"),
            (Some(n), _) if !n.is_empty() => n,
            _ => "no".into(),
        },
    );

    if let Some(health) = state.health.clone() {
        b.section("health");
        b.field("status", health.status.map(|s| s.to_string()).unwrap_or_default());
        b.field("failing streak", health.failing_streak.unwrap_or(0).to_string());
        for check in health.log.unwrap_or_default().iter().rev().take(3) {
            let when = check.end.as_ref().map(|d| d.to_string()).unwrap_or_default();
            let output = check.output.clone().unwrap_or_default();
            b.field(
                &format!("check exit {}", check.exit_code.unwrap_or(-1)),
                format!("{when}  {}", crate::text::one_line(&output)),
            );
        }
    }

    let mounts = r.mounts.clone().unwrap_or_default();
    if !mounts.is_empty() {
        b.section("mounts");
        for m in mounts {
            let mode = if m.rw.unwrap_or(true) { "rw" } else { "ro" };
            b.field(
                &m.destination.unwrap_or_default(),
                format!("{} ({mode})", m.source.unwrap_or_default()),
            );
        }
    }

    let networks = r.network_settings.clone().and_then(|n| n.networks).unwrap_or_default();
    if !networks.is_empty() {
        b.section("networks");
        let mut names: Vec<_> = networks.into_iter().collect();
        names.sort_by(|a, b| a.0.cmp(&b.0));
        for (name, ep) in names {
            b.field(
                &name,
                ep.ip_address.filter(|ip| !ip.is_empty()).unwrap_or_else(|| "-".into()),
            );
        }
    }

    let mut env: Vec<(String, String)> = config
        .env
        .clone()
        .unwrap_or_default()
        .into_iter()
        .map(|kv| match kv.split_once('=') {
            Some((k, v)) if is_secret_name(k) => (
                k.to_string(),
                if v.is_empty() {
                    String::new()
                } else {
                    "••••".into()
                },
            ),
            Some((k, v)) => (k.to_string(), v.to_string()),
            None => (kv, String::new()),
        })
        .collect();
    if !env.is_empty() {
        b.section("environment");
        env.sort();
        for (k, v) in env {
            b.field(&k, v);
        }
    }

    let mut labels: Vec<_> = config.labels.clone().unwrap_or_default().into_iter().collect();
    if !labels.is_empty() {
        b.section("labels");
        labels.sort();
        for (k, v) in labels {
            b.field(&k, v);
        }
    }
    b.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use bollard::models::ContainerConfig;

    #[test]
    fn secret_environment_values_are_masked() {
        let r = ContainerInspectResponse {
            config: Some(ContainerConfig {
                env: Some(vec![
                    "DB_PASSWORD=hunter2".into(),
                    "API_TOKEN=abc".into(),
                    "aws_secret_access_key=xyz".into(),
                    "LOG_LEVEL=debug".into(),
                ]),
                ..Default::default()
            }),
            ..Default::default()
        };
        let d = details(&r);
        let text = format!("{d:?}");
        for secret in ["hunter2", "abc", "xyz"] {
            assert!(!text.contains(secret), "{text}");
        }
        assert!(d.contains(&Row::Field("LOG_LEVEL".into(), "debug".into())));
        assert!(d.contains(&Row::Field("DB_PASSWORD".into(), "••••".into())));
        assert!(d.contains(&Row::Section("environment".into())));
    }

    #[test]
    fn terminal_controls_in_environment_and_labels_are_made_visible() {
        let r = ContainerInspectResponse {
            config: Some(ContainerConfig {
                env: Some(vec!["GREETING=hi\x1b]2;DOCKERPWNED\x07there".into()]),
                labels: Some([("note\u{202e}".to_string(), "\x1b[7minverse\u{9b}".to_string())].into()),
                ..Default::default()
            }),
            ..Default::default()
        };
        let d = details(&r);
        assert!(d.contains(&Row::Field("GREETING".into(), "hi␛]2;DOCKERPWNED␇there".into())));
        assert!(d.contains(&Row::Field("note[U+202E]".into(), "␛[7minverse[U+009B]".into())));
    }
}
