//! The dry run: what a batch will do before any call — per kind, the words to make, the words
//! skipped and why, the provider, an estimated cost and the provider's limits. It reads the same
//! rows [`queue::enqueue`] would take ([`queue::plan_rows`]), cleans the text the way the worker
//! will, and looks up media made for the same content elsewhere the way a claim does, so the
//! plan and the run agree.

use serde::Serialize;
use ts_rs::TS;

use crate::clean::{clean, Purpose, Rules};
use crate::config::ProviderConfig;
use crate::core::Core;
use crate::cost::Cost;
use crate::error::{DbContext, Error, Result};
use crate::model::{DeckId, MediaKind};
use crate::queue::{self, EnqueueOptions, PlanRow};

/// What a batch would do.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct BatchPlan {
    pub deck_id: DeckId,
    pub deck: String,
    pub kinds: Vec<KindPlan>,
    /// All kinds together.
    pub cost: Cost,
    /// Provider calls in all.
    pub calls: i64,
    /// The estimate is above `[cost] confirm_above` (or a paid provider's price is unknown for
    /// more than [`CONFIRM_UNKNOWN_CALLS`] calls): ask before starting.
    pub confirm: bool,
    /// One line for the window, the tray and the CLI ([`plan_summary`]); the words live here, with the plan.
    pub summary: String,
}

/// One kind of media of a [`BatchPlan`].
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct KindPlan {
    pub kind: MediaKind,
    /// The provider (and model, for a paid one), e.g. `openai tts-1`, `offline`.
    pub provider: String,
    /// Words the provider is asked for.
    pub to_make: i64,
    /// Of those, words whose file is missing or damaged (made again).
    pub repair: i64,
    /// Skipped: media with these settings already exist for the word.
    pub existing: i64,
    /// Skipped: the same cleaned text has media in another deck (copied, no call).
    pub same_elsewhere: i64,
    /// Skipped: queued or running in another batch (left to it).
    pub in_other_batch: i64,
    /// Skipped: the word has no text for this kind (no sentence for sentence audio, no
    /// translation for translation audio).
    pub no_text: i64,
    /// Characters of text sent (what speech is priced by).
    pub characters: i64,
    pub cost: Cost,
    /// The limits the app keeps for this provider, e.g. "4 at once, 60 a minute".
    pub limits: String,
    /// This kind in one line ([`kind_plan_line`]).
    pub line: String,
}

/// Most words a preview takes.
pub const MAX_PREVIEW: usize = 10;
/// Previews run before ordinary batches (0) and after "this word now" (100).
const PREVIEW_PRIORITY: i64 = 50;

/// A paid provider with no known price asks first above this many calls.
pub const CONFIRM_UNKNOWN_CALLS: i64 = 100;

impl Core {
    /// What [`Core::generate`] with the same arguments would do; makes no call and changes
    /// nothing. Reads every media file of the deck to find damaged ones, as generating does.
    pub fn plan(&self, deck_id: DeckId, kinds: &[MediaKind], force: bool) -> Result<BatchPlan> {
        self.plan_with(deck_id, kinds, force, true)
    }

    /// [`Core::plan`] for a line the window refreshes: files are checked by existence and size
    /// only (a file damaged without its size changing is found when the batch starts).
    pub fn plan_quick(&self, deck_id: DeckId, kinds: &[MediaKind]) -> Result<BatchPlan> {
        self.plan_with(deck_id, kinds, false, false)
    }

    fn plan_with(&self, deck_id: DeckId, kinds: &[MediaKind], force: bool, hash: bool) -> Result<BatchPlan> {
        let deck = self.deck(deck_id)?;
        let mut kinds = kinds.to_vec();
        kinds.sort();
        kinds.dedup();
        if kinds.is_empty() {
            return Err(Error::invalid("choose at least one kind of media (image, audio)"));
        }
        let rules = Rules::from_json(&self.deck_rules_json(deck_id)?).map_err(Error::invalid)?;
        let mut plans = Vec::with_capacity(kinds.len());
        for kind in kinds {
            let invalid_media = if force { Vec::new() } else { self.check_media(Some(deck_id), &[kind], hash)?.1.into_iter().map(|b| b.media_id).collect() };
            let opts = EnqueueOptions { force, invalid_media, ..Default::default() };
            let settings_key = self.providers().get(kind).provider.settings_key();
            let rows = queue::plan_rows(&self.store().read(), deck_id, kind, &settings_key, &opts)?;
            plans.push(self.kind_plan(kind, &rows, &settings_key, &rules, &opts)?);
        }
        let cost = plans.iter().fold(Cost::Free, |c, k| c.plus(k.cost.clone()));
        let calls = plans.iter().map(|k| k.to_make).sum();
        let confirm = match cost.amount() {
            Some(amount) => amount > self.config().cost.confirm_above,
            None => cost == Cost::Unknown && calls > CONFIRM_UNKNOWN_CALLS,
        };
        let mut plan = BatchPlan { deck_id, deck: deck.name, kinds: plans, cost, calls, confirm, summary: String::new() };
        plan.summary = plan_summary(&plan);
        Ok(plan)
    }

