//! Carrying out the `Command`s `update` asks for: each side effect on a
//! task of its own, its result coming back as messages. `execute` never
//! sees `State`: what a command needs, it carries. The terminal itself
//! (clear, bell, quit) is the runtime's. One file per kind of side effect:
//! `containers`, `postgres`, `alerts`, `checklist` (its `report`), `review`, store `reads`,
//! all through `audited`, the one door to an audited call.

pub mod alerts;
pub(crate) mod audited;
pub mod checklist;
pub mod containers;
pub mod escalation;
pub mod evidence;
pub mod hold;
pub mod maintenance;
pub mod postgres;
pub(crate) mod reads;
pub mod report;
pub mod review;
pub mod verify;
pub mod witness;

pub(crate) use reads::acks;

use crate::app::{Command, Msg};
use crate::backends;
use crate::model::identity::Identity;
use crate::store::{AuditRecord, Store};
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;

/// What commands need to reach the outside world. Cheap to clone: each
/// task takes its own.
#[derive(Clone)]
pub(crate) struct Effects {
    pub(crate) store: Store,
    pub(crate) who: Identity,
    pub(crate) docker: Arc<Vec<crate::config::DockerConfig>>,
    pub(crate) postgres: Arc<Vec<crate::config::PostgresConfig>>,
    pub(crate) alertmanager: Arc<Vec<crate::config::AlertmanagerConfig>>,
    pub(crate) access: Arc<Vec<crate::config::AccessSourceConfig>>,
    pub(crate) checklist: crate::effects::checklist::ChecklistIo,
    /// Where saved container logs are written.
    pub(crate) logs_dir: Arc<std::path::Path>,
    pub(crate) audit_tx: mpsc::UnboundedSender<AuditRecord>,
    pub(crate) msg_tx: mpsc::Sender<Msg>,
    pub(crate) stats_watch: Arc<StatsWatchers>,
    pub(crate) wakes: Wakes,
    /// Open log followers by id, so closing a log stops its stream.
    pub(crate) followers: Arc<Mutex<HashMap<u64, Vec<tokio::task::JoinHandle<()>>>>>,
}

impl Effects {
    /// Do `work` on a task of its own and send the messages it ends with.
    fn spawn<F>(&self, work: impl FnOnce(Effects) -> F)
    where
        F: Future<Output = Vec<Msg>> + Send + 'static,
    {
        let (work, tx) = (work(self.clone()), self.msg_tx.clone());
        tokio::spawn(async move {
            for msg in work.await {
                if tx.send(msg).await.is_err() {
                    break;
                }
            }
        });
    }

    /// Wake the poller of `kind` named `name`, if there is one, so the
    /// screen shows an action's result at once.
    fn wake(&self, kind: backends::BackendKind, name: &str) {
        let id = backends::BackendId {
            kind,
            name: name.to_string(),
        };
        if let Some(w) = self.wakes.get(&id) {
            w.notify_one();
        }
    }

    /// Stop every log follower (at exit).
    pub(crate) fn stop_followers(&self) {
        let followers = std::mem::take(&mut *self.followers.lock().unwrap_or_else(|e| e.into_inner()));
        for task in followers.into_values().flatten() {
            task.abort();
        }
    }
}

pub(crate) type Wakes = Arc<HashMap<backends::BackendId, Arc<tokio::sync::Notify>>>;

/// Per Docker host: where to say which containers are on screen, and how to
/// wake its poller so new rows get their numbers at once.
pub(crate) type StatsWatchers = HashMap<String, (tokio::sync::watch::Sender<Vec<String>>, Arc<tokio::sync::Notify>)>;

pub(crate) fn stats_watchers(targets: &mut [backends::Target]) -> StatsWatchers {
    targets
        .iter_mut()
        .filter_map(|t| Some((t.id.name.clone(), (t.watch.take()?, t.wake.clone()))))
        .collect()
}

