//! Escalation judged without IO: when an alert nobody answered must have
//! been answered, and which `[[escalation]]` levels are due for it at a
//! moment, given what was already notified. The recorder's engine sends
//! what this says; the Alerts pane shows what was sent.

use crate::model::alerts::{AlertRow, Severity};
use chrono::{DateTime, Utc};
use std::collections::HashSet;
use std::time::Duration;

/// One level, in the order the config lists them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Level {
    pub name: String,
    /// How long past the alert's response deadline it is notified.
    pub after: Duration,
    /// The severities it is for; empty: every severity.
    pub severities: Vec<Severity>,
}

impl Level {
    pub fn covers(&self, severity: Severity) -> bool {
        self.severities.is_empty() || self.severities.contains(&severity)
    }
}

/// How soon each severity must be answered (`[alerts] respond_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResponseTimes {
    pub critical: Duration,
    pub warning: Duration,
    pub info: Duration,
}

impl ResponseTimes {
    pub fn within(&self, severity: Severity) -> Duration {
        match severity {
            Severity::Critical => self.critical,
            Severity::Warning => self.warning,
            Severity::Info | Severity::None => self.info,
        }
    }

    /// When an alert must have been answered: its start plus its
    /// severity's response time (far in the future when that overflows).
    pub fn deadline(&self, a: &AlertRow) -> DateTime<Utc> {
        plus(a.starts_at, self.within(a.severity))
    }
}

fn plus(t: DateTime<Utc>, d: Duration) -> DateTime<Utc> {
    chrono::Duration::from_std(d)
        .ok()
        .and_then(|d| t.checked_add_signed(d))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// One alert and one level: notified once. An alert that resolves and
/// fires again starts anew (its start differs).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    /// The alert's source: its Alertmanager, or the cluster it is in.
    pub source: String,
    pub fingerprint: String,
    pub starts_at: DateTime<Utc>,
    pub level: String,
}

/// An alert as the engine sees it: where it is from, and whether someone
/// has it in a way the alert itself does not show (an ack in the store).
#[derive(Debug, Clone)]
pub struct Candidate<'a> {
    pub source: &'a str,
    pub alert: &'a AlertRow,
    /// An opsdeck acknowledgement holds for it.
    pub acked: bool,
    /// The source's heartbeat: it fires on purpose and asks nothing.
    pub heartbeat: bool,
}

impl Candidate<'_> {
    /// Firing and nobody has it: not silenced, inhibited, acknowledged, nor
    /// the heartbeat (the Alerts pane's `needs_response`).
    pub fn needs_response(&self) -> bool {
        !self.alert.is_quiet() && !self.acked && !self.heartbeat
    }
}

/// A level due for an alert now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    pub key: Key,
    /// The level's place in the config's list.
    pub level: usize,
    pub deadline: DateTime<Utc>,
    /// How far past the deadline the alert is now.
    pub overdue: chrono::Duration,
}

/// Every level due at `now`, alert by alert and in level order: the alert
/// needs a response, the level covers its severity, `now` is at or past
/// its deadline plus the level's `after`, and it was not notified yet.
pub fn due(
    levels: &[Level],
    times: &ResponseTimes,
    candidates: &[Candidate<'_>],
    notified: &HashSet<Key>,
    now: DateTime<Utc>,
) -> Vec<Due> {
    let mut out = Vec::new();
    for c in candidates.iter().filter(|c| c.needs_response()) {
        let deadline = times.deadline(c.alert);
        for (i, level) in levels.iter().enumerate() {
            if !level.covers(c.alert.severity) || now < plus(deadline, level.after) {
                continue;
            }
            let key = Key {
                source: c.source.to_string(),
                fingerprint: c.alert.fingerprint.clone(),
                starts_at: c.alert.starts_at,
                level: level.name.clone(),
            };
            if notified.contains(&key) {
                continue;
            }
            out.push(Due {
                key,
                level: i,
                deadline,
                overdue: now - deadline,
            });
        }
    }
    out
}

/// What a send still retrying asks before each new attempt: is anyone
/// still waiting for an answer to this alert? Built from the last
/// judgement: the sources whose answer is fresh, and the firing alerts in
/// them that nobody has. An alert of a fresh source that is not among them
/// was acknowledged, silenced or resolved (or fired anew); an alert of a
/// source not heard from lately is still waited for, since nothing says
/// otherwise.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Waiting {
    fresh: HashSet<String>,
    alerts: HashSet<(String, String, DateTime<Utc>)>,
}

