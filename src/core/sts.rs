//! AWS roles through AWS STS (Cognito's enhanced flow for a role in another
//! account): the `AssumeRoleWithWebIdentity` request (Query API, a form
//! body) and its XML answer, read strictly, with STS's errors turned into
//! the answers Cognito gives. No I/O here; the Worker posts the form.

use super::error::{ApiError, ErrorKind};
use super::percent::encode;
use super::xml_tree::{self, Element};

/// How long the credentials STS hands out live (seconds), as Cognito asks.
pub const DURATION_SECONDS: u64 = 3600;
/// How long the token STS gets lives (seconds): minted for one call.
pub const TOKEN_LIFETIME: u64 = 300;
/// Largest answer read from STS; a bigger one is refused unread.
pub const MAX_ANSWER_BYTES: usize = 64 * 1024;
/// Cognito's words for a role STS refuses to let the pool assume.
pub const REFUSED_MESSAGE: &str = "Invalid identity pool configuration. Check assigned IAM roles for this pool.";

/// The form body of `AssumeRoleWithWebIdentity` for `role_arn`, with the
/// session named `session_name` and `token` as the web identity.
pub fn request_body(role_arn: &str, session_name: &str, token: &str) -> String {
    [
        ("Action", "AssumeRoleWithWebIdentity"),
        ("Version", "2011-06-15"),
        ("RoleArn", role_arn),
        ("RoleSessionName", session_name),
        ("WebIdentityToken", token),
        ("DurationSeconds", "3600"),
    ]
    .iter()
    .map(|(k, v)| format!("{k}={}", encode(v)))
    .collect::<Vec<_>>()
    .join("&")
}

/// A `RoleSessionName` STS takes (`[\w+=,.@-]{2,64}`) for an identity: the
/// uuid part of its id.
pub fn session_name(identity_id: &str) -> String {
    let uuid = identity_id.split_once(':').map_or(identity_id, |(_, u)| u);
    let name: String = uuid.chars().filter(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(*c)).take(64).collect();
    if name.len() >= 2 {
        name
    } else {
        "cognate".to_owned()
    }
}

/// The credentials STS gave.
#[derive(Clone, PartialEq, Eq)]
pub struct StsCredentials {
    /// The access key id.
    pub access_key_id: String,
    /// The secret access key.
    pub secret_access_key: String,
    /// The session token.
    pub session_token: String,
    /// When they expire (epoch seconds).
    pub expiration: u64,
}

impl std::fmt::Debug for StsCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StsCredentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"[redacted]")
            .field("session_token", &"[redacted]")
            .field("expiration", &self.expiration)
            .finish()
    }
}

fn refused(code: &str) -> ApiError {
    ApiError::new(ErrorKind::InvalidIdentityPoolConfiguration, REFUSED_MESSAGE)
        .with_detail(format!("STS refused the role: {code}"))
}

fn unavailable(detail: String) -> ApiError {
    ApiError::new(ErrorKind::ExternalService, "AWS STS is not available. Try again later.").with_detail(detail)
}

fn throttled(code: &str) -> ApiError {
    ApiError::new(ErrorKind::TooManyRequests, "AWS STS is throttling requests. Try again later.")
        .with_detail(format!("STS answered {code}"))
}

/// Reads STS's answer (`status`, `body`) into credentials or Cognito's error:
/// a refused trust is `InvalidIdentityPoolConfigurationException`; throttling
/// `TooManyRequestsException`; an answer cognate cannot read or a failing
/// STS `ExternalServiceException` (both worth a retry).
pub fn read_answer(status: u16, body: &[u8]) -> Result<StsCredentials, ApiError> {
    if body.len() > MAX_ANSWER_BYTES {
        return Err(unavailable(format!("STS answered {status} with more than {MAX_ANSWER_BYTES} bytes")));
    }
    let root =
        xml_tree::parse(body, 6).map_err(|_| unavailable(format!("STS answered {status} with no readable XML")))?;
    if status != 200 || root.name == "ErrorResponse" {
        let code = root
            .child("Error")
            .and_then(|e| e.child("Code"))
            .and_then(Element::leaf_text)
            .unwrap_or_default()
            .trim()
            .to_owned();
        return Err(match code.as_str() {
            "AccessDenied"
            | "InvalidIdentityToken"
            | "IDPRejectedClaim"
            | "ExpiredToken"
            | "MalformedPolicyDocument"
            | "PackedPolicyTooLarge"
            | "RegionDisabledException"
            | "ValidationError"
            | "InvalidParameterValue" => refused(&code),
            "Throttling" | "ThrottlingException" | "RequestLimitExceeded" => throttled(&code),
            _ => unavailable(format!("STS answered {status} {code}")),
        });
    }
    let credentials = (root.name == "AssumeRoleWithWebIdentityResponse")
        .then(|| root.child("AssumeRoleWithWebIdentityResult"))
        .flatten()
        .and_then(|r| r.child("Credentials"))
        .ok_or_else(|| unavailable("STS's answer has no credentials".into()))?;
    let field = |name: &str| {
        credentials
            .child(name)
            .and_then(Element::leaf_text)
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
            .ok_or_else(|| unavailable(format!("STS's credentials lack {name}")))
    };
    let expiration = field("Expiration")?;
    let expiration = super::time::parse_iso8601(&expiration)
        .ok_or_else(|| unavailable("STS's Expiration is not an ISO 8601 time".into()))?;
    Ok(StsCredentials {
        access_key_id: field("AccessKeyId")?,
        secret_access_key: field("SecretAccessKey")?,
        session_token: field("SessionToken")?,
        expiration,
    })
}

#[cfg(test)]
mod tests;
