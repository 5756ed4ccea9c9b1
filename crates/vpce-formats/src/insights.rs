//! CloudWatch Logs Insights: the queries vpce-advisor pushes down to AWS, and
//! the parsing of their result rows back into the records the aggregators
//! read. Pure: the AWS shell runs the queries.
//!
//! Both queries aggregate per hour (`bin(1h)`), so a week of logs comes back
//! as a few thousand rows instead of millions of events:
//!
//! - Resolver logs: queries per name, VPC and answer set (the first
//!   [`DNS_ANSWERS`] answers), for AWS names only. This is the original
//!   solution's query, corrected: `like` with a regular expression instead
//!   of `~=`, and the answers kept so that flow-log addresses can be named.
//! - Flow logs: bytes and packets per interface, addresses (with the packet
//!   addresses that show NAT), direction and path, parsed from `@message`
//!   with the flow log's own format.

use std::borrow::Cow;
use std::net::IpAddr;

use crate::flow::{Field, FlowFormat};
use crate::resolver::{Answer, DnsQuery};
use crate::time::{format_rfc3339, parse_rfc3339};

/// Answers per Resolver record kept by the query (CNAME targets count).
pub const DNS_ANSWERS: usize = 6;

/// Most rows one query returns; a result this long may be cut short, and the
/// runner splits the time range and asks again.
pub const MAX_ROWS: usize = 10_000;

/// AWS service names: `amazonaws.com`, `amazonaws.com.cn`, `api.aws`, any case,
/// trailing dot or not.
const AWS_NAME_REGEX: &str = r"/(?i)(amazonaws\.com(\.cn)?|api\.aws)\.?$/";

/// One result row: (field, value) pairs as `GetQueryResults` returns them.
pub type Row = Vec<(String, String)>;

fn get<'a>(row: &'a Row, field: &str) -> Option<&'a str> {
    row.iter()
        .find(|(f, _)| f == field)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty() && *v != "-")
}

/// The Resolver-log query.
pub fn dns_query() -> String {
    let answers: Vec<String> = (0..DNS_ANSWERS)
        .map(|i| format!("coalesce(answers.{i}.Rdata, \"-\") as a{i}"))
        .collect();
    let by: Vec<String> = (0..DNS_ANSWERS).map(|i| format!("a{i}")).collect();
    format!(
        "fields query_name as qname, coalesce(vpc_id, \"-\") as vpc, coalesce(region, \"-\") as rgn, coalesce(account_id, \"-\") as acct, {}\n\
         | filter qname like {AWS_NAME_REGEX}\n\
         | stats count(*) as queries by qname, vpc, rgn, acct, {}, bin(1h) as hour",
        answers.join(", "),
        by.join(", ")
    )
}

/// The most queries one row (a name, a VPC, an answer set, an hour) is
/// believed to stand for: far above what a VPC's Resolver can answer in an
/// hour, and low enough that the sums of a whole result cannot overflow.
pub const MAX_ROW_QUERIES: u64 = 1 << 40;

/// A Resolver record rebuilt from a result row, and how many queries it stands for.
///
/// # Errors
/// A field missing or not of its type, or more queries than
/// [`MAX_ROW_QUERIES`].
pub fn dns_row(row: &Row) -> Result<(DnsQuery<'static>, u64), String> {
    let name = get(row, "qname").ok_or("row without qname")?;
    let hour = get(row, "hour").ok_or("row without hour")?;
    let ts = parse_rfc3339(hour).ok_or_else(|| format!("hour '{hour}' is not a time"))?;
    let count = parse_count(get(row, "queries").ok_or("row without queries")?)?;
    if count > MAX_ROW_QUERIES {
        return Err(format!("{count} queries in one row is not a plausible count"));
    }
    let answers = (0..DNS_ANSWERS)
        .filter_map(|i| get(row, &format!("a{i}")))
        .map(|a| {
            let rtype = match a.parse::<IpAddr>() {
                Ok(IpAddr::V4(_)) => "A",
                Ok(IpAddr::V6(_)) => "AAAA",
                Err(_) => "CNAME",
            };
            Answer {
                rdata: Cow::Owned(a.to_string()),
                rtype: Cow::Borrowed(rtype),
            }
        })
        .collect();
    let owned = |f: &str| get(row, f).map(|v| Cow::Owned(v.to_string()));
    Ok((
        DnsQuery {
            query_name: Cow::Owned(name.to_string()),
            query_timestamp: Cow::Owned(format_rfc3339(ts)),
            version: Some("1.100000".into()),
            account_id: owned("acct"),
            region: owned("rgn"),
            vpc_id: owned("vpc"),
            query_type: None,
            rcode: Some(Cow::Borrowed("NOERROR")),
            answers,
            srcaddr: None,
            srcport: None,
            srcids: None,
        },
        count,
    ))
}

