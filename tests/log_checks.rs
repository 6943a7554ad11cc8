//! `log` checks on files the tests write: counted over a time window and
//! since the last run (rotation included), bounds, evidence (redacted,
//! cleaned), files that cannot be read, and lint.

use chrono::{Duration as Age, Local};
use opsdeck::runbook::checks::{evaluate, CheckContext};
use opsdeck::runbook::lint::lint_text;
use opsdeck::runbook::{Check, CheckResult};
use std::io::Write;
use std::path::Path;

fn ctx(dir: &Path) -> CheckContext {
    CheckContext {
        log_marks: Some(dir.join("state").join("log-marks.json")),
        ..CheckContext::default()
    }
}

async fn eval(text: &str, ctx: &CheckContext) -> CheckResult {
    let check: Check = toml::from_str(text).unwrap_or_else(|e| panic!("{text}: {e}"));
    evaluate(&check, ctx).await
}

/// A syslog line (as /var/log/auth.log has them) `ago` before now.
fn syslog(ago: Age, text: &str) -> String {
    format!(
        "{} web1 sshd[811]: {text}\n",
        (Local::now() - ago).format("%b %e %H:%M:%S")
    )
}

/// An ISO 8601 line with its zone (rsyslog's high-precision format).
fn iso(ago: Age, text: &str) -> String {
    format!(
        "{} web1 app: {text}\n",
        (Local::now() - ago).format("%Y-%m-%dT%H:%M:%S%.6f%:z")
    )
}

fn append(path: &Path, text: &str) {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .expect("open log");
    f.write_all(text.as_bytes()).expect("append");
}

#[tokio::test]
async fn lines_within_the_window_are_counted_against_the_bounds() {
    let dir = tempfile::tempdir().expect("dir");
    let log = dir.path().join("auth.log");
    let mut text = String::new();
    text += &syslog(
        Age::hours(3),
        "Failed password for root from 203.0.113.9 port 4242 ssh2",
    );
    text += &syslog(
        Age::hours(2),
        "Failed password for root from 203.0.113.9 port 4243 ssh2",
    );
    text += &syslog(Age::minutes(5), "Accepted publickey for deploy from 10.0.0.2");
    text += &syslog(
        Age::minutes(4),
        "Failed password for admin from 198.51.100.7 port 5000 ssh2",
    );
    text += &iso(
        Age::minutes(3),
        "Failed password for admin from 198.51.100.7 port 5001 ssh2",
    );
    std::fs::write(&log, text).expect("write");
    let c = ctx(dir.path());
    let check = |bounds: &str| {
        format!(
            "type = \"log\"\npath = \"{}\"\npattern = \"Failed password\"\nwithin = \"15m\"\n{bounds}",
            log.display()
        )
    };

    let r = eval(&check("max = 2"), &c).await;
    assert!(r.passed, "{r:?}");
    assert_eq!(
        r.observed,
        "2 lines matching \"Failed password\" in the last 15m (max 2)"
    );
    assert!(
        r.evidence.contains("port 5000") && r.evidence.contains("port 5001"),
        "{}",
        r.evidence
    );
    assert!(
        !r.evidence.contains("port 4242"),
        "lines older than the window are not evidence"
    );

    let r = eval(&check("max = 1"), &c).await;
    assert!(!r.passed);
    assert!(r.observed.ends_with(": over the max of 1"), "{}", r.observed);

    let r = eval(&check("min = 3"), &c).await;
    assert!(!r.passed);
    assert!(r.observed.ends_with(": under the min of 3"), "{}", r.observed);

    // No bound: none may match.
    let r = eval(&check(""), &c).await;
    assert!(!r.passed, "{r:?}");
    let r = eval(
        &format!(
            "type = \"log\"\npath = \"{}\"\npattern = \"segfault\"\nwithin = \"1h\"",
            log.display()
        ),
        &c,
    )
    .await;
    assert!(r.passed, "{r:?}");
    assert_eq!(r.observed, "0 lines matching \"segfault\" in the last 1h (max 0)");

    // A wider window takes the older lines in.
    let r = eval(&check("max = 10").replace("within = \"15m\"", "within = \"150m\""), &c).await;
    assert!(r.observed.starts_with("3 lines"), "{}", r.observed);
}

