//! The TUI event loop: one task selecting over terminal input, backend
//! reports, internal results, the clock and signals. It applies messages with
//! `update`, runs the returned commands, and draws only when state changed.

use crate::app::{update, Command, Msg, State};
use crate::backends::{self, BackendReport};
use crate::config::theme::Theme;
use crate::identity::Identity;
use crate::store::{AuditRecord, Outcome, Store};
use crate::terminal::TerminalGuard;
use crossterm::event::{Event, EventStream, KeyCode, KeyEvent, KeyModifiers, MouseEventKind};
use futures::StreamExt;
use std::collections::HashMap;
use std::io::Write;
use std::time::Duration;
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::mpsc;

/// How long shutdown waits for the final audit entry and settings.
const PERSIST_TIMEOUT: Duration = Duration::from_secs(3);

pub struct RunOptions {
    pub state: State,
    pub theme: Theme,
    pub targets: Vec<backends::Target>,
    pub store: Store,
    pub mouse: bool,
    /// Docker hosts, for container actions.
    pub docker: Vec<crate::config::DockerConfig>,
    /// PostgreSQL targets, for cancel and terminate.
    pub postgres: Vec<crate::config::PostgresConfig>,
    /// Alertmanagers, for acknowledge and expire.
    pub alertmanager: Vec<crate::config::AlertmanagerConfig>,
    /// Runbooks, checks and reports.
    pub checklist: crate::checklist_io::ChecklistIo,
    /// Access-review sources, read at start and on `r`; revoke statements.
    pub access: Vec<crate::config::AccessSourceConfig>,
}

/// Run the TUI until quit, a signal or a lost terminal. Returns the reason.
pub async fn run(opts: RunOptions) -> color_eyre::Result<&'static str> {
    let RunOptions {
        mut state,
        theme,
        mut targets,
        store,
        mouse,
        docker,
        postgres,
        alertmanager,
        checklist,
        access,
    } = opts;
    let access = std::sync::Arc::new(access);
    let alertmanager = std::sync::Arc::new(alertmanager);
    let docker = std::sync::Arc::new(docker);
    let postgres = std::sync::Arc::new(postgres);
    let identity = state.identity.clone();

    restore_ui_settings(&store, &mut state).await;
    let acks = store.acks_since(ack_history_start()).await.map_err(|e| e.to_string());
    update(&mut state, Msg::AcksLoaded(acks));
    // Open checklist sessions are offered at once: a dropped SSH connection
    // comes back to where it was.
    let loaded = crate::checklist_io::load(&store, &checklist).await;
    update(&mut state, loaded);
    let open = AuditRecord::new("app", "session.open", Outcome::Info).details(session_details(&identity, &state));
    if let Err(e) = store.append_audit(&identity, open).await {
        // Without an audit trail nothing may be changed: fall back to read-only.
        state.read_only = true;
        update(&mut state, Msg::AuditFailed(format!("{e}; running read-only")));
    }

    let (report_tx, mut report_rx) = mpsc::channel::<BackendReport>(256);
    let (msg_tx, mut msg_rx) = mpsc::channel::<Msg>(256);
    let (audit_tx, audit_writer) = spawn_audit_writer(store.clone(), identity.clone(), msg_tx.clone());
    let stats_watch = stats_watchers(&mut targets);
    // Pollers by backend: woken after an action on their system so the
    // screen shows its result at once.
    let wakes: Wakes = std::sync::Arc::new(targets.iter().map(|t| (t.id.clone(), t.wake.clone())).collect());
    let actors = backends::spawn_all(targets, report_tx);
    // Access data and campaigns are read once at start (and on request), not polled.
    spawn_access_loads(&access, &postgres, &msg_tx);
    spawn_campaigns_load(&store, &msg_tx);

    let mut guard = TerminalGuard::enter(mouse)?;
    let size = guard.terminal.size()?;
    update(&mut state, Msg::Resize(size.width, size.height));

    let mut events = EventStream::new();
    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sighup = signal(SignalKind::hangup())?;
    let mut sigint = signal(SignalKind::interrupt())?;
    let mut tick = tokio::time::interval_at(next_second(), Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);

    // Open log followers by session, so closing a log stops its stream.
    let mut followers: HashMap<u64, Vec<tokio::task::JoinHandle<()>>> = HashMap::new();
    // Whether everything since the last frame was clock ticks.
    let mut clock_only = false;
    let reason = loop {
        if state.dirty {
            state.dirty = false;
            if draw(&mut guard, &state, &theme, clock_only).is_err() {
                // The tty is gone (write failed): nothing more to show.
                break "terminal lost";
            }
        }
        let msg = tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(ev)) => match event_to_msg(ev) { Some(m) => m, None => continue },
                // EOF or an error on the input: the SSH session dropped.
                Some(Err(_)) | None => Msg::Shutdown("terminal closed"),
            },
            Some(r) = report_rx.recv() => Msg::Backend(r),
            Some(m) = msg_rx.recv() => m,
            _ = tick.tick() => Msg::Tick(chrono::Utc::now()),
            _ = sigterm.recv() => Msg::Shutdown("SIGTERM"),
            _ = sighup.recv() => Msg::Shutdown("SIGHUP"),
            _ = sigint.recv() => Msg::Shutdown("SIGINT"),
        };
        let why = shutdown_reason(&msg);
        let was_dirty = state.dirty;
        let is_tick = matches!(msg, Msg::Tick(_));
        let mut commands = update(&mut state, msg);
        // Coalesce a burst (a pasted key run, many reports) into one frame.
        let mut drained = 0;
        while let Ok(r) = report_rx.try_recv() {
            commands.extend(update(&mut state, Msg::Backend(r)));
            drained += 1;
        }
        while let Ok(m) = msg_rx.try_recv() {
            commands.extend(update(&mut state, m));
            drained += 1;
        }
        clock_only = !was_dirty && is_tick && drained == 0 && commands.is_empty();
        let ctx = Effects {
            store: &store,
            who: &identity,
            docker: &docker,
            postgres: &postgres,
            audit_tx: &audit_tx,
            msg_tx: &msg_tx,
            stats_watch: &stats_watch,
            wakes: &wakes,
            alertmanager: &alertmanager,
            checklist: &checklist,
            access: &access,
        };
        if execute(commands, &mut guard, &mut state, &ctx, &mut followers) || state.quit {
            break why.unwrap_or("quit");
        }
    };

    for a in actors.into_iter().chain(followers.into_values().flatten()) {
        a.abort();
    }
    persist_on_exit(&store, audit_tx, audit_writer, &state, reason).await;
    drop(guard);
    Ok(reason)
}

