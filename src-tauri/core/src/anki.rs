//! AnkiConnect: pushing a deck's pictures and pronunciations into the notes of an existing Anki
//! deck, through the AnkiConnect add-on's local HTTP API (version 6).
//!
//! Every call is `POST {url}` with `{"action", "version": 6, "params", "key"?}` and answers
//! `{"result", "error"}`. A push does, in order: `version`, `deckNames` (the Anki deck must exist),
//! `findNotes` (`deck:"NAME"`), `notesInfo`, `getMediaFilesNames` (which of our files Anki has
//! already), then per word `storeMediaFile` (only files Anki lacks) and `updateNoteFields` (only
//! fields that change). Pushing again therefore stores nothing and changes nothing.
//!
//! * Notes are matched to words by their word field: a field named `Word` or `Front`, else the
//!   first field; compared as plain text (HTML and `[sound:…]` removed), trimmed, NFC,
//!   case-insensitive. Every note that matches a word gets its media.
//! * The picture goes into a field named `Picture` or `Image` (`<img src="…">`), the audio into
//!   `Audio`, `Sound` or `Pronunciation` (`[sound:…]`); the same fields Deck Media's own note type
//!   has. A field is only written when it is empty or holds nothing but earlier Deck Media media:
//!   a user's own picture or recording is left as it is (and reported).
//! * Files are named like the `.apkg` export's, `deckmedia-<16 hex of SHA-256>.<ext>`: never
//!   from word text, never colliding with the collection's own files.
//!
//! The core is blocking, and so is this: the HTTP calls run on a private thread with its own
//! small runtime (so it is safe from any thread, inside an async runtime or not; from async code
//! call it through `spawn_blocking`). Each call is bounded by a timeout.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Duration;

use base64::Engine as _;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use unicode_normalization::UnicodeNormalization;

use crate::config::Secret;
use crate::error::{Error, Result};
use crate::import::apkg::html_to_text;
use crate::export::{media_ext, media_file_name, MEDIA_PREFIX};
use crate::model::{DeckId, MediaState, PushReport, PushStatus, PushedWord, WordMedia};
use crate::Core;

/// Where AnkiConnect listens unless told otherwise.
pub const DEFAULT_URL: &str = "http://127.0.0.1:8765";
/// Overrides [`DEFAULT_URL`].
pub const URL_ENV: &str = "DECKMEDIA_ANKI_URL";
/// AnkiConnect's optional API key (its `apiKey` setting). Never logged.
pub const KEY_ENV: &str = "DECKMEDIA_ANKI_KEY";
/// The API version spoken.
pub const API_VERSION: u64 = 6;
/// Largest answer read from AnkiConnect.
const MAX_ANSWER_BYTES: usize = 256 << 20;
/// Notes asked for per `notesInfo` call.
const NOTES_PER_CALL: usize = 500;

/// Field names (lowercase) that take a word, a picture, a pronunciation.
const WORD_FIELDS: [&str; 2] = ["word", "front"];
const PICTURE_FIELDS: [&str; 3] = ["picture", "image", "photo"];
const AUDIO_FIELDS: [&str; 3] = ["audio", "sound", "pronunciation"];
const TRANSLATION_AUDIO_FIELDS: [&str; 4] = ["translationaudio", "translation audio", "translation_audio", "meaning audio"];
const SENTENCE_AUDIO_FIELDS: [&str; 6] = ["sentenceaudio", "sentence audio", "sentence_audio", "exampleaudio", "example audio", "example_audio"];

/// How to reach Anki, and which deck.
#[derive(Debug, Clone)]
pub struct PushOptions {
    /// The Anki deck (default: the Deck Media deck's name).
    pub anki_deck: Option<String>,
    /// AnkiConnect's URL (default: `DECKMEDIA_ANKI_URL`, else [`DEFAULT_URL`]).
    pub url: Option<String>,
    /// AnkiConnect's API key, when it has one (default: `DECKMEDIA_ANKI_KEY`). `Debug` hides it.
    pub api_key: Option<Secret>,
    /// Longest wait for one answer.
    pub timeout: Duration,
}

impl Default for PushOptions {
    fn default() -> Self {
        PushOptions { anki_deck: None, url: None, api_key: None, timeout: Duration::from_secs(30) }
    }
}

