//! The AWS JSON 1.1 protocol as Cognito Identity speaks it: requests and
//! responses as plain data, the operation named by `X-Amz-Target`, error
//! bodies and headers, and the CORS rules for browsers on any origin.

use serde::de::DeserializeOwned;
use serde_json::{json, Value};

use super::error::{ApiError, ErrorKind};
use super::time::format_http_date;

/// The largest request body read (a legal request is far smaller).
pub const MAX_BODY_BYTES: usize = 1 << 20;
/// The target prefix of every operation.
pub const TARGET_PREFIX: &str = "AWSCognitoIdentityService.";
/// The legacy, fully qualified target prefix.
pub const LEGACY_TARGET_PREFIX: &str = "com.amazonaws.cognito.identity.model.AWSCognitoIdentityService.";
/// The protocol's content type.
pub const CONTENT_TYPE: &str = "application/x-amz-json-1.1";

const ALLOW_HEADERS: &str = "content-type, x-amz-target, x-amz-user-agent, amz-sdk-invocation-id, amz-sdk-request, \
                             authorization, x-amz-date, x-amz-security-token, x-amz-content-sha256";
const EXPOSE_HEADERS: &str = "date, x-amzn-requestid, x-amzn-errortype, x-amzn-errormessage";

/// An HTTP request, as the platform received it. Its `Debug` shows the
/// method, path, the query's and headers' names and the body's length: a
/// signature, a security token or a login token never prints.
#[derive(Clone, Default)]
pub struct HttpRequest {
    /// The method, upper case.
    pub method: String,
    /// The path, still percent-encoded.
    pub path: String,
    /// The query string without `?`.
    pub query: String,
    /// The headers; names in any case.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl std::fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let query: Vec<&str> =
            self.query.split('&').filter(|p| !p.is_empty()).map(|p| p.split('=').next().unwrap_or("")).collect();
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &query)
            .field("headers", &self.headers.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>())
            .field("body", &format_args!("{} bytes", self.body.len()))
            .finish()
    }
}

impl HttpRequest {
    /// The request as the SigV4 verifier reads it.
    pub fn as_signed(&self) -> super::sigv4::Request<'_> {
        super::sigv4::Request {
            method: &self.method,
            path: &self.path,
            query: &self.query,
            headers: &self.headers,
            body: &self.body,
        }
    }

    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// Signs the request with SigV4 as an AWS SDK does — adds `x-amz-date`,
    /// the security token if any, and `authorization`, signing every header
    /// — for tests, benchmarks and tools that play the client (feature
    /// `testing`).
    #[cfg(any(test, feature = "testing"))]
    pub fn sign(&mut self, credentials: (&str, &str, Option<&str>), region: &str, service: &str, now: u64) {
        let (key_id, secret, token) = credentials;
        let amz_date = super::time::format_amz_date(now);
        self.headers.push(("x-amz-date".into(), amz_date.clone()));
        if let Some(t) = token {
            self.headers.push(("x-amz-security-token".into(), t.into()));
        }
        let mut signed_headers: Vec<String> = self.headers.iter().map(|(k, _)| k.to_ascii_lowercase()).collect();
        signed_headers.sort();
        let scope_date = amz_date.get(..8).unwrap_or_default().to_owned();
        let auth = super::sigv4::Authorization {
            access_key_id: key_id.into(),
            scope_date: scope_date.clone(),
            region: region.into(),
            service: service.into(),
            signed_headers: signed_headers.clone(),
            signature: String::new(),
            request_time: now,
            security_token: token.map(str::to_owned),
            flavor: super::sigv4::Flavor::Standard,
            payload: super::sigv4::PayloadMode::Hash(<sha2::Sha256 as sha2::Digest>::digest(&self.body).into()),
            presigned_expires: None,
        };
        let signature = super::sigv4::signature(&self.as_signed(), &auth, secret);
        let header = format!(
            "{} Credential={key_id}/{scope_date}/{region}/{service}/{}, SignedHeaders={}, Signature={signature}",
            super::sigv4::ALGORITHM,
            super::sigv4::TERMINATOR,
            signed_headers.join(";")
        );
        self.headers.push(("authorization".into(), header));
    }
}

