//! The shared store in `update`: other opsdecks' changes read again, the
//! server's loss and return, and presence (who else is here, on what).

use crate::app::update::set_status;
use crate::app::{Command, Level, State};
use crate::model::team::HEARTBEAT;
use crate::model::team::{StoreChange, StoreEvent};

/// The team store said something.
pub fn on_store_event(state: &mut State, event: StoreEvent) -> Vec<Command> {
    match event {
        // Said once; a new reason while still down keeps the first loss's time.
        StoreEvent::Down(why) => {
            match &mut state.team.down {
                Some((_, reason)) => *reason = why,
                None => {
                    set_status(
                        state,
                        Level::Error,
                        format!("team store unreachable ({why}): read-only until it is back; nothing is lost"),
                    );
                    state.team.down = Some((state.wall_now(), why));
                }
            }
            Vec::new()
        }
        StoreEvent::Resync => {
            if state.team.down.take().is_some() {
                set_status(state, Level::Info, "team store back: reading what changed meanwhile");
            }
            resync(state)
        }
        StoreEvent::Changed(changes) => changes.into_iter().flat_map(|c| reread(state, c)).collect(),
    }
}

/// What to read again for one change another opsdeck made: only what is
/// on screen (or counted on the dashboard).
fn reread(state: &State, change: StoreChange) -> Vec<Command> {
    match change {
        StoreChange::Session(id) => match &state.panes.checklist.active {
            Some(s) if s.meta.id == id => vec![Command::RefreshSession { id }],
            _ => Vec::new(),
        },
        StoreChange::Sessions => vec![Command::LoadSessions],
        StoreChange::Campaign(campaign_id) => match &state.panes.access.open {
            Some(o) if o.campaign.id == campaign_id => vec![Command::RefreshDecisions { campaign_id }],
            _ => Vec::new(),
        },
        StoreChange::Campaigns => vec![Command::LoadReviews],
        StoreChange::Acks => vec![Command::LoadAcks],
        StoreChange::Audit => audit_views(state),
        StoreChange::Presence => vec![Command::LoadPresence],
    }
}

/// The views built from the audit log, if one is on screen.
fn audit_views(state: &State) -> Vec<Command> {
    let mut out = Vec::new();
    if let Some(s) = state
        .panes
        .checklist
        .active
        .as_ref()
        .filter(|_| state.panes.checklist.show_timeline)
    {
        out.push(Command::LoadTimeline {
            since: s.meta.started_at,
        });
    }
    if matches!(state.shell.overlay, Some(crate::app::Overlay::AuditLog { .. })) {
        out.push(Command::LoadAuditLog {
            limit: crate::app::update::AUDIT_VIEW_LIMIT,
        });
    }
    out
}

/// Back after an outage: read again everything that may have changed.
fn resync(state: &State) -> Vec<Command> {
    let mut out = vec![
        Command::LoadSessions,
        Command::LoadReviews,
        Command::LoadAcks,
        Command::Announce {
            subject: state.presence_subject(),
        },
    ];
    if let Some(s) = &state.panes.checklist.active {
        out.push(Command::RefreshSession { id: s.meta.id.clone() });
    }
    if let Some(o) = &state.panes.access.open {
        out.push(Command::RefreshDecisions {
            campaign_id: o.campaign.id,
        });
    }
    out.extend(audit_views(state));
    out
}

/// Each second, on a team store: announce a new subject at once, and the
/// heartbeat. (A file store has no one else to tell, and is not written
/// every few seconds for nothing.)
pub fn on_tick(state: &mut State) -> Vec<Command> {
    if !state.team.shared || state.team.down.is_some() {
        return Vec::new();
    }
    let subject = state.presence_subject();
    let due = match &state.team.announced {
        None => true,
        Some((said, at)) => {
            *said != subject || state.wall_now() - *at >= chrono::Duration::from_std(HEARTBEAT).unwrap_or_default()
        }
    };
    if !due {
        return Vec::new();
    }
    state.team.announced = Some((subject.clone(), state.wall_now()));
    vec![Command::Announce { subject }]
}

/// Who else is on the store; whether that changed.
pub fn on_presence(
    state: &mut State,
    result: Result<Vec<crate::model::team::Presence>, String>,
) -> (Vec<Command>, bool) {
    match result {
        Ok(others) if others != state.team.others => {
            state.team.others = others;
            (Vec::new(), true)
        }
        Ok(_) => (Vec::new(), false),
        // Presence is a courtesy: the log has the reason, the screen keeps
        // the last list.
        Err(e) => {
            tracing::debug!(error = %e, "presence not read");
            (Vec::new(), false)
        }
    }
}
