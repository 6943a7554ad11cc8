//! Access-review data: one grant (a subject holding a role) as a source
//! reports it, and the flags that make it worth a reviewer's look. Pure: no IO.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What a source says about a subject's last login. A source without the
/// column says nothing, and "never logged in" must not be guessed from that.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "at", rename_all = "snake_case")]
pub enum LastLogin {
    Unknown,
    Never,
    At(DateTime<Utc>),
}

/// One row of a source: `subject` holds `role`, with what else is known.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccessRow {
    pub source: String,
    pub subject: String,
    pub role: String,
    pub status: Option<String>,
    pub last_login: LastLogin,
    pub created_at: Option<DateTime<Utc>>,
    pub mfa_enabled: Option<bool>,
    pub organization: Option<String>,
    pub granted_by: Option<String>,
    /// Every other column, as text, shown in the details.
    pub extra: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlagKind {
    Privileged,
    SuspendedWithRole,
    MfaDisabled,
    NeverLoggedIn,
    Inactive,
}

impl FlagKind {
    /// A short word for a narrow column.
    pub fn short(self) -> &'static str {
        match self {
            FlagKind::Privileged => "priv",
            FlagKind::SuspendedWithRole => "susp",
            FlagKind::MfaDisabled => "no-mfa",
            FlagKind::NeverLoggedIn => "never",
            FlagKind::Inactive => "inactive",
        }
    }
}

/// Why a row needs a look, in words a reviewer (and an auditor) can read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flag {
    pub kind: FlagKind,
    pub reason: String,
}

/// One grant under review, with the flags it had when the snapshot was taken.
/// `id` is the store's (0 for rows read live from a source, not yet reviewed).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReviewItem {
    pub id: i64,
    #[serde(flatten)]
    pub row: AccessRow,
    pub flags: Vec<Flag>,
}

/// The per-source rules flags are judged by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlagRules {
    pub inactive_days: u32,
    /// Compared without regard to case.
    pub privileged_roles: Vec<String>,
}

impl Default for FlagRules {
    fn default() -> Self {
        Self {
            inactive_days: 90,
            privileged_roles: Vec::new(),
        }
    }
}

/// Statuses that mean the account should hold nothing.
const OFF_STATUSES: [&str; 5] = ["suspended", "disabled", "deactivated", "locked", "inactive"];

/// The flags of one row at `now`, most serious first.
pub fn flags(row: &AccessRow, rules: &FlagRules, now: DateTime<Utc>) -> Vec<Flag> {
    let mut out = Vec::new();
    let flag = |kind, reason: String| Flag { kind, reason };
    if rules
        .privileged_roles
        .iter()
        .any(|r| r.eq_ignore_ascii_case(row.role.trim()))
    {
        out.push(flag(FlagKind::Privileged, format!("privileged role {}", row.role)));
    }
    if let Some(status) = &row.status {
        let s = status.trim().to_ascii_lowercase();
        if OFF_STATUSES.contains(&s.as_str()) && !row.role.trim().is_empty() {
            out.push(flag(
                FlagKind::SuspendedWithRole,
                format!("account {s} but still holds role {}", row.role),
            ));
        }
    }
    if row.mfa_enabled == Some(false) {
        out.push(flag(FlagKind::MfaDisabled, "MFA disabled".into()));
    }
    match row.last_login {
        LastLogin::Never => {
            let since = row
                .created_at
                .map(|c| format!(" (created {}, {} days ago)", c.format("%Y-%m-%d"), days(now, c)))
                .unwrap_or_default();
            out.push(flag(FlagKind::NeverLoggedIn, format!("never logged in{since}")));
        }
        LastLogin::At(t) if days(now, t) >= i64::from(rules.inactive_days) => out.push(flag(
            FlagKind::Inactive,
            format!(
                "inactive {} days (last login {}; limit {})",
                days(now, t),
                t.format("%Y-%m-%d"),
                rules.inactive_days
            ),
        )),
        _ => {}
    }
    out
}

fn days(now: DateTime<Utc>, then: DateTime<Utc>) -> i64 {
    now.signed_duration_since(then).num_days().max(0)
}

