//! Runbook files: lint names file and line, random input to every parser,
//! and the exit codes of `opsdeck runbook lint` and `opsdeck runbook import`.
//! No services needed. The importer on the real runbooks of other teams is
//! `tests/shared_runbooks.rs`, a step of its own in `.ci/run`.

mod common;

use common::cli::{known_ids, opsdeck, stdout};
use common::rng::Rng;
use opsdeck::runbook::import::{to_toml, Document, ImportError};
use opsdeck::runbook::lint::lint_text;
use opsdeck::runbook::load;
use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};

// ---------------------------------------------------------------- lint

const GOOD: &str = r#"id = "svc-down"
title = "Service down"
kind = "incident"
severities = ["P1"]

[[phase]]
name = "Triage"
budget = "15m"

[[phase.step]]
id = "api"
title = "API answers"
check = { type = "http", endpoint = "api" }

[[phase.step]]
id = "db"
title = "Database answers"
on_fail_runbook = "database-emergency"
check = { type = "postgres", target = "main", metric = "connections", max = 50.0 }
"#;

#[test]
fn lint_errors_name_file_and_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = GOOD
        .replace("id = \"svc-down\"", "id = \"Svc Down\"")
        .replace("\"P1\"", "\"SEV1\"")
        .replace("id = \"db\"", "id = \"api\"")
        .replace("\"database-emergency\"", "\"no-such-runbook\"")
        .replace(
            "metric = \"connections\", max = 50.0",
            "metric = \"connections\", query = \"SELECT 1; DROP TABLE x\"",
        )
        + "\n[[phase.step]]\nid = \"cert\"\ntitle = \"Cert file\"\n\
           check = { type = \"file\", path = \"\", sha256 = \"abc\", timeout = \"0s\" }\n\
           \n[[phase.step]]\nid = \"al\"\ntitle = \"Alerts\"\n\
           check = { type = \"alerts\", matchers = \"severity=~\\\"(\\\"\" }\n\
           \n[[phase.step]]\nid = \"cmd\"\ntitle = \"Command\"\n\
           check = { type = \"command\", argv = [], output_matches = \"(\" }\n\
           \n[[phase.step]]\nid = \"box\"\ntitle = \"Container\"\n\
           check = { type = \"container\", name = \"api-[\", label = \"app=api\" }\n";
    let file = dir.path().join("bad.toml");
    std::fs::write(&file, &bad).expect("write");

    let problems: Vec<String> = lint_text(&bad, &file, &known_ids())
        .iter()
        .map(|e| e.to_string())
        .collect();
    let f = file.display().to_string();
    let expect = [
        (1, "runbook id \"Svc Down\""),
        (4, "severity \"SEV1\""),
        (16, "step id \"api\" is used twice"),
        (18, "no runbook has the id \"no-such-runbook\""),
        (19, "give `metric` or `query`, not both"),
        (19, "single statement"),
        (19, "give a bound"),
        (24, "the path must not be empty"),
        (24, "sha256 must be 64 hexadecimal digits"),
        (24, "the timeout must be more than zero"),
        (29, "matchers"),
        (34, "argv needs the program"),
        (34, "not a regular expression"),
        (39, "\"api-[\" is not a valid pattern"),
    ];
    for (line, text) in expect {
        let prefix = format!("{f}:{line}: ");
        assert!(
            problems.iter().any(|p| p.starts_with(&prefix) && p.contains(text)),
            "no {prefix}...{text} in {problems:#?}"
        );
    }
    assert_eq!(problems.len(), expect.len(), "{problems:#?}");

    // The command prints the same lines and exits 1.
    let out = opsdeck(&["runbook", "lint", &f]);
    assert_eq!(out.status.code(), Some(1));
    let printed = stdout(&out);
    assert_eq!(printed.lines().count(), expect.len(), "{printed}");
    assert!(printed.lines().all(|l| l.starts_with(&format!("{f}:"))), "{printed}");
}

