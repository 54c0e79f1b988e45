//! The incremental checker of one upload body: aws-chunked framing removed,
//! chunk and trailer signatures checked along the chain, MD5, the declared
//! checksum and (for a hashed payload) SHA-256 computed as the bytes pass.

use std::fmt;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use md5::Md5;
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq;

use super::{
    BodyDigests, BodyError, BodyHead, ChunkSigning, CHUNK_ALGORITHM, EMPTY_SHA256, MAX_LINE, TRAILER_SIGNATURE,
};
use crate::core::s3::checksum::{ChecksumAlgorithm, ChecksumValue, Hasher};
use crate::core::sigv4::PayloadMode;

/// Where the checker is in the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Not aws-chunked: every byte is the object's.
    Raw,
    /// Reading a chunk header line.
    ChunkHeader,
    /// Passing on the rest of a chunk's data.
    Data(u64),
    /// Expecting the CR, then the LF, after a chunk's data.
    DataCr,
    DataLf,
    /// Reading trailer lines, up to the empty line.
    Trailer,
    /// The body is over: no byte may follow.
    Done,
}

/// Where the declared checksum comes from.
#[derive(Debug)]
enum Claimed {
    Header(ChecksumValue),
    /// Declared by `x-amz-trailer`; the value once read (as sent).
    Trailer(Option<String>),
}

/// The signature chain of signed chunks.
struct Chain {
    signing: ChunkSigning,
    previous: [u8; 32],
    /// The current chunk's claimed signature and data hash so far.
    claimed: [u8; 32],
    chunk: Sha256,
    /// Whether the trailer signature has been checked.
    trailer_signed: bool,
}

/// The incremental checker of one upload body (see the module docs).
pub struct BodyChecker {
    mode: PayloadMode,
    state: State,
    line: Vec<u8>,
    decoded_length: Option<u64>,
    decoded: u64,
    md5: Md5,
    content_md5: Option<[u8; 16]>,
    sha256: Option<(Sha256, [u8; 32])>,
    checksum: Option<(Hasher, Claimed)>,
    chain: Option<Chain>,
    failed: Option<BodyError>,
}

impl fmt::Debug for BodyChecker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BodyChecker")
            .field("mode", &self.mode)
            .field("state", &self.state)
            .field("decoded", &self.decoded)
            .field("decoded_length", &self.decoded_length)
            .field("failed", &self.failed)
            .finish_non_exhaustive()
    }
}

/// The one value of header `name`, `None` if absent; `Err(())` if repeated.
fn single<'h>(headers: &'h [(String, String)], name: &str) -> Result<Option<&'h str>, ()> {
    let mut found = headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case(name));
    match (found.next(), found.next()) {
        (None, _) => Ok(None),
        (Some((_, v)), None) => Ok(Some(v.trim())),
        (Some(_), Some(_)) => Err(()),
    }
}

fn decimal(value: &str) -> Option<u64> {
    (!value.is_empty() && value.bytes().all(|b| b.is_ascii_digit())).then(|| value.parse().ok()).flatten()
}

impl BodyChecker {
    /// A checker for the body announced by `head`.
    pub fn new(head: &BodyHead<'_>) -> Result<Self, BodyError> {
        let headers = head.headers;
        let mode = head.payload;
        let content_md5 = match single(headers, "Content-MD5").map_err(|()| BodyError::InvalidDigest)? {
            None => None,
            Some(v) => {
                let bytes = STANDARD.decode(v).map_err(|_| BodyError::InvalidDigest)?;
                Some(<[u8; 16]>::try_from(bytes.as_slice()).map_err(|_| BodyError::InvalidDigest)?)
            }
        };
        let decoded_length = if mode.is_streaming() {
            let value =
                single(headers, "x-amz-decoded-content-length").map_err(|()| BodyError::InvalidDecodedLength)?;
            let value = value.ok_or(BodyError::MissingDecodedLength)?;
            Some(decimal(value).ok_or(BodyError::InvalidDecodedLength)?)
        } else {
            None
        };
        let checksum = Self::declared_checksum(headers, mode)?;
        let chain = if mode.has_signed_chunks() {
            let signing = head.signing.ok_or(BodyError::NoSigningContext)?.clone();
            let previous = signing.seed;
            Some(Chain { signing, previous, claimed: [0; 32], chunk: Sha256::new(), trailer_signed: false })
        } else {
            None
        };
        Ok(Self {
            mode,
            state: if mode.is_streaming() { State::ChunkHeader } else { State::Raw },
            line: Vec::new(),
            decoded_length,
            decoded: 0,
            md5: Md5::new(),
            content_md5,
            sha256: match mode {
                PayloadMode::Hash(claimed) => Some((Sha256::new(), claimed)),
                _ => None,
            },
            checksum: checksum.map(|(algorithm, claimed)| (algorithm.hasher(), claimed)),
            chain,
            failed: None,
        })
    }

