//! Every parser of outside input fed mutated versions of real inputs (the
//! example config, the themes, the keymaps, the built-in runbooks,
//! Alertmanager answers, access exports): no panic, and a file's error names
//! the file. Deterministic seeds, bounded rounds, so it runs in the normal
//! test command; a crash found here becomes a fixed case below it.

mod common;

use common::rng::Rng;
use opsdeck::config::theme::{ColorSupport, Theme};
use opsdeck::config::Config;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

/// Mutations per seed input.
const ROUNDS: usize = 400;

/// Pieces that tend to break parsers: delimiters, quotes, huge and negative
/// numbers, odd durations, control characters, non-ASCII.
const TOKENS: &[&str] = &[
    "=",
    "[",
    "]",
    "[[",
    "]]",
    "{",
    "}",
    "\"",
    "'",
    "\"\"\"",
    ",",
    ":",
    "#",
    "\\",
    "\n",
    "\t",
    "\u{0}",
    "=~",
    "!~",
    "-1",
    "0",
    "1e309",
    "18446744073709551616",
    "99999999999999999999",
    "nan",
    "true",
    "null",
    "0s",
    "-5m",
    "99999999999h",
    "1d 2h",
    "é",
    "→",
    "💥",
    "\u{202e}",
    "ctrl+",
    "alt+alt+x",
    "g g g",
];

fn mutate(rng: &mut Rng, seed: &str) -> String {
    let mut lines: Vec<String> = seed.lines().map(String::from).collect();
    for _ in 0..1 + rng.below(5) {
        if lines.is_empty() {
            lines.push(String::new());
        }
        let i = rng.below(lines.len());
        match rng.below(7) {
            0 => {
                lines.remove(i);
            }
            1 => {
                let copy = lines[i].clone();
                lines.insert(i, copy);
            }
            2 => {
                // A token somewhere in the line (on a char boundary).
                let line = &lines[i];
                let cuts: Vec<usize> = line.char_indices().map(|(c, _)| c).chain([line.len()]).collect();
                let at = cuts[rng.below(cuts.len())];
                let token = rng.pick(TOKENS);
                lines[i].insert_str(at, token);
            }
            3 => {
                // Cut the line short.
                let line = &lines[i];
                let cuts: Vec<usize> = line.char_indices().map(|(c, _)| c).collect();
                if let Some(&at) = cuts.get(rng.below(cuts.len().max(1))) {
                    lines[i].truncate(at);
                }
            }
            4 => {
                let j = rng.below(lines.len());
                lines.swap(i, j);
            }
            5 => lines[i] = lines[i].repeat(1 + rng.below(50)),
            _ => {
                let token = rng.pick(TOKENS);
                lines.insert(i, format!("{token} = {}", rng.pick(TOKENS)));
            }
        }
    }
    lines.join("\n")
}

/// Run `parse` on ROUNDS mutations of each seed; a panic fails with the
/// input. `parse` says whether it accepted the input: some mutations must be
/// accepted and some refused, or the mutations test nothing.
fn never_panics(what: &str, seeds: &[&str], salt: u64, parse: impl Fn(&str) -> bool) {
    let mut rng = Rng(0x5eed_0000 ^ salt);
    let (mut accepted, mut refused) = (0, 0);
    for seed in seeds {
        for round in 0..ROUNDS {
            let input = mutate(&mut rng, seed);
            match catch_unwind(AssertUnwindSafe(|| parse(&input))) {
                Ok(true) => accepted += 1,
                Ok(false) => refused += 1,
                Err(_) => panic!("{what} panicked (round {round}) on:\n{input:?}"),
            }
        }
    }
    assert!(
        accepted > 0 && refused > 0,
        "{what}: {accepted} accepted, {refused} refused"
    );
}

#[test]
fn config_parser() {
    let seeds = [include_str!("../config/opsdeck.example.toml")];
    never_panics("config", &seeds, 1, |text| {
        match Config::parse(text, Path::new("fuzz.toml")) {
            Ok(_) => true,
            Err(e) => {
                assert!(e.to_string().contains("fuzz.toml"), "the error names the file: {e}");
                false
            }
        }
    });
}

#[test]
fn theme_parser() {
    let seeds = [
        include_str!("../themes/default.toml"),
        include_str!("../themes/light.toml"),
        include_str!("../themes/high-contrast.toml"),
        include_str!("../themes/mono.toml"),
    ];
    never_panics("theme", &seeds, 2, |text| {
        let mut ok = true;
        for support in [ColorSupport::TrueColor, ColorSupport::Ansi256, ColorSupport::None] {
            if let Err(e) = Theme::parse(text, Path::new("fuzz-theme.toml"), support) {
                assert!(e.to_string().contains("fuzz-theme.toml"), "{e}");
                ok = false;
            }
        }
        ok
    });
}

