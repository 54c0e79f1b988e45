//! cognate's admin operations on the SigV4 gateway's routes
//! (`PutApiRoute`, `GetApiRoute`, `ListApiRoutes`, `DeleteApiRoute`).

use serde::Deserialize;
use serde_json::{json, Value};

use super::{decode, with_next_token, Service};
use crate::core::authority::Command;
use crate::core::capabilities::{Authority, Http, Signer, Verifier};
use crate::core::error::ApiError;
use crate::core::gateway::{Upstream, MAX_UPSTREAM_CHARS};
use crate::core::model::check_page;
use crate::core::records::ApiRoute;
use crate::core::store::{keys, Store};
use crate::core::validate::{Pattern, Violations};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct RouteInput {
    name: Option<String>,
    upstream: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct ListRoutesInput {
    max_results: Option<i64>,
    next_token: Option<String>,
}

fn route_json(route: &ApiRoute) -> Value {
    json!({ "Name": route.name, "Upstream": route.upstream })
}

impl RouteInput {
    fn check(self, with_upstream: bool) -> Result<(String, String), ApiError> {
        let mut v = Violations::new();
        if let Some(name) = v.required("name", &self.name) {
            v.string("name", name, 1, 64, Some(Pattern::RouteName));
        }
        if with_upstream {
            if let Some(upstream) = v.required("upstream", &self.upstream) {
                v.string("upstream", upstream, 1, MAX_UPSTREAM_CHARS, None);
            }
        }
        v.finish()?;
        Ok((self.name.unwrap_or_default(), self.upstream.unwrap_or_default()))
    }
}

impl<S: Store, A: Authority, K: Signer, H: Http, V: Verifier> Service<'_, S, A, K, H, V> {
    pub(super) async fn put_api_route(&self, input: RouteInput) -> Result<Value, ApiError> {
        let (name, upstream) = input.check(true)?;
        Upstream::parse(&upstream, &self.config.insecure_http_issuers).map_err(ApiError::invalid_parameter)?;
        let route = ApiRoute { name, upstream };
        let out = route_json(&route);
        let name = route.name.clone();
        let applied = self.authority.apply(self.settings_route(), Command::PutApiRoute { route }).await;
        self.cache.forget_route(&name);
        applied?;
        Ok(out)
    }

    pub(super) async fn get_api_route(&self, input: RouteInput) -> Result<Value, ApiError> {
        let (name, _) = input.check(false)?;
        let json = self.read(&keys::api_route(&name), Some(self.settings_route())).await?;
        let route: ApiRoute = decode(json.as_deref())?.ok_or_else(|| ApiError::no_such_api_route(&name))?;
        Ok(route_json(&route))
    }

    pub(super) async fn list_api_routes(&self, input: ListRoutesInput) -> Result<Value, ApiError> {
        let mut v = Violations::new();
        if input.max_results.is_some() {
            check_page(&mut v, &input.max_results, &input.next_token);
        }
        v.finish()?;
        let page = self.list_page(keys::API_ROUTE_PREFIX, input.max_results, input.next_token.as_deref()).await?;
        let routes: Vec<Value> = page
            .keys
            .iter()
            .map(|k| {
                let name = &k.name[keys::API_ROUTE_PREFIX.len()..];
                let upstream = k.metadata.as_deref().and_then(ApiRoute::upstream_from_metadata);
                json!({ "Name": name, "Upstream": upstream })
            })
            .collect();
        Ok(with_next_token(json!({ "ApiRoutes": routes }), page.cursor))
    }

    pub(super) async fn delete_api_route(&self, input: RouteInput) -> Result<Value, ApiError> {
        let (name, _) = input.check(false)?;
        let applied = self.authority.apply(self.settings_route(), Command::DeleteApiRoute { name: name.clone() }).await;
        self.cache.forget_route(&name);
        applied?;
        Ok(json!({}))
    }
}
