//! cognate: an identity-pool service that speaks the Amazon Cognito Identity API.
//!
//! One crate, three doors:
//!
//! - [`core`] decides everything and does no I/O. It takes a parsed HTTP
//!   request and an environment of capabilities (a [`core::store::Store`] for
//!   reads, an [`core::capabilities::Authority`] that orders every change of a
//!   pool, a clock, randomness and a token [`core::capabilities::Signer`]) and
//!   returns the HTTP response. It compiles and is tested natively.
//! - `edge` (feature `edge`) is the Cloudflare Worker: it translates
//!   `worker::Request` into the core's request, backs the store with Workers
//!   KV, the authority with one Durable Object per pool, and signing with
//!   WebCrypto.
//! - `browser` (feature `browser`) is the npm package for web apps.
//!
//! # Security model
//!
//! Identity providers' subjects, tokens and claims are never stored or logged:
//! a login is known only by a keyed hash per pool. Credentials are stateless:
//! the session token is sealed with an AEAD under a key derived per pool, and
//! the secret key is a MAC of the access key id, so a verifier needs no
//! storage and an observer of a signed request (who sees the access key id and
//! the session token) cannot sign as its owner. Admin operations need a SigV4
//! signature by the configured admin key pair; vended credentials never pass
//! as admin. Every error a client sees is the one Cognito would send; the
//! detail, without secrets, goes to the log.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![warn(unreachable_pub)]

pub mod core;

#[cfg(feature = "edge")]
mod edge;

#[cfg(feature = "browser")]
pub mod browser;
