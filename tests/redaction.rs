//! No secret is kept in free text: what the operator types (notes, reasons,
//! justifications, ack comments) reaches its Command, the store, the audit
//! log and Alertmanager redacted, with the footer saying so; what comes
//! from outside (a container's environment) is drawn redacted. The store,
//! Alertmanager and dockerd are the real ones tests/run.sh starts.

#[path = "fixtures/access.rs"]
mod access_fixture;
mod common;
mod fixtures;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use opsdeck::app::{update, Command, Level, Msg, Overlay, State};
use opsdeck::config::Config;
use opsdeck::runbook::session::EventKind;
use std::path::Path;
use std::time::{Duration, Instant};

/// The configured PostgreSQL password, referenced by an environment variable.
const PASSWORD: &str = "bars-pw";
const PW_ENV: &str = "OPSDECK_TEST_REDACTION_DB_PW";
/// What the operator typed: the configured password and a variable assignment.
const TYPED: &str = "Tried psql with password bars-pw, then PGPASSWORD=hunter2 psql";
const KEPT: &str = "Tried psql with password [redacted], then PGPASSWORD=[redacted] psql";

fn config(extra: &str) -> Config {
    std::env::set_var(PW_ENV, PASSWORD);
    let text = format!(
        "[[postgres]]\nname = \"bars\"\nurl = \"postgres://app@db/bars\"\npassword_env = \"{PW_ENV}\"\n{extra}"
    );
    let mut c = Config::parse(&text, Path::new("test.toml")).unwrap_or_else(|e| panic!("{e}"));
    c.host.enabled = false;
    c
}

/// A state whose redactor knows the configured password, as start-up sets it.
fn with_secrets(mut s: State) -> State {
    s.setup.redactor = config("").redactor();
    s
}

fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

