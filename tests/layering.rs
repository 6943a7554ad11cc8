//! Dependencies point down only (ARCHITECTURE.md): a layer that names a
//! module above it fails here, with the file, the line and the path.

use std::path::{Path, PathBuf};

/// Each layer of `src/` and the modules of ours it must not name.
const RULES: &[(&str, &[&str])] = &[
    (
        "model",
        &[
            "app", "ui", "backends", "store", "effects", "runtime", "cli", "config", "runbook",
        ],
    ),
    (
        "text",
        &[
            "app", "ui", "backends", "store", "effects", "runtime", "cli", "config", "runbook", "model",
        ],
    ),
    (
        "config",
        &["app", "ui", "backends", "store", "effects", "runtime", "cli", "runbook"],
    ),
    ("app", &["ui", "backends", "store", "effects", "runtime", "cli"]),
    ("ui", &["backends", "store", "effects", "runtime", "cli"]),
    (
        "backends",
        &["app", "ui", "store", "effects", "runtime", "cli", "runbook"],
    ),
    ("store", &["app", "ui", "backends", "effects", "runtime", "cli"]),
    ("runbook", &["app", "ui", "effects", "runtime", "cli"]),
    ("effects", &["ui", "runtime", "cli"]),
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The layer a file belongs to: `src/app/panes/alerts.rs` is `app`,
/// `src/text.rs` is `text`.
fn layer_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap_or(file);
    let first = rel
        .components()
        .next()
        .map(|c| c.as_os_str().to_string_lossy().into_owned());
    first.unwrap_or_default().trim_end_matches(".rs").to_string()
}

/// The modules of ours that `crate::` paths in `text` name, outside `//`
/// comments, each with the line (from 0) it is on: `crate::x::y` names `x`,
/// and a group `crate::{x, y::{z, w}}` names `x` and `y`, over as many lines
/// as it spans.
fn named_modules_by_line(text: &str) -> Vec<(usize, String)> {
    let code: Vec<&str> = text.lines().map(|l| l.split("//").next().unwrap_or("")).collect();
    let code = code.join("\n");
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    let line_at = |i: usize| code[..i].matches('\n').count();
    let mut names = Vec::new();
    for (i, _) in code.match_indices("crate::") {
        let start = i + "crate::".len();
        let rest = &code[start..];
        let Some(group) = rest.strip_prefix('{') else {
            names.push((line_at(start), rest.chars().take_while(|c| ident(*c)).collect()));
            continue;
        };
        // Only names at the group's top level count: the first one and
        // each one after a comma, not what nested braces hold.
        let mut depth = 0;
        let mut at_name = true;
        for (j, c) in group.char_indices() {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => break,
                '}' => depth -= 1,
                ',' if depth == 0 => at_name = true,
                c if at_name && ident(c) => {
                    let name = group[j..].chars().take_while(|c| ident(*c)).collect();
                    names.push((line_at(start + 1 + j), name));
                    at_name = false;
                }
                _ => {}
            }
        }
    }
    names
}

/// `crate::x` paths named on a line, outside comments.
fn named_modules(line: &str) -> Vec<String> {
    named_modules_by_line(line).into_iter().map(|(_, m)| m).collect()
}

#[test]
fn dependencies_point_down_only() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    assert!(files.len() > 50, "the sources were not found under {}", src.display());
    let mut violations = Vec::new();
    for file in &files {
        let layer = layer_of(&src, file);
        let Some((_, forbidden)) = RULES.iter().find(|(l, _)| *l == layer) else {
            continue;
        };
        let text = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        for (n, module) in named_modules_by_line(&text) {
            if forbidden.contains(&module.as_str()) {
                violations.push(format!(
                    "{}:{}: {layer} names crate::{module}",
                    file.strip_prefix(&src).unwrap_or(file).display(),
                    n + 1
                ));
            }
        }
    }
    assert!(
        violations.is_empty(),
        "{} upward imports:\n{}",
        violations.len(),
        violations.join("\n")
    );
}

#[test]
fn the_rule_catches_an_upward_path() {
    assert_eq!(named_modules("use crate::ui::widgets::fit; // crate::app"), vec!["ui"]);
    assert_eq!(named_modules("use crate::{app, ui::foo};"), vec!["app", "ui"]);
    assert_eq!(
        named_modules("pub use crate::{model::{Kind, Step}, text}; // crate::{cli}"),
        vec!["model", "text"]
    );
    assert_eq!(
        named_modules_by_line("use crate::{\n    model::Kind,\n    app::{State, Msg}, // crate::{cli}\n};"),
        vec![(1, "model".to_string()), (2, "app".to_string())]
    );
    assert_eq!(layer_of(Path::new("src"), Path::new("src/app/panes/alerts.rs")), "app");
    assert_eq!(layer_of(Path::new("src"), Path::new("src/text.rs")), "text");
}

#[test]
fn src_root_holds_main_lib_and_at_most_four_more() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let files: Vec<String> = std::fs::read_dir(&src)
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .collect::<Vec<_>>()
        })
        .unwrap_or_default()
        .iter()
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    assert!(
        files.contains(&"main.rs".to_string()) && files.contains(&"lib.rs".to_string()),
        "{files:?}"
    );
    assert!(files.len() <= 6, "src/ root: {files:?}");
}

#[test]
fn no_source_file_over_600_lines() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let long: Vec<String> = files
        .iter()
        .filter_map(|f| {
            let text = std::fs::read_to_string(f).ok()?;
            // Unit tests at the end of a file do not count.
            let code = text.split("\n#[cfg(test)]").next().unwrap_or(&text);
            let n = code.lines().count();
            (n > 600).then(|| format!("{}: {n} lines", f.display()))
        })
        .collect();
    assert!(long.is_empty(), "split along a seam:\n{}", long.join("\n"));
}
