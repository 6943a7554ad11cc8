//! The flight recorder's one writer: every backend report, masked as the
//! screen shows it, into the state store's history (`store::history`), on
//! a task of its own, never the UI's. It writes only while it holds the
//! store's lease (one recorder per store), prunes in small batches, and a
//! store that refuses writes (a full disk) stops the history, said once
//! through `news`, never the console or the audit log.
//!
//! Most polls see what the last one saw: they only move a row's `until`
//! (and an alert source's last answer) on. Those moves are kept in memory
//! and written together with each lease renewal, one transaction every
//! `LEASE_EVERY`, not one per poll: Alertmanager answers every second, and
//! a write per answer was most of what recording cost. A recorder killed
//! outright loses at most that much of a row's `until`, never a change.

use crate::config::HistoryConfig;
use crate::model::alerts::AlertsSummary;
use crate::model::backend::{BackendData, BackendKind, BackendReport};
use crate::model::masked::{masked, masked_alert, masked_error};
use crate::model::redact::Redactor;
use crate::model::trend::{samples, Minutes};
use crate::store::history::frames::{Encoder, Step};
use crate::store::history::lease::Role;
use crate::store::{Store, StoreError};
use chrono::Utc;
use std::collections::{HashMap, HashSet};
use std::time::Duration;
use tokio::sync::mpsc;

/// How long a lease holds unless renewed, and how often it is renewed (or,
/// on standby, asked for).
pub const LEASE_TTL: Duration = Duration::from_secs(10);
const LEASE_EVERY: Duration = Duration::from_secs(3);
/// Pruning: how often, and how many rows a statement deletes at most.
const PRUNE_EVERY: Duration = Duration::from_secs(60);
pub const PRUNE_BATCH: i64 = 500;

/// What the recorder needs besides the store.
#[derive(Clone)]
pub struct RecorderSetup {
    pub role: Role,
    pub redactor: Redactor,
    pub history: HistoryConfig,
    /// Each Alertmanager's source: its cluster when it has one, else itself.
    pub sources: HashMap<String, String>,
    /// `[[escalation]]`: paged from wherever the lease is held.
    pub escalation: Option<super::escalation::EscalationSetup>,
}

impl RecorderSetup {
    pub fn new(role: Role, config: &crate::config::Config) -> Self {
        Self {
            role,
            redactor: config.redactor(),
            history: config.history.clone(),
            sources: config
                .alertmanager
                .iter()
                .map(|a| (a.name.clone(), a.cluster.clone().unwrap_or_else(|| a.name.clone())))
                .collect(),
            escalation: super::escalation::EscalationSetup::new(config),
        }
    }
}

/// What the recorder tells whoever runs it, when it changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum News {
    /// It holds the lease and writes.
    Recording,
    /// Another process holds the lease.
    Standby { holder: String },
    /// A write failed: nothing is recorded until one succeeds again.
    NotRecorded(String),
}

impl News {
    pub fn text(&self) -> String {
        match self {
            News::Recording => "history: recording".into(),
            News::Standby { holder } => format!("history: standby, {holder} records"),
            News::NotRecorded(why) => format!("history: not recorded — {why}"),
        }
    }
}

/// Start the recorder on `reports`. It ends when every sender is dropped,
/// giving the lease up on the way.
pub fn spawn(
    store: Store,
    setup: RecorderSetup,
    mut reports: mpsc::Receiver<BackendReport>,
    news: impl Fn(News) + Send + 'static,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        // A store opened read-only (a read-only disk) records nothing and
        // says nothing more than the header's READ-ONLY does.
        if store.is_read_only() {
            while reports.recv().await.is_some() {}
            return;
        }
        let tee = setup
            .escalation
            .clone()
            .map(|e| super::escalation::spawn(store.clone(), e));
        let mut r = Recorder {
            tee,
            store,
            setup,
            holding: false,
            last_news: None,
            backends: HashMap::new(),
            alerts: HashMap::new(),
            minutes: Minutes::default(),
            until: HashMap::new(),
            seen: HashMap::new(),
            news: Box::new(news),
        };
        let mut lease = tokio::time::interval(LEASE_EVERY);
        lease.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut prune = tokio::time::interval_at(tokio::time::Instant::now() + LEASE_EVERY, PRUNE_EVERY);
        prune.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                report = reports.recv() => match report {
                    Some(report) if r.holding => {
                        r.record(&report).await;
                        if let Some(tee) = &r.tee {
                            tee.report(report);
                        }
                    }
                    Some(_) => {}
                    None => break,
                },
                _ = lease.tick() => r.renew().await,
                _ = prune.tick() => if r.holding { r.prune().await },
            }
        }
        if r.holding {
            r.flush().await;
            let _ = r.store.history_samples_insert(&r.minutes.flush()).await;
            let _ = r.store.history_release().await;
        }
    })
}

/// One backend's memory: its encoder, the open row, and the raw model that
/// row holds (an equal report is compared before any masking is done).
struct Track {
    enc: Encoder,
    open: Option<i64>,
    raw: Option<BackendData>,
}

