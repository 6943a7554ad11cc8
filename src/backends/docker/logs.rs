//! Following one container's log: the last N lines, then new ones as they
//! come (batched by `log_batch`, made safe to draw by `log_text`). A
//! container that restarts is followed again, from the last line seen, with
//! a marker line; the log ends only when the container is gone or stopped.

use crate::backends::docker::log_batch::{forward, End};
pub use crate::backends::docker::log_text::parse_line;
use crate::config::DockerConfig;
pub use crate::model::docker::{LogEvent, LogLine, MAX_LINE};
use chrono::{DateTime, Utc};
use futures::StreamExt;
use std::time::Duration;
use tokio::sync::mpsc;

/// How often a container that is restarting is looked at again.
const RESTART_POLL: Duration = Duration::from_millis(250);
/// How long a stream's end may go unexplained (the container still shown
/// running as it was, or stopped) before the log is taken to have ended:
/// the daemon updates the state a moment after closing the stream, and an
/// operator's restart stops the container before it starts it again.
const SETTLE: Duration = Duration::from_secs(2);
/// Refusals in a row (the daemon says the container is dead while it
/// restarts) after which the log ends with the daemon's words.
const MAX_REFUSALS: u32 = 3;

/// Follow `container`'s log until it is gone or stopped, or `tx` is dropped.
pub async fn follow(cfg: DockerConfig, container: String, tail: usize, tx: mpsc::Sender<LogEvent>) {
    let why = match crate::backends::docker::connect(&cfg, 24 * 3600).await {
        Ok(client) => follow_with(&client, &container, tail, &tx).await,
        Err(e) => Some(e),
    };
    if let Some(why) = why {
        let _ = tx.send(LogEvent::Ended(why)).await;
    }
}

/// Attach, forward, and after each end decide: attach again, or say why
/// the log ended (`None`: nobody listens any more).
async fn follow_with(
    client: &bollard::Docker,
    container: &str,
    tail: usize,
    tx: &mpsc::Sender<LogEvent>,
) -> Option<String> {
    use bollard::container::{LogOutput, LogsOptions};
    let mut started = started_at(client, container).await.ok().flatten();
    // The time of the last line sent: a new attach starts there.
    let last_seen = std::sync::Arc::new(std::sync::Mutex::new(None::<DateTime<Utc>>));
    let mut first = true;
    let mut refusals = 0;
    loop {
        let since = *last_seen.lock().unwrap_or_else(|e| e.into_inner());
        let opts = LogsOptions::<String> {
            follow: true,
            stdout: true,
            stderr: true,
            timestamps: true,
            // The daemon takes whole seconds: lines up to the last one seen are skipped below.
            since: since.map(|t| t.timestamp()).unwrap_or(0),
            tail: if since.is_some() {
                "all".into()
            } else {
                tail.to_string()
            },
            ..Default::default()
        };
        let seen = last_seen.clone();
        let mut stream = client.logs(container, Some(opts)).filter_map(move |out| {
            let item = match out {
                Ok(out) => {
                    let (stderr, bytes) = match &out {
                        LogOutput::StdErr { message } => (true, message),
                        LogOutput::StdOut { message }
                        | LogOutput::Console { message }
                        | LogOutput::StdIn { message } => (false, message),
                    };
                    let mut seen = seen.lock().unwrap_or_else(|e| e.into_inner());
                    let lines: Vec<LogLine> = bytes
                        .split_inclusive(|b| *b == b'\n')
                        .map(|l| parse_line(l, stderr))
                        .filter(|l| is_new(l, &mut seen, since))
                        .collect();
                    (!lines.is_empty()).then_some(Ok(lines))
                }
                Err(e) => Some(Err(crate::text::error_chain(&e))),
            };
            std::future::ready(item)
        });
        match forward(&mut stream, tx, first).await {
            End::Gone => return None,
            // Refused: said once it is gone; a container between two runs
            // (a refusal while it restarts) is attached again, a few times.
            End::Failed(e) => {
                refusals += 1;
                if refusals > MAX_REFUSALS {
                    return Some(e);
                }
                if let Some(why) = after_refusal(client, container, e).await {
                    return Some(why);
                }
            }
            End::Closed => refusals = 0,
        }
        first = false;
        match after_end(client, container, started.as_deref()).await {
            Next::Attach(at) => {
                if at.as_deref() != started.as_deref() {
                    let when = at.as_deref().map(clock).unwrap_or_default();
                    let marker = LogLine {
                        text: format!("── container restarted {when} ──"),
                        marker: true,
                        ..Default::default()
                    };
                    if tx.send(LogEvent::Lines(vec![marker])).await.is_err() {
                        return None;
                    }
                }
                started = at;
            }
            Next::End(why) => return Some(why),
        }
    }
}