#[tokio::test]
async fn since_the_last_run_counts_what_was_written_since_and_follows_rotation() {
    let dir = tempfile::tempdir().expect("dir");
    let log = dir.path().join("app.log");
    // No times on these lines: since_last_run needs none.
    std::fs::write(&log, "ERROR one\nok\nERROR two\n").expect("write");
    let c = ctx(dir.path());
    let check = format!(
        "type = \"log\"\npath = \"{}\"\npattern = \"^ERROR\"\nsince_last_run = true\nmax = 1",
        log.display()
    );

    let r = eval(&check, &c).await;
    assert!(!r.passed);
    assert_eq!(
        r.observed,
        "2 lines matching \"^ERROR\" in the whole file (first run): over the max of 1"
    );
    let r = eval(&check, &c).await;
    assert!(r.passed, "{r:?}");
    assert_eq!(r.observed, "0 lines matching \"^ERROR\" since the last run (max 1)");

    // A line still being written is not counted until it is whole.
    append(&log, "ERROR three\nERROR fo");
    let r = eval(&check, &c).await;
    assert_eq!(r.observed, "1 line matching \"^ERROR\" since the last run (max 1)");
    assert!(r.evidence.ends_with("\nERROR three"), "{}", r.evidence);
    append(&log, "ur\n");
    let r = eval(&check, &c).await;
    assert_eq!(r.observed, "1 line matching \"^ERROR\" since the last run (max 1)");
    assert!(r.evidence.ends_with("\nERROR four"), "{}", r.evidence);

    // Rotated: a new file at the same path is read from its start.
    std::fs::rename(&log, dir.path().join("app.log.1")).expect("rotate");
    std::fs::write(&log, "ERROR five\nERROR six\n").expect("new file");
    let r = eval(&check, &c).await;
    assert!(!r.passed);
    assert!(
        r.observed
            .starts_with("2 lines matching \"^ERROR\" since the last run (the file was rotated or truncated)"),
        "{}",
        r.observed
    );

    // The marks survive the process: another context on the same file agrees.
    let r = eval(&check, &ctx(dir.path())).await;
    assert!(r.observed.starts_with("0 lines"), "{}", r.observed);
}

#[tokio::test]
async fn matching_lines_are_redacted_and_cleaned_in_the_evidence() {
    let dir = tempfile::tempdir().expect("dir");
    let log = dir.path().join("app.log");
    std::fs::write(
        &log,
        "login failed: password=hunter2hunter2 user=ops\n\
         login failed: \x1b]52;c;cm0gLXJmIC8=\x07 escape in the log\n",
    )
    .expect("write");
    let r = eval(
        &format!(
            "type = \"log\"\npath = \"{}\"\npattern = \"login failed\"\nsince_last_run = true",
            log.display()
        ),
        &ctx(dir.path()),
    )
    .await;
    assert!(!r.passed);
    assert!(!r.evidence.contains("hunter2hunter2"), "{}", r.evidence);
    assert!(r.evidence.contains("password=[redacted]"), "{}", r.evidence);
    assert!(
        !r.evidence.contains('\x1b') && !r.evidence.contains('\x07'),
        "{:?}",
        r.evidence
    );
}

#[tokio::test]
async fn a_file_that_cannot_be_read_fails_naming_why() {
    let dir = tempfile::tempdir().expect("dir");
    let c = ctx(dir.path());
    let missing = dir.path().join("nope.log");
    let check = |path: &Path, extra: &str| {
        format!(
            "type = \"log\"\npath = \"{}\"\npattern = \"x\"\nwithin = \"1h\"\n{extra}",
            path.display()
        )
    };

    let r = eval(&check(&missing, ""), &c).await;
    assert!(!r.passed && !r.not_applicable);
    assert_eq!(
        r.observed,
        format!("cannot read {}: No such file or directory", missing.display())
    );

    let r = eval(&check(&missing, "missing_ok = true"), &c).await;
    assert!(r.not_applicable, "{r:?}");
    assert_eq!(
        r.observed,
        format!("not applicable (no {} on this machine)", missing.display())
    );

    let r = eval(&check(dir.path(), ""), &c).await;
    assert!(!r.passed);
    assert!(r.observed.ends_with("it is a directory"), "{}", r.observed);

    // A log with no time opsdeck reads cannot be judged over a window.
    let plain = dir.path().join("plain.log");
    std::fs::write(&plain, "x happened\n").expect("write");
    let r = eval(&check(&plain, ""), &c).await;
    assert!(!r.passed);
    assert!(r.observed.contains("use since_last_run"), "{}", r.observed);

    // since_last_run with nowhere to keep its mark says so.
    let r = eval(
        &format!(
            "type = \"log\"\npath = \"{}\"\npattern = \"x\"\nsince_last_run = true",
            plain.display()
        ),
        &CheckContext::default(),
    )
    .await;
    assert!(!r.passed);
    assert_eq!(r.observed, "no state directory to remember the last run in");
}

