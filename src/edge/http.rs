//! Outbound HTTP from the Worker (identity providers' discovery documents
//! and keys): a plain GET that does not follow redirects.

use worker::{Fetch, Method, Request, RequestInit, RequestRedirect};

use crate::core::capabilities::{FetchError, Fetched, Http, MAX_FETCH_BYTES};

/// `fetch()` as the core's HTTP capability.
pub(crate) struct FetchHttp;

impl Http for FetchHttp {
    async fn get(&self, url: &str) -> Result<Fetched, FetchError> {
        let fail = |e: worker::Error| FetchError(e.to_string());
        let mut init = RequestInit::new();
        init.with_method(Method::Get).with_redirect(RequestRedirect::Manual);
        let request = Request::new_with_init(url, &init).map_err(fail)?;
        let mut response = Fetch::Request(request).send().await.map_err(fail)?;
        let status = response.status_code();
        let cache_control = response.headers().get("cache-control").ok().flatten();
        let body = if status == 200 { response.bytes().await.map_err(fail)? } else { Vec::new() };
        if body.len() > MAX_FETCH_BYTES {
            return Err(FetchError(format!("{url} sent more than {MAX_FETCH_BYTES} bytes")));
        }
        Ok(Fetched { status, cache_control, body })
    }
}
