//! Maintenance windows against the real Alertmanager of tests/run.sh:
//! starting a maintenance session creates a silence for the window's
//! matchers (read back through Alertmanager's API), audited and recorded in
//! the session; the session, driven through `update` with its checks run by
//! the real check code, expires the silence early once the post-check
//! passes, and leaves it active when the post-check fails.

mod common;
mod fixtures;

use opsdeck::app::{update, Command, Msg, State};
use opsdeck::config::Config;
use opsdeck::effects::checklist::ChecklistIo;
use opsdeck::model::identity::Identity;
use opsdeck::runbook::session::window::WindowSilence;
use opsdeck::runbook::session::EventKind;
use opsdeck::runbook::window::WindowPlan;
use opsdeck::runbook::Runbook;
use opsdeck::store::Store;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

fn config() -> Config {
    let text = format!(
        "[[alertmanager]]\nname = \"am\"\nurl = \"{}\"\ntimeout = \"5s\"\n",
        common::alertmanager_url()
    );
    let mut c = Config::parse(&text, Path::new("test.toml")).unwrap_or_else(|e| panic!("{e}"));
    c.host.enabled = false;
    c
}

/// A maintenance runbook of two phases: the pre-check looks for `pre`, the
/// post-check for `post` (file checks: they pass when the file exists).
fn runbook(service: &str, pre: &Path, post: &Path) -> Runbook {
    let text = format!(
        "id = \"mnt-test\"\ntitle = \"Test maintenance\"\nkind = \"maintenance\"\n\
         window = {{ matchers = [\"service=\\\"{service}\\\"\", \"env=~\\\"prod|staging\\\"\"], duration = \"2h\" }}\n\
         [[phase]]\nname = \"Pre-check\"\n\
         [[phase.step]]\nid = \"pre\"\ntitle = \"Before\"\ncheck = {{ type = \"file\", path = \"{}\" }}\n\
         [[phase]]\nname = \"Post-check\"\n\
         [[phase.step]]\nid = \"post\"\ntitle = \"After\"\ncheck = {{ type = \"file\", path = \"{}\" }}\n",
        pre.display(),
        post.display()
    );
    let r: Runbook = toml::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
    let problems = opsdeck::runbook::lint::lint(&r, &text, Path::new("mnt.toml"), &Default::default());
    assert!(problems.is_empty(), "{problems:?}");
    r
}

struct Env {
    _dir: tempfile::TempDir,
    store: Store,
    who: Identity,
    cfg: Config,
    io: ChecklistIo,
}

async fn env() -> Env {
    let (dir, store, who) = common::audit_store().await;
    let cfg = config();
    let io = ChecklistIo {
        config: Arc::new(cfg.clone()),
        reports_dir: dir.path().join("reports"),
        draw: None,
    };
    Env {
        _dir: dir,
        store,
        who,
        cfg,
        io,
    }
}

/// Carry out what `update` asks of the checklist as the runtime would (the
/// real effects), feeding their messages back, until nothing is left.
/// Returns every window close asked for.
async fn drive(s: &mut State, env: &Env, first: Vec<Command>) -> Vec<Command> {
    let mut queue: std::collections::VecDeque<Command> = first.into();
    let mut closes = Vec::new();
    let mut rounds = 0;
    while let Some(c) = queue.pop_front() {
        rounds += 1;
        assert!(rounds < 100, "the session never settled");
        let msgs = match c {
            Command::RunChecks {
                session,
                checks,
                auto_tick,
            } => {
                opsdeck::effects::checklist::run_checks(&env.store, &env.who, &env.io, &session, checks, auto_tick)
                    .await
            }
            Command::RecordEvent { session, event, seen } => {
                let seen = seen.map(|s| s.map(|e| *e));
                opsdeck::effects::checklist::record(&env.store, &env.who, &session, event, seen).await
            }
            Command::CloseWindow {
                ref session,
                ref silences,
                early,
            } => {
                closes.push(c.clone());
                opsdeck::effects::maintenance::close(
                    &env.store,
                    &env.who,
                    &env.cfg.alertmanager,
                    session,
                    silences,
                    early,
                )
                .await
            }
            _ => Vec::new(),
        };
        for m in msgs {
            queue.extend(update(s, m));
        }
    }
    closes
}

