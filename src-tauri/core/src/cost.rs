//! What a batch costs with a paid provider: a small price table, user-editable (`[cost]` in
//! `config.toml`), on top of built-in list prices for the models the app knows.
//!
//! ```toml
//! [cost]
//! confirm_above = 1.0          # ask before a batch estimated above this (in the price's currency)
//! [[cost.prices]]
//! provider = "openai"
//! model = "gpt-image-1"        # "" = any model of that provider
//! per_item = 0.042             # per picture or recording
//! # per_1k_chars = 0.015       # per 1,000 characters of text spoken
//! ```
//! A price the table does not know is "unknown", never a guess. Providers with no account
//! (offline, neural, Wikimedia) are free.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::model::ProviderKind;

/// `[cost]` in `config.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CostConfig {
    /// A batch estimated above this asks for a confirmation first (window and CLI).
    pub confirm_above: f64,
    /// The user's prices; they win over the built-in ones.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub prices: Vec<Price>,
}

impl Default for CostConfig {
    fn default() -> Self {
        CostConfig { confirm_above: 1.0, prices: Vec::new() }
    }
}

/// One price: per item, per 1,000 characters, or both (added).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Price {
    pub provider: ProviderKind,
    /// The model it applies to; empty = every model of the provider.
    #[serde(default)]
    pub model: String,
    #[serde(default)]
    pub per_item: Option<f64>,
    #[serde(default)]
    pub per_1k_chars: Option<f64>,
    /// ISO code, e.g. USD.
    #[serde(default = "usd")]
    pub currency: String,
}

fn usd() -> String {
    "USD".into()
}

/// OpenAI's published list prices (USD, checked 2025): speech per 1,000 characters, pictures per
/// image at the default size and quality. gpt-image-1 is priced by tokens and quality, so it is
/// left to the user's table.
fn built_in() -> Vec<Price> {
    let p = |model: &str, per_item: Option<f64>, per_1k_chars: Option<f64>| Price { provider: ProviderKind::OpenAi, model: model.into(), per_item, per_1k_chars, currency: usd() };
    vec![p("tts-1", None, Some(0.015)), p("tts-1-hd", None, Some(0.030)), p("dall-e-3", Some(0.040), None), p("dall-e-2", Some(0.020), None)]
}

/// What a batch (or one kind of it) costs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Cost {
    /// No account, nothing to pay.
    Free,
    /// From the price table.
    Estimated { amount: f64, currency: String },
    /// A paid provider the table has no price for.
    Unknown,
}

impl Cost {
    /// The sum of two costs: unknown if either is; estimates in two currencies are unknown too.
    pub fn plus(self, other: Cost) -> Cost {
        match (self, other) {
            (Cost::Free, c) | (c, Cost::Free) => c,
            (Cost::Estimated { amount: a, currency: ca }, Cost::Estimated { amount: b, currency: cb }) if ca == cb => Cost::Estimated { amount: a + b, currency: ca },
            _ => Cost::Unknown,
        }
    }

    /// The amount when it is known and above zero.
    pub fn amount(&self) -> Option<f64> {
        match self {
            Cost::Estimated { amount, .. } => Some(*amount),
            _ => None,
        }
    }
}

impl CostConfig {
    /// The price of `provider`'s `model`: the user's table first, then the built-in one.
    pub fn price(&self, provider: ProviderKind, model: &str) -> Option<Price> {
        let fits = |p: &&Price| p.provider == provider && (p.model.is_empty() || p.model == model);
        self.prices.iter().find(fits).cloned().or_else(|| built_in().iter().find(fits).cloned())
    }

    /// What `items` calls to `provider` with `chars` characters of text in all cost.
    pub fn estimate(&self, provider: ProviderKind, model: &str, items: i64, chars: i64) -> Cost {
        if !provider.needs_key() || items == 0 {
            return Cost::Free;
        }
        match self.price(provider, model) {
            Some(p) if p.per_item.is_some() || p.per_1k_chars.is_some() => {
                let amount = p.per_item.unwrap_or(0.0) * items as f64 + p.per_1k_chars.unwrap_or(0.0) * chars as f64 / 1000.0;
                Cost::Estimated { amount, currency: p.currency }
            }
            _ => Cost::Unknown,
        }
    }

