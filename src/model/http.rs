//! An HTTP health endpoint's last answer.

use chrono::{DateTime, Utc};

/// Certificates expiring sooner than this are a warning.
pub const CERT_WARN_DAYS: i64 = 30;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct HttpProbe {
    pub status: u16,
    pub expected: u16,
    pub latency_ms: u64,
    /// Failed checks in a row, this one included (0 when it passed).
    pub failures: u32,
    pub last_success: Option<DateTime<Utc>>,
    /// Days until the server certificate expires (https only).
    pub cert_days_left: Option<i64>,
}

impl HttpProbe {
    pub fn ok(&self) -> bool {
        self.status == self.expected
    }
    pub fn cert_expiring(&self) -> bool {
        self.cert_days_left.is_some_and(|d| d < CERT_WARN_DAYS)
    }
}
