//! The glob matcher against a plain recursive reference, and variables
//! matching only their value, as properties.

use proptest::prelude::*;

use super::super::matching::{Pattern, Syntax};
use super::*;

/// A plain recursive reading of `*` and `?` (the oracle for the matcher).
fn reference_glob(pattern: &[char], text: &[char]) -> bool {
    match pattern.split_first() {
        None => text.is_empty(),
        Some(('*', rest)) => (0..=text.len()).any(|i| reference_glob(rest, &text[i..])),
        Some(('?', rest)) => !text.is_empty() && reference_glob(rest, &text[1..]),
        Some((c, rest)) => text.first() == Some(c) && reference_glob(rest, &text[1..]),
    }
}

proptest! {
    #[test]
    fn glob_agrees_with_the_reference(pattern in "[ab*?é]{0,8}", text in "[abé]{0,10}") {
        let parsed = Pattern::parse(&pattern, Syntax { wildcards: true, variables: true }).unwrap();
        let expected = reference_glob(&pattern.chars().collect::<Vec<_>>(), &text.chars().collect::<Vec<_>>());
        prop_assert_eq!(parsed.matches(&text, &RequestContext::default(), false), Some(expected));
    }

    #[test]
    fn a_variable_matches_only_its_value(value in "[ab*?$]{0,6}", text in "[ab*?$]{0,6}", suffix in "[ab]{0,2}") {
        // `pre/${v}/*`: the text after `pre/` must start with the value literally.
        let pattern = Pattern::parse("pre/${v}/*", Syntax { wildcards: true, variables: true }).unwrap();
        let mut ctx = RequestContext::default();
        ctx.set("v", vec![value.clone()]);
        let candidate = format!("pre/{text}/{suffix}");
        prop_assert_eq!(pattern.matches(&candidate, &ctx, false), Some(text == value));
    }
}
