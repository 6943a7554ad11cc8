//! A keymap file layered over the default keymap.
#![no_main]

use libfuzzer_sys::fuzz_target;
use opsdeck::config::keymap::Keymap;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut keymap = Keymap::default_keymap();
    if let Err(e) = keymap.layer(text, Path::new("fuzz-keys.toml")) {
        let message = e.to_string();
        assert!(
            message.contains("fuzz-keys.toml"),
            "the error names the file: {message}"
        );
    }
});
