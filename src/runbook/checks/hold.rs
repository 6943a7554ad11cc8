//! Sustained checks (`for = "15m"`): one probe every `every` over the
//! window, the last at its end. The window holds only when every probe
//! passed; the first failed probe fails it (a service that flaps has not
//! held). `Hold` is the bookkeeping alone, so the same window can be held
//! by `opsdeck check` in one go, or by a session probe by probe, each
//! probe stored, and taken up again after a restart of opsdeck.

use super::{evaluate, CheckContext};
use crate::runbook::model::{Check, CheckResult, Window};
use crate::text::duration_text;
use chrono::{DateTime, Utc};
use std::time::Duration;

/// A window being held: when it started and how many probes passed so far.
#[derive(Debug, Clone, PartialEq)]
pub struct Hold {
    pub window: Window,
    pub since: DateTime<Utc>,
    pub passed: usize,
}

/// How long a window may go unprobed (opsdeck not running, say) and still be
/// taken up again: two intervals and a probe's time. Longer, and what
/// happened meanwhile was not seen: the window starts again.
pub fn resumable(window: Window, check: &Check, last_probe: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    let gap = (now - last_probe).to_std().unwrap_or_default();
    gap <= window.every * 2 + check.timeout()
}

impl Hold {
    pub fn new(window: Window, since: DateTime<Utc>, passed: usize) -> Self {
        Self { window, since, passed }
    }

    /// When the next probe is due: one every `every` from the start, the
    /// last one at the window's end.
    pub fn next_at(&self) -> DateTime<Utc> {
        let steps = u32::try_from(self.passed).unwrap_or(u32::MAX);
        let offset = self.window.every.saturating_mul(steps).min(self.window.length);
        self.since + chrono::Duration::from_std(offset).unwrap_or(chrono::Duration::MAX)
    }

    /// Count one probe; the verdict once there is one: failed at the first
    /// failed probe, passed once a passing probe reaches the window's end.
    pub fn take(&mut self, probe: &CheckResult) -> Option<CheckResult> {
        // A check that does not apply has no window to hold.
        if probe.not_applicable {
            return Some(probe.clone());
        }
        let held = (probe.at - self.since).to_std().unwrap_or_default();
        let length = self.window.length;
        let observed = if !probe.passed {
            format!(
                "failed after {} of {}: {}",
                duration_text(held.as_secs() as i64),
                humantime::format_duration(length),
                probe.observed
            )
        } else if held >= length {
            self.passed += 1;
            format!(
                "held for {}: {} probes passed, the last {}",
                humantime::format_duration(length),
                self.passed,
                probe.observed
            )
        } else {
            self.passed += 1;
            return None;
        };
        Some(CheckResult {
            at: probe.at,
            passed: probe.passed,
            observed,
            evidence: probe.evidence.clone(),
            evidence_sha256: probe.evidence_sha256.clone(),
            not_applicable: false,
        })
    }
}

/// Hold a sustained check's whole window in one go (`opsdeck check`): the
/// verdict, after `for` at most (and the last probe's timeout).
pub async fn hold(check: &Check, window: Window, ctx: &CheckContext) -> CheckResult {
    let mut hold = Hold::new(window, Utc::now(), 0);
    loop {
        sleep_until(hold.next_at()).await;
        let probe = evaluate(check, ctx).await;
        if let Some(verdict) = hold.take(&probe) {
            return verdict;
        }
    }
}

/// Sleep until a wall-clock time (at once when it is past).
pub async fn sleep_until(at: DateTime<Utc>) {
    let wait = (at - Utc::now()).to_std().unwrap_or(Duration::ZERO);
    tokio::time::sleep(wait).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probe(since: DateTime<Utc>, secs: i64, passed: bool) -> CheckResult {
        CheckResult {
            at: since + chrono::Duration::seconds(secs),
            passed,
            observed: if passed { "HTTP 200" } else { "HTTP 503" }.into(),
            evidence: String::new(),
            evidence_sha256: String::new(),
            not_applicable: false,
        }
    }

    #[test]
    fn a_window_holds_only_when_every_probe_to_its_end_passed() {
        let since: DateTime<Utc> = "2026-11-22T03:15:02Z".parse().expect("time");
        let window = Window {
            length: Duration::from_secs(90),
            every: Duration::from_secs(30),
        };
        let mut h = Hold::new(window, since, 0);
        assert_eq!(h.next_at(), since);
        for (i, secs) in [0, 30, 60].into_iter().enumerate() {
            assert_eq!(h.take(&probe(since, secs, true)), None, "probe {i}");
        }
        assert_eq!(h.next_at(), since + chrono::Duration::seconds(90));
        let verdict = h.take(&probe(since, 90, true)).expect("the window is over");
        assert!(verdict.passed);
        assert_eq!(verdict.observed, "held for 1m 30s: 4 probes passed, the last HTTP 200");

        // One failed probe fails the window, whenever it comes.
        let mut h = Hold::new(window, since, 0);
        assert_eq!(h.take(&probe(since, 0, true)), None);
        let verdict = h.take(&probe(since, 31, false)).expect("failed");
        assert!(!verdict.passed);
        assert_eq!(verdict.observed, "failed after 31s of 1m 30s: HTTP 503");
    }

    #[test]
    fn a_long_gap_cannot_be_resumed() {
        let check: Check = toml::from_str("type = \"http\"\nurl = \"http://x\"\ntimeout = \"5s\"").expect("check");
        let window = Window {
            length: Duration::from_secs(900),
            every: Duration::from_secs(30),
        };
        let last: DateTime<Utc> = "2026-11-22T03:15:02Z".parse().expect("time");
        assert!(resumable(window, &check, last, last + chrono::Duration::seconds(65)));
        assert!(!resumable(window, &check, last, last + chrono::Duration::seconds(66)));
    }
}
