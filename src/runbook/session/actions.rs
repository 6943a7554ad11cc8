//! The side effects a session recorded (`EventKind::Action`): how many
//! restarts a container had in it, and how one reads in the timeline.

use super::{Event, EventKind, Session};

/// The action name a container restart is recorded under.
pub const RESTART: &str = "restart";

impl Session {
    /// Restarts of `target` ("host/container") recorded in this session,
    /// whether they helped or not.
    pub fn restarts_of(&self, target: &str) -> usize {
        self.events
            .iter()
            .filter(
                |e| matches!(&e.what, EventKind::Action { action, target: t, .. } if action == RESTART && t == target),
            )
            .count()
    }
}

/// "verified: fixed", "verified: not fixed", or "not verified".
pub fn verdict_word(verified: Option<bool>) -> &'static str {
    match verified {
        Some(true) => "verified: fixed",
        Some(false) => "verified: NOT fixed",
        None => "not verified",
    }
}

/// One action as a timeline phrase: "restart prod/web — verified: fixed
/// (restarting → running, healthy)".
pub fn describe(e: &Event) -> Option<String> {
    let EventKind::Action {
        action,
        target,
        verified,
        before,
        after,
        reason,
    } = &e.what
    else {
        return None;
    };
    let one = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut s = format!(
        "{action} {target} — {} ({} → {})",
        verdict_word(*verified),
        one(before),
        one(after)
    );
    if let Some(r) = reason {
        s.push_str(&format!(", past the limit because: {}", one(r)));
    }
    Some(s)
}

/// A `verify` audit entry written for this session: its `Action` event
/// says the same in the timeline, so the entry is not listed twice.
pub fn told_by_session(entry: &crate::model::audit::AuditEntry, session: &str) -> bool {
    entry.action == "verify"
        && serde_json::from_str::<serde_json::Value>(&entry.details)
            .is_ok_and(|d| d.get("session").and_then(|v| v.as_str()) == Some(session))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_verdict_entry_of_this_session_is_told_by_its_event() {
        let entry = |action: &str, details: &str| crate::model::audit::AuditEntry {
            seq: 1,
            ts: String::new(),
            operator: "alice".into(),
            ssh_client: None,
            host: "jump".into(),
            pane: "services".into(),
            action: action.into(),
            target: Some("prod/web".into()),
            justification: None,
            outcome: "ok".into(),
            details: details.into(),
            prev_hash: String::new(),
            hash: String::new(),
        };
        assert!(told_by_session(&entry("verify", r#"{"session":"INC-1"}"#), "INC-1"));
        assert!(!told_by_session(&entry("verify", r#"{"session":"INC-2"}"#), "INC-1"));
        assert!(!told_by_session(&entry("verify", r#"{"session":null}"#), "INC-1"));
        assert!(!told_by_session(
            &entry("container.restart", r#"{"session":"INC-1"}"#),
            "INC-1"
        ));
    }

    fn action(action: &str, target: &str, verified: Option<bool>) -> Event {
        Event {
            at: chrono::DateTime::UNIX_EPOCH,
            operator: "alice".into(),
            step: None,
            what: EventKind::Action {
                action: action.into(),
                target: target.into(),
                verified,
                before: "running, unhealthy".into(),
                after: "running,\nhealthy".into(),
                reason: None,
            },
        }
    }

    #[test]
    fn restarts_are_counted_per_container_whatever_they_came_to() {
        let mut s = super::super::tests::session();
        s.events = vec![
            action(RESTART, "prod/web", Some(false)),
            action(RESTART, "prod/web", None),
            action(RESTART, "prod/db", Some(true)),
            action("stop", "prod/web", Some(true)),
            action(RESTART, "prod/web", Some(true)),
        ];
        assert_eq!(s.restarts_of("prod/web"), 3);
        assert_eq!(s.restarts_of("prod/db"), 1);
        assert_eq!(s.restarts_of("prod/api"), 0);
    }

    #[test]
    fn an_action_reads_as_its_verdict_with_before_and_after_on_one_line() {
        let text = describe(&action(RESTART, "prod/web", Some(true)));
        assert_eq!(
            text.as_deref(),
            Some("restart prod/web — verified: fixed (running, unhealthy → running, healthy)")
        );
        let mut e = action(RESTART, "prod/web", Some(false));
        if let EventKind::Action { reason, .. } = &mut e.what {
            *reason = Some("vendor asked for one more".into());
        }
        assert!(
            describe(&e).is_some_and(|t| t.contains("NOT fixed") && t.ends_with("because: vendor asked for one more"))
        );
    }

    #[test]
    fn an_action_event_reads_back_from_json_beside_the_old_kinds() {
        let e = action(RESTART, "prod/web", Some(true));
        let json = serde_json::to_string(&e.what).unwrap_or_default();
        assert!(json.contains("\"kind\":\"action\""), "{json}");
        let back: Result<EventKind, _> = serde_json::from_str(&json);
        assert_eq!(back.ok(), Some(e.what));
        let old: Result<EventKind, _> = serde_json::from_str(r#"{"kind":"note","text":"hi"}"#);
        assert!(old.is_ok());
    }
}