/// A silence as Alertmanager's API gives it back.
async fn silence(id: &str) -> serde_json::Value {
    let url = format!("{}/api/v2/silence/{id}", common::alertmanager_url());
    let resp = reqwest::Client::new()
        .get(url)
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .expect("Alertmanager answers");
    assert!(resp.status().is_success(), "{}", resp.status());
    resp.json().await.expect("a silence")
}

fn state_of(s: &serde_json::Value) -> &str {
    s["status"]["state"].as_str().unwrap_or_default()
}

/// Start the session through the effects, as `Command::StartMaintenance`
/// does; the messages go through `update`. Returns the session id, its
/// silence and the commands `update` asked for.
async fn start(s: &mut State, env: &Env, r: &Runbook) -> (String, WindowSilence, Vec<Command>) {
    let plan = WindowPlan {
        window: r.window.clone().expect("window"),
        sources: vec!["am".into()],
        refused: Vec::new(),
    };
    let msgs = opsdeck::effects::maintenance::start(
        &env.store,
        &env.who,
        &env.cfg.alertmanager,
        (r, "kernel upgrade", None),
        &plan,
    )
    .await;
    let done: Vec<_> = msgs
        .iter()
        .filter_map(|m| match m {
            Msg::ActionDone { ok, text } => Some((*ok, text.clone())),
            _ => None,
        })
        .collect();
    assert!(done.iter().all(|(ok, _)| *ok), "{done:?}");
    let mut cmds = Vec::new();
    for m in msgs {
        cmds.extend(update(s, m));
    }
    let session = s.panes.checklist.active.clone().expect("the session is on screen");
    let w = session.window_state().expect("the window is recorded in the session");
    assert_eq!(w.silences.len(), 1, "{w:?}");
    assert!(w.failed.is_empty(), "{w:?}");
    (session.meta.id.clone(), w.silences[0].clone(), cmds)
}

fn fresh_state() -> State {
    let mut s = fixtures::state();
    s.shell.now = chrono::Utc::now();
    s
}

fn unique(what: &str) -> String {
    format!(
        "{what}-{}-{}",
        std::process::id(),
        chrono::Utc::now().timestamp_micros()
    )
}

#[tokio::test]
async fn a_window_silences_on_start_and_expires_early_when_the_post_check_passes() {
    let env = env().await;
    let files = tempfile::tempdir().expect("tempdir");
    let (pre, post) = (files.path().join("pre"), files.path().join("post"));
    std::fs::write(&pre, "ok").expect("pre");
    std::fs::write(&post, "ok").expect("post");
    let service = unique("mnt-pass");
    let r = runbook(&service, &pre, &post);
    let mut s = fresh_state();
    let before = chrono::Utc::now();
    let (id, sil, cmds) = start(&mut s, &env, &r).await;
    assert!(id.starts_with("MNT-"), "{id}");
    assert_eq!(sil.source, "am");

    // The silence in Alertmanager: the window's matchers, its comment, the window's end.
    let got = silence(&sil.id).await;
    assert_eq!(state_of(&got), "active", "{got}");
    assert_eq!(got["comment"], format!("maintenance: {id} kernel upgrade"));
    assert_eq!(got["createdBy"], "alice");
    let mut matchers: Vec<(String, String, bool, bool)> = got["matchers"]
        .as_array()
        .expect("matchers")
        .iter()
        .map(|m| {
            (
                m["name"].as_str().unwrap_or_default().to_string(),
                m["value"].as_str().unwrap_or_default().to_string(),
                m["isRegex"].as_bool().unwrap_or_default(),
                m["isEqual"].as_bool().unwrap_or(true),
            )
        })
        .collect();
    matchers.sort();
    assert_eq!(
        matchers,
        [
            ("env".to_string(), "prod|staging".to_string(), true, true),
            ("service".to_string(), service.clone(), false, true),
        ]
    );
    let ends: chrono::DateTime<chrono::Utc> = got["endsAt"].as_str().expect("endsAt").parse().expect("a time");
    let want = before + chrono::Duration::hours(2);
    assert!(
        (ends - want).num_seconds().abs() <= 10,
        "ends {ends}, want about {want}"
    );

    // The pre-check runs at the start, then the post-check: it passes, and
    // the window closes early.
    let closes = drive(&mut s, &env, cmds).await;
    assert_eq!(
        closes,
        [Command::CloseWindow {
            session: id.clone(),
            silences: vec![sil.clone()],
            early: true
        }]
    );
    let got = silence(&sil.id).await;
    assert_eq!(state_of(&got), "expired", "{got}");

    // Recorded in the session (the store's copy) and shown.
    let stored = env.store.session(&id).await.expect("read").expect("session");
    let w = stored.window_state().expect("window");
    let closed = w.closed.expect("closed");
    assert!(closed.early);
    assert_eq!(closed.expired, std::slice::from_ref(&sil));
    let kinds: Vec<&str> = stored
        .events
        .iter()
        .filter_map(|e| match &e.what {
            EventKind::WindowOpened { .. } => Some("opened"),
            EventKind::WindowClosed { .. } => Some("closed"),
            _ => None,
        })
        .collect();
    assert_eq!(kinds, ["opened", "closed"]);
    let shown = s
        .panes
        .checklist
        .active
        .as_ref()
        .expect("open")
        .window_state()
        .expect("window");
    assert!(shown.closed.is_some_and(|c| c.early));

    // Audited: intent and outcome of the silence and of its expiry, and both events.
    let entries = env.store.audit_entries(None).await.expect("audit");
    let rows: Vec<(String, String, String)> = entries
        .iter()
        .filter(|e| e.action.starts_with("window."))
        .map(|e| {
            (
                e.action.clone(),
                e.target.clone().unwrap_or_default(),
                e.outcome.clone(),
            )
        })
        .collect();
    let target = format!("{id}/am/{}", sil.id);
    assert_eq!(
        rows,
        [
            ("window.silence".to_string(), format!("{id}/am"), "intent".to_string()),
            ("window.silence".to_string(), format!("{id}/am"), "ok".to_string()),
            ("window.open".to_string(), id.clone(), "ok".to_string()),
            ("window.expire".to_string(), target.clone(), "intent".to_string()),
            ("window.expire".to_string(), target, "ok".to_string()),
            ("window.close".to_string(), id.clone(), "ok".to_string()),
        ]
    );

    // The report says what was silenced, where, and that it ended early.
    let report = opsdeck::effects::report::write(&env.store, None, &id, chrono::Utc::now())
        .await
        .unwrap_or_else(|_| panic!("report of {id}"));
    let section = report
        .split("## Maintenance window\n")
        .nth(1)
        .expect("a maintenance window section");
    assert!(section.contains(&format!("service=\"{service}\"")), "{section}");
    assert!(section.contains(&format!("| am | {} | yes |", sil.id)), "{section}");
    assert!(section.contains("expired early (post-check passed)"), "{section}");
}

