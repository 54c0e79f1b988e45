//! The sans-IO core: protocol, validation, identities, credentials, tokens,
//! SigV4 and the pool authority's rules. No platform types and no I/O here:
//! storage, time, randomness and signing arrive as capabilities.

#[cfg(feature = "server")]
pub mod access;
pub mod authority;
pub mod capabilities;
pub mod client;
pub mod config;
pub mod credentials;
#[cfg(feature = "server")]
pub mod developer;
pub mod error;
#[cfg(feature = "server")]
pub mod gateway;
pub mod ids;
#[cfg(feature = "server")]
pub mod isolate_cache;
pub mod keys;
pub mod ledger;
#[cfg(feature = "server")]
pub mod login;
#[cfg(any(test, feature = "testing"))]
pub mod memory;
pub mod model;
pub mod percent;
#[cfg(feature = "server")]
pub mod policy;
pub mod principal;
pub mod protocol;
pub mod records;
#[cfg(feature = "server")]
pub mod roles;
#[cfg(feature = "server")]
pub mod s3;
#[cfg(feature = "server")]
pub mod service;
pub mod sigv4;
pub mod store;
#[cfg(feature = "server")]
pub mod sts;
pub mod time;
pub mod token;
pub mod validate;
#[cfg(feature = "server")]
pub mod xml_tree;

#[cfg(test)]
pub(crate) mod testing;
