//! Finding the runbook `opsdeck check --runbook` names: a path to a runbook
//! file, or an id among the built-in and configured runbooks (the shared
//! loader, so what the Checklist pane offers is what `check` finds).

use super::load;
use super::model::Runbook;
use crate::config::Config;
use std::path::Path;

/// A runbook file (`spec` ends in `.toml`, has a `/`, or is an existing
/// file), else the loaded runbook whose `id` is `spec`. Errors say what was
/// looked at, with file and line.
pub fn find_runbook(spec: &str, config: &Config) -> Result<Runbook, String> {
    let as_path = crate::config::expand_home(Path::new(spec));
    if spec.ends_with(".toml") || spec.contains('/') || as_path.is_file() {
        let text = load::read(&as_path).map_err(|e| e.into_error().to_string())?;
        return load::parse(&text, &as_path).map_err(|e| e.to_string());
    }
    let loaded = load::load(config);
    if let Some(r) = loaded.get(spec) {
        return Ok(r.runbook.clone());
    }
    let mut known: Vec<&str> = loaded.runbooks.iter().map(|r| r.runbook.id.as_str()).collect();
    known.sort_unstable();
    let mut msg = format!("no runbook with id {spec:?} (known: {})", known.join(", "));
    if !loaded.errors.is_empty() {
        let errors: Vec<String> = loaded.errors.iter().map(|e| e.to_string()).collect();
        msg.push_str(&format!("; not loaded: {}", errors.join("; ")));
    }
    Err(msg)
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
    fn by_path_by_id_and_built_in() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("morning.toml");
        std::fs::write(&file, RUNBOOK).expect("write");
        std::fs::write(dir.path().join("broken.toml"), "id = ").expect("write");
        let by_path = find_runbook(&file.display().to_string(), &Config::default()).expect("by path");
        assert_eq!(by_path.id, "morning");
        let mut config = Config::default();
        config.runbooks.dirs = vec![dir.path().to_path_buf()];
        let by_id = find_runbook("morning", &config).expect("by id");
        assert_eq!(by_id.title, "Morning round");
        let builtin = find_runbook("daily-health-check", &Config::default()).expect("built in");
        assert_eq!(builtin.id, "daily-health-check");
        let missing = find_runbook("evening", &config).unwrap_err();
        assert!(missing.contains("no runbook with id \"evening\""), "{missing}");
        assert!(missing.contains("broken.toml"), "{missing}");
        let bad = find_runbook(&dir.path().join("broken.toml").display().to_string(), &config).unwrap_err();
        assert!(bad.contains("broken.toml:1"), "{bad}");
    }
}
