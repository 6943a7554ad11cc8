//! Acknowledge and expire: the dialogs that ask, and the keys typed in them.
//! An acknowledgement names exactly what it will hold before it is sent.

use crate::app::dialogs::confirm::Facts;
use crate::app::dialogs::form::Form;
use crate::app::update::{read_only_refusal, set_status};
use crate::app::{AckTarget, BackendStatus, Command, Level, Overlay, PaneId, State, OWN_SOURCE};
use crate::model::alerts::AlertRow;
use crate::model::matchers::{all_match, MatchOp, Matcher};
use crossterm::event::KeyEvent;
use std::time::Duration;

/// Alerts a dialog lists by name before it says "and N more".
const LISTED: usize = 8;

/// The acknowledge dialog: what it holds, and the comment and duration typed.
#[derive(Debug, Clone, PartialEq)]
pub struct AckDialog {
    pub title: String,
    /// What will be silenced or recorded, line by line.
    pub lines: Vec<String>,
    pub targets: Vec<AckTarget>,
    /// The comment, and the duration as typed ("2h", "30m", "1d 12h").
    pub form: Form,
    /// Why the last Enter did not submit.
    pub error: Option<String>,
}

impl AckDialog {
    pub fn comment(&self) -> String {
        self.form.text(0)
    }

    pub fn duration(&self) -> String {
        self.form.text(1)
    }
}

/// `a`: acknowledge the selected alert, or every alert nobody has yet in
/// the selected group. Opens the dialog; nothing is sent yet.
pub fn ask_ack(state: &mut State) -> Vec<Command> {
    let picked: Vec<(Option<&BackendStatus>, AlertRow)> = match state.selected_group() {
        Some((_, members)) => members
            .into_iter()
            .filter(|(_, a)| !a.is_quiet())
            .map(|(s, a)| (s, a.into_owned()))
            .collect(),
        None => match state.selected_alert() {
            Some((_, a)) if a.is_quiet() => {
                let text = format!("{} is already silenced or acknowledged (e ends it)", a.name);
                set_status(state, Level::Info, text);
                return Vec::new();
            }
            Some(one) => vec![one],
            None => {
                set_status(state, Level::Warn, "no alert selected");
                return Vec::new();
            }
        },
    };
    if picked.is_empty() {
        set_status(
            state,
            Level::Info,
            "every alert in this group is already silenced or acknowledged",
        );
        return Vec::new();
    }
    let read_only = picked.iter().any(|(s, _)| s.is_some_and(|b| b.read_only));
    let target = match picked.as_slice() {
        [(s, a)] => format!("{}/{}", state.alert_source_name(*s), a.name),
        many => format!("{} alerts", many.len()),
    };
    let lines = dialog_lines(state, &picked);
    let duration = picked
        .iter()
        .find_map(|(s, _)| s.and_then(|b| state.setup.ack_durations.get(&b.id.name)))
        .copied()
        .unwrap_or(crate::config::DEFAULT_ACK_DURATION);
    let targets: Vec<AckTarget> = picked
        .iter()
        .map(|(s, a)| AckTarget {
            source: s.map(|b| b.id.name.clone()),
            fingerprint: a.fingerprint.clone(),
            name: a.name.clone(),
            labels: a.labels.clone(),
        })
        .collect();
    if let Some(refusal) = read_only_refusal(state, read_only, PaneId::Alerts, "alert.ack", &target) {
        return refusal;
    }
    let title = match targets.as_slice() {
        [one] => format!("Acknowledge {}?", one.name),
        many => format!("Acknowledge {} alerts?", many.len()),
    };
    state.shell.overlay = Some(Overlay::Ack(AckDialog {
        title,
        lines,
        targets,
        form: Form::new(&[
            ("comment:", ""),
            ("for:", &humantime::format_duration(duration).to_string()),
        ]),
        error: None,
    }));
    Vec::new()
}

/// What the acknowledgement will do: for one Alertmanager alert the exact
/// matchers and every listed alert they hold; for several, each alert.
fn dialog_lines(state: &State, picked: &[(Option<&BackendStatus>, AlertRow)]) -> Vec<String> {
    let mut lines = Vec::new();
    if let [(Some(b), a)] = picked {
        lines.push(format!(
            "a silence on {}, created by {}, matching exactly:",
            state.alert_source_name(Some(b)),
            state.shell.identity.operator
        ));
        lines.extend(a.labels.iter().map(|(k, v)| format!("  {k}=\"{v}\"")));
        // An alert with more labels than these matches too: say which.
        let matchers: Vec<Matcher> = a
            .labels
            .iter()
            .filter_map(|(k, v)| Matcher::new(k, MatchOp::Equal, v).ok())
            .collect();
        let held: Vec<String> = state
            .all_alerts()
            .into_iter()
            .filter(|(s, other)| {
                s.map(|s| state.alert_source_name(Some(s))) == Some(state.alert_source_name(Some(b)))
                    && all_match(&matchers, &other.labels)
            })
            .map(|(_, other)| format!("{} {}", other.name, other.instance))
            .collect();
        lines.push(format!("it holds {} alert(s) listed now:", held.len()));
        lines.extend(listed(held));
        return lines;
    }
    let silenced = picked.iter().filter(|(s, _)| s.is_some()).count();
    let own = picked.len() - silenced;
    let who = &state.shell.identity.operator;
    if silenced > 0 {
        lines.push(format!(
            "{silenced} silence(s), each matching one alert's labels exactly, by {who}"
        ));
    }
    if own > 0 {
        lines.push(format!(
            "{own} of opsdeck's own alert(s), acknowledged in the state store by {who}"
        ));
    }
    lines.extend(listed(
        picked
            .iter()
            .map(|(s, a)| format!("{} {} ({})", a.name, a.instance, state.alert_source_name(*s)))
            .collect(),
    ));
    lines
}

