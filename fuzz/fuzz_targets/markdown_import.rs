//! The Markdown runbook importer (`opsdeck runbook import`). It takes bytes
//! (invalid UTF-8 is replaced, not refused), so every input goes in. Whatever
//! it imports must turn into TOML that reads back the same and lints clean;
//! `ImportError::Internal` is the importer's own bug, so it is a crash here.
#![no_main]

use libfuzzer_sys::fuzz_target;
use opsdeck::runbook::import::{to_toml, Document, ImportError};
use opsdeck::runbook::lint::{lint_text, LintContext};
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::OnceLock;

fn known_ids() -> &'static BTreeSet<String> {
    static IDS: OnceLock<BTreeSet<String>> = OnceLock::new();
    IDS.get_or_init(|| opsdeck::runbook::load::builtin().into_iter().map(|r| r.id).collect())
}

fn check(doc: &Document, procedure: Option<&str>) {
    match doc.import(procedure) {
        Ok(runbook) => match to_toml(&runbook, Path::new("fuzz.md")) {
            Ok(text) => {
                let ctx = LintContext {
                    known_ids: known_ids().clone(),
                    config: None,
                };
                let problems = lint_text(&text, Path::new("imported.toml"), &ctx);
                assert!(
                    problems.is_empty(),
                    "the imported TOML does not lint clean: {}\n{text}",
                    problems[0]
                );
            }
            Err(e) => panic!("to_toml failed on an imported runbook: {e}"),
        },
        Err(ImportError::Internal(e)) => panic!("importer bug: {e}"),
        Err(_) => {}
    }
}

fuzz_target!(|data: &[u8]| {
    let doc = Document::parse(data, Path::new("fuzz.md"));
    let procedures = doc.list();
    check(&doc, None);
    // A library: also the last procedure, by the code or title `--procedure` takes.
    if doc.is_library() {
        if let Some(last) = procedures.last() {
            let wanted = last.code.clone().unwrap_or_else(|| last.title.clone());
            check(&doc, Some(&wanted));
        }
    }
});
