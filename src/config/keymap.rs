//! Keymaps as data: per-scope bindings from key sequences (with modifiers and
//! two-key sequences such as `g g`) to named actions. A user keymap is layered
//! over the default; help and footer are generated from the live bindings.

mod key;

use super::source::{read_text, FileError};
pub use crate::model::action::Action;
use crate::model::action::Place;
use crate::model::PaneId;
use crossterm::event::KeyCode;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

pub use key::{parse_seq, seq_to_string, Key, KeySeq};

pub const DEFAULT_KEYMAP: &str = include_str!("../../keymaps/default.toml");
pub const BUILTIN: [(&str, &str); 2] = [
    ("default", DEFAULT_KEYMAP),
    ("vim", include_str!("../../keymaps/vim.toml")),
];

/// Where a binding applies. Lookup goes pane scope, then navigation, then global.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    Global,
    Navigation,
    Pane(PaneId),
    /// An open container log.
    Logs,
}

impl Scope {
    pub fn all() -> Vec<Scope> {
        let mut v = vec![Scope::Global, Scope::Navigation];
        v.extend(PaneId::ALL.iter().map(|p| Scope::Pane(*p)));
        v.push(Scope::Logs);
        v
    }

    pub fn name(self) -> String {
        match self {
            Scope::Global => "global".into(),
            Scope::Navigation => "navigation".into(),
            Scope::Pane(p) => p.key().into(),
            Scope::Logs => "logs".into(),
        }
    }

    fn from_name(name: &str) -> Option<Scope> {
        Scope::all().into_iter().find(|s| s.name() == name)
    }

    /// Where the actions bound in this scope act.
    fn place(self) -> Place {
        match self {
            Scope::Global => Place::Global,
            Scope::Navigation => Place::Nav,
            Scope::Pane(p) => Place::Pane(p),
            Scope::Logs => Place::Logs,
        }
    }
}

/// What a key sequence means in the current scopes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    Action(Action),
    /// The sequence so far starts a longer binding: wait for the next key.
    Pending,
    None,
}

/// Where a binding was defined, so later conflicts can point at it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Origin {
    file: PathBuf,
    line: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keymap {
    bindings: BTreeMap<Scope, HashMap<KeySeq, (Action, Origin)>>,
}

const UNBIND: &str = "none";

impl Keymap {
    /// The built-in default keymap.
    pub fn default_keymap() -> Self {
        let mut km = Keymap {
            bindings: BTreeMap::new(),
        };
        // The embedded default is tested to parse; fall back to empty, never panic.
        let _ = km.layer(DEFAULT_KEYMAP, Path::new("keymaps/default.toml"));
        km
    }

    /// Default keymap with `spec` (a built-in name or a path) layered over it.
    /// The file a keymap spec names: a path, or NAME.toml in the user's
    /// keymaps dir; `None` for a built-in keymap (or none at all).
    pub fn file_for(spec: &str, user_dir: Option<&Path>) -> Option<PathBuf> {
        if spec.contains('/') || spec.ends_with(".toml") {
            Some(PathBuf::from(spec))
        } else {
            user_dir.map(|d| d.join(format!("{spec}.toml"))).filter(|p| p.exists())
        }
    }

    pub fn load(spec: Option<&str>, user_dir: Option<&Path>) -> Result<Self, FileError> {
        let mut km = Keymap {
            bindings: BTreeMap::new(),
        };
        km.layer(DEFAULT_KEYMAP, Path::new("keymaps/default.toml"))?;
        let Some(spec) = spec.filter(|s| *s != "default") else {
            return Ok(km);
        };
        if let Some(p) = Self::file_for(spec, user_dir) {
            km.layer(&read_text(&p)?, &p)?;
        } else if let Some((name, text)) = BUILTIN.iter().find(|(n, _)| *n == spec) {
            km.layer(text, Path::new(&format!("keymaps/{name}.toml")))?;
        } else {
            let names: Vec<_> = BUILTIN.iter().map(|(n, _)| *n).collect();
            return Err(FileError::new(
                Path::new(spec),
                format!("no such keymap; built-in keymaps: {}", names.join(", ")),
            ));
        }
        Ok(km)
    }

