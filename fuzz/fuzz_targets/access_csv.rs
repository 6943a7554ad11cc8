//! An access-review export in CSV (the parser takes bytes).
#![no_main]

use libfuzzer_sys::fuzz_target;
use opsdeck::backends::access::rows::parse_csv;

fuzz_target!(|data: &[u8]| {
    let _ = parse_csv("fuzz", data);
});
