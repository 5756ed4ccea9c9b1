//! Terraform: small modules in the AWS provider's conventions
//! (`main.tf`, `variables.tf`, `outputs.tf`, `versions.tf`), rendered from a
//! [`Module`].

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::model::{comment_text, InputDefault, InputType, Module, Part, Prop, Resource, Value};
use crate::GeneratedFile;

/// Template sequences written literally.
fn template_escape(s: &str) -> String {
    s.replace("${", "$${").replace("%{", "%%{")
}

/// An HCL string's contents: escapes quotes, backslashes and template sequences.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    template_escape(&out)
}

/// A quoted HCL string.
fn q(s: &str) -> String {
    format!("\"{}\"", escape(s))
}

/// An HCL list of quoted strings.
fn list(items: &[String]) -> String {
    format!("[{}]", items.iter().map(|s| q(s)).collect::<Vec<_>>().join(", "))
}

/// A map of quoted strings, one entry per line, indented by `indent`.
fn map(m: &BTreeMap<String, String>, indent: usize) -> String {
    if m.is_empty() {
        return "{}".into();
    }
    let pad = " ".repeat(indent + 2);
    let width = m.keys().map(|k| q(k).len()).max().unwrap_or(0);
    let mut s = String::from("{\n");
    for (k, v) in m {
        let key = q(k);
        let _ = writeln!(s, "{pad}{key:<width$} = {}", q(v));
    }
    s.push_str(&" ".repeat(indent));
    s.push('}');
    s
}

/// A block body: attributes aligned like `terraform fmt` does, in runs.
struct Body {
    lines: Vec<Line>,
}

enum Line {
    Attr(String, String),
    Raw(String),
}

impl Body {
    fn new() -> Self {
        Body { lines: Vec::new() }
    }
    fn attr(&mut self, k: &str, v: impl Into<String>) -> &mut Self {
        self.lines.push(Line::Attr(k.into(), v.into()));
        self
    }
    fn raw(&mut self, s: impl Into<String>) -> &mut Self {
        self.lines.push(Line::Raw(s.into()));
        self
    }
    fn render(&self, indent: usize) -> String {
        let pad = " ".repeat(indent);
        let mut out = String::new();
        let mut i = 0;
        while i < self.lines.len() {
            match &self.lines[i] {
                Line::Raw(r) => {
                    for l in r.lines() {
                        if l.is_empty() {
                            out.push('\n');
                        } else {
                            let _ = writeln!(out, "{pad}{l}");
                        }
                    }
                    i += 1;
                }
                Line::Attr(..) => {
                    // A run of single-line attributes shares one alignment.
                    let mut j = i;
                    while j < self.lines.len() && matches!(&self.lines[j], Line::Attr(_, v) if !v.contains('\n')) {
                        j += 1;
                    }
                    if j == i {
                        j = i + 1;
                    }
                    let width = self.lines[i..j]
                        .iter()
                        .map(|l| match l {
                            Line::Attr(k, _) => k.len(),
                            Line::Raw(_) => 0,
                        })
                        .max()
                        .unwrap_or(0);
                    for l in &self.lines[i..j] {
                        if let Line::Attr(k, v) = l {
                            let _ = writeln!(out, "{pad}{k:<width$} = {v}");
                        }
                    }
                    i = j;
                }
            }
        }
        out
    }
}

fn block(header: &str, body: &Body) -> String {
    format!("{header} {{\n{}}}\n", body.render(2))
}

fn comment(lines: &[String]) -> String {
    lines.iter().map(|l| format!("# {}\n", comment_text(l))).collect()
}

const VERSIONS: &str = r#"terraform {
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0, < 7.0"
    }
  }
}
"#;

/// The data sources a module reads, in the order they are declared.
const DATA_SOURCES: [(Part, &str, &str); 3] = [
    (
        Part::Partition,
        "aws_partition",
        "${data.aws_partition.current.partition}",
    ),
    (Part::Region, "aws_region", "${data.aws_region.current.name}"),
    (
        Part::AccountId,
        "aws_caller_identity",
        "${data.aws_caller_identity.current.account_id}",
    ),
];

