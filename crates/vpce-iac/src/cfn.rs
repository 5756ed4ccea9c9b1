//! CloudFormation: one YAML template per concern, with Parameters and
//! Outputs, rendered from a [`Module`].

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::{json, Map, Value as J};

use crate::model::{comment_text, condition_of, pascal, Input, InputDefault, InputType, Module, Part, Resource, Value};

/// A YAML scalar: strings always double-quoted (JSON escaping is valid YAML).
fn scalar(v: &J) -> String {
    match v {
        J::String(s) => serde_json::to_string(s).unwrap_or_default(),
        other => other.to_string(),
    }
}

fn is_scalar(v: &J) -> bool {
    !matches!(v, J::Object(_) | J::Array(_))
        || v.as_object().is_some_and(Map::is_empty)
        || v.as_array().is_some_and(Vec::is_empty)
}

fn empty(v: &J) -> Option<&'static str> {
    match v {
        J::Object(m) if m.is_empty() => Some("{}"),
        J::Array(a) if a.is_empty() => Some("[]"),
        _ => None,
    }
}

/// Writes `v` as block YAML at `indent`.
fn yaml(out: &mut String, v: &J, indent: usize) {
    let pad = " ".repeat(indent);
    match v {
        J::Object(m) => {
            for (k, val) in m {
                if let Some(e) = empty(val) {
                    let _ = writeln!(out, "{pad}{k}: {e}");
                } else if is_scalar(val) {
                    let _ = writeln!(out, "{pad}{k}: {}", scalar(val));
                } else {
                    let _ = writeln!(out, "{pad}{k}:");
                    yaml(out, val, indent + 2);
                }
            }
        }
        J::Array(a) => {
            for val in a {
                if is_scalar(val) {
                    let _ = writeln!(out, "{pad}- {}", empty(val).map_or_else(|| scalar(val), str::to_string));
                } else {
                    let mut inner = String::new();
                    yaml(&mut inner, val, indent + 2);
                    // "- " takes the place of the first line's indentation.
                    let inner = inner.trim_start();
                    let _ = write!(out, "{pad}- {inner}");
                }
            }
        }
        other => {
            let _ = writeln!(out, "{pad}{}", scalar(other));
        }
    }
}

fn section(out: &mut String, name: &str, v: J) {
    let _ = writeln!(out, "{name}:");
    yaml(out, &v, 2);
}

/// Renders a module as one template.
pub(crate) fn render(m: &Module) -> String {
    let mut out = String::from("AWSTemplateFormatVersion: \"2010-09-09\"\n");
    let _ = writeln!(out, "Description: {}", scalar(&json!(m.cfn_description)));
    for c in &m.cfn_comments {
        let _ = writeln!(out, "# {}", comment_text(c));
    }
    let params: Map<String, J> = m
        .inputs
        .iter()
        .filter(|i| i.only.cloudformation())
        .map(|i| (i.name.cfn.clone(), parameter(i)))
        .collect();
    section(&mut out, "Parameters", J::Object(params));
    let rules: Map<String, J> = m
        .inputs
        .iter()
        .filter(|i| i.only.cloudformation())
        .filter_map(|i| {
            let message = i.nonempty.as_ref()?;
            let assert = json!({"Fn::Not": [{"Fn::EachMemberEquals": [{"Ref": i.name.cfn}, ""]}]});
            Some((
                format!("{}Given", i.name.cfn),
                json!({"Assertions": [{"Assert": assert, "AssertDescription": message}]}),
            ))
        })
        .collect();
    if !rules.is_empty() {
        section(&mut out, "Rules", J::Object(rules));
    }
    let conditions = conditions(m);
    let mut chosen: Vec<&String> = m
        .resources
        .iter()
        .filter(|r| r.only.cloudformation())
        .filter_map(|r| r.count_if.as_ref())
        .collect();
    chosen.sort();
    chosen.dedup();
    if !conditions.is_empty() || !chosen.is_empty() {
        out.push_str("Conditions:\n");
        for (c, param) in conditions {
            let _ = writeln!(out, "  {c}: !Not [!Equals [!Ref {param}, \"\"]]");
        }
        for input in chosen {
            let _ = writeln!(
                out,
                "  {}: !Equals [!Ref {}, \"true\"]",
                condition_of(input),
                pascal(input)
            );
        }
    }
    out.push_str("Resources:");
    for r in m.resources.iter().filter(|r| r.only.cloudformation()) {
        resource(&mut out, m, r);
    }
    out.push('\n');
    let outputs: Map<String, J> = m
        .outputs
        .iter()
        .filter(|o| o.only.cloudformation())
        .map(|o| {
            (
                o.name.cfn.clone(),
                json!({"Description": o.description, "Value": value(m, &o.value)}),
            )
        })
        .collect();
    section(&mut out, "Outputs", J::Object(outputs));
    out
}

