//! The pool's Durable Object: the one place where a pool's changes are
//! decided. It runs the core's [`execute`] on its SQLite tables with no
//! await between the check and the write (so racing requests are
//! serialised), queues each change in its outbox in the same step, and
//! answers. The outbox is carried through to KV after the answer (the
//! answer waits only for SQLite, whose output gate makes the change and its
//! queued writes durable together); an alarm armed before the answer
//! retries whatever KV has not taken, so nothing waits on KV and nothing is
//! lost if the object is evicted first.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use serde::{Deserialize, Serialize};
use worker::{durable_object, DurableObject, Env, Request, Response, Result, SqlCursor, SqlStorageValue, State};

use crate::core::authority::{execute, Command, Outcome};
use crate::core::background::{self, Next};
use crate::core::ledger::{Flushed, Ledger, LedgerError, Mutation, WriteThrough};

use super::kv::KvStore;
use super::KV_BINDING;

/// What the object answers: the outcome, or the wire error.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Reply {
    Ok(Outcome),
    Err { kind: String, message: String },
}

/// A ledger on the object's SQLite storage.
/// (The second field counts the mutations committed since the object last
/// looked: a command that committed any has writes queued for KV. The third
/// keeps what `get` read, absence included: this object is the only writer
/// of its table, so an entry stays true until `commit` replaces it. Every
/// command of a pool reads the pool's record first.)
struct SqlLedger(worker::SqlStorage, u32, RefCell<HashMap<String, Option<String>>>);

/// Most values `SqlLedger` keeps read before it starts over.
const READ_CACHE_ENTRIES: usize = 2048;

impl SqlLedger {
    fn new(sql: worker::SqlStorage) -> Self {
        Self(sql, 0, RefCell::default())
    }

    /// Notes that `key` now holds `value` (`None`: absent).
    fn remember(&self, key: &str, value: Option<String>) {
        let mut reads = self.2.borrow_mut();
        if reads.len() >= READ_CACHE_ENTRIES && !reads.contains_key(key) {
            reads.clear();
        }
        reads.insert(key.to_owned(), value);
    }
}

fn sql_error(e: worker::Error) -> LedgerError {
    LedgerError(e.to_string())
}

/// The rows a query returns, each as its columns in the query's order.
/// Read raw: the cursor's typed readers go through `serde_wasm_bindgen`,
/// whose deserializer (about 24 KB of the wasm) nothing else needs.
fn rows(cursor: worker::Result<SqlCursor>) -> std::result::Result<Vec<Vec<SqlStorageValue>>, LedgerError> {
    cursor.and_then(|c| c.raw().collect()).map_err(sql_error)
}

/// The first column of `row`, which the query makes a string.
fn text(row: Vec<SqlStorageValue>) -> std::result::Result<String, LedgerError> {
    match row.into_iter().next() {
        Some(SqlStorageValue::String(s)) => Ok(s),
        _ => Err(LedgerError("SQLite returned a row without its text column".into())),
    }
}

/// The least string greater than every string starting with `prefix`
/// (ASCII prefixes; `None` for one that ends in DEL or beyond).
fn past_prefix(prefix: &str) -> Option<String> {
    let last = *prefix.as_bytes().last()?;
    (last < 0x7f).then(|| format!("{}{}", &prefix[..prefix.len() - 1], char::from(last + 1)))
}

const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY, value TEXT NOT NULL);
     CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, mutation TEXT NOT NULL);
     CREATE TABLE IF NOT EXISTS rechecks (key TEXT PRIMARY KEY, due INTEGER NOT NULL);
     CREATE INDEX IF NOT EXISTS rechecks_by_due ON rechecks (due);";

impl Ledger for SqlLedger {
    fn get(&self, key: &str) -> std::result::Result<Option<String>, LedgerError> {
        if let Some(value) = self.2.borrow().get(key) {
            return Ok(value.clone());
        }
        let rows = rows(self.0.exec("SELECT value FROM entries WHERE key = ?", vec![key.into()]))?;
        let value = rows.into_iter().next().map(text).transpose()?;
        self.remember(key, value.clone());
        Ok(value)
    }

