//! Unit tests of request parsing: routing, keys, list, get, put and copy
//! parameters, continuation tokens and the authorization mapping.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

use super::decode::{MAX_CONTINUATION_TOKEN_CHARS, TOKEN_TAG};
use super::*;
use crate::core::s3::error::{S3Error, MAX_KEY_BYTES};

fn h(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(n, v)| ((*n).to_owned(), (*v).to_owned())).collect()
}

fn parse(method: &str, path: &str, query: &str, headers: &[(&str, &str)]) -> Result<S3Request, S3Error> {
    parse_request(method, path, query, &h(headers))
}

/// Method, path, query and headers → operation name (or error code).
/// Paths and queries as the JS SDK v3 (`forcePathStyle`) and presigned
/// URLs send them.
#[test]
fn routing() {
    const PRESIGNED: &str = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20250101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20250101T000000Z&X-Amz-Expires=900&X-Amz-SignedHeaders=host&X-Amz-Signature=00&X-Amz-Security-Token=tok";
    type Case<'a> = (&'a str, &'a str, &'a str, &'a [(&'a str, &'a str)], Result<&'a str, &'a str>);
    let cases: &[Case] = &[
        // Service.
        ("GET", "/s3", "", &[], Ok("ListBuckets")),
        ("GET", "/s3/", "x-id=ListBuckets", &[], Ok("ListBuckets")),
        ("PUT", "/s3/", "", &[], Err("MethodNotAllowed")),
        ("GET", "/s3/", "acl", &[], Err("NotImplemented")),
        // Bucket.
        ("HEAD", "/s3/bucket", "", &[], Ok("HeadBucket")),
        ("HEAD", "/s3/bucket/", "", &[], Ok("HeadBucket")),
        ("GET", "/s3/bucket", "location", &[], Ok("GetBucketLocation")),
        ("GET", "/s3/bucket", "list-type=2", &[], Ok("ListObjectsV2")),
        ("GET", "/s3/bucket/", "list-type=2&prefix=a%2F&delimiter=%2F&max-keys=10", &[], Ok("ListObjectsV2")),
        ("GET", "/s3/bucket", "", &[], Ok("ListObjects")),
        ("GET", "/s3/bucket", "marker=k&max-keys=0", &[], Ok("ListObjects")),
        ("GET", "/s3/bucket", "list-type=3", &[], Err("InvalidArgument")),
        ("GET", "/s3/bucket", "list-type=2&max-keys=-1", &[], Err("InvalidArgument")),
        ("GET", "/s3/bucket", "list-type=2&max-keys=ten", &[], Err("InvalidArgument")),
        ("GET", "/s3/bucket", "list-type=2&max-keys=2147483648", &[], Err("InvalidArgument")),
        ("GET", "/s3/bucket", "list-type=2&encoding-type=base64", &[], Err("InvalidArgument")),
        ("GET", "/s3/bucket", "list-type=2&continuation-token=garbage", &[], Err("InvalidArgument")),
        ("GET", "/s3/bucket", "list-type=2&fetch-owner=maybe", &[], Err("InvalidArgument")),
        ("GET", "/s3/bucket", "uploads", &[], Err("NotImplemented")),
        ("GET", "/s3/bucket", "versions", &[], Err("NotImplemented")),
        ("GET", "/s3/bucket", "versioning", &[], Err("NotImplemented")),
        ("GET", "/s3/bucket", "policy", &[], Err("NotImplemented")),
        ("GET", "/s3/bucket", "acl", &[], Err("NotImplemented")),
        ("GET", "/s3/bucket", "cors", &[], Err("NotImplemented")),
        ("POST", "/s3/bucket", "delete", &[], Ok("DeleteObjects")),
        ("POST", "/s3/bucket/", "delete=&x-id=DeleteObjects", &[], Ok("DeleteObjects")),
        ("POST", "/s3/bucket", "", &[], Err("NotImplemented")),
        ("PUT", "/s3/bucket", "", &[], Err("NotImplemented")),
        ("PUT", "/s3/bucket", "versioning", &[], Err("NotImplemented")),
        ("DELETE", "/s3/bucket", "", &[], Err("NotImplemented")),
        ("PATCH", "/s3/bucket", "", &[], Err("MethodNotAllowed")),
        ("OPTIONS", "/s3/bucket", "", &[], Err("MethodNotAllowed")),
        // Object.
        ("GET", "/s3/bucket/key", "", &[], Ok("GetObject")),
        ("GET", "/s3/bucket/key", "x-id=GetObject", &[], Ok("GetObject")),
        ("GET", "/s3/bucket/key", PRESIGNED, &[], Ok("GetObject")),
        ("GET", "/s3/bucket/key", "response-content-type=text%2Fplain&unknown=1", &[], Ok("GetObject")),
        ("HEAD", "/s3/bucket/key", "", &[("Range", "bytes=0-1")], Ok("HeadObject")),
        ("GET", "/s3/bucket/key", "versionId=3", &[], Err("NotImplemented")),
        ("GET", "/s3/bucket/key", "partNumber=1", &[], Err("NotImplemented")),
        ("HEAD", "/s3/bucket/key", "partNumber=1", &[], Err("NotImplemented")),
        ("GET", "/s3/bucket/key", "tagging", &[], Err("NotImplemented")),
        ("GET", "/s3/bucket/key", "acl", &[], Err("NotImplemented")),
        ("GET", "/s3/bucket/key", "attributes", &[], Err("NotImplemented")),
        ("GET", "/s3/bucket/key", "torrent", &[], Err("NotImplemented")),
        (
            "GET",
            "/s3/bucket/key",
            "",
            &[("x-amz-server-side-encryption-customer-algorithm", "AES256")],
            Err("NotImplemented"),
        ),
        ("GET", "/s3/bucket/key", "", &[("Range", "bytes=0-1"), ("range", "bytes=2-3")], Err("InvalidArgument")),
        ("PUT", "/s3/bucket/key", "", &[], Ok("PutObject")),
        (
            "PUT",
            "/s3/bucket/key",
            "x-id=PutObject",
            &[("x-amz-acl", "private"), ("x-amz-storage-class", "STANDARD")],
            Ok("PutObject"),
        ),
        ("PUT", "/s3/bucket/key", PRESIGNED, &[], Ok("PutObject")),
        ("PUT", "/s3/bucket/key", "", &[("x-amz-acl", "public-read")], Err("AccessControlListNotSupported")),
        ("PUT", "/s3/bucket/key", "", &[("x-amz-grant-read", "id=1")], Err("AccessControlListNotSupported")),
        ("PUT", "/s3/bucket/key", "", &[("x-amz-storage-class", "GLACIER")], Err("InvalidStorageClass")),
        ("PUT", "/s3/bucket/key", "", &[("x-amz-server-side-encryption", "aws:kms")], Err("NotImplemented")),
        ("PUT", "/s3/bucket/key", "", &[("x-amz-server-side-encryption", "AES256")], Ok("PutObject")),
        ("PUT", "/s3/bucket/key", "", &[("x-amz-tagging", "a=b")], Err("NotImplemented")),
        ("PUT", "/s3/bucket/key", "", &[("x-amz-object-lock-mode", "GOVERNANCE")], Err("NotImplemented")),
        ("PUT", "/s3/bucket/key", "", &[("x-amz-meta-a", "v")], Ok("PutObject")),
        ("PUT", "/s3/bucket/key", "tagging", &[], Err("NotImplemented")),
        ("PUT", "/s3/bucket/key", "acl", &[], Err("NotImplemented")),
        ("PUT", "/s3/bucket/key", "retention", &[], Err("NotImplemented")),
        ("PUT", "/s3/bucket/key", "", &[("x-amz-copy-source", "src/a%20b")], Ok("CopyObject")),
        ("PUT", "/s3/bucket/key", "", &[("x-amz-copy-source", "/src/a")], Ok("CopyObject")),
        ("PUT", "/s3/bucket/key", "", &[("x-amz-copy-source", "/src/a?versionId=1")], Err("NotImplemented")),
        ("PUT", "/s3/bucket/key", "", &[("x-amz-copy-source", "src")], Err("InvalidArgument")),
        ("PUT", "/s3/bucket/key", "", &[("x-amz-copy-source", "src/")], Err("InvalidArgument")),
        ("PUT", "/s3/bucket/key", "", &[("x-amz-copy-source", "Bad_Bucket/k")], Err("InvalidArgument")),
        ("PUT", "/s3/bucket/key", "", &[("x-amz-copy-source", "src/%ZZ")], Err("InvalidArgument")),
        (
            "PUT",
            "/s3/bucket/key",
            "",
            &[("x-amz-copy-source", "arn:aws:s3:us-east-1:1:accesspoint/a/object/k")],
            Err("NotImplemented"),
        ),
        ("PUT", "/s3/bucket/key", "", &[("x-amz-copy-source", "bucket/key")], Err("InvalidRequest")),
        (
            "PUT",
            "/s3/bucket/key",
            "",
            &[("x-amz-copy-source", "bucket/key"), ("x-amz-metadata-directive", "REPLACE")],
            Ok("CopyObject"),
        ),
        (
            "PUT",
            "/s3/bucket/key",
            "",
            &[("x-amz-copy-source", "src/a"), ("x-amz-metadata-directive", "MERGE")],
            Err("InvalidArgument"),
        ),
        (
            "PUT",
            "/s3/bucket/key",
            "",
            &[("x-amz-copy-source", "src/a"), ("x-amz-tagging-directive", "REPLACE")],
            Err("NotImplemented"),
        ),
        (
            "PUT",
            "/s3/bucket/key",
            "",
            &[("x-amz-copy-source", "src/a"), ("x-amz-copy-source-range", "bytes=0-1")],
            Err("InvalidRequest"),
        ),
        ("PUT", "/s3/bucket/key", "partNumber=1&uploadId=abc", &[], Ok("UploadPart")),
        ("PUT", "/s3/bucket/key", "partNumber=10000&uploadId=abc&x-id=UploadPart", &[], Ok("UploadPart")),
        ("PUT", "/s3/bucket/key", "partNumber=0&uploadId=abc", &[], Err("InvalidArgument")),
        ("PUT", "/s3/bucket/key", "partNumber=10001&uploadId=abc", &[], Err("InvalidArgument")),
        ("PUT", "/s3/bucket/key", "partNumber=%2B1&uploadId=abc", &[], Err("InvalidArgument")),
        ("PUT", "/s3/bucket/key", "partNumber=1", &[], Err("InvalidArgument")),
        ("PUT", "/s3/bucket/key", "uploadId=abc", &[], Err("InvalidArgument")),
        ("PUT", "/s3/bucket/key", "partNumber=1&uploadId=", &[], Err("NoSuchUpload")),
        (
            "PUT",
            "/s3/bucket/key",
            "partNumber=1&uploadId=abc",
            &[("x-amz-copy-source", "src/a")],
            Err("NotImplemented"),
        ),
        ("POST", "/s3/bucket/key", "uploads", &[], Ok("CreateMultipartUpload")),
        (
            "POST",
            "/s3/bucket/key",
            "uploads=&x-id=CreateMultipartUpload",
            &[("Content-Type", "image/png")],
            Ok("CreateMultipartUpload"),
        ),
        ("POST", "/s3/bucket/key", "uploads", &[("x-amz-tagging", "a=b")], Err("NotImplemented")),
        ("POST", "/s3/bucket/key", "uploadId=abc", &[], Ok("CompleteMultipartUpload")),
        ("POST", "/s3/bucket/key", "restore", &[], Err("NotImplemented")),
        ("POST", "/s3/bucket/key", "select&select-type=2", &[], Err("NotImplemented")),
        ("POST", "/s3/bucket/key", "", &[], Err("MethodNotAllowed")),
        ("DELETE", "/s3/bucket/key", "", &[], Ok("DeleteObject")),
        ("DELETE", "/s3/bucket/key", "x-id=DeleteObject", &[], Ok("DeleteObject")),
        ("DELETE", "/s3/bucket/key", "uploadId=abc", &[], Ok("AbortMultipartUpload")),
        ("DELETE", "/s3/bucket/key", "versionId=1", &[], Err("NotImplemented")),
        ("DELETE", "/s3/bucket/key", "tagging", &[], Err("NotImplemented")),
        ("DELETE", "/s3/bucket/key", "", &[("If-Match", "\"e\"")], Err("NotImplemented")),
        ("GET", "/s3/bucket/key", "uploadId=abc", &[], Ok("ListParts")),
        ("GET", "/s3/bucket/key", "uploadId=abc&max-parts=5&part-number-marker=2", &[], Ok("ListParts")),
        ("GET", "/s3/bucket/key", "uploadId=abc&max-parts=x", &[], Err("InvalidArgument")),
        ("GET", "/s3/bucket/key", "uploadId=abc&part-number-marker=-1", &[], Err("InvalidArgument")),
        ("PATCH", "/s3/bucket/key", "", &[], Err("MethodNotAllowed")),
        ("get", "/s3/bucket/key", "", &[], Err("MethodNotAllowed")),
        // Paths and queries that do not parse.
        ("GET", "/s3x/bucket", "", &[], Err("InvalidURI")),
        ("GET", "/other", "", &[], Err("InvalidURI")),
        ("GET", "/s3/bucket/%ZZ", "", &[], Err("InvalidURI")),
        ("GET", "/s3/bucket/%C3%28", "", &[], Err("InvalidURI")),
        ("GET", "/s3/bucket/a%", "", &[], Err("InvalidURI")),
        ("GET", "/s3/bucket/key", "prefix=%E0%A4%A", &[], Err("InvalidURI")),
        ("GET", "/s3/bucket", "prefix=a&prefix=b", &[], Err("InvalidArgument")),
        ("GET", "/s3/Bucket/key", "", &[], Err("InvalidBucketName")),
        ("GET", "/s3/ab/key", "", &[], Err("InvalidBucketName")),
        ("GET", "/s3/a..b/key", "", &[], Err("InvalidBucketName")),
        ("GET", "/s3/-ab/key", "", &[], Err("InvalidBucketName")),
        ("GET", "/s3/192.168.1.1/key", "", &[], Err("InvalidBucketName")),
        ("GET", "/s3//key", "", &[], Err("InvalidBucketName")),
    ];
    for (method, path, query, headers, want) in cases {
        let got = parse(method, path, query, headers).map(|r| r.operation.name()).map_err(|e| e.code);
        assert_eq!(got, *want, "{method} {path}?{query} {headers:?}");
    }
}

