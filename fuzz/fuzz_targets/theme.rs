//! A theme file, resolved for every colour support a terminal may announce.
#![no_main]

use libfuzzer_sys::fuzz_target;
use opsdeck::config::theme::{ColorSupport, Theme};
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for support in [
        ColorSupport::TrueColor,
        ColorSupport::Ansi256,
        ColorSupport::Ansi16,
        ColorSupport::None,
    ] {
        if let Err(e) = Theme::parse(text, Path::new("fuzz-theme.toml"), support) {
            let message = e.to_string();
            assert!(
                message.contains("fuzz-theme.toml"),
                "the error names the file: {message}"
            );
        }
    }
});
