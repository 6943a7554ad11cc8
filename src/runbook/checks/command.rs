//! Command checks: a program run from its argv (never through a shell), only
//! when `[runbooks] allow_commands = true`. Its exit code must be
//! `exit_code` and its output (stdout, then stderr) match `output_matches`.
//!
//! The program gets no stdin and none of the environment variables the
//! config reads passwords from; its output is kept up to a bound. It runs in
//! a process group of its own: when the check runs out of time, the program
//! and everything it started are killed.

use super::{io_words, CheckContext, Outcome};
use regex::Regex;
use std::process::Stdio;
use tokio::io::{AsyncRead, AsyncReadExt};

/// Output kept per stream; the rest is read and dropped so the program
/// never blocks on a full pipe.
pub const OUTPUT_LIMIT: usize = 64 * 1024;

pub(crate) async fn check(
    ctx: &CheckContext,
    argv: &[String],
    exit_code: i32,
    output_matches: Option<&str>,
) -> Result<Outcome, String> {
    if !ctx.allow_commands {
        return Ok(Outcome::failed(
            "commands are not allowed here: set [runbooks] allow_commands = true in the config",
        ));
    }
    let Some((program, args)) = argv.split_first().filter(|(p, _)| !p.is_empty()) else {
        return Err("a command check needs argv with the program first".into());
    };
    let pattern = output_matches
        .map(Regex::new)
        .transpose()
        .map_err(|e| crate::text::one_line(&format!("output_matches: {e}")))?;

    let mut cmd = tokio::process::Command::new(program);
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .process_group(0);
    for name in &ctx.secret_env {
        cmd.env_remove(name);
    }
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot run {program}: {}", io_words(&e)))?;
    // Armed until the program and its pipes are done: dropped earlier (the
    // check's timeout), it kills the whole group.
    let mut group = GroupKill(child.id());
    let (out, err, status) = tokio::join!(capture(child.stdout.take()), capture(child.stderr.take()), child.wait());
    group.0 = None;
    let status = status.map_err(|e| format!("waiting for {program}: {}", io_words(&e)))?;

    let code = status.code();
    let mut output = out.text;
    if !err.text.is_empty() {
        if !output.is_empty() && !output.ends_with('\n') {
            output.push('\n');
        }
        output.push_str(&err.text);
    }
    let mut problems = Vec::new();
    let ended = match code {
        Some(c) => {
            if c != exit_code {
                problems.push(format!("expected exit {exit_code}"));
            }
            format!("exit {c}")
        }
        None => {
            problems.push(format!("expected exit {exit_code}"));
            signal_words(&status)
        }
    };
    if let Some(re) = &pattern {
        if !re.is_match(&output) {
            problems.push(format!("output does not match /{}/", re.as_str()));
        }
    }
    let mut observed = ended.clone();
    if !problems.is_empty() {
        observed = format!("{observed}: {}", problems.join(", "));
    } else if pattern.is_some() {
        observed.push_str(", output matches");
    }
    if let Some(first) = output.lines().map(str::trim).find(|l| !l.is_empty()) {
        observed.push_str(&format!(" — {first}"));
    }
    let mut evidence = format!("$ {}\n{ended}\n{output}", shown_argv(argv));
    if out.cut || err.cut {
        evidence.push_str(&format!("\n(output cut at {} KiB per stream)", OUTPUT_LIMIT / 1024));
    }
    Ok(Outcome::new(problems.is_empty(), observed, evidence))
}

/// Kills a process group when dropped while armed (`Some(pid)`).
struct GroupKill(Option<u32>);

impl Drop for GroupKill {
    fn drop(&mut self) {
        let pid = self
            .0
            .and_then(|p| i32::try_from(p).ok())
            .and_then(rustix::process::Pid::from_raw);
        if let Some(pid) = pid {
            // The group may be gone already: nothing to do then.
            let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
        }
    }
}

struct Captured {
    text: String,
    /// More than `OUTPUT_LIMIT` was written.
    cut: bool,
}

/// Read a stream to its end, keeping the first `OUTPUT_LIMIT` bytes.
async fn capture<R: AsyncRead + Unpin>(stream: Option<R>) -> Captured {
    let mut kept = Vec::new();
    let mut cut = false;
    if let Some(mut s) = stream {
        let mut buf = [0u8; 8192];
        loop {
            match s.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    let room = OUTPUT_LIMIT.saturating_sub(kept.len());
                    kept.extend_from_slice(&buf[..n.min(room)]);
                    cut |= n > room;
                }
            }
        }
    }
    Captured {
        text: String::from_utf8_lossy(&kept).into_owned(),
        cut,
    }
}

/// "killed by signal 9".
fn signal_words(status: &std::process::ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match status.signal() {
        Some(s) => format!("killed by signal {s}"),
        None => "ended without an exit code".into(),
    }
}

/// The argv as one line, arguments with spaces quoted: for reading, never run.
fn shown_argv(argv: &[String]) -> String {
    argv.iter()
        .map(|a| {
            if a.is_empty() || a.contains(|c: char| c.is_whitespace() || c == '\'' || c == '"') {
                format!("{a:?}")
            } else {
                a.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}
