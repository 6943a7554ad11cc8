//! `MANIFEST.sha256`: one line per file of a pack, `<sha256>  <name>`, in
//! the format `sha256sum -c` reads, and the comparison of a pack's files
//! with it. Pure: the caller reads the files.

use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// The manifest's own name; it lists every other file of the pack.
pub const MANIFEST: &str = "MANIFEST.sha256";

/// Lowercase hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The manifest of these (name, sha256) pairs, sorted by name.
pub fn write(files: &BTreeMap<String, String>) -> String {
    files.iter().map(|(name, hash)| format!("{hash}  {name}\n")).collect()
}

/// The (name, sha256) pairs of a manifest. A line that is not
/// `<64 hex>  <name>` (or sha256sum's binary form `<hex> *<name>`) is an
/// error naming its line number, as is a name listed twice or one that
/// leaves the pack's directory.
pub fn parse(text: &str) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        let (hash, name) = line
            .split_once("  ")
            .or_else(|| line.split_once(" *"))
            .ok_or_else(|| format!("{MANIFEST} line {n}: not \"<sha256>  <file>\""))?;
        if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!("{MANIFEST} line {n}: not a sha256"));
        }
        if name.is_empty() || name.contains('/') || name == "." || name == ".." {
            return Err(format!("{MANIFEST} line {n}: not a file of this directory"));
        }
        if out.insert(name.to_string(), hash.to_ascii_lowercase()).is_some() {
            return Err(format!("{MANIFEST} line {n}: {name} listed twice"));
        }
    }
    Ok(out)
}

/// One way a pack differs from its manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Difference {
    Changed(String),
    Missing(String),
    Added(String),
}

impl std::fmt::Display for Difference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Difference::Changed(n) => write!(f, "changed: {n}"),
            Difference::Missing(n) => write!(f, "missing: {n}"),
            Difference::Added(n) => write!(f, "added: {n}"),
        }
    }
}

/// How the files found (name, sha256 of their bytes now) differ from the
/// manifest, in name order.
pub fn compare(listed: &BTreeMap<String, String>, found: &BTreeMap<String, String>) -> Vec<Difference> {
    let mut out = Vec::new();
    for (name, hash) in listed {
        match found.get(name) {
            None => out.push(Difference::Missing(name.clone())),
            Some(h) if !h.eq_ignore_ascii_case(hash) => out.push(Difference::Changed(name.clone())),
            Some(_) => {}
        }
    }
    out.extend(
        found
            .keys()
            .filter(|n| !listed.contains_key(*n))
            .map(|n| Difference::Added(n.clone())),
    );
    out.sort_by(|a, b| name_of(a).cmp(name_of(b)));
    out
}

fn name_of(d: &Difference) -> &str {
    match d {
        Difference::Changed(n) | Difference::Missing(n) | Difference::Added(n) => n,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(n, h)| (n.to_string(), h.to_string())).collect()
    }

    #[test]
    fn written_manifest_reads_back_in_sha256sum_format() {
        let a = sha256_hex(b"a");
        let files = map(&[("host.json", &sha256_hex(b"{}")), ("alerts.json", &a)]);
        let text = write(&files);
        assert!(text.starts_with(&format!("{a}  alerts.json\n")));
        assert_eq!(parse(&text), Ok(files));
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn binary_mode_lines_are_read_too() {
        let h = sha256_hex(b"x");
        assert_eq!(parse(&format!("{h} *x.log\n")), Ok(map(&[("x.log", &h)])));
    }

    #[test]
    fn bad_lines_are_named_by_number() {
        let h = sha256_hex(b"x");
        assert_eq!(
            parse(&format!("{h}  a\nnonsense\n")),
            Err("MANIFEST.sha256 line 2: not \"<sha256>  <file>\"".into())
        );
        assert!(parse("abc  a\n").is_err_and(|e| e.contains("line 1: not a sha256")));
        assert!(parse(&format!("{h}  ../etc/passwd\n")).is_err_and(|e| e.contains("not a file")));
        assert!(parse(&format!("{h}  a\n{h}  a\n")).is_err_and(|e| e.contains("listed twice")));
    }

    #[test]
    fn each_changed_missing_and_added_file_is_named() {
        let listed = map(&[
            ("a", &sha256_hex(b"a")),
            ("b", &sha256_hex(b"b")),
            ("c", &sha256_hex(b"c")),
        ]);
        let found = map(&[
            ("a", &sha256_hex(b"a")),
            ("b", &sha256_hex(b"B")),
            ("d", &sha256_hex(b"d")),
        ]);
        assert_eq!(
            compare(&listed, &found),
            vec![
                Difference::Changed("b".into()),
                Difference::Missing("c".into()),
                Difference::Added("d".into()),
            ]
        );
        assert!(compare(&listed, &listed).is_empty());
        assert_eq!(Difference::Missing("c".into()).to_string(), "missing: c");
    }
}
