//! Reading a policy document: JSON (duplicate names refused), IAM's
//! grammar for an identity policy, and every string pre-parsed for
//! evaluation. Refusals carry IAM's `MalformedPolicyDocument` texts where
//! IAM's are known, else a message naming the statement and the element.

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use super::condition::{self, Condition};
use super::matching::{ArnPattern, Pattern, PatternError, Syntax};

/// IAM's size limit for an inline role policy, counted without whitespace.
pub const MAX_INLINE_POLICY_CHARS: usize = 10_240;

/// IAM's refusal of an action or condition key without a vendor prefix.
pub(crate) const NO_VENDOR: &str = "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.";

/// Why a document is refused; `Display` is the message, as IAM's
/// `MalformedPolicyDocument` error gives it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct MalformedPolicy(pub String);

/// The policy language version; variables exist only in 2012-10-17.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Version {
    /// `2008-10-17`, or no `Version`: `${...}` is literal text.
    V2008,
    /// `2012-10-17`: policy variables are substituted.
    V2012,
}

/// A parsed, validated identity policy document.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyDocument {
    pub(crate) version: Version,
    pub(crate) id: Option<String>,
    pub(crate) statements: Box<[Statement]>,
}

/// `Allow` or `Deny`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Effect {
    Allow,
    Deny,
}

/// `Action` (`negated: false`) or `NotAction`: lowercased patterns.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Actions {
    pub negated: bool,
    pub patterns: Box<[Pattern]>,
}

/// `Resource` (`negated: false`) or `NotResource`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Resources {
    pub negated: bool,
    pub patterns: Box<[ArnPattern]>,
}

/// One statement, ready to evaluate.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Statement {
    pub sid: Option<String>,
    pub effect: Effect,
    pub actions: Actions,
    pub resources: Resources,
    pub conditions: Box<[Condition]>,
}

fn malformed(message: impl Into<String>) -> MalformedPolicy {
    MalformedPolicy(message.into())
}

/// Policy text quoted in a message: control characters escaped and cut to
/// about 64 characters, so that messages stay short and printable.
pub(crate) fn shown(text: &str) -> String {
    let mut out = String::new();
    let mut count = 0;
    for c in text.chars() {
        if count >= 64 {
            out.push('…');
            break;
        }
        for e in c.escape_debug() {
            out.push(e);
            count += 1;
        }
    }
    out
}

impl PolicyDocument {
    /// Parses and validates; refusals as IAM's MalformedPolicyDocument messages.
    pub fn parse(text: &str) -> Result<Self, MalformedPolicy> {
        let size = text.chars().filter(|c| !c.is_whitespace()).count();
        if size > MAX_INLINE_POLICY_CHARS {
            return Err(malformed(format!("Policy document length exceeds {MAX_INLINE_POLICY_CHARS} characters")));
        }
        let value = match serde_json::from_str::<StrictValue>(text) {
            Ok(StrictValue(value)) => value,
            Err(e) if e.is_data() => return Err(malformed(format!("Syntax errors in policy: {e}."))),
            Err(_) => return Err(malformed("Syntax errors in policy.")),
        };
        let Value::Object(top) = value else { return Err(malformed("Syntax errors in policy.")) };
        if let Some(unknown) = top.keys().find(|k| !matches!(k.as_str(), "Version" | "Id" | "Statement")) {
            return Err(malformed(format!("Policy document has an unknown element {}.", shown(unknown))));
        }
        let version = match top.get("Version") {
            None => Version::V2008,
            Some(Value::String(v)) if v == "2012-10-17" => Version::V2012,
            Some(Value::String(v)) if v == "2008-10-17" => Version::V2008,
            Some(_) => return Err(malformed("The policy failed legacy parsing")),
        };
        let id = match top.get("Id") {
            None => None,
            Some(Value::String(id)) => Some(id.clone()),
            Some(_) => return Err(malformed("The Id element must be a string.")),
        };
        let statements = match top.get("Statement") {
            None => return Err(malformed("Missing required field Statement")),
            Some(Value::Array(items)) => items.iter().collect::<Vec<_>>(),
            Some(one @ Value::Object(_)) => vec![one],
            Some(_) => return Err(malformed("The Statement element must be an object or an array of objects.")),
        };
        let mut parsed: Vec<Statement> = Vec::with_capacity(statements.len());
        for (i, statement) in statements.into_iter().enumerate() {
            let statement = parse_statement(statement, i + 1, version)?;
            if let Some(sid) = statement.sid.as_deref().filter(|s| !s.is_empty()) {
                if parsed.iter().any(|s| s.sid.as_deref() == Some(sid)) {
                    return Err(malformed("Statement IDs (SID) in a single policy must be unique."));
                }
            }
            parsed.push(statement);
        }
        Ok(PolicyDocument { version, id, statements: parsed.into() })
    }

    /// The number of statements.
    pub fn statement_count(&self) -> usize {
        self.statements.len()
    }

    /// The document's `Id`, if it has one.
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// Whether policy variables are substituted (`Version` 2012-10-17).
    pub fn substitutes_variables(&self) -> bool {
        self.version == Version::V2012
    }
}

const STATEMENT_ELEMENTS: [&str; 9] =
    ["Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition"];

