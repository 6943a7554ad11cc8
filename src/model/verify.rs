//! Verified actions: after a side effect, the thing acted on is looked at
//! again and judged "fixed" or "not fixed" from what it was before and what
//! it is now. The judging is here, pure; the looking is the backends'.

use crate::model::access::AccessRow;
use crate::model::docker::ContainerOp;
use crate::model::postgres::PgSignal;
use std::time::Duration;

/// What a re-check found, with the state on either side of the action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub fixed: bool,
    pub before: String,
    pub after: String,
    /// What the screen says in brackets: "running, healthy in 12s".
    pub summary: String,
}

impl Verdict {
    pub fn word(&self) -> &'static str {
        if self.fixed {
            "fixed"
        } else {
            "not fixed"
        }
    }
}

/// Docker's own default health-check interval, when a check sets none.
pub const DEFAULT_HEALTH_INTERVAL: Duration = Duration::from_secs(30);

/// How long a container without a health check must stay up after a
/// restart or start to count as running (not crashing straight away).
pub const SETTLE: Duration = Duration::from_secs(3);

/// A container as inspect shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerLook {
    /// running, exited, restarting, created, paused, dead.
    pub status: String,
    /// starting, healthy or unhealthy; `None` without a health check.
    pub health: Option<String>,
    pub exit_code: Option<i64>,
    /// The health check's interval, when it has one.
    pub health_interval: Option<Duration>,
    /// The health check's start period: failures in it do not count, so a
    /// slow starter is given it on top of the intervals. Zero without one.
    pub health_start_period: Duration,
}

impl ContainerLook {
    /// "running, healthy", "exited (137)", "restarting".
    pub fn describe(&self) -> String {
        let mut s = self.status.clone();
        if self.status == "exited" {
            if let Some(code) = self.exit_code {
                s.push_str(&format!(" ({code})"));
            }
        }
        if let Some(h) = self.health.as_deref().filter(|_| self.status == "running") {
            s.push_str(", ");
            s.push_str(h);
        }
        s
    }

    fn is_up(&self) -> bool {
        self.status == "running"
    }
}

/// How long a restart or start is given to show that it worked: the
/// health check's start period and three intervals with a health check,
/// the settle time without.
pub fn patience(look: &ContainerLook) -> Duration {
    match look.health_interval {
        Some(i) => look.health_start_period.saturating_add(i.saturating_mul(3)),
        None => SETTLE,
    }
}

/// A look taken `elapsed` after the call: wait for another, or the verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Judged {
    Wait,
    Done { fixed: bool, summary: String },
}

/// Judge one look at a container after `op`, given `patience`.
pub fn judge_container(op: ContainerOp, look: &ContainerLook, elapsed: Duration, patience: Duration) -> Judged {
    let late = elapsed >= patience;
    let secs = elapsed.as_secs();
    let done = |fixed: bool, summary: String| Judged::Done { fixed, summary };
    match op {
        ContainerOp::Stop if !look.is_up() && look.status != "restarting" => done(true, look.describe()),
        ContainerOp::Stop if late => done(false, format!("{} after {secs}s", look.describe())),
        ContainerOp::Stop => Judged::Wait,
        ContainerOp::Restart | ContainerOp::Start => match look.health.as_deref() {
            Some("healthy") if look.is_up() => done(true, format!("running, healthy in {secs}s")),
            _ if matches!(look.status.as_str(), "exited" | "dead") => done(false, look.describe()),
            None if look.is_up() && elapsed >= SETTLE => done(true, format!("running for {secs}s")),
            _ if late => done(false, format!("{} after {secs}s", look.describe())),
            _ => Judged::Wait,
        },
    }
}

/// A PostgreSQL backend as pg_stat_activity shows it (the query already
/// cleaned and cut short by whoever read it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackendLook {
    pub state: String,
    pub query: String,
    /// When its query started, as the server wrote it (only compared).
    pub query_start: Option<String>,
}

impl BackendLook {
    pub fn describe(&self) -> String {
        if self.query.is_empty() {
            self.state.clone()
        } else {
            format!("{}: {}", self.state, self.query)
        }
    }
}

/// Whether a signal did what it was for. Terminate: the pid is gone from
/// pg_stat_activity. Cancel: the query stopped (the session idle, gone,
/// or running another query since).
pub fn judge_signal(op: PgSignal, before: Option<&BackendLook>, after: Option<&BackendLook>) -> (bool, String) {
    match (op, after) {
        (_, None) => (true, "gone from pg_stat_activity".into()),
        (PgSignal::Terminate, Some(a)) => (false, format!("still there ({})", a.state)),
        (PgSignal::Cancel, Some(a)) if a.state != "active" => (true, format!("query stopped, session {}", a.state)),
        (PgSignal::Cancel, Some(a)) if before.is_some_and(|b| b.query_start != a.query_start) => {
            (true, "query stopped, another one running now".into())
        }
        (PgSignal::Cancel, Some(_)) => (false, "the same query still running".into()),
    }
}

/// An access row as a verdict states it: "listed as admin (status active)".
pub fn describe_access(row: Option<&AccessRow>) -> String {
    match row {
        None => "not listed".into(),
        Some(r) => match &r.status {
            Some(status) => format!("listed as {} (status {status})", r.role),
            None => format!("listed as {}", r.role),
        },
    }
}