    /// The checksum the head declares: one `x-amz-checksum-<alg>` header or
    /// one `x-amz-trailer`, agreeing with `x-amz-sdk-checksum-algorithm`.
    fn declared_checksum(
        headers: &[(String, String)],
        mode: PayloadMode,
    ) -> Result<Option<(ChecksumAlgorithm, Claimed)>, BodyError> {
        let mut in_header = None;
        for (name, value) in headers {
            let Some(algorithm) = ChecksumAlgorithm::from_header_name(name) else { continue };
            if in_header.is_some() {
                return Err(BodyError::MultipleChecksums);
            }
            let value = algorithm.parse_value(value).ok_or(BodyError::InvalidChecksumValue(algorithm))?;
            in_header = Some((algorithm, Claimed::Header(value)));
        }
        let in_trailer = match single(headers, "x-amz-trailer").map_err(|()| BodyError::UnsupportedTrailer)? {
            None => None,
            Some(_) if !mode.has_trailer() => return Err(BodyError::UnsupportedTrailer),
            Some(name) => {
                let algorithm = ChecksumAlgorithm::from_header_name(name).ok_or(BodyError::UnsupportedTrailer)?;
                Some((algorithm, Claimed::Trailer(None)))
            }
        };
        let declared = match (in_header, in_trailer) {
            (Some(_), Some(_)) => return Err(BodyError::MultipleChecksums),
            (one, None) | (None, one) => one,
        };
        let sdk =
            single(headers, "x-amz-sdk-checksum-algorithm").map_err(|()| BodyError::InvalidSdkChecksumAlgorithm)?;
        if let Some(name) = sdk {
            let named = ChecksumAlgorithm::from_sdk_name(name).ok_or(BodyError::InvalidSdkChecksumAlgorithm)?;
            match &declared {
                None => return Err(BodyError::MissingChecksum),
                Some((algorithm, _)) if *algorithm != named => return Err(BodyError::InvalidSdkChecksumAlgorithm),
                Some(_) => {}
            }
        }
        Ok(declared)
    }

    /// Takes the next bytes of the body and appends the object's bytes among
    /// them to `out` (never more than `input.len()`). After an error every
    /// further call fails with it.
    pub fn feed(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<(), BodyError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let result = self.step(input, out);
        if let Err(e) = &result {
            self.failed = Some(e.clone());
        }
        result
    }

    fn step(&mut self, mut input: &[u8], out: &mut Vec<u8>) -> Result<(), BodyError> {
        while !input.is_empty() {
            match self.state {
                State::Raw => {
                    self.pass(input, out);
                    input = &[];
                }
                State::Data(remaining) => {
                    let n = usize::try_from(remaining).unwrap_or(usize::MAX).min(input.len());
                    let (data, rest) = input.split_at(n);
                    self.pass(data, out);
                    if let Some(chain) = &mut self.chain {
                        chain.chunk.update(data);
                    }
                    input = rest;
                    let remaining = remaining - n as u64;
                    self.state = if remaining == 0 { State::DataCr } else { State::Data(remaining) };
                    if remaining == 0 {
                        self.check_chunk_signature()?;
                    }
                }
                State::DataCr | State::DataLf => {
                    let (expected, next) =
                        if self.state == State::DataCr { (b'\r', State::DataLf) } else { (b'\n', State::ChunkHeader) };
                    if input.first() != Some(&expected) {
                        return Err(BodyError::MalformedChunk("chunk data not followed by CRLF"));
                    }
                    input = input.get(1..).unwrap_or_default();
                    self.state = next;
                }
                State::ChunkHeader | State::Trailer => {
                    let Some(line) = self.take_line(&mut input)? else { continue };
                    if self.state == State::ChunkHeader {
                        self.chunk_header(&line)?;
                    } else {
                        self.trailer_line(&line)?;
                    }
                }
                State::Done => return Err(BodyError::MalformedChunk("bytes after the end of the body")),
            }
        }
        Ok(())
    }