impl Core {
    /// Pushes the deck's media into the Anki deck `anki_deck` (default: the same name) through
    /// AnkiConnect at `url` (default: `DECKMEDIA_ANKI_URL`, else `http://127.0.0.1:8765`).
    /// `progress(done, total)` is called after each word. Blocking.
    pub fn anki_push(
        &self,
        deck_id: DeckId,
        anki_deck: Option<&str>,
        url: Option<&str>,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<PushReport> {
        let opts = PushOptions { anki_deck: anki_deck.map(str::to_string), url: url.map(str::to_string), ..Default::default() };
        self.anki_push_with(deck_id, &opts, progress)
    }

    /// [`Core::anki_push`] with every option.
    pub fn anki_push_with(&self, deck_id: DeckId, opts: &PushOptions, progress: &mut dyn FnMut(usize, usize)) -> Result<PushReport> {
        let deck = self.deck(deck_id)?;
        let rows = self.media_of_deck(deck_id)?;
        let total = rows.len();
        progress(0, total);
        let url = opts.url.clone().or_else(|| std::env::var(URL_ENV).ok().filter(|u| !u.trim().is_empty())).unwrap_or_else(|| DEFAULT_URL.into());
        let key = opts.api_key.clone().or_else(|| std::env::var(KEY_ENV).ok().filter(|k| !k.is_empty()).map(Secret::new));
        let anki_deck = opts.anki_deck.clone().map(|d| d.trim().to_string()).filter(|d| !d.is_empty()).unwrap_or_else(|| deck.name.clone());
        let client = AnkiClient::new(&url, key, opts.timeout)?;
        client.check_version()?;
        let mut notes = client.deck_notes(&anki_deck)?;
        // Which of our files Anki has already; older AnkiConnects lack the action (then every
        // file a field needs is stored, which is harmless: the name is its content).
        let mut in_anki: Option<HashSet<String>> = client
            .call("getMediaFilesNames", json!({ "pattern": format!("{MEDIA_PREFIX}*") }))
            .ok()
            .and_then(|v| v.as_array().map(|a| a.iter().filter_map(|n| n.as_str().map(str::to_string)).collect()));
        let mut by_word: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, n) in notes.iter().enumerate() {
            let key = normalize(&n.word_value());
            if !key.is_empty() {
                by_word.entry(key).or_default().push(i);
            }
        }
        let mut report = PushReport {
            deck: deck.name.clone(),
            anki_deck,
            url: url.clone(),
            notes: notes.len(),
            updated: 0,
            unchanged: 0,
            not_in_anki: 0,
            no_media: 0,
            no_field: 0,
            files_stored: 0,
            words: Vec::with_capacity(total),
        };
        for (done, row) in rows.into_iter().enumerate() {
            let matched: Vec<usize> = by_word.get(&normalize(&row.text)).cloned().unwrap_or_default();
            let word = push_row(&client, &mut notes, &matched, &row, &mut in_anki)?;
            add_to_report(&mut report, word);
            progress(done + 1, total);
        }
        Ok(report)
    }
}

/// Pushes one word's media into the notes `matched` to it.
fn push_row(client: &AnkiClient, notes: &mut [Note], matched: &[usize], row: &WordMedia, in_anki: &mut Option<HashSet<String>>) -> Result<PushedWord> {
    let mut word = PushedWord {
        word_id: row.word_id,
        text: row.text.clone(),
        status: PushStatus::NotInAnki,
        note_ids: matched.iter().map(|&i| notes[i].id).collect(),
        fields: Vec::new(),
        files: Vec::new(),
        problems: Vec::new(),
    };
    let media: Vec<(Kind, PathBuf)> = [(Kind::Picture, &row.image), (Kind::Audio, &row.audio), (Kind::TranslationAudio, &row.translation_audio), (Kind::SentenceAudio, &row.sentence_audio)]
        .into_iter()
        .filter_map(|(k, m)| usable(m).map(|p| (k, p)))
        .collect();
    word.status = if matched.is_empty() {
        PushStatus::NotInAnki
    } else if media.is_empty() {
        PushStatus::NoMedia
    } else {
        push_word(client, notes, matched, &media, in_anki, &mut word)?
    };
    Ok(word)
}