fn shutdown_reason(msg: &Msg) -> Option<&'static str> {
    match msg {
        Msg::Shutdown(why) => Some(why),
        _ => None,
    }
}

/// Draw one frame, writing only the cells that changed. The cursor was hidden
/// once on entry (ratatui's `draw` would hide it again on every frame), and
/// only frames caused by more than the clock are wrapped in synchronized-output
/// markers: a one-cell clock update cannot tear, and those 16 bytes a second
/// would be most of an idle screen's traffic.
fn draw(guard: &mut TerminalGuard, state: &State, theme: &Theme, clock_only: bool) -> std::io::Result<()> {
    use crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
    let terminal = &mut guard.terminal;
    if !clock_only {
        crossterm::queue!(terminal.backend_mut(), BeginSynchronizedUpdate)?;
    }
    terminal.autoresize()?;
    let mut frame = terminal.get_frame();
    crate::ui::draw(&mut frame, state, theme);
    terminal.flush()?;
    terminal.swap_buffers();
    if !clock_only {
        crossterm::queue!(terminal.backend_mut(), EndSynchronizedUpdate)?;
    }
    terminal.backend_mut().flush()
}

fn event_to_msg(ev: Event) -> Option<Msg> {
    match ev {
        Event::Key(k) => Some(Msg::Key(k)),
        Event::Resize(w, h) => Some(Msg::Resize(w, h)),
        Event::Mouse(m) => {
            let code = match m.kind {
                MouseEventKind::ScrollDown => KeyCode::Down,
                MouseEventKind::ScrollUp => KeyCode::Up,
                _ => return None,
            };
            Some(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
        }
        _ => None,
    }
}

/// What commands need to reach the outside world.
struct Effects<'a> {
    store: &'a Store,
    who: &'a Identity,
    docker: &'a std::sync::Arc<Vec<crate::config::DockerConfig>>,
    postgres: &'a std::sync::Arc<Vec<crate::config::PostgresConfig>>,
    audit_tx: &'a mpsc::UnboundedSender<AuditRecord>,
    msg_tx: &'a mpsc::Sender<Msg>,
    stats_watch: &'a StatsWatchers,
    wakes: &'a Wakes,
    alertmanager: &'a std::sync::Arc<Vec<crate::config::AlertmanagerConfig>>,
    checklist: &'a crate::checklist_io::ChecklistIo,
    access: &'a std::sync::Arc<Vec<crate::config::AccessSourceConfig>>,
}