#[test]
fn lint_names_file_and_line_of_a_bad_log_check() {
    let dir = tempfile::tempdir().expect("dir");
    let text = r#"id = "logs"
title = "Logs"
kind = "daily"

[[phase]]
name = "Logs"

[[phase.step]]
id = "auth"
title = "Failed logins"
check = { type = "log", path = "/var/log/auth.log", pattern = "Failed (password" }

[[phase.step]]
id = "app"
title = "App errors"
check = { type = "log", path = "", pattern = "ERROR", max = 1, min = 2 }

[[phase.step]]
id = "both"
title = "Both spans"
check = { type = "log", path = "/var/log/x", pattern = "x", within = "1h", since_last_run = true }

[[phase.step]]
id = "held"
title = "Held"
check = { type = "log", path = "/var/log/x", pattern = "x", since_last_run = true, for = "1m" }
"#;
    let file = dir.path().join("logs.toml");
    let problems: Vec<String> = lint_text(text, &file, &Default::default())
        .iter()
        .map(|e| e.to_string())
        .collect();
    let f = file.display().to_string();
    let expect = [
        (11, "\"Failed (password\" is not a regular expression"),
        (11, "give `within = \"15m\"` or `since_last_run = true`"),
        (16, "the path must not be empty"),
        (16, "min 2 is above max 1"),
        (16, "give `within"),
        (21, "not both"),
        (26, "cannot be held over a window"),
    ];
    for (line, words) in expect {
        let prefix = format!("{f}:{line}: ");
        assert!(
            problems.iter().any(|p| p.starts_with(&prefix) && p.contains(words)),
            "no {prefix}...{words} in {problems:#?}"
        );
    }
    assert_eq!(problems.len(), expect.len(), "{problems:#?}");
}

/// `opsdeck check` keeps its log marks beside the state file it is given:
/// the second morning round counts only what was written since the first.
#[test]
fn opsdeck_check_remembers_where_it_stopped_beside_its_state_file() {
    let dir = tempfile::tempdir().expect("dir");
    let log = dir.path().join("app.log");
    std::fs::write(&log, "ERROR one\nERROR two\n").expect("write");
    std::fs::write(dir.path().join("config.toml"), "[host]\nenabled = false\n").expect("config");
    let runbook = dir.path().join("round.toml");
    std::fs::write(
        &runbook,
        format!(
            "id = \"round\"\ntitle = \"Round\"\nkind = \"daily\"\n\n[[phase]]\nname = \"Logs\"\n\n\
             [[phase.step]]\nid = \"errors\"\ntitle = \"No new errors\"\n\
             check = {{ type = \"log\", path = \"{}\", pattern = \"ERROR\", since_last_run = true }}\n",
            log.display()
        ),
    )
    .expect("runbook");
    let state = dir.path().join("store").join("state.db");
    let run = || {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_opsdeck"))
            .arg("--config")
            .arg(dir.path().join("config.toml"))
            .arg("--state")
            .arg(&state)
            .args(["check", "--runbook"])
            .arg(&runbook)
            .env("HOME", dir.path())
            .env("XDG_DATA_HOME", dir.path().join("xdg"))
            .output()
            .expect("run opsdeck");
        (out.status.code(), String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let (code, out) = run();
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("2 lines matching \"ERROR\" in the whole file (first run)"),
        "{out}"
    );
    assert!(dir.path().join("store").join("log-marks.json").exists());
    assert!(!dir.path().join("xdg").join("opsdeck").join("log-marks.json").exists());
    let (code, out) = run();
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("0 lines matching \"ERROR\" since the last run"), "{out}");
}
