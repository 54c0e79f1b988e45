//! Unit tests of the XML writers (documents shaped as the S3 API
//! Reference's examples, each read back as well-formed) and readers.

use super::read::{parse_tree, Element};
use super::*;
use crate::core::s3::error::{S3Error, MAX_KEY_BYTES};
use crate::core::s3::request::ListObjectsParams;

fn text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap()
}

/// Every written document is well-formed: quick-xml reads it through.
fn reparse(doc: &str) -> Element {
    parse_tree(doc.as_bytes()).unwrap_or_else(|e| panic!("{e}: {doc}"))
}

const NS: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";

#[test]
fn timestamps_and_escaping() {
    assert_eq!(format_timestamp_millis(1_255_369_830_000), "2009-10-12T17:50:30.000Z");
    assert_eq!(format_timestamp_millis(1_255_369_830_042), "2009-10-12T17:50:30.042Z");
    assert_eq!(format_timestamp_millis(0), "1970-01-01T00:00:00.000Z");
    let mut out = String::new();
    escape_text(&mut out, "a<b>&\"'\t\n\r\u{1}\u{FFFF}é");
    assert_eq!(out, "a&lt;b&gt;&amp;&quot;&apos;\t\n&#xD;&#x1;&#xFFFF;é");
    assert_eq!(url_encode("a b+c/d~é%"), "a%20b%2Bc/d~%C3%A9%25");
}

/// The S3 API Reference's ListObjectsV2 example shape.
#[test]
fn list_objects_v2() {
    let params = ListObjectsParams {
        prefix: Some("photos/".into()),
        delimiter: Some("/".into()),
        max_keys: 2,
        max_keys_given: true,
        continuation_token: Some("tok".into()),
        ..Default::default()
    };
    let objects = [ListedObject {
        key: "photos/a&b.jpg".into(),
        last_modified_ms: 1_255_369_830_000,
        etag: "fba9dede5f27731c9771645a39863328".into(),
        size: 434_234,
    }];
    let prefixes = ["photos/2006/".to_owned()];
    let page = ListPage {
        objects: &objects,
        common_prefixes: &prefixes,
        is_truncated: true,
        next_continuation_token: Some("next"),
        next_marker: None,
        owner: None,
    };
    let doc = text(list_objects_v2_result("bucket", &params, &page));
    assert_eq!(
        doc,
        format!(
            "{NS}<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>bucket</Name>\
             <Prefix>photos/</Prefix><ContinuationToken>tok</ContinuationToken>\
             <NextContinuationToken>next</NextContinuationToken><KeyCount>2</KeyCount><MaxKeys>2</MaxKeys>\
             <Delimiter>/</Delimiter><IsTruncated>true</IsTruncated><Contents><Key>photos/a&amp;b.jpg</Key>\
             <LastModified>2009-10-12T17:50:30.000Z</LastModified>\
             <ETag>&quot;fba9dede5f27731c9771645a39863328&quot;</ETag><Size>434234</Size>\
             <StorageClass>STANDARD</StorageClass></Contents><CommonPrefixes><Prefix>photos/2006/</Prefix>\
             </CommonPrefixes></ListBucketResult>"
        )
    );
    let root = reparse(&doc);
    assert_eq!(root.name, "ListBucketResult");
    let contents = root.children.iter().find(|c| c.name == "Contents").unwrap();
    assert_eq!(contents.children[0].text, "photos/a&b.jpg");
    assert_eq!(contents.children[2].text, "\"fba9dede5f27731c9771645a39863328\"");

    // encoding-type=url, fetch-owner, start-after; an empty page.
    let params = ListObjectsParams {
        prefix: Some("a b/".into()),
        max_keys: 1000,
        encoding_url: true,
        fetch_owner: true,
        start_after: Some("a b/\u{1}".into()),
        ..Default::default()
    };
    let objects = [ListedObject { key: "a b/c+d\u{1}".into(), last_modified_ms: 0, etag: "\"e\"".into(), size: 0 }];
    let ow = Owner { id: "id".into(), display_name: "me".into() };
    let page = ListPage {
        objects: &objects,
        common_prefixes: &[],
        is_truncated: false,
        next_continuation_token: None,
        next_marker: None,
        owner: Some(&ow),
    };
    let doc = text(list_objects_v2_result("b", &params, &page));
    assert!(doc.contains(
        "<Prefix>a%20b/</Prefix><StartAfter>a%20b/%01</StartAfter><KeyCount>1</KeyCount><MaxKeys>1000</MaxKeys><EncodingType>url</EncodingType><IsTruncated>false</IsTruncated>"
    ), "{doc}");
    assert!(doc.contains("<Key>a%20b/c%2Bd%01</Key>"), "{doc}");
    assert!(doc.contains("<Owner><ID>id</ID><DisplayName>me</DisplayName></Owner><StorageClass>"), "{doc}");
    assert!(!doc.contains("ContinuationToken"));
    reparse(&doc);
    // Without encoding-type, the control character is a character reference and reads back.
    let plain = ListObjectsParams { encoding_url: false, ..params };
    let doc = text(list_objects_v2_result("b", &plain, &page));
    assert!(doc.contains("<Key>a b/c+d&#x1;</Key>"), "{doc}");
    let root = reparse(&doc);
    let contents = root.children.iter().find(|c| c.name == "Contents").unwrap();
    assert_eq!(contents.children[0].text, "a b/c+d\u{1}");
}