/// Renders a module as its four files.
pub(crate) fn render(m: &Module) -> Vec<GeneratedFile> {
    let file = |name: &str, contents: String| GeneratedFile {
        name: name.into(),
        contents,
    };
    vec![
        file("main.tf", main(m)),
        file("variables.tf", variables(m)),
        file("outputs.tf", outputs(m)),
        file("versions.tf", VERSIONS.into()),
    ]
}

fn main(m: &Module) -> String {
    let mut title = vec![format!("{} (generated by vpce-advisor).", m.tf_title)];
    title.extend(m.tf_comments.iter().cloned());
    let mut out = comment(&title);
    let used = used_parts(m);
    for (part, name, _) in &DATA_SOURCES {
        if used.contains(part) {
            let _ = write!(out, "\ndata \"{name}\" \"current\" {{}}\n");
        }
    }
    for l in &m.locals {
        out.push('\n');
        out.push_str(&comment(&l.comments));
        let mut b = Body::new();
        b.attr(&l.name, expr(m, &l.value, 2));
        out.push_str(&block("locals", &b));
    }
    for r in m.resources.iter().filter(|r| r.only.terraform()) {
        out.push('\n');
        out.push_str(&comment(&r.comments));
        let what = if r.data { "data" } else { "resource" };
        out.push_str(&block(
            &format!("{what} \"{}\" \"{}\"", r.kind.0, r.name.tf),
            &resource_body(m, r),
        ));
    }
    out
}

fn resource_body(m: &Module, r: &Resource) -> Body {
    let mut b = Body::new();
    for s in &r.skips {
        b.raw(format!("#checkov:skip={}:{}", s.id, s.tf));
    }
    if let Some(input) = &r.count_if {
        b.attr("count", format!("var.{input} ? 1 : 0"));
    }
    props(m, &mut b, &r.props);
    let deps: Vec<String> = r
        .depends_on
        .iter()
        .filter(|d| d.only.terraform())
        .filter_map(|d| m.resource(&d.key))
        .map(|d| format!("{}.{}", d.kind.0, d.name.tf))
        .collect();
    if !deps.is_empty() {
        let why = r
            .depends_comment
            .as_ref()
            .map_or(String::new(), |c| format!("# {}\n", comment_text(c)));
        b.raw(format!("\n{why}depends_on = [{}]", deps.join(", ")));
    }
    b
}

fn props(m: &Module, b: &mut Body, props: &[Prop]) {
    for p in props.iter().filter(|p| p.only.terraform()) {
        match &p.value {
            Value::Block(inner) => {
                let mut ib = Body::new();
                self::props(m, &mut ib, inner);
                // A blank line before the block, unless it opens its own.
                let gap = if b.lines.is_empty() { "" } else { "\n" };
                b.raw(format!("{gap}{} {{\n{}}}\n", p.name.tf, ib.render(2)));
            }
            v => {
                b.attr(&p.name.tf, expr(m, v, 2));
            }
        }
    }
}

/// The address of a resource attribute (`aws_vpc_endpoint.s3.id`).
fn address(m: &Module, key: &str, attr: &str) -> String {
    match m.resource(key) {
        Some(r) => format!(
            "{}{}.{}{}.{attr}",
            if r.data { "data." } else { "" },
            r.kind.0,
            r.name.tf,
            if r.count_if.is_some() { "[0]" } else { "" }
        ),
        None => format!("{key}.{attr}"),
    }
}

/// The inside of an interpolated string; `quoted`: with the escapes of a
/// string literal (else for a JSON string that `json_to_hcl` quotes).
fn interpolate(m: &Module, parts: &[Part], quoted: bool) -> String {
    let mut s = String::new();
    for p in parts {
        match p {
            Part::Lit(l) if quoted => s.push_str(&escape(l)),
            Part::Lit(l) => s.push_str(&template_escape(l)),
            Part::Var(v) => {
                let _ = write!(s, "${{var.{v}}}");
            }
            Part::Attr(k, a) => {
                let _ = write!(s, "${{{}}}", address(m, k, a));
            }
            other => {
                if let Some((_, _, e)) = DATA_SOURCES.iter().find(|d| &d.0 == other) {
                    s.push_str(e);
                }
            }
        }
    }
    s
}