fn add_to_report(report: &mut PushReport, word: PushedWord) {
    match word.status {
        PushStatus::Updated => report.updated += 1,
        PushStatus::Unchanged => report.unchanged += 1,
        PushStatus::NotInAnki => report.not_in_anki += 1,
        PushStatus::NoMedia => report.no_media += 1,
        PushStatus::NoField => report.no_field += 1,
    }
    report.files_stored += word.files.len();
    report.words.push(word);
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Picture,
    Audio,
    TranslationAudio,
    SentenceAudio,
}

impl Kind {
    fn field_names(self) -> &'static [&'static str] {
        match self {
            Kind::Picture => &PICTURE_FIELDS,
            Kind::Audio => &AUDIO_FIELDS,
            Kind::TranslationAudio => &TRANSLATION_AUDIO_FIELDS,
            Kind::SentenceAudio => &SENTENCE_AUDIO_FIELDS,
        }
    }
    fn reference(self, file: &str) -> String {
        match self {
            Kind::Picture => format!("<img src=\"{file}\">"),
            _ => format!("[sound:{file}]"),
        }
    }
    fn noun(self) -> &'static str {
        match self {
            Kind::Picture => "picture",
            Kind::Audio => "audio",
            Kind::TranslationAudio => "translation audio",
            Kind::SentenceAudio => "sentence audio",
        }
    }
}

/// A stored file we may push: done, not stale, present, with an extension we write.
fn usable(m: &MediaState) -> Option<PathBuf> {
    let path = PathBuf::from(m.path.as_deref()?);
    if m.stale || media_ext(&path).is_none() {
        return None;
    }
    std::fs::metadata(&path).ok().filter(|md| md.is_file()).map(|_| path)
}

/// Sets one word's media on its matched notes.
fn push_word(
    client: &AnkiClient,
    notes: &mut [Note],
    matched: &[usize],
    media: &[(Kind, PathBuf)],
    in_anki: &mut Option<HashSet<String>>,
    word: &mut PushedWord,
) -> Result<PushStatus> {
    let mut changed = false;
    let mut unchanged = false;
    // Per note: the fields to set.
    let mut updates: Vec<(usize, serde_json::Map<String, Value>)> = matched.iter().map(|&i| (i, serde_json::Map::new())).collect();
    for (kind, path) in media {
        let planned = plan_media(client, notes, matched, *kind, path, in_anki, word)?;
        let Some((name, wanted, already, stored)) = planned else { continue };
        unchanged |= already;
        changed |= stored;
        for (slot, field) in wanted {
            updates[slot].1.insert(field.clone(), Value::String(kind.reference(&name)));
            push_unique(&mut word.fields, field);
        }
    }
    for (i, fields) in updates {
        if fields.is_empty() {
            continue;
        }
        let id = notes[i].id;
        client.call("updateNoteFields", json!({ "note": { "id": id, "fields": Value::Object(fields.clone()) } }))?;
        for (name, value) in fields {
            notes[i].set(&name, value.as_str().unwrap_or_default());
        }
        changed = true;
    }
    Ok(if changed {
        PushStatus::Updated
    } else if unchanged {
        PushStatus::Unchanged
    } else {
        PushStatus::NoField
    })
}

/// For one media file of a word: the name it has in Anki, the (note slot, field) pairs that
/// should reference it, whether some field already does, and whether the file was stored in
/// Anki now. `None` when no matched note has a field for it.
#[allow(clippy::type_complexity)]
fn plan_media(
    client: &AnkiClient,
    notes: &[Note],
    matched: &[usize],
    kind: Kind,
    path: &std::path::Path,
    in_anki: &mut Option<HashSet<String>>,
    word: &mut PushedWord,
) -> Result<Option<(String, Vec<(usize, String)>, bool, bool)>> {
    let bytes = std::fs::read(path).map_err(|e| Error::io("cannot read media file", path, e))?;
    let ext = media_ext(path).unwrap_or("bin");
    let mut name = media_file_name(&hex::encode(Sha256::digest(&bytes)), ext);
    // Which notes need the field set.
    let mut wanted = Vec::new();
    let mut any_field = false;
    let mut already = false;
    for (slot, &i) in matched.iter().enumerate() {
        let note = &notes[i];
        let Some(field) = note.field_for(kind) else {
            push_unique(&mut word.problems, format!("no {} field in note type '{}'", kind.noun(), note.model));
            continue;
        };
        any_field = true;
        let value = note.value(&field).unwrap_or("");
        if value.contains(&name) {
            already = true;
        } else if holds_only_our_media(value) {
            wanted.push((slot, field));
        } else {
            push_unique(&mut word.problems, format!("the {field} field already has other content; left as it is"));
        }
    }
    if !any_field {
        return Ok(None);
    }
    // Store the file when a field will reference it and Anki lacks it (when Anki cannot list
    // its files, only when a field changes).
    let need_store = match in_anki.as_ref() {
        Some(set) => (already || !wanted.is_empty()) && !set.contains(&name),
        None => !wanted.is_empty(),
    };
    if need_store {
        let data = base64::engine::general_purpose::STANDARD.encode(&bytes);
        let stored = client.call("storeMediaFile", json!({ "filename": name, "data": data }))?;
        if let Some(s) = stored.as_str().filter(|s| !s.is_empty() && *s != name) {
            // Anki renamed it (it should not: the name is new or holds these same bytes).
            name = s.to_string();
        }
        if let Some(set) = in_anki.as_mut() {
            set.insert(name.clone());
        }
        word.files.push(name.clone());
    }
    Ok(Some((name, wanted, already, need_store)))
}