#[test]
fn list_objects_v1() {
    let params =
        ListObjectsParams { marker: Some("m".into()), delimiter: Some("/".into()), max_keys: 1, ..Default::default() };
    let objects = [ListedObject { key: "k".into(), last_modified_ms: 0, etag: "e".into(), size: 1 }];
    let ow = Owner { id: "i".into(), display_name: "d".into() };
    let page = ListPage {
        objects: &objects,
        common_prefixes: &[],
        is_truncated: true,
        next_continuation_token: None,
        next_marker: Some("k"),
        owner: Some(&ow),
    };
    let doc = text(list_objects_result("b", &params, &page));
    assert_eq!(
        doc,
        format!(
            "{NS}<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>b</Name><Prefix></Prefix>\
             <Marker>m</Marker><NextMarker>k</NextMarker><MaxKeys>1</MaxKeys><Delimiter>/</Delimiter>\
             <IsTruncated>true</IsTruncated><Contents><Key>k</Key><LastModified>1970-01-01T00:00:00.000Z</LastModified>\
             <ETag>&quot;e&quot;</ETag><Size>1</Size><Owner><ID>i</ID><DisplayName>d</DisplayName></Owner>\
             <StorageClass>STANDARD</StorageClass></Contents></ListBucketResult>"
        )
    );
    reparse(&doc);
}