fn parameter(i: &Input) -> J {
    let ty = match i.ty {
        InputType::String | InputType::Bool | InputType::Map => "String",
        InputType::VpcId => "AWS::EC2::VPC::Id",
        InputType::SubnetIds => "List<AWS::EC2::Subnet::Id>",
        InputType::List => "CommaDelimitedList",
        InputType::Number(_) => "Number",
    };
    let description = i.cfn_description.as_deref().unwrap_or(&i.description);
    let mut p = json!({"Type": ty, "Description": description});
    let default = match &i.default {
        Some(InputDefault::Str(s)) => Some(json!(s)),
        Some(InputDefault::Empty) => Some(json!("")),
        Some(InputDefault::List(l)) if !l.is_empty() || i.cfn_empty_list_default => Some(json!(l.join(","))),
        Some(InputDefault::Num(n)) => Some(json!(n)),
        Some(InputDefault::Bool(b)) => Some(json!(b.to_string())),
        _ => None,
    };
    if let Some(d) = default {
        p["Default"] = d;
    }
    match i.ty {
        InputType::Number(allowed) if !allowed.is_empty() => p["AllowedValues"] = json!(allowed),
        InputType::Bool => p["AllowedValues"] = json!(["true", "false"]),
        _ => {}
    }
    p
}

/// The inputs that may be empty: (condition, parameter).
fn conditions(m: &Module) -> Vec<(String, String)> {
    fn visit(v: &Value, found: &mut Vec<(String, String)>) {
        match v {
            Value::OptVar(n, c) => {
                let entry = (c.clone(), pascal(n));
                if !found.contains(&entry) {
                    found.push(entry);
                }
            }
            Value::List(items) => items.iter().for_each(|i| visit(i, found)),
            Value::Map(entries) => entries.iter().for_each(|(_, i)| visit(i, found)),
            Value::Block(props) => props.iter().for_each(|p| visit(&p.value, found)),
            Value::Doc(inner) | Value::PerBackend(_, inner) => visit(inner, found),
            _ => {}
        }
    }
    let mut found = Vec::new();
    for r in m.resources.iter().filter(|r| r.only.cloudformation()) {
        for p in r.props.iter().filter(|p| p.only.cloudformation()) {
            visit(&p.value, &mut found);
        }
    }
    found
}

/// One resource with comments above it; `Type` first for readability.
fn resource(out: &mut String, m: &Module, r: &Resource) {
    out.push('\n');
    for c in r.cfn_comments.as_ref().unwrap_or(&r.comments) {
        let _ = writeln!(out, "  # {}", comment_text(c));
    }
    let _ = writeln!(out, "  {}:", r.name.cfn);
    let _ = writeln!(out, "    Type: {}", scalar(&json!(r.kind.1)));
    if let Some(input) = &r.count_if {
        let _ = writeln!(out, "    Condition: {}", scalar(&json!(condition_of(input))));
    }
    let mut extra = Map::new();
    let deps: Vec<J> = r
        .depends_on
        .iter()
        .filter(|d| d.only.cloudformation())
        .filter_map(|d| m.resource(&d.key))
        .map(|d| json!(d.name.cfn))
        .collect();
    match deps.as_slice() {
        [] => {}
        [one] => {
            extra.insert("DependsOn".into(), one.clone());
        }
        _ => {
            extra.insert("DependsOn".into(), J::Array(deps));
        }
    }
    if !r.skips.is_empty() {
        let skips: Vec<J> = r.skips.iter().map(|s| json!({"id": s.id, "comment": s.cfn})).collect();
        extra.insert("Metadata".into(), json!({"checkov": {"skip": skips}}));
    }
    yaml(out, &J::Object(extra), 4);
    let _ = writeln!(out, "    Properties:");
    yaml(out, &value(m, &Value::Block(r.props.clone())), 6);
}

