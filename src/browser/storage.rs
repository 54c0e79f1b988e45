//! Where the client keeps its identity id: `localStorage` (the default),
//! `sessionStorage` or memory, under keys namespaced by pool. Nothing is
//! touched until the client first needs its identity.

use std::cell::RefCell;

use crate::core::client::storage_key;

/// The storage the app chose.
pub(crate) enum Storage {
    Local,
    Session,
    /// A few keys: a list is smaller than a map in the package.
    Memory(RefCell<Vec<(String, String)>>),
}

impl Storage {
    /// `local`, `session` or `memory`.
    pub fn parse(kind: Option<&str>) -> Option<Self> {
        match kind.unwrap_or("local") {
            "local" => Some(Self::Local),
            "session" => Some(Self::Session),
            "memory" => Some(Self::Memory(RefCell::default())),
            _ => None,
        }
    }

    fn web(&self) -> Option<web_sys::Storage> {
        let window = web_sys::window()?;
        match self {
            Self::Local => window.local_storage().ok().flatten(),
            Self::Session => window.session_storage().ok().flatten(),
            Self::Memory(_) => None,
        }
    }

    /// The value of `name` for `pool_id`.
    pub fn get(&self, pool_id: &str, name: &str) -> Option<String> {
        let key = storage_key(pool_id, name);
        match self {
            Self::Memory(m) => m.borrow().iter().find(|(k, _)| *k == key).map(|(_, v)| v.clone()),
            _ => self.web()?.get_item(&key).ok().flatten(),
        }
    }

    /// Sets (or with `None` removes) `name` for `pool_id`.
    pub fn set(&self, pool_id: &str, name: &str, value: Option<&str>) {
        let key = storage_key(pool_id, name);
        match (self, value) {
            (Self::Memory(m), value) => {
                let mut m = m.borrow_mut();
                m.retain(|(k, _)| *k != key);
                if let Some(v) = value {
                    m.push((key, v.to_owned()));
                }
            }
            (_, Some(v)) => {
                if let Some(s) = self.web() {
                    let _ = s.set_item(&key, v);
                }
            }
            (_, None) => {
                if let Some(s) = self.web() {
                    let _ = s.remove_item(&key);
                }
            }
        }
    }
}
