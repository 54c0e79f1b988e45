//! The errors a client sees on the wire, named and worded as Cognito names and
//! words them. Every internal error maps to one of these exactly once.

use std::fmt;

/// The `__type` of an error response: a modelled Cognito error or one of the
/// AWS JSON protocol's own errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The caller may not do this (bad login, disabled identity, ...).
    NotAuthorized,
    /// The pool or identity does not exist.
    ResourceNotFound,
    /// A parameter is well-formed but not acceptable.
    InvalidParameter,
    /// The change conflicts with the current state.
    ResourceConflict,
    /// The developer user already belongs to another identity.
    DeveloperUserAlreadyRegistered,
    /// The pool lacks what the call needs (usually roles).
    InvalidIdentityPoolConfiguration,
    /// A limit of the service was reached.
    LimitExceeded,
    /// Too many requests.
    TooManyRequests,
    /// An identity provider could not be reached or answered badly.
    ExternalService,
    /// The service failed; the only error sent with status 500.
    InternalError,
    /// A constraint of the API model was violated.
    Validation,
    /// The body is not the JSON the operation expects.
    Serialization,
    /// The target names no operation of this service.
    UnknownOperation,
    /// A signed operation came without a signature.
    MissingAuthenticationToken,
    /// The SigV4 `Authorization` header is malformed or incomplete.
    IncompleteSignature,
    /// The SigV4 signature is wrong, expired or badly scoped.
    InvalidSignature,
    /// The access key id or security token is not known.
    UnrecognizedClient,
    /// The security token has expired.
    ExpiredToken,
    /// A principal is known but may not call this operation.
    AccessDenied,
    /// A role policy document is not valid IAM policy language (IAM's error).
    MalformedPolicyDocument,
    /// A role policy or API route does not exist (IAM's error).
    NoSuchEntity,
}

impl ErrorKind {
    /// The name sent as `__type` and `x-amzn-ErrorType`.
    pub fn wire_name(self) -> &'static str {
        match self {
            Self::NotAuthorized => "NotAuthorizedException",
            Self::ResourceNotFound => "ResourceNotFoundException",
            Self::InvalidParameter => "InvalidParameterException",
            Self::ResourceConflict => "ResourceConflictException",
            Self::DeveloperUserAlreadyRegistered => "DeveloperUserAlreadyRegisteredException",
            Self::InvalidIdentityPoolConfiguration => "InvalidIdentityPoolConfigurationException",
            Self::LimitExceeded => "LimitExceededException",
            Self::TooManyRequests => "TooManyRequestsException",
            Self::ExternalService => "ExternalServiceException",
            Self::InternalError => "InternalErrorException",
            Self::Validation => "ValidationException",
            Self::Serialization => "SerializationException",
            Self::UnknownOperation => "UnknownOperationException",
            Self::MissingAuthenticationToken => "MissingAuthenticationTokenException",
            Self::IncompleteSignature => "IncompleteSignatureException",
            Self::InvalidSignature => "InvalidSignatureException",
            Self::UnrecognizedClient => "UnrecognizedClientException",
            Self::ExpiredToken => "ExpiredTokenException",
            Self::AccessDenied => "AccessDeniedException",
            Self::MalformedPolicyDocument => "MalformedPolicyDocumentException",
            Self::NoSuchEntity => "NoSuchEntityException",
        }
    }

    /// Parses a wire name back (for errors relayed by the pool authority).
    pub fn from_wire_name(name: &str) -> Option<Self> {
        ALL.iter().copied().find(|k| k.wire_name() == name)
    }

    /// The HTTP status: 500 for an internal error, 400 for everything else.
    pub fn status(self) -> u16 {
        match self {
            Self::InternalError => 500,
            _ => 400,
        }
    }
}

