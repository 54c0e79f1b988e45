//! Writes the seed corpora to fuzz/corpus/<target>/seed-*: inputs that reach
//! deep into each target (a correctly signed header, issued session tokens, a
//! whole guest flow through the service). Run from fuzz/ after a change of
//! format: `cargo run --example seeds`.

use std::cell::RefCell;
use std::fs;
use std::path::Path;

use cognate::core::ids::{new_guest_id, new_pool_id, RouteTag};
use cognate::core::keys::HashKey;
use cognate::core::sigv4::{self, Authorization, Request};
use cognate::core::time::{format_amz_date, format_http_date};
use cognate_fuzz::{
    issued_tokens, request, sign, CounterRandom, Fixture, Session, ADMIN_ID, ADMIN_SECRET, HOST, NOW, REGION, SERVICE,
    SIGV4_SECRET,
};
use serde_json::{json, Value};

const GUEST_ROLE: &str = "arn:aws:iam::000000000000:role/guest";

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let write = |target: &str, name: &str, bytes: &[u8]| {
        let dir = root.join(target);
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join(format!("seed-{name}")), bytes).unwrap();
    };
    for (name, bytes) in sigv4_seeds() {
        write("sigv4_parse", name, &bytes);
    }
    for (name, bytes) in protocol_seeds() {
        write("protocol_input", name, &bytes);
    }
    for (i, (_, creds)) in issued_tokens().iter().enumerate() {
        write("session_token", &format!("issued-{i}"), creds.session_token.as_bytes());
    }
    write("session_token", "edit-flip-nonce", &[0, 1, 60, 0, 0x01]);
    write("session_token", "edit-truncate", &[0, 2, 7]);
    write("session_token", "not-base64", b"AQJjMgx1cy1lYXN0LTE6!!");
    let login = cognate_fuzz::login_fixture();
    write("login_token", "genuine", login.token.as_bytes());
    let (signed, _) = login.token.rsplit_once('.').unwrap();
    write("login_token", "unsigned", format!("{signed}.").as_bytes());
    for (name, bytes) in aws_chunked_seeds() {
        write("aws_chunked", name, &bytes);
    }
    let rng = CounterRandom::new(9);
    let pool = new_pool_id(REGION, &rng);
    for (name, text) in [
        (
            "identity-id",
            new_guest_id(
                REGION,
                RouteTag(0x1234_abcd),
                &HashKey::parse(&"A".repeat(43)).expect("a valid key").guest_key("seeds"),
                &rng,
            ),
        ),
        ("pool-id", pool),
        ("amz-date", format_amz_date(NOW)),
        ("http-date", format_http_date(NOW)),
        ("leap-day", "20240229T235959Z".to_owned()),
        ("pool-name", "My pool, v2.0 @team=web".to_owned()),
        ("role-type", "unauthenticated".to_owned()),
        ("provider", "cognito-idp.us-east-1.amazonaws.com/us-east-1_Ab1:client".to_owned()),
    ] {
        write("ids_and_validation", name, text.as_bytes());
    }
    // The SAML fixtures (valid responses, attacks, the metadata), as made by
    // tests/saml/make_fixtures.py.
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/saml/fixtures");
    for entry in fs::read_dir(fixtures).unwrap() {
        let path = entry.unwrap().path();
        if let Some(name) = path.file_name().and_then(|n| n.to_str()).and_then(|n| n.strip_suffix(".xml")) {
            write("saml_response", name, &fs::read(&path).unwrap());
        }
    }
}

/// The request `sigv4_parse` builds around its headers.
fn post(headers: &[(String, String)]) -> Request<'_> {
    Request { method: "POST", path: "/", query: "", headers, body: b"{}" }
}

