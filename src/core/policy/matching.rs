//! Wildcard patterns (`*`, `?`) and policy variables (`${key}`), parsed
//! once when a policy is read and matched without allocating.
//!
//! A [`Pattern`] is a list of pieces: literal text, `*`, `?` and variables.
//! A variable's value is matched as literal text: a `*` in an identity id
//! never acts as a wildcard. ARNs ([`ArnPattern`]) are matched segment by
//! segment, as IAM does: a wildcard in the region cannot eat a colon.

use super::context::RequestContext;

/// How a policy string is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Syntax {
    /// `*` and `?` are wildcards (Action, Resource, `StringLike`, `Arn*`).
    pub wildcards: bool,
    /// `${...}` is a policy variable (Version 2012-10-17 only).
    pub variables: bool,
}

/// One piece of a pattern.
#[derive(Debug, Clone, PartialEq)]
enum Piece {
    /// Text matched exactly (or ignoring case).
    Lit(Box<str>),
    /// `*`: any run of characters, possibly empty.
    Star,
    /// `?`: exactly one character.
    One,
    /// `${key}` or `${key, 'default'}`: the request's single value for the
    /// key (name lowercased), else the default, matched as literal text.
    Var { key: Box<str>, default: Option<Box<str>> },
}

/// A parsed wildcard pattern, possibly with policy variables.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Pattern {
    pieces: Box<[Piece]>,
    /// Whether any piece is a variable (most patterns have none).
    variables: bool,
}

/// Why a pattern is refused (the caller says where it was).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PatternError {
    /// `${` without its closing `}`.
    Unclosed,
    /// `${}` or a variable whose name or default cannot be read.
    BadVariable,
}

impl Pattern {
    fn new(pieces: Vec<Piece>) -> Self {
        let variables = pieces.iter().any(|p| matches!(p, Piece::Var { .. }));
        Pattern { pieces: pieces.into(), variables }
    }

    /// Reads `text` with the given syntax.
    pub(crate) fn parse(text: &str, syntax: Syntax) -> Result<Self, PatternError> {
        let mut pieces: Vec<Piece> = Vec::new();
        let mut lit = String::new();
        let mut rest = text;
        while let Some(c) = rest.chars().next() {
            if syntax.variables && rest.starts_with("${") {
                let (piece, after) = parse_variable(&rest[2..])?;
                rest = after;
                match piece {
                    Piece::Lit(s) => lit.push_str(&s),
                    var => {
                        flush(&mut pieces, &mut lit);
                        pieces.push(var);
                    }
                }
                continue;
            }
            rest = &rest[c.len_utf8()..];
            match c {
                '*' if syntax.wildcards => {
                    flush(&mut pieces, &mut lit);
                    // `**` is `*`: collapse, so matching never backtracks twice.
                    if pieces.last() != Some(&Piece::Star) {
                        pieces.push(Piece::Star);
                    }
                }
                '?' if syntax.wildcards => {
                    flush(&mut pieces, &mut lit);
                    pieces.push(Piece::One);
                }
                c => lit.push(c),
            }
        }
        flush(&mut pieces, &mut lit);
        Ok(Pattern::new(pieces))
    }

    /// Whether every variable resolves in `ctx`.
    pub(crate) fn resolves(&self, ctx: &RequestContext) -> bool {
        !self.variables
            || self.pieces.iter().all(|p| match p {
                Piece::Var { key, default } => resolve(key, default, ctx).is_some(),
                _ => true,
            })
    }

    /// Whether the pattern matches all of `text` (ignoring case when `fold`);
    /// `None` if a variable does not resolve (the pattern matches nothing).
    pub(crate) fn matches(&self, text: &str, ctx: &RequestContext, fold: bool) -> Option<bool> {
        if !self.resolves(ctx) {
            return None;
        }
        Some(glob(&self.pieces, text, ctx, fold))
    }

