//! An input as the readers open it: gzip sniffed by its magic bytes and read
//! member after member, the first lines sniffed for the log type, then
//! parsed as either log type. Each input ends read or named, nothing panics.
#![no_main]

use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use vpce_analysis::{DnsAggregator, FlowAggregator};
use vpce_formats::flow::FlowReadOptions;
use vpce_ingest::{read_dns, read_flows, Input};

fuzz_target!(|data: &[u8]| {
    let input = [Input::Memory {
        name: "fuzz".into(),
        bytes: Arc::new(data.to_vec()),
    }];
    let dns = read_dns(&input, &DnsAggregator::default(), &[true], 1);
    assert_eq!(dns.stats.files, 1);
    assert!(dns.errors.len() <= 1);
    let flows = read_flows(
        &input,
        &FlowAggregator::default(),
        &FlowReadOptions::default(),
        &[true],
        1,
    );
    assert_eq!(flows.stats.files, 1);
    assert!(flows.errors.len() <= 2);
});