/// Keys are percent-decoded; `/`, `//`, spaces, `+` and unicode kept;
/// 1024 bytes at most.
#[test]
fn keys() {
    let cases: &[(&str, &str)] = &[
        ("/s3/bucket/key", "key"),
        ("/s3/bucket/a/b/c.txt", "a/b/c.txt"),
        ("/s3/bucket//leading", "/leading"),
        ("/s3/bucket/a//b/", "a//b/"),
        ("/s3/bucket/with%20space", "with space"),
        ("/s3/bucket/plus+sign", "plus+sign"),
        ("/s3/bucket/%2Bencoded%2B", "+encoded+"),
        ("/s3/bucket/caf%C3%A9/%E6%97%A5%E6%9C%AC", "café/日本"),
        ("/s3/bucket/q%3Fh%23p%25", "q?h#p%"),
        ("/s3/bucket/%2E%2E/x", "../x"),
    ];
    for (path, key) in cases {
        let r = parse("GET", path, "", &[]).unwrap();
        assert_eq!((r.bucket.as_deref(), r.key.as_deref()), (Some("bucket"), Some(*key)), "{path}");
    }
    let max = format!("/s3/bucket/{}", "k".repeat(MAX_KEY_BYTES));
    assert_eq!(parse("GET", &max, "", &[]).unwrap().key.unwrap().len(), MAX_KEY_BYTES);
    let over = format!("/s3/bucket/{}", "%C3%A9".repeat(513));
    let e = parse("GET", &over, "", &[]).unwrap_err();
    assert_eq!((e.code, e.field("Size")), ("KeyTooLongError", Some("1026")));
    let service = parse("GET", "/s3", "", &[]).unwrap();
    assert_eq!((service.bucket, service.key), (None, None));
}

