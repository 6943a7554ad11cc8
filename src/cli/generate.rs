//! `opsdeck completions SHELL` and `opsdeck man`: generated from the same
//! clap definitions the binary parses, so they never lag behind a new flag
//! or subcommand.

use super::{print_out, Cli, EXIT_CHECK_FAILED, EXIT_OK};
use clap::CommandFactory;
use clap_complete::Shell;
use std::path::Path;
use std::process::ExitCode;

/// The completion script for `shell`.
pub fn completions(shell: Shell) -> String {
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "opsdeck", &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// The top-level man page (roff); each subcommand's options are on its own
/// page (`man_pages_to`).
pub fn man_page() -> std::io::Result<String> {
    let mut out = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .date(env!("OPSDECK_BUILD_DATE"))
        .render(&mut out)?;
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// Write opsdeck.1 and one page per subcommand (opsdeck-audit-verify.1...)
/// into `dir`, creating it.
pub fn man_pages_to(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    clap_mangen::generate_to(Cli::command(), dir)
}

pub fn run_completions(shell: Shell) -> ExitCode {
    print_out(&completions(shell));
    ExitCode::from(EXIT_OK)
}

pub fn run_man(dir: Option<&Path>) -> ExitCode {
    let result = match dir {
        Some(dir) => man_pages_to(dir).map_err(|e| format!("cannot write man pages to {}: {e}", dir.display())),
        None => man_page().map(|page| print_out(&page)).map_err(|e| e.to_string()),
    };
    match result {
        Ok(()) => ExitCode::from(EXIT_OK),
        Err(e) => {
            eprintln!("opsdeck: {e}");
            ExitCode::from(EXIT_CHECK_FAILED)
        }
    }
}
