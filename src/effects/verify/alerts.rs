//! An acknowledgement or an expiry verified: the alert read back from
//! Alertmanager, shown suppressed by the new silence (or no longer firing
//! while the silence holds); the expired silence read back as "expired";
//! the acknowledgement of one of opsdeck's own alerts read back from the
//! store.

use super::{record, Acted};
use crate::app::{AckTarget, Msg, OWN_SOURCE};
use crate::backends::alertmanager::look;
use crate::config::AlertmanagerConfig;
use crate::model::acks::AckRecord;
use crate::model::identity::Identity;
use crate::model::verify::Verdict;
use crate::store::Store;
use std::time::{Duration, Instant};

/// How long Alertmanager is given to show a silence took.
const PATIENCE: Duration = Duration::from_secs(10);
const POLL: Duration = Duration::from_millis(250);

pub struct Ack<'a> {
    pub sources: &'a [AlertmanagerConfig],
    pub targets: &'a [AckTarget],
    pub comment: &'a str,
    pub duration: Duration,
    pub session: Option<String>,
}

/// Acknowledge (audited, see `effects::alerts::acknowledge`), then verify
/// each acknowledgement that took. The acks made, and the messages.
pub async fn acknowledge(store: &Store, who: &Identity, a: Ack<'_>) -> (Vec<AckRecord>, Vec<Msg>) {
    let cfg_of = |source: &str| a.sources.iter().find(|s| s.name == source);
    let mut before = Vec::with_capacity(a.targets.len());
    for t in a.targets {
        before.push(match t.source.as_deref().and_then(cfg_of) {
            Some(cfg) => alert_words(look::alert(cfg, &t.fingerprint).await),
            None => "not acknowledged".to_string(),
        });
    }
    let (acked, done) =
        crate::effects::alerts::acknowledge(store, who, a.sources, a.targets, a.comment, a.duration).await;
    let mut out = vec![done];
    for rec in &acked {
        let Some(i) = a
            .targets
            .iter()
            .position(|t| t.fingerprint == rec.fingerprint && t.source.as_deref().unwrap_or(OWN_SOURCE) == rec.source)
        else {
            continue;
        };
        let (fixed, after, summary) = match (cfg_of(&rec.source), rec.silence_id.as_deref()) {
            (Some(cfg), Some(id)) => silenced(cfg, &rec.fingerprint, id).await,
            _ => own_ack_kept(store, rec).await,
        };
        let acted = Acted {
            pane: "alerts".into(),
            action: "ack".into(),
            audited_as: "alert.ack".into(),
            target: format!("{}/{}", rec.source, rec.alertname),
            session: a.session.clone(),
            reason: None,
        };
        let verdict = Verdict {
            fixed,
            before: before[i].clone(),
            after,
            summary,
        };
        out.extend(record(store, who, &acted, &verdict).await);
    }
    (acked, out)
}

/// Expire silences (audited), then read each one back.
pub async fn expire(
    store: &Store,
    who: &Identity,
    sources: &[AlertmanagerConfig],
    source: &str,
    ids: &[String],
    session: Option<String>,
) -> Vec<Msg> {
    let cfg = sources.iter().find(|s| s.name == source);
    let mut before = Vec::with_capacity(ids.len());
    for id in ids {
        before.push(match cfg {
            Some(cfg) => look::silence_state(cfg, id)
                .await
                .unwrap_or_else(|e| format!("unknown ({e})")),
            None => "unknown".into(),
        });
    }
    let done = crate::effects::alerts::expire_silences(store, who, sources, source, ids).await;
    let Some(cfg) = cfg else {
        return vec![done];
    };
    let mut out = vec![done];
    for (id, before) in ids.iter().zip(before) {
        let start = Instant::now();
        let after = loop {
            let now = look::silence_state(cfg, id).await;
            if matches!(&now, Ok(s) if s == "expired") || start.elapsed() >= PATIENCE {
                break now.unwrap_or_else(|e| format!("unknown ({e})"));
            }
            tokio::time::sleep(POLL).await;
        };
        let fixed = after == "expired";
        let acted = Acted {
            pane: "alerts".into(),
            action: "expire silence".into(),
            audited_as: "silence.expire".into(),
            target: format!("{source}/{id}"),
            session: session.clone(),
            reason: None,
        };
        let summary = format!("the silence is {after}");
        out.extend(
            record(
                store,
                who,
                &acted,
                &Verdict {
                    fixed,
                    before,
                    after,
                    summary,
                },
            )
            .await,
        );
    }
    out
}

fn alert_words(a: Result<Option<look::AlertLook>, String>) -> String {
    match a {
        Ok(Some(a)) => a.describe(),
        Ok(None) => "not firing".into(),
        Err(e) => format!("unknown ({e})"),
    }
}

/// Whether the alert shows suppressed by silence `id` (or no longer fires
/// while the silence is active), within a short while.
async fn silenced(cfg: &AlertmanagerConfig, fingerprint: &str, id: &str) -> (bool, String, String) {
    let start = Instant::now();
    loop {
        let now = look::alert(cfg, fingerprint).await;
        let late = start.elapsed() >= PATIENCE;
        match &now {
            Ok(Some(a)) if a.silenced_by.iter().any(|s| s == id) => {
                return (true, a.describe(), "the alert is suppressed by the new silence".into())
            }
            Ok(None) => {
                let state = look::silence_state(cfg, id)
                    .await
                    .unwrap_or_else(|e| format!("unknown ({e})"));
                let fixed = state == "active";
                return (
                    fixed,
                    "not firing".into(),
                    format!("the alert no longer fires; the silence is {state}"),
                );
            }
            _ if late => {
                return (
                    false,
                    alert_words(now),
                    "the alert is not shown silenced by the new silence".into(),
                )
            }
            _ => {}
        }
        tokio::time::sleep(POLL).await;
    }
}

/// The acknowledgement of one of opsdeck's own alerts, read back from the store.
async fn own_ack_kept(store: &Store, rec: &AckRecord) -> (bool, String, String) {
    match store.acks_since(rec.acked_at).await {
        Ok(rows) if rows.iter().any(|r| r == rec) => (
            true,
            format!("acknowledged until {}", rec.until.format("%H:%M UTC")),
            "the acknowledgement is in the store".into(),
        ),
        Ok(_) => (
            false,
            "not acknowledged".into(),
            "no such acknowledgement in the store".into(),
        ),
        Err(e) => (false, format!("unknown ({e})"), "the store cannot be read".into()),
    }
}
