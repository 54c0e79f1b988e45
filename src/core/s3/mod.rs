//! The S3 API, path-style, as cognate serves it on R2: which operation a
//! request is and what it needs (action, resource, condition keys), S3's
//! XML bodies and errors, the checked request body (aws-chunked framing,
//! checksums). Sans-IO: the Worker moves the bytes.

pub mod error;
pub mod headers;
pub mod request;
pub mod xml;