    /// Parse `text` and lay its bindings over the current ones.
    pub fn layer(&mut self, text: &str, file: &Path) -> Result<(), FileError> {
        let raw: BTreeMap<String, BTreeMap<String, toml::Spanned<String>>> =
            toml::from_str(text).map_err(|e| FileError::from_toml(file, text, &e))?;
        // Bindings from this file, to catch two spellings of one key.
        let mut this_file: HashMap<(Scope, KeySeq), usize> = HashMap::new();
        // Unbinds first, so a user can free `g g` and bind `g` in one file.
        let mut entries: Vec<(&String, &String, &toml::Spanned<String>)> = raw
            .iter()
            .flat_map(|(scope, table)| table.iter().map(move |(k, a)| (scope, k, a)))
            .collect();
        entries.sort_by_key(|(_, _, a)| a.get_ref() != UNBIND);
        for (scope_name, key_text, action_text) in entries {
            let scope = Scope::from_name(scope_name).ok_or_else(|| {
                let names: Vec<_> = Scope::all().iter().map(|s| s.name()).collect();
                FileError::new(
                    file,
                    format!("unknown section [{scope_name}]; sections are: {}", names.join(", ")),
                )
                .locate(text, &format!("[{scope_name}]"))
            })?;
            {
                let line = super::source::line_of_offset(text, action_text.span().start);
                let err = |msg: String| Err(FileError::new(file, msg).at_line(line).with_key(key_text.clone()));
                let seq = match parse_seq(key_text) {
                    Ok(s) => s,
                    Err(e) => return err(format!("cannot parse key: {e}")),
                };
                if let Some(first) = this_file.insert((scope, seq.clone()), line) {
                    return err(format!(
                        "key {} is bound twice in [{scope_name}] (also on line {first})",
                        seq_to_string(&seq)
                    ));
                }
                let scope_map = self.bindings.entry(scope).or_default();
                if action_text.get_ref() == UNBIND {
                    scope_map.remove(&seq);
                    continue;
                }
                let Some(action) = Action::from_name(scope.place(), action_text.get_ref()) else {
                    let mut names: Vec<&str> = Vec::new();
                    for name in Action::all().map(Action::name) {
                        if !names.contains(&name) {
                            names.push(name);
                        }
                    }
                    return err(format!(
                        "unknown action {:?}; actions: {}, or \"none\" to unbind",
                        action_text.get_ref(),
                        names.join(", ")
                    ));
                };
                // A key that is also the start of a sequence could never reach the longer binding.
                let clash = scope_map
                    .iter()
                    .find(|(other, _)| **other != seq && (other.starts_with(&seq) || seq.starts_with(other)));
                if let Some((other, (_, origin))) = clash {
                    return err(format!(
                        "{} conflicts with {} ({}:{}): one is the start of the other",
                        seq_to_string(&seq),
                        seq_to_string(other),
                        origin.file.display(),
                        origin.line
                    ));
                }
                scope_map.insert(
                    seq,
                    (
                        action,
                        Origin {
                            file: file.to_path_buf(),
                            line,
                        },
                    ),
                );
            }
        }
        Ok(())
    }

    /// Resolve a sequence against scopes in priority order.
    pub fn lookup(&self, scopes: &[Scope], seq: &[Key]) -> Lookup {
        let mut pending = false;
        for scope in scopes {
            let Some(map) = self.bindings.get(scope) else {
                continue;
            };
            if let Some((action, _)) = map.get(seq) {
                return Lookup::Action(*action);
            }
            pending |= map.keys().any(|k| k.len() > seq.len() && k.starts_with(seq));
        }
        if pending {
            Lookup::Pending
        } else {
            Lookup::None
        }
    }

    /// Keys bound to `action` in `scope`, in a stable order (single keys first).
    pub fn keys_for(&self, scope: Scope, action: Action) -> Vec<String> {
        let mut keys: Vec<&KeySeq> = self
            .bindings
            .get(&scope)
            .map(|m| m.iter().filter(|(_, (a, _))| *a == action).map(|(k, _)| k).collect())
            .unwrap_or_default();
        keys.sort_by_key(|k| (k.len(), key_rank(k), seq_to_string(k)));
        keys.into_iter().map(|k| seq_to_string(k)).collect()
    }

    /// First key for an action in any of the scopes, for hints.
    pub fn first_key(&self, scopes: &[Scope], action: Action) -> Option<String> {
        scopes.iter().find_map(|s| self.keys_for(*s, action).into_iter().next())
    }

