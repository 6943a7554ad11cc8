//! `[[escalation]]`: who is notified, in order, when a firing alert nobody
//! answered is past its response deadline (`[alerts] respond_*`) by a
//! level's `after`. Each level sends to exactly one place: a webhook, a
//! PagerDuty service (its routing key by reference), or a command (argv,
//! never a shell, only with `[runbooks] allow_commands`).

use super::duration::{de_duration, de_duration_or_zero};
use super::secret::{ConfigUrl, Secret};
use super::{Config, FileError};
use crate::model::alerts::Severity;
use crate::model::escalation::Level;
use serde::Deserialize;
use std::path::Path;
use std::time::Duration;

/// Where PagerDuty's Events API v2 takes events unless `url` says otherwise.
pub const PAGERDUTY_URL: &str = "https://events.pagerduty.com/v2/enqueue";

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EscalationConfig {
    pub name: String,
    /// How long past the alert's response deadline ("0s": at the deadline).
    #[serde(deserialize_with = "de_duration_or_zero")]
    pub after: Duration,
    /// POST the JSON body here (`${VAR}` expanded when sent).
    #[serde(default)]
    pub webhook: Option<ConfigUrl>,
    /// The environment variable holding a PagerDuty routing (integration) key.
    #[serde(default)]
    pub pagerduty_routing_key_env: Option<String>,
    /// PagerDuty's events endpoint (default `PAGERDUTY_URL`).
    #[serde(default)]
    pub url: Option<ConfigUrl>,
    /// argv of a program given the JSON body on its standard input.
    #[serde(default)]
    pub command: Option<Vec<String>>,
    /// Only alerts of these severities (critical, warning, info); default:
    /// every severity.
    #[serde(default)]
    pub severities: Vec<String>,
    /// How long one attempt may take.
    #[serde(default = "super::defaults::timeout", deserialize_with = "de_duration")]
    pub timeout: Duration,
}

/// Where one level sends, resolved from its config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    Webhook(ConfigUrl),
    PagerDuty { key_env: String, url: ConfigUrl },
    Command(Vec<String>),
}

impl Destination {
    /// How the audit log and messages name it: never a secret (a URL as
    /// written, `${VAR}` unexpanded; the routing key's variable, not its value).
    pub fn shown(&self) -> String {
        match self {
            Destination::Webhook(u) => format!("webhook {u}"),
            Destination::PagerDuty { key_env, url } => format!("pagerduty {url} (key from ${key_env})"),
            Destination::Command(argv) => format!("command {}", argv.first().map(String::as_str).unwrap_or("")),
        }
    }
}

impl EscalationConfig {
    /// The judgement's view of the level. Severities are validated at load.
    pub fn level(&self) -> Level {
        Level {
            name: self.name.clone(),
            after: self.after,
            severities: self.severities.iter().map(|s| Severity::parse(Some(s))).collect(),
        }
    }

    /// Where it sends (validation made sure there is exactly one place).
    pub fn destination(&self) -> Destination {
        if let Some(env) = &self.pagerduty_routing_key_env {
            return Destination::PagerDuty {
                key_env: env.clone(),
                url: self.url.clone().unwrap_or_else(|| ConfigUrl::new(PAGERDUTY_URL)),
            };
        }
        if let Some(argv) = &self.command {
            return Destination::Command(argv.clone());
        }
        Destination::Webhook(self.webhook.clone().unwrap_or_else(|| ConfigUrl::new("")))
    }

    /// The routing key, when this level has one and its variable is set.
    pub fn routing_key(&self) -> Option<Secret> {
        let env = self.pagerduty_routing_key_env.as_ref()?;
        std::env::var(env).ok().filter(|v| !v.is_empty()).map(Secret::new)
    }
}