/// One alert source: each member's fingerprints from its last answer, and
/// those recorded as firing (read from the store on the first answer).
#[derive(Default)]
struct SourceAlerts {
    members: HashMap<String, HashSet<String>>,
    firing: Option<HashSet<String>>,
    /// Its last answer recorded.
    seen: Option<chrono::DateTime<Utc>>,
}

struct Recorder {
    /// The escalation engine, when levels are configured: told what was
    /// recorded and whether the lease is held.
    tee: Option<super::escalation::Tee>,
    store: Store,
    setup: RecorderSetup,
    holding: bool,
    last_news: Option<News>,
    backends: HashMap<String, Track>,
    alerts: HashMap<String, SourceAlerts>,
    /// Trend samples of the minute under way, per metric.
    minutes: Minutes,
    /// Rows whose `until` moved on since the last renewal, by row id.
    until: HashMap<i64, chrono::DateTime<Utc>>,
    /// Alert sources whose last answer moved on since the last renewal.
    seen: HashMap<String, chrono::DateTime<Utc>>,
    news: Box<dyn Fn(News) + Send>,
}

impl Recorder {
    /// Whether the lease is held, for the escalation engine.
    fn held(&self) {
        if let Some(tee) = &self.tee {
            tee.holding(self.holding);
        }
    }

    fn tell(&mut self, news: News) {
        if self.last_news.as_ref() != Some(&news) {
            (self.news)(news.clone());
            self.last_news = Some(news);
        }
    }

    /// Take or keep the lease. A lease won back starts every chain again
    /// with a key: someone else wrote meanwhile.
    async fn renew(&mut self) {
        let ttl = chrono::Duration::from_std(LEASE_TTL).unwrap_or_default();
        match self.store.history_lease(self.setup.role, Utc::now(), ttl).await {
            Ok(lease) if lease.held_by(&self.store) => {
                if self.holding {
                    self.flush().await;
                } else {
                    self.forget();
                    self.holding = true;
                    self.tell(News::Recording);
                }
            }
            Ok(lease) => {
                self.holding = false;
                self.tell(News::Standby { holder: lease.holder });
            }
            Err(e) => {
                // Unsure whether it holds: it stops, so two never write.
                self.holding = false;
                self.failed(&e);
            }
        }
        self.held();
    }

    fn forget(&mut self) {
        self.backends.clear();
        self.alerts.clear();
        self.minutes.clear();
        self.until.clear();
        self.seen.clear();
    }

    /// Write the `until`s and last answers that moved on, in one
    /// transaction. A row pruned meanwhile starts its backend again with a
    /// new row; a failed write is said as any other and kept for the next.
    async fn flush(&mut self) {
        if self.until.is_empty() && self.seen.is_empty() {
            return;
        }
        let until: Vec<(i64, chrono::DateTime<Utc>)> = self.until.iter().map(|(id, at)| (*id, *at)).collect();
        let seen: Vec<(String, chrono::DateTime<Utc>)> = self.seen.iter().map(|(s, at)| (s.clone(), *at)).collect();
        match self.store.history_moved_on(&until, &seen).await {
            Ok(gone) => {
                self.until.clear();
                self.seen.clear();
                for track in self.backends.values_mut() {
                    if track.open.is_some_and(|id| gone.contains(&id)) {
                        track.enc.reset();
                        track.open = None;
                        track.raw = None;
                    }
                }
            }
            Err(e) => self.failed(&e),
        }
    }

    fn failed(&mut self, e: &StoreError) {
        tracing::warn!(error = %e, "history not recorded");
        let why = match e.fault() {
            Some(f) => f.says().to_string(),
            None => e.to_string(),
        };
        self.tell(News::NotRecorded(why));
    }

    async fn record(&mut self, report: &BackendReport) {
        let backend = report.id.to_string();
        let written = self.frame(&backend, report).await;
        let written = match (written, &report.result) {
            (Ok(changed), Ok(BackendData::Alerts(a))) if report.id.kind == BackendKind::Alertmanager => {
                self.alerts_seen(&report.id.name, report.at, a, changed).await
            }
            (w, _) => w.map(|_| ()),
        };
        let written = match written {
            Ok(()) => self.samples(report).await,
            failed => failed,
        };
        match written {
            Ok(()) => self.tell(News::Recording),
            Err(e) => self.failed(&e),
        }
    }

    /// The report's trend samples: a metric's minute is stored once it is
    /// over, with its last value.
    async fn samples(&mut self, report: &BackendReport) -> Result<(), StoreError> {
        let source = self.setup.sources.get(&report.id.name).map(String::as_str);
        let source = source.filter(|_| report.id.kind == BackendKind::Alertmanager);
        let due = self.minutes.take(report.at, samples(report, source));
        self.store.history_samples_insert(&due).await
    }

