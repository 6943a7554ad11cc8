//! A cancel or terminate verified: each backend looked at in
//! pg_stat_activity just before the signal, and again until its query (a
//! cancel) or the backend itself (a terminate) is gone, for a short while.

use super::{record, Acted};
use crate::app::{Msg, SignalRequest};
use crate::config::PostgresConfig;
use crate::model::identity::Identity;
use crate::model::postgres::PgSignal;
use crate::model::verify::{judge_signal, BackendLook, Verdict};
use crate::store::Store;
use std::time::{Duration, Instant};

/// How long a signalled backend is given to show it took.
const PATIENCE: Duration = Duration::from_secs(3);
const POLL: Duration = Duration::from_millis(200);

pub struct Signal<'a> {
    pub targets: &'a [PostgresConfig],
    pub requests: &'a [SignalRequest],
    pub op: PgSignal,
    pub justification: &'a str,
    pub session: Option<String>,
}

/// Signal each backend (audited, one by one), then verify each one the
/// server took the signal for.
pub async fn act(store: &Store, who: &Identity, s: Signal<'_>) -> Vec<Msg> {
    let cfg_of = |r: &SignalRequest| s.targets.iter().find(|t| t.name == r.target);
    let mut before = Vec::with_capacity(s.requests.len());
    for r in s.requests {
        before.push(match cfg_of(r) {
            Some(cfg) => crate::backends::postgres::look::look(cfg, r.pid).await,
            None => Err("no such target".into()),
        });
    }
    let (done, took) =
        crate::effects::postgres::pg_signal_each(store, who, s.targets, s.requests, s.op, s.justification).await;
    // A plain "done" first, the verdicts after it; a failure (or the offer
    // to terminate) stays last, on screen.
    let done_ok = matches!(done, Msg::ActionDone { ok: true, .. });
    let mut out = Vec::new();
    if done_ok {
        out.push(done.clone());
    }
    for ((r, was), took) in s.requests.iter().zip(&before).zip(took) {
        let Some(cfg) = cfg_of(r).filter(|_| took) else {
            continue;
        };
        let was = was.as_ref().ok().and_then(Option::as_ref);
        let (fixed, after, summary) = watch(cfg, r.pid, s.op, was).await;
        let verdict = Verdict {
            fixed,
            before: match was {
                Some(b) => b.describe(),
                None => format!("{}: {}", r.state, crate::text::one_line(&r.query)),
            },
            after,
            summary,
        };
        let acted = Acted {
            pane: "database".into(),
            action: s.op.verb().into(),
            audited_as: s.op.audit_action().into(),
            target: format!("{}/{}", r.target, r.pid),
            session: s.session.clone(),
            reason: None,
        };
        out.extend(record(store, who, &acted, &verdict).await);
    }
    if !done_ok {
        out.push(done);
    }
    out
}

/// Look at the backend until the signal shows or patience runs out.
async fn watch(cfg: &PostgresConfig, pid: i32, op: PgSignal, before: Option<&BackendLook>) -> (bool, String, String) {
    let start = Instant::now();
    loop {
        let now = crate::backends::postgres::look::look(cfg, pid).await;
        let late = start.elapsed() >= PATIENCE;
        match now {
            Ok(after) => {
                let (fixed, summary) = judge_signal(op, before, after.as_ref());
                if fixed || late {
                    let after = after.map(|a| a.describe()).unwrap_or_else(|| "gone".into());
                    return (fixed, after, summary);
                }
            }
            Err(e) if late => return (false, format!("unknown ({e})"), "cannot look at it".into()),
            Err(_) => {}
        }
        tokio::time::sleep(POLL).await;
    }
}
