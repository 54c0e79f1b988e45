//! The pool authority as seen from the Worker: a command sent to the
//! Durable Object named by the pool's routing tag, its outcome read back.

use std::cell::OnceCell;

use worker::{Env, ObjectNamespace};

use crate::core::authority::{Command, Outcome};
use crate::core::capabilities::Authority;
use crate::core::error::{ApiError, ErrorKind};
use crate::core::ids::RouteTag;

use super::pool_object::Reply;

/// Sends commands to `PoolObject`s of the namespace bound as `binding`
/// (looked up on first use: most calls send none).
pub(crate) struct DoAuthority {
    env: Env,
    binding: &'static str,
    namespace: OnceCell<ObjectNamespace>,
}

impl DoAuthority {
    pub(crate) fn new(env: &Env, binding: &'static str) -> Self {
        Self { env: env.clone(), binding, namespace: OnceCell::new() }
    }

    fn namespace(&self) -> worker::Result<&ObjectNamespace> {
        if let Some(ns) = self.namespace.get() {
            return Ok(ns);
        }
        let ns = self.env.durable_object(self.binding)?;
        Ok(self.namespace.get_or_init(|| ns))
    }

    async fn send(&self, route: RouteTag, command: &Command) -> worker::Result<Reply> {
        let stub = self.namespace()?.id_from_name(&route.to_hex())?.get_stub()?;
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