    /// Write the report's frame; whether it was a new row (a change).
    async fn frame(&mut self, backend: &str, report: &BackendReport) -> Result<bool, StoreError> {
        let key_every = self.setup.history.keyframe;
        let track = self.backends.entry(backend.to_string()).or_insert_with(|| Track {
            enc: Encoder::new(key_every),
            open: None,
            raw: None,
        });
        let step = match &report.result {
            Ok(data) if track.raw.as_ref() == Some(data) => Step::Extend,
            Ok(data) => {
                // Masking, serialising and diffing ten thousand alerts is
                // work for a blocking thread, not for a runtime worker.
                let (redactor, data, at) = (self.setup.redactor.clone(), data.clone(), report.at);
                let mut enc = std::mem::replace(&mut track.enc, Encoder::new(key_every));
                let encoded = tokio::task::spawn_blocking(move || {
                    let step = serde_json::to_value(masked(&data, &redactor)).map(|model| enc.data(at, model));
                    (enc, step, data)
                })
                .await
                .map_err(|e| StoreError::Db(format!("history of {backend}: {e}")))?;
                let (enc, step, data) = encoded;
                track.enc = enc;
                track.raw = Some(data);
                step.map_err(|e| StoreError::Db(format!("history of {backend}: {e}")))?
            }
            Err(e) => {
                track.raw = None;
                track.enc.error(&masked_error(e, &self.setup.redactor))
            }
        };
        let written = match (step, track.open) {
            (Step::Extend, Some(id)) => {
                self.until.insert(id, report.at);
                Ok(false)
            }
            (Step::Extend, None) => Err(StoreError::Db("no open history row".into())),
            (Step::Insert { kind, body }, _) => self
                .store
                .history_insert(backend, kind, report.at, &body)
                .await
                .map(|id| track.open = Some(id))
                .map(|()| true),
        };
        if written.is_err() {
            // Whatever reached the store, the next row stands alone.
            track.enc.reset();
            track.open = None;
            track.raw = None;
        }
        written
    }

    /// An Alertmanager's answer: alerts new to its source begin, alerts gone
    /// from every member of the source end, the rest are seen again. An
    /// answer like the last one only says when the source was seen.
    async fn alerts_seen(
        &mut self,
        member: &str,
        at: chrono::DateTime<Utc>,
        summary: &AlertsSummary,
        changed: bool,
    ) -> Result<(), StoreError> {
        let source = self
            .setup
            .sources
            .get(member)
            .cloned()
            .unwrap_or_else(|| member.to_string());
        let expected = self.setup.sources.values().filter(|s| **s == source).count().max(1);
        let s = self.alerts.entry(source.clone()).or_default();
        if s.firing.is_some() && !changed && s.members.contains_key(member) {
            s.seen = Some(at);
            self.seen.insert(source, at);
            return Ok(());
        }
        if s.firing.is_none() {
            let (firing, seen) = self.store.history_alerts_firing(&source).await?;
            s.firing = Some(firing);
            s.seen = seen;
        }
        let firing = s.firing.take().unwrap_or_default();
        s.members.insert(
            member.to_string(),
            summary.alerts.iter().map(|a| a.fingerprint.clone()).collect(),
        );
        // Until every member answered, an alert missing here may fire on another.
        let gone: Vec<String> = if s.members.len() >= expected {
            firing
                .iter()
                .filter(|fp| !s.members.values().any(|m| m.contains(*fp)))
                .cloned()
                .collect()
        } else {
            Vec::new()
        };
        let new: Vec<_> = summary
            .alerts
            .iter()
            .filter(|a| !firing.contains(&a.fingerprint))
            .map(|a| masked_alert(a, &self.setup.redactor))
            .collect();
        let new_refs: Vec<_> = new.iter().collect();
        let before = s.seen;
        // This answer's time is written now: an older one waiting must not follow it.
        self.seen.remove(&source);
        let written = self
            .store
            .history_alerts_update(&source, at, before, &new_refs, &gone)
            .await;
        let s = self.alerts.entry(source).or_default();
        if written.is_ok() {
            let mut now_firing = firing;
            now_firing.extend(new.into_iter().map(|a| a.fingerprint));
            for g in &gone {
                now_firing.remove(g);
            }
            s.firing = Some(now_firing);
            s.seen = Some(at);
        }
        // On failure `firing` stays None: read back from the store next time.
        written
    }

    /// Delete what is past `keep` or over `max_size`, a batch at a time,
    /// letting reports in between.
    async fn prune(&mut self) {
        let keep = chrono::Duration::from_std(self.setup.history.keep).unwrap_or(chrono::Duration::days(14));
        for _ in 0..20 {
            match self
                .store
                .history_prune(Utc::now() - keep, self.setup.history.max_size, PRUNE_BATCH)
                .await
            {
                Ok(n) if n as i64 == PRUNE_BATCH => tokio::task::yield_now().await,
                Ok(_) => return,
                Err(e) => {
                    tracing::warn!(error = %e, "history prune failed");
                    return;
                }
            }
        }
    }
}
