//! The `Condition` element: IAM's condition operators, their `...IfExists`
//! forms and the `ForAnyValue:` / `ForAllValues:` set prefixes, read once
//! (numbers, dates, CIDRs and patterns parsed) and evaluated per request.
//!
//! Semantics (IAM User Guide, "IAM JSON policy elements: Condition
//! operators" and "Single-valued vs. multivalued context keys"): all
//! operators of a block and all keys under an operator must hold; several
//! values for one key are alternatives (for a negated operator, none may
//! match). A key the request lacks makes the condition false, except that
//! a negated operator (`StringNotEquals`, `NotIpAddress`, ...) is then true,
//! `...IfExists` is then true, `ForAllValues:` is then true and `Null`
//! tests exactly that.

use std::net::IpAddr;

use serde_json::Value;

use super::context::RequestContext;
use super::matching::{ArnPattern, Pattern, Syntax};
use crate::core::time::days_from_civil;

/// One operator applied to one condition key.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Condition {
    /// The condition key, lowercased.
    key: Box<str>,
    set: SetOperator,
    if_exists: bool,
    /// A negated operator holds when no policy value matches.
    negated: bool,
    test: Test,
}

/// The set prefix of an operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SetOperator {
    /// No prefix: some request value matches some policy value.
    Plain,
    /// `ForAnyValue:`: some request value matches (false for a missing key).
    ForAnyValue,
    /// `ForAllValues:`: every request value matches (true for a missing key).
    ForAllValues,
}

/// How a request value compares with a policy value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Comparison {
    Equals,
    LessThan,
    LessThanEquals,
    GreaterThan,
    GreaterThanEquals,
}

impl Comparison {
    fn holds<T: PartialOrd>(self, request: T, policy: T) -> bool {
        match self {
            Comparison::Equals => request == policy,
            Comparison::LessThan => request < policy,
            Comparison::LessThanEquals => request <= policy,
            Comparison::GreaterThan => request > policy,
            Comparison::GreaterThanEquals => request >= policy,
        }
    }
}

/// The policy values of one condition, parsed for their operator.
#[derive(Debug, Clone, PartialEq)]
enum Test {
    /// `String*`: exact (`*`, `?` literal) or `Like` patterns.
    String { ignore_case: bool, values: Box<[Pattern]> },
    /// `Numeric*`.
    Numeric { comparison: Comparison, values: Box<[f64]> },
    /// `Date*`, as milliseconds since the epoch.
    Date { comparison: Comparison, values: Box<[i64]> },
    /// `Bool`.
    Bool(Box<[bool]>),
    /// `BinaryEquals`: base64 text compared exactly.
    Binary(Box<[Box<str>]>),
    /// `IpAddress` / `NotIpAddress`.
    Ip(Box<[Cidr]>),
    /// `Arn*`.
    Arn(Box<[ArnPattern]>),
    /// `Null`: `true` = the key must be absent, `false` = present.
    Null(Box<[bool]>),
}

/// An IPv4 or IPv6 network (a bare address is a /32 or /128).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cidr {
    V4 { network: u32, prefix: u8 },
    V6 { network: u128, prefix: u8 },
}

impl Cidr {
    fn parse(text: &str) -> Option<Cidr> {
        let (addr, prefix) = match text.split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (text, None),
        };
        let addr: IpAddr = addr.parse().ok()?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) if !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()) => p.parse().ok()?,
            Some(_) => return None,
        };
        if prefix > max {
            return None;
        }
        Some(match addr {
            IpAddr::V4(a) => Cidr::V4 { network: u32::from(a) & mask32(prefix), prefix },
            IpAddr::V6(a) => Cidr::V6 { network: u128::from(a) & mask128(prefix), prefix },
        })
    }

    fn contains(self, addr: IpAddr) -> bool {
        match (self, addr.to_canonical()) {
            (Cidr::V4 { network, prefix }, IpAddr::V4(a)) => u32::from(a) & mask32(prefix) == network,
            (Cidr::V6 { network, prefix }, IpAddr::V6(a)) => u128::from(a) & mask128(prefix) == network,
            _ => false,
        }
    }
}

fn mask32(prefix: u8) -> u32 {
    u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0)
}

fn mask128(prefix: u8) -> u128 {
    u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0)
}