    /// Object bytes: hashed and passed on.
    fn pass(&mut self, data: &[u8], out: &mut Vec<u8>) {
        self.md5.update(data);
        if let Some((hasher, _)) = &mut self.sha256 {
            hasher.update(data);
        }
        if let Some((hasher, _)) = &mut self.checksum {
            hasher.update(data);
        }
        self.decoded = self.decoded.saturating_add(data.len() as u64);
        out.extend_from_slice(data);
    }

    /// Moves bytes of `input` into the line buffer up to a LF; the line
    /// without its CRLF once complete.
    fn take_line(&mut self, input: &mut &[u8]) -> Result<Option<Vec<u8>>, BodyError> {
        let end = input.iter().position(|&b| b == b'\n');
        let (part, rest) = input.split_at(end.map_or(input.len(), |i| i + 1));
        *input = rest;
        if self.line.len() + part.len() > MAX_LINE + 2 {
            return Err(BodyError::MalformedChunk("framing line too long"));
        }
        self.line.extend_from_slice(part);
        if end.is_none() {
            return Ok(None);
        }
        let mut line = std::mem::take(&mut self.line);
        if !line.ends_with(b"\r\n") {
            return Err(BodyError::MalformedChunk("framing line not ended by CRLF"));
        }
        line.truncate(line.len() - 2);
        Ok(Some(line))
    }

    /// `<hex size>` or `<hex size>;chunk-signature=<64 hex>` (signed modes).
    fn chunk_header(&mut self, line: &[u8]) -> Result<(), BodyError> {
        let (size, extension) = match line.iter().position(|&b| b == b';') {
            Some(i) => {
                let (size, extension) = line.split_at(i);
                (size, extension.get(1..))
            }
            None => (line, None),
        };
        if size.is_empty() || size.len() > 16 || !size.iter().all(u8::is_ascii_hexdigit) {
            return Err(BodyError::MalformedChunk("chunk size is not 1 to 16 hex digits"));
        }
        let size = size.iter().fold(0u64, |n, &d| (n << 4) | u64::from(char::from(d).to_digit(16).unwrap_or(0)));
        match (&mut self.chain, extension) {
            (Some(chain), Some(ext)) => {
                let hex_sig = ext.strip_prefix(b"chunk-signature=").filter(|s| is_lower_hex_64(s));
                let hex_sig = hex_sig.ok_or(BodyError::MalformedChunk("chunk-signature missing or malformed"))?;
                hex::decode_to_slice(hex_sig, &mut chain.claimed)
                    .map_err(|_| BodyError::MalformedChunk("chunk-signature is not hex"))?;
                chain.chunk = Sha256::new();
            }
            (Some(_), None) => return Err(BodyError::MalformedChunk("chunk without chunk-signature")),
            (None, Some(_)) => return Err(BodyError::MalformedChunk("chunk extension in an unsigned body")),
            (None, None) => {}
        }
        let limit = self.decoded_length.unwrap_or(0);
        if size > limit.saturating_sub(self.decoded) {
            return Err(BodyError::IncompleteBody);
        }
        if size == 0 {
            self.check_chunk_signature()?;
            self.state = State::Trailer;
        } else {
            self.state = State::Data(size);
        }
        Ok(())
    }

    /// Checks the signature of the chunk just read (signed modes).
    fn check_chunk_signature(&mut self) -> Result<(), BodyError> {
        let Some(chain) = &mut self.chain else { return Ok(()) };
        let data_hash = hex::encode(std::mem::take(&mut chain.chunk).finalize());
        let hashes = format!("{EMPTY_SHA256}\n{data_hash}");
        let computed = chain.signing.sign(CHUNK_ALGORITHM, &chain.previous, &hashes);
        if !bool::from(computed.ct_eq(&chain.claimed)) {
            return Err(BodyError::SignatureMismatch("chunk signature"));
        }
        chain.previous = chain.claimed;
        Ok(())
    }

