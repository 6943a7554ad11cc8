//! Deciding on access: keep, revoke or defer, each with a justification
//! typed in an editor; refused on the reviewer's own access and in read-only
//! mode; a revoke that runs SQL is confirmed first. Starting a campaign.

use crate::app::dialogs::confirm::Facts;
use crate::app::dialogs::form::Form;
use crate::app::dialogs::input::{Edit, Input};
use crate::app::update::{read_only_refusal, set_status};
use crate::app::{Command, Level, Overlay, PaneId, State};
use crate::model::access::is_own_access;
use crate::model::access::ReviewItem;
use crate::model::audit::{AuditRecord, Outcome};
use crate::model::review::Decision;
use crossterm::event::KeyEvent;
use std::sync::Arc;

/// Keep, revoke or defer some items: what they are, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct JustifyDialog {
    pub decision: Decision,
    pub campaign_id: i64,
    pub items: Vec<ReviewItem>,
    /// Each item's newest decision id on screen when the dialog opened:
    /// what the reviewer is deciding over.
    pub seen: std::collections::HashMap<i64, i64>,
    /// The justification being typed.
    pub editor: Input,
    /// Why the last save did not go through.
    pub error: Option<String>,
}

/// Start a campaign: its name and due date, over the rows loaded now.
#[derive(Debug, Clone, PartialEq)]
pub struct CampaignDialog {
    /// The name, and the due date as typed: "14d" or "2026-12-07".
    pub form: Form,
    /// The rows loaded now (the snapshot), how many are flagged, and each
    /// source's load as it was when the dialog opened.
    pub total: usize,
    pub flagged: usize,
    pub sources: Vec<(String, crate::app::panes::access::SourceState)>,
    pub error: Option<String>,
}

fn target_of(items: &[ReviewItem], campaign_id: i64) -> String {
    match items {
        [one] => format!(
            "campaign {campaign_id}/{}/{} ({})",
            one.row.source, one.row.subject, one.row.role
        ),
        many => format!("campaign {campaign_id}/{} items", many.len()),
    }
}

/// `y` / `x` / `d`: the marked items, or the selected one. Opens the
/// justification editor; nothing is recorded yet.
pub fn ask_decision(state: &mut State, decision: Decision) -> Vec<Command> {
    let Some(open) = &state.panes.access.open else {
        set_status(
            state,
            Level::Warn,
            "decisions belong to a review campaign: n starts one, c lists them",
        );
        return Vec::new();
    };
    if state.panes.access.list {
        set_status(state, Level::Warn, "open a campaign first (enter)");
        return Vec::new();
    }
    let campaign_id = open.campaign.id;
    let items: Vec<ReviewItem> = if state.panes.access.marked.is_empty() {
        state.selected_access_item().cloned().into_iter().collect()
    } else {
        open.items
            .iter()
            .filter(|i| state.panes.access.marked.contains(&i.id))
            .cloned()
            .collect()
    };
    if items.is_empty() {
        set_status(state, Level::Warn, "no item selected");
        return Vec::new();
    }
    let target = target_of(&items, campaign_id);
    let action = decision.audit_action();
    if let Some(refusal) = read_only_refusal(state, crate::app::Lock::Open, PaneId::Access, action, &target) {
        return refusal;
    }
    let operator = state.shell.identity.operator.clone();
    if let Some(own) = items
        .iter()
        .find(|i| is_own_access(&i.row.subject, &operator, &state.panes.access.aliases))
    {
        let mut text = format!(
            "refused: {} is your own access ({}): another reviewer must decide it",
            own.row.subject, operator
        );
        if items.len() > 1 {
            text.push_str(&format!(
                "; none of the {} marked items was recorded: unmark yours and decide again",
                items.len()
            ));
        }
        set_status(state, Level::Warn, text);
        return vec![Command::Audit(
            AuditRecord::new(PaneId::Access.key(), action, Outcome::Refused)
                .target(target)
                .details(serde_json::json!({ "reason": "own access", "subject": own.row.subject })),
        )];
    }
    if decision == Decision::Revoke {
        // Revoking runs SQL on the source's database: a read-only target refuses it.
        let read_only_db = items.iter().find_map(|i| {
            let src = state.panes.access.source(&i.row.source)?;
            src.revoke.as_ref()?;
            let db = src.database.as_ref()?;
            state
                .backends_of(crate::model::backend::BackendKind::Postgres)
                .find(|b| &b.id.name == db && b.read_only)
                .map(|b| (b.id.name.clone(), b.lock()))
        });
        if let Some((db, lock)) = read_only_db {
            if let Some(refusal) = read_only_refusal(state, lock, PaneId::Access, action, &format!("{db}: {target}")) {
                return refusal;
            }
        }
    }
    let mut editor = Input::lines("");
    editor.set_placeholder("why: ticket, owner's confirmation, policy…");
    let seen = state
        .panes
        .access
        .open
        .as_ref()
        .map(|o| items.iter().filter_map(|i| Some((i.id, o.latest(i.id)?.id))).collect())
        .unwrap_or_default();
    state.shell.overlay = Some(Overlay::Justify(Box::new(JustifyDialog {
        decision,
        campaign_id,
        items,
        seen,
        editor,
        error: None,
    })));
    Vec::new()
}

