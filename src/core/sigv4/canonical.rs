//! The canonical request: method, URI, query, headers, signed header list
//! and payload hash, each put in the one form signer and verifier agree on.
//! Services other than S3 normalise the path and encode it twice; S3 encodes
//! it once and keeps every segment.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use sha2::{Digest, Sha256};

use super::{Authorization, Flavor, Request, PRESIGNED_SIGNATURE};

/// The canonical request of `req` over `signed_headers` (any case; sorted
/// and deduplicated here) as services other than S3 form it for the
/// `Authorization` header: method, normalised double-encoded URI, canonical
/// query, canonical headers, signed header list and hex SHA-256 of the body.
pub fn canonical_request(req: &Request<'_>, signed_headers: &[String]) -> String {
    let payload_hash = hex::encode(Sha256::digest(req.body));
    build(req, signed_headers, &canonical_uri(req.path), &canonical_query(req.query, None), &payload_hash)
}

/// The canonical request of `req` as `auth` (parsed from it) says it was
/// signed: its flavour's URI, without `X-Amz-Signature` in the query of a
/// presigned URL, and its payload hash (for services other than S3 the
/// SHA-256 of `req.body`, computed here; for S3 the claim in `auth.payload`).
pub fn canonical_request_for(req: &Request<'_>, auth: &Authorization) -> String {
    let exclude = auth.presigned_expires.map(|_| PRESIGNED_SIGNATURE);
    let query = canonical_query(req.query, exclude);
    match auth.flavor {
        Flavor::Standard => {
            let payload_hash = hex::encode(Sha256::digest(req.body));
            build(req, &auth.signed_headers, &canonical_uri(req.path), &query, &payload_hash)
        }
        Flavor::S3 => build(req, &auth.signed_headers, &s3_canonical_uri(req.path), &query, &auth.payload.canonical()),
    }
}

fn build(req: &Request<'_>, signed_headers: &[String], path: &str, query: &str, payload_hash: &str) -> String {
    let mut values: BTreeMap<String, Vec<String>> =
        signed_headers.iter().map(|h| (h.to_ascii_lowercase(), Vec::new())).collect();
    for (name, value) in req.headers {
        if let Some(list) = values.get_mut(&name.to_ascii_lowercase()) {
            list.push(trim_all(value));
        }
    }
    let mut out = format!("{}\n{path}\n{query}\n", req.method);
    for (name, list) in &values {
        let _ = writeln!(out, "{name}:{}", list.join(","));
    }
    let names: Vec<&str> = values.keys().map(String::as_str).collect();
    let _ = write!(out, "\n{}\n{payload_hash}", names.join(";"));
    out
}

/// Trims spaces and tabs at both ends and collapses inner runs of spaces.
pub(super) fn trim_all(value: &str) -> String {
    let trimmed = value.trim_matches([' ', '\t']);
    let words: Vec<&str> = trimmed.split(' ').filter(|w| !w.is_empty()).collect();
    words.join(" ")
}

/// Removes empty, `.` and `..` segments from the raw path, then encodes each
/// segment again (the path on the wire is already encoded once). A trailing
/// slash is kept.
pub(super) fn canonical_uri(path: &str) -> String {
    let mut segments: Vec<String> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => segments.truncate(segments.len().saturating_sub(1)),
            s => segments.push(encode(s.as_bytes())),
        }
    }
    let slash = if !segments.is_empty() && path.ends_with('/') { "/" } else { "" };
    format!("/{}{slash}", segments.join("/"))
}

/// S3's canonical URI: the raw path decoded, then encoded once with `/`
/// kept (an encoded `%2F` is a slash of the key, as S3 reads it); every
/// segment kept (empty, `.` and `..` too).
pub(super) fn s3_canonical_uri(path: &str) -> String {
    let decoded = percent_decode(path);
    let segments: Vec<String> = decoded.split(|b| *b == b'/').map(encode).collect();
    let joined = segments.join("/");
    if joined.starts_with('/') {
        joined
    } else {
        format!("/{joined}")
    }
}

/// Decodes and re-encodes every `name=value` pair, leaves out the pairs
/// named `exclude` (decoded), then sorts by name and value.
pub(super) fn canonical_query(query: &str, exclude: Option<&str>) -> String {
    let mut pairs: Vec<(String, String)> = query_pairs(query)
        .filter(|(n, _)| exclude.is_none_or(|x| n.as_slice() != x.as_bytes()))
        .map(|(n, v)| (encode(&n), encode(&v)))
        .collect();
    pairs.sort_unstable();
    let pairs: Vec<String> = pairs.into_iter().map(|(n, v)| format!("{n}={v}")).collect();
    pairs.join("&")
}

/// The decoded `(name, value)` pairs of a raw query string; an element
/// without `=` has an empty value, empty elements are skipped.
pub(super) fn query_pairs(query: &str) -> impl Iterator<Item = (Vec<u8>, Vec<u8>)> + '_ {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| p.split_once('=').unwrap_or((p, "")))
        .map(|(n, v)| (percent_decode(n), percent_decode(v)))
}

/// Percent-decodes `%XX`; a `%` not followed by two hex digits stays as is,
/// and `+` stays a plus.
pub(super) fn percent_decode(value: &str) -> Vec<u8> {
    let (bytes, mut out, mut i) = (value.as_bytes(), Vec::new(), 0);
    while let Some(&b) = bytes.get(i) {
        let mut decoded = [b];
        let digits = bytes.get(i + 1..i + 3).filter(|_| b == b'%');
        let ok = digits.is_some_and(|d| hex::decode_to_slice(d, &mut decoded).is_ok());
        let [byte] = if ok { decoded } else { [b] };
        out.push(byte);
        i += if ok { 3 } else { 1 };
    }
    out
}

/// `bytes` with every byte but `A-Za-z0-9-_.~` as uppercase `%XX`.
pub(super) fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s3_uri_is_encoded_once_and_keeps_every_segment() {
        let cases = [
            ("", "/"),
            ("/", "/"),
            ("/test$file.text", "/test%24file.text"),
            ("/test%24file.text", "/test%24file.text"),
            ("/s3/bucket/a%20b/./c/../d//", "/s3/bucket/a%20b/./c/../d//"),
            ("/b/k%2Fwith%2Fslashes", "/b/k/with/slashes"),
            ("/b/a+b~c", "/b/a%2Bb~c"),
            ("/b/%E2%82%AC%zz", "/b/%E2%82%AC%25zz"),
            ("/b/\u{e9}", "/b/%C3%A9"),
            ("b", "/b"),
        ];
        for (path, expected) in cases {
            assert_eq!(s3_canonical_uri(path), expected, "{path:?}");
        }
    }

    #[test]
    fn query_can_leave_out_the_signature() {
        let query = "X-Amz-Signature=ab&b=1&X-Amz%2DSignature=cd&a";
        assert_eq!(canonical_query(query, Some(PRESIGNED_SIGNATURE)), "a=&b=1");
        assert_eq!(canonical_query(query, None), "X-Amz-Signature=ab&X-Amz-Signature=cd&a=&b=1");
    }
}
