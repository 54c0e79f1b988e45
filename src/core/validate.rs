//! Input constraints of the Cognito Identity API model, reported as AWS
//! reports them: `ValidationException` with "N validation error(s)
//! detected: ..." listing every violation of a request at once.

use super::error::{ApiError, ErrorKind};

/// A character-class pattern of the API model (all of them are one class
/// repeated, or two joined by a colon, so no regex engine is needed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pattern {
    /// `[\w-]+:[0-9a-f-]+`: identity pool and identity ids.
    Id,
    /// `[\w\s+=,.@-]+`: identity pool names.
    PoolName,
    /// `\d+`: account ids.
    Digits,
    /// `[\w._-]+`: developer provider names.
    DeveloperProvider,
    /// `[\w.;_/-]+`: client ids of supported login providers (cognate also
    /// takes commas: a provider's client ids are comma-separated).
    ProviderClientIds,
    /// `[\w._:/-]+`: Cognito user pool provider names.
    CognitoProviderName,
    /// `[\w_]+`: Cognito user pool app client ids.
    ClientId,
    /// `[\S]+`: pagination tokens.
    NoSpace,
    /// `(un)?authenticated`: keys of the roles map.
    RoleType,
    /// `[\w+=,.@-]+`: IAM policy names.
    PolicyName,
    /// `[\w-]+`: names of API routes.
    RouteName,
}

fn word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn all_of(s: &str, allowed: impl Fn(char) -> bool) -> bool {
    !s.is_empty() && s.chars().all(allowed)
}

impl Pattern {
    /// The pattern as the API model writes it (quoted in messages).
    pub fn source(self) -> &'static str {
        match self {
            Self::Id => r"[\w-]+:[0-9a-f-]+",
            Self::PoolName => r"[\w\s+=,.@-]+",
            Self::Digits => r"\d+",
            Self::DeveloperProvider => r"[\w._-]+",
            Self::ProviderClientIds => r"[\w.,;_/-]+",
            Self::CognitoProviderName => r"[\w._:/-]+",
            Self::ClientId => r"[\w_]+",
            Self::NoSpace => r"[\S]+",
            Self::RoleType => r"(un)?authenticated",
            Self::PolicyName => r"[\w+=,.@-]+",
            Self::RouteName => r"[\w-]+",
        }
    }

    /// Whether all of `s` matches.
    pub fn matches(self, s: &str) -> bool {
        match self {
            Self::Id => match s.split_once(':') {
                Some((region, uuid)) => {
                    all_of(region, |c| word(c) || c == '-')
                        && all_of(uuid, |c| c.is_ascii_digit() || ('a'..='f').contains(&c) || c == '-')
                }
                None => false,
            },
            Self::PoolName => all_of(s, |c| {
                word(c) || matches!(c, ' ' | '\t' | '\n' | '\x0b' | '\x0c' | '\r' | '+' | '=' | ',' | '.' | '@' | '-')
            }),
            Self::Digits => all_of(s, |c| c.is_ascii_digit()),
            Self::DeveloperProvider => all_of(s, |c| word(c) || matches!(c, '.' | '-')),
            Self::ProviderClientIds => all_of(s, |c| word(c) || matches!(c, '.' | ',' | ';' | '/' | '-')),
            Self::CognitoProviderName => all_of(s, |c| word(c) || matches!(c, '.' | ':' | '/' | '-')),
            Self::ClientId => all_of(s, word),
            Self::NoSpace => all_of(s, |c| !c.is_whitespace()),
            Self::RoleType => s == "authenticated" || s == "unauthenticated",
            Self::PolicyName => all_of(s, |c| word(c) || matches!(c, '+' | '=' | ',' | '.' | '@' | '-')),
            Self::RouteName => all_of(s, |c| word(c) || c == '-'),
        }
    }
}

/// Longest value echoed back in a message; longer ones are cut.
const ECHO_LIMIT: usize = 128;

/// Collects the violations of one request.
///
/// ```
/// use cognate::core::validate::{Pattern, Violations};
/// let mut v = Violations::new();
/// v.string("identityPoolId", "nope", 1, 55, Some(Pattern::Id));
/// v.number("maxResults", 0, 1, 60);
/// let err = v.finish().unwrap_err();
/// assert!(err.message.starts_with("2 validation errors detected: Value 'nope' at 'identityPoolId'"));
/// ```
#[derive(Debug, Default)]
pub struct Violations(Vec<String>);

impl Violations {
    /// An empty collection.
    pub fn new() -> Self {
        Self::default()
    }

    fn push(&mut self, value: Option<&str>, field: &str, constraint: &str) {
        let shown = match value {
            Some(v) if v.chars().count() > ECHO_LIMIT => {
                format!("'{}...'", v.chars().take(ECHO_LIMIT).collect::<String>())
            }
            Some(v) => format!("'{v}'"),
            None => "null".to_owned(),
        };
        self.0.push(format!("Value {shown} at '{field}' failed to satisfy constraint: {constraint}"));
    }

