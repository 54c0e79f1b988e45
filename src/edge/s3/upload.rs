//! Upload bodies on their way to R2: the client's bytes go through the
//! core's `BodyChecker` (aws-chunked framing, chunk signatures, checksums)
//! and on to R2 with a known length. The last decoded bytes are held back
//! until the whole body has passed, so a refused body never completes a
//! write. Small XML bodies are read whole and checked the same way.

use std::cell::RefCell;
use std::rc::Rc;

use futures_util::{stream, StreamExt};
use worker::{Data, FixedLengthStream, Request};

use crate::core::principal::Authenticated;
use crate::core::protocol::split_url;
use crate::core::s3::body::{BodyChecker, BodyDigests, BodyError, BodyHead, ChunkSigning};
use crate::core::s3::error::S3Error;
use crate::core::s3::request::hoisted_headers;
use crate::core::time;

use super::r2_failed;

/// Largest body read whole (DeleteObjects, CompleteMultipartUpload).
const MAX_XML_BODY: usize = 1 << 20;
/// Largest single PUT S3 takes (5 GiB); Workers' own request limit is lower.
const MAX_PUT_BYTES: u64 = 5 << 30;

/// The headers the body checks read: the request's, and those a presigner
/// hoisted into the query (`x-amz-checksum-*`, `Content-MD5`, ...).
fn body_headers(req: &Request) -> Result<Vec<(String, String)>, S3Error> {
    let mut headers: Vec<(String, String)> = req.headers().entries().collect();
    let url = req.inner().url();
    let query = split_url(&url).map(|u| u.query).unwrap_or_default();
    headers.extend(hoisted_headers(query)?);
    Ok(headers)
}

/// Where the outcome of a streamed body's check lands when it ends.
pub(super) type Outcome = Rc<RefCell<Option<Result<BodyDigests, BodyError>>>>;

/// An upload body on its way to R2: the client's bytes, their checker, the
/// decoded bytes held back, and where the check's outcome lands.
struct Pump {
    input: futures_util::stream::LocalBoxStream<'static, worker::Result<Vec<u8>>>,
    checker: Option<BodyChecker>,
    held: Vec<u8>,
    outcome: Outcome,
}

impl Pump {
    fn refuse(&mut self, e: BodyError) -> worker::Error {
        let error = worker::Error::RustError(format!("body refused: {}", e.code()));
        *self.outcome.borrow_mut() = Some(Err(e));
        error
    }
}

fn chunk_signing(auth: &Authenticated) -> Option<ChunkSigning> {
    let a = &auth.authorization;
    let seed = a.seed_signature()?;
    let amz_date = time::format_amz_date(a.request_time);
    Some(ChunkSigning::new(*auth.expose_signing_key()?, amz_date, a.credential_scope(), seed))
}

fn body_error(e: &BodyError) -> S3Error {
    S3Error::new(e.code(), e.status(), e.message())
}

/// The request body as a checked stream of its decoded bytes, with the
/// slot where its check's outcome lands when the stream ends.
pub(super) async fn checked_body(req: &mut Request, auth: &Authenticated) -> Result<(Data, Outcome), S3Error> {
    let headers = body_headers(req)?;
    let signing = chunk_signing(auth);
    let head = BodyHead { payload: auth.authorization.payload, headers: &headers, signing: signing.as_ref() };
    let checker = BodyChecker::new(&head).map_err(|e| body_error(&e))?;
    // The checker has refused a streaming body without a decoded length.
    let header = |name: &str| headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.trim());
    let declared = if auth.authorization.payload.is_streaming() {
        header("x-amz-decoded-content-length")
    } else {
        header("content-length")
    };
    let length: Option<u64> = declared.and_then(|v| v.parse().ok());
    let length = length.ok_or_else(S3Error::missing_content_length)?;
    if length > MAX_PUT_BYTES {
        return Err(S3Error::entity_too_large(length, MAX_PUT_BYTES));
    }
    let outcome: Outcome = Rc::new(RefCell::new(None));
    if length == 0 {
        // Nothing to hold back: check the (empty) body before writing.
        let raw = req.bytes().await.unwrap_or_default();
        let mut checker = checker;
        let mut decoded = Vec::new();
        let checked = checker.feed(&raw, &mut decoded).and_then(|()| checker.finish());
        let digests = checked.map_err(|e| body_error(&e))?;
        if !decoded.is_empty() {
            return Err(S3Error::incomplete_body());
        }
        *outcome.borrow_mut() = Some(Ok(digests));
        return Ok((Data::Bytes(Vec::new()), outcome));
    }
    let input = match req.stream() {
        Ok(s) => s.boxed_local(),
        Err(_) => stream::empty().boxed_local(),
    };
    // The last decoded bytes are held back until the whole body has passed
    // its checks: R2 completes a write once it has all the bytes, so a
    // refusal must come before the last of them.
    let pump = Pump { input, checker: Some(checker), held: Vec::new(), outcome: outcome.clone() };
    let body = stream::unfold(Some(pump), |state| async move {
        let mut pump = state?;
        loop {
            match pump.input.next().await {
                Some(Ok(chunk)) => {
                    let mut out = Vec::with_capacity(chunk.len());
                    let fed = pump.checker.as_mut().map(|c| c.feed(&chunk, &mut out));
                    if let Some(Err(e)) = fed {
                        return Some((Err(pump.refuse(e)), None));
                    }
                    if out.is_empty() {
                        continue;
                    }
                    let ready = std::mem::replace(&mut pump.held, out);
                    if !ready.is_empty() {
                        return Some((Ok(ready), Some(pump)));
                    }
                }
                Some(Err(e)) => return Some((Err(e), None)),
                None => {
                    let finished = pump.checker.take()?.finish();
                    return match finished {
                        Ok(digests) => {
                            *pump.outcome.borrow_mut() = Some(Ok(digests));
                            let last = std::mem::take(&mut pump.held);
                            (!last.is_empty()).then_some((Ok(last), Some(pump)))
                        }
                        Err(e) => Some((Err(pump.refuse(e)), None)),
                    };
                }
            }
        }
    });
    Ok((Data::Stream(FixedLengthStream::wrap(body, length)), outcome))
}

/// The outcome of a checked upload: the body's own refusal wins over the
/// store's failure it caused.
pub(super) fn body_outcome(outcome: &Outcome, stored: Result<(), &worker::Error>) -> Result<BodyDigests, S3Error> {
    match (outcome.borrow_mut().take(), stored) {
        (Some(Err(e)), _) => Err(body_error(&e)),
        (Some(Ok(digests)), Ok(())) => Ok(digests),
        (None, Ok(())) => Err(S3Error::incomplete_body()),
        (_, Err(e)) => Err(r2_failed(e)),
    }
}

/// A small body (an XML request) read whole and checked.
pub(super) async fn small_body(req: &mut Request, auth: &Authenticated) -> Result<Vec<u8>, S3Error> {
    let headers = body_headers(req)?;
    let signing = chunk_signing(auth);
    let head = BodyHead { payload: auth.authorization.payload, headers: &headers, signing: signing.as_ref() };
    let mut checker = BodyChecker::new(&head).map_err(|e| body_error(&e))?;
    let raw = req.bytes().await.map_err(|_| S3Error::incomplete_body())?;
    if raw.len() > MAX_XML_BODY {
        return Err(S3Error::malformed_xml());
    }
    let mut body = Vec::with_capacity(raw.len());
    checker.feed(&raw, &mut body).map_err(|e| body_error(&e))?;
    checker.finish().map_err(|e| body_error(&e))?;
    Ok(body)
}
