//! Reading runbook files: one file into a `Runbook`, every `*.toml` of the
//! configured directories, and the built-in runbooks compiled into the binary.
//! A bad file is reported and skipped; the others still load, because a typo
//! in one checklist must not take away the rest during an incident.

use super::lint::{lint, LintContext};
use super::model::Runbook;
use crate::config::source::line_of_offset;
use crate::config::{Config, FileError};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The built-in runbooks: (file name, text), from config/runbooks/.
pub const BUILTIN: [(&str, &str); 7] = [
    (
        "daily-health-check.toml",
        include_str!("../../config/runbooks/daily-health-check.toml"),
    ),
    (
        "service-down.toml",
        include_str!("../../config/runbooks/service-down.toml"),
    ),
    (
        "database-emergency.toml",
        include_str!("../../config/runbooks/database-emergency.toml"),
    ),
    (
        "security-incident.toml",
        include_str!("../../config/runbooks/security-incident.toml"),
    ),
    (
        "weekly-access-review.toml",
        include_str!("../../config/runbooks/weekly-access-review.toml"),
    ),
    (
        "certificate-expiry.toml",
        include_str!("../../config/runbooks/certificate-expiry.toml"),
    ),
    (
        "planned-maintenance.toml",
        include_str!("../../config/runbooks/planned-maintenance.toml"),
    ),
];

/// A file larger than this is not a runbook; refusing it keeps a stray dump
/// in a runbook directory from costing seconds at start-up.
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// One runbook and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadedRunbook {
    pub runbook: Runbook,
    /// The file it was read from; `None` for a built-in.
    pub file: Option<PathBuf>,
}

/// What loading found: the good runbooks (sorted by id) and every problem.
#[derive(Debug, Default)]
pub struct Loaded {
    pub runbooks: Vec<LoadedRunbook>,
    pub errors: Vec<FileError>,
}

impl Loaded {
    pub fn get(&self, id: &str) -> Option<&LoadedRunbook> {
        self.runbooks.iter().find(|r| r.runbook.id == id)
    }
}

/// Parse one runbook's text; syntax and type errors name file, line and key.
pub fn parse(text: &str, file: &Path) -> Result<Runbook, FileError> {
    let runbook: Runbook = toml::from_str(text).map_err(|e| FileError::from_toml(file, text, &e))?;
    cleaned(runbook).map_err(|e| FileError::new(file, format!("cannot be read back: {e}")))
}

/// The runbook with no control character in its text: a TOML string can
/// spell one (`"\u001b]2;…"`), and titles, steps and notes are drawn on the
/// terminal and written into reports. Line breaks and tabs stay.
fn cleaned(runbook: Runbook) -> Result<Runbook, serde_json::Error> {
    let mut v = serde_json::to_value(&runbook)?;
    crate::text::clean::json(&mut v);
    serde_json::from_value(v)
}

/// Read a file's text: an IO error is `Err(Io)`, invalid UTF-8 a located
/// problem, so callers can tell "cannot read" from "bad content".
pub fn read(path: &Path) -> Result<String, ReadError> {
    let meta = std::fs::metadata(path).map_err(|e| ReadError::Io(FileError::new(path, format!("cannot read: {e}"))))?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(ReadError::Content(FileError::new(
            path,
            format!(
                "{} bytes is too large for a runbook (at most {MAX_FILE_BYTES})",
                meta.len()
            ),
        )));
    }
    let bytes = std::fs::read(path).map_err(|e| ReadError::Io(FileError::new(path, format!("cannot read: {e}"))))?;
    String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let prefix = std::str::from_utf8(&e.as_bytes()[..valid]).unwrap_or("");
        ReadError::Content(FileError::new(path, "not valid UTF-8").at_line(line_of_offset(prefix, usize::MAX)))
    })
}

#[derive(Debug)]
pub enum ReadError {
    /// The file could not be read at all.
    Io(FileError),
    /// It was read but is not text a runbook can be.
    Content(FileError),
}

impl ReadError {
    pub fn into_error(self) -> FileError {
        match self {
            ReadError::Io(e) | ReadError::Content(e) => e,
        }
    }
}

/// The built-in runbooks. They are linted by a unit test, so a parse
/// failure here cannot ship; it is skipped rather than panicking anyway.
pub fn builtin() -> Vec<Runbook> {
    BUILTIN
        .iter()
        .filter_map(|(name, text)| parse(text, Path::new(name)).ok())
        .collect()
}

/// Every `*.toml` file directly in `dir`, sorted, or why the directory
/// cannot be listed.
pub fn toml_files(dir: &Path) -> Result<Vec<PathBuf>, FileError> {
    let entries = std::fs::read_dir(dir).map_err(|e| FileError::new(dir, format!("cannot read directory: {e}")))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml") && p.is_file())
        .collect();
    files.sort();
    Ok(files)
}

/// A parsed file waiting for lint, kept with its text for line numbers.
struct Parsed {
    file: PathBuf,
    text: String,
    runbook: Runbook,
}