#[test]
fn syntax_and_type_errors_name_file_and_line() {
    let cases = [
        (
            GOOD.replace("budget = \"15m\"", "budget = \"soon\""),
            8,
            "invalid duration",
        ),
        (GOOD.replace("kind = \"incident\"", "kind = \"hourly\""), 3, "hourly"),
        (
            GOOD.replace("title = \"API answers\"", "titel = \"API answers\""),
            12,
            "titel",
        ),
        (GOOD.replace("max = 50.0 }", "max = 50.0"), 19, ""),
    ];
    for (text, line, needle) in cases {
        let problems = lint_text(&text, Path::new("x.toml"), &known_ids());
        assert_eq!(problems.len(), 1, "{problems:#?}");
        let p = problems[0].to_string();
        assert!(p.starts_with(&format!("x.toml:{line}: ")) && p.contains(needle), "{p}");
    }
}

#[test]
fn config_target_names_must_exist() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("svc.toml");
    std::fs::write(&file, GOOD.replace("endpoint = \"api\"", "endpoint = \"web\"")).expect("write");
    let f = file.display().to_string();
    // Without a config, names cannot be checked: clean.
    assert_eq!(opsdeck(&["runbook", "lint", &f]).status.code(), Some(0));
    let out = opsdeck(&["--config", "config/opsdeck.example.toml", "runbook", "lint", &f]);
    assert_eq!(out.status.code(), Some(1));
    let printed = stdout(&out);
    assert!(
        printed.starts_with(&format!("{f}:13: key `endpoint`: ")) && printed.contains("no [[http]] named \"web\""),
        "{printed}"
    );
}