/// Why a send stopped retrying, as the store and the audit log keep it.
pub const STOPPED_ANSWERED: &str = "stopped: acknowledged, silenced or resolved before it was delivered";

impl Waiting {
    /// From the sources with a fresh answer and every candidate in them.
    pub fn of<'a>(fresh: impl IntoIterator<Item = &'a str>, candidates: &[Candidate<'_>]) -> Waiting {
        Waiting {
            fresh: fresh.into_iter().map(str::to_string).collect(),
            alerts: candidates
                .iter()
                .filter(|c| c.needs_response())
                .map(|c| (c.source.to_string(), c.alert.fingerprint.clone(), c.alert.starts_at))
                .collect(),
        }
    }

    /// Whether a send for `key` should stop: its source answered lately
    /// and the alert no longer waits for anyone.
    pub fn answered(&self, key: &Key) -> bool {
        self.fresh.contains(&key.source)
            && !self
                .alerts
                .contains(&(key.source.clone(), key.fingerprint.clone(), key.starts_at))
    }
}

/// One level notified (or being notified) for one alert, as the store
/// keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EscalationRecord {
    pub key: Key,
    pub alertname: String,
    pub severity: String,
    /// When a recorder took it on.
    pub claimed_at: DateTime<Utc>,
    /// When the destination accepted it; `None` while it is tried, or when
    /// every attempt failed.
    pub sent_at: Option<DateTime<Utc>>,
    pub attempts: i64,
    /// The last attempt's failure, in plain words.
    pub last_error: Option<String>,
}