fn code(c: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

fn ctrl(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

fn typed(s: &mut State, text: &str) {
    for c in text.chars() {
        update(s, key(c));
    }
}

fn no_secret(what: &str, text: &str) {
    for secret in [PASSWORD, "hunter2"] {
        assert!(!text.contains(secret), "{what} holds {secret:?}: {text}");
    }
}

/// The footer says secrets were taken out of `what`, and never what they were.
fn says_redacted(s: &State, what: &str) {
    let status = s.shell.status.as_ref().expect("a footer message");
    assert_eq!(status.text, format!("{what}: 2 secrets redacted"));
    assert_eq!(status.level, Level::Warn);
}

/// The selection on step `id` of the session on screen.
fn on_step(s: &mut State, id: &str) {
    let i = opsdeck::app::panes::checklist::session_lines(s.panes.checklist.active.as_ref().expect("open"))
        .iter()
        .position(|l| matches!(l, opsdeck::app::panes::checklist::SessionLine::Step(_, st) if st.id == id))
        .expect("step");
    s.panes.checklist.selected = i;
}

fn checklist_state() -> State {
    let mut s = with_secrets(fixtures::state());
    update(
        &mut s,
        Msg::ChecklistLoaded {
            runbooks: vec![fixtures::checklist::runbook()],
            errors: Vec::new(),
            sessions: Vec::new(),
        },
    );
    update(&mut s, Msg::SessionOpened(Box::new(fixtures::checklist::session())));
    s
}

/// The event text a RecordEvent carries.
fn recorded(cmds: &[Command]) -> String {
    match cmds {
        [Command::RecordEvent { event, .. }] => match &event.what {
            EventKind::Note { text } => text.clone(),
            EventKind::Skipped { reason } | EventKind::Failed { reason } => reason.clone(),
            EventKind::Closed { resolution } => resolution.clone(),
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
}

#[test]
fn notes_and_reasons_are_recorded_redacted_and_the_footer_says_so() {
    for (k, what) in [
        ('i', "note"),
        ('s', "skip reason"),
        ('f', "failure"),
        ('X', "resolution"),
    ] {
        let mut s = checklist_state();
        on_step(&mut s, "status-page");
        update(&mut s, key(k));
        assert!(matches!(s.shell.overlay, Some(Overlay::Editor(_))), "{k}");
        typed(&mut s, TYPED);
        let cmds = update(&mut s, ctrl('s'));
        assert_eq!(recorded(&cmds), KEPT, "{what}");
        says_redacted(&s, what);
    }
    // Ordinary words are kept as typed, and nothing is said.
    let mut s = checklist_state();
    on_step(&mut s, "status-page");
    update(&mut s, key('i'));
    typed(&mut s, "password reset for alice; token bucket drained");
    let cmds = update(&mut s, ctrl('s'));
    assert_eq!(recorded(&cmds), "password reset for alice; token bucket drained");
    assert!(s.shell.status.is_none(), "{:?}", s.shell.status);
}

#[test]
fn an_ack_comment_is_sent_redacted_and_its_result_says_so() {
    let mut s = with_secrets(fixtures::state());
    update(&mut s, key('3'));
    let i = s
        .alert_lines()
        .iter()
        .position(|l| matches!(l, opsdeck::app::AlertLine::Alert(_, a) if a.name == "DiskAlmostFull"))
        .expect("listed");
    s.panes.alerts.selected = i;
    update(&mut s, key('a'));
    typed(&mut s, TYPED);
    let cmds = update(&mut s, code(KeyCode::Enter));
    match &cmds[..] {
        [Command::Acknowledge { comment, .. }] => assert_eq!(comment, &format!("ack: {KEPT}")),
        other => panic!("{other:?}"),
    }
    says_redacted(&s, "comment");
    // The result replaces the footer: it says it again, once.
    update(
        &mut s,
        Msg::ActionDone {
            ok: true,
            text: "acknowledged 1 alert".into(),
        },
    );
    let status = s.shell.status.as_ref().expect("status");
    assert_eq!(status.text, "acknowledged 1 alert — comment: 2 secrets redacted");
    update(
        &mut s,
        Msg::ActionDone {
            ok: true,
            text: "restarted api".into(),
        },
    );
    assert_eq!(s.shell.status.as_ref().map(|l| l.text.as_str()), Some("restarted api"));
}

#[test]
fn a_cancel_reason_is_sent_redacted() {
    let mut s = with_secrets(fixtures::state());
    update(&mut s, key('2'));
    update(&mut s, key('c'));
    typed(&mut s, TYPED);
    let cmds = update(&mut s, code(KeyCode::Enter));
    match &cmds[..] {
        [Command::PgSignal { justification, .. }] => assert_eq!(justification, KEPT),
        other => panic!("{other:?}"),
    }
    says_redacted(&s, "reason");
}

#[test]
fn a_review_justification_is_saved_redacted() {
    let mut s = with_secrets(access_fixture::campaign_state());
    s.panes.access.selected = 0;
    update(&mut s, key('y'));
    assert!(matches!(s.shell.overlay, Some(Overlay::Justify(_))));
    typed(&mut s, TYPED);
    let cmds = update(&mut s, ctrl('s'));
    match &cmds[..] {
        [Command::ReviewDecide { justification, .. }] => assert_eq!(justification, KEPT),
        other => panic!("{other:?}"),
    }
    says_redacted(&s, "justification");
}

#[tokio::test]
async fn the_stored_note_and_its_audit_entry_hold_no_secret() {
    let (_dir, store, who) = common::audit_store().await;
    let mut s = with_secrets(fixtures::state());
    let opened =
        opsdeck::effects::checklist::start(&store, &who, &fixtures::checklist::runbook(), "db down", None).await;
    update(&mut s, opened);
    let id = s.panes.checklist.active.as_ref().expect("session open").meta.id.clone();
    for k in ['i', 's'] {
        on_step(&mut s, "status-page");
        update(&mut s, key(k));
        typed(&mut s, TYPED);
        let cmds = update(&mut s, ctrl('s'));
        let [Command::RecordEvent { session, event, seen }] = &cmds[..] else {
            panic!("{cmds:?}")
        };
        let seen = seen.clone().map(|s| s.map(|e| *e));
        for msg in opsdeck::effects::checklist::record(&store, &who, session, event.clone(), seen).await {
            update(&mut s, msg);
        }
    }
    let stored = store.session(&id).await.expect("read").expect("stored");
    let texts: Vec<String> = stored
        .events
        .iter()
        .filter_map(|e| match &e.what {
            EventKind::Note { text } => Some(text.clone()),
            EventKind::Skipped { reason } => Some(reason.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(texts, [KEPT, KEPT], "the timeline keeps the [redacted] marker");
    let audit = store.audit_entries(None).await.expect("audit");
    let notes: Vec<_> = audit
        .iter()
        .filter(|e| e.action == "note" || e.action == "step.skip")
        .collect();
    assert_eq!(notes.len(), 2, "{audit:?}");
    for e in &audit {
        no_secret("the audit log", &format!("{e:?}"));
    }
    assert!(format!("{:?}", notes[0].details).contains("[redacted]"));
    no_secret("the session", &format!("{stored:?}"));
}

#[tokio::test]
async fn an_ack_comment_reaches_alertmanager_redacted() {
    let name = format!("OpsdeckRedact{}", std::process::id());
    common::alertmanager::post_alert(
        &common::alertmanager_url(),
        &[("alertname", &name), ("severity", "warning")],
        &[("summary", "redaction test")],
    )
    .await;
    let cfg = config(&format!(
        "[[alertmanager]]\nname = \"am\"\nurl = \"{}\"\n",
        common::alertmanager_url()
    ));
    let mut targets = opsdeck::backends::targets(&cfg);
    let t = targets.iter_mut().find(|t| t.id.name == "am").expect("am target");
    let mut s = State::new(
        opsdeck::model::identity::Identity {
            operator: "alice".into(),
            host: "test".into(),
            ssh_client: None,
        },
        std::sync::Arc::new(opsdeck::config::keymap::Keymap::default_keymap()),
        chrono::Utc::now(),
    );
    s.setup.redactor = cfg.redactor();
    s.backends.targets = vec![opsdeck::app::BackendStatus::new(t.id.clone(), t.interval, t.timeout)];
    let deadline = Instant::now() + Duration::from_secs(10);
    let i = loop {
        let report = t.poll_once().await;
        update(&mut s, Msg::Backend(report));
        update(&mut s, key('3'));
        let found = s
            .alert_lines()
            .iter()
            .position(|l| matches!(l, opsdeck::app::AlertLine::Alert(_, a) if a.name == name));
        if let Some(i) = found {
            break i;
        }
        assert!(Instant::now() < deadline, "the posted alert never appeared");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    s.panes.alerts.selected = i;
    update(&mut s, key('a'));
    typed(&mut s, TYPED);
    let cmds = update(&mut s, code(KeyCode::Enter));
    let [Command::Acknowledge {
        targets: acked,
        comment,
        duration,
        ..
    }] = &cmds[..]
    else {
        panic!("{cmds:?}")
    };
    let (_dir, store, who) = common::audit_store().await;
    let (_, done) =
        opsdeck::effects::alerts::acknowledge(&store, &who, &cfg.alertmanager, acked, comment, *duration).await;
    assert!(matches!(&done, Msg::ActionDone { ok: true, .. }), "{done:?}");
    let silences: serde_json::Value = reqwest::get(format!("{}/api/v2/silences", common::alertmanager_url()))
        .await
        .expect("silences")
        .json()
        .await
        .expect("json");
    let ours: Vec<&serde_json::Value> = silences
        .as_array()
        .expect("array")
        .iter()
        .filter(|x| x["matchers"].to_string().contains(&name))
        .collect();
    assert_eq!(ours.len(), 1, "{silences}");
    assert_eq!(ours[0]["comment"], format!("ack: {KEPT}"));
    for e in store.audit_entries(None).await.expect("audit") {
        no_secret("the audit log", &format!("{e:?}"));
    }
}

#[tokio::test]
async fn container_details_show_a_database_url_without_its_password() {
    use bollard::container::Config as ContainerConfig;
    let host = common::docker_host();
    let d = common::docker::client().await;
    let name = format!("od-redact-{}", std::process::id());
    let labels = [("com.example.api-token".to_string(), "tok-3x4mpl3".to_string())];
    common::docker::create(
        &d,
        &name,
        ContainerConfig {
            image: Some(common::test_image()),
            cmd: Some(vec!["sh".into(), "-c".into(), "run --password hunter2".into()]),
            env: Some(vec![
                "DATABASE_URL=postgres://u:s3cr3tpw@db/x".into(),
                format!("NOTE=pw is {PASSWORD}"),
            ]),
            labels: Some(labels.into_iter().collect()),
            ..Default::default()
        },
    )
    .await;
    let cfg = config(&format!("[[docker]]\nname = \"test\"\nurl = \"{host}\"\n"));
    let result = opsdeck::backends::docker::inspect::inspect(&cfg.docker[0], &name).await;
    common::docker::remove(&d, &name).await;
    let mut s = with_secrets(fixtures::state());
    s.shell.overlay = Some(Overlay::Details {
        title: name.clone(),
        rows: None,
        scroll: 0,
    });
    update(
        &mut s,
        Msg::Inspected {
            container: name.clone(),
            result,
        },
    );
    let theme = opsdeck::config::theme::Theme::builtin("default", opsdeck::config::theme::ColorSupport::Ansi256)
        .expect("theme");
    let screen =
        opsdeck::cli::snapshot::buffer_text(&opsdeck::cli::snapshot::render(&s, &theme, 160, 60).expect("render"));
    assert!(screen.contains("postgres://u:[redacted]@db/x"), "{screen}");
    assert!(screen.contains("pw is [redacted]"), "{screen}");
    assert!(screen.contains("run --password [redacted]"), "{screen}");
    for secret in ["s3cr3tpw", PASSWORD, "hunter2", "tok-3x4mpl3"] {
        assert!(!screen.contains(secret), "{secret} drawn:\n{screen}");
    }
    no_secret("the details kept", &format!("{:?}", s.shell.overlay));
}

/// A coloured log line with a secret in it is kept redacted, and its
/// coloured copy (which holds the secret too) is not kept.
#[test]
fn a_coloured_log_line_keeps_no_secret_in_its_colours() {
    use opsdeck::model::docker::{LogEvent, LogLine};
    let mut s = with_secrets(fixtures::state());
    update(&mut s, key('1'));
    let follower = match &update(&mut s, key('l'))[..] {
        [Command::FollowLogs { follower, .. }, ..] => *follower,
        other => panic!("{other:?}"),
    };
    let line = LogLine {
        text: "connecting with password bars-pw".into(),
        styled: Some("\u{1b}[31mconnecting with password bars-pw\u{1b}[0m".into()),
        ..Default::default()
    };
    let plain = LogLine {
        text: "ready".into(),
        styled: Some("\u{1b}[32mready\u{1b}[0m".into()),
        ..Default::default()
    };
    update(
        &mut s,
        Msg::Log {
            follower,
            event: LogEvent::Lines(vec![line, plain]),
        },
    );
    let kept = &s.panes.logs.open.as_ref().expect("log open").lines;
    assert_eq!(kept.len(), 2);
    assert_eq!(kept[0].text, "connecting with password [redacted]");
    assert_eq!(kept[0].styled, None);
    assert!(kept[1].styled.is_some(), "a line without a secret keeps its colours");
    no_secret("kept log lines", &format!("{kept:?}"));
}
