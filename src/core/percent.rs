//! Strict percent-decoding of the parts of a URL that a door acts on (an S3
//! key, a query value, a gateway path): a `%` must be followed by two hex
//! digits and the result must be UTF-8, or the part is refused. (SigV4's
//! canonical form decodes leniently, as AWS does, in `sigv4::canonical`.)

/// Percent-decodes `%XX` (a `+` stays a plus); `None` for a `%` without
/// two hex digits or a result that is not UTF-8.
#[cfg(any(test, feature = "server"))]
pub(crate) fn decode(value: &str) -> Option<String> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let digits = bytes.get(i + 1..i + 3)?;
            let mut byte = [0u8];
            hex::decode_to_slice(digits, &mut byte).ok()?;
            out.push(byte[0]);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Percent-encodes `value` for a URL query or a form body (RFC 3986's
/// unreserved characters kept, everything else `%XX` in upper case).
pub(crate) fn encode(value: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoding_is_strict_and_encoding_keeps_only_unreserved_characters() {
        assert_eq!(decode("a%2Fb+c%20d").as_deref(), Some("a/b+c d"));
        assert_eq!(decode("%zz"), None);
        assert_eq!(decode("%4"), None);
        assert_eq!(decode("%FF"), None, "not UTF-8");
        assert_eq!(encode("a b/c=d~"), "a%20b%2Fc%3Dd~");
        assert_eq!(decode(&encode("ü/%+ x")).as_deref(), Some("ü/%+ x"));
    }
}
