//! The opsdeck binary as a runbook author runs it, and the runbook ids a
//! lint knows.

use opsdeck::runbook::lint::LintContext;
use opsdeck::runbook::load;
use std::process::{Command, Output};

pub fn opsdeck(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_opsdeck"))
        .args(args)
        .env_remove("OPSDECK_CONFIG")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run opsdeck")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn known_ids() -> LintContext<'static> {
    LintContext {
        known_ids: load::builtin().into_iter().map(|r| r.id).collect(),
        config: None,
    }
}
