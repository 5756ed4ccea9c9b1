//! The backend-neutral description of a generated module: its inputs, the
//! resources it creates and its outputs. Each feature (endpoints, logging
//! setup, endpoint service) builds one [`Module`]; `tf` and `cfn` render it, so
//! both languages create the same resources with the same properties.

use std::collections::BTreeMap;

/// Which language a piece is written in. Most pieces are both; a few
/// express what the other language writes differently (Terraform's separate
/// security-group rule resources, CloudFormation's inline rules).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Only {
    Both,
    Terraform,
    CloudFormation,
}

impl Only {
    pub(crate) fn terraform(self) -> bool {
        self != Only::CloudFormation
    }
    pub(crate) fn cloudformation(self) -> bool {
        self != Only::Terraform
    }
}

/// A name in each language: Terraform's snake case, CloudFormation's Pascal
/// case (derived unless the two differ).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Name {
    pub tf: String,
    pub cfn: String,
}

impl Name {
    /// `vpc_id` / `VpcId`.
    pub(crate) fn new(tf: &str) -> Name {
        Name {
            tf: tf.into(),
            cfn: pascal(tf),
        }
    }
    pub(crate) fn two(tf: &str, cfn: &str) -> Name {
        Name {
            tf: tf.into(),
            cfn: cfn.into(),
        }
    }
}

/// `s3_gateway` → `S3Gateway`.
/// Text for one comment line in either language: every control character
/// and Unicode line or paragraph separator becomes a space, so text from a
/// report, a price file or the logs cannot end the comment and add code
/// (a carriage return is a YAML line break).
pub(crate) fn comment_text(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') {
                ' '
            } else {
                c
            }
        })
        .collect()
}

/// The CloudFormation condition of a resource created only when the
/// boolean input `input` is true.
pub(crate) fn condition_of(input: &str) -> String {
    format!("{}IsTrue", pascal(input))
}

