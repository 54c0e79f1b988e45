//! `Range: bytes=…` (RFC 9110 §14.1.2) and its resolution against an
//! object's size, and the `Content-Range` of 206 and 416 responses.

use std::fmt;

use crate::core::s3::error::S3Error;

/// One byte range of a `Range: bytes=…` header (RFC 9110 §14.1.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteRange {
    /// `bytes=first-last`, both inclusive.
    FromTo(u64, u64),
    /// `bytes=first-`: from `first` to the end.
    From(u64),
    /// `bytes=-n`: the last `n` bytes.
    Suffix(u64),
}

impl ByteRange {
    /// Parses a `Range` header value. `None` means "serve the whole
    /// object", as S3 does for a header it does not understand: another
    /// unit, bad syntax, `first > last`, or more than one range.
    pub fn parse(value: &str) -> Option<ByteRange> {
        let spec = value.trim().strip_prefix("bytes=")?;
        if spec.contains(',') {
            return None;
        }
        let (first, last) = spec.trim().split_once('-')?;
        let number = |s: &str| -> Option<u64> {
            let s = s.trim();
            (!s.is_empty() && s.len() <= 20 && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok()).flatten()
        };
        match (first.trim().is_empty(), last.trim().is_empty()) {
            (true, true) => None,
            (true, false) => Some(ByteRange::Suffix(number(last)?)),
            (false, true) => Some(ByteRange::From(number(first)?)),
            (false, false) => {
                let (a, b) = (number(first)?, number(last)?);
                (a <= b).then_some(ByteRange::FromTo(a, b))
            }
        }
    }

    /// The `(offset, length)` to read from an object of `size` bytes, the
    /// last position clamped to the end; `InvalidRange` (416) when nothing
    /// of the object is in the range (a first position at or past the end,
    /// a zero-length suffix, any range of an empty object).
    pub fn resolve(&self, size: u64) -> Result<(u64, u64), S3Error> {
        let unsatisfiable = || S3Error::invalid_range(&self.to_string(), size);
        match *self {
            ByteRange::FromTo(first, last) if first < size => Ok((first, last.min(size - 1) - first + 1)),
            ByteRange::From(first) if first < size => Ok((first, size - first)),
            ByteRange::Suffix(n) if n > 0 && size > 0 => {
                let length = n.min(size);
                Ok((size - length, length))
            }
            _ => Err(unsatisfiable()),
        }
    }
}

impl fmt::Display for ByteRange {
    /// The header value, `bytes=…`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ByteRange::FromTo(a, b) => write!(f, "bytes={a}-{b}"),
            ByteRange::From(a) => write!(f, "bytes={a}-"),
            ByteRange::Suffix(n) => write!(f, "bytes=-{n}"),
        }
    }
}

/// The `Content-Range` of a 206 response: `bytes first-last/size`.
pub fn content_range(offset: u64, length: u64, size: u64) -> String {
    let last = (offset + length).saturating_sub(1);
    format!("bytes {offset}-{last}/{size}")
}

/// The `Content-Range` of a 416 response: `bytes */size`.
pub fn unsatisfied_content_range(size: u64) -> String {
    format!("bytes */{size}")
}
