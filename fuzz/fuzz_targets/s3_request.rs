//! The S3 request parsers on untrusted input: no panic, and what they
//! accept is within S3's limits.
//!
//! The first byte picks the parser; the rest is its input:
//! - `0`: `parse_request`. Lines: method, path, query, then `name: value`
//!   headers. Accepted: bucket valid, key 1..=1024 bytes, authorization
//!   on an `arn:aws:s3:::` resource (or `*`); refused: a known status and a
//!   well-formed error document.
//! - `1`: `parse_delete_objects`. Accepted: 1..=1000 keys of 1..=1024
//!   bytes, and a `<Delete>` written back with `escape_text` reads back the
//!   same keys.
//! - `2`: `parse_complete_multipart_upload`. Accepted: 1..=10000 parts,
//!   numbers strictly ascending in 1..=10000.
//! - `3`: `ByteRange` and preconditions. Lines: `Range` value, size, then
//!   headers; a resolved range lies inside the object.
#![no_main]

use cognate::core::s3::error::S3Error;
use cognate::core::s3::headers::{check_preconditions, ByteRange};
use cognate::core::s3::request::{is_valid_bucket_name, parse_request, S3_PREFIX};
use cognate::core::s3::xml::{escape_text, parse_complete_multipart_upload, parse_delete_objects};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    match selector % 4 {
        0 => request(rest),
        1 => delete_objects(rest),
        2 => complete(rest),
        _ => range_and_preconditions(rest),
    }
});

fn headers<'a>(lines: impl Iterator<Item = &'a str>) -> Vec<(String, String)> {
    lines.filter_map(|l| l.split_once(':')).map(|(n, v)| (n.to_owned(), v.to_owned())).collect()
}

fn check_error(e: &S3Error) {
    assert!([304, 400, 403, 404, 405, 411, 412, 416, 500, 501].contains(&e.status), "{e:?}");
    let xml = String::from_utf8(e.to_xml("REQ")).expect("error XML is UTF-8");
    assert!(xml.starts_with("<?xml") && xml.ends_with("<RequestId>REQ</RequestId></Error>"));
}

fn request(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut lines = text.split('\n');
    let method = lines.next().unwrap_or_default();
    let path = format!("{S3_PREFIX}{}", lines.next().unwrap_or_default());
    let query = lines.next().unwrap_or_default();
    let headers = headers(lines);
    match parse_request(method, &path, query, &headers) {
        Ok(r) => {
            if let Some(bucket) = &r.bucket {
                assert!(is_valid_bucket_name(bucket), "{bucket:?}");
            }
            if let Some(key) = &r.key {
                assert!(!key.is_empty() && key.len() <= 1024, "{} bytes", key.len());
                assert!(r.bucket.is_some());
            }
            let authorization = r.authorization();
            assert!(!authorization.is_empty());
            for a in authorization {
                assert!(a.action.starts_with("s3:"));
                assert!(a.resource == "*" || a.resource.starts_with("arn:aws:s3:::"), "{}", a.resource);
            }
        }
        Err(e) => check_error(&e),
    }
}

fn delete_objects(data: &[u8]) {
    match parse_delete_objects(data) {
        Ok(input) => {
            assert!((1..=1000).contains(&input.keys.len()));
            let mut body = String::from("<Delete>");
            for key in &input.keys {
                assert!(!key.is_empty() && key.len() <= 1024);
                body.push_str("<Object><Key>");
                escape_text(&mut body, key);
                body.push_str("</Key></Object>");
            }
            body.push_str("</Delete>");
            let again = parse_delete_objects(body.as_bytes()).expect("written keys read back");
            assert_eq!(again.keys, input.keys);
        }
        Err(e) => check_error(&e),
    }
}

fn complete(data: &[u8]) {
    match parse_complete_multipart_upload(data) {
        Ok(parts) => {
            assert!((1..=10_000).contains(&parts.len()));
            assert!(parts.iter().all(|p| (1..=10_000).contains(&p.part_number)));
            assert!(parts.windows(2).all(|w| w[0].part_number < w[1].part_number));
        }
        Err(e) => check_error(&e),
    }
}

fn range_and_preconditions(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut lines = text.split('\n');
    let range = lines.next().unwrap_or_default();
    let size: u64 = lines.next().and_then(|s| s.trim().parse().ok()).unwrap_or(0);
    if let Some(r) = ByteRange::parse(range) {
        match r.resolve(size) {
            Ok((offset, length)) => {
                assert!(length > 0 && offset.checked_add(length).is_some_and(|end| end <= size), "{r} of {size}");
            }
            Err(e) => assert_eq!(e.status, 416),
        }
    }
    if let Err(e) = check_preconditions(&headers(lines), "\"etag\"", size) {
        assert!([304, 400, 412].contains(&e.status), "{e:?}");
        check_error(&e);
    }
}