    /// Checked when the config is loaded or saved.
    pub fn validate(&self) -> Result<(), String> {
        if !(self.confirm_above.is_finite() && self.confirm_above >= 0.0) {
            return Err("[cost] confirm_above must be a number ≥ 0".into());
        }
        for (i, p) in self.prices.iter().enumerate() {
            let ok = |v: Option<f64>| v.is_none_or(|v| v.is_finite() && v >= 0.0);
            if !ok(p.per_item) || !ok(p.per_1k_chars) {
                return Err(format!("[[cost.prices]] entry {}: prices must be numbers ≥ 0", i + 1));
            }
            if p.currency.len() != 3 || !p.currency.chars().all(|c| c.is_ascii_uppercase()) {
                return Err(format!("[[cost.prices]] entry {}: currency must be a code like USD", i + 1));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speech_is_priced_by_characters_and_pictures_by_item() {
        let c = CostConfig::default();
        assert_eq!(c.estimate(ProviderKind::OpenAi, "tts-1", 20, 2_000), Cost::Estimated { amount: 0.03, currency: "USD".into() });
        let Cost::Estimated { amount, .. } = c.estimate(ProviderKind::OpenAi, "dall-e-3", 100, 600) else { panic!() };
        assert!((amount - 4.0).abs() < 1e-9, "{amount}");
        assert_eq!(c.estimate(ProviderKind::OpenAi, "gpt-image-1", 5, 0), Cost::Unknown, "not in the table: no guess");
        assert_eq!(c.estimate(ProviderKind::ElevenLabs, "eleven_multilingual_v2", 5, 50), Cost::Unknown);
        assert_eq!(c.estimate(ProviderKind::Offline, "", 500, 5_000), Cost::Free);
        assert_eq!(c.estimate(ProviderKind::Neural, "", 500, 5_000), Cost::Free);
        assert_eq!(c.estimate(ProviderKind::OpenAi, "tts-1", 0, 0), Cost::Free, "nothing to make costs nothing");
    }

    #[test]
    fn the_users_price_wins_and_any_model_matches_an_empty_one() {
        let c = CostConfig {
            prices: vec![
                Price { provider: ProviderKind::OpenAi, model: "tts-1".into(), per_item: None, per_1k_chars: Some(0.02), currency: "EUR".into() },
                Price { provider: ProviderKind::ElevenLabs, model: String::new(), per_item: Some(0.001), per_1k_chars: Some(0.3), currency: "USD".into() },
            ],
            ..Default::default()
        };
        assert_eq!(c.estimate(ProviderKind::OpenAi, "tts-1", 1, 500), Cost::Estimated { amount: 0.01, currency: "EUR".into() });
        let Some(amount) = c.estimate(ProviderKind::ElevenLabs, "any", 10, 1_000).amount() else { panic!() };
        assert!((amount - 0.31).abs() < 1e-9, "{amount}");
    }

    #[test]
    fn costs_add_up_and_unknown_or_mixed_currencies_stay_unknown() {
        let usd = |a| Cost::Estimated { amount: a, currency: "USD".into() };
        assert_eq!(Cost::Free.plus(usd(1.5)), usd(1.5));
        assert_eq!(usd(1.0).plus(usd(0.5)), usd(1.5));
        assert_eq!(usd(1.0).plus(Cost::Unknown), Cost::Unknown);
        assert_eq!(usd(1.0).plus(Cost::Estimated { amount: 1.0, currency: "EUR".into() }), Cost::Unknown);
        assert_eq!(Cost::Free.plus(Cost::Free), Cost::Free);
    }

    #[test]
    fn bad_prices_are_refused() {
        let bad = |p: Price| CostConfig { prices: vec![p], ..Default::default() }.validate();
        let p = Price { provider: ProviderKind::OpenAi, model: String::new(), per_item: Some(-1.0), per_1k_chars: None, currency: "USD".into() };
        assert!(bad(p.clone()).is_err());
        assert!(bad(Price { per_item: Some(f64::NAN), ..p.clone() }).is_err());
        assert!(bad(Price { per_item: Some(1.0), currency: "dollars".into(), ..p.clone() }).is_err());
        assert!(bad(Price { per_item: Some(1.0), ..p }).is_ok());
        assert!(CostConfig { confirm_above: -1.0, ..Default::default() }.validate().is_err());
    }
}