    /// [`Core::generate`] that first asks [`Core::plan`] when a paid provider would be used and
    /// the batch is not `confirmed`: above the threshold it starts nothing and returns
    /// [`Error::ConfirmCost`] with the plan's summary, for the window or the CLI to ask.
    pub fn generate_checked(&self, deck_id: DeckId, kinds: &[MediaKind], force: bool, confirmed: bool) -> Result<crate::model::BatchInfo> {
        let paid = kinds.iter().any(|&k| {
            let c = self.provider_config(k);
            c.provider.needs_key() || c.chain.iter().any(|m| m.needs_key())
        });
        if paid && !confirmed {
            let plan = self.plan(deck_id, kinds, force)?;
            if plan.confirm {
                let why = match plan.cost {
                    Cost::Unknown => format!("a paid provider with no known price, more than {CONFIRM_UNKNOWN_CALLS} calls"),
                    _ => format!("above the {:.2} set to ask first ([cost] confirm_above)", self.config().cost.confirm_above),
                };
                return Err(Error::ConfirmCost(format!("{}: {why}", plan_base(&plan))));
            }
        }
        self.generate(deck_id, kinds, force)
    }

    /// "Try a few first": a batch of the first `n` words (1..=[`MAX_PREVIEW`]) that a batch
    /// would make for some kind — or the deck's first words when every word has its media —
    /// ahead of everything else, with the current settings, so the user hears and sees them
    /// before a big batch. The later batch reuses what the preview made.
    pub fn preview(&self, deck_id: DeckId, kinds: &[MediaKind], n: usize) -> Result<crate::model::BatchInfo> {
        if !(1..=MAX_PREVIEW).contains(&n) {
            return Err(Error::invalid(format!("a preview is 1 to {MAX_PREVIEW} words")));
        }
        let mut wanted: Vec<crate::model::WordId> = Vec::with_capacity(n);
        let mut first: Vec<crate::model::WordId> = Vec::with_capacity(n);
        for &kind in kinds {
            let settings_key = self.providers().get(kind).provider.settings_key();
            let rows = queue::plan_rows(&self.store().read(), deck_id, kind, &settings_key, &EnqueueOptions::default())?;
            for r in rows.iter().filter(|r| !r.busy && r.has_text) {
                if first.len() < n && !first.contains(&r.word_id) {
                    first.push(r.word_id);
                }
                if !r.hit && wanted.len() < n && !wanted.contains(&r.word_id) {
                    wanted.push(r.word_id);
                }
            }
        }
        let ids = if wanted.is_empty() { first } else { wanted };
        if ids.is_empty() {
            return Err(Error::invalid("every word of this deck is already being generated"));
        }
        let opts = EnqueueOptions { priority: PREVIEW_PRIORITY, max_attempts: self.config().queue.max_attempts, word_ids: Some(ids), ..Default::default() };
        self.enqueue(deck_id, kinds, opts)
    }

    fn provider_config(&self, kind: MediaKind) -> &ProviderConfig {
        self.config().provider(kind)
    }

    fn kind_plan(&self, kind: MediaKind, rows: &[PlanRow], settings_key: &str, rules: &Rules, opts: &EnqueueOptions) -> Result<KindPlan> {
        let config = self.provider_config(kind);
        let conn = self.store().read();
        let mut cached = conn.prepare_cached("SELECT 1 FROM media WHERE cache_key = ?1 LIMIT 1").db("planning a batch")?;
        let mut p = KindPlan {
            kind,
            provider: provider_label(config),
            to_make: 0,
            repair: 0,
            existing: 0,
            same_elsewhere: 0,
            in_other_batch: 0,
            no_text: 0,
            characters: 0,
            cost: Cost::Free,
            limits: self.limits_text(kind, config),
            line: String::new(),
        };
        for row in rows {
            if !row.has_text {
                p.no_text += 1;
                continue;
            }
            if row.busy {
                p.in_other_batch += 1;
                continue;
            }
            if row.hit {
                p.existing += 1;
                continue;
            }
            // As the claim will see it: the cleaned text keys the media.
            let text = clean(&row.text, Purpose::of(kind), rules);
            let translation = row.translation.as_deref().map(|t| clean(t, Purpose::Picture, &Rules::default())).filter(|t| !t.is_empty());
            let key = crate::media::cache_key(kind, settings_key, &row.language, &text, translation.as_deref());
            if !opts.force && cached.exists([&key]).db("planning a batch")? {
                p.same_elsewhere += 1;
                continue;
            }
            p.to_make += 1;
            p.characters += text.chars().count() as i64;
        }
        p.repair = opts.invalid_media.len() as i64;
        p.cost = if config.chain.is_empty() {
            self.config().cost.estimate(config.provider, &config.model, p.to_make, p.characters)
        } else if p.to_make == 0 || config.chain.iter().all(|k| !k.needs_key()) {
            Cost::Free
        } else {
            // Which member makes each word is known only when it runs.
            Cost::Unknown
        };
        p.line = kind_plan_line(&p);
        Ok(p)
    }

