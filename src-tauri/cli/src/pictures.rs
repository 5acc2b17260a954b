//! `deckmedia pictures --deck D --word W [--photos] [--pick ID] [--json]`: "Choose picture…"
//! without the window — a word's candidate pictures, numbered, and making one its picture.

use anyhow::{Context, Result};
use clap::Args;
use deckmedia_core::chooser::PictureChoices;
use deckmedia_core::Core;

#[derive(Args, Debug)]
pub struct PicturesArgs {
    #[arg(long)]
    deck: String,
    /// The word, as its text is in the deck.
    #[arg(long)]
    word: String,
    /// Also look for photos (Wikimedia Commons, Openverse): network calls, once per word.
    #[arg(long)]
    photos: bool,
    /// Make candidate ID (from the list) the word's picture: no provider is asked.
    #[arg(long, value_name = "ID")]
    pick: Option<i64>,
    #[arg(long)]
    json: bool,
}

pub fn run(core: &Core, args: PicturesArgs) -> Result<()> {
    let deck = core.deck_by_name(&args.deck)?;
    let word = core
        .words(deck.id)?
        .into_iter()
        .find(|w| w.text == args.word)
        .with_context(|| format!("no word '{}' in deck '{}'", args.word, deck.name))?;
    if let Some(id) = args.pick {
        core.choose_picture(word.id, id)?;
    }
    let choices = if args.photos { crate::runtime().block_on(core.find_photos(word.id))? } else { core.picture_choices(word.id)? };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&choices)?);
    } else {
        print(&choices);
    }
    Ok(())
}

/// One line per candidate: `ID  source  label  [current]  path`, credits under it; then the
/// photo sources that had nothing.
fn print(choices: &PictureChoices) {
    for c in &choices.candidates {
        let mark = if c.current { "  (current)" } else { "" };
        println!("{:>5}  {:<9}  {}{mark}\n       {}", c.id, c.source.as_str(), c.label, c.path);
        if let Some(a) = &c.attribution {
            println!("       credit: {}", a.line());
        }
    }
    for line in &choices.unavailable {
        println!("no photo: {line}");
    }
}