/// An HTTP response for the platform to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// The headers.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// A JSON response with the protocol's content type.
    pub fn json(status: u16, body: &Value) -> Self {
        Self {
            status,
            headers: vec![("content-type".into(), CONTENT_TYPE.into())],
            body: body.to_string().into_bytes(),
        }
    }

    /// A JSON document with plain `application/json` (discovery, JWKS).
    pub fn document(body: &Value, max_age: u32) -> Self {
        Self {
            status: 200,
            headers: vec![
                ("content-type".into(), "application/json".into()),
                ("cache-control".into(), format!("public, max-age={max_age}")),
            ],
            body: body.to_string().into_bytes(),
        }
    }

    /// A JSON answer about the caller: `application/json`, never cached.
    pub fn private(body: &Value) -> Self {
        Self {
            status: 200,
            headers: vec![
                ("content-type".into(), "application/json".into()),
                ("cache-control".into(), "no-store".into()),
            ],
            body: body.to_string().into_bytes(),
        }
    }

    /// The error response Cognito would send.
    pub fn error(error: &ApiError) -> Self {
        let name = error.kind.wire_name();
        let mut r = Self::json(error.kind.status(), &json!({ "__type": name, "message": error.message }));
        r.headers.push(("x-amzn-errortype".into(), name.into()));
        let header_safe: String =
            error.message.chars().filter(|c| c.is_ascii() && !c.is_ascii_control()).take(512).collect();
        r.headers.push(("x-amzn-errormessage".into(), header_safe));
        r
    }

    /// A CORS preflight answer.
    pub fn preflight() -> Self {
        Self {
            status: 204,
            headers: vec![
                ("access-control-allow-methods".into(), "GET, POST, OPTIONS".into()),
                ("access-control-allow-headers".into(), ALLOW_HEADERS.into()),
                ("access-control-max-age".into(), "86400".into()),
            ],
            body: Vec::new(),
        }
    }

    /// A CORS preflight answer for the SigV4 gateway: any method an API
    /// takes, and the headers the browser asks for (a SigV4 signer adds its
    /// own to the app's).
    pub fn gateway_preflight(requested_headers: Option<&str>) -> Self {
        let requested = requested_headers.filter(|h| h.chars().all(|c| c.is_ascii_graphic() || c == ' '));
        Self {
            status: 204,
            headers: vec![
                ("access-control-allow-methods".into(), "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS".into()),
                ("access-control-allow-headers".into(), requested.unwrap_or(ALLOW_HEADERS).to_owned()),
                ("access-control-max-age".into(), "86400".into()),
            ],
            body: Vec::new(),
        }
    }

    /// Adds what every response carries: request id, `Date`, CORS.
    pub fn finish(mut self, request_id: &str, now: u64) -> Self {
        self.headers.push(("x-amzn-requestid".into(), request_id.into()));
        self.headers.push(("date".into(), format_http_date(now)));
        self.headers.push(("access-control-allow-origin".into(), "*".into()));
        self.headers.push(("access-control-expose-headers".into(), EXPOSE_HEADERS.into()));
        self
    }
}

