//! The SigV4 gateway's rules, as API Gateway's IAM authorization has them:
//! `/api/<name>/<rest>` signed for service `execute-api` is the action
//! `execute-api:Invoke` on
//! `arn:aws:execute-api:<region>:<account>:<name>/$default/<METHOD>/<rest>`;
//! an allowed request goes to the route's upstream without its signature
//! and with the caller's identity in `x-cognate-*` headers (any the client
//! sent are dropped first). Errors are API Gateway's: JSON `{"message"}`
//! with `x-amzn-ErrorType`.

use std::fmt::Write as _;

use serde_json::json;

use super::access::is_authenticated;
use super::credentials::SessionClaims;
use super::protocol::HttpResponse;

/// Where the gateway's routes start.
pub(crate) const API_PREFIX: &str = "/api/";
/// The SigV4 service name requests to the gateway are signed for.
pub(crate) const SIGNING_SERVICE: &str = "execute-api";
/// The IAM action the gateway checks.
pub(crate) const INVOKE_ACTION: &str = "execute-api:Invoke";
/// Longest upstream a route may name (it rides in KV metadata).
pub(crate) const MAX_UPSTREAM_CHARS: usize = 512;
/// Largest request body the gateway takes: a body is read whole to check
/// its signature (the payload hash is part of it) before it is forwarded
/// (the Worker reads the body).
#[cfg(feature = "edge")]
pub(crate) const MAX_BODY_BYTES: usize = 10 << 20;
/// The prefix of the identity headers the gateway adds.
pub(crate) const IDENTITY_HEADER_PREFIX: &str = "x-cognate-";

/// Where a route sends its requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Upstream {
    /// A base URL, without a trailing slash.
    Url(String),
    /// A Workers service binding, by binding name.
    Service(String),
}

impl Upstream {
    /// Reads an `Upstream` member: `https://host[:port][/base]`, `http://`
    /// only for `insecure_http_hosts`, or `service:<BINDING>`; no user info,
    /// query or fragment.
    pub fn parse(text: &str, insecure_http_hosts: &[String]) -> Result<Self, String> {
        if let Some(binding) = text.strip_prefix("service:") {
            let ok = !binding.is_empty() && binding.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            return if ok {
                Ok(Self::Service(binding.to_owned()))
            } else {
                Err(format!("Upstream '{text}': a service binding name is letters, digits and '_'."))
            };
        }
        let refuse = |why: &str| Err(format!("Upstream '{text}' {why}"));
        let (scheme, rest) = match text.split_once("://") {
            Some(("https", rest)) => ("https", rest),
            Some(("http", rest)) => ("http", rest),
            _ => return refuse("must be an https:// URL or service:<BINDING>."),
        };
        if rest.contains(['?', '#', '@', '\\']) || rest.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return refuse("must not have user info, a query or a fragment.");
        }
        let authority = rest.split('/').next().unwrap_or_default();
        let host = match authority.rsplit_once(':') {
            Some((host, port)) if !host.ends_with(']') || host.starts_with('[') => {
                if port.is_empty() || !port.chars().all(|c| c.is_ascii_digit()) || port.len() > 5 {
                    return refuse("has an invalid port.");
                }
                host
            }
            _ => authority,
        };
        if host.is_empty() {
            return refuse("has no host.");
        }
        if scheme == "http" && !insecure_http_hosts.iter().any(|h| h.eq_ignore_ascii_case(host)) {
            return refuse("must use https (plain http only for hosts in INSECURE_HTTP_ISSUERS).");
        }
        Ok(Self::Url(text.trim_end_matches('/').to_owned()))
    }
}

/// A request path under the gateway: the route's name and the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RoutePath<'a> {
    /// The route's name.
    pub name: &'a str,
    /// The rest of the path as sent (percent-encoded), empty or from a `/`.
    pub rest: &'a str,
}

/// Splits `/api/<name>[/<rest>]`; `None` for other paths.
pub(crate) fn route_path(path: &str) -> Option<RoutePath<'_>> {
    let after = path.strip_prefix(API_PREFIX)?;
    let (name, rest) = match after.find('/') {
        Some(i) => after.split_at(i),
        None => (after, ""),
    };
    (!name.is_empty()).then_some(RoutePath { name, rest })
}

