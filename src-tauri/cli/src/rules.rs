//! `deckmedia deck rules`: a deck's text rules (regular-expression replacements applied to each
//! word before it goes to a provider), and a way to try them on a text.

use anyhow::Result;
use clap::Args;
use deckmedia_core::clean::{clean, Purpose, Rules, TextRule};
use deckmedia_core::Core;

#[derive(Args, Debug)]
pub struct RulesArgs {
    #[arg(long)]
    deck: String,
    /// Add a rule at the end: a PATTERN (Rust regex syntax) and what its matches become
    /// (`$1` names a group; left out = removed).
    #[arg(long, num_args = 1..=2, value_names = ["PATTERN", "REPLACEMENT"])]
    add: Option<Vec<String>>,
    /// Remove rule N (as numbered by the list).
    #[arg(long, value_name = "N")]
    remove: Option<usize>,
    /// Remove every rule.
    #[arg(long)]
    clear: bool,
    /// Show what a voice and a picture search would be given for TEXT with this deck's rules.
    #[arg(long, value_name = "TEXT")]
    try_text: Option<String>,
    #[arg(long)]
    json: bool,
}

pub fn run(core: &Core, args: RulesArgs) -> Result<()> {
    let deck = core.deck_by_name(&args.deck)?;
    let mut rules = core.text_rules(deck.id)?;
    let changed = args.add.is_some() || args.remove.is_some() || args.clear;
    if args.clear {
        rules.clear();
    }
    if let Some(n) = args.remove {
        if n == 0 || n > rules.len() {
            anyhow::bail!("deck '{}' has no text rule {n} ({} rules)", deck.name, rules.len());
        }
        rules.remove(n - 1);
    }
    if let Some(add) = args.add {
        let mut parts = add.into_iter();
        let pattern = parts.next().unwrap_or_default();
        rules.push(TextRule { pattern, replace: parts.next().unwrap_or_default() });
    }
    if changed {
        core.set_text_rules(deck.id, &rules)?;
    }
    if let Some(text) = &args.try_text {
        let compiled = Rules::compile(&rules).map_err(anyhow::Error::msg)?;
        println!("spoken:  {}", clean(text, Purpose::Speech, &compiled));
        println!("picture: {}", clean(text, Purpose::Picture, &compiled));
        return Ok(());
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&rules)?);
    } else if rules.is_empty() {
        println!("deck '{}' has no text rules (HTML, cloze markers, [sound:…] tags and furigana are removed anyway)", deck.name);
    } else {
        for (i, r) in rules.iter().enumerate() {
            println!("{}\t{}\t→ {}", i + 1, r.pattern, if r.replace.is_empty() { "(removed)" } else { &r.replace });
        }
    }
    Ok(())
}