#[test]
fn small_documents() {
    let ow = Owner { id: "owner-id".into(), display_name: "cognate".into() };
    let buckets = [BucketEntry { name: "photos".into(), creation_date_ms: 1_255_369_830_000 }];
    let cases: Vec<(Vec<u8>, String)> = vec![
        (
            list_all_my_buckets_result(&ow, &buckets),
            "<ListAllMyBucketsResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Owner><ID>owner-id</ID>\
             <DisplayName>cognate</DisplayName></Owner><Buckets><Bucket><Name>photos</Name>\
             <CreationDate>2009-10-12T17:50:30.000Z</CreationDate></Bucket></Buckets></ListAllMyBucketsResult>"
                .into(),
        ),
        (
            location_constraint("us-east-1"),
            "<LocationConstraint xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"></LocationConstraint>".into(),
        ),
        (
            location_constraint("eu-west-1"),
            "<LocationConstraint xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">eu-west-1</LocationConstraint>"
                .into(),
        ),
        (
            initiate_multipart_upload_result("b", "k<1>", "up"),
            "<InitiateMultipartUploadResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Bucket>b</Bucket>\
             <Key>k&lt;1&gt;</Key><UploadId>up</UploadId></InitiateMultipartUploadResult>"
                .into(),
        ),
        (
            complete_multipart_upload_result("https://x/s3/b/k", "b", "k", "abc-2"),
            "<CompleteMultipartUploadResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
             <Location>https://x/s3/b/k</Location><Bucket>b</Bucket><Key>k</Key><ETag>&quot;abc-2&quot;</ETag>\
             </CompleteMultipartUploadResult>"
                .into(),
        ),
        (
            copy_object_result("\"e\"", 1_255_369_830_000),
            "<CopyObjectResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
             <LastModified>2009-10-12T17:50:30.000Z</LastModified><ETag>&quot;e&quot;</ETag></CopyObjectResult>"
                .into(),
        ),
        (
            list_parts_result(&PartsPage {
                bucket: "b",
                key: "k",
                upload_id: "u",
                part_number_marker: 0,
                max_parts: 1,
                is_truncated: true,
                parts: &[ListedPart { part_number: 1, last_modified_ms: 0, etag: "p1".into(), size: 5 }],
                owner: None,
            }),
            "<ListPartsResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Bucket>b</Bucket><Key>k</Key>\
             <UploadId>u</UploadId><StorageClass>STANDARD</StorageClass><PartNumberMarker>0</PartNumberMarker>\
             <NextPartNumberMarker>1</NextPartNumberMarker><MaxParts>1</MaxParts><IsTruncated>true</IsTruncated>\
             <Part><PartNumber>1</PartNumber><LastModified>1970-01-01T00:00:00.000Z</LastModified>\
             <ETag>&quot;p1&quot;</ETag><Size>5</Size></Part></ListPartsResult>"
                .into(),
        ),
    ];
    for (got, want) in cases {
        let got = text(got);
        assert_eq!(got, format!("{NS}{want}"));
        reparse(&got);
    }
}

#[test]
fn delete_results() {
    let outcomes = [
        DeleteOutcome::Deleted("a".into()),
        DeleteOutcome::Failed { key: "b&".into(), error: S3Error::access_denied() },
    ];
    let loud = text(delete_result(&outcomes, false));
    assert_eq!(
        loud,
        format!(
            "{NS}<DeleteResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Deleted><Key>a</Key></Deleted>\
             <Error><Key>b&amp;</Key><Code>AccessDenied</Code><Message>Access Denied</Message></Error></DeleteResult>"
        )
    );
    let quiet = text(delete_result(&outcomes, true));
    assert!(!quiet.contains("<Deleted>") && quiet.contains("<Error><Key>b&amp;</Key>"));
    reparse(&loud);
    reparse(&quiet);
}

