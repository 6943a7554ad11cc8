//! Alert checks: no firing alert (one nobody silenced or inhibited) matches
//! the matchers, on one `[[alertmanager]]` or on every one. Read by the
//! Alertmanager backend; matchers in Alertmanager's own syntax.

use super::{CheckContext, Outcome};
use crate::backends::alertmanager::{AlertRow, AlertmanagerPoller};
use crate::config::AlertmanagerConfig;
use crate::model::matchers::parse_matchers;
use crate::runbook::set::{self, Names};

/// Alert names shown in `observed`; the rest are counted.
const NAMES_SHOWN: usize = 3;

pub(crate) async fn check(ctx: &CheckContext, source: Option<&str>, matchers: &str) -> Result<Outcome, String> {
    let matchers = parse_matchers(matchers).map_err(|e| format!("matchers {matchers:?}: {e}"))?;
    // A name is an instance or a cluster of them; "*" or a glob, a set.
    let sources: Vec<&AlertmanagerConfig> = match source.map(Names::parse).transpose()? {
        Some(names) => ctx
            .alertmanager
            .iter()
            .filter(|a| names.matches(&a.name) || a.cluster.as_deref().is_some_and(|c| names.matches(c)))
            .collect(),
        None => ctx.alertmanager.iter().collect(),
    };
    if sources.is_empty() {
        return Ok(Outcome::failed(match source {
            Some(s) if set::is_set(s) => format!("no [[alertmanager]] matches source = {s:?}"),
            Some(s) => format!("no [[alertmanager]] named {s:?} in the config"),
            None => "no [[alertmanager]] in the config".into(),
        }));
    }
    // All at once; any that cannot be read fails the check, named: "nothing
    // firing" cannot be said of an Alertmanager nobody heard from.
    let polls = futures::future::join_all(sources.iter().map(|cfg| async move {
        let mut poller = AlertmanagerPoller::new(cfg);
        (cfg.name.as_str(), poller.poll().await)
    }))
    .await;
    let mut firing: Vec<(String, AlertRow)> = Vec::new();
    let mut unread: Vec<String> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut total = 0usize;
    for (name, result) in polls {
        let summary = match result {
            Ok(s) => s,
            Err(e) => {
                unread.push(format!("alertmanager {name}: {e}"));
                continue;
            }
        };
        total += summary.alerts.len();
        for a in summary.alerts.iter().filter(|a| !a.is_quiet() && a.matches(&matchers)) {
            // Members of one cluster list the same alert: count it once.
            if seen.insert(a.fingerprint.clone()) || a.fingerprint.is_empty() {
                firing.push((name.to_string(), a.clone()));
            }
        }
    }
    if sources.len() == 1 {
        if let Some(e) = unread.pop() {
            return Err(e);
        }
    }
    let filter = matchers.iter().map(|m| m.to_string()).collect::<Vec<_>>().join(", ");
    let names: Vec<&str> = sources.iter().map(|a| a.name.as_str()).collect();
    let mut evidence = format!(
        "alertmanager {}: {total} alerts listed, {} firing match {{{filter}}}",
        names.join(", "),
        firing.len()
    );
    for (source, a) in &firing {
        let labels: Vec<String> = a.labels.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
        evidence.push_str(&format!(
            "\n{source}: {} since {} {{{}}} {}",
            a.name,
            a.starts_at.format("%Y-%m-%d %H:%M:%SZ"),
            labels.join(", "),
            a.summary
        ));
    }
    for u in &unread {
        evidence.push_str(&format!("\n{u}"));
    }
    if !unread.is_empty() {
        let mut problems = unread.clone();
        if !firing.is_empty() {
            problems.push(format!("{} firing", firing.len()));
        }
        return Ok(Outcome::new(false, problems.join("; "), evidence));
    }
    if firing.is_empty() {
        let what = if filter.is_empty() {
            "no alert firing".to_string()
        } else {
            format!("no firing alert matches {filter}")
        };
        return Ok(Outcome::new(true, what, evidence));
    }
    let mut names: Vec<&str> = Vec::new();
    for (_, a) in &firing {
        if !names.contains(&a.name.as_str()) {
            names.push(a.name.as_str());
        }
    }
    let shown = names.iter().take(NAMES_SHOWN).copied().collect::<Vec<_>>().join(", ");
    let more = names.len().saturating_sub(NAMES_SHOWN);
    let more = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    let count = firing.len();
    let noun = if count == 1 { "alert" } else { "alerts" };
    Ok(Outcome::new(
        false,
        format!("{count} firing {noun}: {shown}{more}"),
        evidence,
    ))
}
