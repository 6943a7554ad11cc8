//! `opsdeck runbook lint` and `opsdeck runbook import`: print and exit.
//! Exit codes: 0 clean, 1 problems found (or nothing to import), 2 a file
//! that cannot be read, a bad config, or bad usage.

use crate::cli::{EXIT_CHECK_FAILED, EXIT_OK, EXIT_USAGE};
use crate::config::source::read_text;
use crate::config::Config;
use crate::runbook::import::{to_toml, Document, ImportError};
use crate::runbook::lint::{lint_text, LintContext};
use crate::runbook::load::{self, ReadError};
use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Lint `files`; with `config`, target names must exist there and the
/// runbooks in its `[runbooks] dirs` count as known ids.
pub fn lint_files(files: &[PathBuf], config: Option<&Path>) -> ExitCode {
    let config = match config.map(|p| read_text(p).and_then(|t| Config::parse(&t, p))) {
        Some(Err(e)) => {
            eprintln!("opsdeck: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
        Some(Ok(c)) => Some(c),
        None => None,
    };

    let mut unreadable = false;
    let mut texts: Vec<(&PathBuf, String)> = Vec::new();
    let mut problems = Vec::new();
    for file in files {
        match load::read(file) {
            Ok(t) => texts.push((file, t)),
            Err(ReadError::Io(e)) => {
                eprintln!("{e}");
                unreadable = true;
            }
            Err(ReadError::Content(e)) => problems.push(e),
        }
    }

    // Known ids: built-ins, every file given (even one with other problems,
    // so one mistake is not reported twice), and the configured directories.
    let mut known: BTreeSet<String> = load::builtin().into_iter().map(|r| r.id).collect();
    for (file, text) in &texts {
        if let Ok(r) = load::parse(text, file) {
            known.insert(r.id);
        }
    }
    if let Some(cfg) = &config {
        for dir in &cfg.runbooks.dirs {
            for file in load::toml_files(dir).unwrap_or_default() {
                if let Some(r) = load::read(&file).ok().and_then(|t| load::parse(&t, &file).ok()) {
                    known.insert(r.id);
                }
            }
        }
    }
    let ctx = LintContext {
        known_ids: known,
        config: config.as_ref(),
    };
    for (file, text) in &texts {
        problems.extend(lint_text(text, file, &ctx));
    }

    let mut out = std::io::stdout().lock();
    for p in &problems {
        // One problem per line, so the output can be grepped and counted.
        let _ = writeln!(out, "{}", p.to_string().replace('\n', "; "));
    }
    if unreadable {
        ExitCode::from(EXIT_USAGE)
    } else if problems.is_empty() {
        let _ = writeln!(out, "{} runbook file(s): no problems", texts.len());
        ExitCode::from(EXIT_OK)
    } else {
        ExitCode::from(EXIT_CHECK_FAILED)
    }
}

/// Import a Markdown runbook to TOML on stdout, or `--list` its procedures.
pub fn import_file(file: &Path, procedure: Option<&str>, list: bool) -> ExitCode {
    let bytes = match std::fs::read(file) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("opsdeck: {}: cannot read: {e}", file.display());
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let doc = Document::parse(&bytes, file);
    let mut out = std::io::stdout().lock();
    if list {
        for p in doc.list() {
            let _ = writeln!(
                out,
                "{:<8} {}  ({} phases, {} steps, {} commands)",
                p.code.as_deref().unwrap_or("-"),
                p.title,
                p.phases,
                p.steps,
                p.commands
            );
        }
        return ExitCode::from(EXIT_OK);
    }
    let runbook = match doc.import(procedure) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("opsdeck: {}: {e}", file.display());
            let code = match e {
                ImportError::NoSuchProcedure { .. } => EXIT_USAGE,
                _ => EXIT_CHECK_FAILED,
            };
            return ExitCode::from(code);
        }
    };
    if procedure.is_none() && doc.is_library() {
        eprintln!(
            "opsdeck: {} holds {} procedures; imported the first ({}). See --list and --procedure ID.",
            file.display(),
            doc.list().len(),
            runbook.title
        );
    }
    match to_toml(&runbook, file) {
        Ok(text) => {
            let _ = write!(out, "{text}");
            ExitCode::from(EXIT_OK)
        }
        Err(e) => {
            eprintln!("opsdeck: {}: {e}", file.display());
            ExitCode::from(EXIT_CHECK_FAILED)
        }
    }
}
