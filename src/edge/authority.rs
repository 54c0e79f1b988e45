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
        let answer = super::boundary::call_object(stub, &serde_json::to_string(command)?).await?;
        Ok(serde_json::from_str(&answer)?)
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
