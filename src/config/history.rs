//! `[history]`: how long the flight recorder keeps what it recorded, and
//! how much of it.

use serde::{Deserialize, Deserializer};
use std::time::Duration;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HistoryConfig {
    /// Frames and resolved alerts older than this are pruned ("14d").
    #[serde(deserialize_with = "super::de_duration")]
    pub keep: Duration,
    /// The oldest frames go, whatever their age, above this many bytes ("500MB").
    #[serde(deserialize_with = "de_size")]
    pub max_size: u64,
    /// A whole model at least this often; changes between are deltas.
    #[serde(deserialize_with = "super::de_duration")]
    pub keyframe: Duration,
}

impl Default for HistoryConfig {
    fn default() -> Self {
        Self {
            keep: Duration::from_secs(14 * 86_400),
            max_size: 500_000_000,
            keyframe: Duration::from_secs(300),
        }
    }
}

/// A size as people write it: "500MB", "2 GiB", "1000000".
fn de_size<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    let raw = String::deserialize(d)?;
    let size: bytesize::ByteSize = raw
        .trim()
        .parse()
        .map_err(|e| serde::de::Error::custom(format!("invalid size {raw:?}: {e} (write e.g. \"500MB\", \"2GiB\")")))?;
    if size.as_u64() == 0 {
        return Err(serde::de::Error::custom("size must be greater than zero"));
    }
    Ok(size.as_u64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keep_and_size_read_as_written() {
        let h: Result<HistoryConfig, _> = toml::from_str("keep = \"7d\"\nmax_size = \"2GB\"");
        let h = h.map(|h| (h.keep, h.max_size)).map_err(|e| e.to_string());
        assert_eq!(h, Ok((Duration::from_secs(7 * 86_400), 2_000_000_000)));
        assert!(toml::from_str::<HistoryConfig>("max_size = \"lots\"").is_err());
    }
}
