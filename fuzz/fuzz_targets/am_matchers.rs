//! Alertmanager matchers as typed in a silence or a filter
//! (`severity="critical", instance=~"db.*"`), then matched against labels.
#![no_main]

use libfuzzer_sys::fuzz_target;
use opsdeck::model::matchers::{all_match, parse_matchers};
use std::collections::BTreeMap;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(matchers) = parse_matchers(text) {
        let labels: BTreeMap<String, String> =
            [("alertname", "DiskFull"), ("severity", "critical"), ("instance", text)]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
        let _ = all_match(&matchers, &labels);
    }
});