#[test]
fn list_parameters() {
    let token = encode_continuation_token("r2-cursor/+=");
    let query = format!(
        "list-type=2&prefix=photos%2F2006%2F&delimiter=%2F&max-keys=5000&encoding-type=url&start-after=a+b&fetch-owner=true&continuation-token={token}"
    );
    let S3Operation::ListObjectsV2(p) = parse("GET", "/s3/bucket", &query, &[]).unwrap().operation else {
        panic!("not ListObjectsV2")
    };
    assert_eq!(p.prefix.as_deref(), Some("photos/2006/"));
    assert_eq!(p.delimiter.as_deref(), Some("/"));
    assert_eq!((p.max_keys, p.max_keys_given, p.limit()), (5000, true, 1000));
    assert!(p.encoding_url && p.fetch_owner);
    // `+` is a plus, as SigV4 signs it.
    assert_eq!(p.start_after.as_deref(), Some("a+b"));
    assert_eq!(p.cursor.as_deref(), Some("r2-cursor/+="));
    assert_eq!(p.continuation_token.as_deref(), Some(token.as_str()));

    let S3Operation::ListObjects(v1) = parse("GET", "/s3/bucket", "marker=m&delimiter=", &[]).unwrap().operation else {
        panic!("not ListObjects")
    };
    assert_eq!((v1.marker.as_deref(), v1.delimiter, v1.max_keys, v1.max_keys_given), (Some("m"), None, 1000, false));
    assert_eq!(v1.prefix, None);
}

