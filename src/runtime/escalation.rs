//! The escalation engine: it runs beside the flight recorder and acts only
//! while the recorder holds the store's lease, so one process per store
//! pages, with or without a console open. It sees the Alertmanager answers
//! the recorder sees (handed over after they are recorded, dropped when it
//! is busy: only the latest matters), judges each second which level is due
//! for which alert (`model::escalation`), claims it in the store before the
//! first attempt (once per alert and level, whoever records, across
//! restarts), and sends it, retrying with backoff and auditing each attempt.
//! A retry is not sent once the alert is acknowledged, silenced or resolved
//! (`Waiting`, published by each judgement): nobody is paged about an alert
//! someone already has.
//!
//! opsdeck's own alerts (EndpointDown, PostgresDown…) are escalated too: the
//! engine keeps every target as its reports leave it and judges them as
//! the Alerts pane does (`app::panes::alerts::own`), dated from when this
//! engine first saw each one. An acknowledgement in the store holds one,
//! and so does an open maintenance window whose matchers match its labels
//! (read from the store's open maintenance sessions).

use crate::app::panes::alerts::own;
use crate::app::{BackendStatus, OWN_SOURCE};
use crate::config::{Config, EscalationConfig};
use crate::model::acks::AckRecord;
use crate::model::alerts::{AlertRow, AlertsSummary};
use crate::model::backend::{BackendData, BackendKind, BackendReport};
use crate::model::escalation::{due, Candidate, Due, Key, Level, ResponseTimes, Waiting, STOPPED_ANSWERED};
use crate::model::identity::Identity;
use crate::runbook::session::window::WindowHold;
use crate::store::escalations::Claim;
use crate::store::{AuditRecord, Outcome, Store};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;

/// How often what is due is judged.
const JUDGE_EVERY: Duration = Duration::from_secs(1);
/// How often the acknowledgements in the store are read again.
const ACKS_EVERY: Duration = Duration::from_secs(5);
/// How often the open maintenance windows are read again.
const WINDOWS_EVERY: Duration = Duration::from_secs(15);
/// An Alertmanager that has not answered for this long says nothing about
/// its alerts: they are not escalated on its old word.
const STALE_AFTER: chrono::Duration = chrono::Duration::minutes(2);
/// Attempts per alert and level, and the longest wait between two.
const MAX_ATTEMPTS: u32 = 8;
const MAX_BACKOFF: Duration = Duration::from_secs(60);
/// How often a level another recorder claimed and has not sent is asked
/// for again (`store::escalations::CLAIM_ABANDONED` says when it is taken).
const CLAIM_AGAIN: Duration = Duration::from_secs(60);

/// What the engine needs from the config.
#[derive(Clone)]
pub struct EscalationSetup {
    levels: Arc<Vec<EscalationConfig>>,
    judged: Arc<Vec<Level>>,
    times: ResponseTimes,
    /// Each Alertmanager's source: its cluster when it has one, else itself.
    sources: HashMap<String, String>,
    /// Each Alertmanager's heartbeat alert.
    heartbeats: BTreeMap<String, String>,
    /// Every configured target, not yet reported: own alerts are judged
    /// from these as the reports come.
    targets: Vec<BackendStatus>,
    who: Identity,
}

impl EscalationSetup {
    /// `None` when the config has no `[[escalation]]` level.
    pub fn new(config: &Config) -> Option<Self> {
        if config.escalation.is_empty() {
            return None;
        }
        Some(Self {
            levels: Arc::new(config.escalation.clone()),
            judged: Arc::new(config.escalation_levels()),
            times: config.response_times(),
            sources: config
                .alertmanager
                .iter()
                .map(|a| (a.name.clone(), a.cluster.clone().unwrap_or_else(|| a.name.clone())))
                .collect(),
            heartbeats: config
                .alertmanager
                .iter()
                .filter_map(|a| Some((a.name.clone(), a.heartbeat.clone()?)))
                .collect(),
            targets: crate::backends::targets(config)
                .into_iter()
                .map(|t| BackendStatus::new(t.id, t.interval, t.timeout))
                .collect(),
            who: Identity::detect(config.operator.name.as_deref()),
        })
    }
}

/// The recorder's end of the engine: what it sees, and whether it holds
/// the lease. Neither call waits.
pub struct Tee {
    reports: mpsc::Sender<BackendReport>,
    holding: watch::Sender<bool>,
}

