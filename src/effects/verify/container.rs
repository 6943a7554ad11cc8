//! A restart, start or stop verified: the container looked at just before
//! the call, then again until it is running (and healthy, when it has a
//! health check) or not, within its start period and three health
//! intervals, or a short settle time (`model::verify::patience`).

use super::{record, Acted};
use crate::app::Msg;
use crate::config::DockerConfig;
use crate::model::docker::ContainerOp;
use crate::model::identity::Identity;
use crate::model::verify::{judge_container, patience, Judged, Verdict};
use crate::store::Store;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// How often the container is looked at while its verdict is awaited.
const POLL: Duration = Duration::from_millis(500);

/// What one container action is, and where it happens.
pub struct ContainerAction<'a> {
    pub hosts: &'a [DockerConfig],
    pub host: &'a str,
    pub container: &'a str,
    pub op: ContainerOp,
    pub session: Option<String>,
    pub reason: Option<String>,
}

/// Restart, start or stop a container (audited), then verify it. The
/// screen hears "done; verifying…" on `progress` while it waits.
pub async fn act(
    store: &Store,
    who: &Identity,
    a: ContainerAction<'_>,
    progress: Option<&mpsc::Sender<Msg>>,
) -> Vec<Msg> {
    let target = format!("{}/{}", a.host, a.container);
    let Some(cfg) = a.hosts.iter().find(|h| h.name == a.host) else {
        return vec![Msg::ActionDone {
            ok: false,
            text: format!("{} {target}: no such Docker host", a.op.verb()),
        }];
    };
    let before = match crate::backends::docker::look::look(cfg, a.container).await {
        Ok(l) => l.describe(),
        Err(e) => format!("unknown ({e})"),
    };
    let acted = Acted {
        pane: "services".into(),
        action: a.op.verb().into(),
        audited_as: a.op.audit_action().into(),
        target: target.clone(),
        session: a.session,
        reason: a.reason,
    };
    let (msg, done) =
        crate::effects::containers::call(store, who, cfg, a.container, a.op, acted.reason.as_deref()).await;
    if !done {
        // Not done, so nothing to verify; a failed restart still counts.
        let after = match &msg {
            Msg::ActionDone { text, .. } => text.clone(),
            _ => String::new(),
        };
        let mut out = super::in_session(store, who, &acted, None, &before, &after).await;
        out.push(msg);
        return out;
    }
    if let Some(tx) = progress {
        let _ = tx
            .send(Msg::ActionDone {
                ok: true,
                text: format!("{} {target}: done; verifying…", a.op.verb()),
            })
            .await;
    }
    let (fixed, after, summary) = watch(cfg, a.container, a.op).await;
    let verdict = Verdict {
        fixed,
        before,
        after,
        summary,
    };
    record(store, who, &acted, &verdict).await
}

/// Look at the container until the judge has a verdict: whether it is
/// fixed, what it is now, and the summary for the screen.
pub async fn watch(cfg: &DockerConfig, name: &str, op: ContainerOp) -> (bool, String, String) {
    let start = Instant::now();
    let mut wait: Option<Duration> = None;
    loop {
        let elapsed = start.elapsed();
        match crate::backends::docker::look::look(cfg, name).await {
            Ok(look) => {
                let p = *wait.get_or_insert_with(|| patience(&look));
                if let Judged::Done { fixed, summary } = judge_container(op, &look, elapsed, p) {
                    return (fixed, look.describe(), summary);
                }
            }
            // A daemon that does not answer is given the same time, no more.
            Err(e) if elapsed >= wait.unwrap_or(crate::model::verify::SETTLE) => {
                return (false, format!("unknown ({e})"), "cannot look at it".into());
            }
            Err(_) => {}
        }
        tokio::time::sleep(POLL).await;
    }
}