fn push_unique(v: &mut Vec<String>, s: String) {
    if !v.contains(&s) {
        v.push(s);
    }
}

/// A note as `notesInfo` gives it.
#[derive(Debug, Clone)]
struct Note {
    id: i64,
    model: String,
    /// (name, value), in field order.
    fields: Vec<(String, String)>,
}

impl Note {
    fn from_json(v: &Value) -> Option<Note> {
        let id = v.get("noteId")?.as_i64()?;
        let model = v.get("modelName").and_then(Value::as_str).unwrap_or("").to_string();
        let mut fields: Vec<(i64, String, String)> = v
            .get("fields")?
            .as_object()?
            .iter()
            .map(|(name, f)| {
                let order = f.get("order").and_then(Value::as_i64).unwrap_or(i64::MAX);
                let value = f.get("value").and_then(Value::as_str).unwrap_or("").to_string();
                (order, name.clone(), value)
            })
            .collect();
        fields.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
        Some(Note { id, model, fields: fields.into_iter().map(|(_, n, v)| (n, v)).collect() })
    }

    fn word_value(&self) -> String {
        let named = self.fields.iter().find(|(n, _)| WORD_FIELDS.contains(&n.to_lowercase().as_str()));
        named.or(self.fields.first()).map(|(_, v)| v.clone()).unwrap_or_default()
    }

    fn field_for(&self, kind: Kind) -> Option<String> {
        kind.field_names()
            .iter()
            .find_map(|want| self.fields.iter().find(|(n, _)| n.to_lowercase() == *want))
            .map(|(n, _)| n.clone())
    }

    fn value(&self, field: &str) -> Option<&str> {
        self.fields.iter().find(|(n, _)| n == field).map(|(_, v)| v.as_str())
    }

    fn set(&mut self, field: &str, value: &str) {
        if let Some(f) = self.fields.iter_mut().find(|(n, _)| n == field) {
            f.1 = value.to_string();
        }
    }
}

/// Word text as compared with a note's word field.
fn normalize(s: &str) -> String {
    html_to_text(s).trim().nfc().collect::<String>().to_lowercase()
}

/// The field is empty, or holds only pictures and sounds that Deck Media put there.
fn holds_only_our_media(value: &str) -> bool {
    let mut rest = String::with_capacity(value.len());
    let mut s = value;
    loop {
        let img = s.find("<img");
        let snd = s.find("[sound:");
        let (start, end) = match (img, snd) {
            (None, None) => break,
            (Some(i), Some(j)) if j < i => (j, s[j..].find(']').map(|e| j + e + 1)),
            (Some(i), _) => (i, s[i..].find('>').map(|e| i + e + 1)),
            (None, Some(j)) => (j, s[j..].find(']').map(|e| j + e + 1)),
        };
        let Some(end) = end else { return false };
        let reference = &s[start..end];
        if !reference.contains(MEDIA_PREFIX) {
            return false;
        }
        rest.push_str(&s[..start]);
        s = &s[end..];
    }
    rest.push_str(s);
    html_to_text(&rest).is_empty()
}

