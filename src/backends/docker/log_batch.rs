//! Lines to the UI in batches: one message per line would redraw the screen
//! a thousand times a second, one batch per quiet moment would never come
//! for a log that is never quiet. So a batch is sent when the stream pauses
//! for `QUIET`, or at the latest `DEADLINE` after its first line, whatever
//! the rate; and the first batch is sent as soon as the lines ready at
//! once are read.

use crate::model::docker::{LogEvent, LogLine};
use futures::{FutureExt, Stream, StreamExt};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;

/// A pause this long sends what is gathered.
pub const QUIET: Duration = Duration::from_millis(50);
/// No line waits longer than this for its batch to be sent.
pub const DEADLINE: Duration = Duration::from_millis(100);
/// Lines in one message at most.
pub const BATCH_MAX: usize = 1000;

/// How forwarding a stream ended.
#[derive(Debug, PartialEq, Eq)]
pub enum End {
    /// The daemon closed the stream (the container stopped, or it restarts).
    Closed,
    /// The stream failed, in plain words.
    Failed(String),
    /// The UI no longer listens.
    Gone,
}

/// Send the lines of `stream` to `tx` in batches until the stream ends.
/// `first` says whether nothing was sent yet (the first lines go at once).
pub async fn forward<S>(stream: &mut S, tx: &mpsc::Sender<LogEvent>, mut first: bool) -> End
where
    S: Stream<Item = Result<Vec<LogLine>, String>> + Unpin,
{
    let mut batch: Vec<LogLine> = Vec::new();
    // When the batch must go: the earlier of its deadline and the quiet gap.
    let mut deadline = Instant::now();
    let end = loop {
        let next = if batch.is_empty() {
            Some(stream.next().await)
        } else {
            let due = deadline.min(Instant::now() + QUIET);
            tokio::time::timeout_at(due, stream.next()).await.ok()
        };
        match next {
            Some(Some(Ok(lines))) => {
                if batch.is_empty() {
                    deadline = Instant::now() + DEADLINE;
                }
                batch.extend(lines);
                if first {
                    // What the daemon has ready now (the tail) goes at once.
                    while batch.len() < BATCH_MAX {
                        match stream.next().now_or_never() {
                            Some(Some(Ok(lines))) => batch.extend(lines),
                            _ => break,
                        }
                    }
                } else if batch.len() < BATCH_MAX && Instant::now() < deadline {
                    continue;
                }
            }
            Some(Some(Err(e))) => break End::Failed(e),
            Some(None) => break End::Closed,
            None => {} // quiet, or the deadline came
        }
        first = false;
        if tx.send(LogEvent::Lines(std::mem::take(&mut batch))).await.is_err() {
            return End::Gone;
        }
    };
    if !batch.is_empty() && tx.send(LogEvent::Lines(batch)).await.is_err() {
        return End::Gone;
    }
    end
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(text: String) -> LogLine {
        LogLine {
            text,
            ..Default::default()
        }
    }

    /// A log written at `per_sec` lines a second for `secs` (paused time:
    /// deterministic); for each line, how long it waited to be sent.
    async fn waits(per_sec: u64, secs: u64) -> Vec<Duration> {
        let (line_tx, line_rx) = futures::channel::mpsc::unbounded();
        let (tx, mut rx) = mpsc::channel(1024);
        let start = Instant::now();
        let writer = tokio::spawn(async move {
            let gap = Duration::from_micros(1_000_000 / per_sec);
            for i in 0..per_sec * secs {
                tokio::time::sleep_until(start + gap * i as u32).await;
                let at = start.elapsed().as_micros().to_string();
                if line_tx.unbounded_send(Ok(vec![line(at)])).is_err() {
                    return;
                }
            }
        });
        let follower = tokio::spawn(async move {
            let mut stream = line_rx;
            forward(&mut stream, &tx, true).await
        });
        let mut waited = Vec::new();
        while let Some(LogEvent::Lines(lines)) = rx.recv().await {
            let now = start.elapsed();
            for l in lines {
                let written = Duration::from_micros(l.text.parse().unwrap_or(0));
                waited.push(now - written);
            }
        }
        let _ = writer.await;
        assert_eq!(follower.await.ok(), Some(End::Closed));
        waited
    }

    #[tokio::test(start_paused = true)]
    async fn a_busy_log_is_sent_at_least_every_deadline() {
        for rate in [90, 1000, 5000] {
            let waited = waits(rate, 3).await;
            assert_eq!(waited.len() as u64, rate * 3, "every line sent once");
            let worst = waited.iter().max().copied().unwrap_or_default();
            assert!(worst <= DEADLINE, "{rate} lines/s: a line waited {worst:?}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn the_first_lines_go_at_once_and_a_lone_line_after_the_quiet_gap() {
        let (line_tx, mut line_rx) = futures::channel::mpsc::unbounded();
        let (tx, mut rx) = mpsc::channel(16);
        // The tail: ready at once, in several chunks.
        for i in 0..3 {
            line_tx
                .unbounded_send(Ok(vec![line(format!("tail {i}"))]))
                .unwrap_or_default();
        }
        let follower = tokio::spawn(async move { forward(&mut line_rx, &tx, true).await });
        let start = Instant::now();
        let Some(LogEvent::Lines(tail)) = rx.recv().await else {
            panic!("no first batch")
        };
        assert_eq!(tail.len(), 3);
        assert_eq!(start.elapsed(), Duration::ZERO, "the tail is not held back");
        line_tx.unbounded_send(Ok(vec![line("one".into())])).unwrap_or_default();
        let sent = Instant::now();
        let Some(LogEvent::Lines(one)) = rx.recv().await else {
            panic!("no second batch")
        };
        assert_eq!((one.len(), sent.elapsed()), (1, QUIET));
        drop(line_tx);
        assert_eq!(follower.await.ok(), Some(End::Closed));
    }
}