/// Whether a line comes after the last one sent (and note it). Lines
/// without a time, or whose time cannot be read, are kept.
fn is_new(line: &LogLine, seen: &mut Option<DateTime<Utc>>, since: Option<DateTime<Utc>>) -> bool {
    let Ok(t) = DateTime::parse_from_rfc3339(&line.ts).map(|t| t.with_timezone(&Utc)) else {
        return true;
    };
    if since.is_some_and(|s| t <= s) {
        return false;
    }
    *seen = Some(t);
    true
}

enum Next {
    /// Running (again): attach; the start time it has now.
    Attach(Option<String>),
    End(String),
}

/// The stream closed: look at the container until it is running again,
/// gone, or plainly stopped.
async fn after_end(client: &bollard::Docker, container: &str, started: Option<&str>) -> Next {
    let settle_until = tokio::time::Instant::now() + SETTLE;
    loop {
        let state = match client.inspect_container(container, None).await {
            Ok(i) => i.state.unwrap_or_default(),
            Err(bollard::errors::Error::DockerResponseServerError { status_code: 404, .. }) => {
                return Next::End("container removed".into())
            }
            Err(e) => return Next::End(crate::backends::docker::connect::explain(&e)),
        };
        let settled = tokio::time::Instant::now() >= settle_until;
        let running = state.running.unwrap_or(false);
        let restarting = state.restarting.unwrap_or(false);
        if running && !restarting && state.started_at.as_deref() != started {
            return Next::Attach(state.started_at);
        }
        if settled && !restarting {
            return Next::End(if running {
                "log stream ended".into()
            } else {
                match state.exit_code {
                    Some(code) => format!("container stopped (exit code {code})"),
                    None => "container stopped".into(),
                }
            });
        }
        tokio::time::sleep(RESTART_POLL).await;
    }
}

/// The daemon refused the log: "container removed" if it is gone or going
/// within `SETTLE`; `None` when it runs or restarts (refused between two
/// runs: attach again); else `why`.
async fn after_refusal(client: &bollard::Docker, container: &str, why: String) -> Option<String> {
    use bollard::models::ContainerStateStatusEnum as Status;
    let until = tokio::time::Instant::now() + SETTLE;
    while tokio::time::Instant::now() < until {
        match client.inspect_container(container, None).await {
            Err(bollard::errors::Error::DockerResponseServerError { status_code: 404, .. }) => {
                return Some("container removed".into())
            }
            Ok(i) => match i.state.and_then(|s| s.status) {
                Some(Status::REMOVING | Status::DEAD) => {}
                Some(Status::RUNNING | Status::RESTARTING) => return None,
                _ => return Some(why),
            },
            Err(_) => return Some(why),
        }
        tokio::time::sleep(RESTART_POLL).await;
    }
    Some(why)
}

async fn started_at(client: &bollard::Docker, container: &str) -> Result<Option<String>, bollard::errors::Error> {
    Ok(client
        .inspect_container(container, None)
        .await?
        .state
        .and_then(|s| s.started_at))
}

/// "2026-11-23T04:11:02.123456789Z" → "04:11:02" (UTC, as the log's times).
fn clock(rfc3339: &str) -> String {
    DateTime::parse_from_rfc3339(rfc3339)
        .map(|t| t.with_timezone(&Utc).format("%H:%M:%S").to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_up_to_the_last_seen_are_skipped_after_a_reattach() {
        let at = |ts: &str| LogLine {
            ts: ts.into(),
            ..Default::default()
        };
        let since = DateTime::parse_from_rfc3339("2026-11-23T04:11:02.5Z")
            .map(|t| t.with_timezone(&Utc))
            .ok();
        let mut seen = since;
        // Docker trims trailing zeros: the times are compared, not the text.
        assert!(!is_new(&at("2026-11-23T04:11:02.123456789Z"), &mut seen, since));
        assert!(!is_new(&at("2026-11-23T04:11:02.5Z"), &mut seen, since));
        assert!(is_new(&at("2026-11-23T04:11:02.51Z"), &mut seen, since));
        assert!(is_new(&at(""), &mut seen, since));
        assert_eq!(
            seen.map(|t| t.to_rfc3339()),
            Some("2026-11-23T04:11:02.510+00:00".into())
        );
        assert_eq!(clock("2026-11-23T04:11:02.123456789Z"), "04:11:02");
    }
}