pub(super) fn validate(config: &Config, text: &str, file: &Path) -> Result<(), FileError> {
    let err = |needle: &str, key: &str, msg: String| Err(FileError::new(file, msg).with_key(key).locate(text, needle));
    let mut seen = std::collections::HashSet::new();
    for e in &config.escalation {
        if e.name.trim().is_empty() {
            return err("[[escalation]]", "name", "[[escalation]] name must not be empty".into());
        }
        let quoted = format!("\"{}\"", e.name);
        if !seen.insert(e.name.as_str()) {
            return err(
                &quoted,
                "name",
                format!("[[escalation]] name {:?} is used twice; names must be unique", e.name),
            );
        }
        let at = |key: &str| find_key_after(text, &quoted, key).unwrap_or_else(|| quoted.clone());
        let places = [
            e.webhook.is_some(),
            e.pagerduty_routing_key_env.is_some(),
            e.command.is_some(),
        ];
        if places.iter().filter(|p| **p).count() != 1 {
            return err(
                &quoted,
                "webhook",
                format!(
                    "[[escalation]] {:?}: give exactly one of webhook, pagerduty_routing_key_env or command",
                    e.name
                ),
            );
        }
        if e.url.is_some() && e.pagerduty_routing_key_env.is_none() {
            return err(
                &at("url"),
                "url",
                format!("[[escalation]] {:?}: url is PagerDuty's endpoint: it goes with pagerduty_routing_key_env (a webhook is given as webhook)", e.name),
            );
        }
        for (key, u) in [("webhook", &e.webhook), ("url", &e.url)] {
            let Some(u) = u else { continue };
            let w = u.as_written();
            if !w.starts_with("http://") && !w.starts_with("https://") {
                return err(
                    &at(key),
                    key,
                    format!("[[escalation]] {:?}: {key} must start with http:// or https://", e.name),
                );
            }
            if u.has_literal_password() {
                return err(
                    &at(key),
                    key,
                    format!(
                        "[[escalation]] {:?}: a password is written in the URL; reference it with ${{VAR}}",
                        e.name
                    ),
                );
            }
        }
        if let Some(env) = &e.pagerduty_routing_key_env {
            if env.trim().is_empty() || env.contains(['=', '\0', ' ']) {
                return err(
                    &at("pagerduty_routing_key_env"),
                    "pagerduty_routing_key_env",
                    format!("[[escalation]] {:?}: pagerduty_routing_key_env must name an environment variable (the key itself is never written in the config)", e.name),
                );
            }
        }
        if let Some(argv) = &e.command {
            if argv.first().is_none_or(|p| p.trim().is_empty()) {
                return err(
                    &at("command"),
                    "command",
                    format!(
                        "[[escalation]] {:?}: command must name a program: [\"/usr/bin/mailer\", \"arg\"]",
                        e.name
                    ),
                );
            }
            if !config.runbooks.allow_commands {
                return err(
                    &at("command"),
                    "command",
                    format!(
                        "[[escalation]] {:?}: command runs a program, which needs [runbooks] allow_commands = true",
                        e.name
                    ),
                );
            }
        }
        for s in &e.severities {
            if !matches!(s.as_str(), "critical" | "warning" | "info") {
                return err(
                    &at("severities"),
                    "severities",
                    format!(
                        "[[escalation]] {:?}: severity {s:?} is not one of critical, warning, info",
                        e.name
                    ),
                );
            }
        }
    }
    Ok(())
}

/// `key = ` on a line after the one naming the level, before the next
/// table: the error points at the level's own line, not another level's.
fn find_key_after(text: &str, quoted_name: &str, key: &str) -> Option<String> {
    let start = text.find(&format!("name = {quoted_name}"))?;
    let rest = &text[start..];
    let end = rest[1..].find("\n[").map(|i| i + 1).unwrap_or(rest.len());
    let table = &rest[..end];
    let line = table.lines().find(|l| {
        l.trim_start()
            .strip_prefix(key)
            .is_some_and(|r| r.trim_start().starts_with('='))
    })?;
    Some(line.trim().to_string())
}

impl Config {
    /// The levels, in order, as the judgement takes them.
    pub fn escalation_levels(&self) -> Vec<Level> {
        self.escalation.iter().map(EscalationConfig::level).collect()
    }

    /// How soon each severity must be answered.
    pub fn response_times(&self) -> crate::model::escalation::ResponseTimes {
        crate::model::escalation::ResponseTimes {
            critical: self.alerts.respond_critical,
            warning: self.alerts.respond_warning,
            info: self.alerts.respond_info,
        }
    }
}
