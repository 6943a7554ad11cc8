//! An access-review export in JSON.
#![no_main]

use libfuzzer_sys::fuzz_target;
use opsdeck::backends::access::rows::parse_json;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = parse_json("fuzz", text);
});