    /// Splits the pattern at its first `n` literal `:` (those in literal
    /// text; never one inside a variable). `None` if there are fewer.
    fn split_colons(&self, n: usize) -> Option<Vec<Pattern>> {
        let mut parts: Vec<Pattern> = Vec::with_capacity(n + 1);
        let mut current: Vec<Piece> = Vec::new();
        for piece in self.pieces.iter() {
            match piece {
                Piece::Lit(s) if parts.len() < n => {
                    let mut text: &str = s;
                    while parts.len() < n {
                        let Some(at) = text.find(':') else { break };
                        if at > 0 {
                            current.push(Piece::Lit(text[..at].into()));
                        }
                        parts.push(Pattern::new(std::mem::take(&mut current)));
                        text = &text[at + 1..];
                    }
                    if !text.is_empty() {
                        current.push(Piece::Lit(text.into()));
                    }
                }
                other => current.push(other.clone()),
            }
        }
        if parts.len() < n {
            return None;
        }
        parts.push(Pattern::new(current));
        Some(parts)
    }

    /// Whether this is exactly the literal `text`.
    fn is_literal(&self, text: &str) -> bool {
        match &*self.pieces {
            [Piece::Lit(s)] => &**s == text,
            [] => text.is_empty(),
            _ => false,
        }
    }
}

fn flush(pieces: &mut Vec<Piece>, lit: &mut String) {
    if lit.is_empty() {
        return;
    }
    let text = std::mem::take(lit);
    // Escapes (`${*}`) and text around them join into one literal.
    if let Some(Piece::Lit(prev)) = pieces.last_mut() {
        *prev = format!("{prev}{text}").into();
    } else {
        pieces.push(Piece::Lit(text.into()));
    }
}

/// Reads a variable after its `${`: the piece and the text after its `}`.
fn parse_variable(after_open: &str) -> Result<(Piece, &str), PatternError> {
    // The first `}` outside single quotes closes the variable.
    let mut in_quote = false;
    let mut close = None;
    for (i, c) in after_open.char_indices() {
        match c {
            '\'' => in_quote = !in_quote,
            '}' if !in_quote => {
                close = Some(i);
                break;
            }
            _ => {}
        }
    }
    let close = close.ok_or(PatternError::Unclosed)?;
    let body = &after_open[..close];
    let rest = &after_open[close + 1..];
    let piece = match body {
        "*" | "?" | "$" => Piece::Lit(body.into()),
        _ => {
            let (name, default) = match body.split_once(',') {
                Some((name, default)) => (name, Some(parse_default(default.trim())?)),
                None => (body, None),
            };
            let name = name.trim();
            if name.is_empty() || name.chars().any(|c| c.is_whitespace() || matches!(c, '\'' | '$' | '{')) {
                return Err(PatternError::BadVariable);
            }
            Piece::Var { key: name.to_lowercase().into(), default }
        }
    };
    Ok((piece, rest))
}

/// `'text'` with `''` for a quote inside.
fn parse_default(quoted: &str) -> Result<Box<str>, PatternError> {
    let inner = quoted
        .strip_prefix('\'')
        .and_then(|s| s.strip_suffix('\''))
        .filter(|_| quoted.len() >= 2)
        .ok_or(PatternError::BadVariable)?;
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\'' {
            // A quote inside must be doubled.
            if chars.next() != Some('\'') {
                return Err(PatternError::BadVariable);
            }
        }
        out.push(c);
    }
    Ok(out.into())
}

/// A variable's value: the key's single value, else the default.
fn resolve<'a>(key: &str, default: &'a Option<Box<str>>, ctx: &'a RequestContext) -> Option<&'a str> {
    match ctx.get_lower(key) {
        Some([one]) => Some(one.as_str()),
        _ => default.as_deref(),
    }
}

/// The bytes of `text` that `lit` matches at its start, if it does.
fn prefix_len(text: &str, lit: &str, fold: bool) -> Option<usize> {
    if !fold {
        return text.starts_with(lit).then_some(lit.len());
    }
    let mut t = text.char_indices();
    for l in lit.chars() {
        let (_, c) = t.next()?;
        if c != l && !c.to_lowercase().eq(l.to_lowercase()) {
            return None;
        }
    }
    Some(t.next().map_or(text.len(), |(i, _)| i))
}

