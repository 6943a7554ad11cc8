//! A pack's directory and files on disk: a new directory (0700) that no
//! earlier pack had, files created new (0600), never one overwritten.

use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// The pack's directory: `out` when given (it must not exist, or be an
/// empty directory), otherwise `<evidence_dir>/<name>`, with `-2`, `-3`…
/// after the name when a pack of that name is there already.
pub fn create_dir(out: Option<&Path>, evidence_dir: &Path, name: &str) -> Result<PathBuf, String> {
    let say = |p: &Path, e: std::io::Error| format!("cannot create {}: {e}", p.display());
    if let Some(out) = out {
        return match std::fs::symlink_metadata(out) {
            Ok(m) if m.is_dir() => {
                let empty = std::fs::read_dir(out).map_err(|e| say(out, e))?.next().is_none();
                if !empty {
                    return Err(format!("{} is not empty: a pack never overwrites", out.display()));
                }
                std::fs::set_permissions(out, std::fs::Permissions::from_mode(0o700)).map_err(|e| say(out, e))?;
                Ok(out.to_path_buf())
            }
            Ok(_) => Err(format!("{} exists and is not a directory", out.display())),
            Err(_) => {
                std::fs::DirBuilder::new()
                    .recursive(true)
                    .mode(0o700)
                    .create(out)
                    .map_err(|e| say(out, e))?;
                Ok(out.to_path_buf())
            }
        };
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(evidence_dir)
        .map_err(|e| say(evidence_dir, e))?;
    for n in 1..100 {
        let dir = match n {
            1 => evidence_dir.join(name),
            n => evidence_dir.join(format!("{name}-{n}")),
        };
        match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(say(&dir, e)),
        }
    }
    Err(format!("too many packs named {name} in {}", evidence_dir.display()))
}

/// Write `bytes` as a new file `name` in `dir`, readable by its owner only.
pub fn write_new(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), String> {
    let path = dir.join(name);
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    f.write_all(bytes)
        .and_then(|_| f.sync_all())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packs_are_new_directories_and_files_are_never_overwritten() {
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let base = tmp.path().join("evidence");
        let a = create_dir(None, &base, "INC-1").unwrap_or_else(|e| panic!("{e}"));
        let b = create_dir(None, &base, "INC-1").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(a, base.join("INC-1"));
        assert_eq!(b, base.join("INC-1-2"));
        let mode = std::fs::metadata(&a).map(|m| m.permissions().mode() & 0o777).ok();
        assert_eq!(mode, Some(0o700));
        assert_eq!(write_new(&a, "x.json", b"{}"), Ok(()));
        assert!(write_new(&a, "x.json", b"[]").is_err());
        let mode = std::fs::metadata(a.join("x.json"))
            .map(|m| m.permissions().mode() & 0o777)
            .ok();
        assert_eq!(mode, Some(0o600));
        assert!(create_dir(Some(&a), &base, "x").is_err_and(|e| e.contains("not empty")));
        let fresh = tmp.path().join("out/pack");
        assert_eq!(create_dir(Some(&fresh), &base, "x"), Ok(fresh.clone()));
        assert_eq!(create_dir(Some(&fresh), &base, "x"), Ok(fresh));
    }
}