const ALL: [ErrorKind; 21] = [
    ErrorKind::NotAuthorized,
    ErrorKind::ResourceNotFound,
    ErrorKind::InvalidParameter,
    ErrorKind::ResourceConflict,
    ErrorKind::DeveloperUserAlreadyRegistered,
    ErrorKind::InvalidIdentityPoolConfiguration,
    ErrorKind::LimitExceeded,
    ErrorKind::TooManyRequests,
    ErrorKind::ExternalService,
    ErrorKind::InternalError,
    ErrorKind::Validation,
    ErrorKind::Serialization,
    ErrorKind::UnknownOperation,
    ErrorKind::MissingAuthenticationToken,
    ErrorKind::IncompleteSignature,
    ErrorKind::InvalidSignature,
    ErrorKind::UnrecognizedClient,
    ErrorKind::ExpiredToken,
    ErrorKind::AccessDenied,
    ErrorKind::MalformedPolicyDocument,
    ErrorKind::NoSuchEntity,
];

/// An error as the client will see it: a kind and Cognito's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// What kind of error this is.
    pub kind: ErrorKind,
    /// The message for the client; never holds a token, subject or secret.
    pub message: String,
    /// Why, for the log only (never sent; never a token, subject or secret).
    pub detail: Option<String>,
}

impl ApiError {
    /// An error of `kind` with `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self { kind, message: message.into(), detail: None }
    }

    /// The same error with `detail` for the log.
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// `NotAuthorizedException` with `message`.
    pub fn not_authorized(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotAuthorized, message)
    }

    /// `InvalidParameterException` with `message`.
    pub fn invalid_parameter(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidParameter, message)
    }

    /// Cognito's "IdentityPool '\<id>' not found."
    pub fn pool_not_found(pool_id: &str) -> Self {
        Self::new(ErrorKind::ResourceNotFound, format!("IdentityPool '{pool_id}' not found."))
    }

    /// Cognito's "Identity '\<id>' not found."
    pub fn identity_not_found(identity_id: &str) -> Self {
        Self::new(ErrorKind::ResourceNotFound, format!("Identity '{identity_id}' not found."))
    }

    /// Cognito's answer for an identity with logins called without a matching one.
    pub fn logins_dont_match() -> Self {
        Self::not_authorized(
            "Logins don't match. Please include at least one valid login for this identity or identity pool.",
        )
    }

    /// Cognito's answer for a guest call to a pool that allows no guests.
    pub fn no_guests() -> Self {
        Self::not_authorized("Unauthenticated access is not supported for this identity pool.")
    }

    /// A call for a disabled (merged or unlinked) identity.
    pub fn identity_disabled(identity_id: &str) -> Self {
        Self::not_authorized(format!("Identity '{identity_id}' is disabled."))
    }

    /// The pool has no role of `kind` (`authenticated`, `unauthenticated`).
    pub fn missing_role(kind: &str, pool_id: &str) -> Self {
        Self::new(
            ErrorKind::InvalidIdentityPoolConfiguration,
            format!(
                "Invalid identity pool configuration. Check assigned IAM roles for this pool. \
                 No {kind} role is set for identity pool '{pool_id}'."
            ),
        )
    }

    /// IAM's answer for a role policy that does not exist.
    pub fn no_such_role_policy(name: &str) -> Self {
        Self::new(ErrorKind::NoSuchEntity, format!("The role policy with name {name} cannot be found."))
    }

    /// The answer for a gateway route that does not exist (worded as IAM's).
    pub fn no_such_api_route(name: &str) -> Self {
        Self::new(ErrorKind::NoSuchEntity, format!("The API route with name {name} cannot be found."))
    }

    /// An internal failure; `message` must hold nothing secret.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InternalError, message)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.wire_name(), self.message)
    }
}

impl std::error::Error for ApiError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips_its_wire_name() {
        for kind in ALL {
            assert_eq!(ErrorKind::from_wire_name(kind.wire_name()), Some(kind));
        }
        assert_eq!(ErrorKind::from_wire_name("Nope"), None);
    }

    #[test]
    fn only_internal_errors_are_500() {
        for kind in ALL {
            let expected = if kind == ErrorKind::InternalError { 500 } else { 400 };
            assert_eq!(kind.status(), expected, "{kind:?}");
        }
    }
}