/// Whether a revoke shows in its source, read again: the row (subject and
/// role) gone, or changed (its status or other columns; a last login is
/// not a change the revoke made). The summary says which.
pub fn judge_revoke(before: &AccessRow, after: Option<&AccessRow>) -> (bool, String) {
    match after {
        None => (true, "no longer listed by the source".into()),
        Some(a) if a.status != before.status || a.extra != before.extra => {
            (true, format!("the source row changed: {}", describe_access(Some(a))))
        }
        Some(_) => (false, "still listed by the source, unchanged".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn look(status: &str, health: Option<&str>) -> ContainerLook {
        ContainerLook {
            status: status.into(),
            health: health.map(String::from),
            exit_code: Some(1),
            health_interval: health.map(|_| Duration::from_secs(1)),
            health_start_period: Duration::ZERO,
        }
    }

    #[test]
    fn patience_is_the_start_period_and_three_intervals_or_the_settle_time() {
        assert_eq!(patience(&look("running", None)), SETTLE);
        assert_eq!(patience(&look("running", Some("starting"))), Duration::from_secs(3));
        let slow = ContainerLook {
            health_start_period: Duration::from_secs(60),
            ..look("running", Some("starting"))
        };
        assert_eq!(patience(&slow), Duration::from_secs(63));
    }

    const S: fn(u64) -> Duration = Duration::from_secs;

    #[test]
    fn a_restart_is_fixed_once_healthy_and_not_fixed_when_still_unhealthy_at_the_end() {
        let r = ContainerOp::Restart;
        assert_eq!(
            judge_container(r, &look("running", Some("starting")), S(1), S(3)),
            Judged::Wait
        );
        assert_eq!(
            judge_container(r, &look("running", Some("healthy")), S(2), S(3)),
            Judged::Done {
                fixed: true,
                summary: "running, healthy in 2s".into()
            }
        );
        // Unhealthy may still turn: judged only when patience runs out.
        assert_eq!(
            judge_container(r, &look("running", Some("unhealthy")), S(2), S(3)),
            Judged::Wait
        );
        assert_eq!(
            judge_container(r, &look("running", Some("unhealthy")), S(3), S(3)),
            Judged::Done {
                fixed: false,
                summary: "running, unhealthy after 3s".into()
            }
        );
    }

    #[test]
    fn without_a_health_check_it_must_stay_running_for_the_settle_time() {
        let r = ContainerOp::Start;
        assert_eq!(judge_container(r, &look("running", None), S(1), SETTLE), Judged::Wait);
        assert!(matches!(
            judge_container(r, &look("running", None), SETTLE, SETTLE),
            Judged::Done { fixed: true, .. }
        ));
        assert_eq!(
            judge_container(r, &look("exited", None), S(1), SETTLE),
            Judged::Done {
                fixed: false,
                summary: "exited (1)".into()
            }
        );
        assert!(matches!(
            judge_container(r, &look("restarting", None), SETTLE, SETTLE),
            Judged::Done { fixed: false, .. }
        ));
    }

    #[test]
    fn a_stop_is_verified_when_the_container_no_longer_runs() {
        let s = ContainerOp::Stop;
        assert!(matches!(
            judge_container(s, &look("exited", None), S(0), SETTLE),
            Judged::Done { fixed: true, .. }
        ));
        assert_eq!(judge_container(s, &look("running", None), S(1), SETTLE), Judged::Wait);
        assert!(matches!(
            judge_container(s, &look("running", None), SETTLE, SETTLE),
            Judged::Done { fixed: false, .. }
        ));
    }

    #[test]
    fn patience_is_three_health_intervals_or_the_settle_time() {
        let mut l = look("running", Some("starting"));
        l.health_interval = Some(DEFAULT_HEALTH_INTERVAL);
        assert_eq!(patience(&l), S(90));
        assert_eq!(patience(&look("running", None)), SETTLE);
        assert_eq!(look("running", Some("healthy")).describe(), "running, healthy");
        assert_eq!(look("exited", Some("unhealthy")).describe(), "exited (1)");
    }

    #[test]
    fn a_revoke_is_fixed_when_the_row_is_gone_or_changed() {
        let row = AccessRow {
            source: "app".into(),
            subject: "mallory".into(),
            role: "admin".into(),
            status: Some("active".into()),
            last_login: crate::model::access::LastLogin::Unknown,
            created_at: None,
            mfa_enabled: None,
            organization: None,
            granted_by: None,
            extra: Default::default(),
        };
        assert!(judge_revoke(&row, None).0);
        assert!(!judge_revoke(&row, Some(&row)).0);
        let disabled = AccessRow {
            status: Some("disabled".into()),
            ..row.clone()
        };
        assert_eq!(
            judge_revoke(&row, Some(&disabled)),
            (true, "the source row changed: listed as admin (status disabled)".into())
        );
    }

    #[test]
    fn a_signal_is_judged_by_what_pg_stat_activity_shows_after() {
        let busy = |start: &str| BackendLook {
            state: "active".into(),
            query: "SELECT pg_sleep(60)".into(),
            query_start: Some(start.into()),
        };
        let idle = BackendLook {
            state: "idle".into(),
            query: String::new(),
            query_start: None,
        };
        let b = busy("03:00");
        assert!(judge_signal(PgSignal::Terminate, Some(&b), None).0);
        assert!(!judge_signal(PgSignal::Terminate, Some(&b), Some(&idle)).0);
        assert!(judge_signal(PgSignal::Cancel, Some(&b), Some(&idle)).0);
        assert!(judge_signal(PgSignal::Cancel, Some(&b), Some(&busy("03:01"))).0);
        assert_eq!(
            judge_signal(PgSignal::Cancel, Some(&b), Some(&busy("03:00"))),
            (false, "the same query still running".into())
        );
        assert_eq!(b.describe(), "active: SELECT pg_sleep(60)");
    }
}