impl Tee {
    /// A report, already recorded. Dropped when the engine is busy: the
    /// next report of the same target says as much.
    pub fn report(&self, report: BackendReport) {
        let _ = self.reports.try_send(report);
    }

    pub fn holding(&self, holding: bool) {
        self.holding
            .send_if_modified(|h| std::mem::replace(h, holding) != holding);
    }
}

/// Start the engine; it ends when the `Tee` is dropped.
pub fn spawn(store: Store, setup: EscalationSetup) -> Tee {
    let (reports_tx, reports) = mpsc::channel(64);
    let (holding_tx, holding) = watch::channel(false);
    tokio::spawn(run(store, setup, reports, holding));
    Tee {
        reports: reports_tx,
        holding: holding_tx,
    }
}

struct Engine {
    store: Store,
    setup: EscalationSetup,
    /// Each Alertmanager's last answer, and when.
    members: HashMap<String, (DateTime<Utc>, Arc<AlertsSummary>)>,
    /// Keys claimed (or being claimed) by this process, or found claimed.
    notified: HashSet<Key>,
    acks: Vec<AckRecord>,
    acks_read: Option<tokio::time::Instant>,
    /// Every target as its reports left it, and when each own alert was
    /// first seen, by fingerprint.
    own: Vec<BackendStatus>,
    own_since: BTreeMap<String, DateTime<Utc>>,
    /// The open maintenance windows.
    windows: Vec<WindowHold>,
    windows_read: Option<tokio::time::Instant>,
    /// Sends under way; each ends with the key to judge again (its claim
    /// could not be written), if any.
    sending: JoinSet<Option<Key>>,
    /// What the last judgement saw waiting, for the sends still retrying.
    waiting: watch::Sender<Arc<Waiting>>,
}

async fn run(
    store: Store,
    setup: EscalationSetup,
    mut reports: mpsc::Receiver<BackendReport>,
    holding: watch::Receiver<bool>,
) {
    let mut e = Engine {
        own: setup.targets.clone(),
        own_since: BTreeMap::new(),
        windows: Vec::new(),
        windows_read: None,
        store,
        setup,
        members: HashMap::new(),
        notified: HashSet::new(),
        acks: Vec::new(),
        acks_read: None,
        sending: JoinSet::new(),
        waiting: watch::Sender::new(Arc::new(Waiting::default())),
    };
    let mut tick = tokio::time::interval(JUDGE_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            report = reports.recv() => match report {
                Some(r) => e.take(r),
                None => break,
            },
            _ = tick.tick() => {
                if *holding.borrow() {
                    e.judge().await;
                } else {
                    // Someone else pages; what this process saw goes stale,
                    // and is judged afresh should the lease come back.
                    e.members.clear();
                    e.own = e.setup.targets.clone();
                    e.own_since.clear();
                }
            }
            Some(done) = e.sending.join_next(), if !e.sending.is_empty() => {
                if let Ok(Some(key)) = done {
                    e.notified.remove(&key);
                }
            }
        }
    }
}

impl Engine {
    fn take(&mut self, report: BackendReport) {
        if report.id.kind == BackendKind::Alertmanager {
            match &report.result {
                Ok(BackendData::Alerts(summary)) => {
                    self.members
                        .insert(report.id.name.clone(), (report.at, summary.clone()));
                }
                _ => {
                    self.members.remove(&report.id.name);
                }
            }
        }
        if let Some(t) = self.own.iter_mut().find(|t| t.id == report.id) {
            t.take(report);
        }
    }

    /// Read the open maintenance windows again when it is time; on an
    /// error the last ones read still hold.
    async fn read_windows(&mut self) {
        if self.windows_read.is_some_and(|at| at.elapsed() < WINDOWS_EVERY) {
            return;
        }
        self.windows_read = Some(tokio::time::Instant::now());
        match open_windows(&self.store).await {
            Ok(w) => self.windows = w,
            Err(e) => tracing::warn!(error = %e, "escalation: maintenance windows not read"),
        }
    }

    /// Whether an open maintenance window holds an own alert with `labels`.
    fn held(&self, labels: &BTreeMap<String, String>, now: DateTime<Utc>) -> bool {
        self.windows.iter().any(|w| w.holds(labels, now))
    }