/// Run commands, each side effect on a task of its own. The terminal's
/// own commands (`ClearScreen`, `Bell`, `Quit`) are the runtime's.
pub(crate) fn execute(commands: Vec<Command>, fx: &Effects) {
    use crate::model::backend::BackendKind;
    for c in commands {
        match c {
            Command::Audit(rec) => {
                if fx.audit_tx.send(rec).is_err() {
                    let _ = fx.msg_tx.try_send(Msg::AuditFailed("audit writer stopped".into()));
                }
            }
            Command::LoadAuditLog { limit } => fx.spawn(move |fx| async move {
                vec![Msg::AuditLoaded(
                    fx.store.audit_tail(limit).await.map_err(|e| e.to_string()),
                )]
            }),
            Command::FollowLogs {
                follower,
                host,
                container,
                tail,
            } => containers::follow_logs(fx, follower, &host, container, tail),
            Command::StopLogs { follower } => containers::stop_logs(fx, follower),
            Command::SaveLog { file_name, text } => {
                fx.spawn(move |fx| async move { vec![containers::save_log(&fx.logs_dir, &file_name, text).await] })
            }
            Command::InspectContainer { host, container } => fx.spawn(move |fx| async move {
                let result = match fx.docker.iter().find(|h| h.name == host) {
                    Some(cfg) => crate::backends::docker::inspect::inspect(cfg, &container).await,
                    None => Err(format!("no Docker host named {host}")),
                };
                vec![Msg::Inspected { container, result }]
            }),
            Command::Container {
                host,
                container,
                op,
                session,
                reason,
            } => fx.spawn(move |fx| async move {
                let action = verify::container::ContainerAction {
                    hosts: &fx.docker,
                    host: &host,
                    container: &container,
                    op,
                    session,
                    reason,
                };
                let out = verify::container::act(&fx.store, &fx.who, action, Some(&fx.msg_tx)).await;
                fx.wake(BackendKind::Docker, &host);
                out
            }),
            Command::WatchStats { host, ids } => containers::watch_stats(fx, &host, ids),
            Command::PgSignal {
                requests,
                op,
                justification,
                session,
            } => fx.spawn(move |fx| async move {
                let signal = verify::postgres::Signal {
                    targets: &fx.postgres,
                    requests: &requests,
                    op,
                    justification: &justification,
                    session,
                };
                let out = verify::postgres::act(&fx.store, &fx.who, signal).await;
                for r in &requests {
                    fx.wake(BackendKind::Postgres, &r.target);
                }
                out
            }),
            Command::Acknowledge {
                targets,
                comment,
                duration,
                session,
            } => fx.spawn(move |fx| async move {
                let ack = verify::alerts::Ack {
                    sources: &fx.alertmanager,
                    targets: &targets,
                    comment: &comment,
                    duration,
                    session,
                };
                let (acked, done) = verify::alerts::acknowledge(&fx.store, &fx.who, ack).await;
                for t in targets.iter().filter_map(|t| t.source.as_deref()) {
                    fx.wake(BackendKind::Alertmanager, t);
                }
                acked.into_iter().map(Msg::Acked).chain(done).collect()
            }),
            Command::EndOwnAck { fingerprint, name } => fx.spawn(move |fx| async move {
                let done = alerts::end_own_ack(&fx.store, &fx.who, &fingerprint, &name).await;
                vec![reads::acks(&fx.store).await, done]
            }),
            Command::ExpireSilences { source, ids, session } => fx.spawn(move |fx| async move {
                let done = verify::alerts::expire(&fx.store, &fx.who, &fx.alertmanager, &source, &ids, session).await;
                fx.wake(BackendKind::Alertmanager, &source);
                done
            }),
            Command::StartSession {
                runbook,
                title,
                severity,
            } => fx.spawn(move |fx| async move {
                vec![checklist::start(&fx.store, &fx.who, &runbook, &title, severity).await]
            }),
            Command::OpenSession { id } => {
                fx.spawn(move |fx| async move { vec![checklist::open(&fx.store, &id).await] })
            }
            Command::RecordEvent { session, event, seen } => fx.spawn(move |fx| async move {
                let seen = seen.map(|s| s.map(|e| *e));
                checklist::record(&fx.store, &fx.who, &session, event, seen).await
            }),
            Command::RunChecks {
                session,
                checks,
                auto_tick,
            } => {
                // A sustained check holds its window on a task of its own.
                let (held, single): (Vec<_>, Vec<_>) = checks.into_iter().partition(|(_, c)| c.window().is_some());
                hold::spawn(fx, &session, held, auto_tick);
                if !single.is_empty() {
                    fx.spawn(move |fx| async move {
                        checklist::run_checks(&fx.store, &fx.who, &fx.checklist, &session, single, auto_tick).await
                    })
                }
            }
            Command::LoadTimeline { since } => fx.spawn(move |fx| async move {
                vec![Msg::TimelineLoaded(
                    fx.store.audit_entries(Some(since)).await.map_err(|e| e.to_string()),
                )]
            }),
            Command::WriteReport { session } => {
                fx.spawn(
                    move |fx| async move { vec![checklist::write_report(&fx.store, &fx.checklist, &session).await] },
                )
            }
            // Every access source on a task of its own: a slow one does not hold up the rest.
            Command::LoadAccess => {
                for i in 0..fx.access.len() {
                    fx.spawn(move |fx| async move {
                        vec![Msg::AccessLoaded(
                            crate::backends::access::load(&fx.access[i], &fx.postgres).await,
                        )]
                    });
                }
            }
            Command::LoadReviews => fx.spawn(|fx| async move { vec![reads::campaigns(&fx.store).await] }),
            Command::OpenCampaign { id } => {
                fx.spawn(move |fx| async move { vec![Msg::ReviewOpened(reads::load_campaign(&fx.store, id).await)] })
            }
            Command::StartCampaign {
                name,
                due_at,
                items,
                sources,
            } => fx.spawn(move |fx| async move {
                let (id, done) = review::start_campaign(&fx.store, &fx.who, &name, due_at, items, sources).await;
                let mut msgs = vec![reads::campaigns(&fx.store).await];
                if let Some(id) = id {
                    msgs.push(Msg::ReviewOpened(reads::load_campaign(&fx.store, id).await));
                }
                msgs.push(done);
                msgs
            }),
            Command::ReviewDecide {
                campaign_id,
                items,
                decision,
                justification,
                seen,
                aliases,
                session,
            } => fx.spawn(move |fx| async move {
                let ctx = review::DecideContext {
                    sources: &fx.access,
                    postgres: &fx.postgres,
                    aliases: &aliases,
                    seen: &seen,
                };
                let (records, done) =
                    review::review_decide(&fx.store, &fx.who, &ctx, campaign_id, &items, decision, &justification)
                        .await;
                let verdicts = verify::review::revokes(&fx.store, &fx.who, &ctx, &items, &records, session).await;
                let attempted = items.iter().map(|i| i.id).collect();
                let mut out = vec![
                    Msg::ReviewDecided {
                        campaign_id,
                        attempted,
                        records,
                    },
                    // Another reviewer's decisions (one that refused ours among them).
                    reads::decisions(&fx.store, campaign_id).await,
                    reads::campaigns(&fx.store).await,
                    done,
                ];
                out.extend(verdicts);
                out
            }),
            Command::ExportReview { campaign } => fx.spawn(move |fx| async move {
                let dir = std::env::current_dir().unwrap_or_else(|_| std::path::PathBuf::from("."));
                vec![review::export_review(&fx.store, &fx.who, campaign, &dir).await]
            }),
            Command::RefreshSession { id } => fx.spawn(move |fx| async move {
                match fx.store.session(&id).await {
                    Ok(Some(s)) => vec![Msg::SessionRefreshed(Box::new(s))],
                    Ok(None) => Vec::new(),
                    Err(e) => {
                        tracing::warn!(session = %id, error = %e, "session not read again");
                        Vec::new()
                    }
                }
            }),
            Command::LoadSessions => fx
                .spawn(move |fx| async move { vec![Msg::SessionsLoaded(checklist::recent_sessions(&fx.store).await)] }),
            Command::RefreshDecisions { campaign_id } => {
                fx.spawn(move |fx| async move { vec![reads::decisions(&fx.store, campaign_id).await] })
            }
            Command::LoadAcks => fx.spawn(move |fx| async move { vec![reads::acks(&fx.store).await] }),
            Command::Announce { subject } => fx.spawn(move |fx| async move {
                let now = chrono::Utc::now();
                if let Err(e) = fx.store.announce(&fx.who, subject.as_deref(), now).await {
                    tracing::debug!(error = %e, "presence not announced");
                }
                vec![reads::presence(&fx.store).await]
            }),
            Command::LoadPresence => fx.spawn(move |fx| async move { vec![reads::presence(&fx.store).await] }),
            Command::LoadHistory(ask) => fx.spawn(move |fx| async move { vec![reads::history(&fx.store, ask).await] }),
            Command::LoadResolvedAlerts { from, to } => fx.spawn(move |fx| async move {
                let result = fx.store.history_alerts_resolved(from, to).await;
                vec![Msg::ResolvedAlertsLoaded {
                    to,
                    result: result.map_err(|e| e.to_string()),
                }]
            }),
            Command::LoadTrends => fx.spawn(move |fx| async move { vec![reads::trends(&fx.store).await] }),
            Command::ClearScreen | Command::Bell | Command::Quit => {}
            Command::StartMaintenance {
                runbook,
                title,
                severity,
                plan,
            } => fx.spawn(move |fx| async move {
                let started = (runbook.as_ref(), title.as_str(), severity);
                let msgs = maintenance::start(&fx.store, &fx.who, &fx.alertmanager, started, &plan).await;
                for source in &plan.sources {
                    fx.wake(BackendKind::Alertmanager, source);
                }
                msgs
            }),
            Command::CloseWindow {
                session,
                silences,
                early,
            } => fx.spawn(move |fx| async move {
                let msgs = maintenance::close(&fx.store, &fx.who, &fx.alertmanager, &session, &silences, early).await;
                for s in &silences {
                    fx.wake(BackendKind::Alertmanager, &s.source);
                }
                msgs
            }),
            Command::CaptureEvidence { incident } => fx.spawn(move |fx| async move {
                let dir = evidence::evidence_dir(&fx.checklist.reports_dir);
                evidence_done(
                    evidence::capture(
                        &fx.checklist.config,
                        &fx.store,
                        &fx.who,
                        &dir,
                        &evidence::Request {
                            incident: Some(incident.clone()),
                            ..Default::default()
                        },
                    )
                    .await,
                    &incident,
                )
            }),
            Command::LoadEscalations => fx.spawn(move |fx| async move {
                let since = crate::app::panes::alerts::escalated::read_since(chrono::Utc::now());
                let result = fx.store.escalations_since(since).await;
                vec![Msg::EscalationsLoaded(result.map_err(|e| e.to_string()))]
            }),
        }
    }
}

/// A pack captured from the Checklist pane, said on screen: where it went,
/// and what it lacks.
fn evidence_done(result: Result<evidence::Captured, String>, incident: &str) -> Vec<Msg> {
    match result {
        Ok(c) => {
            let mut text = format!("evidence: {} files in {}", c.files, c.dir.display());
            if !c.problems.is_empty() {
                text.push_str(&format!(" — {}", c.problems.join("; ")));
            }
            let mut msgs = vec![Msg::ActionDone {
                ok: c.problems.is_empty(),
                text,
            }];
            if let Some(event) = c.event {
                msgs.push(Msg::SessionEvent {
                    session: incident.to_string(),
                    event,
                });
            }
            msgs
        }
        Err(e) => vec![Msg::ActionDone {
            ok: false,
            text: format!("evidence NOT captured: {e}"),
        }],
    }
}
