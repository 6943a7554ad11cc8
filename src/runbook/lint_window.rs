//! Lint of maintenance runbooks: the window (only on `kind = "maintenance"`,
//! matchers that parse, a duration above zero) and the phase rule (the
//! first phase is the pre-check, the last the post-check, each with at
//! least one check). Each problem with its line, like the rest of lint.

use super::model::{Kind, Runbook};
use super::spans::Lines;
use super::window::{parse_all, MAX_WINDOW};
use crate::model::matchers::parse_matchers;

/// (line, key, message) for every problem.
pub fn problems(runbook: &Runbook, lines: &Lines) -> Vec<(usize, &'static str, String)> {
    let mut out = Vec::new();
    if runbook.kind != Kind::Maintenance {
        if runbook.window.is_some() {
            out.push((
                lines.window("", None),
                "window",
                format!(
                    "a window belongs to a maintenance runbook only (kind = \"maintenance\", not {:?})",
                    runbook.kind.label()
                ),
            ));
        }
        return out;
    }
    if let Some(w) = &runbook.window {
        let mut each_parses = true;
        for (i, m) in w.matchers.iter().enumerate() {
            let wrong = match parse_matchers(m) {
                Err(e) => Some(e),
                Ok(list) if list.len() == 1 => None,
                Ok(list) if list.is_empty() => Some("empty".to_string()),
                Ok(_) => Some("more than one matcher: write one per string".to_string()),
            };
            if let Some(e) = wrong {
                each_parses = false;
                out.push((
                    lines.window("matchers", Some(i)),
                    "matchers",
                    format!("window matcher {m:?}: {e}"),
                ));
            }
        }
        // The list as a whole: none at all, or one that holds every alert.
        if each_parses {
            if let Err(e) = parse_all(&w.matchers) {
                out.push((lines.window("matchers", None), "matchers", e));
            }
        }
        match w.duration {
            None => out.push((
                lines.window("", None),
                "duration",
                "the window needs a duration (e.g. duration = \"4h\")".into(),
            )),
            Some(d) if d.is_zero() => out.push((
                lines.window("duration", None),
                "duration",
                "the window's duration must be more than zero".into(),
            )),
            Some(d) if d > MAX_WINDOW => out.push((
                lines.window("duration", None),
                "duration",
                "the window's duration is more than a week: that is a muted alert, not maintenance".into(),
            )),
            Some(_) => {}
        }
    }
    let phases = &runbook.phases;
    if phases.len() < 2 {
        out.push((
            lines.top("kind"),
            "phase",
            "a maintenance runbook needs at least two phases: the first is the pre-check, the last the post-check"
                .into(),
        ));
        return out;
    }
    let checked = |p: usize| phases[p].steps.iter().any(|s| s.check.is_some());
    for (p, role) in [(0, "pre-check"), (phases.len() - 1, "post-check")] {
        if !checked(p) {
            out.push((
                lines.phase(p, "name"),
                "phase",
                format!(
                    "phase {:?} is this maintenance runbook's {role} ({} phase): it needs at least one step with a check",
                    phases[p].name,
                    if p == 0 { "the first" } else { "the last" }
                ),
            ));
        }
    }
    out
}
