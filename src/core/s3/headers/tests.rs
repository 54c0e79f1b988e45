//! Unit tests of the header helpers: ranges, entity tags, preconditions,
//! metadata and its limit, GET/HEAD response headers and CORS preflight.

use super::*;
use crate::core::s3::error::MAX_USER_METADATA_BYTES;

fn h(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(n, v)| ((*n).to_owned(), (*v).to_owned())).collect()
}

/// RFC 9110 §14.1.2 forms and S3's handling (a header it does not
/// understand serves the whole object; nothing in range → 416).
#[test]
fn ranges() {
    use ByteRange::*;
    let parsed: &[(&str, Option<ByteRange>)] = &[
        ("bytes=0-499", Some(FromTo(0, 499))),
        ("bytes=500-", Some(From(500))),
        ("bytes=-500", Some(Suffix(500))),
        (" bytes=1-1 ", Some(FromTo(1, 1))),
        ("bytes=5-2", None),
        ("bytes=0-1,4-5", None),
        ("bytes=-", None),
        ("bytes=a-b", None),
        ("bytes=+1-2", None),
        ("bytes=99999999999999999999999-", None),
        ("items=0-1", None),
        ("", None),
    ];
    for (value, want) in parsed {
        assert_eq!(ByteRange::parse(value), *want, "{value}");
    }
    type Resolved = (ByteRange, u64, Option<(u64, u64)>);
    let resolved: &[Resolved] = &[
        (FromTo(0, 499), 10_000, Some((0, 500))),
        (FromTo(9_500, 20_000), 10_000, Some((9_500, 500))),
        (FromTo(10_000, 20_000), 10_000, None),
        (From(9_999), 10_000, Some((9_999, 1))),
        (From(10_000), 10_000, None),
        (Suffix(500), 10_000, Some((9_500, 500))),
        (Suffix(20_000), 10_000, Some((0, 10_000))),
        (Suffix(0), 10_000, None),
        (From(0), 0, None),
        (Suffix(1), 0, None),
        (FromTo(u64::MAX - 1, u64::MAX), u64::MAX, Some((u64::MAX - 1, 1))),
    ];
    for (range, size, want) in resolved {
        match (range.resolve(*size), want) {
            (Ok(got), Some(want)) => assert_eq!(got, *want, "{range} of {size}"),
            (Err(e), None) => {
                assert_eq!((e.code, e.status), ("InvalidRange", 416));
                assert_eq!(e.field("RangeRequested"), Some(range.to_string().as_str()));
                assert_eq!(e.field("ActualObjectSize"), Some(size.to_string().as_str()));
            }
            (got, want) => panic!("{range} of {size}: {got:?}, want {want:?}"),
        }
    }
    assert_eq!(content_range(9_500, 500, 10_000), "bytes 9500-9999/10000");
    assert_eq!(unsatisfied_content_range(3), "bytes */3");
}

#[test]
fn etag_comparison() {
    let cases: &[(&str, &str, bool, bool)] = &[
        ("\"abc\"", "abc", true, true),
        ("abc", "\"abc\"", true, true),
        ("\"x\", \"abc\"", "abc", true, true),
        ("*", "abc", true, true),
        ("W/\"abc\"", "abc", true, false),
        ("W/\"abc\"", "abc", false, true),
        ("\"abd\"", "abc", true, false),
        ("", "abc", true, false),
        ("\"\"", "abc", false, false),
    ];
    for (list, etag, strong, want) in cases {
        assert_eq!(etag_list_matches(list, etag, *strong), *want, "{list} vs {etag} strong={strong}");
    }
    assert_eq!(quote_etag("abc"), "\"abc\"");
    assert_eq!(quote_etag("\"abc\""), "\"abc\"");
    assert_eq!(quote_etag("\""), "\"\"\"");
}