#[tokio::test]
async fn a_failing_post_check_leaves_the_silences_active() {
    let env = env().await;
    let files = tempfile::tempdir().expect("tempdir");
    let (pre, post) = (files.path().join("pre"), files.path().join("never-written"));
    std::fs::write(&pre, "ok").expect("pre");
    let r = runbook(&unique("mnt-fail"), &pre, &post);
    let mut s = fresh_state();
    let (id, sil, cmds) = start(&mut s, &env, &r).await;
    let closes = drive(&mut s, &env, cmds).await;
    assert!(closes.is_empty(), "{closes:?}");
    let session = s.panes.checklist.active.clone().expect("open");
    assert!(
        session.last_check("post").is_some_and(|r| r.failed()),
        "the post-check ran and failed"
    );
    // The operator ticks the failed step anyway, with a reason: still no expiry.
    let event = opsdeck::runbook::session::Event {
        at: chrono::Utc::now(),
        operator: "alice".into(),
        step: Some("post".into()),
        what: EventKind::DoneDespiteCheck {
            reason: "checked by hand".into(),
        },
    };
    let msgs = opsdeck::effects::checklist::record(&env.store, &env.who, &id, event, None).await;
    let mut cmds = Vec::new();
    for m in msgs {
        cmds.extend(update(&mut s, m));
    }
    assert!(drive(&mut s, &env, cmds).await.is_empty());
    let got = silence(&sil.id).await;
    assert_eq!(state_of(&got), "active", "{got}");
    let w = env
        .store
        .session(&id)
        .await
        .expect("read")
        .expect("session")
        .window_state()
        .expect("window");
    assert!(w.closed.is_none(), "{w:?}");
    // Tidy: the shared Alertmanager is read by other tests.
    let closed = opsdeck::effects::maintenance::close(
        &env.store,
        &env.who,
        &env.cfg.alertmanager,
        &id,
        std::slice::from_ref(&sil),
        false,
    )
    .await;
    assert!(
        closed.iter().any(|m| matches!(m, Msg::ActionDone { ok: true, .. })),
        "{closed:?}"
    );
}
