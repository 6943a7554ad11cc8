//! The config file: any text either parses or is refused with an error that
//! names the file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use opsdeck::config::Config;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Err(e) = Config::parse(text, Path::new("fuzz.toml")) {
        let message = e.to_string();
        assert!(message.contains("fuzz.toml"), "the error names the file: {message}");
    }
});
