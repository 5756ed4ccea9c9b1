//! Resolver query logs and their envelopes (CloudWatch Logs subscription
//! and export, Firehose, Lambda events, shippers' `message` wrappers):
//! nothing panics, and every reported problem has a reason.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vpce_formats::resolver::{read_resolver_log, DnsQuery, DnsSink};

#[derive(Default)]
struct Count(u64, u64);

impl DnsSink for Count {
    fn query(&mut self, q: &DnsQuery<'_>, _line: u64) {
        let _ = q.major_version();
        self.0 += 1;
    }
    fn malformed(&mut self, _line: u64, reason: String) {
        assert!(!reason.is_empty());
        self.1 += 1;
    }
}

fuzz_target!(|data: &[u8]| {
    let mut sink = Count::default();
    let _ = read_resolver_log(data, &mut sink);
});
