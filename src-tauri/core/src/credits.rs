//! A deck's credits: every media file whose licence asks for credit (recordings and photos from
//! Wikimedia Commons, photos from Openverse, Mulberry pictograms), with who made it, its licence
//! and where it came from — what `deckmedia credits --deck NAME` prints and a deck's publisher
//! copies into a description. Read from the same rows as the deck view (`media_of_deck`).

use serde::Serialize;

use crate::core::Core;
use crate::error::Result;
use crate::model::{MediaKind, MediaState, WordMedia};

/// One credited media file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Credit {
    pub word: String,
    pub kind: MediaKind,
    /// The provider that made it (`wikimedia`, `openverse`, `offline`).
    pub source: String,
    pub author: String,
    pub licence: String,
    pub licence_url: Option<String>,
    /// The work's page (Commons' file page, the page Openverse found it on).
    pub page_url: String,
    /// The file in the media store.
    pub path: String,
    /// The word was edited after the file was made (an export leaves it out).
    pub stale: bool,
}

impl Credit {
    /// One line: "manzana (image, wikimedia): Rodelar, CC BY-SA 4.0 (https://…), https://…".
    pub fn line(&self) -> String {
        let credit = crate::model::Attribution {
            author: self.author.clone(),
            licence: self.licence.clone(),
            licence_url: self.licence_url.clone(),
            source_url: self.page_url.clone(),
        };
        let stale = if self.stale { " [word edited since]" } else { "" };
        format!("{} ({}, {}): {}{stale}", self.word, self.kind, self.source, credit.line())
    }
}

impl Core {
    /// Every credited media file of the deck named `deck`, in the deck's word order, picture
    /// before audio.
    pub fn credits(&self, deck: &str) -> Result<Vec<Credit>> {
        let deck = self.deck_by_name(deck)?;
        Ok(self.media_of_deck(deck.id)?.iter().flat_map(credits_of_word).collect())
    }
}

fn credits_of_word(w: &WordMedia) -> Vec<Credit> {
    MediaKind::ALL.into_iter().filter_map(|kind| credit(w, kind, w.media(kind))).collect()
}

fn credit(w: &WordMedia, kind: MediaKind, m: &MediaState) -> Option<Credit> {
    let a = m.attribution.as_ref()?;
    Some(Credit {
        word: w.text.clone(),
        kind,
        source: m.provider.clone().unwrap_or_default(),
        author: a.author.clone(),
        licence: a.licence.clone(),
        licence_url: a.licence_url.clone(),
        page_url: a.source_url.clone(),
        path: m.path.clone()?,
        stale: m.stale,
    })
}
