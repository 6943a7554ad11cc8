//! Maintenance windows: a maintenance session's silences, one per
//! Alertmanager (one member of a cluster), created when the session starts
//! and expired early when its post-check passes. Each call goes through
//! `audited`; what was done is recorded as a session event, so the session,
//! its report and every other opsdeck see the same window.

use super::audited::{audited, Audited};
use super::checklist::commit;
use crate::app::Msg;
use crate::config::AlertmanagerConfig;
use crate::model::identity::Identity;
use crate::model::matchers::Matcher;
use crate::runbook::session::window::WindowSilence;
use crate::runbook::session::{Event, EventKind, SessionMeta};
use crate::runbook::window::WindowPlan;
use crate::runbook::Runbook;
use crate::store::{Outcome, Store};

/// The comment every window silence carries: it names the session.
pub fn comment(meta: &SessionMeta) -> String {
    format!("maintenance: {} {}", meta.id, meta.title)
}

/// Start the session, then open its window: a silence on each source for
/// the window's matchers, from the session's start for its duration.
pub async fn start(
    store: &Store,
    who: &Identity,
    alertmanagers: &[AlertmanagerConfig],
    (runbook, title, severity): (&Runbook, &str, Option<String>),
    plan: &WindowPlan,
) -> Vec<Msg> {
    // A window that cannot be opened: no session either.
    let (matchers, duration) = match plan.window.usable() {
        Ok(ok) => ok,
        Err(e) => {
            return vec![Msg::ActionDone {
                ok: false,
                text: format!("maintenance NOT started: {e}"),
            }]
        }
    };
    let opened = super::checklist::start(store, who, runbook, title, severity).await;
    let Msg::SessionOpened(session) = &opened else {
        return vec![opened];
    };
    let meta = session.meta.clone();
    let until = meta.started_at + chrono::Duration::from_std(duration).unwrap_or(chrono::Duration::MAX);
    let mut out = vec![opened];
    let (silences, mut failed) = silence_all(store, who, alertmanagers, &meta, &matchers, until, plan).await;
    failed.extend(plan.refused.iter().cloned());
    let event = Event {
        at: chrono::Utc::now(),
        operator: who.operator.clone(),
        step: None,
        what: EventKind::WindowOpened {
            matchers: matchers.iter().map(ToString::to_string).collect(),
            until,
            silences: silences.clone(),
            failed: failed.clone(),
        },
    };
    match commit(store, who, &meta.id, event, None).await {
        Ok(msgs) => out.extend(msgs),
        Err(e) => out.push(Msg::ActionDone {
            ok: false,
            text: format!(
                "{}: window silences {} created, but NOT recorded in the session: {e}",
                meta.id,
                ids(&silences)
            ),
        }),
    }
    let held = match silences.len() {
        0 => "no Alertmanager silenced".to_string(),
        n => format!("{n} silence(s)"),
    };
    out.push(Msg::ActionDone {
        ok: failed.is_empty(),
        text: if failed.is_empty() {
            format!("{}: window open until {}: {held}", meta.id, until.format("%H:%M UTC"))
        } else {
            format!(
                "{}: window open until {}: {held}; NOT silenced on {}",
                meta.id,
                until.format("%H:%M UTC"),
                failed.join("; ")
            )
        },
    });
    out
}