#[test]
fn continuation_tokens() {
    for cursor in ["c", "opaque-r2-cursor==", "ünïcode"] {
        assert_eq!(decode_continuation_token(&encode_continuation_token(cursor)).unwrap(), cursor);
    }
    let foreign = URL_SAFE_NO_PAD.encode("not ours");
    let empty = URL_SAFE_NO_PAD.encode(TOKEN_TAG);
    let invalid_utf8 = URL_SAFE_NO_PAD.encode([TOKEN_TAG, &[0xff]].concat());
    let long = "A".repeat(MAX_CONTINUATION_TOKEN_CHARS + 1);
    for garbage in ["", "!!!", "abc=", foreign.as_str(), empty.as_str(), invalid_utf8.as_str(), long.as_str()] {
        let e = decode_continuation_token(garbage).unwrap_err();
        assert_eq!((e.code, e.message.as_str()), ("InvalidArgument", "The continuation token provided is incorrect"));
        assert_eq!(e.field("ArgumentName"), Some("continuation-token"));
    }
}

#[test]
fn get_parameters() {
    let r = parse(
        "GET",
        "/s3/bucket/key",
        "response-content-disposition=attachment%3B%20filename%3D%22a.txt%22&response-cache-control=no-cache&x-amz-checksum-mode=ENABLED",
        &[("Range", "bytes=0-99"), ("If-None-Match", "\"e\"")],
    )
    .unwrap();
    let S3Operation::GetObject(p) = r.operation else { panic!("not GetObject") };
    assert_eq!(p.range, Some(ByteRange::FromTo(0, 99)));
    assert_eq!(p.conditions.if_none_match.as_deref(), Some("\"e\""));
    assert_eq!(p.overrides.content_disposition.as_deref(), Some("attachment; filename=\"a.txt\""));
    assert_eq!(p.overrides.cache_control.as_deref(), Some("no-cache"));
    // Hoisted into the query by a presigner, read as a header.
    assert!(p.checksum_mode);
    let S3Operation::HeadObject(p) =
        parse("HEAD", "/s3/bucket/key", "", &[("Range", "bytes=1-2,3-4")]).unwrap().operation
    else {
        panic!("not HeadObject")
    };
    assert_eq!(p.range, None);
    assert!(!p.checksum_mode);
}

