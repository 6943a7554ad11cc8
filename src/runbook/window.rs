//! A maintenance window: which alerts a maintenance session holds (Alertmanager
//! matchers) and for how long. Written in a runbook as
//! `window = { matchers = ["service=\"api\""], duration = "4h" }`, or given
//! by hand when a session of a maintenance runbook without one starts.
//!
//! The rule of a maintenance runbook's phases: its first phase is the
//! pre-check and its last phase the post-check (lint asks for at least two
//! phases, each with a check). The pre-check's checks run when the session
//! starts; the post-check finished with every check passing expires the
//! window's silences early.

use crate::model::matchers::{parse_matchers, Matcher};
use serde::{Deserialize, Serialize};
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaintenanceWindow {
    /// Alertmanager matchers, one each (`service="api"`, `instance=~"db.*"`);
    /// an alert is held when it matches all of them.
    #[serde(default)]
    pub matchers: Vec<String>,
    /// How long the window lasts from the session's start. Optional here so
    /// that lint, not the parser, says it is missing, with its line.
    #[serde(
        default,
        with = "super::model::opt_duration",
        skip_serializing_if = "Option::is_none"
    )]
    pub duration: Option<Duration>,
}

/// What starting a maintenance session needs besides the runbook: the
/// window, and where to silence (decided where the targets' read-only
/// state is known).
#[derive(Debug, Clone, PartialEq)]
pub struct WindowPlan {
    pub window: MaintenanceWindow,
    /// The `[[alertmanager]]` names to silence on: one member of a cluster.
    pub sources: Vec<String>,
    /// Those not asked, with why ("am-2: read-only").
    pub refused: Vec<String>,
}

/// The longest window opsdeck opens: a silence longer than a week is not
/// maintenance but a muted alert.
pub const MAX_WINDOW: Duration = Duration::from_secs(7 * 24 * 3600);

impl MaintenanceWindow {
    /// The matchers parsed, every one of them, or the first that is wrong.
    pub fn parsed(&self) -> Result<Vec<Matcher>, String> {
        parse_all(&self.matchers)
    }

    /// A window that can be opened: matchers that parse, a duration above
    /// zero and within `MAX_WINDOW`.
    pub fn usable(&self) -> Result<(Vec<Matcher>, Duration), String> {
        let matchers = self.parsed()?;
        let duration = match self.duration {
            None => return Err("the window needs a duration (e.g. \"4h\")".into()),
            Some(d) if d.is_zero() => return Err("the window's duration must be more than zero".into()),
            Some(d) if d > MAX_WINDOW => return Err("the window's duration is more than a week".into()),
            Some(d) => d,
        };
        Ok((matchers, duration))
    }
}

/// Each text one matcher; none at all is an error (a window holding every
/// alert would silence the whole estate).
pub fn parse_all(texts: &[String]) -> Result<Vec<Matcher>, String> {
    if texts.is_empty() {
        return Err("the window needs at least one matcher (e.g. service=\"api\")".into());
    }
    let mut out = Vec::new();
    for t in texts {
        let parsed = parse_matchers(t).map_err(|e| format!("matcher {t:?}: {e}"))?;
        match parsed.as_slice() {
            [] => return Err(format!("matcher {t:?} is empty")),
            [one] => out.push(one.clone()),
            _ => return Err(format!("matcher {t:?} holds more than one: write one per string")),
        }
    }
    // Every matcher matching the empty value matches alerts without the label too.
    let empty = std::collections::BTreeMap::new();
    if out.iter().all(|m| m.matches(&empty)) {
        return Err("the matchers would hold every alert: give at least one that needs a label".into());
    }
    Ok(out)
}

/// What the operator types when the runbook gives no window:
/// `service="api", instance=~"db.*" for 4h`.
pub fn parse_typed(text: &str) -> Result<MaintenanceWindow, String> {
    let Some((matchers, duration)) = text.trim().rsplit_once(" for ") else {
        return Err("write the matchers, then \"for\" and a duration: service=\"api\" for 4h".into());
    };
    let duration = humantime::parse_duration(duration.trim())
        .map_err(|e| format!("duration {:?}: {e} (write e.g. \"4h\")", duration.trim()))?;
    let parsed = parse_matchers(matchers)?;
    let window = MaintenanceWindow {
        matchers: parsed.iter().map(ToString::to_string).collect(),
        duration: Some(duration),
    };
    window.usable()?;
    Ok(window)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typed_window_reads_matchers_and_duration() {
        let w = parse_typed("service=\"api\", instance=~\"db.*\" for 4h").expect("window");
        assert_eq!(w.matchers, ["service=\"api\"", "instance=~\"db.*\""]);
        assert_eq!(w.duration, Some(Duration::from_secs(4 * 3600)));
        assert!(parse_typed("service=\"api\"").is_err(), "no duration");
        assert!(parse_typed("service=\"api\" for 0s").is_err(), "zero");
        assert!(parse_typed("service!=\"api\" for 1h").is_err(), "holds everything");
        assert!(parse_typed("service=~\"(\" for 1h").is_err(), "bad regex");
    }

    #[test]
    fn a_window_reads_and_writes_back() {
        let text = "matchers = [\"service=\\\"api\\\"\"]\nduration = \"4h\"\n";
        let w: MaintenanceWindow = toml::from_str(text).expect("parse");
        assert_eq!(
            w.usable().map(|(m, d)| (m.len(), d)),
            Ok((1, Duration::from_secs(14400)))
        );
        let again: MaintenanceWindow = toml::from_str(&toml::to_string(&w).expect("write")).expect("reparse");
        assert_eq!(again, w);
        let none: MaintenanceWindow = toml::from_str("matchers = []").expect("parse");
        assert!(none.usable().is_err());
    }
}
