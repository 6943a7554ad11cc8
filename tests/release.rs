//! What a release ships beside the console: `--version`, shell completions
//! and man pages generated from the clap definitions, `opsdeck info`, and
//! the log's level and daily rotation. No services needed.

use clap::CommandFactory;
use opsdeck::runtime::logging;
use std::path::Path;
use std::process::{Command, Output};

/// The binary with a home of its own: no user config, XDG dirs in `home`.
fn opsdeck(home: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_opsdeck"))
        .args(args)
        .env_remove("OPSDECK_CONFIG")
        .env_remove("RUST_LOG")
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_STATE_HOME", home.join("state"))
        .output()
        .expect("run opsdeck")
}

fn stdout_ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Every subcommand the binary parses, as paths: ["audit", "verify"].
fn subcommand_paths() -> Vec<Vec<String>> {
    fn walk(cmd: &clap::Command, prefix: &[String], out: &mut Vec<Vec<String>>) {
        for sub in cmd.get_subcommands() {
            let mut path = prefix.to_vec();
            path.push(sub.get_name().to_string());
            walk(sub, &path, out);
            out.push(path);
        }
    }
    let mut out = Vec::new();
    walk(&opsdeck::cli::Cli::command(), &[], &mut out);
    out
}

#[test]
fn the_subcommand_list_walked_is_the_real_one() {
    // Guards the walk below: were it to find nothing, the completion and
    // man tests would pass on empty output.
    let paths = subcommand_paths();
    for expected in [
        &["snapshot"][..],
        &["check"],
        &["audit", "verify"],
        &["audit", "export"],
        &["incident", "report"],
        &["runbook", "lint"],
        &["review", "export"],
        &["state", "migrate"],
        &["info"],
        &["completions"],
        &["man"],
    ] {
        assert!(
            paths.iter().any(|p| p == expected),
            "{expected:?} missing from {paths:?}"
        );
    }
}

/// How each shell's script names a subcommand at `path`.
fn named_in(shell: &str, script: &str, path: &[String]) -> bool {
    let leaf = &path[path.len() - 1];
    match shell {
        "bash" => script.contains(&format!("cmd=\"opsdeck__subcmd__{}\"", path.join("__subcmd__"))),
        "zsh" => script.contains(&format!("_opsdeck__subcmd__{}_commands()", path.join("__subcmd__"))),
        "fish" => {
            let condition = match path.len() {
                1 => "__fish_opsdeck_needs_command".to_string(),
                _ => format!("__fish_opsdeck_using_subcommand {}", path[path.len() - 2]),
            };
            script
                .lines()
                .any(|l| l.contains(&condition) && l.contains(&format!("-a \"{leaf}\"")))
        }
        "elvish" => script.contains(&format!("&'opsdeck;{}'=", path.join(";"))),
        "powershell" => script.contains(&format!("'opsdeck;{}' {{", path.join(";"))),
        other => panic!("no rule for {other}"),
    }
}

#[test]
fn completions_for_every_shell_name_every_subcommand() {
    let home = tempfile::tempdir().expect("tempdir");
    let paths = subcommand_paths();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let script = stdout_ok(&opsdeck(home.path(), &["completions", shell]));
        for path in &paths {
            assert!(named_in(shell, &script, path), "{shell} completions lack {path:?}");
        }
        // The global flags complete after any subcommand.
        assert!(script.contains("log-level"), "{shell} completions lack --log-level");
    }
}

