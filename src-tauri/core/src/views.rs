//! What the desktop UI reads and does beyond the CLI's needs: deck summaries with media
//! coverage, a page of a deck's media, a batch's per-word errors, deleting one word, and
//! saving the settings. Same rules as [`Core`]'s other methods: blocking, short, one call each.

use serde::Serialize;
use ts_rs::TS;

use crate::config::Config;
use crate::core::Core;
use crate::error::{DbContext, Error, Result};
use crate::model::{BatchId, DeckId, MediaKind, WordId, WordMedia};
use crate::providers::ProviderSet;
use crate::queue;
use crate::store::now_ms;

/// A deck in the deck list: its words and how many of them have each kind of media.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct DeckSummary {
    pub id: DeckId,
    pub name: String,
    pub language: String,
    pub word_count: i64,
    pub created_at: i64,
    pub images_done: i64,
    pub audio_done: i64,
    /// Words whose latest picture job failed (and that have no picture).
    pub images_failed: i64,
    pub audio_failed: i64,
    /// What "Generate" makes for this deck ([`crate::model::Deck::slots`]).
    pub slots: Vec<MediaKind>,
    /// The language of its translations (empty: English).
    pub translation_language: String,
}

/// Words `offset..offset + items.len()` of a deck of `total` words.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct MediaPage {
    pub total: i64,
    pub offset: i64,
    pub items: Vec<WordMedia>,
}

pub use crate::model::{BatchFailures, WordError};

/// Largest page [`Core::media_page`] returns.
pub const MAX_PAGE: i64 = 1_000;

impl Core {
    /// Every deck with its media coverage, by name.
    pub fn deck_summaries(&self) -> Result<Vec<DeckSummary>> {
        let conn = self.store().read();
        let mut stmt = conn
            .prepare(
                "SELECT d.id, d.name, d.language, d.created_at,
                        (SELECT COUNT(*) FROM words w WHERE w.deck_id = d.id),
                        (SELECT COUNT(*) FROM media m JOIN words w ON w.id = m.word_id WHERE w.deck_id = d.id AND m.kind = 'image'),
                        (SELECT COUNT(*) FROM media m JOIN words w ON w.id = m.word_id WHERE w.deck_id = d.id AND m.kind = 'audio'),
                        (SELECT COUNT(*) FROM jobs j JOIN words w ON w.id = j.word_id
                          WHERE w.deck_id = d.id AND j.kind = 'image' AND j.status = 'failed'
                            AND j.id = (SELECT MAX(id) FROM jobs WHERE word_id = j.word_id AND kind = 'image')
                            AND NOT EXISTS(SELECT 1 FROM media m WHERE m.word_id = j.word_id AND m.kind = 'image')),
                        (SELECT COUNT(*) FROM jobs j JOIN words w ON w.id = j.word_id
                          WHERE w.deck_id = d.id AND j.kind = 'audio' AND j.status = 'failed'
                            AND j.id = (SELECT MAX(id) FROM jobs WHERE word_id = j.word_id AND kind = 'audio')
                            AND NOT EXISTS(SELECT 1 FROM media m WHERE m.word_id = j.word_id AND m.kind = 'audio')),
                        d.slots, d.translation_language
                 FROM decks d ORDER BY d.name COLLATE NOCASE, d.id",
            )
            .db("listing decks")?;
        let rows = stmt
            .query_map([], |r| {
                let slots: String = r.get(9)?;
                let slots = MediaKind::parse_list(&slots).map_err(|e| rusqlite::Error::FromSqlConversionFailure(9, rusqlite::types::Type::Text, Box::new(e)))?;
                Ok(DeckSummary {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    language: r.get(2)?,
                    created_at: r.get(3)?,
                    word_count: r.get(4)?,
                    images_done: r.get(5)?,
                    audio_done: r.get(6)?,
                    images_failed: r.get(7)?,
                    audio_failed: r.get(8)?,
                    slots,
                    translation_language: r.get(10)?,
                })
            })
            .db("listing decks")?;
        rows.collect::<std::result::Result<_, _>>().db("listing decks")
    }

    /// A page of a deck's words with their media, in deck order. `limit` is capped at
    /// [`MAX_PAGE`].
    pub fn media_page(&self, deck_id: DeckId, offset: i64, limit: i64) -> Result<MediaPage> {
        if offset < 0 || limit < 1 {
            return Err(Error::invalid("a page needs offset ≥ 0 and limit ≥ 1"));
        }
        let limit = limit.min(MAX_PAGE);
        let total = self.deck(deck_id)?.word_count;
        let conn = self.store().read();
        let items = queue::media_of_deck_page(&conn, deck_id, self.data_dir(), offset, limit)?;
        Ok(MediaPage { total, offset, items })
    }

    /// The words of a batch whose media failed, with the reason and its kind.
    pub fn batch_errors(&self, batch_id: BatchId) -> Result<Vec<WordError>> {
        self.batch(batch_id)?;
        queue::batch_errors(&self.store().read(), batch_id)
    }

    /// A batch's summary line and failed words ([`queue::batch_failures`]).
    pub fn batch_failures(&self, batch_id: BatchId) -> Result<BatchFailures> {
        let batch = self.batch(batch_id)?;
        queue::batch_failures(&self.store().read(), &batch)
    }

    /// The batch "Undo last regeneration" would take back for `deck_id` (or one word of it).
    pub fn undoable(&self, deck_id: DeckId, word_id: Option<WordId>) -> Result<Option<BatchId>> {
        self.deck(deck_id)?;
        queue::undoable(&self.store().read(), deck_id, word_id)
    }

    /// Puts back the media the last regeneration of `deck_id` (or of its word `word_id`)
    /// replaced; `None` when there is nothing to undo. The replaced files are still in the
    /// store: nothing is generated again.
    pub fn undo_regeneration(&self, deck_id: DeckId, word_id: Option<WordId>) -> Result<Option<queue::Undone>> {
        self.deck(deck_id)?;
        if let Some(w) = word_id {
            if self.store().word(w)?.deck_id != deck_id {
                return Err(Error::invalid(format!("word {w} is not in this deck")));
            }
        }
        queue::undo_last(&mut self.store().conn(), deck_id, word_id)
    }

    /// Deletes one word with its media rows and jobs. Batches that had jobs for it are
    /// recounted (a batch waiting only on that word finishes), and announced.
    pub fn delete_word(&self, word_id: WordId) -> Result<()> {
        let now = now_ms();
        let batches = queue::delete_word(&mut self.store().conn(), word_id, now)?;
        for b in batches {
            self.announce(b)?;
        }
        Ok(())
    }

    /// Checks a configuration (the providers it names can be built) and writes it to
    /// `config.toml` atomically. API keys are not part of it. It takes effect when the core is
    /// next opened; the desktop app reopens it at once.
    pub fn save_config(&self, config: &Config) -> Result<()> {
        // Never write a config the next start would refuse (Config::load validates the same).
        config.validate()?;
        ProviderSet::from_config(config)?;
        let text = toml::to_string_pretty(config).map_err(|e| Error::Config(format!("cannot write the settings: {e}")))?;
        let path = self.data_dir().join("config.toml");
        let tmp = self.data_dir().join("config.toml.tmp");
        std::fs::write(&tmp, text).map_err(|e| Error::io("cannot save the settings", &tmp, e))?;
        crate::private::restrict_file(&tmp);
        std::fs::rename(&tmp, &path).map_err(|e| Error::io("cannot save the settings", &path, e))?;
        Ok(())
    }
}
