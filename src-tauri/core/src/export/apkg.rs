//! The Anki package (`.apkg`) writer, the classic layout every Anki 2.1 imports:
//!
//! ```text
//! deck.apkg (zip)
//! ├── collection.anki2   SQLite, schema 11: col, notes, cards, revlog, graves
//! ├── media              JSON {"0": "deckmedia-….png", "1": "deckmedia-….mp3", …}
//! ├── 0, 1, …            the media files, numbered
//! ```
//!
//! One note per word of the note type [`NOTETYPE_NAME`] (fields Word, Translation, Picture,
//! Audio, Attribution — filled only when the media's licence asks for credit, shown
//! small on the back; appended so the first four keep their places — then Sentence,
//! TranslationAudio and SentenceAudio, appended for the same reason and shown on the back); one card: word, picture and audio on the front, translation on the back). Ids are
//! stable so importing a re-export updates the notes instead of duplicating them: the note
//! type's id is a constant (the same note type for every deck), the deck's id is derived from
//! its name, and each note's guid from the Deck Media deck and word it came from. Word text is
//! HTML-escaped; words without media get empty fields.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use rusqlite::{params, Connection};
use serde_json::{json, Value};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use crate::text::html_escape;
use super::{clean_text, copy_hashing, ExportDeck, ExportWord, MediaNames, TempPath};
use crate::error::{DbContext, Error, Result};
use crate::store::now_ms;

/// The note type every export uses.
pub const NOTETYPE_NAME: &str = "Deck Media (word, picture, audio)";
/// Its fields, in order.
pub const FIELDS: [&str; 8] = ["Word", "Translation", "Picture", "Audio", "Attribution", "Sentence", "TranslationAudio", "SentenceAudio"];
/// The tag every exported note carries.
pub const TAG: &str = "deckmedia";
/// The SQLite file inside the package.
pub const COLLECTION_ENTRY: &str = "collection.anki2";
/// The media map inside the package.
pub const MEDIA_ENTRY: &str = "media";

