//! Pure parsers for the two log types vpce-advisor reads.
//!
//! * [`flow`]: VPC flow logs, space-separated text in any field order. The
//!   field order comes from the header line that S3 delivery writes, from a
//!   `${field}` format string, or defaults to the version 2 order.
//! * [`resolver`]: Route 53 Resolver query logs, JSON objects one per line,
//!   concatenated without newlines, wrapped in CloudWatch Logs subscription
//!   envelopes or in the output of `aws logs filter-log-events`.
//!
//! Everything here takes bytes or a reader and reports records to a sink. Nothing
//! here opens files, reads the clock or knows about AWS clients: the callers decide
//! where bytes come from.

pub mod flow;
pub mod insights;
pub mod json;
pub mod lines;
pub mod resolver;
pub mod time;

pub use lines::Location;
