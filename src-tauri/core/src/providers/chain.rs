//! A fallback chain (`[audio] chain = ["wikimedia", "neural", "offline"]`): one provider made of
//! several, asked in order; a word gets the first member's media that exists.
//!
//! * [`ProviderError::NoMatch`] (the member has nothing for this word) → the next member.
//! * Any other error is the chain's error, as the member gave it. A retryable error of the first
//!   member does **not** fall through to the next one: the queue retries the job later (with
//!   `Retry-After` it pauses the slot), so a word gets a human recording when one exists even
//!   if Commons was briefly busy, instead of a synthetic voice for good.
//! * The media names the member that made it ([`MediaBytes::provider`]) and carries that
//!   member's warning.
//!
//! Keys, deliberately:
//! * `settings_key` combines every member's key: changing the chain (order, members, a member's
//!   settings) makes cached media of the old chain not count as made by the new one.
//! * `limit_key` is the **first member's**. The slot's concurrency window and `Retry-After`
//!   pause belong to the server every job asks first; later members are asked only after a
//!   "no match" from it, so they never see more requests than it does. A pause a later member
//!   asks for (a 429 with `Retry-After`) pauses the chain's slot: the honest reading, since the
//!   slot is one queue.
//! * `name` is the members' names joined by `>` (e.g. `wikimedia>offline`): the slot's name,
//!   under which an account problem (a rejected key) pauses the chain's jobs.
//!
//! It knows nothing of which kinds exist: members are built by `providers::build`, so adding a
//! provider kind adds a chain member for free.

use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use super::{MediaRequest, Provider, ProviderError, ProviderFuture};

/// Providers asked in order until one has the media.
pub struct ChainProvider {
    members: Vec<Arc<dyn Provider>>,
    name: String,
}

impl ChainProvider {
    /// A chain of at least one member; the same provider twice is refused (it could only
    /// answer the same "no match" again).
    pub fn new(members: Vec<Arc<dyn Provider>>) -> Result<Self, String> {
        if members.is_empty() {
            return Err("a chain needs at least one provider".into());
        }
        let names: Vec<&str> = members.iter().map(|m| m.name()).collect();
        if let Some((i, dup)) = names.iter().enumerate().find(|(i, n)| names[..*i].contains(n)) {
            return Err(format!("'{dup}' is in the chain twice (position {})", i + 1));
        }
        let name = names.join(">");
        Ok(ChainProvider { members, name })
    }

    pub fn members(&self) -> &[Arc<dyn Provider>] {
        &self.members
    }
}

impl Provider for ChainProvider {
    fn name(&self) -> &str {
        &self.name
    }
    fn settings_key(&self) -> String {
        let keys: Vec<String> = self.members.iter().map(|m| m.settings_key()).collect();
        format!("chain[{}]", keys.join(" > "))
    }
    fn limit_key(&self) -> String {
        // `new` refuses an empty chain.
        self.members.first().map(|m| m.limit_key()).unwrap_or_default()
    }
    fn take_rate_budget(&self) -> Option<crate::limits::RateReport> {
        // Only the first member's budget describes the slot's limit key; the others' are
        // taken and dropped so a stale one is never read later.
        let mut budgets = self.members.iter().map(|m| m.take_rate_budget());
        let first = budgets.next().flatten();
        budgets.for_each(drop);
        first
    }
    fn generate<'a>(&'a self, request: &'a MediaRequest, cancel: &'a CancellationToken) -> ProviderFuture<'a> {
        Box::pin(async move {
            let mut misses: Vec<String> = Vec::new();
            for member in &self.members {
                match member.generate(request, cancel).await {
                    Ok(mut media) => {
                        media.provider.get_or_insert_with(|| member.name().to_string());
                        if media.warning.is_none() {
                            media.warning = member.warning(request);
                        }
                        return Ok(media);
                    }
                    Err(ProviderError::NoMatch { message }) => misses.push(message),
                    Err(other) => return Err(other),
                }
            }
            Err(ProviderError::no_match(misses.join("; ")))
        })
    }
}
