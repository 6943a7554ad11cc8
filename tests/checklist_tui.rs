//! A checklist session driven through the real binary in tmux, killed with
//! SIGKILL half-way and resumed: every tick, note and check result is there,
//! and the report has them.

mod common;

use common::tmux::Tmux;
use std::path::Path;
use std::process::Command;

const RUNBOOK: &str = r#"
id = "aaa-drill"
title = "Resume drill"
kind = "incident"
severities = ["P2"]

[[phase]]
name = "First"
budget = "15m"

[[phase.step]]
id = "state-file"
title = "The state file exists"
check = { type = "file", path = "STATE_FILE" }

[[phase.step]]
id = "announce"
title = "Announce the drill"
requires_note = true

[[phase]]
name = "Second"
budget = "30m"

[[phase.step]]
id = "db"
title = "Database connections below 10000"
check = { type = "postgres", target = "main", metric = "connections", max = 10000.0 }

[[phase.step]]
id = "wrap-up"
title = "Wrap up by hand"
"#;

fn write_setup(dir: &Path) -> (String, String) {
    std::env::set_var("OPSDECK_TEST_PG_PW_REF", common::pg_password());
    let runbooks = dir.join("runbooks");
    std::fs::create_dir_all(&runbooks).expect("runbooks dir");
    let marker = dir.join("marker");
    std::fs::write(&marker, "here").expect("marker");
    std::fs::write(
        runbooks.join("drill.toml"),
        RUNBOOK.replace("STATE_FILE", &marker.display().to_string()),
    )
    .expect("runbook");
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[[postgres]]\nname = \"main\"\nurl = \"{}\"\npassword_env = \"OPSDECK_TEST_PG_PW_REF\"\n\n[runbooks]\ndirs = [\"{}\"]\n",
            common::pg_url(),
            runbooks.display()
        ),
    )
    .expect("config");
    (config.display().to_string(), dir.join("state.db").display().to_string())
}

fn session_id(screen: &str) -> String {
    let re = regex::Regex::new(r"INC-\d{8}-\d{6}").expect("regex");
    re.find(screen)
        .map(|m| m.as_str().to_string())
        .expect("a session id on screen")
}

#[test]
fn a_session_killed_half_way_resumes_with_everything_committed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (config, state) = write_setup(dir.path());
    let args = ["--config", config.as_str(), "--state", state.as_str()];

    let t = Tmux::start(&args, &[], 120, 40);
    t.wait_text("1 Services");
    t.keys(&["5"]);
    t.wait_text("aaa-drill");
    t.keys(&["Enter"]);
    t.wait_text("New incident session: Resume drill");
    t.keys(&["Resume drill at night", "Enter"]);
    // The first phase's check runs when the phase is reached and ticks its step.
    let screen = t.wait_text("✔ The state file exists");
    let id = session_id(&screen);
    t.read();
    t.keys(&["j"]);
    t.keys(&["i"]);
    t.wait_text("Note on: Announce the drill");
    t.keys(&["posted in #ops at once", "C-s"]);
    // The saved note (its author line), not the text still in the editor;
    // then a person's pause, so the tick is not taken for typeahead.
    t.wait_for("the saved note", |s| {
        s.contains("note ") && s.contains("root:") && !s.contains("Note on:")
    });
    t.read();
    t.keys(&["Space"]);
    t.wait_text("✓ Announce the drill");
    // The second phase is reached: its check runs and ticks too.
    t.wait_text("✔ Database connections below 10000");

    // Killed without a chance to save anything more.
    let pid = t.pid();
    let killed = Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    t.wait_dead();
    drop(t);

    let t = Tmux::start(&args, &[], 120, 40);
    let screen = t.wait_text("open session");
    assert!(screen.contains(&id), "the open session is offered: {screen}");
    t.keys(&["5"]);
    t.wait_text("open sessions");
    t.keys(&["Enter"]);
    let screen = t.wait_text("Wrap up by hand");
    for want in [
        "✔ The state file exists",
        "✓ Announce the drill",
        "✔ Database connections below 10000",
        "○ Wrap up by hand",
        "3/4 settled",
    ] {
        assert!(screen.contains(want), "{want} after the restart:\n{screen}");
    }
    // Resumed on the step still to do; the note is on the announcement.
    t.keys(&["k", "k", "k"]);
    t.wait_text("posted in #ops at once");
    t.keys(&["q"]);
    t.wait_dead();

    let out = Command::new(env!("CARGO_BIN_EXE_opsdeck"))
        .args(["--config", &config, "--state", &state, "incident", "report", &id])
        .output()
        .expect("incident report");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report = String::from_utf8_lossy(&out.stdout);
    for want in [
        "Resume drill at night",
        "«The state file exists» verified by its check",
        "note on «Announce the drill»: posted in #ops at once",
        "ticked «Announce the drill»",
        "check of «Database connections below 10000» passed",
        "- [ ] **Wrap up by hand** (pending)",
    ] {
        assert!(report.contains(want), "{want} in the report:\n{report}");
    }
    let list = Command::new(env!("CARGO_BIN_EXE_opsdeck"))
        .args(["--config", &config, "--state", &state, "incident", "list"])
        .output()
        .expect("incident list");
    assert!(String::from_utf8_lossy(&list.stdout).contains(&format!("{id}\tOPEN")));
}