/// Insights returns numbers as text, sometimes in floating-point form.
fn parse_count(v: &str) -> Result<u64, String> {
    v.parse::<u64>()
        .or_else(|_| {
            v.parse::<f64>()
                .ok()
                .filter(|f| f.is_finite() && *f >= 0.0)
                .map(|f| f.round() as u64)
                .ok_or(())
        })
        .map_err(|_| format!("'{v}' is not a count"))
}

fn var(f: Field) -> String {
    format!("f_{}", f.name().replace('-', "_"))
}

/// The fields summed or bounded rather than grouped by.
const MEASURES: [Field; 4] = [Field::Bytes, Field::Packets, Field::Start, Field::End];

/// The fields a flow query groups by: `wanted` that the format has, less
/// the measures.
pub fn flow_group_fields(format: &FlowFormat, wanted: &[Field]) -> Vec<Field> {
    wanted
        .iter()
        .copied()
        .filter(|f| format.has(*f) && !MEASURES.contains(f))
        .collect()
}

/// The flow-log query for a flow log written in `format`, grouping by the
/// `wanted` fields it has.
///
/// # Errors
/// The format lacks `bytes`, or has fields this version does not know (their
/// positions in `@message` would be unknown).
pub fn flow_query(format: &FlowFormat, wanted: &[Field]) -> Result<String, String> {
    if !format.ignored().is_empty() {
        return Err(format!(
            "the flow-log format has fields this version does not know ({}); use --no-insights",
            format.ignored().join(", ")
        ));
    }
    if !format.has(Field::Bytes) {
        return Err("the flow-log format has no ${bytes} field: there is nothing to measure".into());
    }
    let fields = format.fields();
    let pattern = vec!["*"; fields.len()].join(" ");
    let names: Vec<String> = fields.iter().map(|f| var(*f)).collect();
    let mut q = format!("parse @message \"{pattern}\" as {}", names.join(", "));
    let mut filters = Vec::new();
    if format.has(Field::LogStatus) {
        filters.push(format!("{} = \"OK\"", var(Field::LogStatus)));
    }
    if format.has(Field::Action) {
        filters.push(format!("{} = \"ACCEPT\"", var(Field::Action)));
    }
    if !filters.is_empty() {
        q.push_str(&format!("\n| filter {}", filters.join(" and ")));
    }
    let mut measures = vec![format!("sum({}) as bytes", var(Field::Bytes))];
    if format.has(Field::Packets) {
        measures.push(format!("sum({}) as packets", var(Field::Packets)));
    }
    if format.has(Field::Start) {
        measures.push(format!("min({}) as start", var(Field::Start)));
    }
    if format.has(Field::End) {
        measures.push(format!("max({}) as end", var(Field::End)));
    }
    let mut by: Vec<String> = flow_group_fields(format, wanted).into_iter().map(var).collect();
    by.push("bin(1h) as hour".into());
    q.push_str(&format!("\n| stats {} by {}", measures.join(", "), by.join(", ")));
    Ok(q)
}