/// A value as an HCL expression; `indent` is that of the line it starts on.
fn expr(m: &Module, v: &Value, indent: usize) -> String {
    match v {
        Value::Str(s) => q(s),
        Value::Num(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::List(items) => format!(
            "[{}]",
            items.iter().map(|i| expr(m, i, indent)).collect::<Vec<_>>().join(", ")
        ),
        Value::Map(entries) => {
            let rendered: Vec<(String, String)> =
                entries.iter().map(|(k, v)| (key(k), expr(m, v, indent + 2))).collect();
            object(&rendered, indent)
        }
        Value::Block(_) => String::new(),
        Value::Sub(parts) => format!("\"{}\"", interpolate(m, parts, true)),
        Value::Var(n) | Value::OptVar(n, _) => format!("var.{n}"),
        Value::Attr(k, a) => address(m, k, a),
        Value::Local(n) => format!("local.{n}"),
        Value::Tags(None) => "var.tags".into(),
        Value::Tags(Some(name)) => format!("merge(var.tags, {{ Name = {} }})", q(name)),
        Value::Doc(doc) => format!("jsonencode({})", json_to_hcl(&to_json(m, doc), indent)),
        Value::Expr(e) => e.clone(),
        Value::PerBackend(tf, _) => expr(m, tf, indent),
    }
}

/// A document as JSON, references as interpolations.
pub(crate) fn to_json(m: &Module, v: &Value) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        Value::Str(s) => J::String(template_escape(s)),
        Value::Num(n) => J::from(*n),
        Value::Bool(b) => J::Bool(*b),
        Value::List(items) => J::Array(items.iter().map(|i| to_json(m, i)).collect()),
        Value::Map(entries) => J::Object(entries.iter().map(|(k, v)| (k.clone(), to_json(m, v))).collect()),
        Value::Block(props) => J::Object(
            props
                .iter()
                .filter(|p| p.only.terraform())
                .map(|p| (p.name.tf.clone(), to_json(m, &p.value)))
                .collect(),
        ),
        Value::Sub(parts) => J::String(interpolate(m, parts, false)),
        Value::Doc(inner) | Value::PerBackend(inner, _) => to_json(m, inner),
        Value::Local(n) => m.local(n).map_or(J::Null, |l| to_json(m, &l.value)),
        other => J::String(format!("${{{}}}", expr(m, other, 0))),
    }
}

/// An object key: bare when it is an identifier, else quoted.
fn key(k: &str) -> String {
    if k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        k.to_string()
    } else {
        q(k)
    }
}

/// An HCL object from rendered entries. Like `terraform fmt`: runs of
/// single-line attributes share one alignment; a multi-line value ends the
/// run and is not padded.
fn object(entries: &[(String, String)], indent: usize) -> String {
    let pad = " ".repeat(indent);
    let mut s = String::from("{\n");
    let mut i = 0;
    while i < entries.len() {
        let mut j = i;
        while j < entries.len() && !entries[j].1.contains('\n') {
            j += 1;
        }
        if j == i {
            let _ = writeln!(s, "{pad}  {} = {}", entries[i].0, entries[i].1);
            i += 1;
            continue;
        }
        let width = entries[i..j].iter().map(|e| e.0.len()).max().unwrap_or(0);
        for (k, v) in &entries[i..j] {
            let _ = writeln!(s, "{pad}  {k:<width$} = {v}");
        }
        i = j;
    }
    s.push_str(&pad);
    s.push('}');
    s
}

