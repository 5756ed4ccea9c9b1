//! Hostname patterns, as written in the catalogue.
//!
//! A pattern is a dotted name whose labels are one of:
//! * a literal (`ecr`);
//! * `{region}`, or a literal with `{region}` inside (`s3-{region}`), which
//!   matches a Region code and captures it;
//! * a glob with one `*` (`ecs-a-*`, `*-ats`), which matches one label;
//! * a leading `*` label alone, which matches one or more labels (bucket names
//!   with dots, account IDs, API IDs).
//!
//! Matching runs from the right. The most specific matching pattern wins.

use crate::is_region;

#[derive(Clone, Debug, PartialEq, Eq)]
enum Label {
    Lit(String),
    Region { pre: String, suf: String },
    Glob { pre: String, suf: String },
    AnyMany,
}

/// A compiled hostname pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Pattern {
    labels: Vec<Label>,
    pub(crate) text: String,
}

impl Pattern {
    pub(crate) fn parse(text: &str) -> Result<Pattern, String> {
        let mut labels = Vec::new();
        let parts: Vec<&str> = text.split('.').collect();
        for (i, p) in parts.iter().enumerate() {
            if p.is_empty() {
                return Err(format!("empty label in pattern '{text}'"));
            }
            let label = if *p == "*" {
                if i != 0 {
                    return Err(format!("'*' as a whole label must come first in '{text}'"));
                }
                Label::AnyMany
            } else if let Some(at) = p.find("{region}") {
                Label::Region {
                    pre: p[..at].to_string(),
                    suf: p[at + "{region}".len()..].to_string(),
                }
            } else if let Some(at) = p.find('*') {
                if p[at + 1..].contains('*') {
                    return Err(format!("more than one '*' in a label of '{text}'"));
                }
                Label::Glob {
                    pre: p[..at].to_string(),
                    suf: p[at + 1..].to_string(),
                }
            } else {
                Label::Lit(p.to_string())
            };
            labels.push(label);
        }
        Ok(Pattern {
            labels,
            text: text.to_string(),
        })
    }

    /// Higher is more specific: literal labels count most, then Regions, then
    /// globs; a pattern without a leading `*` beats one with it.
    pub(crate) fn specificity(&self) -> u32 {
        self.labels
            .iter()
            .map(|l| match l {
                Label::Lit(s) => 100 + s.len() as u32,
                Label::Region { pre, suf } => 80 + (pre.len() + suf.len()) as u32,
                Label::Glob { pre, suf } => 50 + (pre.len() + suf.len()) as u32,
                Label::AnyMany => 0,
            })
            .sum::<u32>()
            + if matches!(self.labels.first(), Some(Label::AnyMany)) {
                0
            } else {
                10
            }
    }

    /// Matches `labels` (a lower-case hostname split on dots). Returns the
    /// captured Region, if the pattern has one, as `Some(Some(region))`.
    pub(crate) fn matches<'n>(&self, labels: &[&'n str]) -> Option<Option<&'n str>> {
        let mut region = None;
        let mut ni = labels.len();
        for (pi, pl) in self.labels.iter().enumerate().rev() {
            if let Label::AnyMany = pl {
                debug_assert_eq!(pi, 0);
                return if ni >= 1 { Some(region) } else { None };
            }
            if ni == 0 {
                return None;
            }
            ni -= 1;
            let nl = labels[ni];
            let ok = match pl {
                Label::Lit(s) => nl == s,
                Label::Region { pre, suf } => {
                    nl.len() > pre.len() + suf.len() && nl.starts_with(pre.as_str()) && nl.ends_with(suf.as_str()) && {
                        let r = &nl[pre.len()..nl.len() - suf.len()];
                        let ok = is_region(r);
                        if ok {
                            region = Some(r);
                        }
                        ok
                    }
                }
                Label::Glob { pre, suf } => {
                    nl.len() > pre.len() + suf.len() && nl.starts_with(pre.as_str()) && nl.ends_with(suf.as_str())
                }
                Label::AnyMany => unreachable!(),
            };
            if !ok {
                return None;
            }
        }
        if ni == 0 {
            Some(region)
        } else {
            None
        }
    }

    /// Whether the pattern captures a Region.
    pub(crate) fn has_region(&self) -> bool {
        self.labels.iter().any(|l| matches!(l, Label::Region { .. }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, name: &str) -> Option<Option<String>> {
        let labels: Vec<&str> = name.split('.').collect();
        Pattern::parse(p)
            .unwrap()
            .matches(&labels)
            .map(|r| r.map(str::to_string))
    }

    #[test]
    fn matching() {
        assert_eq!(
            m("ssm.{region}.amazonaws.com", "ssm.us-east-1.amazonaws.com"),
            Some(Some("us-east-1".into()))
        );
        assert_eq!(m("ssm.{region}.amazonaws.com", "ssm.notaregion.amazonaws.com"), None);
        assert_eq!(m("ssm.{region}.amazonaws.com", "x.ssm.us-east-1.amazonaws.com"), None);
        assert_eq!(
            m(
                "*.s3.{region}.amazonaws.com",
                "my.dotted.bucket.s3.eu-west-1.amazonaws.com"
            ),
            Some(Some("eu-west-1".into()))
        );
        assert_eq!(m("*.s3.{region}.amazonaws.com", "s3.eu-west-1.amazonaws.com"), None);
        assert_eq!(
            m("s3-{region}.amazonaws.com", "s3-us-west-2.amazonaws.com"),
            Some(Some("us-west-2".into()))
        );
        assert_eq!(m("s3-{region}.amazonaws.com", "s3-external-1.amazonaws.com"), None);
        assert_eq!(
            m("ecs-a-*.{region}.amazonaws.com", "ecs-a-3.us-east-1.amazonaws.com"),
            Some(Some("us-east-1".into()))
        );
        assert_eq!(
            m("ecs-a-*.{region}.amazonaws.com", "ecs-a-.us-east-1.amazonaws.com"),
            None
        );
        assert_eq!(
            m(
                "*-ats.iot.{region}.amazonaws.com",
                "abc123-ats.iot.us-east-1.amazonaws.com"
            ),
            Some(Some("us-east-1".into()))
        );
        assert_eq!(m("sts.amazonaws.com", "sts.amazonaws.com"), Some(None));
    }

    #[test]
    fn specificity_prefers_literals() {
        let a = Pattern::parse("*.credentials.iot.{region}.amazonaws.com").unwrap();
        let b = Pattern::parse("*-ats.iot.{region}.amazonaws.com").unwrap();
        assert!(a.specificity() > b.specificity());
        let c = Pattern::parse("s3.{region}.amazonaws.com").unwrap();
        let d = Pattern::parse("*.{region}.amazonaws.com").unwrap();
        assert!(c.specificity() > d.specificity());
        assert!(Pattern::parse("a.*.b").is_err());
        assert!(Pattern::parse("a**b.c").is_err());
    }
}