/// `Authorization`, `X-Amz-Date` and `X-Amz-Security-Token` values, one a line.
fn sigv4_seeds() -> Vec<(&'static str, Vec<u8>)> {
    let date = format_amz_date(NOW);
    let signed = |token: Option<&str>| {
        let mut headers = vec![("Host".to_owned(), HOST.to_owned()), ("X-Amz-Date".to_owned(), date.clone())];
        let mut names = vec!["host".to_owned(), "x-amz-date".to_owned()];
        if let Some(t) = token {
            headers.push(("X-Amz-Security-Token".to_owned(), t.to_owned()));
            names.push("x-amz-security-token".to_owned());
        }
        let auth = Authorization {
            access_key_id: "AKIDEXAMPLE".into(),
            scope_date: date[..8].into(),
            region: REGION.into(),
            service: SERVICE.into(),
            signed_headers: names.clone(),
            signature: String::new(),
            request_time: NOW,
            security_token: token.map(str::to_owned),
            flavor: sigv4::Flavor::Standard,
            payload: sigv4::PayloadMode::Hash([0; 32]),
            presigned_expires: None,
        };
        let signature = sigv4::signature(&post(&headers), &auth, SIGV4_SECRET);
        let header = format!(
            "{} Credential=AKIDEXAMPLE/{}/{REGION}/{SERVICE}/{}, SignedHeaders={}, Signature={signature}",
            sigv4::ALGORITHM,
            &date[..8],
            sigv4::TERMINATOR,
            names.join(";")
        );
        // The seed verifies, as the target will see it.
        headers.push(("Authorization".to_owned(), header.clone()));
        let req = post(&headers);
        let expected = sigv4::Expected { region: REGION, service: SERVICE, flavor: sigv4::Flavor::Standard };
        sigv4::verify(&req, &sigv4::parse(&req).unwrap(), SIGV4_SECRET, NOW, &expected).unwrap();
        let mut out = format!("{header}\n{date}");
        if let Some(t) = token {
            out.push('\n');
            out.push_str(t);
        }
        out.into_bytes()
    };
    let scope = format!("AKIDEXAMPLE/{}/{REGION}/{SERVICE}/aws4_request", &date[..8]);
    vec![
        ("signed", signed(None)),
        ("signed-with-token", signed(Some("IQoJb3JpZ2luX2VjEFuzzToken=="))),
        ("no-date", format!("AWS4-HMAC-SHA256 Credential={scope}, SignedHeaders=host, Signature=00").into_bytes()),
        (
            "short-credential",
            format!("AWS4-HMAC-SHA256 Credential=A/B, SignedHeaders=host, Signature=0\n{date}").into_bytes(),
        ),
        ("no-equal-sign", format!("AWS4-HMAC-SHA256 Credential={scope}, Signature\n{date}").into_bytes()),
    ]
}