/// A JSON value as an HCL expression (for `jsonencode(...)`), `${` left as
/// interpolation.
fn json_to_hcl(v: &serde_json::Value, indent: usize) -> String {
    let pad = " ".repeat(indent);
    match v {
        serde_json::Value::Object(o) => {
            let entries: Vec<(String, String)> = o
                .iter()
                .map(|(k, val)| {
                    let k = if k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                        k.clone()
                    } else {
                        format!("\"{}\"", k.replace('\\', "\\\\").replace('"', "\\\""))
                    };
                    (k, json_to_hcl(val, indent + 2))
                })
                .collect();
            object(&entries, indent)
        }
        serde_json::Value::Array(a) => {
            let mut s = String::from("[\n");
            for val in a {
                let _ = writeln!(s, "{pad}  {},", json_to_hcl(val, indent + 2));
            }
            s.push_str(&pad);
            s.push(']');
            s
        }
        serde_json::Value::String(x) => format!(
            "\"{}\"",
            x.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
        ),
        other => other.to_string(),
    }
}

fn variables(m: &Module) -> String {
    m.inputs
        .iter()
        .filter(|i| i.only.terraform())
        .map(|i| {
            let ty = match i.ty {
                InputType::String | InputType::VpcId => "string",
                InputType::SubnetIds | InputType::List => "list(string)",
                InputType::Number(_) => "number",
                InputType::Bool => "bool",
                InputType::Map => "map(string)",
            };
            let mut b = Body::new();
            b.attr("description", q(&i.description)).attr("type", ty);
            if let Some(d) = i.default.as_ref().filter(|_| i.nonempty.is_none() || !is_empty(i)) {
                b.attr("default", default(d));
            }
            if let Some(message) = &i.nonempty {
                b.raw(format!(
                    "\nvalidation {{\n  condition     = length(var.{}) > 0\n  error_message = {}\n}}",
                    i.name.tf,
                    q(message)
                ));
            }
            block(&format!("variable {}", q(&i.name.tf)), &b)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// An input whose default is an empty list.
fn is_empty(i: &crate::model::Input) -> bool {
    matches!(&i.default, Some(InputDefault::List(l)) if l.is_empty())
}

fn default(d: &InputDefault) -> String {
    match d {
        InputDefault::Str(s) => q(s),
        InputDefault::Empty => "null".into(),
        InputDefault::List(l) => list(l),
        InputDefault::Num(n) => n.to_string(),
        InputDefault::Bool(b) => b.to_string(),
        InputDefault::Map(m) => map(m, 2),
    }
}

fn outputs(m: &Module) -> String {
    m.outputs
        .iter()
        .filter(|o| o.only.terraform())
        .map(|o| {
            let mut b = Body::new();
            b.attr("description", q(&o.description))
                .attr("value", expr(m, &o.value, 2));
            block(&format!("output {}", q(&o.name.tf)), &b)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The parts of interpolated strings the module's Terraform uses.
fn used_parts(m: &Module) -> Vec<Part> {
    let mut used = Vec::new();
    let mut visit = |v: &Value| collect_parts(v, &mut used);
    for l in &m.locals {
        visit(&l.value);
    }
    for r in m.resources.iter().filter(|r| r.only.terraform()) {
        for p in r.props.iter().filter(|p| p.only.terraform()) {
            visit(&p.value);
        }
    }
    for o in m.outputs.iter().filter(|o| o.only.terraform()) {
        visit(&o.value);
    }
    used
}

fn collect_parts(v: &Value, used: &mut Vec<Part>) {
    match v {
        Value::Sub(parts) => {
            for p in parts {
                if !matches!(p, Part::Lit(_)) && !used.contains(p) {
                    used.push(p.clone());
                }
            }
        }
        Value::List(items) => items.iter().for_each(|i| collect_parts(i, used)),
        Value::Map(entries) => entries.iter().for_each(|(_, i)| collect_parts(i, used)),
        Value::Block(props) => props
            .iter()
            .filter(|p| p.only.terraform())
            .for_each(|p| collect_parts(&p.value, used)),
        Value::Doc(inner) | Value::PerBackend(inner, _) => collect_parts(inner, used),
        _ => {}
    }
}