const FRONT: &str = r#"<div class="dm-word">{{Word}}</div>
{{#Picture}}<div class="dm-picture">{{Picture}}</div>{{/Picture}}
<div class="dm-audio">{{Audio}}</div>"#;

const BACK: &str = r#"{{FrontSide}}

<hr id="answer">

<div class="dm-translation">{{Translation}}</div>
{{#TranslationAudio}}<div class="dm-audio">{{TranslationAudio}}</div>{{/TranslationAudio}}
{{#Sentence}}<div class="dm-sentence">{{Sentence}}</div>{{/Sentence}}
{{#SentenceAudio}}<div class="dm-audio">{{SentenceAudio}}</div>{{/SentenceAudio}}
{{#Attribution}}<div class="dm-credit">{{Attribution}}</div>{{/Attribution}}"#;

const CSS: &str = r#".card {
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif;
  font-size: 28px;
  text-align: center;
  color: #1d1d1f;
  background-color: #ffffff;
}
.nightMode .card, .card.nightMode { color: #f2f2f2; background-color: #1e1e1e; }
.dm-word { font-size: 44px; font-weight: 600; margin: 16px 0; }
.dm-picture img { max-width: 90%; max-height: 320px; border-radius: 8px; }
.dm-translation { font-size: 32px; color: #444; }
.nightMode .dm-translation { color: #ccc; }
.dm-sentence { font-size: 24px; font-style: italic; margin-top: 16px; }
.dm-credit { font-size: 12px; color: #888; margin-top: 24px; }
"#;

/// Anki's schema 11, as `collection.anki2` in packages has it.
const SCHEMA: &str = "
CREATE TABLE col (
    id integer PRIMARY KEY, crt integer NOT NULL, mod integer NOT NULL, scm integer NOT NULL,
    ver integer NOT NULL, dty integer NOT NULL, usn integer NOT NULL, ls integer NOT NULL,
    conf text NOT NULL, models text NOT NULL, decks text NOT NULL, dconf text NOT NULL, tags text NOT NULL
);
CREATE TABLE notes (
    id integer PRIMARY KEY, guid text NOT NULL, mid integer NOT NULL, mod integer NOT NULL,
    usn integer NOT NULL, tags text NOT NULL, flds text NOT NULL, sfld integer NOT NULL,
    csum integer NOT NULL, flags integer NOT NULL, data text NOT NULL
);
CREATE TABLE cards (
    id integer PRIMARY KEY, nid integer NOT NULL, did integer NOT NULL, ord integer NOT NULL,
    mod integer NOT NULL, usn integer NOT NULL, type integer NOT NULL, queue integer NOT NULL,
    due integer NOT NULL, ivl integer NOT NULL, factor integer NOT NULL, reps integer NOT NULL,
    lapses integer NOT NULL, left integer NOT NULL, odue integer NOT NULL, odid integer NOT NULL,
    flags integer NOT NULL, data text NOT NULL
);
CREATE TABLE revlog (
    id integer PRIMARY KEY, cid integer NOT NULL, usn integer NOT NULL, ease integer NOT NULL,
    ivl integer NOT NULL, lastIvl integer NOT NULL, factor integer NOT NULL, time integer NOT NULL,
    type integer NOT NULL
);
CREATE TABLE graves (usn integer NOT NULL, oid integer NOT NULL, type integer NOT NULL);
CREATE INDEX ix_notes_usn ON notes (usn);
CREATE INDEX ix_cards_usn ON cards (usn);
CREATE INDEX ix_revlog_usn ON revlog (usn);
CREATE INDEX ix_cards_nid ON cards (nid);
CREATE INDEX ix_cards_sched ON cards (did, queue, due);
CREATE INDEX ix_revlog_cid ON revlog (cid);
CREATE INDEX ix_notes_csum ON notes (csum);
";

/// The note type's id: the same in every export, so Anki keeps one "Deck Media" note type.
pub fn notetype_id() -> i64 {
    stable_id("deckmedia/notetype/word-translation-picture-audio/1")
}

/// The Anki deck id of a deck name (Anki also matches decks by name on import).
pub fn deck_id(deck_name: &str) -> i64 {
    stable_id(&format!("deckmedia/deck/{deck_name}"))
}

/// A note's guid: stable per Deck Media deck and word, whatever the word's text becomes.
pub(crate) fn note_guid(deck: &ExportDeck, word_id: i64) -> String {
    let h = Sha256::digest(format!("deckmedia/note/{}/{}/{}", deck.created_at, deck.id, word_id).as_bytes());
    base91(u64::from_be_bytes(std::array::from_fn(|i| h[i])))
}

/// A positive id in [2^30, 2^31) from a label: clear of Anki's default deck (1) and of the
/// millisecond timestamps Anki gives its own decks and note types.
fn stable_id(label: &str) -> i64 {
    let h = Sha256::digest(label.as_bytes());
    let v = u64::from_be_bytes(std::array::from_fn(|i| h[i]));
    (1i64 << 30) + (v % (1u64 << 30)) as i64
}

/// Anki's base-91 guid alphabet (as genanki and Anki's own `guid64` use).
fn base91(mut v: u64) -> String {
    const TABLE: &[u8; 91] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&()*+,-./:;<=>?@[]^_`{|}~";
    let mut out = Vec::new();
    loop {
        out.push(char::from(TABLE[(v % 91) as usize]));
        v /= 91;
        if v == 0 {
            break;
        }
    }
    out.iter().rev().collect()
}

/// Anki's `csum`: the first 4 bytes of the SHA-1 of the (HTML-stripped) first field.
pub fn field_checksum(stripped: &str) -> i64 {
    let d = Sha1::digest(stripped.as_bytes());
    i64::from(u32::from_be_bytes(std::array::from_fn(|i| d[i])))
}

/// Writes the package to `tmp` (an existing empty file). Returns its size. `words_done(n)` is
/// called after the files of the first `n` words are in.
pub(crate) fn write(deck: &ExportDeck, words: &[ExportWord], tmp: &TempPath, words_done: &mut dyn FnMut(usize)) -> Result<u64> {
    let path = tmp.path.as_path();
    let file = std::fs::OpenOptions::new().write(true).truncate(true).open(path).map_err(|e| Error::io("cannot write", path, e))?;
    let mut zip = ZipWriter::new(BufWriter::new(file));
    let zerr = |e: zip::result::ZipError| Error::io("cannot write", path, std::io::Error::other(e));
    // Pictures and audio are compressed already.
    let stored = SimpleFileOptions::default().compression_method(CompressionMethod::Stored).unix_permissions(0o644);
    let deflated = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated).unix_permissions(0o644);

    let mut names = MediaNames::default();
    let mut media_map = serde_json::Map::new();
    for (done, w) in words.iter().enumerate() {
        for src in w.files() {
            let index = media_map.len().to_string();
            let (name, new) = names.copy_once(src, |src| {
                zip.start_file(index.as_str(), stored).map_err(zerr)?;
                Ok(copy_hashing(src, &mut zip, path)?.0)
            })?;
            if new {
                media_map.insert(index, Value::String(name));
            }
        }
        words_done(done + 1);
    }

    let db = tmp.sibling(".anki2");
    let _journal = tmp.sibling(".anki2-journal");
    build_collection(&db.path, deck, words, &names, now_ms())?;
    zip.start_file(COLLECTION_ENTRY, deflated).map_err(zerr)?;
    let mut collection = File::open(&db.path).map_err(|e| Error::io("cannot read", &db.path, e))?;
    std::io::copy(&mut collection, &mut zip).map_err(|e| Error::io("cannot write", path, e))?;
    zip.start_file(MEDIA_ENTRY, deflated).map_err(zerr)?;
    let media_json = serde_json::to_vec(&Value::Object(media_map)).map_err(|e| Error::invalid(format!("cannot encode the media list: {e}")))?;
    zip.write_all(&media_json).map_err(|e| Error::io("cannot write", path, e))?;

    let buffered = zip.finish().map_err(zerr)?;
    let file = buffered.into_inner().map_err(|e| Error::io("cannot write", path, e.into_error()))?;
    file.sync_all().map_err(|e| Error::io("cannot write", path, e))?;
    Ok(file.metadata().map_err(|e| Error::io("cannot read", path, e))?.len())
}

/// The fields of a word's note, joined by Anki's separator `\x1f`; and its sort field.
pub(crate) fn note_fields(w: &ExportWord, names: &MediaNames) -> (String, String) {
    let word = clean_text(&w.text);
    let translation = clean_text(w.translation.as_deref().unwrap_or(""));
    let picture = w.image.as_deref().and_then(|p| names.get(p)).map(|n| format!("<img src=\"{n}\">")).unwrap_or_default();
    let sound = |file: &Option<std::path::PathBuf>| file.as_deref().and_then(|p| names.get(p)).map(|n| format!("[sound:{n}]")).unwrap_or_default();
    let credit = w.attribution.lines().map(|l| html_escape(&clean_text(l))).collect::<Vec<_>>().join("<br>");
    let sentence = html_escape(&clean_text(w.sentence.as_deref().unwrap_or("")));
    let fields = [html_escape(&word), html_escape(&translation), picture, sound(&w.audio), credit, sentence, sound(&w.translation_audio), sound(&w.sentence_audio)];
    (fields.join("\x1f"), word)
}

fn build_collection(path: &Path, deck: &ExportDeck, words: &[ExportWord], names: &MediaNames, now_ms: i64) -> Result<()> {
    const CTX: &str = "writing the Anki collection";
    let secs = now_ms / 1000;
    let mid = notetype_id();
    let did = deck_id(&deck.name);
    let mut conn = Connection::open(path).db(CTX)?;
    conn.execute_batch(SCHEMA).db(CTX)?;
    let tx = conn.transaction().db(CTX)?;
    tx.execute(
        "INSERT INTO col VALUES (1, ?1, ?2, ?2, 11, 0, 0, 0, ?3, ?4, ?5, ?6, '{}')",
        params![
            secs - secs.rem_euclid(86_400),
            now_ms,
            col_conf(mid, did).to_string(),
            json!({ mid.to_string(): notetype(mid, did, secs) }).to_string(),
            json!({ "1": deck_json(1, "Default", secs), did.to_string(): deck_json(did, &deck.name, secs) }).to_string(),
            json!({ "1": deck_options() }).to_string(),
        ],
    )
    .db(CTX)?;
    {
        let mut note = tx.prepare("INSERT INTO notes VALUES (?1, ?2, ?3, ?4, -1, ?5, ?6, ?7, ?8, 0, '')").db(CTX)?;
        // A new card: type 0, queue 0, due = its position among new cards.
        let mut card = tx.prepare("INSERT INTO cards VALUES (?1, ?2, ?3, 0, ?4, -1, 0, 0, ?5, 0, 0, 0, 0, 0, 0, 0, 0, '')").db(CTX)?;
        let tags = format!(" {TAG} ");
        for (i, w) in words.iter().enumerate() {
            let id = now_ms + i as i64;
            let (fields, sort) = note_fields(w, names);
            note.execute(params![id, note_guid(deck, w.id), mid, secs, tags, fields, sort, field_checksum(&sort)]).db(CTX)?;
            card.execute(params![id, id, did, secs, i as i64 + 1]).db(CTX)?;
        }
    }
    tx.commit().db(CTX)?;
    conn.close().map_err(|(_, e)| e).db(CTX)
}

fn col_conf(mid: i64, did: i64) -> Value {
    json!({
        "activeDecks": [did],
        "addToCur": true,
        "collapseTime": 1200,
        "curDeck": did,
        "curModel": mid.to_string(),
        "dueCounts": true,
        "estTimes": true,
        "newBury": true,
        "newSpread": 0,
        "nextPos": 1,
        "sortBackwards": false,
        "sortType": "noteFld",
        "timeLim": 0,
    })
}

fn notetype(mid: i64, did: i64, secs: i64) -> Value {
    let fields: Vec<Value> = FIELDS
        .iter()
        .enumerate()
        .map(|(ord, name)| json!({ "name": name, "ord": ord, "sticky": false, "rtl": false, "font": "Arial", "size": 20, "media": [] }))
        .collect();
    json!({
        "id": mid,
        "name": NOTETYPE_NAME,
        "type": 0,
        "mod": secs,
        "usn": -1,
        "sortf": 0,
        "did": did,
        "tmpls": [{
            "name": "Word to translation",
            "ord": 0,
            "qfmt": FRONT,
            "afmt": BACK,
            "bqfmt": "",
            "bafmt": "",
            "did": null,
            "bfont": "",
            "bsize": 0,
        }],
        "flds": fields,
        "css": CSS,
        "latexPre": "\\documentclass[12pt]{article}\n\\special{papersize=3in,5in}\n\\usepackage[utf8]{inputenc}\n\\usepackage{amssymb,amsmath}\n\\pagestyle{empty}\n\\setlength{\\parindent}{0in}\n\\begin{document}\n",
        "latexPost": "\\end{document}",
        "latexsvg": false,
        // The card exists when the word, the picture or the audio is there (0, 2, 3).
        "req": [[0, "any", [0, 2, 3]]],
        "tags": [],
        "vers": [],
    })
}

fn deck_json(id: i64, name: &str, secs: i64) -> Value {
    json!({
        "id": id,
        "name": name,
        "mod": secs,
        "usn": -1,
        "desc": if id == 1 { "" } else { "Pictures and pronunciations made with Deck Media." },
        "dyn": 0,
        "conf": 1,
        "collapsed": false,
        "browserCollapsed": false,
        "extendNew": 0,
        "extendRev": 0,
        "newToday": [0, 0],
        "revToday": [0, 0],
        "lrnToday": [0, 0],
        "timeToday": [0, 0],
    })
}

fn deck_options() -> Value {
    json!({
        "id": 1,
        "name": "Default",
        "mod": 0,
        "usn": 0,
        "dyn": false,
        "autoplay": true,
        "replayq": true,
        "timer": 0,
        "maxTaken": 60,
        "new": { "bury": false, "delays": [1.0, 10.0], "initialFactor": 2500, "ints": [1, 4, 0], "order": 1, "perDay": 20 },
        "rev": { "bury": false, "ease4": 1.3, "ivlFct": 1.0, "maxIvl": 36500, "perDay": 200, "hardFactor": 1.2 },
        "lapse": { "delays": [10.0], "leechAction": 1, "leechFails": 8, "minInt": 1, "mult": 0.0 },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_and_in_range() {
        assert_eq!(deck_id("Spanish A1"), deck_id("Spanish A1"));
        assert_ne!(deck_id("Spanish A1"), deck_id("Spanish A2"));
        for id in [notetype_id(), deck_id(""), deck_id("x")] {
            assert!((1 << 30..1 << 31).contains(&id), "{id}");
        }
    }

    #[test]
    fn base91_and_checksum_match_anki() {
        assert_eq!(base91(0), "a");
        assert_eq!(base91(91), "ba");
        // sha1("apple") = d0be2dc4…
        assert_eq!(field_checksum("apple"), 0xd0be2dc4);
    }
}