/// A number as IAM's numeric operators read it: decimal, optional sign,
/// fraction and exponent; never `NaN` or infinity.
pub(crate) fn parse_number(text: &str) -> Option<f64> {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (mantissa, exponent) = match digits.split_once(['e', 'E']) {
        Some((m, e)) => (m, Some(e.strip_prefix(['-', '+']).unwrap_or(e))),
        None => (digits, None),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let ok = !(whole.is_empty() && fraction.is_empty())
        && all_digits(whole)
        && all_digits(fraction)
        && exponent.is_none_or(|e| !e.is_empty() && all_digits(e));
    if !ok {
        return None;
    }
    text.parse::<f64>().ok().filter(|n| n.is_finite())
}

/// A date as IAM's date operators read it, in milliseconds since the epoch:
/// epoch seconds (`1563278400`, as `aws:EpochTime`) or ISO 8601
/// (`2019-07-16`, `2019-07-16T12:00:00Z`, with optional seconds, fraction
/// and `Z`/`±hh:mm` offset; no offset is UTC, as `aws:CurrentTime`).
pub(crate) fn parse_date(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if !b.is_empty() && b.len() <= 15 && b.iter().all(u8::is_ascii_digit) {
        return text.parse::<i64>().ok()?.checked_mul(1000);
    }
    let num = |at: usize, len: usize| -> Option<u32> {
        let digits = b.get(at..at + len)?;
        digits.iter().all(u8::is_ascii_digit).then(|| digits.iter().fold(0, |n, d| n * 10 + u32::from(d - b'0')))
    };
    let at = |i: usize, c: u8| b.get(i) == Some(&c);
    let year = num(0, 4)?;
    if !at(4, b'-') || !at(7, b'-') {
        return None;
    }
    let days = days_from_civil(i32::try_from(year).ok()?, num(5, 2)?, num(8, 2)?)?;
    let mut millis = days * 86_400_000;
    if b.len() == 10 {
        return Some(millis);
    }
    if !(at(10, b'T') || at(10, b't')) || !at(13, b':') {
        return None;
    }
    let (hour, minute) = (num(11, 2)?, num(14, 2)?);
    let mut i = 16;
    let mut second = 0;
    if at(i, b':') {
        second = num(i + 1, 2)?;
        i += 3;
        if at(i, b'.') {
            i += 1;
            let start = i;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            let fraction = b.get(start..i)?;
            if fraction.is_empty() {
                return None;
            }
            millis += fraction.iter().chain([b'0'; 3].iter()).take(3).fold(0, |n, d| n * 10 + i64::from(d - b'0'));
        }
    }
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    millis += (i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second)) * 1000;
    let offset_minutes = match b.get(i) {
        None => 0,
        Some(b'Z' | b'z') if i + 1 == b.len() => 0,
        Some(&sign @ (b'+' | b'-')) => {
            let oh = num(i + 1, 2)?;
            let om = match b.len() - i {
                6 if at(i + 3, b':') => num(i + 4, 2)?,
                5 => num(i + 3, 2)?,
                3 => 0,
                _ => return None,
            };
            if oh > 23 || om > 59 {
                return None;
            }
            let minutes = i64::from(oh * 60 + om);
            if sign == b'+' {
                minutes
            } else {
                -minutes
            }
        }
        _ => return None,
    };
    Some(millis - offset_minutes * 60_000)
}