/// Escapes text for the inside of a quoted Anki search term.
fn escape_search(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '\\' | '"' | '*' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

// ---- the client ---------------------------------------------------------------------------------

type Reply = std::result::Result<Vec<u8>, CallError>;

enum CallError {
    Connect,
    Timeout,
    Status(u16),
    TooLarge,
    Other(String),
}

/// A blocking AnkiConnect client. Requests run on a private thread with a current-thread
/// runtime, which ends when the client is dropped.
pub struct AnkiClient {
    url: String,
    /// `host:port`, for messages.
    host: String,
    key: Option<Secret>,
    timeout: Duration,
    tx: mpsc::Sender<(Value, mpsc::Sender<Reply>)>,
}

impl AnkiClient {
    pub fn new(url: &str, key: Option<Secret>, timeout: Duration) -> Result<AnkiClient> {
        let parsed = reqwest::Url::parse(url.trim()).map_err(|_| Error::invalid(format!("'{url}' is not an AnkiConnect URL (like {DEFAULT_URL})")))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
            return Err(Error::invalid(format!("'{url}' is not an AnkiConnect URL (like {DEFAULT_URL})")));
        }
        // AnkiConnect speaks plain http; only to this machine or the LAN (the key is in the body).
        crate::net::plain_http_policy(url).map_err(|why| Error::invalid(format!("AnkiConnect URL: {why}")))?;
        let host = format!("{}:{}", parsed.host_str().unwrap_or_default(), parsed.port_or_known_default().unwrap_or(8765));
        // AnkiConnect runs on this machine or the LAN: never through a proxy, and a connection
        // that does not open within 5 s means Anki is not there.
        let http = crate::net::client(timeout, Duration::from_secs(5), true)
            .map_err(|e| Error::Anki(format!("cannot set up the HTTP client: {e}")))?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::Anki(format!("cannot start the HTTP client: {e}")))?;
        let (tx, rx) = mpsc::channel::<(Value, mpsc::Sender<Reply>)>();
        let target = parsed.to_string();
        std::thread::Builder::new()
            .name("ankiconnect".into())
            .spawn(move || {
                while let Ok((body, reply)) = rx.recv() {
                    let _ = reply.send(runtime.block_on(post(&http, &target, body)));
                }
            })
            .map_err(|e| Error::Anki(format!("cannot start the HTTP client: {e}")))?;
        Ok(AnkiClient { url: url.trim().to_string(), host, key, timeout, tx })
    }

    /// Calls one action; its `result`, or its `error` as [`Error::Anki`].
    pub fn call(&self, action: &str, params: Value) -> Result<Value> {
        tracing::debug!(action, url = %self.url, "AnkiConnect call");
        let mut body = json!({ "action": action, "version": API_VERSION, "params": params });
        if let Some(k) = &self.key {
            body["key"] = Value::String(k.expose().to_string());
        }
        let (reply_tx, reply_rx) = mpsc::channel();
        self.tx.send((body, reply_tx)).map_err(|_| Error::Anki("the AnkiConnect client stopped".into()))?;
        // The HTTP client has its own timeout; this only guards against the thread dying.
        let reply = reply_rx.recv_timeout(self.timeout + Duration::from_secs(10)).map_err(|_| self.timed_out())?;
        let bytes = match reply {
            Ok(b) => b,
            Err(CallError::Connect) => {
                return Err(Error::AnkiNotRunning(format!(
                    "Anki is not running (AnkiConnect did not answer at {}) — start Anki with the AnkiConnect add-on",
                    self.host
                )))
            }
            Err(CallError::Timeout) => return Err(self.timed_out()),
            Err(CallError::Status(s)) => return Err(Error::Anki(format!("AnkiConnect at {} answered HTTP {s} to {action}", self.host))),
            Err(CallError::TooLarge) => return Err(Error::Anki(format!("AnkiConnect at {} sent an answer larger than {} MiB", self.host, MAX_ANSWER_BYTES >> 20))),
            Err(CallError::Other(e)) => return Err(Error::Anki(format!("cannot talk to AnkiConnect at {}: {e}", self.host))),
        };
        let v: Value = serde_json::from_slice(&bytes).map_err(|_| self.not_ankiconnect(action))?;
        let obj = v.as_object().filter(|o| o.contains_key("result") && o.contains_key("error")).ok_or_else(|| self.not_ankiconnect(action))?;
        match &obj["error"] {
            Value::Null => Ok(obj["result"].clone()),
            Value::String(e) => Err(Error::Anki(format!("AnkiConnect refused {action}: {}", one_line(e)))),
            other => Err(Error::Anki(format!("AnkiConnect refused {action}: {}", one_line(&other.to_string())))),
        }
    }

    fn timed_out(&self) -> Error {
        Error::Anki(format!(
            "AnkiConnect at {} did not answer within {} s (is Anki busy or showing a dialog?)",
            self.host,
            self.timeout.as_secs_f32()
        ))
    }

    /// Fails unless the server is an AnkiConnect new enough for what the push calls.
    fn check_version(&self) -> Result<()> {
        let version = self.call("version", json!({}))?;
        match version.as_u64() {
            Some(v) if v >= API_VERSION => Ok(()),
            Some(v) => Err(Error::Anki(format!("AnkiConnect at {} speaks version {v}; version {API_VERSION} or newer is needed (update the add-on)", self.host))),
            None => Err(self.not_ankiconnect("version")),
        }
    }

    /// Every note of the Anki deck `anki_deck` (which must exist).
    fn deck_notes(&self, anki_deck: &str) -> Result<Vec<Note>> {
        let decks = self.call("deckNames", json!({}))?;
        let decks = decks.as_array().ok_or_else(|| self.not_ankiconnect("deckNames"))?;
        if !decks.iter().any(|d| d.as_str() == Some(anki_deck)) {
            return Err(Error::not_found(format!("Anki deck '{anki_deck}' (check the name, or pass the Anki deck's name)")));
        }
        let ids = self.call("findNotes", json!({ "query": format!("deck:\"{}\"", escape_search(anki_deck)) }))?;
        let ids: Vec<i64> = ids.as_array().ok_or_else(|| self.not_ankiconnect("findNotes"))?.iter().filter_map(Value::as_i64).collect();
        let mut notes = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(NOTES_PER_CALL) {
            let info = self.call("notesInfo", json!({ "notes": chunk }))?;
            let info = info.as_array().ok_or_else(|| self.not_ankiconnect("notesInfo"))?;
            notes.extend(info.iter().filter_map(Note::from_json));
        }
        Ok(notes)
    }

    fn not_ankiconnect(&self, action: &str) -> Error {
        Error::Anki(format!("the answer to {action} from {} is not AnkiConnect's (is something else listening there?)", self.host))
    }
}