    /// One trailer line; the empty line ends the body.
    fn trailer_line(&mut self, line: &[u8]) -> Result<(), BodyError> {
        if line.is_empty() {
            if self.chain.as_ref().is_some_and(|c| self.mode.has_trailer() && !c.trailer_signed) {
                return Err(BodyError::MalformedTrailer("x-amz-trailer-signature missing"));
            }
            if let Some((_, Claimed::Trailer(None))) = &self.checksum {
                return Err(BodyError::MalformedTrailer("the declared trailer is missing"));
            }
            self.state = State::Done;
            return Ok(());
        }
        if !self.mode.has_trailer() {
            return Err(BodyError::MalformedTrailer("trailer in a body without trailers"));
        }
        let line = std::str::from_utf8(line).map_err(|_| BodyError::MalformedTrailer("trailer is not UTF-8"))?;
        let (name, value) = line.split_once(':').ok_or(BodyError::MalformedTrailer("trailer without a colon"))?;
        let (name, value) = (name.trim().to_ascii_lowercase(), value.trim());
        if self.chain.as_ref().is_some_and(|c| c.trailer_signed) {
            return Err(BodyError::MalformedTrailer("trailer after x-amz-trailer-signature"));
        }
        match &mut self.checksum {
            Some((hasher, Claimed::Trailer(slot @ None))) if hasher_name(hasher) == name => {
                *slot = Some(value.to_owned());
                return Ok(());
            }
            _ => {}
        }
        match &mut self.chain {
            Some(chain) if name == TRAILER_SIGNATURE => {
                let mut claimed = [0; 32];
                if !is_lower_hex_64(value.as_bytes()) || hex::decode_to_slice(value, &mut claimed).is_err() {
                    return Err(BodyError::MalformedTrailer("x-amz-trailer-signature is not 64 hex digits"));
                }
                let canonical = match &self.checksum {
                    Some((hasher, Claimed::Trailer(Some(v)))) => format!("{}:{v}\n", hasher_name(hasher)),
                    _ => String::new(),
                };
                let computed = chain.signing.trailer_signature(&chain.previous, &canonical);
                if !bool::from(computed.ct_eq(&claimed)) {
                    return Err(BodyError::SignatureMismatch("trailer signature"));
                }
                chain.trailer_signed = true;
                Ok(())
            }
            _ => Err(BodyError::MalformedTrailer("unexpected or repeated trailer")),
        }
    }

    /// Ends the body: it must be whole and match every claim of the head.
    pub fn finish(self) -> Result<BodyDigests, BodyError> {
        if let Some(e) = self.failed {
            return Err(e);
        }
        if !matches!(self.state, State::Raw | State::Done) {
            return Err(BodyError::IncompleteBody);
        }
        if self.decoded_length.is_some_and(|n| n != self.decoded) {
            return Err(BodyError::IncompleteBody);
        }
        let md5: [u8; 16] = self.md5.finalize().into();
        if self.content_md5.is_some_and(|claimed| claimed != md5) {
            return Err(BodyError::Md5Mismatch);
        }
        if let Some((hasher, claimed)) = self.sha256 {
            if <[u8; 32]>::from(hasher.finalize()) != claimed {
                return Err(BodyError::ContentSha256Mismatch);
            }
        }
        let checksum = match self.checksum {
            None => None,
            Some((hasher, claimed)) => {
                let computed = hasher.finalize();
                let algorithm = computed.algorithm;
                let claimed = match claimed {
                    Claimed::Header(value) => value,
                    Claimed::Trailer(Some(value)) => {
                        algorithm.parse_value(&value).ok_or(BodyError::InvalidChecksumValue(algorithm))?
                    }
                    Claimed::Trailer(None) => {
                        return Err(BodyError::MalformedTrailer("the declared trailer is missing"))
                    }
                };
                if claimed != computed {
                    return Err(BodyError::ChecksumMismatch(algorithm));
                }
                Some(computed)
            }
        };
        Ok(BodyDigests { md5, checksum, decoded_length: self.decoded })
    }
}

fn hasher_name(hasher: &Hasher) -> &'static str {
    hasher.algorithm().header_name()
}

fn is_lower_hex_64(s: &[u8]) -> bool {
    s.len() == 64 && s.iter().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}