pub(crate) fn pascal(snake: &str) -> String {
    snake
        .split('_')
        .map(|p| {
            let mut c = p.chars();
            match c.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

/// A piece of an interpolated string ([`Value::Sub`]).
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Part {
    Lit(String),
    /// The Region the module is applied in.
    Region,
    /// The partition (`aws`, `aws-cn`, `aws-us-gov`) of that Region.
    Partition,
    /// The account the module is applied in.
    AccountId,
    /// An input.
    Var(String),
    /// An attribute of a resource of the module: (resource key, attribute in
    /// Terraform's snake case; `id` is CloudFormation's `Ref`).
    Attr(String, String),
}

/// A property value.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Value {
    Str(String),
    Num(i64),
    Bool(bool),
    /// A list written on one line in Terraform.
    List(Vec<Value>),
    /// An object with literal keys (policy documents, CloudFormation's inline
    /// structures, Terraform output maps).
    Map(Vec<(String, Value)>),
    /// A nested block of named properties (Terraform `name { … }`,
    /// CloudFormation a mapping).
    Block(Vec<Prop>),
    /// A string with references in it (Terraform `"…${…}…"`, CloudFormation
    /// `Fn::Sub`, or the bare reference when it is the whole string).
    Sub(Vec<Part>),
    /// An input (`var.x` / `Ref X`).
    Var(String),
    /// An input that may be left empty (Terraform `null`; CloudFormation
    /// `Fn::If` on the named condition, which tests it for the empty string).
    OptVar(String, String),
    /// An attribute of a resource of the module (resource key, attribute).
    Attr(String, String),
    /// A value shared by several resources (Terraform `local.x`;
    /// CloudFormation repeats it).
    Local(String),
    /// The module's tags, plus a `Name` tag when given.
    Tags(Option<String>),
    /// A JSON document (Terraform `jsonencode(…)`).
    Doc(Box<Value>),
    /// A Terraform expression with no CloudFormation form (Terraform-only pieces).
    Expr(String),
    /// The languages need different values for the same property.
    PerBackend(Box<Value>, Box<Value>),
}

impl Value {
    pub(crate) fn str(s: impl Into<String>) -> Value {
        Value::Str(s.into())
    }
    pub(crate) fn var(s: &str) -> Value {
        Value::Var(s.into())
    }
    pub(crate) fn attr(key: &str, attr: &str) -> Value {
        Value::Attr(key.into(), attr.into())
    }
    pub(crate) fn map(entries: Vec<(&str, Value)>) -> Value {
        Value::Map(entries.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
    }
    pub(crate) fn list(items: Vec<Value>) -> Value {
        Value::List(items)
    }
    pub(crate) fn strs<S: AsRef<str>>(items: &[S]) -> Value {
        Value::List(items.iter().map(|s| Value::str(s.as_ref())).collect())
    }
}

/// Shorthands for [`Value::Sub`] parts.
pub(crate) fn lit(s: impl Into<String>) -> Part {
    Part::Lit(s.into())
}

/// An IAM policy document of these statements.
pub(crate) fn policy(statements: Vec<Value>) -> Value {
    Value::map(vec![
        ("Version", Value::str("2012-10-17")),
        ("Statement", Value::List(statements)),
    ])
}

/// The parts of an ARN in the module's partition: `arn:<partition>:<service>:`,
/// the module's Region and account where asked, then `resource`.
pub(crate) fn arn(service: &str, region: bool, account: bool, resource: Vec<Part>) -> Vec<Part> {
    let mut parts = vec![lit("arn:"), Part::Partition, lit(format!(":{service}:"))];
    if region {
        parts.push(Part::Region);
    }
    parts.push(lit(":"));
    if account {
        parts.push(Part::AccountId);
    }
    parts.push(lit(":"));
    parts.extend(resource);
    parts
}

/// One property of a resource.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Prop {
    pub name: Name,
    pub value: Value,
    pub only: Only,
}

/// A resource the other one depends on.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Dep {
    pub key: String,
    pub only: Only,
}

/// A checkov check that does not apply, with the reason in each language's words.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Skip {
    pub id: &'static str,
    pub tf: String,
    pub cfn: String,
}

/// One resource.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Resource {
    /// How other pieces of the module refer to it.
    pub key: String,
    /// Terraform resource name / CloudFormation logical ID.
    pub name: Name,
    /// Terraform resource type / CloudFormation resource type.
    pub kind: (&'static str, &'static str),
    pub only: Only,
    /// Comment lines above the resource.
    pub comments: Vec<String>,
    /// CloudFormation's comment lines where they differ.
    pub cfn_comments: Option<Vec<String>>,
    pub skips: Vec<Skip>,
    pub props: Vec<Prop>,
    pub depends_on: Vec<Dep>,
    /// Why it depends on them (a comment in Terraform).
    pub depends_comment: Option<String>,
    /// Created only when this boolean input is true (Terraform `count`,
    /// CloudFormation a resource `Condition`).
    pub count_if: Option<String>,
    /// A Terraform data source (read, not created; Terraform only).
    pub data: bool,
}

impl Resource {
    pub(crate) fn new(key: &str, name: Name, kind: (&'static str, &'static str)) -> Resource {
        Resource {
            key: key.into(),
            name,
            kind,
            only: Only::Both,
            comments: Vec::new(),
            cfn_comments: None,
            skips: Vec::new(),
            props: Vec::new(),
            depends_on: Vec::new(),
            depends_comment: None,
            count_if: None,
            data: false,
        }
    }
    /// A Terraform data source.
    pub(crate) fn data(mut self) -> Self {
        self.data = true;
        self.only = Only::Terraform;
        self
    }
    /// Created only when the boolean input `input` is true.
    pub(crate) fn count_if(mut self, input: &str) -> Self {
        self.count_if = Some(input.into());
        self
    }

