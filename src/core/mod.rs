//! The sans-IO core: protocol, validation, identities, credentials, tokens,
//! SigV4 and the pool authority's rules. No platform types and no I/O here:
//! storage, time, randomness and signing arrive as capabilities.

#[cfg(feature = "server")]
pub(crate) mod access;
pub mod authority;
pub mod background;
pub mod capabilities;
#[cfg(any(test, feature = "browser"))]
pub(crate) mod client;
pub mod config;
pub mod credentials;
#[cfg(feature = "server")]
pub(crate) mod developer;
pub mod error;
#[cfg(feature = "server")]
pub(crate) mod gateway;
pub mod ids;
#[cfg(feature = "server")]
pub mod isolate_cache;
pub mod key_slots;
pub mod keys;
pub mod ledger;
#[cfg(feature = "server")]
pub mod limits;
#[cfg(feature = "server")]
pub mod login;
#[cfg(any(test, feature = "testing"))]
pub mod memory;
pub mod model;
pub(crate) mod percent;
#[cfg(feature = "server")]
pub mod policy;
pub mod principal;
pub mod protocol;
pub(crate) mod records;
#[cfg(feature = "server")]
pub(crate) mod roles;
#[cfg(feature = "server")]
pub mod s3;
#[cfg(feature = "server")]
pub mod saml;
#[cfg(feature = "server")]
pub mod service;
pub mod sigv4;
pub mod store;
#[cfg(feature = "server")]
pub mod sts;
pub mod time;
pub(crate) mod token;
pub mod validate;
#[cfg(feature = "server")]
pub(crate) mod xml_tree;

#[cfg(test)]
pub(crate) mod testing;