/// The rest of a path as the resource ARN names it: percent-decoded,
/// without the leading `/`. `None` for what a proxy could resolve
/// differently than the policy reads it: invalid UTF-8, dot segments,
/// encoded slashes or backslashes.
pub(crate) fn resource_path(rest: &str) -> Option<String> {
    let mut out = String::with_capacity(rest.len());
    for (i, segment) in rest.split('/').enumerate().skip(1) {
        let decoded = super::percent::decode(segment)?;
        if decoded == "." || decoded == ".." || decoded.contains(['/', '\\']) {
            return None;
        }
        if i > 1 {
            out.push('/');
        }
        out.push_str(&decoded);
    }
    Some(out)
}

/// The resource `execute-api:Invoke` is checked on.
pub(crate) fn invoke_arn(region: &str, account: &str, name: &str, method: &str, resource_path: &str) -> String {
    format!("arn:aws:execute-api:{region}:{account}:{name}/$default/{method}/{resource_path}")
}

/// The URL of an upstream request: the base, the rest of the path as sent,
/// the query as sent.
pub(crate) fn upstream_url(base: &str, rest: &str, query: &str) -> String {
    let mut url = format!("{base}{rest}");
    if !query.is_empty() {
        url.push('?');
        url.push_str(query);
    }
    url
}

/// Request headers that end at the gateway: the signature, the session
/// token, hop-by-hop headers, and what the platform sets itself.
const DROPPED: [&str; 14] = [
    "authorization",
    "x-amz-date",
    "x-amz-security-token",
    "x-amz-content-sha256",
    "host",
    "connection",
    "keep-alive",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "content-length",
];

/// The headers to send upstream: the client's, less the signature, the
/// session token, hop-by-hop headers and any
/// `x-cognate-*`, plus the caller's identity.
pub(crate) fn forward_headers(incoming: &[(String, String)], claims: &SessionClaims) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = incoming
        .iter()
        .filter(|(name, _)| {
            let name = name.to_ascii_lowercase();
            !DROPPED.contains(&name.as_str()) && !name.starts_with(IDENTITY_HEADER_PREFIX)
        })
        .cloned()
        .collect();
    let identity = [
        ("x-cognate-identity-id", claims.identity_id.clone()),
        ("x-cognate-identity-pool-id", claims.pool_id.clone()),
        ("x-cognate-authenticated", is_authenticated(claims).to_string()),
        ("x-cognate-role-arn", claims.role_arn.clone()),
    ];
    out.extend(identity.into_iter().map(|(k, v)| (k.to_owned(), v)));
    for (key, value) in &claims.tags {
        out.push((format!("x-cognate-principal-tag-{}", header_token(key)), header_value(value)));
    }
    out
}

