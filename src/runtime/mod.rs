//! The TUI event loop: one task selecting over terminal input, backend
//! reports, internal results, the clock and signals. It applies messages with
//! `update`, runs the returned commands, and draws only when state changed.

mod audit_writer;
pub mod escalation;
pub mod lean_backend;
pub mod logging;
pub mod record;
pub mod recorder;
pub mod setup;
pub mod terminal;

use crate::app::{update, Command, Msg, Started, State};
use crate::backends::{self, BackendReport};
use crate::cli::{Cli, EXIT_CHECK_FAILED, EXIT_OK, EXIT_USAGE};
use crate::config::theme::ColorSupport;
use crate::config::theme::Theme;
use crate::effects::{execute, stats_watchers, Effects, Wakes};
use crate::runtime::terminal::TerminalGuard;
use crate::store::{AuditRecord, Outcome, Store};
use audit_writer::{persist_on_exit, saved_ui_settings, session_details, spawn_audit_writer};
use crossterm::event::{Event, EventStream, KeyCode, KeyEvent, KeyModifiers, MouseEventKind};
use futures::StreamExt;
use std::io::IsTerminal;
use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::mpsc;

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
    pub checklist: crate::effects::checklist::ChecklistIo,
    /// Where saved container logs are written.
    pub logs_dir: std::path::PathBuf,
    /// Access-review sources, read at start and on `r`; revoke statements.
    pub access: Vec<crate::config::AccessSourceConfig>,
    /// Where the audit chain's checkpoints are published; None: nowhere.
    pub witness: Option<crate::effects::witness::Setup>,
    /// The flight recorder: this console records while no `opsdeck record` does.
    pub recorder: recorder::RecorderSetup,
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
        logs_dir,
        access,
        witness,
        recorder,
    } = opts;
    let access = std::sync::Arc::new(access);
    let alertmanager = std::sync::Arc::new(alertmanager);
    let docker = std::sync::Arc::new(docker);
    let postgres = std::sync::Arc::new(postgres);
    let identity = state.shell.identity.clone();

    // What start-up learns reaches the state as messages, through `update`,
    // and every command they return is carried out like any other.
    let (focus, view) = saved_ui_settings(&store, &identity).await;
    let acks = crate::effects::acks(&store).await;
    // Open checklist sessions are offered at once: a dropped SSH connection
    // comes back to where it was.
    let loaded = crate::effects::checklist::load(&store, &checklist).await;
    // Team mode: the server's log must still hold the head seen here last.
    let seen_heads = crate::store::seen_heads_file().filter(|_| store.engine() == crate::store::Engine::Postgres);
    let rewritten = match &seen_heads {
        Some(file) => store.check_seen_head(file).await.unwrap_or_else(|e| {
            tracing::warn!(error = %e, "the team store's audit head was not checked");
            None
        }),
        None => None,
    };
    // After a warning the head seen stays, so each start says it again.
    let seen_heads = seen_heads.filter(|_| rewritten.is_none());
    let open = AuditRecord::new("app", "session.open", Outcome::Info).details(session_details(&identity, &state));
    // Without an audit trail nothing may be changed: fall back to read-only.
    let opened = store.append_audit(&identity, open).await;
    let open_head = opened.as_ref().ok().map(|e| crate::model::checkpoint::Head {
        seq: e.seq,
        hash: e.hash.clone(),
    });
    let audit_failed = opened.err().map(|e| e.to_string());
    let started = Msg::Started(Box::new(Started {
        shared: store.engine() == crate::store::Engine::Postgres,
        focus,
        view,
        audit_failed,
    }));
    let mut commands = Vec::new();
    for msg in [acks, loaded, started]
        .into_iter()
        .chain(rewritten.map(Msg::AuditRewritten))
    {
        commands.extend(update(&mut state, msg));
    }

    let (report_tx, mut report_rx) = mpsc::channel::<BackendReport>(256);
    let (msg_tx, mut msg_rx) = mpsc::channel::<Msg>(256);
    let (audit_tx, audit_writer) = spawn_audit_writer(store.clone(), identity.clone(), msg_tx.clone());
    let publisher = witness.map(|setup| {
        let tx = msg_tx.clone();
        let warn = move |why: String| {
            let _ = tx.try_send(Msg::WitnessFailed(why));
        };
        let p = crate::effects::witness::Publisher::spawn(setup, store.clone(), warn);
        p.checkpoint("session.open", open_head);
        p
    });
    let (history_tx, history_rx) = mpsc::channel::<BackendReport>(256);
    let recorder = recorder::spawn(store.clone(), recorder, history_rx, history_news(msg_tx.clone()));
    // A team store: other opsdecks' changes, and the server's loss, as they happen.
    let (store_tx, mut store_rx) = mpsc::channel(64);
    let listener = crate::store::changes::watch(&store, store_tx);
    let stats_watch = stats_watchers(&mut targets);
    // Pollers by backend: woken after an action on their system so the
    // screen shows its result at once.
    let wakes: Wakes = std::sync::Arc::new(targets.iter().map(|t| (t.id.clone(), t.wake.clone())).collect());
    let actors = backends::spawn_all(targets, report_tx);
    let fx = Effects {
        store: store.clone(),
        who: identity.clone(),
        docker,
        postgres,
        audit_tx,
        msg_tx,
        stats_watch: std::sync::Arc::new(stats_watch),
        wakes,
        alertmanager,
        checklist,
        logs_dir: logs_dir.into(),
        access,
        followers: Default::default(),
    };
    // Access data and campaigns are read once at start (and on request), not polled.
    // So are the recorded trends of the last day; live reports extend them.
    execute(
        vec![Command::LoadAccess, Command::LoadReviews, Command::LoadTrends],
        &fx,
    );

    let mut guard = TerminalGuard::enter(mouse)?;
    let size = guard.terminal.size()?;
    commands.extend(update(&mut state, Msg::Resize(size.width, size.height)));
    let mut stop = carry_out(commands, &mut guard, &fx);

    let mut events = EventStream::new();
    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sighup = signal(SignalKind::hangup())?;
    let mut sigint = signal(SignalKind::interrupt())?;
    let mut tick = tokio::time::interval_at(next_second(), Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);

    // Keys of a paste the terminal did not bracket are not answers.
    let mut typeahead = crate::app::typeahead::Typeahead::default();
    let reason = loop {
        if stop || state.shell.quit {
            break "quit";
        }
        if state.shell.dirty {
            if draw(&mut guard, &state, &theme).is_err() {
                // The tty is gone (write failed): nothing more to show.
                break "terminal lost";
            }
            update(&mut state, Msg::Drawn);
        }
        let waiting_since = std::time::Instant::now();
        let msg = tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(ev)) => match event_to_msg(ev) { Some(m) => m, None => continue },
                // EOF or an error on the input: the SSH session dropped.
                Some(Err(_)) | None => Msg::Shutdown("terminal closed"),
            },
            Some(r) = report_rx.recv() => Msg::Backend(to_history(&history_tx, r)),
            Some(m) = msg_rx.recv() => m,
            Some(e) = store_rx.recv() => Msg::Store(e),
            _ = tick.tick() => Msg::Tick(chrono::Utc::now()),
            _ = sigterm.recv() => Msg::Shutdown("SIGTERM"),
            _ = sighup.recv() => Msg::Shutdown("SIGHUP"),
            _ = sigint.recv() => Msg::Shutdown("SIGINT"),
        };
        let now = std::time::Instant::now();
        let msg = match msg {
            Msg::Key(k) if !typeahead.admit(&state, &k, now, now - waiting_since) => Msg::TooFast,
            other => other,
        };
        let key = match &msg {
            Msg::Key(k) => Some(*k),
            _ => None,
        };
        let look = crate::app::typeahead::Look::of(&state);
        let why = shutdown_reason(&msg);
        let mut commands = update(&mut state, msg);
        // Coalesce a burst (a pasted key run, many reports) into one frame.
        while let Ok(r) = report_rx.try_recv() {
            commands.extend(update(&mut state, Msg::Backend(to_history(&history_tx, r))));
        }
        while let Ok(m) = msg_rx.try_recv() {
            commands.extend(update(&mut state, m));
        }
        typeahead.after(look, &state, key.as_ref(), now);
        stop = carry_out(commands, &mut guard, &fx);
        if stop || state.shell.quit {
            break why.unwrap_or("quit");
        }
    };

    for a in actors.into_iter().chain(listener) {
        a.abort();
    }
    fx.stop_followers();
    // The recorder gives its lease up when its channel closes.
    drop(history_tx);
    let _ = tokio::time::timeout(Duration::from_secs(1), recorder).await;
    let Effects { audit_tx, .. } = fx;
    persist_on_exit(&store, audit_tx, audit_writer, &state, reason).await;
    // The terminal is given back first: a slow witness holds no screen.
    drop(guard);
    // After the close entry: the last checkpoint covers the whole session.
    if let Some(p) = publisher {
        p.close().await;
    }
    if let Some(file) = &seen_heads {
        if let Err(e) = store.remember_head(file).await {
            tracing::warn!(error = %e, "the team store's audit head was not kept");
        }
    }
    Ok(reason)
}

