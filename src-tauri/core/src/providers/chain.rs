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
        if let Some((i, dup)) = names.iter().enumerate().find(|(i, n)| names[..*i].contains(*n)) {
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
    fn take_rate_reports(&self) -> Vec<crate::limits::RateReport> {
        // Only the first member's budgets describe the slot's limit key; the others' are
        // taken and dropped so a stale one is never read later.
        let mut reports = self.members.iter().map(|m| m.take_rate_reports());
        let first = reports.next().unwrap_or_default();
        reports.for_each(drop);
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

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;
    use crate::model::MediaKind;
    use crate::providers::MediaBytes;

    /// A member that answers one fixed result and counts its calls.
    struct Stub {
        name: &'static str,
        answer: Result<&'static str, ProviderError>,
        calls: AtomicUsize,
    }

    impl Stub {
        fn new(name: &'static str, answer: Result<&'static str, ProviderError>) -> Arc<Stub> {
            Arc::new(Stub { name, answer, calls: AtomicUsize::new(0) })
        }
    }

    impl Provider for Stub {
        fn name(&self) -> &str {
            self.name
        }
        fn settings_key(&self) -> String {
            format!("{}-settings", self.name)
        }
        fn limit_key(&self) -> String {
            format!("{}-server", self.name)
        }
        fn warning(&self, _: &MediaRequest) -> Option<String> {
            Some(format!("{} warns", self.name))
        }
        fn generate<'a>(&'a self, _: &'a MediaRequest, _: &'a CancellationToken) -> ProviderFuture<'a> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            let answer = self.answer.clone().map(|text| MediaBytes::new(text.as_bytes().to_vec(), "audio/ogg", "ogg"));
            Box::pin(async move { answer })
        }
    }

    fn request() -> MediaRequest {
        MediaRequest { kind: MediaKind::Audio, text: "manzana".into(), language: "es".into(), translation: None }
    }

    fn chain(members: &[&Arc<Stub>]) -> ChainProvider {
        ChainProvider::new(members.iter().map(|m| Arc::clone(*m) as Arc<dyn Provider>).collect()).unwrap()
    }

    #[tokio::test]
    async fn no_match_falls_through_and_the_media_names_the_member_that_made_it() {
        let human = Stub::new("wikimedia", Err(ProviderError::no_match("no recording of 'manzana' in Spanish")));
        let voice = Stub::new("offline", Ok("espeak"));
        let c = chain(&[&human, &voice]);
        let media = c.generate(&request(), &CancellationToken::new()).await.unwrap();
        assert_eq!(media.bytes, b"espeak");
        assert_eq!(media.provider.as_deref(), Some("offline"));
        assert_eq!(media.warning.as_deref(), Some("offline warns"), "the maker's warning, not the chain's");
        assert_eq!((human.calls.load(Ordering::SeqCst), voice.calls.load(Ordering::SeqCst)), (1, 1));
        assert_eq!(c.warning(&request()), None);
    }

    #[tokio::test]
    async fn other_errors_stop_the_chain_so_the_queue_retries_the_first_member() {
        let busy = ProviderError::Retryable { message: "maxlag".into(), retry_after: Some(Duration::from_secs(5)), rate_limited: true };
        for error in [busy, ProviderError::unreachable("down"), ProviderError::permanent("broken")] {
            let human = Stub::new("wikimedia", Err(error.clone()));
            let voice = Stub::new("offline", Ok("espeak"));
            let c = chain(&[&human, &voice]);
            assert_eq!(c.generate(&request(), &CancellationToken::new()).await, Err(error));
            assert_eq!(voice.calls.load(Ordering::SeqCst), 0, "the next member is not asked");
        }
        let none = chain(&[&Stub::new("a", Err(ProviderError::no_match("not in a"))), &Stub::new("b", Err(ProviderError::no_match("not in b")))]);
        assert_eq!(none.generate(&request(), &CancellationToken::new()).await, Err(ProviderError::no_match("not in a; not in b")));
    }

    #[test]
    fn keys_name_every_member_in_order_and_limits_follow_the_first() {
        let (a, b) = (Stub::new("wikimedia", Ok("x")), Stub::new("offline", Ok("y")));
        let ab = chain(&[&a, &b]);
        let ba = chain(&[&b, &a]);
        assert_eq!(ab.name(), "wikimedia>offline");
        assert_eq!(ab.settings_key(), "chain[wikimedia-settings > offline-settings]");
        assert_ne!(ab.settings_key(), ba.settings_key(), "another order is other media");
        assert_ne!(ab.settings_key(), chain(&[&a]).settings_key());
        assert_eq!(ab.limit_key(), "wikimedia-server");
        assert!(ChainProvider::new(vec![a.clone(), a.clone()]).is_err_and(|e| e.contains("twice")));
        assert!(ChainProvider::new(Vec::new()).is_err());
    }
}
