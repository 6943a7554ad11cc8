//! Crash loops: a container that restarted `restarts` times within the
//! window. Between its restarts Docker lists it as "running", so a single
//! list cannot tell; the restart count (`RestartCount`, read by inspect)
//! is followed from poll to poll instead. A loop holds, from its first
//! restart, until the container stays up longer than the window or is
//! stopped, so its alert neither flaps nor starts again at every restart.

use crate::model::docker::{ContainerRow, CrashLoop, CrashLoopPolicy};
use chrono::{DateTime, Utc};
use std::collections::{HashMap, VecDeque};

/// What inspect says about a container's restarts.
#[derive(Debug, Clone, PartialEq)]
pub struct Restarts {
    /// Docker's `RestartCount`: restarts by its restart policy.
    pub count: i64,
    /// When it last exited, if it has.
    pub finished_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Default)]
struct Track {
    count: i64,
    /// Restarts within the window, oldest first.
    times: VecDeque<DateTime<Utc>>,
    looping: Option<CrashLoop>,
}

/// Restart history per container id.
#[derive(Debug, Default)]
pub struct Tracker {
    by_id: HashMap<String, Track>,
}

impl Tracker {
    /// Whether `id` restarted within the window (or loops): it is inspected
    /// at every poll until it has been up a whole window.
    pub fn is_watched(&self, id: &str) -> bool {
        self.by_id
            .get(id)
            .is_some_and(|t| !t.times.is_empty() || t.looping.is_some())
    }

    /// The last restart count read for `id`.
    pub fn count(&self, id: &str) -> Option<i64> {
        self.by_id.get(id).map(|t| t.count)
    }

    /// A restart count just read. Each restart is dated by the container's
    /// last exit (when the loop really was), or `now` without one.
    pub fn observe(&mut self, id: &str, seen: &Restarts, now: DateTime<Utc>, policy: CrashLoopPolicy) {
        let at = seen.finished_at.filter(|t| *t <= now).unwrap_or(now);
        let recent = window(policy).is_some_and(|w| now - at <= w);
        let Some(track) = self.by_id.get_mut(id) else {
            // First sight: its last exit counts if recent; a container that
            // already restarted `restarts` times and died within the window
            // is looping now (since when, nobody here saw).
            let mut track = Track {
                count: seen.count,
                ..Default::default()
            };
            if seen.count > 0 && recent {
                track.times.push_back(at);
                if seen.count >= i64::from(policy.restarts) {
                    track.looping = Some(CrashLoop {
                        since: now,
                        restarts: u32::try_from(seen.count).unwrap_or(u32::MAX),
                    });
                }
            }
            self.by_id.insert(id.to_string(), track);
            return;
        };
        if seen.count < track.count {
            // Started again by hand: Docker counts from zero.
            *track = Track {
                count: seen.count,
                ..Default::default()
            };
            return;
        }
        let new = seen.count - track.count;
        track.count = seen.count;
        for _ in 0..new.min(i64::from(policy.restarts) + 1) {
            track.times.push_back(at);
        }
        if let Some(l) = track.looping.as_mut() {
            l.restarts = l.restarts.saturating_add(u32::try_from(new).unwrap_or(u32::MAX));
        }
    }

    /// Whether the listed container is crash-looping now.
    pub fn judge(&mut self, row: &ContainerRow, now: DateTime<Utc>, policy: CrashLoopPolicy) -> Option<CrashLoop> {
        let track = self.by_id.get_mut(&row.id)?;
        let w = window(policy)?;
        while track.times.front().is_some_and(|t| now - *t > w) {
            track.times.pop_front();
        }
        // Stopped (by the operator, or its policy gave up), or up a whole window.
        let stopped = !row.is_running();
        if stopped || track.times.is_empty() {
            track.looping = None;
            return None;
        }
        if track.looping.is_none() && track.times.len() >= policy.restarts as usize {
            track.looping = track.times.front().map(|since| CrashLoop {
                since: *since,
                restarts: track.times.len() as u32,
            });
        }
        track.looping
    }

