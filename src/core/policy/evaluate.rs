//! The decision over all of a role's policies, as IAM's "policy evaluation
//! logic" for identity-based policies: an applicable `Deny` wins, else an
//! applicable `Allow` allows, else the request is implicitly denied.

use super::context::RequestContext;
use super::document::{Effect, PolicyDocument, Statement};

/// The outcome of evaluating a request against a set of policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// An applicable statement allows the request and none denies it.
    Allow,
    /// An applicable statement denies the request (whatever else allows it).
    ExplicitDeny,
    /// No statement applies: denied by default.
    ImplicitDeny,
}

impl Decision {
    /// Whether the request may proceed (only [`Decision::Allow`]).
    pub fn is_allowed(self) -> bool {
        self == Decision::Allow
    }
}

/// IAM's evaluation over all of a role's policies: explicit Deny wins, then an Allow, else implicit deny.
pub fn evaluate<'a>(policies: impl IntoIterator<Item = &'a PolicyDocument>, request: &RequestContext) -> Decision {
    let mut allowed = false;
    for policy in policies {
        for statement in policy.statements.iter() {
            // Once allowed, only a Deny can change the decision.
            if allowed && statement.effect == Effect::Allow {
                continue;
            }
            if applies(statement, request) {
                match statement.effect {
                    Effect::Deny => return Decision::ExplicitDeny,
                    Effect::Allow => allowed = true,
                }
            }
        }
    }
    if allowed {
        Decision::Allow
    } else {
        Decision::ImplicitDeny
    }
}

/// Whether a statement applies: its action part, its resource part and
/// every condition hold. A resource whose policy variable does not resolve
/// matches nothing, under `Resource` and under `NotResource` alike (IAM:
/// the statement does not apply).
pub(crate) fn applies(statement: &Statement, request: &RequestContext) -> bool {
    let actions = &statement.actions;
    let action_listed = actions.patterns.iter().any(|p| p.matches(&request.action, request, false) == Some(true));
    if action_listed == actions.negated {
        return false;
    }
    let resources = &statement.resources;
    if resources.negated && !resources.patterns.iter().all(|p| p.resolves(request)) {
        return false;
    }
    let resource_listed = resources.patterns.iter().any(|p| p.matches(&request.resource, request) == Some(true));
    if resource_listed == resources.negated {
        return false;
    }
    statement.conditions.iter().all(|c| c.holds(request))
}