fn parse_bool(text: &str) -> Option<bool> {
    if text.eq_ignore_ascii_case("true") {
        Some(true)
    } else if text.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// The families of operators, before their values are read.
enum Family {
    String { wildcards: bool, ignore_case: bool },
    Numeric(Comparison),
    Date(Comparison),
    Bool,
    Binary,
    Ip,
    Arn,
    Null,
}

/// The base operator names: family and whether it is negated.
fn base_operator(name: &str) -> Option<(Family, bool)> {
    use Comparison::*;
    let string = |wildcards, ignore_case| Family::String { wildcards, ignore_case };
    Some(match name {
        "StringEquals" => (string(false, false), false),
        "StringNotEquals" => (string(false, false), true),
        "StringEqualsIgnoreCase" => (string(false, true), false),
        "StringNotEqualsIgnoreCase" => (string(false, true), true),
        "StringLike" => (string(true, false), false),
        "StringNotLike" => (string(true, false), true),
        "NumericEquals" => (Family::Numeric(Equals), false),
        "NumericNotEquals" => (Family::Numeric(Equals), true),
        "NumericLessThan" => (Family::Numeric(LessThan), false),
        "NumericLessThanEquals" => (Family::Numeric(LessThanEquals), false),
        "NumericGreaterThan" => (Family::Numeric(GreaterThan), false),
        "NumericGreaterThanEquals" => (Family::Numeric(GreaterThanEquals), false),
        "DateEquals" => (Family::Date(Equals), false),
        "DateNotEquals" => (Family::Date(Equals), true),
        "DateLessThan" => (Family::Date(LessThan), false),
        "DateLessThanEquals" => (Family::Date(LessThanEquals), false),
        "DateGreaterThan" => (Family::Date(GreaterThan), false),
        "DateGreaterThanEquals" => (Family::Date(GreaterThanEquals), false),
        "Bool" => (Family::Bool, false),
        "BinaryEquals" => (Family::Binary, false),
        "IpAddress" => (Family::Ip, false),
        "NotIpAddress" => (Family::Ip, true),
        "ArnEquals" | "ArnLike" => (Family::Arn, false),
        "ArnNotEquals" | "ArnNotLike" => (Family::Arn, true),
        "Null" => (Family::Null, false),
        _ => return None,
    })
}

/// Reads a `Condition` element. `variables`: policy variables are read in
/// String and Arn values (Version 2012-10-17). `at` names the statement in
/// messages.
pub(crate) fn parse_block(block: &Value, variables: bool, at: &str) -> Result<Vec<Condition>, String> {
    let Value::Object(operators) = block else {
        return Err(format!("The Condition element of {at} must be an object of condition operators."));
    };
    let mut conditions = Vec::new();
    for (operator, keys) in operators {
        let shown = super::document::shown(operator);
        let (set, rest) = if let Some(rest) = operator.strip_prefix("ForAnyValue:") {
            (SetOperator::ForAnyValue, rest)
        } else if let Some(rest) = operator.strip_prefix("ForAllValues:") {
            (SetOperator::ForAllValues, rest)
        } else {
            (SetOperator::Plain, operator.as_str())
        };
        let (base, if_exists) = match rest.strip_suffix("IfExists") {
            Some(base) => (base, true),
            None => (rest, false),
        };
        let Some((family, negated)) = base_operator(base) else {
            return Err(format!("Invalid Condition type : {shown}."));
        };
        if matches!(family, Family::Null) && (if_exists || set != SetOperator::Plain) {
            return Err(format!("Invalid Condition type : {shown}. Null takes no IfExists suffix or set prefix."));
        }
        let Value::Object(keys) = keys else {
            return Err(format!("Condition operator {shown} in {at} must map condition keys to values."));
        };
        for (key, values) in keys {
            check_key(key)?;
            let texts = values_of(values)
                .ok_or_else(|| format!("The values of condition key {} under {shown} in {at} must be a string, a number, a boolean or a non-empty array of them.", super::document::shown(key)))?;
            let test = read_values(&family, &texts, variables).map_err(|bad| {
                let why = match family {
                    Family::String { .. } | Family::Arn if variables && bad.contains("${") => {
                        " (a policy variable is not closed or cannot be read)"
                    }
                    _ => "",
                };
                format!(
                    "Invalid value {} for condition key {} under {shown} in {at}{why}.",
                    super::document::shown(&bad),
                    super::document::shown(key)
                )
            })?;
            conditions.push(Condition { key: key.to_lowercase().into(), set, if_exists, negated, test });
        }
    }
    Ok(conditions)
}

/// Condition keys, like actions, are `vendor:name`.
fn check_key(key: &str) -> Result<(), String> {
    match key.split_once(':') {
        Some((vendor, name)) if !vendor.is_empty() && !name.is_empty() => Ok(()),
        _ => Err(super::document::NO_VENDOR.to_owned()),
    }
}

/// A condition's values as text: one scalar or a non-empty array of them.
fn values_of(value: &Value) -> Option<Vec<String>> {
    let scalar = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    };
    match value {
        Value::Array(items) if !items.is_empty() => items.iter().map(scalar).collect(),
        Value::Array(_) => None,
        v => scalar(v).map(|s| vec![s]),
    }
}