/// The operations cognate serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Operation {
    CreateIdentityPool,
    DescribeIdentityPool,
    UpdateIdentityPool,
    DeleteIdentityPool,
    ListIdentityPools,
    SetIdentityPoolRoles,
    GetIdentityPoolRoles,
    DescribeIdentity,
    ListIdentities,
    DeleteIdentities,
    GetId,
    GetCredentialsForIdentity,
    GetOpenIdToken,
    /// cognate's extension: create a pool with a given id (moving a pool
    /// from Cognito keeps the id that apps have built in).
    ImportIdentityPool,
    UnlinkIdentity,
    SetPrincipalTagAttributeMap,
    GetPrincipalTagAttributeMap,
    /// cognate's extension, named and shaped as IAM's: an inline policy of a
    /// role (by role ARN), which decides what the role's credentials open.
    PutRolePolicy,
    GetRolePolicy,
    ListRolePolicies,
    DeleteRolePolicy,
    /// cognate's extension: a route of the SigV4 gateway (`/api/<Name>/`).
    PutApiRoute,
    GetApiRoute,
    ListApiRoutes,
    DeleteApiRoute,
    GetOpenIdTokenForDeveloperIdentity,
    LookupDeveloperIdentity,
    MergeDeveloperIdentities,
    UnlinkDeveloperIdentity,
    TagResource,
    UntagResource,
    ListTagsForResource,
    /// cognate's extension, named and shaped as IAM's: a SAML identity
    /// provider (by ARN), which pools list in `SamlProviderARNs`.
    CreateSAMLProvider,
    GetSAMLProvider,
    UpdateSAMLProvider,
    ListSAMLProviders,
    DeleteSAMLProvider,
}

/// Every operation with its name, in a fixed order (new ones are appended).
pub const OPERATIONS: [(Operation, &str); 37] = [
    (Operation::CreateIdentityPool, "CreateIdentityPool"),
    (Operation::DescribeIdentityPool, "DescribeIdentityPool"),
    (Operation::UpdateIdentityPool, "UpdateIdentityPool"),
    (Operation::DeleteIdentityPool, "DeleteIdentityPool"),
    (Operation::ListIdentityPools, "ListIdentityPools"),
    (Operation::SetIdentityPoolRoles, "SetIdentityPoolRoles"),
    (Operation::GetIdentityPoolRoles, "GetIdentityPoolRoles"),
    (Operation::DescribeIdentity, "DescribeIdentity"),
    (Operation::ListIdentities, "ListIdentities"),
    (Operation::DeleteIdentities, "DeleteIdentities"),
    (Operation::GetId, "GetId"),
    (Operation::GetCredentialsForIdentity, "GetCredentialsForIdentity"),
    (Operation::GetOpenIdToken, "GetOpenIdToken"),
    (Operation::ImportIdentityPool, "ImportIdentityPool"),
    (Operation::UnlinkIdentity, "UnlinkIdentity"),
    (Operation::SetPrincipalTagAttributeMap, "SetPrincipalTagAttributeMap"),
    (Operation::GetPrincipalTagAttributeMap, "GetPrincipalTagAttributeMap"),
    (Operation::PutRolePolicy, "PutRolePolicy"),
    (Operation::GetRolePolicy, "GetRolePolicy"),
    (Operation::ListRolePolicies, "ListRolePolicies"),
    (Operation::DeleteRolePolicy, "DeleteRolePolicy"),
    (Operation::PutApiRoute, "PutApiRoute"),
    (Operation::GetApiRoute, "GetApiRoute"),
    (Operation::ListApiRoutes, "ListApiRoutes"),
    (Operation::DeleteApiRoute, "DeleteApiRoute"),
    (Operation::GetOpenIdTokenForDeveloperIdentity, "GetOpenIdTokenForDeveloperIdentity"),
    (Operation::LookupDeveloperIdentity, "LookupDeveloperIdentity"),
    (Operation::MergeDeveloperIdentities, "MergeDeveloperIdentities"),
    (Operation::UnlinkDeveloperIdentity, "UnlinkDeveloperIdentity"),
    (Operation::TagResource, "TagResource"),
    (Operation::UntagResource, "UntagResource"),
    (Operation::ListTagsForResource, "ListTagsForResource"),
    (Operation::CreateSAMLProvider, "CreateSAMLProvider"),
    (Operation::GetSAMLProvider, "GetSAMLProvider"),
    (Operation::UpdateSAMLProvider, "UpdateSAMLProvider"),
    (Operation::ListSAMLProviders, "ListSAMLProviders"),
    (Operation::DeleteSAMLProvider, "DeleteSAMLProvider"),
];