/// Load the built-ins and every `*.toml` in `dirs`. A file's runbook
/// replaces the built-in with the same id; two files with one id is an
/// error naming both (the first, in directory then name order, is kept).
/// Files are linted (against `config` when given) and a file with problems
/// is left out, its problems reported.
pub fn load_dirs(dirs: &[PathBuf], config: Option<&Config>) -> Loaded {
    let mut errors = Vec::new();
    let mut parsed: Vec<Parsed> = Vec::new();
    for dir in dirs {
        let files = match toml_files(dir) {
            Ok(f) => f,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        for file in files {
            let text = match read(&file) {
                Ok(t) => t,
                Err(e) => {
                    errors.push(e.into_error());
                    continue;
                }
            };
            match parse(&text, &file) {
                Ok(runbook) => parsed.push(Parsed { file, text, runbook }),
                Err(e) => errors.push(e),
            }
        }
    }

    let mut by_id: BTreeMap<String, Parsed> = BTreeMap::new();
    for p in parsed {
        if let Some(first) = by_id.get(&p.runbook.id) {
            let line = super::spans::Lines::new(&p.text).top("id");
            errors.push(
                FileError::new(
                    &p.file,
                    format!(
                        "runbook id {:?} is also used by {}; ids must be unique",
                        p.runbook.id,
                        first.file.display()
                    ),
                )
                .at_line(line)
                .with_key("id"),
            );
            continue;
        }
        by_id.insert(p.runbook.id.clone(), p);
    }

    let builtins = builtin();
    let known_ids: BTreeSet<String> = builtins
        .iter()
        .map(|r| r.id.clone())
        .chain(by_id.keys().cloned())
        .collect();
    let ctx = LintContext { known_ids, config };
    let mut runbooks: BTreeMap<String, LoadedRunbook> = builtins
        .into_iter()
        .map(|r| (r.id.clone(), LoadedRunbook { runbook: r, file: None }))
        .collect();
    for (id, p) in by_id {
        let problems = lint(&p.runbook, &p.text, &p.file, &ctx);
        if problems.is_empty() {
            runbooks.insert(
                id,
                LoadedRunbook {
                    runbook: p.runbook,
                    file: Some(p.file),
                },
            );
        } else {
            errors.extend(problems);
        }
    }
    Loaded {
        runbooks: runbooks.into_values().collect(),
        errors,
    }
}

/// `load_dirs` with the configured `[runbooks] dirs`.
pub fn load(config: &Config) -> Loaded {
    load_dirs(&config.runbooks.dirs, Some(config))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runbook::lint::lint_text;

    fn example_config() -> Config {
        let text = include_str!("../../config/opsdeck.example.toml");
        match Config::parse(text, Path::new("config/opsdeck.example.toml")) {
            Ok(c) => c,
            Err(e) => panic!("example config: {e}"),
        }
    }

    #[test]
    fn builtins_parse_and_lint_clean_against_the_example_config() {
        let config = example_config();
        let ids: BTreeSet<String> = builtin().into_iter().map(|r| r.id).collect();
        assert_eq!(ids.len(), BUILTIN.len(), "every built-in parses, with its own id");
        for (name, text) in BUILTIN {
            let ctx = LintContext {
                known_ids: ids.clone(),
                config: Some(&config),
            };
            let problems = lint_text(text, Path::new(name), &ctx);
            assert!(problems.is_empty(), "{name}: {problems:#?}");
            let r = parse(text, Path::new(name)).expect("parsed above");
            assert_eq!(format!("{}.toml", r.id), name, "file named after its id");
            assert!(r.steps().count() >= 4, "{name} has real steps");
        }
    }

    #[test]
    fn builtins_have_the_expected_ids() {
        let ids: Vec<String> = builtin().into_iter().map(|r| r.id).collect();
        for id in [
            "daily-health-check",
            "service-down",
            "database-emergency",
            "security-incident",
            "weekly-access-review",
            "certificate-expiry",
            "planned-maintenance",
        ] {
            assert!(ids.iter().any(|i| i == id), "{id} missing from {ids:?}");
        }
    }

    const OWN: &str = "id = \"service-down\"\ntitle = \"Ours\"\nkind = \"incident\"\n\
                       [[phase]]\nname = \"p\"\n[[phase.step]]\nid = \"s\"\ntitle = \"S\"\n";

    #[test]
    fn a_file_replaces_the_builtin_and_bad_files_do_not_stop_the_rest() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("a-own.toml"), OWN).expect("write");
        std::fs::write(dir.path().join("b-broken.toml"), "id = \n").expect("write");
        std::fs::write(dir.path().join("c-dup.toml"), OWN.replace("Ours", "Theirs")).expect("write");
        std::fs::write(dir.path().join("d-lint.toml"), OWN.replace("service-down", "Bad Id")).expect("write");
        std::fs::write(dir.path().join("notes.md"), "ignored").expect("write");
        let loaded = load_dirs(&[dir.path().to_path_buf(), dir.path().join("missing")], None);
        let own = loaded.get("service-down").expect("loaded");
        assert_eq!(own.runbook.title, "Ours");
        assert!(own.file.as_ref().is_some_and(|f| f.ends_with("a-own.toml")));
        assert!(loaded.get("database-emergency").is_some_and(|r| r.file.is_none()));
        let errs: Vec<String> = loaded.errors.iter().map(|e| e.to_string()).collect();
        assert_eq!(errs.len(), 4, "{errs:#?}");
        assert!(errs
            .iter()
            .any(|e| e.contains("missing") && e.contains("cannot read directory")));
        assert!(errs.iter().any(|e| e.contains("b-broken.toml:1")));
        assert!(errs
            .iter()
            .any(|e| e.contains("c-dup.toml:1") && e.contains("a-own.toml") && e.contains("unique")));
        assert!(errs.iter().any(|e| e.contains("d-lint.toml:1") && e.contains("Bad Id")));
    }
}