/// Parses the values for their family; `Err` = the first unreadable value.
fn read_values(family: &Family, texts: &[String], variables: bool) -> Result<Test, String> {
    fn each<T>(texts: &[String], f: impl Fn(&str) -> Option<T>) -> Result<Box<[T]>, String> {
        texts.iter().map(|t| f(t).ok_or_else(|| t.clone())).collect()
    }
    Ok(match *family {
        Family::String { wildcards, ignore_case } => {
            let syntax = Syntax { wildcards, variables };
            Test::String { ignore_case, values: each(texts, |t| Pattern::parse(t, syntax).ok())? }
        }
        Family::Numeric(comparison) => Test::Numeric { comparison, values: each(texts, parse_number)? },
        Family::Date(comparison) => Test::Date { comparison, values: each(texts, parse_date)? },
        Family::Bool => Test::Bool(each(texts, parse_bool)?),
        Family::Null => Test::Null(each(texts, parse_bool)?),
        Family::Ip => Test::Ip(each(texts, Cidr::parse)?),
        Family::Binary => Test::Binary(each(texts, |t| {
            use base64::Engine;
            base64::engine::general_purpose::STANDARD.decode(t).ok().map(|_| t.into())
        })?),
        Family::Arn => {
            let syntax = Syntax { wildcards: true, variables };
            Test::Arn(each(texts, |t| ArnPattern::parse_condition(t, syntax).ok())?)
        }
    })
}

impl Condition {
    /// Whether the condition holds for the request.
    pub(crate) fn holds(&self, ctx: &RequestContext) -> bool {
        let values = ctx.get_lower(&self.key).filter(|v| !v.is_empty());
        if let Test::Null(expected) = &self.test {
            let absent = values.is_none();
            return expected.contains(&absent);
        }
        let Some(values) = values else {
            return self.if_exists
                || match self.set {
                    SetOperator::ForAllValues => true,
                    SetOperator::ForAnyValue => false,
                    SetOperator::Plain => self.negated,
                };
        };
        // A negated test cannot say "none matches" of a value it cannot
        // know: a variable that does not resolve makes it false (IAM: the
        // statement does not apply).
        if self.negated && !self.test.resolves(ctx) {
            return false;
        }
        let matches = |v: &String| self.test.any_matches(v, ctx);
        match self.set {
            SetOperator::Plain => values.iter().any(matches) != self.negated,
            SetOperator::ForAnyValue => values.iter().any(|v| matches(v) != self.negated),
            SetOperator::ForAllValues => values.iter().all(|v| matches(v) != self.negated),
        }
    }
}

impl Test {
    /// Whether every policy variable in the values resolves.
    fn resolves(&self, ctx: &RequestContext) -> bool {
        match self {
            Test::String { values, .. } => values.iter().all(|p| p.resolves(ctx)),
            Test::Arn(values) => values.iter().all(|p| p.resolves(ctx)),
            _ => true,
        }
    }

    /// Whether the request value matches any policy value (the operator's
    /// positive reading). A request value the operator cannot read matches
    /// nothing; a policy value whose variable does not resolve neither.
    fn any_matches(&self, value: &str, ctx: &RequestContext) -> bool {
        match self {
            Test::String { ignore_case, values } => {
                values.iter().any(|p| p.matches(value, ctx, *ignore_case) == Some(true))
            }
            Test::Numeric { comparison, values } => {
                parse_number(value).is_some_and(|n| values.iter().any(|&v| comparison.holds(n, v)))
            }
            Test::Date { comparison, values } => {
                parse_date(value).is_some_and(|d| values.iter().any(|&v| comparison.holds(d, v)))
            }
            Test::Bool(values) => parse_bool(value).is_some_and(|b| values.contains(&b)),
            Test::Binary(values) => values.iter().any(|v| **v == *value),
            Test::Ip(values) => value.parse::<IpAddr>().is_ok_and(|a| values.iter().any(|c| c.contains(a))),
            Test::Arn(values) => values.iter().any(|p| p.matches(value, ctx) == Some(true)),
            // Null is decided in `holds`.
            Test::Null(_) => false,
        }
    }
}