/// A report on its way to the screen, a copy to the flight recorder. A
/// recorder that falls behind loses reports; the screen never waits.
fn to_history(history: &mpsc::Sender<BackendReport>, report: BackendReport) -> BackendReport {
    let _ = history.try_send(report.clone());
    report
}

/// What the recorder says, in the footer: that it stopped recording (a full
/// disk), and that it records again.
fn history_news(msg_tx: mpsc::Sender<Msg>) -> impl Fn(recorder::News) + Send + 'static {
    let failing = std::sync::atomic::AtomicBool::new(false);
    move |news| {
        use std::sync::atomic::Ordering::Relaxed;
        let msg = match &news {
            recorder::News::NotRecorded(_) => {
                failing.store(true, Relaxed);
                Msg::History {
                    ok: false,
                    text: news.text(),
                }
            }
            recorder::News::Recording if failing.swap(false, Relaxed) => Msg::History {
                ok: true,
                text: "history: recording again".into(),
            },
            _ => return,
        };
        let _ = msg_tx.try_send(msg);
    }
}

/// The terminal's own commands here, every other one by `effects`. True
/// when the app should stop.
fn carry_out(commands: Vec<Command>, guard: &mut TerminalGuard, fx: &Effects) -> bool {
    let mut stop = false;
    for c in &commands {
        match c {
            // `update` marked the state dirty: the next frame repaints it all.
            Command::ClearScreen => {
                let _ = guard.clear();
            }
            Command::Bell => {
                let mut out = std::io::stdout();
                let _ = out.write_all(b"\x07").and_then(|_| out.flush());
            }
            Command::Quit => stop = true,
            _ => {}
        }
    }
    execute(commands, fx);
    stop
}