    async fn judge(&mut self) {
        let now = Utc::now();
        if self.acks_read.is_none_or(|at| at.elapsed() >= ACKS_EVERY) {
            match self.store.acks_since(now - chrono::Duration::days(1)).await {
                Ok(acks) => {
                    self.acks = acks;
                    self.acks_read = Some(tokio::time::Instant::now());
                }
                // Unsure who has what: nothing is escalated until it is known.
                Err(e) => {
                    tracing::warn!(error = %e, "escalation: acknowledgements not read");
                    return;
                }
            }
        }
        self.read_windows().await;
        let seen = own::Seen {
            targets: &self.own,
            now,
            heartbeats: &self.setup.heartbeats,
            host: &self.setup.who.host,
        };
        own::track(&seen, &mut self.own_since);
        let acks = &self.acks;
        let own_alerts = own::rows_of(&seen, &self.own_since, |fp| {
            acks.iter()
                .any(|k| k.source == OWN_SOURCE && k.fingerprint == fp && k.holds(now))
        });
        let alerts = fresh_alerts(&self.members, &self.setup.sources, now);
        let mut candidates: Vec<Candidate<'_>> = alerts
            .iter()
            .map(|(source, member, a)| Candidate {
                source,
                alert: a,
                acked: self.acks.iter().any(|k| {
                    (k.source == *source || k.source == *member) && k.fingerprint == a.fingerprint && k.holds(now)
                }),
                heartbeat: self.setup.heartbeats.get(*member) == Some(&a.name),
            })
            .collect();
        // Own alerts: an ack is in the row's state; a maintenance window holds.
        candidates.extend(own_alerts.iter().map(|a| Candidate {
            source: OWN_SOURCE,
            alert: a,
            acked: self.held(&a.labels, now),
            heartbeat: false,
        }));
        // Own alerts are judged from what is known now: one no longer
        // raised is resolved.
        let fresh = self
            .members
            .iter()
            .filter(|(_, (at, _))| now - *at <= STALE_AFTER)
            .map(|(member, _)| self.setup.sources.get(member).unwrap_or(member).as_str())
            .chain([OWN_SOURCE]);
        let waiting = Waiting::of(fresh, &candidates);
        self.waiting.send_if_modified(|w| {
            let changed = **w != waiting;
            if changed {
                *w = Arc::new(waiting);
            }
            changed
        });
        let dues = due(&self.setup.judged, &self.setup.times, &candidates, &self.notified, now);
        let mut starts = Vec::new();
        for d in dues {
            let Some(alert) = candidates
                .iter()
                .find(|c| c.source == d.key.source && c.alert.fingerprint == d.key.fingerprint)
                .map(|c| c.alert.clone())
            else {
                continue;
            };
            self.notified.insert(d.key.clone());
            starts.push((d, alert));
        }
        for (d, alert) in starts {
            let level = self.setup.levels[d.level].clone();
            let (store, who, waiting) = (self.store.clone(), self.setup.who.clone(), self.waiting.subscribe());
            self.sending.spawn(notify(store, who, level, alert, d, waiting));
        }
    }
}

/// Every alert the fresh answers hold, once per source, with its source and
/// the member it was read from: a cluster's members hold the same alerts,
/// and one that any member shows quiet (silenced there already) is quiet.
fn fresh_alerts<'a>(
    members: &'a HashMap<String, (DateTime<Utc>, Arc<AlertsSummary>)>,
    sources: &HashMap<String, String>,
    now: DateTime<Utc>,
) -> Vec<(String, &'a str, &'a AlertRow)> {
    let mut by_key: HashMap<(String, &str), (&str, &AlertRow)> = HashMap::new();
    for (member, (at, summary)) in members {
        if now - *at > STALE_AFTER {
            continue;
        }
        let source = sources.get(member).cloned().unwrap_or_else(|| member.clone());
        for a in &summary.alerts {
            let slot = by_key
                .entry((source.clone(), a.fingerprint.as_str()))
                .or_insert((member, a));
            if a.is_quiet() {
                *slot = (member, a);
            }
        }
    }
    by_key
        .into_iter()
        .map(|((source, _), (member, a))| (source, member, a))
        .collect()
}

/// The windows of the open maintenance sessions.
async fn open_windows(store: &Store) -> Result<Vec<WindowHold>, crate::store::StoreError> {
    let prefix = format!("{}-", crate::runbook::Kind::Maintenance.session_prefix());
    let mut out = Vec::new();
    for (meta, _) in store.sessions(true).await? {
        if !meta.id.starts_with(&prefix) {
            continue;
        }
        let Some(w) = store.session(&meta.id).await?.and_then(|s| s.window_state()) else {
            continue;
        };
        out.push(WindowHold::of(w));
    }
    Ok(out)
}

