//! The doors that vended credentials open, in memory: role policies set by
//! the admin operations decide the SigV4 gateway's and the S3 API's checks,
//! at request time.

use serde_json::{json, Value};

use super::{Harness, ADMIN_ID, ADMIN_SECRET, GUEST_ROLE};
use crate::core::capabilities::Clock;
use crate::core::gateway::Upstream;
use crate::core::protocol::HttpRequest;
use crate::core::s3::request::S3Operation;
use crate::core::sigv4::{self, Authorization, Flavor, PayloadMode};
use crate::core::testing::block_on;
use crate::core::time::format_amz_date;

/// Guest credentials: (identity id, access key id, secret, session token).
fn guest_credentials(h: &Harness, pool: &str) -> (String, String, String, String) {
    let identity = h.guest(pool);
    let r = Harness::ok(h.call("GetCredentialsForIdentity", json!({"IdentityId": identity})));
    let c = &r["Credentials"];
    let field = |name: &str| c[name].as_str().unwrap().to_owned();
    (identity, field("AccessKeyId"), field("SecretKey"), field("SessionToken"))
}

fn put_policy(h: &Harness, statements: Value) {
    let document = json!({"Version": "2012-10-17", "Statement": statements}).to_string();
    let input = json!({"RoleArn": GUEST_ROLE, "PolicyName": "p", "PolicyDocument": document});
    Harness::ok(h.admin("PutRolePolicy", input));
}

fn get(path: &str) -> HttpRequest {
    HttpRequest {
        method: "GET".into(),
        path: path.into(),
        headers: vec![("host".into(), "id.example.com".into())],
        ..Default::default()
    }
}

/// Signs `request` as S3 clients do: the path encoded once and the payload
/// claim `UNSIGNED-PAYLOAD` in `x-amz-content-sha256`.
fn sign_s3(h: &Harness, mut request: HttpRequest, key_id: &str, secret: &str, token: Option<&str>) -> HttpRequest {
    let now = h.clock.now();
    let amz_date = format_amz_date(now);
    request.headers.push(("x-amz-content-sha256".into(), "UNSIGNED-PAYLOAD".into()));
    request.headers.push(("x-amz-date".into(), amz_date.clone()));
    if let Some(token) = token {
        request.headers.push(("x-amz-security-token".into(), token.into()));
    }
    let mut signed: Vec<String> = request.headers.iter().map(|(k, _)| k.to_ascii_lowercase()).collect();
    signed.sort();
    let auth = Authorization {
        access_key_id: key_id.into(),
        scope_date: amz_date[..8].to_owned(),
        region: "us-east-1".into(),
        service: "s3".into(),
        signed_headers: signed.clone(),
        signature: String::new(),
        request_time: now,
        security_token: token.map(str::to_owned),
        flavor: Flavor::S3,
        payload: PayloadMode::Unsigned,
        presigned_expires: None,
    };
    let signature = sigv4::signature(&request.as_signed(), &auth, secret);
    let header = format!(
        "AWS4-HMAC-SHA256 Credential={key_id}/{}/us-east-1/s3/aws4_request, SignedHeaders={}, Signature={signature}",
        &amz_date[..8],
        signed.join(";")
    );
    request.headers.push(("authorization".into(), header));
    request
}

#[test]
fn the_gateway_forwards_what_the_policies_allow() {
    let h = Harness::new();
    let pool = h.guest_pool();
    let route = json!({"Name": "demo", "Upstream": "https://api.example.com/v1"});
    Harness::ok(h.admin("PutApiRoute", route));
    let (identity, key, secret, token) = guest_credentials(&h, &pool);
    let service = h.service(None);
    let call = |path: &str, extra: &[(&str, &str)]| {
        let mut request = get(path);
        request.headers.extend(extra.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
        let request = h.sign_for(request, &key, &secret, Some(&token), "execute-api");
        block_on(service.gateway(&request, true))
    };

    // A role without policies opens nothing.
    let denied = call("/api/demo/items", &[]).unwrap_err();
    assert_eq!((denied.status, denied.error_type), (403, "AccessDeniedException"));
    assert!(denied
        .message
        .ends_with("on resource: arn:aws:execute-api:us-east-1:000000000000:demo/$default/GET/items"));

    put_policy(
        &h,
        json!([{"Effect": "Allow", "Action": "execute-api:Invoke",
                "Resource": "arn:aws:execute-api:us-east-1:000000000000:demo/$default/GET/items*"}]),
    );
    let forward = call("/api/demo/items/1", &[("x-cognate-identity-id", "us-east-1:spoofed")]).unwrap();
    assert_eq!(forward.upstream, Upstream::Url("https://api.example.com/v1".into()));
    assert_eq!(forward.url, "https://api.example.com/v1/items/1");
    let sent: Vec<(&str, &str)> = forward
        .headers
        .iter()
        .filter(|(k, _)| k.starts_with("x-cognate-") || k == "authorization" || k == "x-amz-security-token")
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        sent,
        [
            ("x-cognate-identity-id", identity.as_str()),
            ("x-cognate-identity-pool-id", pool.as_str()),
            ("x-cognate-authenticated", "false"),
            ("x-cognate-role-arn", GUEST_ROLE),
        ]
    );
    let other = call("/api/demo/admin", &[]).unwrap_err();
    assert_eq!(other.status, 403, "another resource path is not allowed");
    let unknown = call("/api/nope/items", &[]).unwrap_err();
    assert_eq!(unknown.error_type, "MissingAuthenticationTokenException");
    let dotted = call("/api/demo/items/%2e%2e/admin", &[]).unwrap_err();
    assert_eq!(dotted.status, 400);
}