/// A key in the editor: Ctrl-S saves (a justification is required), Esc
/// cancels, every other key edits the text.
pub fn on_justify_key(state: &mut State, ev: KeyEvent, mut dialog: Box<JustifyDialog>) -> Vec<Command> {
    match dialog.editor.key(&ev) {
        Edit::Cancel => {
            state.shell.overlay = None;
            set_status(state, Level::Info, "cancelled: nothing recorded");
            Vec::new()
        }
        Edit::Submit => {
            let justification = dialog.editor.text().trim().to_string();
            if justification.is_empty() {
                dialog.error = Some("a justification is required: type why, then ctrl+s".into());
                state.shell.overlay = Some(Overlay::Justify(dialog));
                return Vec::new();
            }
            let (justification, notice) = crate::app::redact::typed(state, "justification", &justification);
            let commands = submit(state, dialog, justification);
            crate::app::redact::tell(state, notice, true);
            commands
        }
        Edit::Editing => {
            dialog.error = None;
            state.shell.overlay = Some(Overlay::Justify(dialog));
            Vec::new()
        }
    }
}

/// The command for a justified decision; a revoke that runs a statement is
/// confirmed first, naming the statement and where it runs.
fn submit(state: &mut State, dialog: Box<JustifyDialog>, justification: String) -> Vec<Command> {
    let runs_sql: Vec<(String, String, String)> = if dialog.decision == Decision::Revoke {
        let mut seen = Vec::new();
        for i in &dialog.items {
            if let Some(src) = state.panes.access.source(&i.row.source) {
                if let (Some(sql), Some(db)) = (&src.revoke, &src.database) {
                    let entry = (src.name.clone(), db.clone(), sql.clone());
                    if !seen.contains(&entry) {
                        seen.push(entry);
                    }
                }
            }
        }
        seen
    } else {
        Vec::new()
    };
    let command = Command::ReviewDecide {
        campaign_id: dialog.campaign_id,
        items: dialog.items.clone(),
        decision: dialog.decision,
        justification: justification.clone(),
        seen: dialog.seen.clone(),
        aliases: state.panes.access.aliases.clone(),
        session: None,
    };
    if runs_sql.is_empty() {
        state.shell.overlay = None;
        set_status(state, Level::Info, "saving…");
        return vec![command];
    }
    state.shell.overlay = Some(Overlay::Confirm {
        facts: Facts::Revoke { statements: runs_sql },
        on_yes: command,
        justification: None,
    });
    Vec::new()
}