/// The header line of the flow-log text that [`flow_row`] lines make up.
pub fn flow_header(format: &FlowFormat, wanted: &[Field]) -> String {
    let mut fields = flow_group_fields(format, wanted);
    fields.extend([Field::Bytes, Field::Packets, Field::Start, Field::End]);
    fields.iter().map(|f| f.name()).collect::<Vec<_>>().join(" ")
}

/// One flow-log line (in [`flow_header`]'s order) rebuilt from a result row:
/// the sums of bytes and packets over the hour, between the first start and
/// the last end.
pub fn flow_row(row: &Row, group: &[Field]) -> Result<String, String> {
    let hour = get(row, "hour").ok_or("row without hour")?;
    let hour = parse_rfc3339(hour).ok_or_else(|| format!("hour '{hour}' is not a time"))?;
    let mut out = String::with_capacity(160);
    for f in group {
        let v = get(row, &var(*f)).unwrap_or("-");
        if v.contains(char::is_whitespace) {
            return Err(format!("{} value '{v}' has a space", f.name()));
        }
        out.push_str(v);
        out.push(' ');
    }
    let bytes = parse_count(get(row, "bytes").ok_or("row without bytes")?)?;
    let packets = get(row, "packets").map(parse_count).transpose()?.unwrap_or(0);
    let start = get(row, "start").map(parse_count).transpose()?.unwrap_or(hour as u64);
    let end = get(row, "end")
        .map(parse_count)
        .transpose()?
        .unwrap_or(hour as u64 + 3599);
    out.push_str(&format!("{bytes} {packets} {start} {end}"));
    Ok(out)
}

/// Rows of a recorded `GetQueryResults` response (the AWS CLI's JSON form:
/// `{"results": [[{"field": ..., "value": ...}, ...], ...], "status": ...}`).
///
/// # Errors
/// Not JSON in that shape.
pub fn rows_from_json(text: &str) -> Result<(Vec<Row>, String), String> {
    #[derive(serde::Deserialize)]
    struct Cell {
        field: String,
        #[serde(default)]
        value: String,
    }
    #[derive(serde::Deserialize)]
    struct Response {
        results: Vec<Vec<Cell>>,
        #[serde(default)]
        status: String,
    }
    let r: Response = serde_json::from_str(text).map_err(|e| e.to_string())?;
    Ok((
        r.results
            .into_iter()
            .map(|row| row.into_iter().map(|c| (c.field, c.value)).collect())
            .collect(),
        r.status,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_query_uses_like_and_keeps_answers() {
        let q = dns_query();
        assert!(q.contains("filter qname like /(?i)"), "{q}");
        assert!(!q.contains("~="));
        assert!(q.contains("answers.0.Rdata") && q.contains(&format!("answers.{}.Rdata", DNS_ANSWERS - 1)));
        assert!(q.contains("bin(1h) as hour"));
    }

    #[test]
    fn flow_query_follows_the_format() {
        let f = FlowFormat::parse("${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status} ${pkt-dstaddr}", false).unwrap();
        let wanted = [
            Field::InterfaceId,
            Field::Srcaddr,
            Field::Dstaddr,
            Field::PktDstaddr,
            Field::Bytes,
            Field::FlowDirection,
        ];
        let q = flow_query(&f, &wanted).unwrap();
        assert!(
            q.starts_with("parse @message \"* * * * * * * * * * * * * * *\" as f_version, f_account_id,"),
            "{q}"
        );
        assert!(q.contains("filter f_log_status = \"OK\" and f_action = \"ACCEPT\""));
        assert!(
            q.contains("by f_interface_id, f_srcaddr, f_dstaddr, f_pkt_dstaddr, bin(1h) as hour"),
            "{q}"
        );
        assert_eq!(
            flow_header(&f, &wanted),
            "interface-id srcaddr dstaddr pkt-dstaddr bytes packets start end"
        );
        let no_bytes = FlowFormat::parse("${version} ${srcaddr}", false).unwrap();
        assert!(flow_query(&no_bytes, &wanted).is_err());
    }
}