#[test]
fn delete_objects_body() {
    let body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
                <Object><Key>sample1.txt</Key></Object>\n  <Object><Key> a&amp;b&#x20;&lt;c&gt; </Key></Object>\
                <Object><Key><![CDATA[x<y]]></Key></Object><!-- comment --><Quiet>true</Quiet></Delete>";
    let parsed = parse_delete_objects(body.as_bytes()).unwrap();
    assert_eq!(parsed.keys, ["sample1.txt", " a&b <c> ", "x<y"]);
    assert!(parsed.quiet);
    let prefixed = "<s3:Delete xmlns:s3=\"http://s3.amazonaws.com/doc/2006-03-01/\"><s3:Object><s3:Key>k</s3:Key></s3:Object></s3:Delete>";
    assert_eq!(
        parse_delete_objects(prefixed.as_bytes()).unwrap(),
        DeleteObjectsInput { keys: vec!["k".into()], quiet: false }
    );

    let object = "<Object><Key>k</Key></Object>";
    let thousand = format!("<Delete>{}</Delete>", object.repeat(MAX_DELETE_KEYS));
    assert_eq!(parse_delete_objects(thousand.as_bytes()).unwrap().keys.len(), MAX_DELETE_KEYS);
    let too_many = format!("<Delete>{}</Delete>", object.repeat(MAX_DELETE_KEYS + 1));
    let long_key = format!("<Delete><Object><Key>{}</Key></Object></Delete>", "k".repeat(MAX_KEY_BYTES + 1));
    let huge = format!("<Delete><Object><Key>k</Key></Object><!--{}--></Delete>", "x".repeat(MAX_XML_BODY_BYTES));
    let deep = format!("<Delete>{}{}</Delete>", "<a>".repeat(20), "</a>".repeat(20));

    let refused: Vec<(&str, Vec<u8>)> = vec![
        ("MissingRequestBodyError", b"".to_vec()),
        ("MissingRequestBodyError", b" \n".to_vec()),
        ("MalformedXML", too_many.into_bytes()),
        ("KeyTooLongError", long_key.into_bytes()),
        ("MalformedXML", huge.into_bytes()),
        ("MalformedXML", deep.into_bytes()),
        ("MalformedXML", b"<Delete></Delete>".to_vec()),
        // Found by fuzzing: characters XML 1.0 has no place for, raw in text.
        ("MalformedXML", b"<Delete><Object><Key>a\x00b</Key></Object></Delete>".to_vec()),
        ("MalformedXML", b"<Delete><Object><Key>a\x01b</Key></Object></Delete>".to_vec()),
        ("MalformedXML", b"<Delete><Object><Key><![CDATA[a\x00b]]></Key></Object></Delete>".to_vec()),
        ("MalformedXML", b"<Delete><Quiet>true</Quiet></Delete>".to_vec()),
        ("MalformedXML", b"<Delete><Object><Key></Key></Object></Delete>".to_vec()),
        ("MalformedXML", b"<Delete><Object><Key/></Object></Delete>".to_vec()),
        ("MalformedXML", b"<Delete><Object></Object></Delete>".to_vec()),
        ("MalformedXML", b"<Delete><Object><Key>a</Key><Key>b</Key></Object></Delete>".to_vec()),
        ("MalformedXML", b"<Delete><Object><Key>a</Key><Other/></Object></Delete>".to_vec()),
        ("MalformedXML", b"<Delete><Object><Key>a<b/></Key></Object></Delete>".to_vec()),
        ("MalformedXML", b"<Delete><Object>text<Key>a</Key></Object></Delete>".to_vec()),
        ("MalformedXML", b"<Delete><Object><Key>a</Key></Object><Quiet>yes</Quiet></Delete>".to_vec()),
        ("MalformedXML", b"<Delete><Object><Key>a</Key></Object><Quiet>true</Quiet><Quiet>false</Quiet></Delete>".to_vec()),
        ("MalformedXML", b"<Remove><Object><Key>a</Key></Object></Remove>".to_vec()),
        ("MalformedXML", b"<Delete><Object><Key>a</Key></Object>".to_vec()),
        ("MalformedXML", b"<Delete><Object><Key>a</Key></Object></Delete><Delete/>".to_vec()),
        ("MalformedXML", b"<Delete><Object><Key>a</Key></Object></Delete>trailing".to_vec()),
        ("MalformedXML", b"<Delete><Object><Key>a</Key></Objekt></Delete>".to_vec()),
        ("MalformedXML", b"<Delete><Object><Key>a&foo;</Key></Object></Delete>".to_vec()),
        ("MalformedXML", b"<Delete><Object><Key>a&#0;</Key></Object></Delete>".to_vec()),
        ("MalformedXML", b"<Delete><Object><Key>a & b</Key></Object></Delete>".to_vec()),
        ("MalformedXML", b"<Delete><Object><Key>\xff</Key></Object></Delete>".to_vec()),
        ("MalformedXML", b"<Delete attr=\"x><Object><Key>a</Key></Object></Delete>".to_vec()),
        // A DTD is refused outright: no entity is ever declared or expanded.
        (
            "MalformedXML",
            b"<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;\">]>\
              <Delete><Object><Key>&lol2;</Key></Object></Delete>"
                .to_vec(),
        ),
        (
            "MalformedXML",
            b"<!DOCTYPE d [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]><Delete><Object><Key>&xxe;</Key></Object></Delete>"
                .to_vec(),
        ),
        ("NotImplemented", b"<Delete><Object><Key>a</Key><VersionId>v</VersionId></Object></Delete>".to_vec()),
        ("NotImplemented", b"<Delete><Object><Key>a</Key><ETag>e</ETag></Object></Delete>".to_vec()),
    ];
    for (code, body) in refused {
        let got = parse_delete_objects(&body).map_err(|e| e.code);
        assert_eq!(got, Err(code), "{}", String::from_utf8_lossy(&body[..body.len().min(200)]));
    }
}