    pub(crate) fn only(mut self, only: Only) -> Self {
        self.only = only;
        self
    }
    pub(crate) fn comments(mut self, lines: &[String]) -> Self {
        self.comments = lines.to_vec();
        self
    }
    /// A property in both languages.
    pub(crate) fn prop(&mut self, name: Name, value: Value) -> &mut Self {
        self.prop_in(name, value, Only::Both)
    }
    pub(crate) fn prop_in(&mut self, name: Name, value: Value, only: Only) -> &mut Self {
        self.props.push(Prop { name, value, only });
        self
    }
    pub(crate) fn depends(&mut self, key: &str, only: Only) -> &mut Self {
        self.depends_on.push(Dep { key: key.into(), only });
        self
    }
}

/// The type of an input.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum InputType {
    String,
    VpcId,
    SubnetIds,
    List,
    Number(&'static [u32]),
    /// CloudFormation has no boolean parameter: a string of `true` or `false`.
    Bool,
    Map,
}

/// An input's default.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum InputDefault {
    Str(String),
    /// Terraform `null`, CloudFormation the empty string.
    Empty,
    List(Vec<String>),
    Num(u32),
    Bool(bool),
    Map(BTreeMap<String, String>),
}

/// A Terraform variable / CloudFormation parameter.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Input {
    pub name: Name,
    pub description: String,
    /// CloudFormation's description where it differs.
    pub cfn_description: Option<String>,
    pub ty: InputType,
    pub default: Option<InputDefault>,
    /// CloudFormation writes an empty list default as `""` instead of leaving
    /// the parameter without one.
    pub cfn_empty_list_default: bool,
    /// The list must not be empty: the message when it is (a Terraform
    /// `validation` block, a CloudFormation rule).
    pub nonempty: Option<String>,
    pub only: Only,
}

impl Input {
    pub(crate) fn new(name: &str, description: &str, ty: InputType, default: Option<InputDefault>) -> Input {
        Input {
            name: Name::new(name),
            description: description.into(),
            cfn_description: None,
            ty,
            default,
            cfn_empty_list_default: false,
            nonempty: None,
            only: Only::Both,
        }
    }
    pub(crate) fn only(mut self, only: Only) -> Self {
        self.only = only;
        self
    }
}

/// A Terraform `locals` entry, repeated in place by CloudFormation.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Local {
    pub name: String,
    pub comments: Vec<String>,
    pub value: Value,
}

/// An output.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Output {
    pub name: Name,
    pub description: String,
    pub value: Value,
    pub only: Only,
}

impl Output {
    pub(crate) fn new(name: Name, description: &str, value: Value) -> Output {
        Output {
            name,
            description: description.into(),
            value,
            only: Only::Both,
        }
    }
    pub(crate) fn only(mut self, only: Only) -> Self {
        self.only = only;
        self
    }
}

/// Everything one generated module or template holds.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Module {
    /// Terraform's first comment line (`… (generated by vpce-advisor).`).
    pub tf_title: String,
    pub tf_comments: Vec<String>,
    /// CloudFormation's `Description`.
    pub cfn_description: String,
    pub cfn_comments: Vec<String>,
    pub inputs: Vec<Input>,
    pub locals: Vec<Local>,
    pub resources: Vec<Resource>,
    pub outputs: Vec<Output>,
    /// The tags every resource gets (CloudFormation writes them out;
    /// Terraform takes them from `var.tags`).
    pub tags: BTreeMap<String, String>,
}

impl Module {
    pub(crate) fn resource(&self, key: &str) -> Option<&Resource> {
        self.resources.iter().find(|r| r.key == key)
    }
    pub(crate) fn local(&self, name: &str) -> Option<&Local> {
        self.locals.iter().find(|l| l.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comment_text_cannot_break_out_of_its_line() {
        let hostile = "ok\rResources:\n  X: {Type: AWS::IAM::User}\u{85}y\u{2028}z";
        let c = comment_text(hostile);
        assert!(!c.contains(['\r', '\n', '\u{85}', '\u{2028}']), "{c:?}");
        assert!(c.starts_with("ok Resources:"));
    }
}
