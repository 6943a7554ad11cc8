//! Backup freshness: the newest file matching a glob (with its `.sha256`
//! verified like `sha256sum -c`), or a SQL query returning the last backup time.
//!
//! Hashing runs on the blocking pool and only when the newest file changed
//! (path, mtime, size, or its `.sha256`): the verdict is cached, so a large
//! dump is read once, not every poll. A poll waits for a new hash at most a
//! budget; past it the verdict shows on a later poll.

use crate::config::BackupConfig;
use crate::model::postgres::{Checksum, PgBackup};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use sqlx::postgres::PgConnection;
use sqlx::{Connection, Row};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};
use tokio::task::JoinHandle;

/// The identity of a file version: when it changes, the hash is redone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileKey {
    pub path: PathBuf,
    pub mtime: SystemTime,
    pub size: u64,
    /// The `.sha256` beside it: (mtime, size) when present.
    pub sidecar: Option<(SystemTime, u64)>,
}

pub struct BackupChecker {
    cfg: BackupConfig,
    verdict: Option<(FileKey, Checksum)>,
    pending: Option<(FileKey, JoinHandle<Checksum>)>,
    /// How long one poll waits for a hash still running.
    hash_wait: Duration,
}

impl BackupChecker {
    pub fn new(cfg: &BackupConfig, hash_wait: Duration) -> Self {
        Self {
            cfg: cfg.clone(),
            verdict: None,
            pending: None,
            hash_wait,
        }
    }

    fn base(&self, source: String) -> PgBackup {
        PgBackup {
            // A file name is anyone's bytes: drawn with no control character.
            source: crate::text::clean::line(source),
            last_at: None,
            size_bytes: None,
            checksum: Checksum::NotChecked,
            max_age_secs: self.cfg.max_age.as_secs(),
            error: None,
        }
    }

    /// The configured source. `Err` only when the connection failed.
    pub async fn check(&mut self, conn: &mut PgConnection) -> Result<PgBackup, sqlx::Error> {
        match (self.cfg.query.clone(), self.cfg.newest_file.clone()) {
            (Some(sql), _) => self.check_query(conn, &sql).await,
            (None, Some(pattern)) => Ok(self.check_files(&pattern).await),
            (None, None) => Ok(PgBackup {
                error: Some("no backup source configured".into()),
                ..self.base(String::new())
            }),
        }
    }

    /// The file source. `Err` never: every problem is the backup's error.
    pub async fn check_files(&mut self, pattern: &str) -> PgBackup {
        let owned = pattern.to_string();
        let found = match tokio::task::spawn_blocking(move || newest_file(&owned)).await {
            Ok(r) => r,
            Err(e) => Err(format!("looking for backup files failed: {e}")),
        };
        let key = match found {
            Ok(Some(key)) => key,
            Ok(None) => {
                return PgBackup {
                    error: Some(format!("no file matches {pattern}")),
                    ..self.base(pattern.to_string())
                }
            }
            Err(e) => {
                return PgBackup {
                    error: Some(e),
                    ..self.base(pattern.to_string())
                }
            }
        };
        let checksum = self.checksum(&key).await;
        PgBackup {
            last_at: Some(DateTime::<Utc>::from(key.mtime)),
            size_bytes: Some(key.size),
            checksum,
            ..self.base(key.path.display().to_string())
        }
    }

    async fn checksum(&mut self, key: &FileKey) -> Checksum {
        if key.sidecar.is_none() {
            return Checksum::NotChecked;
        }
        if let Some((k, v)) = &self.verdict {
            if k == key {
                return v.clone();
            }
        }
        if self.pending.as_ref().is_none_or(|(k, _)| k != key) {
            // A new file version: hash it (an older hash still running is
            // left to finish and its result dropped).
            let path = key.path.clone();
            let handle = tokio::task::spawn_blocking(move || verify(&path));
            self.pending = Some((key.clone(), handle));
        }
        let Some((_, handle)) = self.pending.as_mut() else {
            return Checksum::NotChecked;
        };
        match tokio::time::timeout(self.hash_wait, handle).await {
            Err(_) => Checksum::NotChecked,
            Ok(joined) => {
                let verdict = joined.unwrap_or_else(|e| Checksum::Error(format!("checksum task failed: {e}")));
                self.pending = None;
                self.verdict = Some((key.clone(), verdict.clone()));
                verdict
            }
        }
    }

    /// The query source, run read-only on the poller's connection.
    pub async fn check_query(&mut self, conn: &mut PgConnection, sql: &str) -> Result<PgBackup, sqlx::Error> {
        let base = self.base("query".to_string());
        match last_backup_by_query(conn, sql).await {
            Ok(Ok(at)) => Ok(PgBackup {
                last_at: Some(at),
                ..base
            }),
            Ok(Err(msg)) => Ok(PgBackup {
                error: Some(msg),
                ..base
            }),
            Err(sqlx::Error::Database(db)) => Ok(PgBackup {
                error: Some(crate::text::one_line(&format!("backup query failed: {}", db.message()))),
                ..base
            }),
            // The connection itself failed: the caller drops it.
            Err(e) => Err(e),
        }
    }
}