fn parse_statement(value: &Value, n: usize, version: Version) -> Result<Statement, MalformedPolicy> {
    let Value::Object(s) = value else {
        return Err(malformed(format!("Statement {n} must be an object.")));
    };
    let sid = match s.get("Sid") {
        None => None,
        Some(Value::String(sid)) if sid.bytes().all(|b| b.is_ascii_alphanumeric()) => Some(sid.clone()),
        Some(_) => {
            return Err(malformed(
                "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*",
            ))
        }
    };
    let at = match sid.as_deref() {
        Some(sid) if !sid.is_empty() => format!("statement {n} ({sid})"),
        _ => format!("statement {n}"),
    };
    if let Some(unknown) = s.keys().find(|k| !STATEMENT_ELEMENTS.contains(&k.as_str())) {
        return Err(malformed(format!("The {at} has an unknown element {}.", shown(unknown))));
    }
    if s.contains_key("Principal") || s.contains_key("NotPrincipal") {
        return Err(malformed("Policy document should not specify a principal."));
    }
    let effect = match s.get("Effect") {
        None => return Err(malformed("Missing required field Effect")),
        Some(Value::String(e)) if e == "Allow" => Effect::Allow,
        Some(Value::String(e)) if e == "Deny" => Effect::Deny,
        Some(Value::String(e)) => return Err(malformed(format!("Invalid effect: {}", shown(e)))),
        Some(_) => return Err(malformed(format!("The Effect of {at} must be the string Allow or Deny."))),
    };
    let variables = version == Version::V2012;

    let (negated, texts) = pair(s, "Action", "NotAction", &at, "Policy statement must contain actions.")?;
    let patterns = texts.iter().map(|t| parse_action(t, &at)).collect::<Result<_, _>>()?;
    let actions = Actions { negated, patterns };

    let (negated, texts) = pair(s, "Resource", "NotResource", &at, "Policy statement must contain resources.")?;
    let syntax = Syntax { wildcards: true, variables };
    let patterns = texts
        .iter()
        .map(|t| match ArnPattern::parse_arn(t, syntax) {
            Ok(Some(arn)) => Ok(arn),
            Ok(None) => Err(malformed(format!("Resource {} must be in ARN format or \"*\".", shown(t)))),
            Err(e) => Err(malformed(format!("Resource {} in {at}: {}.", shown(t), variable_error(&e)))),
        })
        .collect::<Result<_, _>>()?;
    let resources = Resources { negated, patterns };

    let conditions = match s.get("Condition") {
        None => Vec::new(),
        Some(block) => condition::parse_block(block, variables, &at).map_err(MalformedPolicy)?,
    };
    Ok(Statement { sid, effect, actions, resources, conditions: conditions.into() })
}

fn variable_error(e: &PatternError) -> &'static str {
    match e {
        PatternError::Unclosed => "a policy variable is not closed (\"${\" without \"}\")",
        PatternError::BadVariable => "a policy variable cannot be read",
    }
}

/// Reads exactly one of `name` / `not_name`: whether it is the `Not` form,
/// and its strings (a string or a non-empty array of strings).
fn pair<'a>(
    s: &'a Map<String, Value>,
    name: &str,
    not_name: &str,
    at: &str,
    missing: &str,
) -> Result<(bool, Vec<&'a str>), MalformedPolicy> {
    let (negated, element, value) = match (s.get(name), s.get(not_name)) {
        (Some(_), Some(_)) => {
            return Err(malformed(format!("The {at} must contain {name} or {not_name}, not both.")));
        }
        (Some(v), None) => (false, name, v),
        (None, Some(v)) => (true, not_name, v),
        (None, None) => return Err(malformed(missing)),
    };
    let texts: Option<Vec<&str>> = match value {
        Value::String(one) => Some(vec![one.as_str()]),
        Value::Array(items) => items.iter().map(Value::as_str).collect(),
        _ => None,
    };
    match texts {
        Some(texts) if texts.is_empty() => Err(malformed(missing)),
        Some(texts) => Ok((negated, texts)),
        None => Err(malformed(format!("The {element} element of {at} must be a string or an array of strings."))),
    }
}

/// `*` or `vendor:action` (wildcards allowed, no variables), lowercased.
fn parse_action(text: &str, at: &str) -> Result<Pattern, MalformedPolicy> {
    let lower = text.to_lowercase();
    let syntax = Syntax { wildcards: true, variables: false };
    if lower == "*" {
        return Pattern::parse(&lower, syntax).map_err(|_| malformed("Syntax errors in policy."));
    }
    let Some((vendor, action)) = lower.split_once(':') else { return Err(malformed(NO_VENDOR)) };
    if action.contains(':') {
        return Err(malformed("Actions/Condition can contain only one colon."));
    }
    if vendor.is_empty() || !vendor.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '*' | '?')) {
        return Err(malformed(format!("Vendor {} is not valid", shown(vendor))));
    }
    if action.is_empty() || action.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(malformed(format!("Action {} in {at} is not valid.", shown(text))));
    }
    Pattern::parse(&lower, syntax).map_err(|_| malformed("Syntax errors in policy."))
}

/// A JSON value read like `serde_json::Value`, but a name given twice in
/// one object is refused rather than silently replaced.
struct StrictValue(Value);

impl<'de> Deserialize<'de> for StrictValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrictVisitor).map(StrictValue)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        serde_json::Number::from_f64(v).map(Value::Number).ok_or_else(|| E::custom("a number out of range"))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        StrictValue::deserialize(d).map(|v| v.0)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(StrictValue(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(name) = map.next_key::<String>()? {
            let StrictValue(value) = map.next_value()?;
            if object.contains_key(&name) {
                return Err(de::Error::custom(format_args!("duplicate element {}", shown(&name))));
            }
            object.insert(name, value);
        }
        Ok(Value::Object(object))
    }
}
