//! Media slots on the command line: which kinds a command makes (`--kinds`, `--image`,
//! `--audio`, else the deck's slots), `deck slots` to read or set what a deck generates, and
//! `deck sentence` to give a word its example sentence.

use anyhow::{Context, Result};
use clap::Args;
use deckmedia_core::{Core, Deck, MediaKind};

/// The kinds a `generate` or `regenerate` makes.
#[derive(Args, Debug, Clone, Default)]
pub struct KindArgs {
    /// Pictures only (or with --audio: pictures and word audio).
    #[arg(long)]
    pub image: bool,
    /// Word audio only (or with --image: pictures and word audio).
    #[arg(long)]
    pub audio: bool,
    /// These kinds, comma-separated: image, audio, translation-audio, sentence-audio. Default:
    /// the deck's slots (`deck slots`; a new deck makes image and audio).
    #[arg(long, value_name = "LIST", conflicts_with_all = ["image", "audio"])]
    pub kinds: Option<String>,
}

impl KindArgs {
    /// `--kinds`, else `--image`/`--audio`, else the deck's slots.
    pub fn resolve(&self, deck: &Deck) -> Result<Vec<MediaKind>> {
        if let Some(list) = &self.kinds {
            let kinds = MediaKind::parse_list(list).map_err(|e| anyhow::anyhow!("--kinds: {e} (use image, audio, translation-audio, sentence-audio)"))?;
            anyhow::ensure!(!kinds.is_empty(), "--kinds names no kind");
            return Ok(kinds);
        }
        Ok(match (self.image, self.audio) {
            (true, false) => vec![MediaKind::Image],
            (false, true) => vec![MediaKind::Audio],
            (true, true) => vec![MediaKind::Image, MediaKind::Audio],
            (false, false) => deck.slots.clone(),
        })
    }
}

#[derive(Args, Debug)]
pub struct SlotsArgs {
    #[arg(long)]
    deck: String,
    /// What "generate" makes for this deck from now on, comma-separated: image, audio,
    /// translation-audio, sentence-audio.
    #[arg(long, value_name = "LIST")]
    set: Option<String>,
    /// The language of the deck's translations (read by translation-audio; default English).
    #[arg(long, value_name = "CODE")]
    translation_lang: Option<String>,
    #[arg(long)]
    json: bool,
}

/// `deck slots`: prints (after setting, when asked) what the deck generates.
pub fn run_slots(core: &Core, args: SlotsArgs) -> Result<()> {
    let mut deck = core.deck_by_name(&args.deck)?;
    if args.set.is_some() || args.translation_lang.is_some() {
        let slots = match &args.set {
            Some(list) => MediaKind::parse_list(list).map_err(|e| anyhow::anyhow!("--set: {e} (use image, audio, translation-audio, sentence-audio)"))?,
            None => deck.slots.clone(),
        };
        deck = core.set_deck_slots(deck.id, &slots, args.translation_lang.as_deref())?;
    }
    if args.json {
        let json = serde_json::json!({ "deck": deck.name, "slots": deck.slots, "translation_language": deck.translation_language });
        println!("{}", serde_json::to_string_pretty(&json)?);
        return Ok(());
    }
    let names: Vec<&str> = deck.slots.iter().map(|&k| deckmedia_core::wording::kind_name(k)).collect();
    let language = if deck.translation_language.is_empty() { "en (default)" } else { deck.translation_language.as_str() };
    println!("{}: {}; translations in {language}", deck.name, names.join(", "));
    Ok(())
}

#[derive(Args, Debug)]
pub struct SentenceArgs {
    #[arg(long)]
    deck: String,
    /// The word, as in the deck.
    #[arg(long)]
    word: String,
    /// The example sentence (empty: remove it).
    sentence: String,
}

/// `deck sentence`: sets or removes one word's example sentence.
pub fn run_sentence(core: &Core, args: SentenceArgs) -> Result<()> {
    let deck = core.deck_by_name(&args.deck)?;
    let word = core.words(deck.id)?.into_iter().find(|w| w.text == args.word).with_context(|| format!("no word '{}' in deck '{}'", args.word, deck.name))?;
    let word = core.set_sentence(word.id, Some(&args.sentence))?;
    match word.sentence {
        Some(s) => println!("{}: {s}", word.text),
        None => println!("{}: no sentence", word.text),
    }
    Ok(())
}
