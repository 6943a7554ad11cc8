//! What is on this machine: the state store (writable, its audit chain
//! intact, as `opsdeck audit verify` checks it) and the terminal.

use super::{bounded, Finding};
use crate::cli::Cli;
use crate::config::theme::ColorSupport;
use crate::config::Config;
use crate::store::{Location, Store};
use std::io::IsTerminal;
use std::path::Path;
use std::time::Duration;

/// A team store is a server: bounded like a target.
const STORE_TIMEOUT: Duration = Duration::from_secs(5);

const SUBJECT: &str = "state store";

pub async fn store(cli: &Cli, config: &Config) -> Vec<Finding> {
    let Some(location) = crate::runtime::setup::state_location(cli, config) else {
        return vec![Finding::fail(
            SUBJECT,
            "no path for it (no data directory)",
            "pass --state PATH or set [state] path",
        )];
    };
    let shown = location.shown();
    if let Location::File(path) = &location {
        if !path.exists() {
            // The doctor looks; it does not create the store.
            return vec![match writable_dir(path) {
                Some(dir) => Finding::ok(
                    SUBJECT,
                    format!(
                        "{shown} does not exist yet: opsdeck creates it on first start ({} is writable)",
                        dir.display()
                    ),
                ),
                None => Finding::fail(
                    SUBJECT,
                    format!("{shown} does not exist and cannot be created"),
                    "make its directory writable, or pass --state PATH / set [state] path",
                ),
            }];
        }
    }
    let store = match bounded(STORE_TIMEOUT, async {
        Store::open_at(&location).await.map_err(|e| e.to_string())
    })
    .await
    {
        Ok(s) => s,
        Err(e) => {
            return vec![Finding::fail(
                SUBJECT,
                format!("cannot open {shown}: {e}"),
                "see the message; `opsdeck info` names the file",
            )]
        }
    };
    let mut out = Vec::new();
    if store.is_read_only() {
        out.push(Finding::fail(
            SUBJECT,
            format!("{shown} is read-only: the disk or the file refuses writes, and actions will be refused"),
            "free disk space, or make the file and its directory writable for this user",
        ));
    } else {
        out.push(Finding::ok(SUBJECT, format!("{shown} is writable")));
    }
    let verified = bounded(STORE_TIMEOUT, async {
        store.verify_audit().await.map_err(|e| e.to_string())
    })
    .await;
    out.push(match verified {
        Ok(r) => match r.broken {
            None => Finding::ok(SUBJECT, format!("audit chain intact ({} entries)", r.rows)),
            Some((seq, why)) => Finding::fail(
                SUBJECT,
                format!("audit chain BROKEN at sequence {seq}: {why}"),
                "keep a copy of the store for investigation and tell your security contact",
            ),
        },
        Err(e) => Finding::fail(
            SUBJECT,
            format!("cannot verify the audit chain: {e}"),
            "see the message",
        ),
    });
    store.close().await;
    out
}

/// The nearest existing directory above `path`, when this user may create
/// files in it.
fn writable_dir(path: &Path) -> Option<&Path> {
    use rustix::fs::{access, Access};
    let dir = path.ancestors().skip(1).find(|d| d.exists())?;
    access(dir, Access::WRITE_OK | Access::EXEC_OK).ok().map(|_| dir)
}

/// Colours, size and TERM. Output that is not a terminal is said, not failed.
pub fn terminal() -> Vec<Finding> {
    let subject = "terminal";
    let term = std::env::var("TERM").ok().filter(|t| !t.is_empty());
    let term_shown = term.as_deref().unwrap_or("(not set)");
    if !std::io::stdout().is_terminal() {
        return vec![Finding::info(
            subject,
            format!("stdout is not a terminal (piped or redirected): size and colours not checked; TERM={term_shown}"),
        )];
    }
    let mut out = Vec::new();
    match term.as_deref() {
        None | Some("dumb") => out.push(Finding::fail(
            subject,
            format!("TERM is {term_shown}: the console cannot draw"),
            "export TERM=xterm-256color (or what your terminal is)",
        )),
        Some(_) => {
            let colours = match ColorSupport::from_env() {
                ColorSupport::None => "none (NO_COLOR is set)",
                ColorSupport::Ansi16 => "16",
                ColorSupport::Ansi256 => "256",
                ColorSupport::TrueColor => "true colour",
            };
            out.push(Finding::ok(subject, format!("TERM={term_shown}, colours: {colours}")));
        }
    }
    let (min_w, min_h) = (crate::ui::MIN_WIDTH, crate::ui::MIN_HEIGHT);
    match crossterm::terminal::size() {
        Ok((w, h)) if w >= min_w && h >= min_h => out.push(Finding::ok(subject, format!("{w}x{h}"))),
        Ok((w, h)) => out.push(Finding::fail(
            subject,
            format!("{w}x{h} is smaller than the {min_w}x{min_h} opsdeck needs"),
            "make the window larger",
        )),
        Err(e) => out.push(Finding::info(subject, format!("size unknown: {e}"))),
    }
    out
}
