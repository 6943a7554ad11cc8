//! How durations are written in the config: "2s", "5m", "26h", "1h 30m",
//! and which may be zero.

use serde::{Deserialize, Deserializer};
use std::time::Duration;

/// Durations are written as humans write them: "2s", "5m", "26h", "1h 30m".
/// A duration that may be zero ("0s": immediately).
pub fn de_duration_or_zero<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let raw = String::deserialize(d)?;
    humantime::parse_duration(&raw).map_err(|e| {
        serde::de::Error::custom(format!(
            "invalid duration {raw:?}: {e} (write e.g. \"0s\", \"15m\", \"1h\")"
        ))
    })
}

pub fn de_duration<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let raw = String::deserialize(d)?;
    let parsed = humantime::parse_duration(&raw).map_err(|e| {
        serde::de::Error::custom(format!(
            "invalid duration {raw:?}: {e} (write e.g. \"15s\", \"5m\", \"26h\")"
        ))
    })?;
    if parsed.is_zero() {
        return Err(serde::de::Error::custom("duration must be greater than zero"));
    }
    Ok(parsed)
}
