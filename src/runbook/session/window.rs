//! A maintenance session's window, folded from its events: when it opened,
//! what it silenced where, until when, and whether it closed early. Also
//! the rule that closes it early: the post-check phase (the last) finished
//! with every check passing.

use super::{EventKind, Session};
use crate::runbook::model::Verdict;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One silence a window created: on which Alertmanager, its id there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowSilence {
    pub source: String,
    pub id: String,
}

/// The window as the events tell it.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowState {
    pub opened_at: DateTime<Utc>,
    pub matchers: Vec<String>,
    pub until: DateTime<Utc>,
    pub silences: Vec<WindowSilence>,
    /// Alertmanagers that did not take the silence, with why.
    pub failed: Vec<String>,
    pub closed: Option<WindowClose>,
}

/// How a window's silences were expired.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowClose {
    pub at: DateTime<Utc>,
    pub by: String,
    pub early: bool,
    pub expired: Vec<WindowSilence>,
    pub failed: Vec<String>,
}

/// A window with its matchers parsed once, to ask whether it holds an
/// alert of opsdeck's own (Alertmanager's are held by its silences).
#[derive(Debug, Clone)]
pub struct WindowHold {
    pub state: WindowState,
    matchers: Vec<crate::model::matchers::Matcher>,
}

impl WindowHold {
    pub fn of(state: WindowState) -> WindowHold {
        // Written by opsdeck from matchers that parsed; one that does not now holds nothing.
        let matchers = crate::runbook::window::parse_all(&state.matchers).unwrap_or_default();
        WindowHold { state, matchers }
    }

    /// Whether it holds an alert with `labels` at `now`.
    pub fn holds(&self, labels: &std::collections::BTreeMap<String, String>, now: DateTime<Utc>) -> bool {
        !self.matchers.is_empty() && self.state.holds(now) && crate::model::matchers::all_match(&self.matchers, labels)
    }
}

impl WindowState {
    /// Matched alerts are held: not closed, not past its end.
    pub fn holds(&self, now: DateTime<Utc>) -> bool {
        self.closed.is_none() && now < self.until
    }

    /// How long past its end a window still open runs, while its session is
    /// open: the silences have ended but the work has not.
    pub fn overran_by(&self, now: DateTime<Utc>, session_open: bool) -> Option<std::time::Duration> {
        if !session_open || self.closed.is_some() {
            return None;
        }
        (now - self.until).to_std().ok().filter(|d| !d.is_zero())
    }

    /// The time left before the window's end, while it holds.
    pub fn left(&self, now: DateTime<Utc>) -> Option<std::time::Duration> {
        self.holds(now).then(|| (self.until - now).to_std().unwrap_or_default())
    }

    /// When the window ended (or ends): expired early, or its planned end.
    pub fn ended_at(&self) -> DateTime<Utc> {
        match &self.closed {
            Some(c) if c.at < self.until => c.at,
            _ => self.until,
        }
    }
}

impl Session {
    /// The newest window opened in this session, with how it closed.
    pub fn window_state(&self) -> Option<WindowState> {
        let mut out: Option<WindowState> = None;
        for e in &self.events {
            match &e.what {
                EventKind::WindowOpened {
                    matchers,
                    until,
                    silences,
                    failed,
                } => {
                    out = Some(WindowState {
                        opened_at: e.at,
                        matchers: matchers.clone(),
                        until: *until,
                        silences: silences.clone(),
                        failed: failed.clone(),
                        closed: None,
                    })
                }
                EventKind::WindowClosed {
                    early,
                    silences,
                    failed,
                } => {
                    if let Some(w) = out.as_mut().filter(|w| w.closed.is_none()) {
                        w.closed = Some(WindowClose {
                            at: e.at,
                            by: e.operator.clone(),
                            early: *early,
                            expired: silences.clone(),
                            failed: failed.clone(),
                        });
                    }
                }
                _ => {}
            }
        }
        out
    }

