//! Carrying out the `Command`s `update` asks for: each side effect on a
//! task of its own, its result coming back as a `Msg`. `execute` never sees
//! `State`: what a command needs, it carries. The terminal itself (clear,
//! quit) is the runtime's.

pub mod actions;
pub mod checklist;
pub mod review;

use crate::app::{Command, Msg};
use crate::backends;
use crate::model::identity::Identity;
use crate::store::{AuditRecord, Store};
use std::collections::HashMap;
use std::io::Write;
use tokio::sync::mpsc;

/// What commands need to reach the outside world.
pub(crate) struct Effects {
    pub(crate) store: Store,
    pub(crate) who: Identity,
    pub(crate) docker: std::sync::Arc<Vec<crate::config::DockerConfig>>,
    pub(crate) postgres: std::sync::Arc<Vec<crate::config::PostgresConfig>>,
    pub(crate) audit_tx: mpsc::UnboundedSender<AuditRecord>,
    pub(crate) msg_tx: mpsc::Sender<Msg>,
    pub(crate) stats_watch: StatsWatchers,
    pub(crate) wakes: Wakes,
    pub(crate) alertmanager: std::sync::Arc<Vec<crate::config::AlertmanagerConfig>>,
    pub(crate) checklist: crate::effects::checklist::ChecklistIo,
    pub(crate) access: std::sync::Arc<Vec<crate::config::AccessSourceConfig>>,
    /// Open log followers by id, so closing a log stops its stream.
    pub(crate) followers: std::sync::Mutex<HashMap<u64, Vec<tokio::task::JoinHandle<()>>>>,
}

impl Effects {
    /// Stop every log follower (at exit).
    pub(crate) fn stop_followers(&self) {
        let followers = std::mem::take(&mut *self.followers.lock().unwrap_or_else(|e| e.into_inner()));
        for task in followers.into_values().flatten() {
            task.abort();
        }
    }
}

/// Read every access source, each on a task of its own.
pub(crate) fn spawn_access_loads(
    access: &std::sync::Arc<Vec<crate::config::AccessSourceConfig>>,
    postgres: &std::sync::Arc<Vec<crate::config::PostgresConfig>>,
    msg_tx: &mpsc::Sender<Msg>,
) {
    for i in 0..access.len() {
        let (access, postgres, tx) = (access.clone(), postgres.clone(), msg_tx.clone());
        tokio::spawn(async move {
            let load = crate::backends::access::load(&access[i], &postgres).await;
            let _ = tx.send(Msg::AccessLoaded(load)).await;
        });
    }
}

pub(crate) fn spawn_campaigns_load(store: &Store, msg_tx: &mpsc::Sender<Msg>) {
    spawn_read(store, msg_tx, |store| async move { campaigns(&store).await });
}

/// Read from the store on a task of its own and send the message `read`
/// makes of it.
fn spawn_read<F>(store: &Store, msg_tx: &mpsc::Sender<Msg>, read: impl FnOnce(Store) -> F)
where
    F: std::future::Future<Output = Msg> + Send + 'static,
{
    let (read, tx) = (read(store.clone()), msg_tx.clone());
    tokio::spawn(async move {
        let _ = tx.send(read.await).await;
    });
}

/// The campaigns' progress, as a message.
async fn campaigns(store: &Store) -> Msg {
    Msg::ReviewCampaigns(store.campaigns().await.map_err(|e| e.to_string()))
}

/// A campaign's decisions, as a message.
async fn decisions(store: &Store, campaign_id: i64) -> Msg {
    let decisions = store.campaign_decisions(campaign_id).await.map_err(|e| e.to_string());
    Msg::DecisionsRefreshed { campaign_id, decisions }
}

/// The acknowledgements, as a message.
pub(crate) async fn acks(store: &Store) -> Msg {
    Msg::AcksLoaded(store.acks_since(ack_history_start()).await.map_err(|e| e.to_string()))
}

/// A campaign's snapshot and decisions, as one message.
async fn load_campaign(store: &Store, id: i64) -> Result<crate::app::OpenCampaign, String> {
    let err = |e: crate::store::StoreError| e.to_string();
    let campaign = store
        .campaign(id)
        .await
        .map_err(err)?
        .ok_or_else(|| format!("no campaign {id}"))?;
    let items = store.campaign_items(id).await.map_err(err)?;
    let decisions = store.campaign_decisions(id).await.map_err(err)?;
    Ok(crate::app::OpenCampaign::new(campaign, items, decisions))
}