/// How long to wait after a failed attempt: 1s, 2s, 4s… up to a minute.
pub fn backoff(attempt: u32) -> Duration {
    Duration::from_secs(1u64 << attempt.saturating_sub(1).min(6)).min(MAX_BACKOFF)
}

/// Claim one level for one alert, then deliver it, each attempt audited and
/// its outcome kept with the claim; a retry is not sent once `waiting` says
/// the alert was answered. The key comes back when the claim could not be
/// written or another recorder holds it unsent (judged again then).
async fn notify(
    store: Store,
    who: Identity,
    level: EscalationConfig,
    alert: AlertRow,
    d: Due,
    waiting: watch::Receiver<Arc<Waiting>>,
) -> Option<Key> {
    let claimed = store
        .escalation_claim(
            &d.key,
            &alert.name,
            alert.severity.label(),
            Utc::now(),
            MAX_ATTEMPTS.into(),
        )
        .await;
    match claimed {
        Ok(Claim::Taken) => {}
        Ok(Claim::Settled) => return None,
        // Another recorder has it and has not sent it yet: asked again in a
        // while, and taken over if that recorder died before sending.
        Ok(Claim::Elsewhere) => {
            tokio::time::sleep(CLAIM_AGAIN).await;
            return Some(d.key);
        }
        Err(e) => {
            tracing::warn!(error = %e, "escalation not claimed");
            return Some(d.key);
        }
    }
    let body = crate::effects::escalation::body(&alert, &d);
    let to = level.destination().shown();
    let target = format!("{}/{} {}", d.key.source, alert.name, alert.fingerprint);
    for attempt in 1..=MAX_ATTEMPTS {
        if attempt > 1 && waiting.borrow().answered(&d.key) {
            stop_retrying(&store, &who, &d, &target, &to, attempt - 1).await;
            return None;
        }
        let result = crate::effects::escalation::send(&level, &body).await;
        let (outcome, details) = match &result {
            Ok(said) => (Outcome::Ok, serde_json::json!({ "result": said })),
            Err(why) => (Outcome::Failed, serde_json::json!({ "error": why })),
        };
        let mut details = details;
        details["level"] = d.key.level.clone().into();
        details["attempt"] = attempt.into();
        details["to"] = to.clone().into();
        details["overdue_seconds"] = d.overdue.num_seconds().into();
        let rec = AuditRecord::new("alerts", "escalate", outcome)
            .target(target.clone())
            .details(details);
        if let Err(e) = store.append_audit(&who, rec).await {
            tracing::error!(error = %e, "audit append failed");
        }
        let sent = result.is_ok().then(Utc::now);
        let error = result.as_ref().err().map(String::as_str);
        if let Err(e) = store.escalation_attempt(&d.key, attempt.into(), sent, error).await {
            tracing::warn!(error = %e, "escalation outcome not kept");
        }
        match result {
            Ok(said) => {
                tracing::info!(alert = %target, level = %d.key.level, %said, "escalated");
                return None;
            }
            Err(why) if attempt < MAX_ATTEMPTS => {
                tracing::warn!(alert = %target, level = %d.key.level, %why, attempt, "escalation failed; retrying");
                tokio::time::sleep(backoff(attempt)).await;
            }
            Err(why) => tracing::error!(alert = %target, level = %d.key.level, %why, "escalation gave up"),
        }
    }
    None
}

/// The alert was answered while its level was being retried: audited, and
/// kept with the claim, which stays settled at the attempts made.
async fn stop_retrying(store: &Store, who: &Identity, d: &Due, target: &str, to: &str, attempts: u32) {
    tracing::info!(alert = %target, level = %d.key.level, attempts, "escalation stopped: the alert was answered");
    let rec = AuditRecord::new("alerts", "escalate", Outcome::Info)
        .target(target.to_string())
        .details(serde_json::json!({
            "level": d.key.level,
            "attempts": attempts,
            "to": to,
            "result": STOPPED_ANSWERED,
        }));
    if let Err(e) = store.append_audit(who, rec).await {
        tracing::error!(error = %e, "audit append failed");
    }
    if let Err(e) = store
        .escalation_attempt(&d.key, attempts.into(), None, Some(STOPPED_ANSWERED))
        .await
    {
        tracing::warn!(error = %e, "escalation outcome not kept");
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn backoff_doubles_up_to_a_minute() {
        let secs: Vec<u64> = (1..=9).map(|a| super::backoff(a).as_secs()).collect();
        assert_eq!(secs, vec![1, 2, 4, 8, 16, 32, 60, 60, 60]);
    }
}