/// Whether `subject` is the reviewer: their name or an alias, ignoring case,
/// or an address whose local part is one of them (`alice@corp.example`).
/// Erring towards "yes" only refuses a decision someone else can make.
pub fn is_own_access(subject: &str, operator: &str, aliases: &[String]) -> bool {
    let subject = subject.trim();
    let local = subject.split('@').next().unwrap_or(subject);
    std::iter::once(operator)
        .chain(aliases.iter().map(String::as_str))
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .any(|n| n.eq_ignore_ascii_case(subject) || (!n.contains('@') && n.eq_ignore_ascii_case(local)))
}

/// Queue order: flagged rows first (more flags first), then by source,
/// subject and role, so the order is the same every time.
pub fn queue_order(a: (&AccessRow, &[Flag]), b: (&AccessRow, &[Flag])) -> std::cmp::Ordering {
    let rank = |f: &[Flag]| std::cmp::Reverse((!f.is_empty(), f.len()));
    rank(a.1)
        .cmp(&rank(b.1))
        .then_with(|| a.0.source.cmp(&b.0.source))
        .then_with(|| a.0.subject.cmp(&b.0.subject))
        .then_with(|| a.0.role.cmp(&b.0.role))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 3, 0, 0).single().expect("time")
    }

    fn row(subject: &str, role: &str) -> AccessRow {
        AccessRow {
            source: "app".into(),
            subject: subject.into(),
            role: role.into(),
            status: Some("active".into()),
            last_login: LastLogin::At(now() - chrono::Duration::days(3)),
            created_at: None,
            mfa_enabled: Some(true),
            organization: None,
            granted_by: None,
            extra: BTreeMap::new(),
        }
    }

    fn kinds(r: &AccessRow) -> Vec<FlagKind> {
        let rules = FlagRules {
            inactive_days: 90,
            privileged_roles: vec!["Admin".into()],
        };
        flags(r, &rules, now()).into_iter().map(|f| f.kind).collect()
    }

    #[test]
    fn each_flag_with_its_reason() {
        assert!(kinds(&row("a", "viewer")).is_empty());
        assert_eq!(kinds(&row("a", "admin")), vec![FlagKind::Privileged]);
        let mut r = row("a", "viewer");
        r.last_login = LastLogin::At(now() - chrono::Duration::days(90));
        assert_eq!(kinds(&r), vec![FlagKind::Inactive], "90 days is inactive");
        r.last_login = LastLogin::At(now() - chrono::Duration::days(89));
        assert!(kinds(&r).is_empty(), "89 days is not");
        r.last_login = LastLogin::Never;
        assert_eq!(kinds(&r), vec![FlagKind::NeverLoggedIn]);
        r.last_login = LastLogin::Unknown;
        assert!(kinds(&r).is_empty(), "no column, no guess");
        r.mfa_enabled = Some(false);
        r.status = Some("Suspended".into());
        assert_eq!(kinds(&r), vec![FlagKind::SuspendedWithRole, FlagKind::MfaDisabled]);
        let f = flags(&r, &FlagRules::default(), now());
        assert_eq!(f[0].reason, "account suspended but still holds role viewer");
    }

    #[test]
    fn own_access_by_name_alias_or_local_part() {
        let aliases = vec!["a.smith".to_string(), "alice@corp.example".to_string()];
        for own in [
            "alice",
            "ALICE",
            "alice@corp.example",
            "a.smith@other.example",
            " alice ",
        ] {
            assert!(is_own_access(own, "alice", &aliases), "{own}");
        }
        for other in ["bob", "alice2", "bob@alice.example", ""] {
            assert!(!is_own_access(other, "alice", &aliases), "{other}");
        }
    }
}

/// One load of one source.
#[derive(Debug, Clone, PartialEq)]
pub struct AccessLoad {
    pub source: String,
    pub at: DateTime<Utc>,
    pub result: Result<SourceRows, String>,
}

/// A source's rows, flagged and in queue order, and the rows it skipped.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SourceRows {
    pub items: Vec<ReviewItem>,
    /// One line per bad row, naming its number.
    pub problems: Vec<String>,
    /// Rows the source returned, good and bad.
    pub total: usize,
}