#[test]
fn the_gateway_takes_only_vended_credentials_signed_for_it() {
    let h = Harness::new();
    let pool = h.guest_pool();
    Harness::ok(h.admin("PutApiRoute", json!({"Name": "demo", "Upstream": "service:BACKEND"})));
    let (_, key, secret, token) = guest_credentials(&h, &pool);
    let service = h.service(None);
    let refused = |request: HttpRequest| block_on(service.gateway(&request, true)).unwrap_err();
    assert_eq!(refused(get("/api/demo/x")).error_type, "MissingAuthenticationTokenException");
    let other_service = h.sign_for(get("/api/demo/x"), &key, &secret, Some(&token), "s3");
    assert_eq!(refused(other_service).error_type, "InvalidSignatureException");
    let admin = h.sign_for(get("/api/demo/x"), ADMIN_ID, ADMIN_SECRET, None, "execute-api");
    assert_eq!(refused(admin).error_type, "AccessDeniedException");
    let mut replayed = h.sign_for(get("/api/demo/x"), &key, &secret, Some(&token), "execute-api");
    replayed.path = "/api/demo/y".into();
    assert_eq!(refused(replayed).error_type, "InvalidSignatureException");
}

#[test]
fn s3_permissions_follow_the_folder_of_the_identity() {
    let h = Harness::new();
    let pool = h.guest_pool();
    put_policy(
        &h,
        json!([
            {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
             "Resource": "arn:aws:s3:::user-data/${cognito-identity.amazonaws.com:sub}/*"},
            {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::user-data",
             "Condition": {"StringLike": {"s3:prefix": "${cognito-identity.amazonaws.com:sub}/*"}}}
        ]),
    );
    let (identity, key, secret, token) = guest_credentials(&h, &pool);
    let service = h.service(None);
    let authorize = |path: &str, query: &str| {
        let mut request = get(path);
        request.query = query.into();
        let request = sign_s3(&h, request, &key, &secret, Some(&token));
        block_on(service.s3_authorize(&request, true))
    };
    let own = format!("/s3/user-data/{}/notes.txt", identity.replace(':', "%3A"));
    let grant = authorize(&own, "").unwrap();
    assert!(matches!(grant.request.operation, S3Operation::GetObject(_)));
    let theirs = "/s3/user-data/us-east-1%3Asomeone-else/notes.txt";
    assert_eq!(authorize(theirs, "").err().map(|e| e.code), Some("AccessDenied"));

    let prefix = format!("prefix={}%2F", identity.replace(':', "%3A"));
    assert!(authorize("/s3/user-data", &format!("list-type=2&{prefix}")).is_ok());
    assert_eq!(authorize("/s3/user-data", "list-type=2").err().map(|e| e.code), Some("AccessDenied"));

    // DeleteObjects passes the head; each key of its body is checked alone.
    let mut delete = get("/s3/user-data");
    (delete.method, delete.query) = ("POST".into(), "delete".into());
    let grant = block_on(service.s3_authorize(&sign_s3(&h, delete, &key, &secret, Some(&token)), true)).unwrap();
    let check = |k: &str| grant.allows(&crate::core::s3::request::delete_object_authorization("user-data", k));
    assert!(check(&format!("{identity}/a")) && !check("us-east-1:someone-else/a"));
}

#[test]
fn s3_refusals_are_s3s() {
    let h = Harness::new();
    let pool = h.guest_pool();
    let (identity, key, secret, token) = guest_credentials(&h, &pool);
    let service = h.service(None);
    let path = format!("/s3/user-data/{identity}/x");
    let code = |request: HttpRequest| block_on(service.s3_authorize(&request, true)).err().map(|e| (e.code, e.status));
    assert_eq!(code(get(&path)), Some(("AccessDenied", 403)), "anonymous");
    assert_eq!(code(sign_s3(&h, get(&path), &key, "wrong", Some(&token))), Some(("SignatureDoesNotMatch", 403)));
    let mut tampered = token.clone();
    tampered.replace_range(10..11, if &tampered[10..11] == "A" { "B" } else { "A" });
    assert_eq!(code(sign_s3(&h, get(&path), &key, &secret, Some(&tampered))), Some(("InvalidToken", 400)));
    let admin = sign_s3(&h, get(&path), ADMIN_ID, ADMIN_SECRET, None);
    assert_eq!(code(admin), Some(("AccessDenied", 403)), "the admin key pair does not open the S3 API");
    let signed = sign_s3(&h, get(&path), &key, &secret, Some(&token));
    h.clock.advance(3600 + 1);
    assert_eq!(code(signed), Some(("ExpiredToken", 400)));
}
