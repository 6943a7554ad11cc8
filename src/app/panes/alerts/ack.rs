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

/// The acknowledge dialog: what it holds, and the comment and duration typed.
#[derive(Debug, Clone, PartialEq)]
pub struct AckDialog {
    /// What will be silenced or recorded (`ui` words it).
    pub facts: AckFacts,
    pub targets: Vec<AckTarget>,
    /// The comment, and the duration as typed ("2h", "30m", "1d 12h").
    pub form: Form,
    /// Why the last Enter did not submit.
    pub error: Option<String>,
}

/// What an acknowledgement will hold, as listed when it was asked.
#[derive(Debug, Clone, PartialEq)]
pub enum AckFacts {
    /// One Alertmanager alert: a silence on `source` by `by` matching exactly
    /// `labels`, and the alerts (name, instance) it holds now.
    Silence {
        source: String,
        by: String,
        labels: Vec<(String, String)>,
        held: Vec<(String, String)>,
    },
    /// Several alerts, or one of opsdeck's own: each as (name, instance,
    /// source, whether it gets a silence).
    Several {
        by: String,
        alerts: Vec<(String, String, String, bool)>,
    },
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
    let read_only = crate::app::Lock::any(picked.iter().filter_map(|(s, _)| s.map(|b| b.lock())));
    let target = match picked.as_slice() {
        [(s, a)] => format!("{}/{}", state.alert_source_name(*s), a.name),
        many => format!("{} alerts", many.len()),
    };
    let facts = dialog_facts(state, &picked);
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
    state.shell.overlay = Some(Overlay::Ack(AckDialog {
        facts,
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
fn dialog_facts(state: &State, picked: &[(Option<&BackendStatus>, AlertRow)]) -> AckFacts {
    let by = state.shell.identity.operator.clone();
    if let [(Some(b), a)] = picked {
        // An alert with more labels than these matches too: say which.
        let matchers: Vec<Matcher> = a
            .labels
            .iter()
            .filter_map(|(k, v)| Matcher::new(k, MatchOp::Equal, v).ok())
            .collect();
        let source = state.alert_source_name(Some(b));
        let held = state
            .all_alerts()
            .into_iter()
            .filter(|(s, other)| {
                s.map(|s| state.alert_source_name(Some(s))) == Some(source) && all_match(&matchers, &other.labels)
            })
            .map(|(_, other)| (other.name.clone(), other.instance.clone()))
            .collect();
        return AckFacts::Silence {
            source: source.to_string(),
            by,
            labels: a.labels.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            held,
        };
    }
    AckFacts::Several {
        by,
        alerts: picked
            .iter()
            .map(|(s, a)| {
                let source = state.alert_source_name(*s).to_string();
                (a.name.clone(), a.instance.clone(), source, s.is_some())
            })
            .collect(),
    }
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
                let (typed, notice) = crate::app::redact::typed(state, "comment", dialog.comment().trim());
                crate::app::redact::tell(state, notice, true);
                let comment = format!("ack: {typed}");
                vec![Command::Acknowledge {
                    targets: dialog.targets,
                    comment,
                    duration,
                    session: None,
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
        if let Some(refusal) = read_only_refusal(state, crate::app::Lock::Open, PaneId::Alerts, "ack.end", &target) {
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
    let (source, read_only) = (b.id.name.clone(), b.lock());
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
            session: None,
        },
        justification: None,
    });
    Vec::new()
}
