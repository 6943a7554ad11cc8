//! What each unset interval, timeout and threshold defaults to (the
//! `#[serde(default = ...)]` functions of the config model).

use std::time::Duration;

pub fn timeout() -> Duration {
    Duration::from_secs(3)
}
pub fn docker_interval() -> Duration {
    Duration::from_secs(5)
}
pub fn http_interval() -> Duration {
    Duration::from_secs(15)
}
pub fn pg_interval() -> Duration {
    Duration::from_secs(10)
}
pub fn am_interval() -> Duration {
    Duration::from_secs(1)
}
pub fn long_query() -> Duration {
    Duration::from_secs(300)
}
pub fn replication_lag_warn() -> Duration {
    Duration::from_secs(30)
}
pub fn idle_in_tx() -> Duration {
    Duration::from_secs(300)
}
pub fn replication_lag_bytes() -> u64 {
    16 << 20
}
pub fn lag_breach_samples() -> u32 {
    3
}
pub fn xid_age_warn_pct() -> f64 {
    50.0
}
pub fn backup_max_age() -> Duration {
    Duration::from_secs(26 * 3600)
}
pub fn ack_duration() -> Duration {
    super::DEFAULT_ACK_DURATION
}
pub fn expect_status() -> u16 {
    200
}
pub fn connections_warn() -> u32 {
    50
}
pub fn cache_hit_warn() -> f64 {
    95.0
}
pub fn inactive_days() -> u32 {
    90
}
