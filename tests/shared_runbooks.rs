//! The Markdown importer on the real runbooks other teams wrote, checked
//! out beside the repository (`../shared/runbooks`). Not part of the test
//! command, which runs on a clone of the repository alone: `.ci/run` runs
//! it as a step of its own (`cargo test --test shared_runbooks`).

mod common;

use common::cli::{known_ids, opsdeck, stdout};
use opsdeck::runbook::import::{to_toml, Document};
use opsdeck::runbook::lint::lint_text;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The real-world runbooks, beside the repository in CI. Missing is a
/// failure, never a skip: these tests are the importer's main evidence.
fn shared_runbooks() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/runbooks");
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| {
        panic!(
            "{}: {e}: the shared runbooks must be checked out beside the repository (shared/runbooks/*.md)",
            dir.display()
        )
    });
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{}: no *.md runbooks", dir.display());
    files
}

/// The `### CODE: Title` sections of a library, with whether each has code.
fn library_sections(text: &str) -> Vec<(String, bool)> {
    let mut out: Vec<(String, bool)> = Vec::new();
    for line in text.lines() {
        if let Some(h) = line.strip_prefix("### ") {
            out.push((h.split(':').next().unwrap_or("").trim().to_string(), false));
        } else if line.starts_with("## ") {
            out.push((String::new(), false));
        } else if line.trim_start().starts_with("```") {
            if let Some(last) = out.last_mut() {
                last.1 = true;
            }
        }
    }
    out.retain(|(code, _)| code.contains('-'));
    out
}

fn assert_imports_clean(doc: &Document, procedure: Option<&str>, source: &Path, expect_commands: bool) {
    let what = format!("{} {:?}", source.display(), procedure);
    let runbook = doc.import(procedure).unwrap_or_else(|e| panic!("{what}: {e}"));
    let text = to_toml(&runbook, source).unwrap_or_else(|e| panic!("{what}: {e}"));
    let problems = lint_text(&text, Path::new("imported.toml"), &known_ids());
    assert!(problems.is_empty(), "{what}: {problems:#?}");
    assert!(runbook.steps().count() > 0, "{what}: no steps");
    let commands: usize = runbook.steps().map(|(_, s)| s.commands.len()).sum();
    if expect_commands {
        assert!(commands > 0, "{what}: the document has code but no commands were found");
    }
}

#[test]
fn every_shared_runbook_imports_and_lints_clean() {
    for file in shared_runbooks() {
        let bytes = std::fs::read(&file).expect("read");
        let text = String::from_utf8_lossy(&bytes);
        let doc = Document::parse(&bytes, &file);
        let has_code = text.contains("```");
        if doc.is_library() {
            let sections = library_sections(&text);
            let listed: Vec<String> = doc.list().into_iter().filter_map(|p| p.code).collect();
            let codes: Vec<String> = sections.iter().map(|(c, _)| c.clone()).collect();
            assert_eq!(listed, codes, "{}: --list", file.display());
            for (code, code_inside) in &sections {
                assert_imports_clean(&doc, Some(code), &file, *code_inside);
            }
        }
        assert_imports_clean(&doc, None, &file, has_code);

        // Through the binary: import, write, lint the result.
        let out = opsdeck(&["runbook", "import", &file.display().to_string()]);
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        let dir = tempfile::tempdir().expect("tempdir");
        let toml_file = dir.path().join("imported.toml");
        std::fs::write(&toml_file, &out.stdout).expect("write");
        let lint = opsdeck(&["runbook", "lint", &toml_file.display().to_string()]);
        assert_eq!(lint.status.code(), Some(0), "{}", stdout(&lint));
    }
}

#[test]
fn the_procedure_library_keeps_phases_budgets_and_kinds() {
    let file = shared_runbooks()
        .into_iter()
        .find(|f| f.ends_with("risk-platform-procedures.md"))
        .expect("risk-platform-procedures.md in shared/runbooks");
    let doc = Document::parse(&std::fs::read(&file).expect("read"), &file);
    assert!(doc.is_library());

    let ir1 = doc.import(Some("IR-001")).expect("IR-001");
    let phases: Vec<(&str, Option<Duration>)> = ir1.phases.iter().map(|p| (p.name.as_str(), p.budget)).collect();
    let h = |n: u64| Some(Duration::from_secs(n * 3600));
    assert_eq!(
        phases,
        vec![
            ("Immediate Response", Some(Duration::from_secs(900))),
            ("Investigation Phase", Some(Duration::from_secs(3 * 3600 + 45 * 60))),
            ("Recovery Phase", h(20)),
            ("Post-Incident", h(48)),
        ]
    );
    assert_eq!(ir1.phase_deadlines().last().copied().flatten(), h(72));
    // The multi-line psql command stays one command, SQL and all.
    let contain = ir1.step("containment-actions").expect("step").1;
    assert_eq!(contain.commands.len(), 3, "{:#?}", contain.commands);
    assert!(contain.commands[1].contains("SET status = 'suspended'"));

    let ir2 = doc.import(Some("service down")).expect("by title");
    assert_eq!(ir2.id, "ir-002-service-down-response");
    let diag = ir2.step("service-specific-diagnosis").expect("step").1;
    assert!(
        diag.instructions.contains("For API Service: commands 1-3"),
        "{}",
        diag.instructions
    );

    assert_eq!(
        doc.import(None).expect("first").title,
        "DO-001: Daily Health Check Procedure"
    );
    assert_eq!(
        doc.import(Some("DO-001")).expect("do").kind,
        opsdeck::runbook::Kind::Daily
    );
    assert_eq!(
        doc.import(Some("DO-002")).expect("do").kind,
        opsdeck::runbook::Kind::Weekly
    );
    assert_eq!(
        doc.import(Some("MO-002")).expect("mo").kind,
        opsdeck::runbook::Kind::Monthly
    );
    // `- [ ]` items are steps.
    let br2 = doc.import(Some("BR-002")).expect("br");
    assert!(br2
        .phases
        .iter()
        .any(|p| p.name == "Recovery Testing Checklist" && p.steps.len() == 8));

    let out = opsdeck(&["runbook", "import", "--list", &file.display().to_string()]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out)
        .lines()
        .any(|l| l.starts_with("IR-002") && l.contains("Service Down")));
}

#[test]
fn the_security_runbook_imports_as_one_checklist() {
    let file = shared_runbooks()
        .into_iter()
        .find(|f| f.ends_with("security-operations-runbook.md"))
        .expect("security-operations-runbook.md in shared/runbooks");
    let r = Document::parse(&std::fs::read(&file).expect("read"), &file)
        .import(None)
        .expect("import");
    let names: Vec<&str> = r.phases.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        vec![
            "Daily Operations",
            "Weekly Operations",
            "Monthly Operations",
            "Incident Response",
            "Troubleshooting",
            "Emergency Procedures"
        ]
    );
    assert_eq!(r.escalation.len(), 3);
    let dash = r.step("check-security-dashboard").expect("step").1;
    assert!(
        dash.instructions.contains("Grafana → Security"),
        "mojibake repaired: {}",
        dash.instructions
    );
    let logs = r.step("audit-logs-not-ingesting").expect("step").1;
    assert!(logs.commands.contains(&"docker logs fluentd".to_string()));
}
