//! IAM policy documents, evaluated by cognate: parsing (with IAM's
//! `MalformedPolicyDocument` refusals), wildcards, policy variables and
//! condition operators, and the decision (explicit Deny, then Allow, else
//! an implicit deny). Every door that checks vended credentials asks here.
//!
//! A document is parsed once ([`PolicyDocument::parse`]): actions are
//! lowercased, patterns split into literal runs and wildcards, numbers,
//! dates and CIDRs read. Evaluating a request ([`evaluate`]) then
//! allocates nothing.
//!
//! ```
//! use cognate::core::policy::{evaluate, Decision, PolicyDocument, RequestContext};
//!
//! let policy = PolicyDocument::parse(r#"{
//!   "Version": "2012-10-17",
//!   "Statement": {"Effect": "Allow", "Action": "s3:GetObject",
//!     "Resource": "arn:aws:s3:::user-data/${cognito-identity.amazonaws.com:sub}/*"}
//! }"#).unwrap();
//! let mut request = RequestContext::new("s3:GetObject", "arn:aws:s3:::user-data/us-east-1:abc/photo.jpg");
//! request.set("cognito-identity.amazonaws.com:sub", vec!["us-east-1:abc".into()]);
//! assert_eq!(evaluate([&policy], &request), Decision::Allow);
//! ```

mod condition;
mod context;
mod document;
mod evaluate;
mod matching;

#[cfg(test)]
mod tests;

pub use context::RequestContext;
pub use document::{MalformedPolicy, PolicyDocument, MAX_INLINE_POLICY_CHARS};
pub use evaluate::{evaluate, Decision};