    /// Forget containers no longer listed.
    pub fn retain(&mut self, listed: &[ContainerRow]) {
        self.by_id.retain(|id, _| listed.iter().any(|c| c.id == *id));
    }
}

fn window(policy: CrashLoopPolicy) -> Option<chrono::Duration> {
    chrono::Duration::from_std(policy.window)
        .ok()
        .filter(|w| *w > chrono::Duration::zero())
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: CrashLoopPolicy = CrashLoopPolicy {
        restarts: 3,
        window: std::time::Duration::from_secs(600),
    };

    fn t(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + secs, 0).unwrap_or_default()
    }

    fn row(state: &str) -> ContainerRow {
        crate::backends::docker::row::row_from_summary(bollard::models::ContainerSummary {
            id: Some("c1".into()),
            state: Some(state.into()),
            ..Default::default()
        })
    }

    fn seen(count: i64, died: i64) -> Restarts {
        Restarts {
            count,
            finished_at: Some(t(died)),
        }
    }

    #[test]
    fn three_restarts_in_the_window_loop_from_the_first_until_up_a_whole_window() {
        let mut tr = Tracker::default();
        tr.observe("c1", &seen(0, -100_000), t(0), POLICY);
        assert!(!tr.is_watched("c1"), "never restarted: not inspected every poll");
        for (n, at) in [(1, 10), (2, 20)] {
            tr.observe("c1", &seen(n, at), t(at + 1), POLICY);
            assert_eq!(tr.judge(&row("running"), t(at + 1), POLICY), None);
        }
        tr.observe("c1", &seen(3, 40), t(41), POLICY);
        let l = tr.judge(&row("restarting"), t(41), POLICY);
        assert_eq!(
            l,
            Some(CrashLoop {
                since: t(10),
                restarts: 3
            })
        );
        // Holds between restarts, and through a slow one, with the same start.
        tr.observe("c1", &seen(5, 400), t(401), POLICY);
        assert_eq!(
            tr.judge(&row("running"), t(700), POLICY),
            Some(CrashLoop {
                since: t(10),
                restarts: 5
            })
        );
        // Up longer than the window since its last restart: over.
        assert_eq!(tr.judge(&row("running"), t(1001), POLICY), None);
        assert!(!tr.is_watched("c1"));
        assert_eq!(tr.count("c1"), Some(5));
    }

    #[test]
    fn a_loop_ends_when_the_container_is_stopped() {
        let mut tr = Tracker::default();
        tr.observe("c1", &seen(0, -100_000), t(0), POLICY);
        tr.observe("c1", &seen(3, 5), t(6), POLICY);
        assert!(tr.judge(&row("running"), t(6), POLICY).is_some());
        assert_eq!(tr.judge(&row("exited"), t(9), POLICY), None);
    }

    #[test]
    fn first_sight_of_a_container_that_keeps_dying_is_a_loop() {
        let mut tr = Tracker::default();
        tr.observe("c1", &seen(7, 50), t(60), POLICY);
        assert_eq!(
            tr.judge(&row("restarting"), t(60), POLICY),
            Some(CrashLoop {
                since: t(60),
                restarts: 7
            })
        );
        // Restarted long ago: not a loop, not watched.
        let mut tr = Tracker::default();
        tr.observe("c1", &seen(7, -5000), t(60), POLICY);
        assert_eq!(tr.judge(&row("running"), t(60), POLICY), None);
        assert!(!tr.is_watched("c1"));
    }

    #[test]
    fn a_start_by_hand_counts_from_zero() {
        let mut tr = Tracker::default();
        tr.observe("c1", &seen(0, -100_000), t(0), POLICY);
        tr.observe("c1", &seen(2, 5), t(6), POLICY);
        tr.observe("c1", &seen(0, 8), t(9), POLICY);
        tr.observe("c1", &seen(1, 10), t(11), POLICY);
        assert_eq!(tr.judge(&row("running"), t(11), POLICY), None);
    }
}
