//! Following one container's log: the last N lines, then new ones as they come,
//! sent to the UI in small batches. Lines are cut to a safe length and decoded
//! leniently: a container writing binary cannot break the screen.

use crate::config::DockerConfig;
pub use crate::model::docker::{LogEvent, LogLine, MAX_LINE};
use futures::StreamExt;
use std::time::Duration;
use tokio::sync::mpsc;

/// How long lines are gathered before they are sent as one message.
const BATCH_WINDOW: Duration = Duration::from_millis(50);
const BATCH_MAX: usize = 1000;

/// One raw line as the daemon framed it (`timestamps=true`: "TIME text").
pub fn parse_line(raw: &[u8], stderr: bool) -> LogLine {
    let raw = raw.strip_suffix(b"\n").unwrap_or(raw);
    let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
    let (ts, rest) = match raw.iter().position(|b| *b == b' ') {
        // Docker's timestamps start with the year: "2026-11-23T04:11:02.123Z".
        Some(i) if i >= 20 && raw.first().is_some_and(u8::is_ascii_digit) => (&raw[..i], &raw[i + 1..]),
        _ => (&raw[..0], raw),
    };
    let mut text = String::from_utf8_lossy(&rest[..rest.len().min(MAX_LINE)]).into_owned();
    if rest.len() > MAX_LINE {
        text.push_str(&format!(" …[{} more bytes]", rest.len() - MAX_LINE));
    }
    // Control characters would move the cursor or change colours on screen.
    let text = text
        .chars()
        .map(|c| if c.is_control() && c != '\t' { '�' } else { c })
        .collect::<String>()
        .replace('\t', "    ");
    LogLine {
        stderr,
        ts: String::from_utf8_lossy(ts).into_owned(),
        text,
    }
}

/// Follow `container`'s log until the stream ends or `tx` is dropped.
pub async fn follow(cfg: DockerConfig, container: String, tail: usize, tx: mpsc::Sender<LogEvent>) {
    use bollard::container::{LogOutput, LogsOptions};
    let client = match crate::backends::docker::connect(&cfg, 24 * 3600).await {
        Ok(c) => c,
        Err(e) => {
            let _ = tx.send(LogEvent::Ended(e)).await;
            return;
        }
    };
    let opts = LogsOptions::<String> {
        follow: true,
        stdout: true,
        stderr: true,
        timestamps: true,
        tail: tail.to_string(),
        ..Default::default()
    };
    let mut stream = client.logs(&container, Some(opts));
    let mut batch = Vec::new();
    let end = loop {
        let next = if batch.is_empty() {
            Ok(stream.next().await)
        } else {
            tokio::time::timeout(BATCH_WINDOW, stream.next()).await
        };
        match next {
            Ok(Some(Ok(out))) => {
                let (stderr, bytes) = match &out {
                    LogOutput::StdErr { message } => (true, message),
                    LogOutput::StdOut { message } | LogOutput::Console { message } | LogOutput::StdIn { message } => {
                        (false, message)
                    }
                };
                batch.extend(bytes.split_inclusive(|b| *b == b'\n').map(|l| parse_line(l, stderr)));
                if batch.len() < BATCH_MAX {
                    continue;
                }
            }
            Ok(Some(Err(e))) => break crate::text::error_chain(&e),
            Ok(None) => break "log stream ended".to_string(),
            Err(_) => {} // the batch window closed
        }
        if tx.send(LogEvent::Lines(std::mem::take(&mut batch))).await.is_err() {
            return;
        }
    };
    if !batch.is_empty() {
        let _ = tx.send(LogEvent::Lines(batch)).await;
    }
    let _ = tx.send(LogEvent::Ended(end)).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_split_off() {
        let l = parse_line(b"2026-11-23T04:11:02.123456789Z hello world\n", false);
        assert_eq!(l.ts, "2026-11-23T04:11:02.123456789Z");
        assert_eq!(l.text, "hello world");
        let l = parse_line(b"no timestamp here", true);
        assert_eq!(l.ts, "");
        assert!(l.stderr);
    }

    #[test]
    fn hostile_lines_are_made_safe() {
        let l = parse_line(b"2026-11-23T04:11:02Z \x1b[2J\xff\xfe evil\tx", false);
        assert!(!l.text.contains('\x1b'));
        assert!(l.text.contains("evil    x"));
        let long = vec![b'a'; MAX_LINE * 3];
        let l = parse_line(&long, false);
        assert!(l.text.len() < MAX_LINE + 40);
        assert!(l.text.ends_with(&format!("[{} more bytes]", MAX_LINE * 2)));
    }
}