/// The logical ID of a resource of the module.
fn logical_id(m: &Module, key: &str) -> String {
    m.resource(key).map_or_else(|| pascal(key), |r| r.name.cfn.clone())
}

/// A reference as a whole value: `Ref` or `Fn::GetAtt`.
fn reference(m: &Module, p: &Part) -> Option<J> {
    Some(match p {
        Part::Lit(_) => return None,
        Part::Region => json!({"Ref": "AWS::Region"}),
        Part::Partition => json!({"Ref": "AWS::Partition"}),
        Part::AccountId => json!({"Ref": "AWS::AccountId"}),
        Part::Var(v) => json!({"Ref": pascal(v)}),
        Part::Attr(k, a) if a == "id" => json!({"Ref": logical_id(m, k)}),
        Part::Attr(k, a) => json!({"Fn::GetAtt": [logical_id(m, k), pascal(a)]}),
    })
}

/// An interpolated string: the bare reference when it is the whole string,
/// else `Fn::Sub`.
fn sub(m: &Module, parts: &[Part]) -> J {
    if let [one] = parts {
        if let Some(r) = reference(m, one) {
            return r;
        }
    }
    let mut s = String::new();
    for p in parts {
        match p {
            Part::Lit(l) => s.push_str(&l.replace("${", "${!")),
            Part::Region => s.push_str("${AWS::Region}"),
            Part::Partition => s.push_str("${AWS::Partition}"),
            Part::AccountId => s.push_str("${AWS::AccountId}"),
            Part::Var(v) => {
                let _ = write!(s, "${{{}}}", pascal(v));
            }
            Part::Attr(k, a) if a == "id" => {
                let _ = write!(s, "${{{}}}", logical_id(m, k));
            }
            Part::Attr(k, a) => {
                let _ = write!(s, "${{{}.{}}}", logical_id(m, k), pascal(a));
            }
        }
    }
    if parts.iter().all(|p| matches!(p, Part::Lit(_))) {
        return J::String(
            parts
                .iter()
                .map(|p| if let Part::Lit(l) = p { l.as_str() } else { "" })
                .collect(),
        );
    }
    json!({"Fn::Sub": s})
}

fn tags(base: &BTreeMap<String, String>, name: Option<&String>) -> J {
    let mut t: Vec<J> = Vec::new();
    if let Some(n) = name {
        t.push(json!({"Key": "Name", "Value": n}));
    }
    for (k, v) in base {
        t.push(json!({"Key": k, "Value": v}));
    }
    J::Array(t)
}

/// A value as CloudFormation JSON (intrinsic functions in their long form).
pub(crate) fn value(m: &Module, v: &Value) -> J {
    match v {
        Value::Str(s) => json!(s),
        Value::Num(n) => json!(n),
        Value::Bool(b) => json!(b),
        Value::List(items) => J::Array(items.iter().map(|i| value(m, i)).collect()),
        Value::Map(entries) => J::Object(entries.iter().map(|(k, v)| (k.clone(), value(m, v))).collect()),
        Value::Block(props) => J::Object(
            props
                .iter()
                .filter(|p| p.only.cloudformation())
                .map(|p| (p.name.cfn.clone(), value(m, &p.value)))
                .collect(),
        ),
        Value::Sub(parts) => sub(m, parts),
        Value::Var(n) => json!({"Ref": pascal(n)}),
        Value::OptVar(n, c) => json!({"Fn::If": [c, {"Ref": pascal(n)}, {"Ref": "AWS::NoValue"}]}),
        Value::Attr(k, a) => reference(m, &Part::Attr(k.clone(), a.clone())).unwrap_or(J::Null),
        Value::Local(n) => m.local(n).map_or(J::Null, |l| value(m, &l.value)),
        Value::Tags(name) => tags(&m.tags, name.as_ref()),
        Value::Doc(inner) | Value::PerBackend(_, inner) => value(m, inner),
        Value::Expr(_) => J::Null,
    }
}
