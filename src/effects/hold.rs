//! Sustained checks in a session: a window held probe by probe, each probe
//! stored as it is taken (so the window is shown growing, and a restarted
//! opsdeck takes it up where it was), the verdict recorded and audited
//! like any check result, and the step ticked as verified only then.

use super::checklist::{commit, record, ChecklistIo};
use super::Effects;
use crate::app::Msg;
use crate::model::identity::Identity;
use crate::runbook::checks::evaluate;
use crate::runbook::checks::hold::{resumable, sleep_until, Hold};
use crate::runbook::model::Window;
use crate::runbook::session::{Event, EventKind};
use crate::runbook::Check;
use crate::store::Store;
use std::collections::HashSet;
use std::sync::{LazyLock, Mutex};
use tokio::sync::mpsc;

/// The windows this process is holding, by (session, step): opening a
/// session again does not start a second loop on the same window.
static HOLDING: LazyLock<Mutex<HashSet<(String, String)>>> = LazyLock::new(Default::default);

/// Hold the window of each check on a task of its own, unless this process
/// holds it already.
pub(crate) fn spawn(fx: &Effects, session: &str, checks: Vec<(String, Check)>, auto_tick: bool) {
    for (step, check) in checks {
        let Some(window) = check.window() else { continue };
        let key = (session.to_string(), step.clone());
        if !HOLDING.lock().unwrap_or_else(|e| e.into_inner()).insert(key.clone()) {
            continue;
        }
        let (store, who, io, tx) = (
            fx.store.clone(),
            fx.who.clone(),
            fx.checklist.clone(),
            fx.msg_tx.clone(),
        );
        tokio::spawn(async move {
            let w = Held {
                session: &key.0,
                step: &key.1,
                check: &check,
                window,
                auto_tick,
            };
            hold_window(&store, &who, &io, w, &tx).await;
            HOLDING.lock().unwrap_or_else(|e| e.into_inner()).remove(&key);
        });
    }
}

/// One window to hold: which step of which session, its check and window,
/// and whether holding it ticks the step.
#[derive(Debug, Clone, Copy)]
pub struct Held<'a> {
    pub session: &'a str,
    pub step: &'a str,
    pub check: &'a Check,
    pub window: Window,
    pub auto_tick: bool,
}

/// Hold one window to its verdict, sending each committed event as it is
/// stored. Taken up where it was when the session holds a window of this
/// step whose probes all passed and whose last probe is recent enough;
/// started afresh otherwise. Stops without a verdict when the session is
/// closed, the step settled, or another opsdeck recorded the verdict.
pub async fn hold_window(store: &Store, who: &Identity, io: &ChecklistIo, w: Held<'_>, tx: &mpsc::Sender<Msg>) {
    let ctx = io.check_context();
    let failed = |error: String| Msg::ChecksFailed {
        steps: vec![w.step.to_string()],
        error,
    };
    let now = chrono::SubsecRound::trunc_subsecs(chrono::Utc::now(), 6);
    let held = match store.session(w.session).await {
        Ok(Some(s)) => s.open_window(w.step).and_then(|(since, probes)| {
            let last = probes.last()?.at;
            let all_passed = probes.iter().all(|p| p.passed);
            (all_passed && resumable(w.window, w.check, last, now)).then_some((since, probes.len()))
        }),
        Ok(None) => return,
        Err(e) => {
            let _ = tx.send(failed(e.to_string())).await;
            return;
        }
    };
    let (since, passed) = held.unwrap_or((now, 0));
    let mut hold = Hold::new(w.window, since, passed);
    loop {
        sleep_until(hold.next_at()).await;
        let still_wanted = match store.session(w.session).await {
            Ok(Some(s)) => {
                let ours = hold.passed == 0 || s.open_window(w.step).is_some_and(|(x, _)| x == since);
                s.meta.is_open() && !s.step_state(w.step).is_settled() && ours
            }
            _ => false,
        };
        if !still_wanted {
            let _ = tx
                .send(Msg::HoldStopped {
                    step: w.step.to_string(),
                })
                .await;
            return;
        }
        let probe = evaluate(w.check, &ctx).await;
        // The window's first probe is dated its start: the timeline shows it so.
        let at = if hold.passed == 0 { since } else { probe.at };
        let event = Event {
            at,
            operator: who.operator.clone(),
            step: Some(w.step.to_string()),
            what: EventKind::Probe {
                since,
                result: probe.clone(),
            },
        };
        // A probe is a reading, not an action: stored, not audited; the verdict is.
        if let Err(e) = store.append_session_event(w.session, &event).await {
            let _ = tx.send(failed(e.to_string())).await;
            return;
        }
        let _ = tx
            .send(Msg::SessionEvent {
                session: w.session.to_string(),
                event,
            })
            .await;
        let Some(verdict) = hold.take(&probe) else { continue };
        let passed = verdict.passed;
        let event = Event {
            at: verdict.at,
            operator: who.operator.clone(),
            step: Some(w.step.to_string()),
            what: EventKind::Check(verdict),
        };
        let mut msgs = match commit(store, who, w.session, event, None).await {
            Ok(msgs) => msgs,
            Err(e) => vec![failed(e.to_string())],
        };
        if passed && w.auto_tick {
            let tick = Event {
                at: chrono::Utc::now(),
                operator: who.operator.clone(),
                step: Some(w.step.to_string()),
                what: EventKind::Done { verified: true },
            };
            msgs.extend(record(store, who, w.session, tick, None).await);
        }
        for m in msgs {
            let _ = tx.send(m).await;
        }
        return;
    }
}