#[test]
fn put_and_copy_parameters() {
    let r = parse(
        "PUT",
        "/s3/bucket/key",
        "x-amz-meta-hoisted=yes",
        &[("Content-Type", "text/plain"), ("X-Amz-Meta-Owner", "me"), ("If-None-Match", "*"), ("x-amz-acl", "private")],
    )
    .unwrap();
    let S3Operation::PutObject(p) = &r.operation else { panic!("not PutObject") };
    assert_eq!(p.metadata.content_type.as_deref(), Some("text/plain"));
    assert_eq!(p.metadata.user.get("owner").map(String::as_str), Some("me"));
    assert_eq!(p.metadata.user.get("hoisted").map(String::as_str), Some("yes"));
    assert_eq!(p.conditions.if_none_match.as_deref(), Some("*"));
    let big = "v".repeat(3000);
    let e = parse("PUT", "/s3/bucket/key", "", &[("x-amz-meta-big", &big)]).unwrap_err();
    assert_eq!(e.code, "MetadataTooLarge");

    let r = parse(
        "PUT",
        "/s3/dest/new%20key",
        "",
        &[
            ("x-amz-copy-source", "/src/dir%2Fold%20key%2B1"),
            ("x-amz-metadata-directive", "REPLACE"),
            ("x-amz-copy-source-if-match", "\"e\""),
            ("Content-Type", "image/png"),
        ],
    )
    .unwrap();
    let S3Operation::CopyObject(c) = &r.operation else { panic!("not CopyObject") };
    assert_eq!((c.source_bucket.as_str(), c.source_key.as_str()), ("src", "dir/old key+1"));
    assert_eq!(c.metadata_directive, MetadataDirective::Replace);
    assert_eq!(c.source_conditions.if_match.as_deref(), Some("\"e\""));
    assert!(c.conditions.is_empty());
    assert_eq!(c.metadata.content_type.as_deref(), Some("image/png"));

    let r = parse("PUT", "/s3/b-1/k", "partNumber=42&uploadId=up%2Fid", &[]).unwrap();
    assert_eq!(r.operation, S3Operation::UploadPart { upload_id: "up/id".into(), part_number: 42 });
    let r = parse("GET", "/s3/b-1/k", "uploadId=u&max-parts=2000", &[]).unwrap();
    assert_eq!(r.operation, S3Operation::ListParts { upload_id: "u".into(), max_parts: 2000, part_number_marker: 0 });
}