fn shutdown_reason(msg: &Msg) -> Option<&'static str> {
    match msg {
        Msg::Shutdown(why) => Some(why),
        _ => None,
    }
}

/// Draw one frame, writing only the cells that changed (`lean_backend`
/// decides what to wrap in synchronized-output markers). The cursor was
/// hidden once on entry: ratatui's `draw` would hide it again on every frame.
fn draw(guard: &mut TerminalGuard, state: &State, theme: &Theme) -> std::io::Result<()> {
    use ratatui::backend::Backend as _;
    let TerminalGuard { terminal, shown } = guard;
    // A new size clears the screen.
    terminal.autoresize()?;
    let mut frame = terminal.get_frame();
    crate::ui::draw(&mut frame, state, theme);
    // This frame becomes what the screen shows; the last one, compared
    // against, then blanked, is the next frame's canvas.
    std::mem::swap(shown, terminal.current_buffer_mut());
    let last = terminal.current_buffer_mut();
    if last.area != shown.area {
        *last = ratatui::buffer::Buffer::empty(shown.area);
    }
    let changed = lean_backend::diff(last, shown);
    terminal.backend_mut().draw(changed.into_iter())?;
    terminal.current_buffer_mut().reset();
    terminal.backend_mut().flush()
}

fn event_to_msg(ev: Event) -> Option<Msg> {
    match ev {
        Event::Key(k) => Some(Msg::Key(k)),
        Event::Paste(text) => Some(Msg::Paste(text)),
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

/// The next wall-clock second, so the clock ticks on the second.
fn next_second() -> tokio::time::Instant {
    let now = chrono::Utc::now();
    let ms = 1000 - u64::from(now.timestamp_subsec_millis().min(999));
    tokio::time::Instant::now() + Duration::from_millis(ms)
}

/// The full-screen console: load the config, open the store, run the loop.
pub async fn start(cli: &Cli) -> ExitCode {
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        eprintln!("opsdeck: needs a terminal; for plain text use `opsdeck snapshot`");
        return ExitCode::from(EXIT_USAGE);
    }
    let loaded = match setup::load(cli, ColorSupport::from_env()) {
        Ok(l) => l,
        Err(e) => return crate::cli::config_error(&e),
    };
    let _log = logging::start(cli, &loaded.config);
    let (location, store) = match setup::open_state(cli, &loaded.config).await {
        Ok(opened) => opened,
        Err(code) => return code,
    };
    let identity = crate::model::identity::Identity::detect(loaded.config.operator.name.as_deref());
    // A signing key others can read stops the start: it signs nothing.
    let witness = match crate::effects::witness::Setup::from_config(&loaded.config.audit, identity.clone()) {
        Ok(setup) => Some(setup).filter(|s| !s.witnesses.is_empty()),
        Err(e) => {
            eprintln!("opsdeck: [audit] {e}");
            store.close().await;
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let targets = crate::backends::targets(&loaded.config);
    let state = setup::initial_state(&loaded, identity, &targets);
    // Reports draw the recorded dashboards on the state the console starts with.
    let draw = crate::cli::history::drawer(state.clone(), loaded.theme.clone());
    let opts = RunOptions {
        state,
        theme: loaded.theme,
        targets,
        store: store.clone(),
        mouse: loaded.config.mouse,
        docker: loaded.config.docker.clone(),
        postgres: loaded.config.postgres.clone(),
        alertmanager: loaded.config.alertmanager.clone(),
        checklist: crate::effects::checklist::ChecklistIo {
            reports_dir: setup::reports_dir(&location),
            config: std::sync::Arc::new(loaded.config.clone()),
            draw: Some(draw),
        },
        logs_dir: setup::saved_logs_dir(&location),
        access: loaded.config.access.source.clone(),
        witness,
        recorder: recorder::RecorderSetup::new(crate::store::history::lease::Role::Console, &loaded.config),
    };
    let result = run(opts).await;
    store.close().await;
    match result {
        Ok(reason) => {
            tracing::info!(reason, "exit");
            ExitCode::from(EXIT_OK)
        }
        Err(e) => {
            terminal::restore();
            eprintln!("opsdeck: {e:?}");
            ExitCode::from(EXIT_CHECK_FAILED)
        }
    }
}
