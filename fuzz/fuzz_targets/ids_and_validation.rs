//! Ids, API-model patterns and AWS dates on untrusted strings: no panic, patterns agree with a regex engine, dates round-trip.
//!
//! The input is read as a string (lossily) for `RouteTag::of_identity`,
//! every `Pattern`, `Violations` and both date parsers; its leading bytes
//! are also read as numbers for id generation and format→parse round trips.
//! The pattern oracle is the `regex` crate over `Pattern::source()`, with
//! `\w`, `\d` and `\s` ASCII as in Java's regex (the AWS model's); `[\S]`
//! (`NoSpace`) is the one pattern cognate reads with Unicode whitespace.
#![no_main]

use std::sync::OnceLock;

use cognate::core::ids::{issued_by, new_guest_id, new_identity_id, new_pool_id, region_of, RouteTag};
use cognate::core::keys::HashKey;
use cognate::core::time;
use cognate::core::validate::{Pattern, Violations};
use cognate_fuzz::CounterRandom;
use libfuzzer_sys::fuzz_target;
use regex::Regex;

const PATTERNS: [Pattern; 9] = [
    Pattern::Id,
    Pattern::PoolName,
    Pattern::Digits,
    Pattern::DeveloperProvider,
    Pattern::ProviderClientIds,
    Pattern::CognitoProviderName,
    Pattern::ClientId,
    Pattern::NoSpace,
    Pattern::RoleType,
];
/// 9999-12-31T23:59:59Z: the last instant with a four-digit year.
const LAST_FOUR_DIGIT_YEAR: u64 = 253_402_300_799;

fn oracles() -> &'static [Regex] {
    static ORACLES: OnceLock<Vec<Regex>> = OnceLock::new();
    ORACLES.get_or_init(|| {
        let regex = |p: Pattern| match p {
            Pattern::NoSpace => format!("^(?:{})$", p.source()),
            _ => format!("^(?-u:{})$", p.source()),
        };
        PATTERNS.iter().map(|&p| Regex::new(&regex(p)).expect("model patterns compile")).collect()
    })
}

fn number<const N: usize>(data: &[u8], at: usize) -> [u8; N] {
    let mut out = [0u8; N];
    for (i, b) in out.iter_mut().enumerate() {
        *b = data.get(at + i).copied().unwrap_or(0);
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let s = s.as_ref();
    patterns(s);
    identity_tags(s);
    generated_ids(data, s);
    dates(data, s);
});

fn patterns(s: &str) {
    for (&p, oracle) in PATTERNS.iter().zip(oracles()) {
        assert_eq!(p.matches(s), oracle.is_match(s), "{p:?} ({}) on {s:?}", p.source());
    }
    // One field's check: valid iff the length is in range and the pattern matches.
    let mut v = Violations::new();
    v.string("identityId", s, 1, 55, Some(Pattern::Id));
    let len = s.chars().count();
    let valid = (1..=55).contains(&len) && Pattern::Id.matches(s);
    match v.finish() {
        Ok(()) => assert!(valid, "{s:?} accepted"),
        Err(e) => {
            assert!(!valid, "{s:?} refused: {}", e.message);
            assert!(e.message.starts_with("1 validation error detected: Value '"), "{}", e.message);
            assert!(e.message.chars().count() < 400, "{}", e.message);
        }
    }
    // A secret is never echoed, whatever it holds.
    let mut v = Violations::new();
    v.secret("token", s, 1, 20);
    let constraint = match len {
        0 => Some("greater than or equal to 1"),
        21.. => Some("less than or equal to 20"),
        _ => None,
    };
    let expected = constraint.map(|c| {
        format!("1 validation error detected: Value '[redacted]' at 'token' failed to satisfy constraint: Member must have length {c}")
    });
    assert_eq!(v.finish().err().map(|e| e.message), expected);
}

fn identity_tags(s: &str) {
    let Some(tag) = RouteTag::of_identity(s) else { return };
    let hex = tag.to_hex();
    assert_eq!(hex.len(), 8);
    assert_eq!(u32::from_str_radix(&hex, 16).ok(), Some(tag.0));
    assert_eq!(hex, hex.to_ascii_lowercase());
    // In an id of the model's shape, the tag is the uuid's first 32 bits.
    if Pattern::Id.matches(s) {
        let uuid = s.split_once(':').map(|(_, u)| u.replace('-', "")).unwrap_or_default();
        assert!(uuid.starts_with(&hex), "{s:?} has tag {hex}");
    }
}

fn generated_ids(data: &[u8], s: &str) {
    let region: String =
        s.chars().filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-').take(25).collect();
    let region = if region.is_empty() { "us-east-1" } else { region.as_str() };
    let tag = RouteTag(u32::from_le_bytes(number(data, 0)));
    let rng = CounterRandom::new(u64::from_le_bytes(number(data, 4)));
    let key = HashKey::parse(&"A".repeat(43)).expect("a valid key").guest_key(s);
    let guest = new_guest_id(region, tag, &key, &rng);
    let identity = new_identity_id(region, tag, &key, &rng);
    assert!(issued_by(&guest, &key), "{guest}");
    assert!(!issued_by(&identity, &key), "{identity}");
    // Whatever the input, only the minted guest id proves itself.
    assert_eq!(issued_by(s, &key), s == guest);
    for id in [&guest, &identity] {
        assert_eq!(RouteTag::of_identity(id), Some(tag), "{id}");
        assert!(Pattern::Id.matches(id), "{id}");
        assert_eq!(region_of(id), Some(region));
        assert_eq!(id.len(), region.len() + 37);
    }
    let pool = new_pool_id(region, &rng);
    assert!(Pattern::Id.matches(&pool), "{pool}");
    assert_eq!(RouteTag::of_identity(&pool), None, "{pool} is not an identity id");
}

fn dates(data: &[u8], s: &str) {
    // Parsers are strict: what parses is exactly what formatting prints.
    if let Some(t) = time::parse_amz_date(s) {
        assert_eq!(time::format_amz_date(t), s);
        assert_eq!(time::parse_http_date(&time::format_http_date(t)), Some(t));
    }
    if let Some(t) = time::parse_http_date(s) {
        assert_eq!(time::format_http_date(t), s);
        assert_eq!(time::parse_amz_date(&time::format_amz_date(t)), Some(t));
    }
    // Every instant with a four-digit year formats and parses back; later ones do not parse.
    let t = u64::from_le_bytes(number(data, 0));
    for t in [t, t % (LAST_FOUR_DIGIT_YEAR + 1)] {
        let (amz, http) = (time::format_amz_date(t), time::format_http_date(t));
        let expected = (t <= LAST_FOUR_DIGIT_YEAR).then_some(t);
        assert_eq!(time::parse_amz_date(&amz), expected, "{amz}");
        assert_eq!(time::parse_http_date(&http), expected, "{http}");
    }
    // Civil dates: every day number maps to a real date and back.
    let days = i64::from_le_bytes(number(data, 8));
    let (y, m, d) = time::civil_from_days(days);
    assert!(time::days_in_month(y, m).is_some_and(|max| (1..=max).contains(&d)), "{days} -> {y}-{m}-{d}");
    if let Ok(y) = i32::try_from(y) {
        assert_eq!(time::days_from_civil(y, m, d), Some(days));
    }
}