    fn keys_with_prefix(&self, prefix: &str) -> std::result::Result<Vec<String>, LedgerError> {
        let rows = rows(self.0.exec(
            "SELECT key FROM entries WHERE substr(key, 1, ?) = ? ORDER BY key",
            vec![(prefix.chars().count() as i64).into(), prefix.into()],
        ))?;
        rows.into_iter().map(text).collect()
    }

    fn keys_after(
        &self,
        prefix: &str,
        after: Option<&str>,
        limit: usize,
    ) -> std::result::Result<Vec<String>, LedgerError> {
        // A range of the primary key: from the prefix (or after `after`) to
        // the first key past the prefix (keys are ASCII).
        let Some(upper) = past_prefix(prefix) else { return Ok(Vec::new()) };
        let (op, from) = match after {
            Some(a) if a >= prefix => (">", a),
            _ => (">=", prefix),
        };
        let query = format!("SELECT key FROM entries WHERE key {op} ? AND key < ? ORDER BY key LIMIT ?");
        let rows = rows(self.0.exec(&query, vec![from.into(), upper.as_str().into(), (limit as i64).into()]))?;
        rows.into_iter().map(text).collect()
    }

    fn commit(&mut self, mutation: Mutation) -> std::result::Result<(), LedgerError> {
        match &mutation {
            Mutation::Put { key, value, .. } => self.0.exec(
                "INSERT INTO entries (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                vec![key.as_str().into(), value.as_str().into()],
            ),
            Mutation::Delete { key } => self.0.exec("DELETE FROM entries WHERE key = ?", vec![key.as_str().into()]),
        }
        .map_err(sql_error)?;
        let value = match &mutation {
            Mutation::Put { value, .. } => Some(value.clone()),
            Mutation::Delete { .. } => None,
        };
        self.remember(mutation.key(), value);
        let json = serde_json::to_string(&mutation).map_err(|e| LedgerError(e.to_string()))?;
        self.0.exec("INSERT INTO outbox (mutation) VALUES (?)", vec![json.into()]).map_err(sql_error)?;
        self.1 += 1;
        Ok(())
    }

    fn pending(&self, limit: usize) -> std::result::Result<Vec<(u64, Mutation)>, LedgerError> {
        let rows =
            rows(self.0.exec("SELECT seq, mutation FROM outbox ORDER BY seq LIMIT ?", vec![(limit as i64).into()]))?;
        rows.into_iter()
            .map(|row| match <[SqlStorageValue; 2]>::try_from(row) {
                Ok([SqlStorageValue::Integer(seq), SqlStorageValue::String(mutation)]) => {
                    let m = serde_json::from_str(&mutation).map_err(|e| LedgerError(e.to_string()))?;
                    Ok((seq as u64, m))
                }
                _ => Err(LedgerError("SQLite returned an outbox row that is not (seq, mutation)".into())),
            })
            .collect()
    }

    fn acknowledge_through(&mut self, seq: u64) -> std::result::Result<(), LedgerError> {
        self.0.exec("DELETE FROM outbox WHERE seq <= ?", vec![(seq as i64).into()]).map_err(sql_error)?;
        Ok(())
    }

    fn mark_recheck(&mut self, key: &str, due: u64) -> std::result::Result<(), LedgerError> {
        self.0
            .exec(
                "INSERT INTO rechecks (key, due) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET due = excluded.due",
                vec![key.into(), (due as i64).into()],
            )
            .map_err(sql_error)?;
        Ok(())
    }

    fn rechecks_due(&self, now: u64, limit: usize) -> std::result::Result<Vec<String>, LedgerError> {
        let query = "SELECT key FROM rechecks WHERE due <= ? ORDER BY due LIMIT ?";
        rows(self.0.exec(query, vec![(now as i64).into(), (limit as i64).into()]))?.into_iter().map(text).collect()
    }

    fn rechecks_waiting(&self) -> std::result::Result<bool, LedgerError> {
        Ok(!rows(self.0.exec("SELECT 1 FROM rechecks LIMIT 1", None))?.is_empty())
    }

