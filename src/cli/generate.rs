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
/// page (`man_pages_to`), which this one lists.
pub fn man_page() -> std::io::Result<String> {
    let mut out = Vec::new();
    page(man_command()).render(&mut out)?;
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// Write opsdeck.1 and one page per subcommand (opsdeck-audit-verify.1...)
/// into `dir`, creating it.
pub fn man_pages_to(dir: &Path) -> std::io::Result<()> {
    fn write(cmd: clap::Command, dir: &Path) -> std::io::Result<()> {
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()).cloned() {
            write(sub, dir)?;
        }
        page(cmd).generate_to(dir).map(|_| ())
    }
    std::fs::create_dir_all(dir)?;
    let mut cmd = man_command();
    // Built once at the top, so each subcommand's page is named for its
    // whole path (opsdeck-audit-verify).
    cmd.build();
    write(cmd, dir)
}

/// The clap definitions without the `help` subcommand: a page for it would
/// only say what `--help` says, and the pages must list no page not written.
fn man_command() -> clap::Command {
    Cli::command().disable_help_subcommand(true)
}

fn page(cmd: clap::Command) -> clap_mangen::Man {
    clap_mangen::Man::new(cmd).date(env!("OPSDECK_BUILD_DATE"))
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