impl Operation {
    /// The operation named by an `X-Amz-Target` header.
    ///
    /// ```
    /// use cognate::core::protocol::Operation;
    /// assert_eq!(Operation::from_target(Some("AWSCognitoIdentityService.GetId")), Ok(Operation::GetId));
    /// assert!(Operation::from_target(Some("AWSCognitoIdentityService.Nope")).is_err());
    /// assert!(Operation::GetId.is_public() && !Operation::DeleteIdentityPool.is_public());
    /// ```
    pub fn from_target(target: Option<&str>) -> Result<Self, ApiError> {
        let unknown = || ApiError::new(ErrorKind::UnknownOperation, "");
        let target = target.ok_or_else(unknown)?;
        let name = target
            .strip_prefix(TARGET_PREFIX)
            .or_else(|| target.strip_prefix(LEGACY_TARGET_PREFIX))
            .ok_or_else(unknown)?;
        OPERATIONS.iter().find(|(_, n)| *n == name).map(|(op, _)| *op).ok_or_else(unknown)
    }

    /// The operation's name.
    pub fn name(self) -> &'static str {
        OPERATIONS.iter().find(|(op, _)| *op == self).map(|(_, n)| *n).unwrap_or_default()
    }

    /// Whether the operation is called unsigned (by end users' apps).
    pub fn is_public(self) -> bool {
        matches!(self, Self::GetId | Self::GetCredentialsForIdentity | Self::GetOpenIdToken | Self::UnlinkIdentity)
    }
}

/// An absolute URL as the platform hands it over (already serialized by
/// the WHATWG URL rules), split without reparsing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UrlParts<'a> {
    /// The scheme is `https`.
    pub https: bool,
    /// The path, still percent-encoded (`/` when the URL has none).
    pub path: &'a str,
    /// The query without `?` (empty when there is none).
    pub query: &'a str,
}

/// Splits a serialized absolute URL into its scheme, path and query; the
/// fragment, if any, is dropped. `None` when `url` has no `scheme://`.
///
/// A serialized URL has `?` and `#` percent-encoded everywhere but where
/// they delimit the query and the fragment, and no `/`, `?` or `#` in its
/// authority, so the first `/` or `?` after `://` ends the host.
pub fn split_url(url: &str) -> Option<UrlParts<'_>> {
    let (scheme, rest) = url.split_once("://")?;
    let rest = rest.split_once('#').map_or(rest, |(before, _)| before);
    let after_host = rest.find(['/', '?']).map_or("", |i| &rest[i..]);
    let (path, query) = after_host.split_once('?').unwrap_or((after_host, ""));
    Some(UrlParts {
        https: scheme.eq_ignore_ascii_case("https"),
        path: if path.is_empty() { "/" } else { path },
        query,
    })
}

/// Checks the content type: the protocol's, or plain JSON.
pub fn check_content_type(value: Option<&str>) -> Result<(), ApiError> {
    let essence = value.unwrap_or_default().split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    match essence.as_str() {
        CONTENT_TYPE | "application/json" => Ok(()),
        _ => Err(ApiError::new(ErrorKind::UnknownOperation, "Content-Type must be application/x-amz-json-1.1.")),
    }
}

/// Reads an operation's input. Malformed JSON (bytes that are not UTF-8
/// included), a non-object body or a member of the wrong type is a
/// `SerializationException` whose message echoes nothing from the body (it
/// may hold tokens). Read as text: every JSON the Worker reads goes through
/// `serde_json::from_str`, one copy of the parser and of each type's reader.
pub fn parse_input<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let body = if body.iter().all(u8::is_ascii_whitespace) { b"{}".as_slice() } else { body };
    // One typed pass (a second, generic pass per input type would double the
    // Worker's deserialisation code); on failure, find out why.
    let text = std::str::from_utf8(body).map_err(|_| why_not_parsed(body))?;
    serde_json::from_str(text).map_err(|_| why_not_parsed(body))
}

