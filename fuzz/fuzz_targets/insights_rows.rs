//! Logs Insights results (`aws logs get-query-results` JSON) into the
//! analysis: the rows, then both queries' readings of them. Nothing panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vpce_analysis::{insights, TimeFilter};
use vpce_formats::flow::FlowFormat;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok((rows, _)) = vpce_formats::insights::rows_from_json(text) else {
        return;
    };
    let dns = insights::dns_rows(&rows, TimeFilter::default());
    assert_eq!(dns.stats.malformed as usize, dns.errors.len());
    let flow = insights::flow_text(&rows, &FlowFormat::default());
    assert!(flow.errors.len() <= rows.len());
});