/// Who else is on the store, as a message.
async fn presence(store: &Store) -> Msg {
    Msg::PresenceLoaded(
        store
            .others_present(chrono::Utc::now())
            .await
            .map_err(|e| e.to_string()),
    )
}

pub(crate) type Wakes = std::sync::Arc<HashMap<backends::BackendId, std::sync::Arc<tokio::sync::Notify>>>;

/// Wake the poller of `kind` named `name`, if there is one.
fn wake(wakes: &Wakes, kind: backends::BackendKind, name: &str) {
    let id = backends::BackendId {
        kind,
        name: name.to_string(),
    };
    if let Some(w) = wakes.get(&id) {
        w.notify_one();
    }
}

/// Per Docker host: where to say which containers are on screen, and how to
/// wake its poller so new rows get their numbers at once.
pub(crate) type StatsWatchers = HashMap<
    String,
    (
        tokio::sync::watch::Sender<Vec<String>>,
        std::sync::Arc<tokio::sync::Notify>,
    ),
>;

pub(crate) fn stats_watchers(targets: &mut [backends::Target]) -> StatsWatchers {
    targets
        .iter_mut()
        .filter_map(|t| Some((t.id.name.clone(), (t.watch.take()?, t.wake.clone()))))
        .collect()
}

/// Run commands, each side effect on a task of its own. The terminal's
/// own commands (`ClearScreen`, `Quit`) are the runtime's and ignored here.
pub(crate) fn execute(commands: Vec<Command>, fx: &Effects) {
    let (store, audit_tx, msg_tx) = (&fx.store, &fx.audit_tx, &fx.msg_tx);
    for c in commands {
        match c {
            Command::Audit(rec) => {
                if audit_tx.send(rec).is_err() {
                    let _ = msg_tx.try_send(Msg::AuditFailed("audit writer stopped".into()));
                }
            }
            Command::LoadAuditLog { limit } => {
                let store = store.clone();
                let tx = msg_tx.clone();
                tokio::spawn(async move {
                    let r = store.audit_tail(limit).await.map_err(|e| e.to_string());
                    let _ = tx.send(Msg::AuditLoaded(r)).await;
                });
            }
            Command::Bell => {
                let mut out = std::io::stdout();
                let _ = out.write_all(b"\x07").and_then(|_| out.flush());
            }
            Command::FollowLogs {
                follower,
                host,
                container,
                tail,
            } => {
                let Some(cfg) = fx.docker.iter().find(|h| h.name == host).cloned() else {
                    continue;
                };
                let (log_tx, mut log_rx) = mpsc::channel(16);
                let tx = msg_tx.clone();
                let follow = tokio::spawn(crate::backends::docker::logs::follow(cfg, container, tail, log_tx));
                let forward = tokio::spawn(async move {
                    while let Some(event) = log_rx.recv().await {
                        if tx.send(Msg::Log { follower, event }).await.is_err() {
                            break;
                        }
                    }
                });
                fx.followers
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(follower, vec![follow, forward]);
            }
            Command::StopLogs { follower } => {
                let tasks = fx.followers.lock().unwrap_or_else(|e| e.into_inner()).remove(&follower);
                for task in tasks.unwrap_or_default() {
                    task.abort();
                }
            }
            Command::SaveLog { path, text } => {
                let tx = msg_tx.clone();
                tokio::spawn(async move {
                    let lines = text.lines().count();
                    let done = match tokio::fs::write(&path, text).await {
                        Ok(()) => Msg::ActionDone {
                            ok: true,
                            text: format!("saved {lines} lines to {}", path.display()),
                        },
                        Err(e) => Msg::ActionDone {
                            ok: false,
                            text: format!("cannot save to {}: {e}", path.display()),
                        },
                    };
                    let _ = tx.send(done).await;
                });
            }
            Command::InspectContainer { host, container } => {
                let (hosts, tx) = (fx.docker.clone(), msg_tx.clone());
                tokio::spawn(async move {
                    let result = match hosts.iter().find(|h| h.name == host) {
                        Some(cfg) => crate::backends::docker::inspect::inspect(cfg, &container).await,
                        None => Err(format!("no Docker host named {host}")),
                    };
                    let _ = tx.send(Msg::Inspected { container, result }).await;
                });
            }
            Command::Container { host, container, op } => {
                let (store, who, hosts, tx) = (store.clone(), fx.who.clone(), fx.docker.clone(), msg_tx.clone());
                tokio::spawn(async move {
                    let done = crate::effects::actions::container(&store, &who, &hosts, &host, &container, op).await;
                    let _ = tx.send(done).await;
                });
            }
            Command::WatchStats { host, ids } => {
                if let Some((watch, wake)) = fx.stats_watch.get(&host) {
                    // Only rows new on screen need a poll now; a shrinking set waits.
                    let gained = {
                        let old = watch.borrow();
                        ids.iter().any(|id| !old.contains(id))
                    };
                    watch.send_replace(ids);
                    if gained {
                        wake.notify_one();
                    }
                }
            }
            Command::PgSignal {
                requests,
                op,
                justification,
            } => {
                let (store, who, targets, tx) = (store.clone(), fx.who.clone(), fx.postgres.clone(), msg_tx.clone());
                let wakes = fx.wakes.clone();
                tokio::spawn(async move {
                    let done =
                        crate::effects::actions::pg_signal(&store, &who, &targets, &requests, op, &justification).await;
                    for r in &requests {
                        wake(&wakes, backends::BackendKind::Postgres, &r.target);
                    }
                    let _ = tx.send(done).await;
                });
            }
            Command::Acknowledge {
                targets,
                comment,
                duration,
            } => {
                let (store, who, sources, tx) =
                    (store.clone(), fx.who.clone(), fx.alertmanager.clone(), msg_tx.clone());
                let wakes = fx.wakes.clone();
                tokio::spawn(async move {
                    let (acked, done) =
                        crate::effects::actions::acknowledge(&store, &who, &sources, &targets, &comment, duration)
                            .await;
                    for t in targets.iter().filter_map(|t| t.source.as_deref()) {
                        wake(&wakes, backends::BackendKind::Alertmanager, t);
                    }
                    for ack in acked {
                        let _ = tx.send(Msg::Acked(ack)).await;
                    }
                    let _ = tx.send(done).await;
                });
            }
            Command::EndOwnAck { fingerprint, name } => {
                let (store, who, tx) = (store.clone(), fx.who.clone(), msg_tx.clone());
                tokio::spawn(async move {
                    let done = crate::effects::actions::end_own_ack(&store, &who, &fingerprint, &name).await;
                    let _ = tx.send(acks(&store).await).await;
                    let _ = tx.send(done).await;
                });
            }
            Command::ExpireSilences { source, ids } => {
                let (store, who, sources, tx) =
                    (store.clone(), fx.who.clone(), fx.alertmanager.clone(), msg_tx.clone());
                let wakes = fx.wakes.clone();
                tokio::spawn(async move {
                    let done = crate::effects::actions::expire_silences(&store, &who, &sources, &source, &ids).await;
                    wake(&wakes, backends::BackendKind::Alertmanager, &source);
                    let _ = tx.send(done).await;
                });
            }
            Command::StartSession {
                runbook,
                title,
                severity,
            } => {
                let (store, who, tx) = (store.clone(), fx.who.clone(), msg_tx.clone());
                tokio::spawn(async move {
                    let done = crate::effects::checklist::start(&store, &who, &runbook, &title, severity).await;
                    let _ = tx.send(done).await;
                });
            }
            Command::OpenSession { id } => {
                spawn_read(store, msg_tx, |store| async move {
                    crate::effects::checklist::open(&store, &id).await
                });
            }
            Command::RecordEvent { session, event, seen } => {
                let (store, who, tx) = (store.clone(), fx.who.clone(), msg_tx.clone());
                let seen = seen.map(|s| s.map(|e| *e));
                tokio::spawn(async move {
                    for m in crate::effects::checklist::record(&store, &who, &session, event, seen).await {
                        let _ = tx.send(m).await;
                    }
                });
            }
            Command::RunChecks {
                session,
                checks,
                auto_tick,
            } => {
                let (store, who, io, tx) = (store.clone(), fx.who.clone(), fx.checklist.clone(), msg_tx.clone());
                tokio::spawn(async move {
                    for m in crate::effects::checklist::run_checks(&store, &who, &io, &session, checks, auto_tick).await
                    {
                        let _ = tx.send(m).await;
                    }
                });
            }
            Command::LoadTimeline { since } => {
                let (store, tx) = (store.clone(), msg_tx.clone());
                tokio::spawn(async move {
                    let entries = store.audit_entries(Some(since)).await.map_err(|e| e.to_string());
                    let _ = tx.send(Msg::TimelineLoaded(entries)).await;
                });
            }
            Command::WriteReport { session } => {
                let (store, io, tx) = (store.clone(), fx.checklist.clone(), msg_tx.clone());
                tokio::spawn(async move {
                    let _ = tx
                        .send(crate::effects::checklist::write_report(&store, &io, &session).await)
                        .await;
                });
            }
            Command::LoadAccess => spawn_access_loads(&fx.access, &fx.postgres, msg_tx),
            Command::LoadReviews => spawn_campaigns_load(store, msg_tx),
            Command::OpenCampaign { id } => {
                let (store, tx) = (store.clone(), msg_tx.clone());
                tokio::spawn(async move {
                    let r = load_campaign(&store, id).await;
                    let _ = tx.send(Msg::ReviewOpened(r)).await;
                });
            }
            Command::StartCampaign {
                name,
                due_at,
                items,
                sources,
            } => {
                let (store, who, tx) = (store.clone(), fx.who.clone(), msg_tx.clone());
                tokio::spawn(async move {
                    let (id, done) =
                        crate::effects::review::start_campaign(&store, &who, &name, due_at, items, sources).await;
                    let _ = tx.send(campaigns(&store).await).await;
                    if let Some(id) = id {
                        let _ = tx.send(Msg::ReviewOpened(load_campaign(&store, id).await)).await;
                    }
                    let _ = tx.send(done).await;
                });
            }
            Command::ReviewDecide {
                campaign_id,
                items,
                decision,
                justification,
                seen,
                aliases,
            } => {
                let (store, who, tx) = (store.clone(), fx.who.clone(), msg_tx.clone());
                let (sources, postgres) = (fx.access.clone(), fx.postgres.clone());
                tokio::spawn(async move {
                    let ctx = crate::effects::review::DecideContext {
                        sources: &sources,
                        postgres: &postgres,
                        aliases: &aliases,
                        seen: &seen,
                    };
                    let (records, done) = crate::effects::review::review_decide(
                        &store,
                        &who,
                        &ctx,
                        campaign_id,
                        &items,
                        decision,
                        &justification,
                    )
                    .await;
                    let attempted = items.iter().map(|i| i.id).collect();
                    let _ = tx
                        .send(Msg::ReviewDecided {
                            campaign_id,
                            attempted,
                            records,
                        })
                        .await;
                    // Another reviewer's decisions (one that refused ours among them).
                    let _ = tx.send(decisions(&store, campaign_id).await).await;
                    let _ = tx.send(campaigns(&store).await).await;
                    let _ = tx.send(done).await;
                });
            }
            Command::ExportReview { campaign } => {
                let (store, who, tx) = (store.clone(), fx.who.clone(), msg_tx.clone());
                tokio::spawn(async move {
                    let dir = std::env::current_dir().unwrap_or_else(|_| std::path::PathBuf::from("."));
                    let done = crate::effects::review::export_review(&store, &who, campaign, &dir).await;
                    let _ = tx.send(done).await;
                });
            }
            Command::RefreshSession { id } => {
                let (store, tx) = (store.clone(), msg_tx.clone());
                tokio::spawn(async move {
                    match store.session(&id).await {
                        Ok(Some(s)) => {
                            let _ = tx.send(Msg::SessionRefreshed(Box::new(s))).await;
                        }
                        Ok(None) => {}
                        Err(e) => tracing::warn!(session = %id, error = %e, "session not read again"),
                    }
                });
            }
            Command::LoadSessions => spawn_read(store, msg_tx, |store| async move {
                Msg::SessionsLoaded(crate::effects::checklist::recent_sessions(&store).await)
            }),
            Command::RefreshDecisions { campaign_id } => spawn_read(store, msg_tx, move |store| async move {
                decisions(&store, campaign_id).await
            }),
            Command::LoadAcks => spawn_read(store, msg_tx, |store| async move { acks(&store).await }),
            Command::Announce { subject } => {
                let (store, who, tx) = (store.clone(), fx.who.clone(), msg_tx.clone());
                tokio::spawn(async move {
                    let now = chrono::Utc::now();
                    if let Err(e) = store.announce(&who, subject.as_deref(), now).await {
                        tracing::debug!(error = %e, "presence not announced");
                    }
                    let _ = tx.send(presence(&store).await).await;
                });
            }
            Command::LoadPresence => spawn_read(store, msg_tx, |store| async move { presence(&store).await }),
            Command::ClearScreen | Command::Quit => {}
        }
    }
}

/// How far back acknowledgements are loaded: as far as anyone looks at an
/// alert's history, and every ack that may still hold.
fn ack_history_start() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now() - chrono::Duration::days(7)
}
