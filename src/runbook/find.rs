//! Finding the runbook `opsdeck check --runbook` names: a path to a runbook
//! file, or an id looked up in the `[runbooks] dirs`. One function on
//! purpose: the shared runbook loader replaces it once it exists.

use super::model::Runbook;
use std::path::{Path, PathBuf};

/// A runbook file (`spec` ends in `.toml`, has a `/`, or is an existing
/// file), else the runbook whose `id` is `spec` among the `*.toml` files of
/// `dirs`, in order. Errors say what was looked at.
pub fn find_runbook(spec: &str, dirs: &[PathBuf]) -> Result<Runbook, String> {
    let as_path = crate::config::expand_home(Path::new(spec));
    if spec.ends_with(".toml") || spec.contains('/') || as_path.is_file() {
        return read(&as_path);
    }
    let mut unreadable = Vec::new();
    let mut looked = Vec::new();
    for dir in dirs {
        let dir = crate::config::expand_home(dir);
        looked.push(dir.display().to_string());
        let Ok(entries) = std::fs::read_dir(&dir) else {
            unreadable.push(format!("{} (cannot read the directory)", dir.display()));
            continue;
        };
        let mut files: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "toml") && p.is_file())
            .collect();
        files.sort();
        for file in files {
            match read(&file) {
                Ok(r) if r.id == spec => return Ok(r),
                Ok(_) => {}
                Err(_) => unreadable.push(file.display().to_string()),
            }
        }
    }
    if looked.is_empty() {
        return Err(format!(
            "no runbook {spec:?}: give a runbook file, or set [runbooks] dirs in the config"
        ));
    }
    let mut msg = format!("no runbook with id {spec:?} in {}", looked.join(", "));
    if !unreadable.is_empty() {
        msg.push_str(&format!(" (not readable as runbooks: {})", unreadable.join(", ")));
    }
    Err(msg)
}

fn read(path: &Path) -> Result<Runbook, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    toml::from_str::<Runbook>(&text).map_err(|e| {
        let flat: String = e.to_string().split_whitespace().collect::<Vec<_>>().join(" ");
        format!("{}: {flat}", path.display())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const RUNBOOK: &str = r#"
id = "morning"
title = "Morning round"
kind = "daily"

[[phase]]
name = "Checks"

[[phase.step]]
id = "disk"
title = "Backups are fresh"
check = { type = "file", path = "/tmp" }
"#;

    #[test]
    fn by_path_and_by_id() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("morning.toml");
        std::fs::write(&file, RUNBOOK).expect("write");
        std::fs::write(dir.path().join("broken.toml"), "id = ").expect("write");
        let by_path = find_runbook(&file.display().to_string(), &[]).expect("by path");
        assert_eq!(by_path.id, "morning");
        let by_id = find_runbook("morning", &[dir.path().to_path_buf()]).expect("by id");
        assert_eq!(by_id.title, "Morning round");
        let missing = find_runbook("evening", &[dir.path().to_path_buf()]).unwrap_err();
        assert!(missing.contains("no runbook with id \"evening\""), "{missing}");
        assert!(missing.contains("broken.toml"), "{missing}");
        assert!(find_runbook("evening", &[]).unwrap_err().contains("[runbooks] dirs"));
        let bad = find_runbook(&dir.path().join("broken.toml").display().to_string(), &[]).unwrap_err();
        assert!(bad.contains("broken.toml"), "{bad}");
    }
}