/// The S3 Service Authorization Reference's mapping of operations to
/// actions, resources and condition keys.
#[test]
fn authorization_mapping() {
    type Expected<'a> = &'a [(&'a str, &'a str, &'a [(&'a str, &'a str)])];
    type Case<'a> = (&'a str, &'a str, &'a str, &'a [(&'a str, &'a str)], Expected<'a>);
    let cases: &[Case] = &[
        ("GET", "/s3/", "", &[], &[("s3:ListAllMyBuckets", "*", &[])]),
        ("HEAD", "/s3/bkt", "", &[], &[("s3:ListBucket", "arn:aws:s3:::bkt", &[])]),
        ("GET", "/s3/bkt", "location", &[], &[("s3:GetBucketLocation", "arn:aws:s3:::bkt", &[])]),
        ("GET", "/s3/bkt", "list-type=2", &[], &[("s3:ListBucket", "arn:aws:s3:::bkt", &[])]),
        (
            "GET",
            "/s3/bkt",
            "list-type=2&prefix=home%2Fu%2F&delimiter=%2F&max-keys=7",
            &[],
            &[(
                "s3:ListBucket",
                "arn:aws:s3:::bkt",
                &[("s3:prefix", "home/u/"), ("s3:delimiter", "/"), ("s3:max-keys", "7")],
            )],
        ),
        ("GET", "/s3/bkt", "prefix=", &[], &[("s3:ListBucket", "arn:aws:s3:::bkt", &[("s3:prefix", "")])]),
        ("GET", "/s3/bkt/a/b%20c", "", &[], &[("s3:GetObject", "arn:aws:s3:::bkt/a/b c", &[])]),
        ("HEAD", "/s3/bkt/k", "", &[], &[("s3:GetObject", "arn:aws:s3:::bkt/k", &[])]),
        ("PUT", "/s3/bkt/k", "", &[], &[("s3:PutObject", "arn:aws:s3:::bkt/k", &[])]),
        (
            "PUT",
            "/s3/bkt/k",
            "",
            &[("x-amz-acl", "bucket-owner-full-control"), ("x-amz-server-side-encryption", "AES256")],
            &[(
                "s3:PutObject",
                "arn:aws:s3:::bkt/k",
                &[("s3:x-amz-acl", "bucket-owner-full-control"), ("s3:x-amz-server-side-encryption", "AES256")],
            )],
        ),
        ("POST", "/s3/bkt/k", "uploads", &[], &[("s3:PutObject", "arn:aws:s3:::bkt/k", &[])]),
        ("PUT", "/s3/bkt/k", "partNumber=1&uploadId=u", &[], &[("s3:PutObject", "arn:aws:s3:::bkt/k", &[])]),
        ("POST", "/s3/bkt/k", "uploadId=u", &[], &[("s3:PutObject", "arn:aws:s3:::bkt/k", &[])]),
        ("DELETE", "/s3/bkt/k", "uploadId=u", &[], &[("s3:AbortMultipartUpload", "arn:aws:s3:::bkt/k", &[])]),
        ("GET", "/s3/bkt/k", "uploadId=u", &[], &[("s3:ListMultipartUploadParts", "arn:aws:s3:::bkt/k", &[])]),
        ("DELETE", "/s3/bkt/k", "", &[], &[("s3:DeleteObject", "arn:aws:s3:::bkt/k", &[])]),
        ("POST", "/s3/bkt", "delete", &[], &[("s3:DeleteObject", "arn:aws:s3:::bkt", &[])]),
        (
            "PUT",
            "/s3/dst/new",
            "",
            &[("x-amz-copy-source", "src/a%2Fb")],
            &[
                ("s3:GetObject", "arn:aws:s3:::src/a/b", &[]),
                ("s3:PutObject", "arn:aws:s3:::dst/new", &[("s3:x-amz-copy-source", "src/a/b")]),
            ],
        ),
        (
            "PUT",
            "/s3/dst/new",
            "",
            &[("x-amz-copy-source", "/src/a"), ("x-amz-metadata-directive", "COPY")],
            &[
                ("s3:GetObject", "arn:aws:s3:::src/a", &[]),
                (
                    "s3:PutObject",
                    "arn:aws:s3:::dst/new",
                    &[("s3:x-amz-copy-source", "src/a"), ("s3:x-amz-metadata-directive", "COPY")],
                ),
            ],
        ),
    ];
    for (method, path, query, headers, want) in cases {
        let got = parse(method, path, query, headers).unwrap().authorization();
        let want: Vec<Authorization> = want
            .iter()
            .map(|(action, resource, keys)| Authorization {
                action,
                resource: (*resource).to_owned(),
                condition_keys: keys.iter().map(|(k, v)| (*k, vec![(*v).to_owned()])).collect(),
            })
            .collect();
        assert_eq!(got, want, "{method} {path}?{query}");
    }
    assert_eq!(
        delete_object_authorization("b", "x/y"),
        Authorization { action: "s3:DeleteObject", resource: "arn:aws:s3:::b/x/y".into(), condition_keys: vec![] }
    );
    let s = |v: &str| vec![v.to_owned()];
    assert_eq!(
        request_condition_keys(true, Some("UNSIGNED-PAYLOAD")),
        vec![
            ("s3:signatureversion", s("AWS4-HMAC-SHA256")),
            ("s3:authType", s("REST-QUERY-STRING")),
            ("s3:x-amz-content-sha256", s("UNSIGNED-PAYLOAD"))
        ]
    );
    assert_eq!(request_condition_keys(false, None)[1], ("s3:authType", s("REST-HEADER")));
    assert_eq!(request_condition_keys(false, None).len(), 2);
}

#[test]
fn helpers() {
    assert_eq!(percent_decode("a%2Fb+c%20d"), Some("a/b+c d".to_owned()));
    assert_eq!(percent_decode("%"), None);
    assert_eq!(percent_decode("%4"), None);
    assert_eq!(percent_decode("%G0"), None);
    assert_eq!(percent_decode("%FF"), None);
    assert_eq!(
        hoisted_headers("X-Amz-Signature=1&x-amz-checksum-crc32=AAAAAA%3D%3D&X-Amz-Meta-A=b&prefix=p").unwrap(),
        vec![("x-amz-checksum-crc32".to_owned(), "AAAAAA==".to_owned()), ("x-amz-meta-a".to_owned(), "b".to_owned())]
    );
    for (name, ok) in [
        ("abc", true),
        ("a.b-c", true),
        ("my-bucket-1", true),
        ("ab", false),
        ("ABC", false),
        ("a_b", false),
        ("abc-", false),
        ("1.2.3.4", false),
    ] {
        assert_eq!(is_valid_bucket_name(name), ok, "{name}");
    }
    assert!(is_valid_bucket_name(&"a".repeat(63)) && !is_valid_bucket_name(&"a".repeat(64)));
}