    fn deck_rules_json(&self, deck_id: DeckId) -> Result<String> {
        self.store().read().query_row("SELECT text_rules FROM decks WHERE id = ?1", [deck_id], |r| r.get(0)).db("planning a batch")
    }
}

/// `offline`, `openai tts-1`, `chain wikimedia > offline`.
fn provider_label(c: &ProviderConfig) -> String {
    if !c.chain.is_empty() {
        return format!("chain {}", c.chain.iter().map(|k| k.to_string()).collect::<Vec<_>>().join(" > "));
    }
    if c.provider.needs_key() && !c.model.is_empty() {
        return format!("{} {}", c.provider, c.model);
    }
    c.provider.to_string()
}

/// "4 at once, 60 a minute".
impl Core {
    /// The limits the worker keeps for the kind's slot (the configured ones, capped for Wikimedia
    /// and Openverse): "4 at once, 60 a minute"; for a slot that asks Openverse, its request
    /// budget and what is left of today's ("Openverse: 20 requests a minute, 200 a day, 2 a
    /// word: 96 words left today"), read from the budget file the worker spends from.
    fn limits_text(&self, kind: MediaKind, c: &ProviderConfig) -> String {
        use crate::providers::openverse::{budget::Budget, OpenverseSettings, BUDGET_FILE, REQUESTS_PER_WORD};
        let slot = self.providers().get(kind);
        let mut s = format!("{} at once", slot.max_concurrency);
        if slot.requests_per_minute > 0 {
            s.push_str(&format!(", {} a minute", slot.requests_per_minute));
        }
        let asks_openverse = c.provider == crate::model::ProviderKind::Openverse || c.chain.contains(&crate::model::ProviderKind::Openverse);
        if asks_openverse {
            let ov = OpenverseSettings::from_config(&self.config().openverse, "", c.timeout(), c.connect_timeout());
            let left = Budget::load(Some(&self.data_dir().join(BUDGET_FILE)), ov.per_minute, ov.per_day).left_today(crate::store::now_ms());
            s.push_str(&format!(
                "; Openverse: {} requests a minute, {} a day, {REQUESTS_PER_WORD} a word: {} words left today",
                crate::wording::thousands(i64::from(ov.per_minute)),
                crate::wording::thousands(i64::from(ov.per_day)),
                crate::wording::thousands(i64::from(left / REQUESTS_PER_WORD))
            ));
        }
        s
    }
}

/// One kind of a dry run: "audio: 18 to make with openai tts-1 (about $0.03 for 2,000 characters;
/// 4 at once); skipped: 2 already made, 1 same text in another deck".
fn kind_plan_line(p: &KindPlan) -> String {
    let what = crate::wording::kind_name(p.kind);
    let mut s = if p.to_make == 0 { format!("{what}: nothing to make") } else { format!("{what}: {} to make", p.to_make) };
    if p.to_make > 0 {
        let cost = match (&p.cost, p.kind) {
            (Cost::Estimated { .. }, kind) if kind.is_audio() => format!("{} for {} characters", crate::wording::money(&p.cost), crate::wording::thousands(p.characters)),
            _ => crate::wording::money(&p.cost),
        };
        s.push_str(&format!(" with {} ({cost}; {})", p.provider, p.limits));
    }
    if p.repair > 0 {
        s.push_str(&format!(", {} of them to replace a missing or damaged file", p.repair));
    }
    let no_text = format!("without {}", crate::wording::kind_source(p.kind).trim_start_matches("a "));
    let skipped: Vec<String> = [(p.existing, "already made"), (p.same_elsewhere, "same text in another deck"), (p.in_other_batch, "queued in another batch"), (p.no_text, no_text.as_str())]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, why)| format!("{n} {why}"))
        .collect();
    if !skipped.is_empty() {
        s.push_str(&format!("; skipped: {}", skipped.join(", ")));
    }
    s
}

/// A dry run in one line: "Spanish A1: 38 to make, free", "Spanish A1: 120 to make, about $1.80 —
/// confirm to start", "Spanish A1: nothing to make, every word has its media".
fn plan_summary(p: &BatchPlan) -> String {
    if p.calls == 0 {
        return format!("{}: nothing to make, every word has its media", p.deck);
    }
    let mut s = plan_base(p);
    if p.confirm {
        s.push_str(" — confirm to start");
    }
    s
}


/// "Spanish A1: 120 to make, about $1.80".
fn plan_base(p: &BatchPlan) -> String {
    format!("{}: {} to make, {}", p.deck, crate::wording::thousands(p.calls), crate::wording::money(&p.cost))
}
