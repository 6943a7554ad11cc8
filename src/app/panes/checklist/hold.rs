//! Sustained checks on screen: windows being held are taken up again when
//! their session is opened (after a restart of opsdeck, say), and their
//! progress is read from the stored probes.

use super::run_checks;
use crate::app::{Command, State};
use crate::runbook::session::Session;
use crate::runbook::Check;
use chrono::{DateTime, Utc};

/// The windows of the session on screen that were being held (probes, no
/// verdict) on pending steps: held on, ticking their step when they hold.
/// Effects take each up where it was, or start it again when too long went
/// unprobed.
pub fn resume_windows(state: &mut State) -> Vec<Command> {
    let Some(s) = &state.panes.checklist.active else {
        return Vec::new();
    };
    if !s.meta.is_open() || state.write_refusal().is_some() {
        return Vec::new();
    }
    let checks: Vec<(String, Check)> = s
        .runbook
        .steps()
        .filter(|(_, st)| !state.panes.checklist.running.contains(&st.id))
        .filter(|(_, st)| !s.step_state(&st.id).is_settled() && s.open_window(&st.id).is_some())
        .filter_map(|(_, st)| Some((st.id.clone(), st.check.clone().filter(|c| c.window().is_some())?)))
        .collect();
    let id = s.meta.id.clone();
    run_checks(state, id, checks, true)
}

/// "sustained 4m/15m": how far a step's window has held, while it is held.
pub fn progress(s: &Session, step: &str, check: &Check, now: DateTime<Utc>, running: bool) -> Option<String> {
    let window = check.window()?;
    let length = window.length.as_secs() as i64;
    let held = match s.open_window(step) {
        Some((since, probes)) if probes.iter().all(|p| p.passed) => (now - since).num_seconds().clamp(0, length),
        _ if running => 0,
        _ => return None,
    };
    Some(format!(
        "sustained {}/{}",
        crate::text::duration_text(held),
        crate::text::duration_text(length)
    ))
}
