//! A checklist session: a runbook being worked through, as the sequence of
//! what happened to it (ticks, skips, failures, check results, notes). The
//! state of every step is folded from those events, so a session resumed
//! after a dropped connection is exactly what was committed, and the
//! timeline is the events themselves.

pub mod actions;
pub mod report;
pub mod seen;
pub mod window;

use crate::runbook::model::{CheckResult, Runbook};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// What a session is, apart from what happened in it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionMeta {
    /// "INC-20261122-031502".
    pub id: String,
    pub title: String,
    /// "P0".."P3", when the runbook has severities.
    pub severity: Option<String>,
    pub started_at: DateTime<Utc>,
    pub started_by: String,
    pub closed_at: Option<DateTime<Utc>>,
    pub closed_by: Option<String>,
    pub resolution: Option<String>,
}

impl SessionMeta {
    pub fn is_open(&self) -> bool {
        self.closed_at.is_none()
    }
}

/// One thing that happened in a session, committed before it is shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub at: DateTime<Utc>,
    pub operator: String,
    /// The step it is about; `None` for the session itself.
    pub step: Option<String>,
    pub what: EventKind,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventKind {
    Started,
    /// Ticked by the operator, or by a passing check (`verified`).
    Done {
        verified: bool,
    },
    Skipped {
        reason: String,
    },
    Failed {
        reason: String,
    },
    /// Ticked by the operator although its check's newest result failed,
    /// with why.
    DoneDespiteCheck {
        reason: String,
    },
    /// Back to pending (a tick taken back).
    Reopened,
    /// A check's verdict (for a sustained check, its window's).
    Check(CheckResult),
    /// One probe of a sustained check's window, which started at `since`.
    Probe {
        since: DateTime<Utc>,
        result: CheckResult,
    },
    Note {
        text: String,
    },
    Closed {
        resolution: String,
    },
    /// A side effect taken while the session was open (a restart, a
    /// terminate, an ack...) and what re-checking its target found:
    /// `verified` is `None` when the call itself failed or could not be
    /// checked. `reason`: why it was done past a limit.
    Action {
        action: String,
        target: String,
        verified: Option<bool>,
        before: String,
        after: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// A maintenance window opened: one silence per Alertmanager that took
    /// it, for these matchers, until `until`; `failed` names those that did not.
    WindowOpened {
        matchers: Vec<String>,
        until: DateTime<Utc>,
        silences: Vec<window::WindowSilence>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        failed: Vec<String>,
    },
    /// The window's silences expired: `early` when the post-check passed
    /// before the window's end; `failed` names silences that would not expire.
    WindowClosed {
        early: bool,
        silences: Vec<window::WindowSilence>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        failed: Vec<String>,
    },
    /// An evidence pack sealed during the session: where, the sha256 of its
    /// manifest (also in the audit chain), how many files it lists.
    Evidence {
        dir: String,
        manifest_sha256: String,
        files: usize,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum StepState {
    Pending,
    Done {
        by: String,
        at: DateTime<Utc>,
        verified: bool,
    },
    Skipped {
        by: String,
        at: DateTime<Utc>,
        reason: String,
    },
    Failed {
        by: String,
        at: DateTime<Utc>,
        reason: String,
    },
}

impl EventKind {
    /// Ticks, skips, failures and reopenings: what sets a step's state.
    pub fn sets_step_state(&self) -> bool {
        matches!(
            self,
            EventKind::Done { .. }
                | EventKind::DoneDespiteCheck { .. }
                | EventKind::Skipped { .. }
                | EventKind::Failed { .. }
                | EventKind::Reopened
        )
    }
}

impl StepState {
    pub fn is_settled(&self) -> bool {
        !matches!(self, StepState::Pending)
    }
    pub fn word(&self) -> &'static str {
        match self {
            StepState::Pending => "pending",
            StepState::Done { verified: true, .. } => "verified",
            StepState::Done { .. } => "done",
            StepState::Skipped { .. } => "skipped",
            StepState::Failed { .. } => "failed",
        }
    }
}

/// A session with its runbook (as it was when the session started) and
/// every event so far, oldest first.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub meta: SessionMeta,
    pub runbook: Runbook,
    pub events: Vec<Event>,
}

/// How a phase stands against its time budget, and when it started,
/// settled and overran: all folded from the committed events, so a report
/// written after a restart (or after the session closed) says the same.
#[derive(Debug, Clone, PartialEq)]
pub struct PhaseTime {
    /// When the phase should be over, counted from the session start.
    pub deadline: Option<Duration>,
    pub settled: usize,
    pub total: usize,
    /// Steps left and the deadline passed, the session open.
    pub overrun: bool,
    /// When it became the phase to work on, or work on one of its steps
    /// began, whichever came first.
    pub started_at: Option<DateTime<Utc>>,
    /// When its last step was settled; `None` while one is pending.
    pub settled_at: Option<DateTime<Utc>>,
    /// How far past its deadline it settled, or is (open), or was when the
    /// session closed.
    pub overran_by: Option<Duration>,
}

/// A time something happened, if it did.
type Moment = Option<DateTime<Utc>>;

impl PhaseTime {
    /// The deadline as a time of day.
    pub fn due(&self, session_start: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.deadline
            .and_then(|d| chrono::Duration::from_std(d).ok())
            .map(|d| session_start + d)
    }
}

impl Session {
    pub fn step_state(&self, step: &str) -> StepState {
        let mut state = StepState::Pending;
        for e in self.events.iter().filter(|e| e.step.as_deref() == Some(step)) {
            let (by, at) = (e.operator.clone(), e.at);
            state = match &e.what {
                EventKind::Done { verified } => StepState::Done {
                    by,
                    at,
                    verified: *verified,
                },
                EventKind::Skipped { reason } => StepState::Skipped {
                    by,
                    at,
                    reason: reason.clone(),
                },
                EventKind::Failed { reason } => StepState::Failed {
                    by,
                    at,
                    reason: reason.clone(),
                },
                EventKind::DoneDespiteCheck { .. } => StepState::Done {
                    by,
                    at,
                    verified: false,
                },
                EventKind::Reopened => StepState::Pending,
                _ => continue,
            };
        }
        state
    }

    /// The newest event that set a step's state: what an operator saw when
    /// they changed it, for the store to tell whether someone else did since.
    pub fn last_state_event(&self, step: &str) -> Option<&Event> {
        self.events
            .iter()
            .rev()
            .find(|e| e.step.as_deref() == Some(step) && e.what.sets_step_state())
    }

    /// The newest check result of a step.
    pub fn last_check(&self, step: &str) -> Option<&CheckResult> {
        self.events.iter().rev().find_map(|e| match &e.what {
            EventKind::Check(r) if e.step.as_deref() == Some(step) => Some(r),
            _ => None,
        })
    }

    /// The sustained check window of a step still being held: the probes of
    /// the newest window that has no verdict yet, oldest first.
    pub fn open_window(&self, step: &str) -> Option<(DateTime<Utc>, Vec<&CheckResult>)> {
        let mut since = None;
        let mut probes = Vec::new();
        for e in self.events.iter().filter(|e| e.step.as_deref() == Some(step)) {
            match &e.what {
                EventKind::Check(_) => {
                    since = None;
                    probes.clear();
                }
                EventKind::Probe { since: s, result } => {
                    if since != Some(*s) {
                        since = Some(*s);
                        probes.clear();
                    }
                    probes.push(result);
                }
                _ => {}
            }
        }
        since.map(|s| (s, probes))
    }

    /// Notes on a step (`Some`) or on the session (`None`), oldest first.
    pub fn notes<'a>(&'a self, step: Option<&'a str>) -> impl Iterator<Item = &'a Event> {
        self.events
            .iter()
            .filter(move |e| e.step.as_deref() == step && matches!(e.what, EventKind::Note { .. }))
    }

    /// The first phase with a step still pending; the last one when all are settled.
    pub fn current_phase(&self) -> usize {
        self.runbook
            .phases
            .iter()
            .position(|p| p.steps.iter().any(|s| !self.step_state(&s.id).is_settled()))
            .unwrap_or(self.runbook.phases.len().saturating_sub(1))
    }

    pub fn phase_times(&self, now: DateTime<Utc>) -> Vec<PhaseTime> {
        let elapsed = (now - self.meta.started_at).to_std().unwrap_or_default();
        let (started, settled_at) = self.phase_history();
        let end = self.meta.closed_at.unwrap_or(now);
        self.runbook
            .phases
            .iter()
            .zip(self.runbook.phase_deadlines())
            .enumerate()
            .map(|(i, (p, deadline))| {
                let settled = p.steps.iter().filter(|s| self.step_state(&s.id).is_settled()).count();
                let open = settled < p.steps.len() && self.meta.is_open();
                let mut t = PhaseTime {
                    deadline,
                    settled,
                    total: p.steps.len(),
                    overrun: open && deadline.is_some_and(|d| elapsed > d),
                    started_at: started[i],
                    settled_at: settled_at[i],
                    overran_by: None,
                };
                let finished = t.settled_at.unwrap_or(end);
                t.overran_by = t
                    .due(self.meta.started_at)
                    .and_then(|due| (finished - due).to_std().ok())
                    .filter(|d| !d.is_zero());
                t
            })
            .collect()
    }

    /// When each phase started and settled, replaying the events in order:
    /// a phase starts when every phase before it is settled (the first at
    /// the session start) or when one of its steps is first worked on; it
    /// settles when its last pending step is settled (and is open again
    /// when one is reopened).
    fn phase_history(&self) -> (Vec<Moment>, Vec<Moment>) {
        let phases = &self.runbook.phases;
        let n = phases.len();
        let mut started = vec![None; n];
        let mut settled_at: Vec<Option<DateTime<Utc>>> = vec![None; n];
        if let Some(first) = started.first_mut() {
            *first = Some(self.meta.started_at);
        }
        let mut settled_steps: rustc_hash::FxHashSet<&str> = Default::default();
        for e in &self.events {
            let Some((p, _)) = e.step.as_deref().and_then(|id| self.runbook.step(id)) else {
                continue;
            };
            started[p].get_or_insert(e.at);
            if !e.what.sets_step_state() {
                continue;
            }
            if let Some(step) = e.step.as_deref() {
                if matches!(e.what, EventKind::Reopened) {
                    settled_steps.remove(step);
                } else {
                    settled_steps.insert(step);
                }
            }
            let all = phases[p].steps.iter().all(|s| settled_steps.contains(s.id.as_str()));
            settled_at[p] = if all { settled_at[p].or(Some(e.at)) } else { None };
            if let Some(next) = settled_at.iter().position(Option::is_none) {
                started[next].get_or_insert(e.at);
            }
        }
        (started, settled_at)
    }

    /// (settled, total) over every step.
    pub fn progress(&self) -> (usize, usize) {
        let total = self.runbook.steps().count();
        let settled = self
            .runbook
            .steps()
            .filter(|(_, s)| self.step_state(&s.id).is_settled())
            .count();
        (settled, total)
    }

    /// Take what the store holds now (another operator changed it) in place
    /// of what this copy shows. Events are appended, never changed, so any
    /// this copy holds that the read missed (its own, committed while the
    /// read ran) are kept, after the read's. Events are looked up by when,
    /// who and which step: one pass over a long session, not every pair.
    pub fn take_read(&mut self, read: Session) {
        fn key(e: &Event) -> (DateTime<Utc>, &str, Option<&str>) {
            (e.at, e.operator.as_str(), e.step.as_deref())
        }
        let mut by_key: rustc_hash::FxHashMap<_, Vec<&Event>> = Default::default();
        for e in &read.events {
            by_key.entry(key(e)).or_default().push(e);
        }
        let missed: Vec<Event> = self
            .events
            .iter()
            .filter(|e| !by_key.get(&key(e)).is_some_and(|same| same.contains(e)))
            .cloned()
            .collect();
        drop(by_key);
        self.meta = read.meta;
        self.events = read.events;
        self.events.extend(missed);
    }

    /// Everyone who did something in it, in order of first appearance.
    pub fn participants(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for e in &self.events {
            if !out.contains(&e.operator.as_str()) {
                out.push(&e.operator);
            }
        }
        out
    }
}

/// How long a session has run, as "1h05m" (or "4m09s" within the hour).
pub fn elapsed(start: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let secs = (now - start).num_seconds().max(0);
    let (h, m, s) = (secs / 3600, (secs % 3600) / 60, secs % 60);
    if h > 0 {
        format!("{h}h{m:02}m")
    } else {
        format!("{m}m{s:02}s")
    }
}

/// A span of seconds as "2m12s" (or "1h05m").
pub fn elapsed_secs(secs: u64) -> String {
    let start = DateTime::<Utc>::UNIX_EPOCH;
    elapsed(start, start + chrono::Duration::seconds(secs.min(1 << 40) as i64))
}

/// "INC-20261122-031502" for an incident started at that time.
pub fn session_id(kind: crate::runbook::Kind, at: DateTime<Utc>) -> String {
    format!("{}-{}", kind.session_prefix(), at.format("%Y%m%d-%H%M%S"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runbook::model::{Kind, Phase, Step};

    fn step(id: &str) -> Step {
        Step {
            id: id.into(),
            title: id.into(),
            instructions: String::new(),
            commands: Vec::new(),
            check: None,
            requires_note: false,
            on_fail: None,
            on_fail_runbook: None,
        }
    }

    pub fn session() -> Session {
        let t0: DateTime<Utc> = "2026-11-22T03:15:02Z".parse().expect("time");
        Session {
            meta: SessionMeta {
                id: session_id(Kind::Incident, t0),
                title: "API down".into(),
                severity: Some("P1".into()),
                started_at: t0,
                started_by: "alice".into(),
                closed_at: None,
                closed_by: None,
                resolution: None,
            },
            runbook: Runbook {
                id: "service-down".into(),
                title: "Service down".into(),
                kind: Kind::Incident,
                description: String::new(),
                severities: vec!["P1".into()],
                escalation: Vec::new(),
                phases: vec![
                    Phase {
                        name: "Immediate".into(),
                        budget: Some(Duration::from_secs(900)),
                        steps: vec![step("a"), step("b")],
                    },
                    Phase {
                        name: "Recovery".into(),
                        budget: Some(Duration::from_secs(1800)),
                        steps: vec![step("c")],
                    },
                ],
                window: None,
            },
            events: Vec::new(),
        }
    }

    fn event(mins: i64, who: &str, step: Option<&str>, what: EventKind) -> Event {
        Event {
            at: "2026-11-22T03:15:02Z".parse::<DateTime<Utc>>().expect("time") + chrono::Duration::minutes(mins),
            operator: who.into(),
            step: step.map(String::from),
            what,
        }
    }

    #[test]
    fn step_states_fold_from_events_and_phases_overrun() {
        let mut s = session();
        assert_eq!(s.meta.id, "INC-20261122-031502");
        s.events.push(event(0, "alice", None, EventKind::Started));
        s.events
            .push(event(2, "alice", Some("a"), EventKind::Done { verified: true }));
        s.events
            .push(event(3, "bob", Some("b"), EventKind::Done { verified: false }));
        s.events.push(event(4, "bob", Some("b"), EventKind::Reopened));
        assert!(matches!(s.step_state("a"), StepState::Done { verified: true, .. }));
        assert_eq!(s.step_state("b"), StepState::Pending, "reopened");
        assert_eq!(s.current_phase(), 0);
        let t = s.phase_times(s.meta.started_at + chrono::Duration::minutes(16));
        assert!(t[0].overrun && !t[1].overrun, "{t:?}");
        s.events
            .push(event(17, "bob", Some("b"), EventKind::Skipped { reason: "n/a".into() }));
        assert_eq!(s.current_phase(), 1);
        assert!(!s.phase_times(s.meta.started_at + chrono::Duration::minutes(17))[0].overrun);
        assert_eq!(s.progress(), (2, 3));
        assert_eq!(s.participants(), ["alice", "bob"]);
    }

    #[test]
    fn a_read_replaces_the_events_and_keeps_those_it_missed() {
        let note = |mins, who: &str, text: &str| event(mins, who, Some("a"), EventKind::Note { text: text.into() });
        let mut held = session();
        held.events = vec![
            event(0, "alice", None, EventKind::Started),
            note(1, "alice", "first"),
            // Same time, operator and step as the read's note: told apart by content.
            note(2, "alice", "mine, not yet read"),
            event(3, "alice", Some("a"), EventKind::Done { verified: false }),
        ];
        let mut read = session();
        read.meta.title = "API down, renamed".into();
        read.events = vec![
            event(0, "alice", None, EventKind::Started),
            note(1, "alice", "first"),
            note(2, "alice", "another opsdeck's"),
            note(2, "bob", "bob's"),
        ];
        held.take_read(read.clone());
        assert_eq!(held.meta.title, "API down, renamed");
        let mut want = read.events;
        want.push(note(2, "alice", "mine, not yet read"));
        want.push(event(3, "alice", Some("a"), EventKind::Done { verified: false }));
        assert_eq!(held.events, want);
    }

    #[test]
    fn an_evidence_event_is_stored_by_its_kind_and_read_back() {
        let what = EventKind::Evidence {
            dir: "/var/lib/opsdeck/evidence/INC-1".into(),
            manifest_sha256: "ab".repeat(32),
            files: 9,
        };
        let text = serde_json::to_string(&what).unwrap_or_default();
        assert!(text.starts_with(r#"{"kind":"evidence","#), "{text}");
        assert_eq!(serde_json::from_str::<EventKind>(&text).ok(), Some(what));
        // Events stored before it read as they did.
        assert_eq!(
            serde_json::from_str::<EventKind>(r#"{"kind":"note","text":"x"}"#).ok(),
            Some(EventKind::Note { text: "x".into() })
        );
    }
}