/// Where an alert's paging stands, for its RESPOND cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paged<'a> {
    /// "↑L2 03:22": the level was delivered then.
    Sent(&'a str, DateTime<Utc>),
    /// "↑L3 failing": the level's attempts failed (or gave up): nobody at
    /// that level was reached.
    Failing(&'a str),
}

/// How far apart two processes may date the start of the same own alert:
/// each dates it from its own first poll that shows it.
pub const OWN_START_SLACK: chrono::Duration = chrono::Duration::minutes(2);

impl EscalationRecord {
    /// Whether this record is of the firing of `a` shown from `source`.
    /// Alertmanager's alerts carry their start; opsdeck's own (`own`) are
    /// dated by whoever saw them first, so a record of one counts when it
    /// began about when this firing was first seen, or was claimed since:
    /// an escalation claimed before a console saw the alert at all is not
    /// shown there.
    pub fn is_of(&self, source: &str, a: &AlertRow, own: bool) -> bool {
        self.key.source == source
            && self.key.fingerprint == a.fingerprint
            && if own {
                let early = a.starts_at.checked_sub_signed(OWN_START_SLACK);
                early.is_none_or(|t| self.key.starts_at >= t) || self.claimed_at >= a.starts_at
            } else {
                self.key.starts_at == a.starts_at
            }
    }
}

/// The last level claimed for an alert that says something: sent, or
/// failing. A level on its first attempt, or stopped because the alert was
/// answered, says nothing, and the one claimed before it is looked at.
/// `records` are in the order they were claimed; `of` picks the alert's.
pub fn paged<'a>(records: &'a [EscalationRecord], of: impl Fn(&EscalationRecord) -> bool) -> Option<Paged<'a>> {
    records
        .iter()
        .rev()
        .filter(|r| of(r))
        .find_map(|r| match (r.sent_at, r.last_error.as_deref()) {
            (Some(at), _) => Some(Paged::Sent(&r.key.level, at)),
            (None, Some(e)) if e != STOPPED_ANSWERED => Some(Paged::Failing(&r.key.level)),
            (None, _) => None,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().expect("time")
    }

    fn alert(fp: &str, sev: Severity, state: &str) -> AlertRow {
        AlertRow {
            fingerprint: fp.into(),
            name: "HighErrorRate".into(),
            severity: sev,
            state: state.into(),
            starts_at: at("2026-12-07T03:00:00Z"),
            summary: String::new(),
            instance: "web-1".into(),
            labels: Default::default(),
            silenced_by: Vec::new(),
            annotations: Default::default(),
            generator_url: String::new(),
        }
    }

    fn level(name: &str, after: u64) -> Level {
        Level {
            name: name.into(),
            after: Duration::from_secs(after),
            severities: Vec::new(),
        }
    }

    const TIMES: ResponseTimes = ResponseTimes {
        critical: Duration::from_secs(600),
        warning: Duration::from_secs(3600),
        info: Duration::from_secs(86400),
    };

    fn names(d: &[Due]) -> Vec<(String, String)> {
        d.iter()
            .map(|d| (d.key.fingerprint.clone(), d.key.level.clone()))
            .collect()
    }

    #[test]
    fn levels_fall_due_past_the_deadline_plus_their_after() {
        let levels = [level("L1", 0), level("L2", 1200)];
        let a = alert("a", Severity::Critical, "active");
        let c = [Candidate {
            source: "am",
            alert: &a,
            acked: false,
            heartbeat: false,
        }];
        let none = HashSet::new();
        // Before the deadline (03:10): nothing.
        assert!(due(&levels, &TIMES, &c, &none, at("2026-12-07T03:09:59Z")).is_empty());
        // At it: L1 only, on time.
        let d = due(&levels, &TIMES, &c, &none, at("2026-12-07T03:10:00Z"));
        assert_eq!(names(&d), vec![("a".into(), "L1".into())]);
        assert_eq!(d[0].overdue, chrono::Duration::zero());
        assert_eq!(d[0].deadline, at("2026-12-07T03:10:00Z"));
        // Twenty minutes later both are due, in order; L1 already sent, L2 only.
        let late = at("2026-12-07T03:30:00Z");
        assert_eq!(
            names(&due(&levels, &TIMES, &c, &none, late)),
            vec![("a".into(), "L1".into()), ("a".into(), "L2".into())]
        );
        let sent: HashSet<Key> = [d[0].key.clone()].into();
        let d = due(&levels, &TIMES, &c, &sent, late);
        assert_eq!(names(&d), vec![("a".into(), "L2".into())]);
        assert_eq!(d[0].overdue, chrono::Duration::minutes(20));
    }

    #[test]
    fn an_alert_someone_has_is_not_escalated() {
        let levels = [level("L1", 0)];
        let now = at("2026-12-08T00:00:00Z");
        let silenced = alert("s", Severity::Critical, "suppressed");
        let firing = alert("f", Severity::Critical, "active");
        let c = [
            Candidate {
                source: "am",
                alert: &silenced,
                acked: false,
                heartbeat: false,
            },
            Candidate {
                source: "am",
                alert: &firing,
                acked: true,
                heartbeat: false,
            },
            Candidate {
                source: "am",
                alert: &firing,
                acked: false,
                heartbeat: true,
            },
        ];
        assert!(due(&levels, &TIMES, &c, &HashSet::new(), now).is_empty());
    }

    #[test]
    fn a_level_covers_only_its_severities_and_each_severity_has_its_own_deadline() {
        let mut crit_only = level("page", 0);
        crit_only.severities = vec![Severity::Critical];
        let levels = [crit_only, level("mail", 0)];
        let w = alert("w", Severity::Warning, "active");
        let c = [Candidate {
            source: "am",
            alert: &w,
            acked: false,
            heartbeat: false,
        }];
        // A warning's deadline is an hour after its start.
        assert!(due(&levels, &TIMES, &c, &HashSet::new(), at("2026-12-07T03:59:59Z")).is_empty());
        assert_eq!(
            names(&due(&levels, &TIMES, &c, &HashSet::new(), at("2026-12-07T04:00:00Z"))),
            vec![("w".into(), "mail".into())]
        );
    }

    #[test]
    fn a_refired_alert_is_a_new_one_and_the_latest_level_that_says_something_is_found() {
        let levels = [level("L1", 0)];
        let a = alert("a", Severity::Critical, "active");
        let mut again = a.clone();
        again.starts_at = at("2026-12-07T05:00:00Z");
        let first = Key {
            source: "am".into(),
            fingerprint: "a".into(),
            starts_at: a.starts_at,
            level: "L1".into(),
        };
        let c = [Candidate {
            source: "am",
            alert: &again,
            acked: false,
            heartbeat: false,
        }];
        let d = due(&levels, &TIMES, &c, &[first.clone()].into(), at("2026-12-07T06:00:00Z"));
        assert_eq!(d.len(), 1);
        let rec = |level: &str, sent: Option<&str>, error: Option<&str>| EscalationRecord {
            key: Key {
                level: level.into(),
                ..first.clone()
            },
            alertname: "HighErrorRate".into(),
            severity: "critical".into(),
            claimed_at: at("2026-12-07T03:10:00Z"),
            sent_at: sent.map(at),
            attempts: 1,
            last_error: error.map(str::to_string),
        };
        let l2 = Paged::Sent("L2", at("2026-12-07T03:22:00Z"));
        // L3 on its first attempt: L2 is what is known.
        let mut records = vec![
            rec("L1", Some("2026-12-07T03:10:01Z"), None),
            rec("L2", Some("2026-12-07T03:22:00Z"), None),
            rec("L3", None, None),
        ];
        let of = |records: &[EscalationRecord], source: &str, a: &AlertRow| {
            paged(records, |r| r.is_of(source, a, false)).map(|p| format!("{p:?}"))
        };
        let l2 = Some(format!("{l2:?}"));
        assert_eq!(of(&records, "am", &a), l2);
        assert_eq!(of(&records, "am", &again), None);
        assert_eq!(of(&records, "other", &a), None);
        // Stopped because the alert was answered: still L2.
        records[2].last_error = Some(STOPPED_ANSWERED.into());
        assert_eq!(of(&records, "am", &a), l2);
        // Refused by the pager: L3 is failing.
        records[2].last_error = Some("HTTP 500".into());
        assert_eq!(of(&records, "am", &a), Some(format!("{:?}", Paged::Failing("L3"))));
    }

    #[test]
    fn an_own_alerts_record_is_of_the_firing_seen_about_when_it_began_or_claimed_since() {
        // The console first saw it at 03:00:00.
        let a = alert("opsdeck/EndpointDown/web", Severity::Critical, "active");
        let rec = |starts: &str, claimed: &str| EscalationRecord {
            key: Key {
                source: "opsdeck".into(),
                fingerprint: a.fingerprint.clone(),
                starts_at: at(starts),
                level: "L1".into(),
            },
            alertname: "EndpointDown".into(),
            severity: "critical".into(),
            claimed_at: at(claimed),
            sent_at: None,
            attempts: 0,
            last_error: None,
        };
        // The recorder saw it a poll earlier, or later.
        assert!(rec("2026-12-07T02:59:50Z", "2026-12-07T03:00:50Z").is_of("opsdeck", &a, true));
        assert!(rec("2026-12-07T03:00:04Z", "2026-12-07T03:00:04Z").is_of("opsdeck", &a, true));
        // It began long before this console saw it, and was claimed since.
        assert!(rec("2026-12-07T01:00:00Z", "2026-12-07T03:10:00Z").is_of("opsdeck", &a, true));
        // An earlier firing, claimed before this one began.
        assert!(!rec("2026-12-07T01:00:00Z", "2026-12-07T01:10:00Z").is_of("opsdeck", &a, true));
        // Alertmanager's alerts carry their start: only that one.
        assert!(!rec("2026-12-07T02:59:50Z", "2026-12-07T03:00:50Z").is_of("opsdeck", &a, false));
    }

    #[test]
    fn a_send_stops_once_its_alert_is_answered_and_only_on_fresh_word() {
        let firing = alert("a", Severity::Critical, "active");
        let silenced = AlertRow {
            silenced_by: vec!["s1".into()],
            state: "suppressed".into(),
            ..firing.clone()
        };
        let key = Key {
            source: "am".into(),
            fingerprint: "a".into(),
            starts_at: firing.starts_at,
            level: "L1".into(),
        };
        let cand = |a, acked| Candidate {
            source: "am",
            alert: a,
            acked,
            heartbeat: false,
        };
        // Still firing, nobody has it: keep trying.
        assert!(!Waiting::of(["am"], &[cand(&firing, false)]).answered(&key));
        // Acknowledged in opsdeck, silenced, or gone from a fresh answer: stop.
        assert!(Waiting::of(["am"], &[cand(&firing, true)]).answered(&key));
        assert!(Waiting::of(["am"], &[cand(&silenced, false)]).answered(&key));
        assert!(Waiting::of(["am"], &[]).answered(&key));
        // Fired anew (another start): the old send stops.
        let again = AlertRow {
            starts_at: at("2026-12-07T04:00:00Z"),
            ..firing.clone()
        };
        assert!(Waiting::of(["am"], &[cand(&again, false)]).answered(&key));
        // Its source not heard from lately: nothing says it was answered.
        assert!(!Waiting::of(["other"], &[]).answered(&key));
        assert!(!Waiting::default().answered(&key));
    }

    #[test]
    fn a_response_time_too_long_to_add_never_falls_due() {
        let times = ResponseTimes {
            critical: Duration::MAX,
            ..TIMES
        };
        let a = alert("a", Severity::Critical, "active");
        assert_eq!(times.deadline(&a), DateTime::<Utc>::MAX_UTC);
        let c = [Candidate {
            source: "am",
            alert: &a,
            acked: false,
            heartbeat: false,
        }];
        assert!(due(
            &[level("L1", 0)],
            &times,
            &c,
            &HashSet::new(),
            at("2100-01-01T00:00:00Z")
        )
        .is_empty());
    }
}