/// A tag key as a header-name token: lowercase; bytes outside RFC 9110's
/// `tchar` (and `%`) as `%XX`.
fn header_token(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    for b in key.to_ascii_lowercase().bytes() {
        let tchar = b.is_ascii_alphanumeric() || b"!#$&'*+-.^_`|~".contains(&b);
        if tchar {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// A tag value as a header value: visible ASCII and spaces kept, other
/// bytes (and `%`) as `%XX`.
fn header_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if (b == b' ' || b.is_ascii_graphic()) && b != b'%' {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// An answer of the gateway itself, in API Gateway's form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GatewayError {
    /// The HTTP status.
    pub status: u16,
    /// `x-amzn-ErrorType`.
    pub error_type: &'static str,
    /// The message.
    pub message: String,
    /// Why, for the log only (never sent; never a token or secret).
    pub detail: Option<String>,
}

impl GatewayError {
    /// 403 `AccessDeniedException`: the policies do not allow it.
    pub fn denied(principal: &str, resource: &str) -> Self {
        Self {
            status: 403,
            error_type: "AccessDeniedException",
            message: format!("User: {principal} is not authorized to perform: {INVOKE_ACTION} on resource: {resource}"),
            detail: None,
        }
    }

    /// 403 `MissingAuthenticationTokenException`, also API Gateway's answer
    /// for a route that does not exist.
    pub fn missing_token() -> Self {
        Self::new(403, "MissingAuthenticationTokenException", "Missing Authentication Token")
    }

    /// A status and type with a message.
    pub fn new(status: u16, error_type: &'static str, message: impl Into<String>) -> Self {
        Self { status, error_type, message: message.into(), detail: None }
    }

    /// The same answer with `detail` for the log.
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// The response.
    pub fn response(&self) -> HttpResponse {
        let mut response = HttpResponse::private(&json!({ "message": self.message }));
        response.status = self.status;
        response.headers.push(("x-amzn-errortype".into(), self.error_type.into()));
        response
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn upstreams_are_https_urls_service_bindings_or_http_for_named_hosts() {
        let none: &[String] = &[];
        assert_eq!(
            Upstream::parse("https://api.example.com/v1/", none),
            Ok(Upstream::Url("https://api.example.com/v1".into()))
        );
        assert_eq!(Upstream::parse("service:BACKEND", none), Ok(Upstream::Service("BACKEND".into())));
        assert!(Upstream::parse("http://api.example.com", none).is_err());
        assert!(Upstream::parse("http://127.0.0.1:9000", &["127.0.0.1".to_owned()]).is_ok());
    }

    #[test]
    fn the_invoke_arn_names_region_account_route_method_and_path() {
        assert_eq!(
            invoke_arn("us-east-1", "000000000000", "demo", "GET", "users/me"),
            "arn:aws:execute-api:us-east-1:000000000000:demo/$default/GET/users/me"
        );
    }

    #[test]
    fn upstreams_are_https_bindings_or_allowed_http() {
        let local = ["127.0.0.1".to_owned()];
        let cases = [
            ("https://api.example.com", true),
            ("https://api.example.com:8443/base", true),
            ("http://127.0.0.1:8789", true),
            ("http://localhost:8789", false),
            ("https://user@api.example.com", false),
            ("https://api.example.com/?q=1", false),
            ("https://api.example.com/#f", false),
            ("https://:443", false),
            ("https://api.example.com:x", false),
            ("ftp://api.example.com", false),
            ("service:", false),
            ("service:MY-BINDING", false),
            ("service:BACKEND_2", true),
        ];
        for (text, ok) in cases {
            assert_eq!(Upstream::parse(text, &local).is_ok(), ok, "{text}");
        }
    }

    #[test]
    fn paths_split_into_route_and_rest() {
        assert_eq!(route_path("/api/demo/a/b"), Some(RoutePath { name: "demo", rest: "/a/b" }));
        assert_eq!(route_path("/api/demo"), Some(RoutePath { name: "demo", rest: "" }));
        assert_eq!(route_path("/api/"), None);
        assert_eq!(route_path("/s3/x"), None);
        assert_eq!(resource_path("/users/caf%C3%A9/x"), Some("users/café/x".into()));
        assert_eq!(resource_path(""), Some(String::new()));
        for bad in ["/a/../b", "/a/%2e%2e/b", "/a/./b", "/a%2Fb", "/a%5cb", "/%ff", "/%zz", "/%4"] {
            assert_eq!(resource_path(bad), None, "{bad}");
        }
        assert_eq!(upstream_url("https://u.example", "/a%20b", "x=1"), "https://u.example/a%20b?x=1");
    }

    #[test]
    fn forwarded_headers_drop_the_signature_and_spoofed_identity() {
        let claims = SessionClaims {
            access_key_id: "ASIAX".into(),
            pool_id: "us-east-1:p".into(),
            identity_id: "us-east-1:i".into(),
            role_arn: "arn:aws:iam::000000000000:role/user".into(),
            amr: vec!["authenticated".into()],
            tags: BTreeMap::from([("Team Name".to_owned(), "blue é".to_owned())]),
            expiration: 1,
        };
        let incoming: Vec<(String, String)> = [
            ("Authorization", "AWS4-HMAC-SHA256 ..."),
            ("X-Amz-Security-Token", "secret"),
            ("x-amz-date", "20150830T123600Z"),
            ("X-Cognate-Identity-Id", "us-east-1:someone-else"),
            ("content-type", "application/json"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        let out = forward_headers(&incoming, &claims);
        let get = |name: &str| {
            out.iter().filter(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str()).collect::<Vec<_>>()
        };
        assert_eq!(get("x-cognate-identity-id"), ["us-east-1:i"]);
        assert_eq!(get("x-cognate-authenticated"), ["true"]);
        assert_eq!(get("x-cognate-principal-tag-team%20name"), ["blue %C3%A9"]);
        assert_eq!(get("content-type"), ["application/json"]);
        for gone in ["authorization", "x-amz-security-token", "x-amz-date"] {
            assert!(get(gone).is_empty(), "{gone}");
        }
    }

    #[test]
    fn errors_are_api_gateways() {
        let r = GatewayError::denied("arn:x", "arn:y").response();
        assert_eq!(r.status, 403);
        assert_eq!(r.header("x-amzn-errortype"), Some("AccessDeniedException"));
        let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(body["message"], "User: arn:x is not authorized to perform: execute-api:Invoke on resource: arn:y");
    }
}