#[test]
fn keymap_parser() {
    let seeds = [
        include_str!("../keymaps/default.toml"),
        include_str!("../keymaps/vim.toml"),
    ];
    never_panics("keymap", &seeds, 3, |text| {
        let mut km = opsdeck::config::keymap::Keymap::default_keymap();
        match km.layer(text, Path::new("fuzz-keys.toml")) {
            Ok(()) => true,
            Err(e) => {
                assert!(e.to_string().contains("fuzz-keys.toml"), "{e}");
                false
            }
        }
    });
}

#[test]
fn runbook_parser_and_lint() {
    use opsdeck::runbook::lint::{lint_text, LintContext};
    let seeds: Vec<&str> = opsdeck::runbook::load::BUILTIN.iter().map(|(_, t)| *t).collect();
    let ctx = LintContext::default();
    never_panics("runbook", &seeds, 4, |text| {
        let problems = lint_text(text, Path::new("fuzz-runbook.toml"), &ctx);
        for problem in &problems {
            assert!(problem.to_string().contains("fuzz-runbook.toml"), "{problem}");
        }
        problems.is_empty()
    });
}

const ALERTS: &str = r#"[
{"labels":{"alertname":"DiskFull","severity":"warning","instance":"db1"},"annotations":{"summary":"disk 91%","runbook":"database-emergency"},
"startsAt":"2026-01-01T00:00:00Z","endsAt":"2026-01-01T01:00:00Z","fingerprint":"a","generatorURL":"http://p:9090/graph",
"status":{"state":"active","silencedBy":[],"inhibitedBy":[]},"receivers":[{"name":"null"}],"updatedAt":"2026-01-01T00:00:00Z"},
{"labels":{"alertname":"Down","severity":"critical"},"annotations":{},
"startsAt":"2026-01-01T00:05:00Z","fingerprint":"b","status":{"state":"suppressed","silencedBy":["s1"]}}
]"#;

const SILENCES: &str = r#"[
{"id":"s1","matchers":[{"name":"alertname","value":"Down","isRegex":false,"isEqual":true}],
"startsAt":"2026-01-01T00:00:00Z","endsAt":"2026-01-01T02:00:00Z","createdBy":"ana","comment":"ack: on it",
"status":{"state":"active"}}
]"#;

const STATUS: &str = r#"{"cluster":{"name":"01H","status":"ready","peers":[{"name":"a","address":"127.0.0.1:9094"}]},
"uptime":"2026-01-01T00:00:00Z","versionInfo":{"version":"0.25.0"}}"#;

#[test]
fn alertmanager_answers() {
    use opsdeck::backends::alertmanager::{parse_alerts, parse_silences, parse_status};
    never_panics("alertmanager", &[ALERTS, SILENCES, STATUS], 5, |text| {
        let alerts = parse_alerts(text.as_bytes()).is_ok();
        let silences = parse_silences(text.as_bytes()).is_ok();
        let status = parse_status(text.as_bytes()).is_ok();
        alerts || silences || status
    });
}

const ACCESS_CSV: &str = "subject,role,status,last_login_at,created_at,mfa_enabled,organization,granted_by,team
alice@example.com,admin,active,2026-11-01T10:00:00Z,2024-01-01,true,acme,bob,ops
o'brien'); DROP TABLE users;--,viewer,suspended,,2023-05-05,false,acme,,
carol,\"editor, billing\",disabled,2025-01-01 08:00:00,2022-02-02,no,acme,root,\"quoted \"\"team\"\"\"";

const ACCESS_JSON: &str = r#"{"users": [
{"subject":"alice@example.com","role":"admin","status":"active","last_login_at":"2026-11-01T10:00:00Z","mfa_enabled":true},
{"subject":"bob","role":"viewer","last_login_at":null,"mfa_enabled":"false","extra":{"nested":[1,2,3]}},
{"subject":"","role":"admin"}
]}"#;

#[test]
fn access_exports() {
    use opsdeck::backends::access::rows::{parse_csv, parse_json};
    never_panics("access", &[ACCESS_CSV, ACCESS_JSON], 6, |text| {
        let csv = parse_csv("fuzz", text.as_bytes()).is_ok();
        let json = parse_json("fuzz", text).is_ok();
        csv || json
    });
}

#[test]
fn alertmanager_matchers() {
    use opsdeck::model::matchers::parse_matchers;
    let seeds = [
        r#"severity="critical", instance=~"db.*""#,
        r#"{alertname!="Watchdog",job!~"node|blackbox"}"#,
        r#"team="a\"b", x=~"(("#,
    ];
    never_panics("matchers", &seeds, 7, |text| parse_matchers(text).is_ok());
}
