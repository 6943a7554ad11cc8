//! Errors that point into a file: every bad config, theme or keymap names the
//! file, the line and what is wrong, so a 3 a.m. typo costs seconds, not minutes.

use std::fmt;
use std::path::{Path, PathBuf};

/// An error located in a text file (config, theme, keymap, runbook).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileError {
    pub file: PathBuf,
    /// 1-based line, when the problem has a place in the file.
    pub line: Option<usize>,
    /// The key (or binding) the problem is about, when known.
    pub key: Option<String>,
    pub message: String,
}

impl FileError {
    pub fn new(file: &Path, message: impl Into<String>) -> Self {
        Self {
            file: file.to_path_buf(),
            line: None,
            key: None,
            message: message.into(),
        }
    }

    pub fn at_line(mut self, line: usize) -> Self {
        self.line = Some(line);
        self
    }

    pub fn with_key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }

    /// Convert a `toml` deserialisation error, keeping its position and naming
    /// the key written on the offending line.
    pub fn from_toml(file: &Path, text: &str, err: &toml::de::Error) -> Self {
        let mut out = Self::new(file, err.message().trim().to_string());
        if let Some(span) = err.span() {
            let line = line_of_offset(text, span.start);
            out.line = Some(line);
            out.key = key_on_line(text, line).or_else(|| key_in_message(err.message()));
        } else {
            out.key = key_in_message(err.message());
        }
        out
    }

    /// Place an error found after parsing: the first line where `needle`
    /// appears as a key (`needle =`) or, failing that, anywhere.
    pub fn locate(mut self, text: &str, needle: &str) -> Self {
        if self.line.is_none() {
            self.line = find_line(text, needle);
        }
        self
    }
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        write!(f, ": ")?;
        if let Some(key) = &self.key {
            write!(f, "key `{key}`: ")?;
        }
        write!(f, "{}", self.message)
    }
}

impl std::error::Error for FileError {}

/// 1-based line number of a byte offset (clamped to the text).
pub fn line_of_offset(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    // Offsets from the parser are on char boundaries; be defensive anyway.
    let prefix = text.get(..end).unwrap_or(text);
    prefix.bytes().filter(|b| *b == b'\n').count() + 1
}

/// The key written at the start of a `key = value` line, if any.
fn key_on_line(text: &str, line: usize) -> Option<String> {
    let content = text.lines().nth(line.checked_sub(1)?)?;
    let (left, _) = content.split_once('=')?;
    let key = left.trim().trim_matches('"').trim();
    (!key.is_empty() && !key.starts_with('[')).then(|| key.to_string())
}

/// serde names the field in messages such as "unknown field `x`" or
/// "missing field `x`"; use it when the span does not point at a key line.
fn key_in_message(message: &str) -> Option<String> {
    let start = message.find('`')? + 1;
    let len = message[start..].find('`')?;
    Some(message[start..start + len].to_string())
}

/// First line where `needle` is written as a key, else where it appears at all.
pub fn find_line(text: &str, needle: &str) -> Option<usize> {
    let as_key = text.lines().position(|l| {
        let t = l.trim_start();
        t.strip_prefix(needle)
            .or_else(|| t.strip_prefix(&format!("\"{needle}\"")))
            .is_some_and(|rest| rest.trim_start().starts_with('='))
    });
    as_key
        .or_else(|| text.lines().position(|l| l.contains(needle)))
        .map(|i| i + 1)
}

/// Read a text file, naming it in the error.
pub fn read_text(path: &Path) -> Result<String, FileError> {
    let bytes = std::fs::read(path).map_err(|e| FileError::new(path, format!("cannot read: {e}")))?;
    String::from_utf8(bytes).map_err(|e| {
        let line = line_of_offset(
            // Count lines in the valid prefix to say where the bad byte is.
            std::str::from_utf8(&e.as_bytes()[..e.utf8_error().valid_up_to()]).unwrap_or(""),
            usize::MAX,
        );
        FileError::new(path, "not valid UTF-8").at_line(line)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_map_to_lines() {
        let t = "a = 1\nb = 2\nc = 3\n";
        assert_eq!(line_of_offset(t, 0), 1);
        assert_eq!(line_of_offset(t, 6), 2);
        assert_eq!(line_of_offset(t, 999), 4);
    }

    #[test]
    fn finds_key_lines() {
        let t = "[x]\nurl = \"a\"\n\"j\" = \"down\"\n";
        assert_eq!(find_line(t, "url"), Some(2));
        assert_eq!(find_line(t, "j"), Some(3));
        assert_eq!(find_line(t, "zzz"), None);
    }

    #[test]
    fn display_names_file_line_key() {
        let e = FileError::new(Path::new("c.toml"), "bad")
            .at_line(3)
            .with_key("interval");
        assert_eq!(e.to_string(), "c.toml:3: key `interval`: bad");
    }
}