/// One audited silence per source; the ones made, and why the others were not.
async fn silence_all(
    store: &Store,
    who: &Identity,
    alertmanagers: &[AlertmanagerConfig],
    meta: &SessionMeta,
    matchers: &[Matcher],
    until: chrono::DateTime<chrono::Utc>,
    plan: &WindowPlan,
) -> (Vec<WindowSilence>, Vec<String>) {
    let comment = comment(meta);
    let texts: Vec<String> = matchers.iter().map(ToString::to_string).collect();
    let (mut made, mut failed) = (Vec::new(), Vec::new());
    for source in &plan.sources {
        let Some(cfg) = alertmanagers.iter().find(|c| &c.name == source) else {
            failed.push(format!("{source}: no such [[alertmanager]]"));
            continue;
        };
        let details = serde_json::json!({
            "session": meta.id, "source": source, "matchers": texts, "until": until, "comment": comment,
        });
        let call = crate::backends::alertmanager::silences::create_matching(
            cfg,
            matchers,
            &who.operator,
            &comment,
            (chrono::Utc::now(), until),
        );
        let target = format!("{}/{source}", meta.id);
        match audited(
            store,
            who,
            ("checklist", "window.silence", &target),
            details,
            call,
            |_| Outcome::Ok,
        )
        .await
        {
            // No intent on disk: nothing more is asked of anyone.
            Audited::NotDone(e) => {
                failed.push(format!("{source}: NOT done: {e}"));
                break;
            }
            Audited::Done(Ok(id), unaudited) => {
                if !unaudited.is_empty() {
                    failed.push(format!("{source}: silenced{unaudited}"));
                }
                made.push(WindowSilence {
                    source: source.clone(),
                    id,
                });
            }
            Audited::Done(Err(e), unaudited) => failed.push(format!("{source}: {e}{unaudited}")),
        }
    }
    (made, failed)
}

/// Expire a window's silences (early: its post-check passed), each call
/// audited, then record what was expired in the session.
pub async fn close(
    store: &Store,
    who: &Identity,
    alertmanagers: &[AlertmanagerConfig],
    session: &str,
    silences: &[WindowSilence],
    early: bool,
) -> Vec<Msg> {
    let (mut expired, mut failed) = (Vec::new(), Vec::new());
    for s in silences {
        let Some(cfg) = alertmanagers.iter().find(|c| c.name == s.source) else {
            failed.push(format!("{}/{}: no such [[alertmanager]]", s.source, s.id));
            continue;
        };
        let details = serde_json::json!({ "session": session, "source": s.source, "silence": s.id, "early": early });
        let call = crate::backends::alertmanager::silences::expire(cfg, &s.id);
        let target = format!("{session}/{}/{}", s.source, s.id);
        match audited(
            store,
            who,
            ("checklist", "window.expire", &target),
            details,
            call,
            |_| Outcome::Ok,
        )
        .await
        {
            Audited::NotDone(e) => {
                failed.push(format!("{}/{}: NOT done: {e}", s.source, s.id));
                break;
            }
            Audited::Done(Ok(()), unaudited) => {
                if !unaudited.is_empty() {
                    failed.push(format!("{}/{}: expired{unaudited}", s.source, s.id));
                }
                expired.push(s.clone());
            }
            Audited::Done(Err(e), unaudited) => failed.push(format!("{}/{}: {e}{unaudited}", s.source, s.id)),
        }
    }
    let event = Event {
        at: chrono::Utc::now(),
        operator: who.operator.clone(),
        step: None,
        what: EventKind::WindowClosed {
            early,
            silences: expired.clone(),
            failed: failed.clone(),
        },
    };
    let mut out = match commit(store, who, session, event, None).await {
        Ok(msgs) => msgs,
        Err(e) => vec![Msg::ActionDone {
            ok: false,
            text: format!("{session}: silences {} expired, but NOT recorded: {e}", ids(&expired)),
        }],
    };
    let how = if early { "post-check passed: " } else { "" };
    out.push(Msg::ActionDone {
        ok: failed.is_empty(),
        text: if failed.is_empty() {
            format!("{session}: {how}window closed, {} silence(s) expired", expired.len())
        } else {
            format!("{session}: {how}window closed; NOT expired: {}", failed.join("; "))
        },
    });
    out
}

fn ids(silences: &[WindowSilence]) -> String {
    silences
        .iter()
        .map(|s| format!("{}/{}", s.source, s.id))
        .collect::<Vec<_>>()
        .join(", ")
}