/// RFC 9110 §13.2.2 order; S3's GetObject documentation's two
/// combined cases (If-Match true + If-Unmodified-Since false → 200;
/// If-None-Match false + If-Modified-Since true → 304).
#[test]
fn read_preconditions() {
    const T: u64 = 784_111_777; // Sun, 06 Nov 1994 08:49:37 GMT
    const AT: &str = "Sun, 06 Nov 1994 08:49:37 GMT";
    const BEFORE: &str = "Sat, 05 Nov 1994 08:49:37 GMT";
    type Case<'a> = (&'a [(&'a str, &'a str)], Option<(u16, &'a str)>);
    let cases: &[Case] = &[
        (&[], None),
        (&[("If-Match", "\"e\"")], None),
        (&[("if-match", "\"other\"")], Some((412, "If-Match"))),
        (&[("If-Match", "*")], None),
        (&[("If-Unmodified-Since", AT)], None),
        (&[("If-Unmodified-Since", BEFORE)], Some((412, "If-Unmodified-Since"))),
        (&[("If-Unmodified-Since", "yesterday")], None),
        (&[("If-Match", "\"e\""), ("If-Unmodified-Since", BEFORE)], None),
        (&[("If-Match", "\"x\""), ("If-Unmodified-Since", AT)], Some((412, "If-Match"))),
        (&[("If-None-Match", "\"e\"")], Some((304, ""))),
        (&[("If-None-Match", "W/\"e\"")], Some((304, ""))),
        (&[("If-None-Match", "*")], Some((304, ""))),
        (&[("If-None-Match", "\"x\"")], None),
        (&[("If-Modified-Since", AT)], Some((304, ""))),
        (&[("If-Modified-Since", BEFORE)], None),
        (&[("If-None-Match", "\"e\""), ("If-Modified-Since", BEFORE)], Some((304, ""))),
        (&[("If-None-Match", "\"x\""), ("If-Modified-Since", AT)], None),
        (&[("If-Match", "\"x\""), ("If-None-Match", "\"e\"")], Some((412, "If-Match"))),
    ];
    for (headers, want) in cases {
        let got = check_preconditions(&h(headers), "\"e\"", T);
        match (got, want) {
            (Ok(()), None) => {}
            (Err(e), Some((304, _))) => assert!(e.is_not_modified() && !e.has_body(), "{headers:?}"),
            (Err(e), Some((412, condition))) => {
                assert_eq!((e.code, e.field("Condition")), ("PreconditionFailed", Some(*condition)), "{headers:?}")
            }
            (got, want) => panic!("{headers:?}: {got:?}, want {want:?}"),
        }
    }
    let twice = h(&[("If-Match", "a"), ("IF-MATCH", "b")]);
    assert_eq!(check_preconditions(&twice, "a", T).unwrap_err().code, "InvalidArgument");
}

#[test]
fn copy_source_and_write_preconditions() {
    let source = Conditions::from_headers(
        &h(&[("x-amz-copy-source-if-none-match", "\"e\""), ("If-Match", "\"ignored\"")]),
        "x-amz-copy-source-",
    )
    .unwrap();
    let e = source.check_copy_source("e", 0).unwrap_err();
    assert_eq!((e.status, e.field("Condition")), (412, Some("x-amz-copy-source-If-None-Match")));
    assert!(source.check_copy_source("f", 0).is_ok());

    let write = |pairs: &[(&str, &str)], existing: Option<&str>| {
        Conditions::from_headers(&h(pairs), "").unwrap().check_write("k", existing).map_err(|e| e.code)
    };
    assert_eq!(write(&[("If-None-Match", "*")], None), Ok(()));
    assert_eq!(write(&[("If-None-Match", "*")], Some("e")), Err("PreconditionFailed"));
    assert_eq!(write(&[("If-None-Match", "\"e\"")], None), Err("NotImplemented"));
    assert_eq!(write(&[("If-Match", "\"e\"")], Some("e")), Ok(()));
    assert_eq!(write(&[("If-Match", "\"e\"")], Some("f")), Err("PreconditionFailed"));
    assert_eq!(write(&[("If-Match", "\"e\"")], None), Err("NoSuchKey"));
    assert_eq!(write(&[("If-Modified-Since", "Sun, 06 Nov 1994 08:49:37 GMT")], Some("e")), Ok(()));
}

#[test]
fn metadata_from_headers() {
    let m = ObjectMetadata::from_headers(&h(&[
        ("Content-Type", "text/plain"),
        ("content-encoding", "aws-chunked, gzip"),
        ("Cache-Control", " max-age=60 "),
        ("X-Amz-Meta-Color", "blue"),
        ("x-amz-meta-color", "green"),
        ("x-amz-meta-Size", "3"),
        ("x-amz-metadata-directive", "REPLACE"),
    ]))
    .unwrap();
    assert_eq!(m.content_type.as_deref(), Some("text/plain"));
    assert_eq!(m.content_encoding.as_deref(), Some("gzip"));
    assert_eq!(m.cache_control.as_deref(), Some("max-age=60"));
    assert_eq!(m.user.get("color").map(String::as_str), Some("blue,green"));
    assert_eq!(m.user.get("size").map(String::as_str), Some("3"));
    assert_eq!(m.user.len(), 2);
    assert_eq!(m.user_size(), "color".len() + "blue,green".len() + "size".len() + 1);
    let only_chunked = ObjectMetadata::from_headers(&h(&[("Content-Encoding", "aws-chunked")])).unwrap();
    assert_eq!(only_chunked.content_encoding, None);
    assert_eq!(ObjectMetadata::from_headers(&h(&[("x-amz-meta-", "v")])).unwrap_err().code, "InvalidArgument");
}

/// S3's limit: 2 KB of user-defined metadata, names and values in UTF-8 bytes.
#[test]
fn metadata_limit() {
    let exactly = [("x-amz-meta-k".to_owned(), "v".repeat(MAX_USER_METADATA_BYTES - 1))];
    assert_eq!(ObjectMetadata::from_headers(&exactly).unwrap().user_size(), MAX_USER_METADATA_BYTES);
    let over = [("x-amz-meta-k".to_owned(), "v".repeat(MAX_USER_METADATA_BYTES))];
    let e = ObjectMetadata::from_headers(&over).unwrap_err();
    assert_eq!((e.code, e.field("Size")), ("MetadataTooLarge", Some("2049")));
    let many: Vec<(String, String)> = (0..300).map(|i| (format!("x-amz-meta-k{i:03}"), "ünï".to_owned())).collect();
    let e = ObjectMetadata::from_headers(&many).unwrap_err();
    assert_eq!((e.code, e.field("Size")), ("MetadataTooLarge", Some((300 * (4 + "ünï".len())).to_string().as_str())));
}

#[test]
fn response_headers_for_get_and_head() {
    let mut metadata = ObjectMetadata { content_type: Some("text/plain".into()), ..Default::default() };
    metadata.user.insert("color".into(), "blue".into());
    let overrides = ResponseOverrides { content_disposition: Some("attachment".into()), ..Default::default() };
    let checksums = [("CRC32", "AAAAAA==".to_owned())];
    let mut o = ObjectHeaders {
        metadata: &metadata,
        etag: "abc",
        last_modified: 784_111_777,
        size: 10,
        range: None,
        checksums: &checksums,
        overrides: &overrides,
    };
    let want = h(&[
        ("Content-Type", "text/plain"),
        ("Content-Disposition", "attachment"),
        ("x-amz-meta-color", "blue"),
        ("ETag", "\"abc\""),
        ("Last-Modified", "Sun, 06 Nov 1994 08:49:37 GMT"),
        ("Accept-Ranges", "bytes"),
        ("Content-Length", "10"),
        ("x-amz-checksum-crc32", "AAAAAA=="),
    ]);
    assert_eq!(object_response_headers(&o), want);
    o.range = Some((2, 3));
    let ranged = object_response_headers(&o);
    assert!(ranged.contains(&("Content-Length".into(), "3".into())));
    assert!(ranged.contains(&("Content-Range".into(), "bytes 2-4/10".into())));
    assert!(!ranged.iter().any(|(n, _)| n.starts_with("x-amz-checksum")));

    let common = s3_response_headers("REQ", &want);
    assert_eq!(common[0], ("x-amz-request-id".into(), "REQ".into()));
    assert_eq!(common[1], ("Access-Control-Allow-Origin".into(), "*".into()));
    assert!(common[2].1.starts_with("ETag, x-amz-request-id,"));
    assert!(common[2].1.ends_with(", Date, x-amz-meta-color"));
    assert!(!common.iter().any(|(n, _)| n.eq_ignore_ascii_case("Access-Control-Allow-Credentials")));
}

#[test]
fn preflight() {
    let ok = cors_preflight(Some("PUT"), Some("Authorization, x-amz-date,X-Amz-Content-Sha256, content-type")).unwrap();
    let get = |name: &str| ok.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
    assert_eq!(get("Access-Control-Allow-Origin"), Some("*"));
    assert_eq!(get("Access-Control-Allow-Methods"), Some("GET, PUT, POST, DELETE, HEAD"));
    assert_eq!(
        get("Access-Control-Allow-Headers"),
        Some("authorization, x-amz-date, x-amz-content-sha256, content-type")
    );
    assert!(get("Access-Control-Expose-Headers").unwrap().contains("x-amz-checksum-crc64nvme"));
    assert_eq!(get("Access-Control-Allow-Credentials"), None);
    assert!(cors_preflight(Some("GET"), None).unwrap().iter().all(|(n, _)| n != "Access-Control-Allow-Headers"));
    for (method, headers) in
        [(None, None), (Some("PATCH"), None), (Some("GET"), Some("x\r\ny")), (Some("GET"), Some("a b"))]
    {
        assert_eq!(cors_preflight(method, headers).unwrap_err().status, 403, "{method:?} {headers:?}");
    }
}
