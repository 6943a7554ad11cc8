//! What the Checklist pane asks before it records what would overstate the
//! evidence: a tick over a failed check needs a reason, and closing a
//! session with open steps says which.

use super::EditPurpose;
use crate::app::update::set_status;
use crate::app::{Level, Overlay, State, TextEditor};
use crate::runbook::session::report::open_steps;
use crate::runbook::session::Session;
use crate::runbook::CheckResult;

/// How many open steps the close dialog names; the rest are counted.
const LISTED: usize = 8;

/// Space on a pending step whose newest check result failed: a dialog asks
/// why it is done anyway, and the tick is recorded with that reason
/// (`DoneDespiteCheck`), shown in the timeline and the report.
pub fn ask_override(state: &mut State, step: String, title: &str, failed: &CheckResult) {
    if let Some(why) = state.write_refusal() {
        set_status(state, Level::Warn, format!("refused: {why}"));
        return;
    }
    let notice = vec![
        format!(
            "the check FAILED at {}: {}",
            failed.at.format("%H:%M:%S"),
            failed.observed
        ),
        "write why the step is done anyway (kept in the timeline and the report)".to_string(),
    ];
    let editor = TextEditor::new(
        format!("check failed: why is this done? {title}"),
        EditPurpose::DoneDespiteCheck { step },
        "",
    )
    .with_notice(notice);
    state.shell.overlay = Some(Overlay::Editor(Box::new(editor)));
}

/// The close dialog's notice: the steps still open, if any.
pub fn close_notice(session: Option<&Session>) -> Vec<String> {
    let open = session.map(open_steps).unwrap_or_default();
    if open.is_empty() {
        return Vec::new();
    }
    let mut lines = vec![format!(
        "{} step(s) still open — closing leaves them undone:",
        open.len()
    )];
    lines.extend(open.iter().take(LISTED).map(|t| format!("  ○ {t}")));
    if open.len() > LISTED {
        lines.push(format!("  … and {} more", open.len() - LISTED));
    }
    lines
}
