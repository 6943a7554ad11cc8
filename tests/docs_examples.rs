//! Every TOML example in the README and in docs/ is what opsdeck reads: a
//! config example loads with the config's loader, a runbook example (or a
//! few of its steps) with the runbook loader. An example that drifts from
//! the code fails here, naming the file and the line of the block.

use opsdeck::config::Config;
use std::path::{Path, PathBuf};

/// (file, first line of the block, the block's text) for every ```toml block.
fn toml_blocks() -> Vec<(PathBuf, usize, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![root.join("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root.join("docs"))
        .expect("docs/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    docs.sort();
    files.extend(docs);
    let mut blocks = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("read");
        let mut open: Option<(usize, String)> = None;
        for (i, line) in text.lines().enumerate() {
            match (&mut open, line.trim_start()) {
                (None, l) if l.starts_with("```toml") => open = Some((i + 2, String::new())),
                (Some(_), l) if l.starts_with("```") => {
                    if let Some((at, body)) = open.take() {
                        blocks.push((file.clone(), at, body));
                    }
                }
                (Some((_, body)), _) => {
                    body.push_str(line);
                    body.push('\n');
                }
                (None, _) => {}
            }
        }
    }
    blocks
}

fn is_runbook(block: &str) -> bool {
    block.contains("[[phase") || block.lines().any(|l| l.starts_with("id = "))
}

#[test]
fn every_toml_example_in_the_docs_loads() {
    let blocks = toml_blocks();
    assert!(
        blocks.len() >= 4,
        "the docs hold config and runbook examples: {}",
        blocks.len()
    );
    let mut failures = Vec::new();
    for (file, line, block) in &blocks {
        let name = Path::new("example.toml");
        let result = if is_runbook(block) {
            // A few steps alone are shown inside a runbook of one phase.
            let first = block
                .lines()
                .map(str::trim)
                .find(|l| !l.is_empty() && !l.starts_with('#'));
            let whole = match first.is_some_and(|l| l.starts_with("id = ")) {
                true => block.clone(),
                false => format!(
                    "id = \"example\"\ntitle = \"Example\"\nkind = \"daily\"\n\n[[phase]]\nname = \"Phase\"\nbudget = \"5m\"\n\n{block}"
                ),
            };
            opsdeck::runbook::load::parse(&whole, name)
                .map(|_| ())
                .map_err(|e| e.to_string())
        } else {
            Config::parse(block, name).map(|_| ()).map_err(|e| e.to_string())
        };
        if let Err(e) = result {
            failures.push(format!("{}:{line}: {e}", file.display()));
        }
    }
    assert!(
        failures.is_empty(),
        "examples that do not load:\n{}",
        failures.join("\n")
    );
}