/// `n`: start a campaign over every row loaded now. Asks a name and a due date.
pub fn ask_campaign(state: &mut State) -> Vec<Command> {
    let total = state.panes.access.live.len();
    if total == 0 {
        let text = if state.panes.access.sources.is_empty() {
            "no [[access.source]] configured"
        } else {
            "no access rows loaded yet (r reads the sources)"
        };
        set_status(state, Level::Warn, text);
        return Vec::new();
    }
    if let Some(refusal) = read_only_refusal(
        state,
        crate::app::Lock::Open,
        PaneId::Access,
        "review.start",
        "new campaign",
    ) {
        return refusal;
    }
    let sources = state
        .panes
        .access
        .loads
        .iter()
        .map(|(name, load)| (name.clone(), load.clone()))
        .collect();
    let flagged = state.panes.access.live_flagged;
    let name = format!("Access review {}", state.shell.now.format("%Y-%m"));
    state.shell.overlay = Some(Overlay::Campaign(CampaignDialog {
        form: Form::new(&[("name:", &name), ("due:", "14d")]),
        total,
        flagged,
        sources,
        error: None,
    }));
    Vec::new()
}

pub fn on_campaign_key(state: &mut State, ev: KeyEvent, mut dialog: CampaignDialog) -> Vec<Command> {
    use crate::app::dialogs::input::Edit;
    match dialog.form.key(&ev) {
        Edit::Editing => {
            dialog.error = None;
            state.shell.overlay = Some(Overlay::Campaign(dialog));
            Vec::new()
        }
        Edit::Cancel => {
            state.shell.overlay = None;
            set_status(state, Level::Info, "cancelled");
            Vec::new()
        }
        Edit::Submit => {
            let (name, due) = (dialog.form.text(0), dialog.form.text(1));
            let due = parse_due(due.trim(), state.shell.now);
            match (name.trim(), due) {
                ("", _) => dialog.error = Some("a name is required".into()),
                (_, Err(e)) => dialog.error = Some(e),
                (name, Ok(due_at)) => {
                    state.shell.overlay = None;
                    set_status(state, Level::Info, "taking the snapshot…");
                    return vec![Command::StartCampaign {
                        name: name.to_string(),
                        due_at,
                        items: Arc::clone(&state.panes.access.live),
                        sources: sources_note(state),
                    }];
                }
            }
            state.shell.overlay = Some(Overlay::Campaign(dialog));
            Vec::new()
        }
    }
}

/// What each source gave when the snapshot was taken: kept with the campaign.
fn sources_note(state: &State) -> serde_json::Value {
    use crate::app::panes::access::SourceState;
    let list: Vec<serde_json::Value> = state
        .panes
        .access
        .loads
        .iter()
        .map(|(name, load)| match load {
            SourceState::Loaded {
                at, problems, total, ..
            } => serde_json::json!({
                "name": name, "read_at": at.to_rfc3339(), "rows": total,
                "skipped": problems.len(), "problems": problems,
            }),
            SourceState::Loading => serde_json::json!({ "name": name, "error": "not loaded yet" }),
            SourceState::Failed { at, error } => {
                serde_json::json!({ "name": name, "read_at": at.to_rfc3339(), "error": error })
            }
        })
        .collect();
    serde_json::Value::Array(list)
}

/// "14d" from now, or the end of a date ("2026-12-07").
pub fn parse_due(s: &str, now: chrono::DateTime<chrono::Utc>) -> Result<chrono::DateTime<chrono::Utc>, String> {
    if let Ok(d) = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        let end = d.and_hms_opt(23, 59, 59).map(|t| t.and_utc());
        return match end {
            Some(t) if t > now => Ok(t),
            _ => Err(format!("{s} is in the past")),
        };
    }
    let d = humantime::parse_duration(s)
        .map_err(|_| format!("due {s:?}: give a date (2026-12-07) or a time from now (14d)"))?;
    let d = chrono::Duration::from_std(d).map_err(|e| e.to_string())?;
    if d < chrono::Duration::hours(1) {
        return Err("the due date must be at least an hour away".into());
    }
    now.checked_add_signed(d)
        .ok_or_else(|| format!("due {s:?} is too far away"))
}