/// Why a body failed `parse_input`'s typed pass. Not inlined: one copy for
/// every input type rather than one in each of `parse_input`'s.
#[cold]
#[inline(never)]
fn why_not_parsed(body: &[u8]) -> ApiError {
    let text = std::str::from_utf8(body).unwrap_or_default();
    let message = match serde_json::from_str::<serde::de::IgnoredAny>(text) {
        Err(_) => "The request body is not valid JSON.",
        Ok(_) if body.trim_ascii_start().first() != Some(&b'{') => "The request body must be a JSON object.",
        Ok(_) => "A member of the request has the wrong type.",
    };
    ApiError::new(ErrorKind::Serialization, message)
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_request_never_prints_a_signature_a_token_or_a_body() {
        let request = HttpRequest {
            method: "POST".into(),
            path: "/s3/b/k".into(),
            query: "X-Amz-Signature=abcdef0123456789&X-Amz-Security-Token=SESSIONTOKEN".into(),
            headers: vec![
                ("authorization".into(), "AWS4-HMAC-SHA256 Credential=ASIAX/..., Signature=feedbeef".into()),
                ("x-amz-security-token".into(), "SESSIONTOKEN".into()),
            ],
            body: br#"{"Logins":{"accounts.google.com":"eyJhbGciOi.payload.sig"}}"#.to_vec(),
        };
        for shown in [format!("{request:?}"), format!("{request:#?}")] {
            for secret in ["abcdef0123456789", "SESSIONTOKEN", "feedbeef", "eyJhbGciOi", "ASIAX"] {
                assert!(!shown.contains(secret), "{shown} shows {secret}");
            }
            assert!(shown.contains("X-Amz-Signature") && shown.contains("authorization") && shown.contains("bytes"));
        }
    }
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn urls_split_as_the_url_crate_reads_them() {
        // (URL, https, path, query): the values `url::Url` gives for
        // `scheme() == "https"`, `path()` and `query().unwrap_or_default()`.
        let table = [
            ("https://example.com/", true, "/", ""),
            ("https://example.com", true, "/", ""),
            ("http://example.com/a/b", false, "/a/b", ""),
            ("https://example.com/a%20b/c?x=1&y=%2F", true, "/a%20b/c", "x=1&y=%2F"),
            ("https://example.com?x=1", true, "/", "x=1"),
            ("https://example.com/p?", true, "/p", ""),
            ("https://example.com/p?q#frag", true, "/p", "q"),
            ("https://example.com/p#frag?not-query", true, "/p", ""),
            ("https://user:pw@[::1]:8443/bucket/key?uploads", true, "/bucket/key", "uploads"),
            ("https://h/a?b?c=/d", true, "/a", "b?c=/d"),
        ];
        for (url, https, path, query) in table {
            assert_eq!(split_url(url), Some(UrlParts { https, path, query }), "{url}");
        }
        for bad in ["", "/relative?x", "example.com/p"] {
            assert_eq!(split_url(bad), None, "{bad}");
        }
    }

    #[test]
    fn targets_in_both_forms() {
        assert_eq!(Operation::from_target(Some("AWSCognitoIdentityService.GetId")), Ok(Operation::GetId));
        assert_eq!(
            Operation::from_target(Some("com.amazonaws.cognito.identity.model.AWSCognitoIdentityService.GetId")),
            Ok(Operation::GetId)
        );
        for bad in [None, Some(""), Some("AWSCognitoIdentityService.Nope"), Some("GetId"), Some("Other.GetId")] {
            assert_eq!(Operation::from_target(bad).unwrap_err().kind, ErrorKind::UnknownOperation, "{bad:?}");
        }
        for (op, name) in OPERATIONS {
            assert_eq!(op.name(), name);
        }
    }

    #[test]
    fn errors_carry_type_and_headers() {
        let r = HttpResponse::error(&ApiError::pool_not_found("us-east-1:x")).finish("rid", 1_440_938_160);
        assert_eq!(r.status, 400);
        let body: Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(
            body,
            json!({"__type": "ResourceNotFoundException", "message": "IdentityPool 'us-east-1:x' not found."})
        );
        assert_eq!(r.header("x-amzn-ErrorType"), Some("ResourceNotFoundException"));
        assert_eq!(r.header("x-amzn-RequestId"), Some("rid"));
        assert_eq!(r.header("Date"), Some("Sun, 30 Aug 2015 12:36:00 GMT"));
        assert_eq!(r.header("access-control-allow-origin"), Some("*"));
        assert!(r.header("access-control-allow-credentials").is_none());
        assert_eq!(HttpResponse::error(&ApiError::internal("boom")).status, 500);
    }

    #[test]
    fn preflight_allows_what_the_sdk_sends() {
        let r = HttpResponse::preflight();
        let allowed = r.header("access-control-allow-headers").unwrap();
        for h in ["x-amz-target", "x-amz-security-token", "amz-sdk-invocation-id", "authorization"] {
            assert!(allowed.contains(h), "{h}");
        }
    }

    #[test]
    fn gateway_preflights_allow_any_method_and_the_asked_headers() {
        let r = HttpResponse::gateway_preflight(Some("authorization, x-amz-date, content-type, x-app"));
        assert_eq!(r.status, 204);
        assert!(r.header("access-control-allow-methods").unwrap().contains("DELETE"));
        assert_eq!(r.header("access-control-allow-headers"), Some("authorization, x-amz-date, content-type, x-app"));
        let odd = HttpResponse::gateway_preflight(Some("x-a\r\nset-cookie: a"));
        assert_eq!(odd.header("access-control-allow-headers"), Some(ALLOW_HEADERS), "not echoed");
    }

    #[test]
    fn bodies_that_are_not_the_input() {
        #[derive(serde::Deserialize, Debug)]
        #[serde(rename_all = "PascalCase")]
        struct In {
            #[allow(dead_code)]
            logins: Option<BTreeMap<String, String>>,
        }
        assert!(parse_input::<In>(b"").is_ok());
        assert!(parse_input::<In>(b"{\"Unknown\": 1}").is_ok());
        for (body, kind) in [
            (&b"{"[..], ErrorKind::Serialization),
            (b"[]", ErrorKind::Serialization),
            (b"\"x\"", ErrorKind::Serialization),
            (b"{\"Logins\": \"eyJsecret-token\"}", ErrorKind::Serialization),
        ] {
            let err = parse_input::<In>(body).unwrap_err();
            assert_eq!(err.kind, kind);
            assert!(!err.message.contains("secret"));
        }
    }

    #[test]
    fn content_types() {
        assert!(check_content_type(Some("application/x-amz-json-1.1")).is_ok());
        assert!(check_content_type(Some("application/x-amz-json-1.1; charset=utf-8")).is_ok());
        assert!(check_content_type(Some("application/json")).is_ok());
        assert!(check_content_type(Some("text/plain")).is_err());
        assert!(check_content_type(None).is_err());
    }

    #[test]
    fn unreadable_inputs_say_why_without_echoing_the_body() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Input {
            #[serde(rename = "IdentityId")]
            identity_id: Option<String>,
        }
        for (body, message) in [
            (&b"{\"IdentityId\": \"secret-token"[..], "The request body is not valid JSON."),
            (b"\"secret-token\"", "The request body must be a JSON object."),
            (b"{\"IdentityId\": 7}", "A member of the request has the wrong type."),
            // JSON is UTF-8 (RFC 8259 section 8.1): other bytes are refused even
            // in a member the input does not read.
            (b"{\"IdentityId\": \"\xff\"}", "The request body is not valid JSON."),
            (b"{\"Unknown\": \"\xc3\x28\"}", "The request body is not valid JSON."),
        ] {
            let e = parse_input::<Input>(body).unwrap_err();
            assert_eq!((e.kind, e.message.as_str()), (ErrorKind::Serialization, message));
        }
        assert!(parse_input::<Input>(b" ").unwrap().identity_id.is_none());
        assert_eq!(parse_input::<Input>(br#"{"IdentityId":"x"}"#).unwrap().identity_id.as_deref(), Some("x"));
    }
}