    /// All bindings of a scope grouped by action, for the help screen.
    pub fn actions_in(&self, scope: Scope) -> Vec<(Action, Vec<String>)> {
        let mut actions: Vec<Action> = self
            .bindings
            .get(&scope)
            .map(|m| m.values().map(|(a, _)| *a).collect())
            .unwrap_or_default();
        actions.sort();
        actions.dedup();
        actions.into_iter().map(|a| (a, self.keys_for(scope, a))).collect()
    }
}

/// Prefer plain letters over named keys when showing "the" key for an action.
fn key_rank(seq: &KeySeq) -> u8 {
    match seq.first().map(|k| (k.code, k.mods)) {
        Some((KeyCode::Char(_), m)) if m.is_empty() => 0,
        Some((_, m)) if m.is_empty() => 1,
        _ => 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::action::{GlobalAction, NavAction};

    fn layer(text: &str) -> Result<Keymap, FileError> {
        let mut km = Keymap::default_keymap();
        km.layer(text, Path::new("user.toml")).map(|_| km)
    }

    #[test]
    fn default_keymap_loads_without_error() {
        // default_keymap() cannot report errors; this is where they surface.
        assert!(Keymap::load(None, None).is_ok());
        assert!(Keymap::load(Some("vim"), None).is_ok());
        for action in Action::all() {
            assert_eq!(Action::from_name(action.place(), action.name()), Some(action));
        }
    }

    #[test]
    fn builtin_keymaps_parse() {
        for (name, text) in BUILTIN {
            let mut km = Keymap::default_keymap();
            km.layer(text, Path::new(name)).unwrap_or_else(|e| panic!("{e}"));
        }
        let km = Keymap::default_keymap();
        assert_eq!(
            km.lookup(&[Scope::Global], &[Key::char('q')]),
            Lookup::Action(Action::Global(GlobalAction::Quit))
        );
        assert_eq!(
            km.lookup(&[Scope::Global], &[Key::char('2')]),
            Lookup::Action(Action::pane(PaneId::Database))
        );
    }

    #[test]
    fn two_key_sequences_wait_then_fire() {
        let km = layer("[navigation]\n\"z z\" = \"top\"\n").unwrap();
        let scopes = [Scope::Navigation, Scope::Global];
        assert_eq!(km.lookup(&scopes, &[Key::char('z')]), Lookup::Pending);
        assert_eq!(
            km.lookup(&scopes, &[Key::char('z'), Key::char('z')]),
            Lookup::Action(Action::Nav(NavAction::Top))
        );
        assert_eq!(km.lookup(&scopes, &[Key::char('z'), Key::char('x')]), Lookup::None);
    }

    #[test]
    fn user_layer_overrides_and_unbinds() {
        let km = layer("[global]\nq = \"none\"\nx = \"quit\"\n").unwrap();
        assert_eq!(km.lookup(&[Scope::Global], &[Key::char('q')]), Lookup::None);
        assert_eq!(
            km.lookup(&[Scope::Global], &[Key::char('x')]),
            Lookup::Action(Action::Global(GlobalAction::Quit))
        );
    }

    #[test]
    fn unknown_action_names_file_and_line() {
        let e = layer("[global]\nq = \"quit\"\nw = \"teleport\"\n").unwrap_err();
        assert_eq!(e.line, Some(3), "{e}");
        assert!(
            e.to_string()
                .starts_with("user.toml:3: key `w`: unknown action \"teleport\""),
            "{e}"
        );
    }

    #[test]
    fn unparsable_key_names_file_and_line() {
        let e = layer("[global]\n\n\"ctrl+banana\" = \"quit\"\n").unwrap_err();
        assert_eq!(e.line, Some(3), "{e}");
        assert!(e.message.contains("banana"), "{e}");
    }

    #[test]
    fn same_key_twice_in_scope_is_an_error() {
        let e = layer("[global]\n\"ctrl+x\" = \"quit\"\n\"Ctrl+X\" = \"help\"\n").unwrap_err();
        assert!(e.message.contains("bound twice"), "{e}");
        assert!(e.line.is_some());
    }

    #[test]
    fn prefix_conflict_is_an_error() {
        let e = layer("[navigation]\n\"z z\" = \"top\"\nz = \"bottom\"\n").unwrap_err();
        assert!(e.message.contains("start of the other"), "{e}");
    }

    #[test]
    fn unknown_section_is_an_error() {
        let e = layer("[globl]\nq = \"quit\"\n").unwrap_err();
        assert_eq!(e.line, Some(1), "{e}");
    }
}
