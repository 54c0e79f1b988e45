//! The pool authority as seen from the Worker: a command sent to the
//! Durable Object named by the pool's routing tag, its outcome read back.

use worker::ObjectNamespace;

use crate::core::authority::{Command, Outcome};
use crate::core::capabilities::Authority;
use crate::core::error::{ApiError, ErrorKind};
use crate::core::ids::RouteTag;

use super::pool_object::Reply;

/// Sends commands to `PoolObject`s.
pub(crate) struct DoAuthority(ObjectNamespace);

impl DoAuthority {
    pub(crate) fn new(ns: ObjectNamespace) -> Self {
        Self(ns)
    }

    async fn send(&self, route: RouteTag, command: &Command) -> worker::Result<Reply> {
        let stub = self.0.id_from_name(&route.to_hex())?.get_stub()?;
        let body = serde_json::to_string(command)?;
        let request = super::http::outbound("https://pool.internal/command", "POST", None, Some(&body.into()))?;
        let mut response = stub.fetch_with_request(request).await?;
        Ok(serde_json::from_str(&response.text().await?)?)
    }
}

impl Authority for DoAuthority {
    async fn apply(&self, route: RouteTag, command: Command) -> Result<Outcome, ApiError> {
        match self.send(route, &command).await {
            Ok(Reply::Ok(outcome)) => Ok(outcome),
            Ok(Reply::Err { kind, message }) => {
                Err(ApiError::new(ErrorKind::from_wire_name(&kind).unwrap_or(ErrorKind::InternalError), message))
            }
            Err(e) => Err(ApiError::internal(format!("pool authority unreachable: {e}"))),
        }
    }
}