#[test]
fn an_unknown_shell_is_a_usage_error() {
    let home = tempfile::tempdir().expect("tempdir");
    let out = opsdeck(home.path(), &["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn the_man_page_lists_every_subcommand_and_each_has_a_page() {
    let home = tempfile::tempdir().expect("tempdir");
    let page = stdout_ok(&opsdeck(home.path(), &["man"]));
    assert!(page.starts_with(".ie") || page.contains("\n.TH opsdeck 1"), "{page}");
    assert!(page.contains(".SH SUBCOMMANDS"), "{page}");
    let paths = subcommand_paths();
    for path in paths.iter().filter(|p| p.len() == 1) {
        assert!(
            page.contains(&format!("opsdeck\\-{}(1)", path[0])),
            "man page lacks {path:?}"
        );
    }

    let dir = home.path().join("man");
    stdout_ok(&opsdeck(
        home.path(),
        &["man", "--dir", dir.to_str().expect("utf-8 path")],
    ));
    let main = std::fs::read_to_string(dir.join("opsdeck.1")).expect("opsdeck.1 written");
    assert_eq!(main, page, "the page printed and the page written are one");
    for path in &paths {
        let file = dir.join(format!("opsdeck-{}.1", path.join("-")));
        let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        assert!(
            text.contains(&format!(".TH opsdeck-{} 1", path.join("-"))),
            "{}",
            file.display()
        );
    }
}

#[test]
fn version_names_the_release_the_commit_and_the_build_date() {
    let home = tempfile::tempdir().expect("tempdir");
    let shape =
        regex::Regex::new(r"^opsdeck \d+\.\d+\.\d+ \(commit ([0-9a-f]{7,40}|unknown), built \d{4}-\d{2}-\d{2}\)\n$")
            .expect("regex");
    for flag in ["--version", "-V"] {
        let text = stdout_ok(&opsdeck(home.path(), &[flag]));
        assert!(shape.is_match(&text), "{flag}: {text:?}");
        assert!(text.contains(env!("CARGO_PKG_VERSION")), "{text}");
    }
}

#[test]
fn info_prints_the_config_state_log_theme_and_keymap_in_use() {
    let home = tempfile::tempdir().expect("tempdir");
    let h = home.path();

    // No config anywhere: the defaults, under the XDG dirs.
    let text = stdout_ok(&opsdeck(h, &["info"]));
    let expected = format!(
        "config  none, built-in defaults ({cfg} does not exist)\n\
         state   {data}\n\
         log     {log} (daily files, 7 kept; today's: {today})\n\
         theme   default (built in)\n\
         keymap  default (built in)\n",
        cfg = h.join("config/opsdeck/config.toml").display(),
        data = h.join("data/opsdeck/state.db").display(),
        log = h.join("state/opsdeck/opsdeck.log").display(),
        today = logging::file_for_day(&h.join("state/opsdeck/opsdeck.log"), chrono::Utc::now().date_naive()).display(),
    );
    assert_eq!(text, expected);

    // A config that moves the state store and the log; a theme file and a
    // built-in keymap from the command line.
    let config = h.join("my.toml");
    let theme = h.join("dark.toml");
    std::fs::write(&theme, "").expect("theme");
    std::fs::write(
        &config,
        format!(
            "[state]\npath = \"{}\"\n[log]\npath = \"{}\"\nkeep = 3\n",
            h.join("s/team.db").display(),
            h.join("logs/ops.log").display()
        ),
    )
    .expect("config");
    let text = stdout_ok(&opsdeck(
        h,
        &[
            "--config",
            config.to_str().expect("utf-8"),
            "--theme",
            theme.to_str().expect("utf-8"),
            "--keymap",
            "vim",
            "info",
        ],
    ));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], format!("config  {}", config.display()));
    assert_eq!(lines[1], format!("state   {}", h.join("s/team.db").display()));
    assert!(
        lines[2].starts_with(&format!(
            "log     {} (daily files, 3 kept; ",
            h.join("logs/ops.log").display()
        )),
        "{}",
        lines[2]
    );
    assert_eq!(lines[3], format!("theme   {}", theme.display()));
    assert_eq!(lines[4], "keymap  vim (built in)");
}

#[test]
fn info_with_a_broken_config_names_it_and_exits_2() {
    let home = tempfile::tempdir().expect("tempdir");
    let config = home.path().join("bad.toml");
    std::fs::write(&config, "[log]\nkeep = 0\n").expect("config");
    let out = opsdeck(home.path(), &["--config", config.to_str().expect("utf-8"), "info"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.toml:2"), "{err}");
}

#[test]
fn the_log_level_flag_wins_over_rust_log_which_wins_over_the_config() {
    use logging::directive;
    assert_eq!(directive(Some("debug"), Some("warn"), Some("error")), "debug");
    assert_eq!(directive(None, Some("warn"), Some("error")), "warn");
    assert_eq!(directive(None, None, Some("opsdeck=trace")), "opsdeck=trace");
    assert_eq!(directive(None, None, None), "info");
    // An empty RUST_LOG (RUST_LOG= in a unit file) or one that does not
    // parse says nothing: the config's level holds.
    assert_eq!(directive(None, Some(""), Some("error")), "error");
    assert_eq!(directive(None, Some("bad[filter"), Some("error")), "error");
}

#[test]
fn a_bad_log_level_flag_is_a_usage_error() {
    let home = tempfile::tempdir().expect("tempdir");
    let out = opsdeck(home.path(), &["--log-level", "bad[filter", "info"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid value 'bad[filter' for '--log-level"));
    // A good one is taken, before or after the subcommand.
    stdout_ok(&opsdeck(home.path(), &["--log-level", "opsdeck=debug,warn", "info"]));
    stdout_ok(&opsdeck(home.path(), &["info", "--log-level", "debug"]));
}

#[test]
fn the_log_is_a_file_a_day_and_only_the_newest_are_kept() {
    use std::io::Write;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("opsdeck.log");
    for day in 1..=9 {
        std::fs::write(dir.path().join(format!("opsdeck.2026-01-0{day}.log")), "old\n").expect("old log");
    }
    // Not the log's: other names in the directory stay.
    std::fs::write(dir.path().join("state.db"), "").expect("other file");

    let mut appender = logging::appender(&path, 3).expect("appender");
    appender.write_all(b"a line\n").expect("write");
    appender.flush().expect("flush");

    let today = logging::file_for_day(&path, chrono::Utc::now().date_naive());
    assert_eq!(std::fs::read_to_string(&today).expect("today's file"), "a line\n");
    let mut logs: Vec<String> = std::fs::read_dir(dir.path())
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("opsdeck."))
        .collect();
    logs.sort();
    assert_eq!(logs.len(), 3, "today's file and the two newest before it: {logs:?}");
    assert!(dir.path().join("state.db").exists());
}