fn listed(names: Vec<String>) -> Vec<String> {
    let n = names.len();
    let mut lines: Vec<String> = names.into_iter().take(LISTED).map(|l| format!("  {l}")).collect();
    if n > LISTED {
        lines.push(format!("  … and {} more", n - LISTED));
    }
    lines
}

/// A key in the ack dialog: Tab moves between comment and duration, Enter
/// sends once both are good, Esc cancels. Every printable key is text.
pub fn on_ack_key(state: &mut State, ev: KeyEvent, mut dialog: AckDialog) -> Vec<Command> {
    use crate::app::dialogs::input::Edit;
    match dialog.form.key(&ev) {
        Edit::Editing => {
            dialog.error = None;
            state.shell.overlay = Some(Overlay::Ack(dialog));
            Vec::new()
        }
        Edit::Cancel => {
            state.shell.overlay = None;
            set_status(state, Level::Info, "cancelled");
            Vec::new()
        }
        Edit::Submit => match checked(&dialog) {
            Err(e) => {
                dialog.error = Some(e);
                state.shell.overlay = Some(Overlay::Ack(dialog));
                Vec::new()
            }
            Ok(duration) => {
                state.shell.overlay = None;
                set_status(state, Level::Info, "working…");
                let comment = format!("ack: {}", dialog.comment().trim());
                vec![Command::Acknowledge {
                    targets: dialog.targets,
                    comment,
                    duration,
                }]
            }
        },
    }
}

/// The duration to send, or why the dialog cannot be sent yet.
fn checked(dialog: &AckDialog) -> Result<Duration, String> {
    if dialog.comment().trim().is_empty() {
        return Err("a comment is required: who is on it, or why".into());
    }
    let duration = dialog.duration();
    let d = humantime::parse_duration(duration.trim())
        .map_err(|e| format!("duration {:?}: {e} (e.g. 30m, 2h, 1d)", duration.trim()))?;
    if d < Duration::from_secs(60) {
        return Err("the duration must be at least a minute".into());
    }
    Ok(d)
}

/// `e`: end what holds the selected alert: the silences on Alertmanager,
/// or the acknowledgement of one of opsdeck's own alerts. Asks first.
pub fn ask_expire(state: &mut State) -> Vec<Command> {
    let Some((source, alert)) = state.selected_alert() else {
        set_status(state, Level::Warn, "no alert selected");
        return Vec::new();
    };
    let Some(b) = source else {
        if alert.state != "acknowledged" {
            set_status(state, Level::Info, format!("{} is not acknowledged", alert.name));
            return Vec::new();
        }
        let target = format!("{OWN_SOURCE}/{}", alert.name);
        if let Some(refusal) = read_only_refusal(state, false, PaneId::Alerts, "ack.end", &target) {
            return refusal;
        }
        state.shell.overlay = Some(Overlay::Confirm {
            facts: Facts::OwnAck {
                instance: alert.instance.clone(),
            },
            on_yes: Command::EndOwnAck {
                fingerprint: alert.fingerprint,
                name: alert.name,
            },
            justification: None,
        });
        return Vec::new();
    };
    if alert.silenced_by.is_empty() {
        set_status(state, Level::Info, format!("{} is not silenced", alert.name));
        return Vec::new();
    }
    let (source, read_only) = (b.id.name.clone(), b.read_only);
    let summary = b.alerts();
    let silences = alert
        .silenced_by
        .iter()
        .map(|id| {
            let by = summary
                .and_then(|s| s.silence(id))
                .map(|s| (s.created_by.clone(), s.comment.clone()));
            (id.clone(), by)
        })
        .collect();
    let target = format!("{source}/{}", alert.name);
    if let Some(refusal) = read_only_refusal(state, read_only, PaneId::Alerts, "silence.expire", &target) {
        return refusal;
    }
    state.shell.overlay = Some(Overlay::Confirm {
        facts: Facts::Silences {
            alert: alert.name.clone(),
            silences,
        },
        on_yes: Command::ExpireSilences {
            source,
            ids: alert.silenced_by.clone(),
        },
        justification: None,
    });
    Vec::new()
}