async fn last_backup_by_query(
    conn: &mut PgConnection,
    sql: &str,
) -> Result<Result<DateTime<Utc>, String>, sqlx::Error> {
    let mut tx = conn.begin().await?;
    sqlx::query("SET TRANSACTION READ ONLY").execute(&mut *tx).await?;
    let row = sqlx::query(sql).fetch_optional(&mut *tx).await;
    tx.rollback().await?;
    let Some(row) = row? else {
        return Ok(Err("the backup query returned no row".into()));
    };
    let at: Result<Option<DateTime<Utc>>, _> = row.try_get(0);
    let at = match at {
        Ok(v) => v,
        // A timestamp without time zone: taken as UTC.
        Err(_) => match row.try_get::<Option<chrono::NaiveDateTime>, _>(0) {
            Ok(v) => v.map(|n| n.and_utc()),
            Err(_) => return Ok(Err("the backup query must return one timestamptz".into())),
        },
    };
    Ok(at.ok_or_else(|| "the backup query returned NULL".to_string()))
}

fn sidecar_path(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".sha256");
    PathBuf::from(s)
}

/// The newest regular file (by mtime) matching `pattern`, `.sha256` files
/// left out.
pub fn newest_file(pattern: &str) -> Result<Option<FileKey>, String> {
    let entries = glob::glob(pattern).map_err(|e| format!("invalid backup glob {pattern:?}: {e}"))?;
    let mut best: Option<FileKey> = None;
    // Unreadable entries (permissions) are skipped, as ls would.
    for path in entries.flatten() {
        if path.extension().is_some_and(|e| e == "sha256") {
            continue;
        }
        let Ok(meta) = std::fs::metadata(&path) else { continue };
        if !meta.is_file() {
            continue;
        }
        let Ok(mtime) = meta.modified() else { continue };
        if best.as_ref().is_some_and(|b| b.mtime >= mtime) {
            continue;
        }
        best = Some(FileKey {
            path,
            mtime,
            size: meta.len(),
            sidecar: None,
        });
    }
    if let Some(b) = &mut best {
        b.sidecar = std::fs::metadata(sidecar_path(&b.path))
            .ok()
            .and_then(|m| Some((m.modified().ok()?, m.len())));
    }
    Ok(best)
}

/// The expected digest from a `.sha256` file: its first field, as
/// `sha256sum` writes it ("HASH  name", a leading `\` for escaped names).
pub fn parse_sha256_file(text: &str) -> Result<[u8; 32], String> {
    let first = text.split_whitespace().next().ok_or("the .sha256 file is empty")?;
    let hex_part = first.strip_prefix('\\').unwrap_or(first);
    let mut out = [0u8; 32];
    hex::decode_to_slice(hex_part, &mut out)
        .map_err(|_| "the .sha256 file does not start with a SHA-256 hex digest".to_string())?;
    Ok(out)
}

/// Hash a file in chunks (never whole in memory).
pub fn sha256_file(path: &Path) -> std::io::Result<[u8; 32]> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        hasher.update(&buf[..n]);
    }
    Ok(hasher.finalize().into())
}

/// `sha256sum -c` for one file and its `FILE.sha256`.
pub fn verify(path: &Path) -> Checksum {
    let sidecar = sidecar_path(path);
    let expected = match std::fs::read_to_string(&sidecar) {
        Ok(text) => match parse_sha256_file(&text) {
            Ok(d) => d,
            Err(e) => return Checksum::Error(format!("{}: {e}", sidecar.display())),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Checksum::NotChecked,
        Err(e) => return Checksum::Error(format!("cannot read {}: {e}", sidecar.display())),
    };
    match sha256_file(path) {
        Ok(actual) if actual == expected => Checksum::Ok,
        Ok(_) => Checksum::Mismatch,
        Err(e) => Checksum::Error(format!("cannot read {}: {e}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EMPTY: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    #[test]
    fn sha256_file_formats() {
        let d = parse_sha256_file(&format!("{EMPTY}  backup.dump\n")).unwrap();
        assert_eq!(hex::encode(d), EMPTY);
        // Binary marker, upper case, no name, escaped name.
        assert!(parse_sha256_file(&format!("{} *backup.dump", EMPTY.to_uppercase())).is_ok());
        assert!(parse_sha256_file(EMPTY).is_ok());
        assert!(parse_sha256_file(&format!("\\{EMPTY}  back\\nup.dump")).is_ok());
        assert!(parse_sha256_file("").is_err());
        assert!(parse_sha256_file("   \n").is_err());
        assert!(parse_sha256_file("not-a-digest  backup.dump").is_err());
        // Too short (an MD5) is not a SHA-256.
        assert!(parse_sha256_file("d41d8cd98f00b204e9800998ecf8427e  x").is_err());
    }

    #[test]
    fn verify_like_sha256sum() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("b.dump");
        std::fs::write(&f, b"").unwrap();
        assert_eq!(verify(&f), Checksum::NotChecked);
        std::fs::write(dir.path().join("b.dump.sha256"), format!("{EMPTY}  b.dump\n")).unwrap();
        assert_eq!(verify(&f), Checksum::Ok);
        std::fs::write(&f, b"changed").unwrap();
        assert_eq!(verify(&f), Checksum::Mismatch);
        std::fs::write(dir.path().join("b.dump.sha256"), "garbage\n").unwrap();
        assert!(matches!(verify(&f), Checksum::Error(_)));
    }
}