/// An error text from the other side, bounded and on one line.
fn one_line(s: &str) -> String {
    let s: String = s.chars().map(|c| if c.is_control() { ' ' } else { c }).take(300).collect();
    s.trim().to_string()
}

async fn post(http: &reqwest::Client, url: &str, body: Value) -> Reply {
    let classify = |e: reqwest::Error| {
        if e.is_timeout() {
            CallError::Timeout
        } else if e.is_connect() {
            CallError::Connect
        } else {
            CallError::Other(e.without_url().to_string())
        }
    };
    let mut resp = http.post(url).json(&body).send().await.map_err(classify)?;
    if !resp.status().is_success() {
        return Err(CallError::Status(resp.status().as_u16()));
    }
    let mut out = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(classify)? {
        if out.len() + chunk.len() > MAX_ANSWER_BYTES {
            return Err(CallError::TooLarge);
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_our_media_may_be_replaced() {
        assert!(holds_only_our_media(""));
        assert!(holds_only_our_media(" <br>&nbsp;"));
        assert!(holds_only_our_media("<img src=\"deckmedia-0123456789abcdef.png\">"));
        assert!(holds_only_our_media("[sound:deckmedia-0123456789abcdef.ogg] "));
        assert!(!holds_only_our_media("<img src=\"mine.png\">"));
        assert!(!holds_only_our_media("[sound:forvo.mp3]"));
        assert!(!holds_only_our_media("a caption"));
        assert!(!holds_only_our_media("<img src=\"deckmedia-x.png\""));
    }

    #[test]
    fn words_compare_as_plain_text() {
        assert_eq!(normalize(" <b>La&nbsp;Casa</b>[sound:x.mp3] "), "la casa");
        assert_eq!(normalize("Cafe\u{301}"), normalize("café"));
        assert_eq!(escape_search(r#"My "deck"_1*"#), r#"My \"deck\"\_1\*"#);
    }
}