#[test]
fn complete_multipart_upload_body() {
    let body = "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
                <Part><PartNumber>1</PartNumber><ETag>\"a54357aff0632cce46d942af68356b38\"</ETag>\
                <ChecksumCRC32>AAAAAA==</ChecksumCRC32></Part>\
                <Part><ETag>0c78aef83f66abc1fa1e8477f296d394</ETag><PartNumber> 3 </PartNumber></Part>\
                </CompleteMultipartUpload>";
    let parts = parse_complete_multipart_upload(body.as_bytes()).unwrap();
    assert_eq!(
        parts,
        [
            CompletedPart {
                part_number: 1,
                etag: "a54357aff0632cce46d942af68356b38".into(),
                checksums: vec![("ChecksumCRC32", "AAAAAA==".into())],
            },
            CompletedPart { part_number: 3, etag: "0c78aef83f66abc1fa1e8477f296d394".into(), checksums: vec![] },
        ]
    );
    let part = |n: u32| format!("<Part><PartNumber>{n}</PartNumber><ETag>e</ETag></Part>");
    let all: String = (1..=10_000).map(part).collect();
    let body = format!("<CompleteMultipartUpload>{all}</CompleteMultipartUpload>");
    assert_eq!(parse_complete_multipart_upload(body.as_bytes()).unwrap().len(), 10_000);
    let over = format!("<CompleteMultipartUpload>{all}{}</CompleteMultipartUpload>", part(10_000));
    let wrap = |parts: &str| format!("<CompleteMultipartUpload>{parts}</CompleteMultipartUpload>").into_bytes();
    let refused: Vec<(&str, Vec<u8>)> = vec![
        ("MalformedXML", over.into_bytes()),
        ("MissingRequestBodyError", Vec::new()),
        ("MalformedXML", wrap("")),
        ("InvalidPartOrder", wrap(&(part(2) + &part(1)))),
        ("InvalidPartOrder", wrap(&(part(1) + &part(1)))),
        ("InvalidArgument", wrap(&part(0))),
        ("InvalidArgument", wrap(&part(10_001))),
        ("InvalidArgument", wrap("<Part><PartNumber>+1</PartNumber><ETag>e</ETag></Part>")),
        ("InvalidArgument", wrap("<Part><PartNumber>one</PartNumber><ETag>e</ETag></Part>")),
        ("MalformedXML", wrap("<Part><PartNumber>1</PartNumber></Part>")),
        ("MalformedXML", wrap("<Part><ETag>e</ETag></Part>")),
        ("MalformedXML", wrap("<Part><PartNumber>1</PartNumber><PartNumber>2</PartNumber><ETag>e</ETag></Part>")),
        ("MalformedXML", wrap("<Part><PartNumber>1</PartNumber><ETag>e</ETag><Size>1</Size></Part>")),
        (
            "MalformedXML",
            wrap("<Part><PartNumber>1</PartNumber><ETag>e</ETag><ChecksumCRC32>a</ChecksumCRC32><ChecksumCRC32>b</ChecksumCRC32></Part>"),
        ),
        ("MalformedXML", wrap("<Upload><PartNumber>1</PartNumber><ETag>e</ETag></Upload>")),
        ("MalformedXML", b"<Delete><Object><Key>a</Key></Object></Delete>".to_vec()),
    ];
    for (code, body) in refused {
        let got = parse_complete_multipart_upload(&body).map_err(|e| e.code);
        assert_eq!(got, Err(code), "{}", String::from_utf8_lossy(&body[..body.len().min(200)]));
    }
}
