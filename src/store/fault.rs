//! What a failed SQLite call says about the disk under the state store: full,
//! read-only, failing, or the file not openable. One line an operator can act
//! on, naming the file, instead of "(code: 13) database or disk is full".

use std::io;
use std::path::Path;

/// A fault of the disk (or file) rather than of the query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    Full,
    ReadOnly,
    Io,
    CantOpen,
    /// The store was opened read-only (the disk refused writes then) and
    /// the disk takes writes again.
    OpenedReadOnly,
}

// SQLite's primary result codes (the low byte of an extended code).
const SQLITE_READONLY: i32 = 8;
const SQLITE_IOERR: i32 = 10;
const SQLITE_FULL: i32 = 13;
const SQLITE_CANTOPEN: i32 = 14;

impl Fault {
    /// The fault behind an error, if it is one of the disk.
    pub fn of(e: &sqlx::Error) -> Option<Self> {
        let sqlx::Error::Database(db) = e else {
            return None;
        };
        let code: i32 = db.code()?.parse().ok()?;
        match code & 0xff {
            SQLITE_FULL => Some(Fault::Full),
            SQLITE_READONLY => Some(Fault::ReadOnly),
            SQLITE_IOERR => Some(Fault::Io),
            SQLITE_CANTOPEN => Some(Fault::CantOpen),
            _ => None,
        }
    }

    /// Ask the disk itself when SQLite's code is vague: a filesystem that
    /// went read-only after an error (ext4 `errors=remount-ro`) fails writes
    /// as "disk I/O error" and may still call itself rw in statvfs, so only
    /// creating a file tells; a store opened read-only (because the disk was
    /// full or read-only then) answers every write "read-only".
    pub fn diagnosed(self, dir: &Path, opened_read_only: bool) -> Self {
        let vague = matches!(self, Fault::Io | Fault::CantOpen) || (self == Fault::ReadOnly && opened_read_only);
        if !vague {
            return self;
        }
        match probe_write(dir) {
            Err(e) if e.raw_os_error() == Some(EROFS) => return Fault::ReadOnly,
            Err(e) if e.raw_os_error() == Some(ENOSPC) => return Fault::Full,
            _ => {}
        }
        // An empty file fits on a full disk; its free blocks tell.
        if rustix::fs::statvfs(dir).is_ok_and(|s| s.f_bavail == 0) {
            return Fault::Full;
        }
        match self {
            Fault::ReadOnly => Fault::OpenedReadOnly,
            other => other,
        }
    }

    /// What the operator reads.
    pub fn says(self) -> &'static str {
        match self {
            Fault::Full => "disk full",
            Fault::ReadOnly => "read-only file system",
            Fault::Io => "disk I/O error",
            Fault::CantOpen => "cannot open the file",
            Fault::OpenedReadOnly => "opened read-only while the disk refused writes (restart opsdeck to save)",
        }
    }
}

const EROFS: i32 = 30;
const ENOSPC: i32 = 28;

/// Whether a file can be created in `dir` (it is removed again at once).
fn probe_write(dir: &Path) -> io::Result<()> {
    let probe = dir.join(format!(".opsdeck-probe-{}", std::process::id()));
    let created = std::fs::OpenOptions::new().write(true).create_new(true).open(&probe);
    match created {
        Ok(_) => std::fs::remove_file(&probe),
        // Left by a probe that was killed half-way: removing it is the test.
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => std::fs::remove_file(&probe),
        Err(e) => Err(e),
    }
}

/// The directory a store file is in ("." for a bare file name).
pub(crate) fn dir_of(path: &Path) -> &Path {
    path.parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_disk_that_takes_writes_leaves_the_fault_as_sqlite_said() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert_eq!(Fault::Io.diagnosed(dir.path(), false), Fault::Io);
        assert_eq!(Fault::Full.diagnosed(dir.path(), false), Fault::Full);
        assert_eq!(Fault::ReadOnly.diagnosed(dir.path(), false), Fault::ReadOnly);
        // Read-only only because of how it was opened: say so.
        assert_eq!(Fault::ReadOnly.diagnosed(dir.path(), true), Fault::OpenedReadOnly);
        assert_eq!(
            std::fs::read_dir(dir.path()).expect("list").count(),
            0,
            "the probe is gone"
        );
    }
}