    /// Records a missing required member; returns the value when present.
    pub fn required<'a, T>(&mut self, field: &str, value: &'a Option<T>) -> Option<&'a T> {
        if value.is_none() {
            self.push(None, field, "Member must not be null");
        }
        value.as_ref()
    }

    /// Checks a string's length (in characters) and pattern.
    pub fn string(&mut self, field: &str, value: &str, min: usize, max: usize, pattern: Option<Pattern>) {
        self.string_inner(field, Some(value), value, min, max, pattern);
    }

    /// Like [`Violations::string`] for a secret (a token): never echoed.
    pub fn secret(&mut self, field: &str, value: &str, min: usize, max: usize) {
        self.string_inner(field, None, value, min, max, None);
    }

    fn string_inner(
        &mut self,
        field: &str,
        shown: Option<&str>,
        value: &str,
        min: usize,
        max: usize,
        pattern: Option<Pattern>,
    ) {
        let len = value.chars().count();
        let shown = shown.or(Some("[redacted]"));
        if len < min {
            self.push(shown, field, &format!("Member must have length greater than or equal to {min}"));
        } else if len > max {
            self.push(shown, field, &format!("Member must have length less than or equal to {max}"));
        } else if let Some(p) = pattern {
            if !p.matches(value) {
                self.push(shown, field, &format!("Member must satisfy regular expression pattern: {}", p.source()));
            }
        }
    }

    /// Checks an optional string: absent is fine.
    pub fn opt_string(
        &mut self,
        field: &str,
        value: &Option<String>,
        min: usize,
        max: usize,
        pattern: Option<Pattern>,
    ) {
        if let Some(v) = value {
            self.string(field, v, min, max, pattern);
        }
    }

    /// Checks a number's range.
    pub fn number(&mut self, field: &str, value: i64, min: i64, max: i64) {
        if value < min {
            self.push(
                Some(&value.to_string()),
                field,
                &format!("Member must have value greater than or equal to {min}"),
            );
        } else if value > max {
            self.push(Some(&value.to_string()), field, &format!("Member must have value less than or equal to {max}"));
        }
    }

    /// Checks the number of members of a list or map.
    pub fn count(&mut self, field: &str, len: usize, min: usize, max: usize) {
        if len < min {
            self.push(None, field, &format!("Member must have length greater than or equal to {min}"));
        } else if len > max {
            self.push(None, field, &format!("Member must have length less than or equal to {max}"));
        }
    }

    /// Checks that `value` is one of an enum's `allowed` values.
    pub fn enumeration(&mut self, field: &str, value: &str, allowed: &[&str]) {
        if !allowed.contains(&value) {
            let constraint = format!("Member must satisfy enum value set: [{}]", allowed.join(", "));
            self.push(Some(value), field, &constraint);
        }
    }

    /// `Ok` when nothing was violated, else the `ValidationException`.
    pub fn finish(self) -> Result<(), ApiError> {
        match self.0.len() {
            0 => Ok(()),
            1 => Err(ApiError::new(ErrorKind::Validation, format!("1 validation error detected: {}", self.0[0]))),
            n => Err(ApiError::new(
                ErrorKind::Validation,
                format!("{n} validation errors detected: {}", self.0.join("; ")),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_pattern_follows_the_model() {
        assert!(Pattern::Id.matches("us-east-1:0b3a6b1e-0000-4000-8000-000000000000"));
        assert!(!Pattern::Id.matches("us-east-1:0B3A"));
        assert!(!Pattern::Id.matches("us-east-1"));
        assert!(!Pattern::Id.matches(":abc"));
        assert!(!Pattern::Id.matches("us east:abc"));
        assert!(!Pattern::Id.matches("a:b:c"));
    }

    #[test]
    fn names_and_tokens() {
        assert!(Pattern::PoolName.matches("My pool, v2 (dev)".replace(['(', ')'], "").as_str()));
        assert!(!Pattern::PoolName.matches("bad/name"));
        assert!(Pattern::RoleType.matches("unauthenticated"));
        assert!(!Pattern::RoleType.matches("guest"));
        assert!(Pattern::NoSpace.matches("abc=="));
        assert!(!Pattern::NoSpace.matches("a b"));
        assert!(!Pattern::Digits.matches(""));
    }

    #[test]
    fn one_violation_is_worded_as_aws_words_it() {
        let mut v = Violations::new();
        v.string("identityPoolId", "nope", 1, 55, Some(Pattern::Id));
        let err = v.finish().unwrap_err();
        assert_eq!(err.kind, ErrorKind::Validation);
        assert_eq!(
            err.message,
            "1 validation error detected: Value 'nope' at 'identityPoolId' failed to satisfy constraint: \
             Member must satisfy regular expression pattern: [\\w-]+:[0-9a-f-]+"
        );
    }

    #[test]
    fn several_violations_are_listed_together() {
        let mut v = Violations::new();
        v.required::<String>("identityPoolName", &None);
        v.number("maxResults", 0, 1, 60);
        let err = v.finish().unwrap_err();
        assert!(err.message.starts_with("2 validation errors detected: Value null at 'identityPoolName'"));
        assert!(err.message.contains("; Value '0' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1"));
    }

    #[test]
    fn secrets_are_never_echoed() {
        let mut v = Violations::new();
        let token = "x".repeat(50_001);
        v.secret("logins", &token, 1, 50_000);
        let err = v.finish().unwrap_err();
        assert!(!err.message.contains("xxx"));
        assert!(err.message.contains("less than or equal to 50000"));
    }

    #[test]
    fn long_values_are_cut() {
        let mut v = Violations::new();
        v.string("identityId", &"a".repeat(300), 1, 55, None);
        assert!(v.finish().unwrap_err().message.len() < 300);
    }
}
