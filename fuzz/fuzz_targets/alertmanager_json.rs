//! Alertmanager's answers (`/api/v2/alerts`, `/silences`, `/status`); the
//! parsers take the body's bytes as they come.
#![no_main]

use libfuzzer_sys::fuzz_target;
use opsdeck::backends::alertmanager::{parse_alerts, parse_silences, parse_status};

fuzz_target!(|data: &[u8]| {
    let _ = parse_alerts(data);
    let _ = parse_silences(data);
    let _ = parse_status(data);
});
