//! The request a policy is asked about: its action, its resource and the
//! values of its condition keys (which policy variables also read).

/// What a request asks and the values its condition keys have.
///
/// Key names are case-insensitive, as in IAM; values are kept as given. A
/// key with several values is a multi-valued key (such as
/// `cognito-identity.amazonaws.com:amr`); a policy variable resolves only
/// from a key with exactly one value.
#[derive(Debug, Clone, Default)]
pub struct RequestContext {
    /// The action, lowercased (actions match case-insensitively).
    pub(crate) action: String,
    /// The resource ARN (or `*`), as given.
    pub(crate) resource: String,
    /// Condition keys: lowercased name and values, in insertion order.
    keys: Vec<(String, Vec<String>)>,
}

impl RequestContext {
    /// A request for `action` (`service:Action`) on `resource` (an ARN, or
    /// `*` for actions without a resource), with no condition keys yet.
    pub fn new(action: &str, resource: &str) -> Self {
        RequestContext { action: action.to_lowercase(), resource: resource.to_owned(), keys: Vec::new() }
    }

    /// Sets a condition key (names case-insensitive, as IAM; value list =
    /// multi-valued key), replacing any earlier values of that key.
    pub fn set(&mut self, key: &str, values: Vec<String>) -> &mut Self {
        let key = key.to_lowercase();
        match self.keys.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => *v = values,
            None => self.keys.push((key, values)),
        }
        self
    }

    /// The values of a condition key, if the request has it.
    pub fn get(&self, key: &str) -> Option<&[String]> {
        self.get_lower(&key.to_lowercase())
    }

    /// The action as the policy engine compares it (lowercased).
    pub fn action(&self) -> &str {
        &self.action
    }

    /// The resource the request is for.
    pub fn resource(&self) -> &str {
        &self.resource
    }

    /// [`Self::get`] for a name already lowercased (the policy's keys are).
    pub(crate) fn get_lower(&self, key: &str) -> Option<&[String]> {
        self.keys.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_slice())
    }
}