/// Read every access source, each on a task of its own.
fn spawn_access_loads(
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

fn spawn_campaigns_load(store: &Store, msg_tx: &mpsc::Sender<Msg>) {
    let (store, tx) = (store.clone(), msg_tx.clone());
    tokio::spawn(async move {
        let r = store.campaigns().await.map_err(|e| e.to_string());
        let _ = tx.send(Msg::ReviewCampaigns(r)).await;
    });
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

type Wakes = std::sync::Arc<HashMap<backends::BackendId, std::sync::Arc<tokio::sync::Notify>>>;

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
type StatsWatchers = HashMap<
    String,
    (
        tokio::sync::watch::Sender<Vec<String>>,
        std::sync::Arc<tokio::sync::Notify>,
    ),
>;

fn stats_watchers(targets: &mut [backends::Target]) -> StatsWatchers {
    targets
        .iter_mut()
        .filter_map(|t| Some((t.id.name.clone(), (t.watch.take()?, t.wake.clone()))))
        .collect()
}

/// Run commands. Returns true when the app should stop.
fn execute(
    commands: Vec<Command>,
    guard: &mut TerminalGuard,
    state: &mut State,
    fx: &Effects,
    followers: &mut HashMap<u64, Vec<tokio::task::JoinHandle<()>>>,
) -> bool {
    let (store, audit_tx, msg_tx) = (fx.store, fx.audit_tx, fx.msg_tx);
    let mut stop = false;
    for c in commands {
        match c {
            Command::Audit(rec) => {
                if audit_tx.send(rec).is_err() {
                    update(state, Msg::AuditFailed("audit writer stopped".into()));
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
            Command::ClearScreen => {
                let _ = guard.terminal.clear();
                state.dirty = true;
            }
            Command::Bell => {
                let mut out = std::io::stdout();
                let _ = out.write_all(b"\x07").and_then(|_| out.flush());
            }
            Command::FollowLogs {
                session,
                host,
                container,
                tail,
            } => {
                let Some(cfg) = fx.docker.iter().find(|h| h.name == host).cloned() else {
                    continue;
                };
                let (log_tx, mut log_rx) = mpsc::channel(16);
                let tx = msg_tx.clone();
                let follow = tokio::spawn(crate::backends::docker_logs::follow(cfg, container, tail, log_tx));
                let forward = tokio::spawn(async move {
                    while let Some(event) = log_rx.recv().await {
                        if tx.send(Msg::Log { session, event }).await.is_err() {
                            break;
                        }
                    }
                });
                followers.insert(session, vec![follow, forward]);
            }
            Command::StopLogs { session } => {
                for task in followers.remove(&session).unwrap_or_default() {
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
                        Some(cfg) => crate::backends::docker_inspect::inspect(cfg, &container).await,
                        None => Err(format!("no Docker host named {host}")),
                    };
                    let _ = tx.send(Msg::Inspected { container, result }).await;
                });
            }
            Command::Container { host, container, op } => {
                let (store, who, hosts, tx) = (store.clone(), fx.who.clone(), fx.docker.clone(), msg_tx.clone());
                tokio::spawn(async move {
                    let done = crate::actions::container(&store, &who, &hosts, &host, &container, op).await;
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
                    let done = crate::actions::pg_signal(&store, &who, &targets, &requests, op, &justification).await;
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
                        crate::actions::acknowledge(&store, &who, &sources, &targets, &comment, duration).await;
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
                    let done = crate::actions::end_own_ack(&store, &who, &fingerprint, &name).await;
                    let reload = store.acks_since(ack_history_start()).await.map_err(|e| e.to_string());
                    let _ = tx.send(Msg::AcksLoaded(reload)).await;
                    let _ = tx.send(done).await;
                });
            }
            Command::ExpireSilences { source, ids } => {
                let (store, who, sources, tx) =
                    (store.clone(), fx.who.clone(), fx.alertmanager.clone(), msg_tx.clone());
                let wakes = fx.wakes.clone();
                tokio::spawn(async move {
                    let done = crate::actions::expire_silences(&store, &who, &sources, &source, &ids).await;
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
                    let done = crate::checklist_io::start(&store, &who, &runbook, &title, severity).await;
                    let _ = tx.send(done).await;
                });
            }
            Command::OpenSession { id } => {
                let (store, tx) = (store.clone(), msg_tx.clone());
                tokio::spawn(async move {
                    let _ = tx.send(crate::checklist_io::open(&store, &id).await).await;
                });
            }
            Command::RecordEvent { session, event } => {
                let (store, who, tx) = (store.clone(), fx.who.clone(), msg_tx.clone());
                tokio::spawn(async move {
                    for m in crate::checklist_io::record(&store, &who, &session, event).await {
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
                    for m in crate::checklist_io::run_checks(&store, &who, &io, &session, checks, auto_tick).await {
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
                        .send(crate::checklist_io::write_report(&store, &io, &session).await)
                        .await;
                });
            }
            Command::LoadAccess => spawn_access_loads(fx.access, fx.postgres, msg_tx),
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
                    let (id, done) = crate::actions::start_campaign(&store, &who, &name, due_at, items, sources).await;
                    let r = store.campaigns().await.map_err(|e| e.to_string());
                    let _ = tx.send(Msg::ReviewCampaigns(r)).await;
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
            } => {
                let (store, who, tx) = (store.clone(), fx.who.clone(), msg_tx.clone());
                let (sources, postgres) = (fx.access.clone(), fx.postgres.clone());
                let aliases = state.access.aliases.clone();
                tokio::spawn(async move {
                    let ctx = crate::actions::DecideContext {
                        sources: &sources,
                        postgres: &postgres,
                        aliases: &aliases,
                    };
                    let (records, done) = crate::actions::review_decide(
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
                    let r = store.campaigns().await.map_err(|e| e.to_string());
                    let _ = tx.send(Msg::ReviewCampaigns(r)).await;
                    let _ = tx.send(done).await;
                });
            }
            Command::ExportReview { campaign } => {
                let (store, who, tx) = (store.clone(), fx.who.clone(), msg_tx.clone());
                tokio::spawn(async move {
                    let dir = std::env::current_dir().unwrap_or_else(|_| std::path::PathBuf::from("."));
                    let done = crate::actions::export_review(&store, &who, campaign, &dir).await;
                    let _ = tx.send(done).await;
                });
            }
            Command::Quit => stop = true,
        }
    }
    stop
}

/// One writer, in order: entries are appended in the order they were asked for,
/// and a failure is reported back to the screen rather than lost.
fn spawn_audit_writer(
    store: Store,
    who: Identity,
    msg_tx: mpsc::Sender<Msg>,
) -> (mpsc::UnboundedSender<AuditRecord>, tokio::task::JoinHandle<()>) {
    let (tx, mut rx) = mpsc::unbounded_channel::<AuditRecord>();
    let handle = tokio::spawn(async move {
        while let Some(rec) = rx.recv().await {
            if let Err(e) = store.append_audit(&who, rec).await {
                tracing::error!(error = %e, "audit append failed");
                let _ = msg_tx.send(Msg::AuditFailed(e.to_string())).await;
            }
        }
    });
    (tx, handle)
}

async fn persist_on_exit(
    store: &Store,
    audit_tx: mpsc::UnboundedSender<AuditRecord>,
    audit_writer: tokio::task::JoinHandle<()>,
    state: &State,
    reason: &'static str,
) {
    let close = AuditRecord::new("app", "session.close", Outcome::Info)
        .details(serde_json::json!({ "reason": reason, "version": env!("CARGO_PKG_VERSION") }));
    let work = async {
        // The close goes behind every pending entry; closing the channel lets
        // the writer finish the queue and stop.
        let _ = audit_tx.send(close);
        drop(audit_tx);
        let _ = audit_writer.await;
        save_ui_settings(store, state).await;
    };
    if tokio::time::timeout(PERSIST_TIMEOUT, work).await.is_err() {
        tracing::error!("state store did not finish writing within {PERSIST_TIMEOUT:?}");
    }
}

fn session_details(who: &Identity, state: &State) -> serde_json::Value {
    serde_json::json!({
        "version": env!("CARGO_PKG_VERSION"),
        "operator": who.operator,
        "host": who.host,
        "ssh_client": who.ssh_client,
        "read_only": state.read_only,
        "backends": state.backends.iter().map(|b| b.id.to_string()).collect::<Vec<_>>(),
    })
}

async fn restore_ui_settings(store: &Store, state: &mut State) {
    use crate::app::{PaneId, View};
    if let Ok(Some(v)) = store.setting("ui.focus").await {
        if let Some(p) = PaneId::parse(&v) {
            state.focus = p;
        }
    }
    if let Ok(Some(v)) = store.setting("ui.view").await {
        state.view = PaneId::parse(&v).map(View::Zoom).unwrap_or(View::Dashboard);
    }
}

async fn save_ui_settings(store: &Store, state: &State) {
    use crate::app::View;
    let view = match state.view {
        View::Dashboard => "dashboard",
        View::Zoom(p) => p.key(),
    };
    let _ = store.set_setting("ui.view", view).await;
    let _ = store.set_setting("ui.focus", state.focus.key()).await;
}

/// How far back acknowledgements are loaded: as far as anyone looks at an
/// alert's history, and every ack that may still hold.
fn ack_history_start() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now() - chrono::Duration::days(7)
}

/// The next wall-clock second, so the clock ticks on the second.
fn next_second() -> tokio::time::Instant {
    let now = chrono::Utc::now();
    let ms = 1000 - u64::from(now.timestamp_subsec_millis().min(999));
    tokio::time::Instant::now() + Duration::from_millis(ms)
}
