//! Provider account states: a provider whose quota ran out or whose key was refused is paused
//! as a whole, in the database (so every process and the next start see it), until the user
//! resumes it or saves a new key.
//!
//! This module only records and reads the state. Settling marks a provider (see
//! [`super::Outcome::ProviderPaused`]), claiming skips the jobs of a marked provider; the
//! classification of HTTP answers lives in `providers::http_status`.

use rusqlite::{params, Connection};

use crate::error::{DbContext, Error, Result};
use crate::model::{AccountState, ProviderState};

/// Marks `provider` as unusable. The first message is kept (a later answer of the same kind
/// says nothing new); a different state replaces it. Returns whether anything changed.
pub fn mark_provider(conn: &Connection, provider: &str, state: AccountState, message: &str, now: i64) -> Result<bool> {
    let n = conn
        .execute(
            "INSERT INTO provider_states(provider, state, message, since) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(provider) DO UPDATE SET state = excluded.state, message = excluded.message, since = excluded.since
             WHERE provider_states.state <> excluded.state",
            params![provider, state.as_str(), message, now],
        )
        .db("pausing a provider")?;
    Ok(n > 0)
}

/// Resumes one provider. Returns whether it was paused.
pub fn clear_provider(conn: &Connection, provider: &str) -> Result<bool> {
    let n = conn.execute("DELETE FROM provider_states WHERE provider = ?1", [provider]).db("resuming a provider")?;
    Ok(n > 0)
}

/// Resumes every provider. Returns the ones that were paused.
pub fn clear_all_providers(conn: &Connection) -> Result<Vec<String>> {
    let mut stmt = conn.prepare("DELETE FROM provider_states RETURNING provider").db("resuming providers")?;
    let rows = stmt.query_map([], |r| r.get(0)).db("resuming providers")?;
    rows.collect::<Result<_, _>>().db("resuming providers")
}

/// Every paused provider, by name. An unknown state on disk is an error, not a guess.
pub fn provider_states(conn: &Connection) -> Result<Vec<ProviderState>> {
    let mut stmt = conn
        .prepare_cached("SELECT provider, state, message, since FROM provider_states ORDER BY provider")
        .db("reading provider states")?;
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, i64>(3)?)))
        .db("reading provider states")?;
    let mut out = Vec::new();
    for row in rows {
        let (provider, state, message, since) = row.db("reading provider states")?;
        let state = state.parse::<AccountState>().map_err(Error::Schema)?;
        out.push(ProviderState { provider, state, message, since });
    }
    Ok(out)
}

/// Whether `provider` is paused.
pub fn is_provider_paused(conn: &Connection, provider: &str) -> Result<bool> {
    conn.prepare_cached("SELECT EXISTS(SELECT 1 FROM provider_states WHERE provider = ?1)")
        .db("reading provider states")?
        .query_row([provider], |r| r.get(0))
        .db("reading provider states")
}