/// Requests separated by 0xFF, each a selector byte (operation index, high
/// bit for admin-signed) and the body.
fn protocol_seeds() -> Vec<(&'static str, Vec<u8>)> {
    let names = cognate_fuzz::operations();
    let op = |name: &str| names.iter().position(|n| *n == name).unwrap() as u8;
    let admin = |name: &str| op(name) | 0x80;
    let fixture = Fixture::new();
    let session = Session::new(&fixture);
    // Runs the calls, checking each gives `status`, and returns the seed.
    let seed = RefCell::new(Vec::new());
    let run = |selector: u8, body: Value, status: u16| -> Value {
        let name = names[usize::from(selector & 0x7f)];
        let body = body.to_string().into_bytes();
        let mut call = request(name, &body);
        if selector & 0x80 != 0 {
            call = sign(call, ADMIN_ID, ADMIN_SECRET);
        }
        let response = session.send(&call);
        let reply: Value = serde_json::from_slice(&response.body).unwrap();
        assert_eq!(response.status, status, "{name}: {reply}");
        let mut seed = seed.borrow_mut();
        if !seed.is_empty() {
            seed.push(0xFF);
        }
        seed.push(selector);
        seed.extend_from_slice(&body);
        reply
    };
    let created = run(
        admin("CreateIdentityPool"),
        json!({"IdentityPoolName": "fuzz", "AllowUnauthenticatedIdentities": true, "IdentityPoolTags": {"team": "web"}}),
        200,
    );
    let pool = created["IdentityPoolId"].as_str().unwrap().to_owned();
    run(admin("SetIdentityPoolRoles"), json!({"IdentityPoolId": pool, "Roles": {"unauthenticated": GUEST_ROLE}}), 200);
    let id = run(op("GetId"), json!({"IdentityPoolId": pool}), 200)["IdentityId"].as_str().unwrap().to_owned();
    run(op("GetCredentialsForIdentity"), json!({"IdentityId": id}), 200);
    run(op("GetOpenIdToken"), json!({"IdentityId": id}), 200);
    run(admin("DescribeIdentity"), json!({"IdentityId": id}), 200);
    run(admin("ListIdentities"), json!({"IdentityPoolId": pool, "MaxResults": 10}), 200);
    run(admin("DeleteIdentities"), json!({"IdentityIdsToDelete": [id]}), 200);
    let guest_flow = seed.take();

    let imported = "us-east-1:0c09a7e0-de70-4000-8000-000000000001";
    run(
        admin("ImportIdentityPool"),
        json!({"IdentityPoolId": imported, "IdentityPoolName": "moved", "AllowUnauthenticatedIdentities": false}),
        200,
    );
    run(admin("DescribeIdentityPool"), json!({"IdentityPoolId": imported}), 200);
    run(
        admin("UpdateIdentityPool"),
        json!({"IdentityPoolId": imported, "IdentityPoolName": "renamed", "AllowUnauthenticatedIdentities": true,
               "SupportedLoginProviders": {"accounts.google.com": "client-1.apps.googleusercontent.com"},
               "DeveloperProviderName": "login.myapp"}),
        200,
    );
    run(admin("ListIdentityPools"), json!({"MaxResults": 5}), 200);
    run(admin("GetIdentityPoolRoles"), json!({"IdentityPoolId": imported}), 200);
    run(admin("DeleteIdentityPool"), json!({"IdentityPoolId": imported}), 200);
    let admin_flow = seed.take();

    // Sign-in: a JWT-shaped login reaches the token parser (the provider's
    // keys are unreachable: the fuzz service has no network).
    let created = run(
        admin("CreateIdentityPool"),
        json!({"IdentityPoolName": "login", "AllowUnauthenticatedIdentities": false,
               "SupportedLoginProviders": {"accounts.google.com": "client-1.apps.googleusercontent.com"}}),
        200,
    );
    let pool = created["IdentityPoolId"].as_str().unwrap().to_owned();
    let jwt = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIiwidHlwIjoiSldUIn0.\
               eyJpc3MiOiJodHRwczovL2FjY291bnRzLmdvb2dsZS5jb20iLCJhdWQiOiJjbGllbnQtMS5hcHBzLmdvb2dsZXVzZXJjb250ZW50LmNvbSIsInN1YiI6IjEyMyIsImV4cCI6MTgwMDAwMzYwMCwiaWF0IjoxODAwMDAwMDAwfQ.\
               c2ln";
    run(op("GetId"), json!({"IdentityPoolId": pool, "Logins": {"accounts.google.com": jwt}}), 400);
    let login_flow = seed.take();

    let unknown = "us-east-1:00000000-0000-4000-8000-000000000000";
    run(op("GetId"), json!({"IdentityPoolId": unknown, "Logins": {"accounts.google.com": "eyJ"}}), 400);
    let get_id_unknown = seed.take();
    run(op("CreateIdentityPool"), json!({"IdentityPoolName": "x", "AllowUnauthenticatedIdentities": true}), 400);
    let unsigned_admin = seed.take();
    vec![
        ("guest-flow", guest_flow),
        ("admin-flow", admin_flow),
        ("login-flow", login_flow),
        ("get-id-unknown-pool", get_id_unknown),
        ("unsigned-admin", unsigned_admin),
        ("truncated-json", [&[op("GetId")][..], br#"{"IdentityPoolId":"#].concat()),
    ]
}

/// `aws_chunked` inputs: flags, split seed, decoded length (LE), body; good
/// bodies in each mode (signed along the fixed chain, CRC32 trailers).
fn aws_chunked_seeds() -> Vec<(&'static str, Vec<u8>)> {
    use cognate::core::s3::body::{BodyChecker, BodyHead};
    use cognate::core::s3::checksum::ChecksumAlgorithm;
    use cognate::core::sigv4::PayloadMode;
    let data = b"The quick brown fox jumps over the lazy dog";
    let crc = ChecksumAlgorithm::Crc32.digest(data).to_base64();
    let trailer = format!("x-amz-checksum-crc32:{crc}");
    let signing = cognate_fuzz::aws_chunked_signing();
    let signed = |with_trailer: bool| {
        let mut previous = signing.seed_signature();
        let mut body = Vec::new();
        for piece in data.chunks(16).chain([&[][..]]) {
            previous = signing.chunk_signature(&previous, piece);
            body.extend_from_slice(format!("{:x};chunk-signature={}\r\n", piece.len(), hex(&previous)).as_bytes());
            if !piece.is_empty() {
                body.extend_from_slice(piece);
                body.extend_from_slice(b"\r\n");
            }
        }
        if with_trailer {
            let signature = signing.trailer_signature(&previous, &format!("{trailer}\n"));
            body.extend_from_slice(format!("{trailer}\r\nx-amz-trailer-signature:{}\r\n", hex(&signature)).as_bytes());
        }
        body.extend_from_slice(b"\r\n");
        body
    };
    let mut unsigned = Vec::new();
    for piece in data.chunks(16) {
        unsigned.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
        unsigned.extend_from_slice(piece);
        unsigned.extend_from_slice(b"\r\n");
    }
    unsigned.extend_from_slice(format!("0\r\n{trailer}\r\n\r\n").as_bytes());
    let len = (data.len() as u16).to_le_bytes();
    let input = |flags: u8, body: &[u8]| [&[flags, 7, len[0], len[1]][..], body].concat();
    // Each good body passes the checker, as the target will see it.
    let modes = [
        (PayloadMode::UnsignedTrailer, unsigned.clone()),
        (PayloadMode::SignedChunks, signed(false)),
        (PayloadMode::SignedChunksTrailer, signed(true)),
    ];
    for (mode, body) in modes {
        let mut headers = vec![("x-amz-decoded-content-length".to_owned(), data.len().to_string())];
        if mode.has_trailer() {
            headers.push(("x-amz-trailer".to_owned(), "x-amz-checksum-crc32".to_owned()));
        }
        let head = BodyHead { payload: mode, headers: &headers, signing: Some(&signing) };
        let mut checker = BodyChecker::new(&head).unwrap();
        let mut out = Vec::new();
        checker.feed(&body, &mut out).unwrap();
        checker.finish().unwrap();
        assert_eq!(out, data);
    }
    vec![
        ("hash", input(0, data)),
        ("unsigned-md5", input(1 | 8, data)),
        ("unsigned-trailer-crc32", input(2 | 16, &unsigned)),
        ("signed-chunks", input(3, &signed(false))),
        ("signed-chunks-trailer-crc32", input(4 | 16, &signed(true))),
    ]
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
