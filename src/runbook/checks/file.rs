//! File checks: a file exists, was modified within `newer_than`, and has
//! the given sha256. Hashed in chunks on the async runtime, so a check that
//! runs out of time stops reading at once.

use super::{io_words, Outcome};
use sha2::{Digest, Sha256};
use std::path::Path;
use std::time::{Duration, SystemTime};
use tokio::io::AsyncReadExt;

const CHUNK: usize = 1 << 20;

pub(crate) async fn check(path: &str, newer_than: Option<Duration>, sha256: Option<&str>) -> Result<Outcome, String> {
    let full = crate::config::expand_home(Path::new(path));
    let meta = match tokio::fs::metadata(&full).await {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(Outcome::failed(format!("{path} does not exist")));
        }
        Err(e) => return Err(format!("{path}: {}", io_words(&e))),
    };
    let age = meta
        .modified()
        .ok()
        .map(|m| SystemTime::now().duration_since(m).unwrap_or(Duration::ZERO));
    let size = if meta.is_dir() {
        "a directory".to_string()
    } else {
        size_words(meta.len())
    };
    let age_text = match age {
        Some(a) => format!("modified {} ago", short_age(a)),
        None => "modification time unknown".into(),
    };
    let mut problems = Vec::new();
    if let Some(limit) = newer_than {
        match age {
            Some(a) if a <= limit => {}
            Some(_) => problems.push(format!("older than {}", humantime::format_duration(limit))),
            None => problems.push("no modification time to compare".into()),
        }
    }
    let mut evidence = format!("{path}: {size} ({} bytes), {age_text}", meta.len());
    if let Some(modified) = meta.modified().ok().map(chrono::DateTime::<chrono::Utc>::from) {
        evidence.push_str(&format!(" ({})", modified.to_rfc3339()));
    }
    if let Some(expected) = sha256 {
        if meta.is_dir() {
            problems.push("a directory has no sha256".into());
        } else {
            let actual = sha256_of(&full)
                .await
                .map_err(|e| format!("{path}: {}", io_words(&e)))?;
            evidence.push_str(&format!("\nsha256 {actual}"));
            if !actual.eq_ignore_ascii_case(expected.trim()) {
                problems.push("sha256 differs".into());
                evidence.push_str(&format!("\nexpected {}", expected.trim()));
            }
        }
    }
    let mut observed = format!("{size}, {age_text}");
    if sha256.is_some() && problems.is_empty() {
        observed.push_str(", sha256 matches");
    }
    if !problems.is_empty() {
        observed = format!("{observed}: {}", problems.join(", "));
    }
    Ok(Outcome::new(problems.is_empty(), observed, evidence))
}

/// Hex sha256 of a file, read in chunks: never whole in memory, and
/// cancelled between chunks when the check is dropped.
async fn sha256_of(path: &Path) -> std::io::Result<String> {
    let mut file = tokio::fs::File::open(path).await?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; CHUNK];
    loop {
        let n = file.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}

/// "12 MiB", "3.4 KiB", "17 bytes".
fn size_words(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if bytes < 1024 {
        return format!("{bytes} bytes");
    }
    let mut value = bytes as f64;
    let mut unit = "bytes";
    for u in UNITS {
        if value < 1024.0 {
            break;
        }
        value /= 1024.0;
        unit = u;
    }
    if value < 10.0 {
        format!("{value:.1} {unit}")
    } else {
        format!("{value:.0} {unit}")
    }
}

/// "3h", "12m", "40s", "2d": the largest unit only.
fn short_age(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m", s / 60),
        3600..86_400 => format!("{}h", s / 3600),
        _ => format!("{}d", s / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_ages_read_short() {
        assert_eq!(size_words(17), "17 bytes");
        assert_eq!(size_words(3 * 1024 + 400), "3.4 KiB");
        assert_eq!(size_words(12 * 1024 * 1024), "12 MiB");
        assert_eq!(short_age(Duration::from_secs(3 * 3600 + 5)), "3h");
        assert_eq!(short_age(Duration::from_secs(40)), "40s");
        assert_eq!(short_age(Duration::from_secs(2 * 86_400)), "2d");
    }
}