#[test]
fn builtin_runbooks_lint_clean_through_the_command() {
    let mut args = vec!["--config", "config/opsdeck.example.toml", "runbook", "lint"];
    let files: Vec<String> = load::BUILTIN
        .iter()
        .map(|(name, _)| format!("config/runbooks/{name}"))
        .collect();
    args.extend(files.iter().map(String::as_str));
    let out = opsdeck(&args);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

/// A config whose targets have other names than the example's.
const OTHER_NAMES: &str = r#"
[[docker]]
name = "box"
url = "unix:///var/run/docker.sock"

[[postgres]]
name = "barsdb"
url = "postgres://monitor@db.internal/bars"

[[alertmanager]]
name = "local"
url = "http://127.0.0.1:9093"

[[http]]
name = "gateway"
url = "https://gateway.internal/health"
"#;

#[test]
fn builtin_runbooks_lint_clean_against_other_names_and_missing_kinds() {
    let dir = tempfile::tempdir().expect("tempdir");
    let files: Vec<String> = load::BUILTIN
        .iter()
        .map(|(name, _)| format!("config/runbooks/{name}"))
        .collect();
    // Sets name whatever a config has; a kind it lacks does not apply.
    for (name, config) in [("other.toml", OTHER_NAMES), ("empty.toml", "")] {
        let cfg = dir.path().join(name);
        std::fs::write(&cfg, config).expect("write config");
        let cfg = cfg.display().to_string();
        let mut args = vec!["--config", cfg.as_str(), "runbook", "lint"];
        args.extend(files.iter().map(String::as_str));
        let out = opsdeck(&args);
        assert_eq!(out.status.code(), Some(0), "{name}: {}", stdout(&out));
    }
}

#[test]
fn lint_warns_on_targets_the_config_lacks() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = dir.path().join("other.toml");
    std::fs::write(&cfg, OTHER_NAMES).expect("write config");
    let cfg = cfg.display().to_string();
    let file = dir.path().join("sets.toml");
    let text = GOOD
        .replace("endpoint = \"api\"", "endpoint = \"web-*\"")
        .replace("target = \"main\"", "target = \"*\"")
        + "\n[[phase.step]]\nid = \"c\"\ntitle = \"Containers\"\n\
           check = { type = \"container\", host = \"local\", name = \"api-*\" }\n\n\
           [[phase.step]]\nid = \"a\"\ntitle = \"Alerts\"\n\
           check = { type = \"alerts\", source = \"prod\" }\n\n\
           [[phase.step]]\nid = \"p\"\ntitle = \"Project\"\n\
           check = { type = \"container\", host = \"*\", compose_project = \"shop\" }\n";
    std::fs::write(&file, text).expect("write runbook");
    let f = file.display().to_string();
    let out = opsdeck(&["--config", &cfg, "runbook", "lint", &f]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let printed = stdout(&out);
    let lines: Vec<&str> = printed.lines().collect();
    assert_eq!(lines.len(), 3, "{printed}");
    assert!(
        lines[0].starts_with(&format!("{f}:13: key `endpoint`: "))
            && lines[0].contains("no [[http]] matches \"web-*\""),
        "{printed}"
    );
    assert!(lines[1].contains("no [[docker]] named \"local\""), "{printed}");
    assert!(lines[2].contains("no [[alertmanager]] named \"prod\""), "{printed}");
}

#[test]
fn lint_exit_codes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let good = dir.path().join("good.toml");
    std::fs::write(&good, GOOD).expect("write");
    let g = good.display().to_string();
    assert_eq!(opsdeck(&["runbook", "lint", &g]).status.code(), Some(0));
    // A file that cannot be read: 2, even next to a good one.
    let missing = dir.path().join("missing.toml").display().to_string();
    let out = opsdeck(&["runbook", "lint", &g, &missing]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing.toml"));
    // Not UTF-8: a problem in the file (1), with its line.
    let binary = dir.path().join("bin.toml");
    std::fs::write(&binary, b"id = \"x\"\n\xff\xfe\n").expect("write");
    let out = opsdeck(&["runbook", "lint", &binary.display().to_string()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("bin.toml:2: not valid UTF-8"), "{}", stdout(&out));
    // No file at all is bad usage.
    assert_eq!(opsdeck(&["runbook", "lint"]).status.code(), Some(2));
    // A broken config is bad configuration.
    let cfg = dir.path().join("c.toml");
    std::fs::write(&cfg, "nonsense = 1\n").expect("write");
    let out = opsdeck(&["--config", &cfg.display().to_string(), "runbook", "lint", &g]);
    assert_eq!(out.status.code(), Some(2));
}

// ---------------------------------------------------------------- import

#[test]
fn import_exit_codes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let prose = dir.path().join("prose.md");
    std::fs::write(&prose, "# Notes\n\nJust words, nothing to do.\n").expect("write");
    let out = opsdeck(&["runbook", "import", &prose.display().to_string()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no steps found"));
    assert!(out.stdout.is_empty());

    let missing = dir.path().join("missing.md").display().to_string();
    assert_eq!(opsdeck(&["runbook", "import", &missing]).status.code(), Some(2));

    let steps = dir.path().join("steps.md");
    std::fs::write(
        &steps,
        b"# Reboot \xff\xfe\n1. Drain\n2. Reboot\n   ```\n   sudo reboot\n   ```\n",
    )
    .expect("write");
    let s = steps.display().to_string();
    let out = opsdeck(&["runbook", "import", &s]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(text.contains("commands = [\"sudo reboot\"]"), "{text}");
    let out = opsdeck(&["runbook", "import", "--procedure", "XX-999", &s]);
    assert_eq!(out.status.code(), Some(2));
}

// ---------------------------------------------------------------- random input

fn assert_import_ok_or_no_steps(bytes: &[u8], procedure: Option<&str>) {
    let doc = Document::parse(bytes, Path::new("random.md"));
    let _ = doc.list();
    match doc.import(procedure) {
        Ok(r) => {
            if let Err(e) = to_toml(&r, Path::new("random.md")) {
                panic!("{e}\ninput: {:?}", String::from_utf8_lossy(bytes));
            }
        }
        Err(ImportError::Internal(e)) => panic!("{e}"),
        Err(_) => {}
    }
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let ctx = known_ids();
    let start = Instant::now();
    for _ in 0..400 {
        let len = rng.below(3000);
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                // Mostly the bytes that matter to the parsers.
                let special = b"#*-`[]=\"\n 1.:()~{}\t";
                match rng.below(3) {
                    0 => special[rng.below(special.len())],
                    _ => rng.next() as u8,
                }
            })
            .collect();
        let text = String::from_utf8_lossy(&bytes);
        let _ = lint_text(&text, Path::new("random.toml"), &ctx);
        assert_import_ok_or_no_steps(&bytes, None);
    }
    assert!(start.elapsed() < Duration::from_secs(30), "{:?}", start.elapsed());
}

fn random_markdown(rng: &mut Rng) -> String {
    let pieces = [
        "# Title\n",
        "## Phase (0-15 minutes)\n",
        "### IR-00",
        "### 1. Sub step\n",
        "**Immediate Response (0-15 minutes):**\n",
        "**Investigation (15 minutes - 4 hours):**\n",
        "**Procedure**:\n",
        "**Bold step**\n",
        "1. **Do it**\n",
        "2. plain item with `docker ps -a`\n",
        "   - nested bullet\n",
        "- [ ] tick me\n",
        "- [x] done\n",
        "- bullet\n",
        "```bash\n",
        "   ```\n",
        "```\n",
        "~~~sql\n",
        "psql -c \"\n",
        "SELECT 1;\"\n",
        "for i in 1 2; do\n",
        "done\n",
        "cat <<EOF\n",
        "EOF\n",
        "echo 'unterminated\n",
        "# comment\n",
        "\n",
        "\t\tindented with tabs\n",
        "---\n",
        "Grafana â†’ Security\n",
        "(T-60 minutes) (9999999999-1 days) (0-0 min)\n",
        "émoji ✅ 日本語 \u{0} \u{1b}[31m\n",
        "line with \"quotes\" and \\ backslash and ''' and \"\"\"\n",
        "1.\n",
        "**\n",
        "****\n",
        "#\n",
        "####### seven\n",
        "Setext title\n",
        "===\n",
        "Escalation (0-15 minutes)\n----------\n",
        "| a | *b* |\n",
        "|---|:--:|\n",
        "   | `x` | a \\| b |\n",
        "> quoted **bold:**\n",
        "> > 1. nested quote\n",
        "   > ```\n",
        "[link *x*](https://x) &amp; \\*esc\\* <https://y> ![img](z)\n",
        "     that continues the line above\n",
        "[ref]: https://x\n",
        "<div>\n",
        "\u{f8ff}üè¢ ‚Üí üè\n",
    ];
    let n = rng.below(60);
    let mut s = String::new();
    for _ in 0..n {
        s.push_str(rng.pick(&pieces));
        if rng.below(8) == 0 {
            let k = rng.below(300);
            s.push_str(&"x".repeat(k));
            s.push('\n');
        }
    }
    s
}

#[test]
fn random_markdown_imports_lint_clean_or_says_no_steps() {
    let mut rng = Rng(42);
    let start = Instant::now();
    for _ in 0..600 {
        let md = random_markdown(&mut rng);
        let procedure = match rng.below(4) {
            0 => Some("IR-00"),
            1 => Some("phase"),
            _ => None,
        };
        assert_import_ok_or_no_steps(md.as_bytes(), procedure);
    }
    assert!(start.elapsed() < Duration::from_secs(30), "{:?}", start.elapsed());
}

#[test]
fn mutated_runbooks_never_panic_and_every_problem_has_a_line() {
    let mut rng = Rng(7);
    let ctx = known_ids();
    for _ in 0..300 {
        let (_, text) = load::BUILTIN[rng.below(load::BUILTIN.len())];
        let mut lines: Vec<String> = text.lines().map(String::from).collect();
        for _ in 0..1 + rng.below(4) {
            let i = rng.below(lines.len());
            match rng.below(4) {
                0 => {
                    lines.remove(i);
                }
                1 => {
                    let l = lines[i].clone();
                    lines.insert(i, l);
                }
                2 => lines[i] = lines[i].replace('"', ""),
                _ => lines[i] = lines[i].replace("= ", "= \"\" #"),
            }
            if lines.is_empty() {
                break;
            }
        }
        let text = lines.join("\n");
        for p in lint_text(&text, Path::new("m.toml"), &ctx) {
            assert!(p.line.is_some(), "no line: {p}");
        }
    }
}

#[test]
fn a_very_long_document_imports_in_bounded_time() {
    let mut md = String::from("# Huge\n");
    for i in 0..20_000 {
        md.push_str(&format!(
            "{}. **Step number {i}**\n   ```bash\n   echo {i}\n   ```\n",
            i + 1
        ));
    }
    let start = Instant::now();
    let r = Document::parse(md.as_bytes(), Path::new("huge.md"))
        .import(None)
        .expect("import");
    assert_eq!(r.steps().count(), 20_000);
    let text = to_toml(&r, Path::new("huge.md")).expect("toml");
    assert!(lint_text(&text, Path::new("huge.toml"), &known_ids()).is_empty());
    assert!(start.elapsed() < Duration::from_secs(20), "{:?}", start.elapsed());
    let ids: BTreeSet<&str> = r.steps().map(|(_, s)| s.id.as_str()).collect();
    assert_eq!(ids.len(), 20_000);
}