    /// The post-check (the last phase) is finished with every check
    /// passing: each step settled, each step with a check its newest result
    /// passed (or not applicable: nothing of its kind is configured), and
    /// at least one passed. A step ticked over a failed check, or skipped
    /// unchecked, keeps the window open.
    pub fn post_check_passed(&self) -> bool {
        let Some(last) = self.runbook.phases.last().filter(|_| self.runbook.phases.len() > 1) else {
            return false;
        };
        let settled = last.steps.iter().all(|s| self.step_state(&s.id).is_settled());
        let results: Vec<_> = last
            .steps
            .iter()
            .filter(|s| s.check.is_some())
            .map(|s| self.last_check(&s.id).map(|r| r.verdict()))
            .collect();
        settled
            && results.contains(&Some(Verdict::Passed))
            && results
                .iter()
                .all(|v| matches!(v, Some(Verdict::Passed | Verdict::NotApplicable)))
    }
}

/// "source/id, source/id" for a list of silences.
fn silence_list(silences: &[WindowSilence]) -> String {
    if silences.is_empty() {
        return "none".into();
    }
    silences
        .iter()
        .map(|s| format!("{}/{}", s.source, s.id))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A window event as a phrase for the timeline.
pub fn describe(what: &EventKind) -> String {
    match what {
        EventKind::WindowOpened {
            matchers,
            until,
            silences,
            failed,
        } => {
            let mut text = format!(
                "opened the maintenance window {{{}}} until {}: silences {}",
                matchers.join(", "),
                until.format("%H:%M UTC"),
                silence_list(silences)
            );
            if !failed.is_empty() {
                text.push_str(&format!("; NOT silenced on {}", failed.join("; ")));
            }
            text
        }
        EventKind::WindowClosed {
            early,
            silences,
            failed,
        } => {
            let how = if *early {
                "expired the window's silences early (post-check passed)"
            } else {
                "expired the window's silences"
            };
            let mut text = format!("{how}: {}", silence_list(silences));
            if !failed.is_empty() {
                text.push_str(&format!("; NOT expired: {}", failed.join("; ")));
            }
            text
        }
        _ => String::new(),
    }
}

/// The report's account of the window: what was silenced where, from when
/// until when, and whether it ended early. Nothing for a session without one.
pub fn report_section(out: &mut String, s: &Session, end: DateTime<Utc>) {
    use std::fmt::Write;
    let Some(w) = s.window_state() else {
        return;
    };
    const TIME: &str = "%Y-%m-%d %H:%M:%S UTC";
    let _ = writeln!(out, "## Maintenance window\n");
    let _ = writeln!(out, "| | |\n|---|---|");
    let _ = writeln!(out, "| matchers | `{}` |", w.matchers.join(", ").replace('|', "\\|"));
    let _ = writeln!(out, "| from | {} |", w.opened_at.format(TIME));
    let _ = writeln!(out, "| planned until | {} |", w.until.format(TIME));
    let ended = match &w.closed {
        Some(c) if c.early => format!("{} by {}, expired early (post-check passed)", c.at.format(TIME), c.by),
        Some(c) => format!("{} by {}", c.at.format(TIME), c.by),
        None if end < w.until => format!("still held at {}", end.format(TIME)),
        None => format!("{} (its planned end)", w.until.format(TIME)),
    };
    let _ = writeln!(out, "| ended | {ended} |");
    let held = (w.ended_at().min(end.max(w.opened_at)) - w.opened_at)
        .num_seconds()
        .max(0);
    let _ = writeln!(out, "| held for | {} |", super::elapsed_secs(held as u64));
    if let Some(by) = w.overran_by(end, s.meta.is_open()) {
        let _ = writeln!(out, "| overran | by {} |", super::elapsed_secs(by.as_secs()));
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "| source | silence | expired early |\n|---|---|---|");
    for sil in &w.silences {
        let early = w.closed.as_ref().is_some_and(|c| c.early && c.expired.contains(sil));
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            sil.source,
            sil.id,
            if early { "yes" } else { "no" }
        );
    }
    for f in &w.failed {
        let _ = writeln!(out, "| {} | NOT silenced | - |", f.replace('|', "\\|"));
    }
    if let Some(c) = w.closed.as_ref().filter(|c| !c.failed.is_empty()) {
        let _ = writeln!(out, "\nNot expired: {}", c.failed.join("; "));
    }
    let _ = writeln!(out);
}
