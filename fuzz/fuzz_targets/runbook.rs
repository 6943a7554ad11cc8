//! A runbook file: TOML parse, then lint. Every problem names the file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use opsdeck::runbook::lint::{lint_text, LintContext};
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let ctx = LintContext::default();
    for problem in lint_text(text, Path::new("fuzz-runbook.toml"), &ctx) {
        let message = problem.to_string();
        assert!(
            message.contains("fuzz-runbook.toml"),
            "the problem names the file: {message}"
        );
    }
});