/// Wildcard matching with one backtrack point (the last `*`): linear in
/// practice, at worst pieces × text, never exponential.
fn glob(pieces: &[Piece], text: &str, ctx: &RequestContext, fold: bool) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    loop {
        let step = match pieces.get(p) {
            None if t == text.len() => return true,
            None => None,
            Some(Piece::Star) => {
                star = Some((p + 1, t));
                p += 1;
                continue;
            }
            Some(Piece::One) => text[t..].chars().next().map(char::len_utf8),
            Some(Piece::Lit(s)) => prefix_len(&text[t..], s, fold),
            // Resolution was checked before; a miss here is a non-match.
            Some(Piece::Var { key, default }) => {
                resolve(key, default, ctx).and_then(|value| prefix_len(&text[t..], value, fold))
            }
        };
        match step {
            Some(len) => {
                t += len;
                p += 1;
            }
            None => {
                // Let the last `*` take one more character and try again.
                let Some((after_star, from)) = star else { return false };
                let Some(c) = text[from..].chars().next() else { return false };
                let from = from + c.len_utf8();
                star = Some((after_star, from));
                p = after_star;
                t = from;
            }
        }
    }
}

/// An ARN pattern: `*`, or six colon-separated segments each matched on its
/// own (the last, the resource, may contain colons).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ArnPattern {
    /// `*`: every resource.
    Any,
    /// `arn:partition:service:region:account:resource`.
    Segments(Box<[Pattern; 6]>),
    /// Not in ARN form (only in `Arn*` conditions): matched as a whole.
    Whole(Pattern),
}

impl ArnPattern {
    /// Reads an ARN pattern; `None` if it is not `*` or in ARN form.
    pub(crate) fn parse_arn(text: &str, syntax: Syntax) -> Result<Option<Self>, PatternError> {
        if text == "*" {
            return Ok(Some(ArnPattern::Any));
        }
        let whole = Pattern::parse(text, syntax)?;
        let Some(parts) = whole.split_colons(5) else { return Ok(None) };
        let Ok(parts) = <[Pattern; 6]>::try_from(parts) else { return Ok(None) };
        if !parts[0].is_literal("arn") {
            return Ok(None);
        }
        Ok(Some(ArnPattern::Segments(Box::new(parts))))
    }

    /// Reads an `Arn*` condition value: an ARN pattern, else a whole-text one.
    pub(crate) fn parse_condition(text: &str, syntax: Syntax) -> Result<Self, PatternError> {
        match Self::parse_arn(text, syntax)? {
            Some(arn) => Ok(arn),
            None => Ok(ArnPattern::Whole(Pattern::parse(text, syntax)?)),
        }
    }

    /// Whether every variable resolves in `ctx`.
    pub(crate) fn resolves(&self, ctx: &RequestContext) -> bool {
        match self {
            ArnPattern::Any => true,
            ArnPattern::Segments(parts) => parts.iter().all(|p| p.resolves(ctx)),
            ArnPattern::Whole(p) => p.resolves(ctx),
        }
    }

    /// Whether `arn` matches (case-sensitively); `None` if a variable does
    /// not resolve.
    pub(crate) fn matches(&self, arn: &str, ctx: &RequestContext) -> Option<bool> {
        match self {
            ArnPattern::Any => Some(true),
            ArnPattern::Whole(p) => p.matches(arn, ctx, false),
            ArnPattern::Segments(parts) => {
                if !self.resolves(ctx) {
                    return None;
                }
                let mut segments = arn.splitn(6, ':');
                for part in parts.iter() {
                    let Some(segment) = segments.next() else { return Some(false) };
                    if !glob(&part.pieces, segment, ctx, false) {
                        return Some(false);
                    }
                }
                Some(true)
            }
        }
    }
}