    fn clear_rechecks(&mut self, keys: &[String]) -> std::result::Result<(), LedgerError> {
        for key in keys {
            self.0.exec("DELETE FROM rechecks WHERE key = ?", vec![key.as_str().into()]).map_err(sql_error)?;
        }
        Ok(())
    }
}

/// How long after a change the alarm retries a write-through that has not
/// finished by then, in milliseconds (and after a failure).
const RETRY_MS: i64 = 2000;
/// The pause between two runs of background work that is ready.
const SOON_MS: i64 = 50;
/// The pause while only waiting is left (a purge's grace time).
const LATER_MS: i64 = 30_000;

/// What the background write-through shares with the object.
struct Outbox {
    ledger: RefCell<SqlLedger>,
    write_through: WriteThrough,
}

/// One pool authority (per routing tag).
#[durable_object]
pub struct PoolObject {
    state: State,
    env: Env,
    outbox: Rc<Outbox>,
    /// An alarm is set (it clears this when it runs).
    armed: Cell<bool>,
}

impl Outbox {
    /// Carries the outbox to KV; true when something is left for the alarm.
    async fn flush(&self, env: &Env) -> bool {
        // A missing binding fails the first write, as an outage would.
        let store = KvStore::from_env(env, KV_BINDING);
        match self.write_through.flush(&self.ledger, &store).await {
            Ok(Flushed::Done) | Ok(Flushed::Busy) => false,
            Ok(Flushed::More) => true,
            Err(e) => {
                worker::console_error!("pool object: KV write-through failed, will retry: {e}");
                true
            }
        }
    }
}

impl PoolObject {
    /// Arms the retry alarm unless it is armed: a local storage write, no
    /// network wait.
    async fn arm(&self, after_ms: i64) {
        if self.armed.replace(true) {
            return;
        }
        if let Err(e) = self.state.storage().set_alarm(after_ms).await {
            self.armed.set(false);
            worker::console_error!("pool object: cannot schedule the write-through retry: {e}");
        }
    }
}

impl DurableObject for PoolObject {
    fn new(state: State, env: Env) -> Self {
        let sql = state.storage().sql();
        if let Err(e) = sql.exec(SCHEMA, None) {
            worker::console_error!("pool object: schema creation failed: {e}");
        }
        let outbox = Outbox { ledger: RefCell::new(SqlLedger::new(sql)), write_through: WriteThrough::default() };
        Self { state, env, outbox: Rc::new(outbox), armed: Cell::new(false) }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        // Parsed from text: `Request::json` reads through `serde_wasm_bindgen`,
        // a second deserializer (and a second copy of `Command`'s) in the wasm.
        let command = match req.text().await {
            Ok(text) => serde_json::from_str::<Command>(&text).map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        let reply = match command {
            // No await between reading the state and committing the change.
            Ok(command) => match execute(&mut *self.outbox.ledger.borrow_mut(), command) {
                Ok(outcome) => Reply::Ok(outcome),
                Err(e) => Reply::Err { kind: e.kind.wire_name().to_owned(), message: e.message },
            },
            Err(e) => Reply::Err { kind: "InternalErrorException".into(), message: format!("bad command: {e}") },
        };
        // What an earlier command left queued is the armed alarm's to carry.
        let queued = std::mem::take(&mut self.outbox.ledger.borrow_mut().1) > 0;
        if queued {
            self.arm(RETRY_MS).await;
            let (outbox, env) = (self.outbox.clone(), self.env.clone());
            self.state.wait_until(async move {
                outbox.flush(&env).await;
            });
        }
        Response::from_json(&reply)
    }

    async fn alarm(&self) -> Result<Response> {
        self.armed.set(false);
        let store = KvStore::from_env(&self.env, KV_BINDING);
        let log = |m: &str| worker::console_error!("pool object: {m}");
        let outbox = &self.outbox;
        let next = background::run(&outbox.ledger, &outbox.write_through, &store, super::platform::now(), &log).await;
        match next {
            Next::Idle => {}
            Next::Soon => self.arm(SOON_MS).await,
            Next::Later => self.arm(LATER_MS).await,
            Next::Retry => self.arm(RETRY_MS).await,
        }
        Response::empty()
    }
}
