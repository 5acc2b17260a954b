//! A local fake of the two MediaWiki APIs the Wikimedia provider asks (Commons and a
//! Wiktionary) and of Commons' file server, answering in the real services' shapes
//! (`formatversion=1`, from the API documentation: `API:Search`, `API:Imageinfo`, `API:Images`,
//! `Manual:Maxlag parameter`).
//!
//! * `GET /commons/w/api.php?action=query&list=search&srsearch=…` → files whose title contains
//!   every quoted phrase of `srsearch` (case-insensitive), in the order they were added: like
//!   CirrusSearch, near matches (`manzanas`, `manzana roja`) come back too.
//! * `GET /commons/w/api.php?action=query&prop=imageinfo&titles=A|B` → `url`, `descriptionurl`,
//!   `mime`, `size`, `extmetadata` (`Artist` as HTML, `LicenseShortName`, `LicenseUrl`); an
//!   unknown file is `"missing": ""`.
//! * `GET /wiktionary/{lang}/w/api.php?action=query&prop=images&titles=word` → the files added
//!   for that page (a missing page otherwise).
//! * `GET /upload/{n}` → the n-th file's bytes; `GET /thumb/{n}` → its thumbnail (the same
//!   bytes: tests tell which was fetched by the path), the `thumburl` of an `imageinfo` asked
//!   with `iiurlwidth`.
//! * `GET /wikidata/w/api.php?action=wbsearchentities&search=…&language=…` → the items added
//!   with [`FakeWikimedia::add_item`] whose label in that language starts with the search
//!   (a prefix search, as Wikidata's), in the order they were added, up to `limit`;
//!   `action=wbgetentities&ids=Q1|Q2` → their English and own-language labels and
//!   descriptions and their P18 claims (an unknown id is `"missing": ""`).
//! * `GET /wikidata/w/api.php?action=wbsearchentities&type=lexeme&search=…` → the lexemes added
//!   with [`FakeWikimedia::add_lexeme`] whose lemma or a form starts with the search, in every
//!   language (the `language` parameter only names the language of descriptions), folding case
//!   and accents, as Wikidata's (WikibaseLexemeCirrusSearch): exact lemmas first, then folded,
//!   then prefixes, then forms (`"type": "alias"`); `match.language` is the language item's
//!   ISO 639-1 code. `action=wbgetentities&ids=L1|L2` → the lexemes whole (`lemmas`,
//!   `language`, `lexicalCategory`, `claims`, `forms` with `representations` and their P443
//!   claims qualified by an accent, as Wikidata's L42), per WikibaseLexeme's `docs/topics/json.md`.
//! * [`FakeWikimedia::maxlag`]: the next API calls answer MediaWiki's maxlag error (status 200,
//!   `Retry-After`, `X-Database-Lag`, `MediaWiki-API-Error: maxlag`).
//!
//! Every request is recorded (path, query, User-Agent); tests wait on the count, never sleep.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::{json, Map, Value};
use tokio::sync::watch;
use unicode_normalization::UnicodeNormalization;

/// A file on the fake Commons.
#[derive(Clone, Debug)]
pub struct WikiFile {
    /// `File:<name>`.
    pub title: String,
    pub bytes: Vec<u8>,
    /// As Commons reports it, e.g. `audio/x-wav`, `application/ogg`.
    pub mime: String,
    /// Commons' `Artist` extmetadata: HTML.
    pub artist_html: String,
    pub licence: String,
    pub licence_url: String,
}

impl WikiFile {
    /// A CC BY-SA 4.0 recording by `speaker` (a user link, as Lingua Libre's files have).
    pub fn recording(title: &str, speaker: &str, bytes: Vec<u8>, mime: &str) -> WikiFile {
        WikiFile {
            title: title.into(),
            bytes,
            mime: mime.into(),
            artist_html: format!("<a href=\"//commons.wikimedia.org/wiki/User:{speaker}\" title=\"User:{speaker}\">{speaker}</a>"),
            licence: "CC BY-SA 4.0".into(),
            licence_url: "https://creativecommons.org/licenses/by-sa/4.0".into(),
        }
    }
}

/// An item on the fake Wikidata.
#[derive(Clone, Debug)]
pub struct WikiItem {
    /// `Q…`.
    pub id: String,
    /// The language of `label` and `description` (the word's).
    pub language: String,
    pub label: String,
    pub description: String,
    pub english_label: String,
    pub english_description: String,
    /// P18 file names (no `File:`).
    pub images: Vec<String>,
}

impl WikiItem {
    /// An item labelled `label` in `language`, glossed in English, with one image.
    pub fn new(id: &str, language: &str, label: &str, english_label: &str, english_description: &str, image: Option<&str>) -> WikiItem {
        WikiItem {
            id: id.into(),
            language: language.into(),
            label: label.into(),
            description: String::new(),
            english_label: english_label.into(),
            english_description: english_description.into(),
            images: image.into_iter().map(str::to_owned).collect(),
        }
    }
}

/// A lexeme on the fake Wikidata.
#[derive(Clone, Debug)]
pub struct WikiLexeme {
    /// `L…`.
    pub id: String,
    /// The language's item (`Q1321`).
    pub language_item: String,
    /// The language item's ISO 639-1 code, as the search names it (`und`: none).
    pub language_code: String,
    /// The lexical category's item (`Q1084`, noun).
    pub category: String,
    /// (language code, lemma).
    pub lemmas: Vec<(String, String)>,
    pub forms: Vec<WikiForm>,
    /// P443 file names (no `File:`) on the lexeme itself.
    pub recordings: Vec<String>,
}

/// A form of a [`WikiLexeme`].
#[derive(Clone, Debug)]
pub struct WikiForm {
    /// (language code, spelling).
    pub representations: Vec<(String, String)>,
    /// P443 file names (no `File:`).
    pub recordings: Vec<String>,
}

impl WikiLexeme {
    /// A noun `lemma` in the language `item` (ISO 639-1 `code`), whose first form is the lemma,
    /// recorded as `file` when given.
    pub fn noun(id: &str, item: &str, code: &str, lemma: &str, file: Option<&str>) -> WikiLexeme {
        let form = WikiForm { representations: vec![(code.into(), lemma.into())], recordings: file.into_iter().map(str::to_owned).collect() };
        WikiLexeme { id: id.into(), language_item: item.into(), language_code: code.into(), category: "Q1084".into(), lemmas: vec![(code.into(), lemma.into())], forms: vec![form], recordings: Vec::new() }
    }

    /// With one more form spelled `spelling` (in the lemma's language code), recorded as `file`.
    pub fn with_form(mut self, spelling: &str, file: Option<&str>) -> WikiLexeme {
        self.forms.push(WikiForm { representations: vec![(self.language_code.clone(), spelling.into())], recordings: file.into_iter().map(str::to_owned).collect() });
        self
    }
}

impl WikiFile {
    /// A photo (`image/jpeg` as Commons reports it; the bytes are whatever the test gives)
    /// by `author` under `licence` (`CC BY-SA 4.0`, `CC BY-NC 2.0`, `Fair use`, …).
    pub fn photo(title: &str, author: &str, licence: &str, bytes: Vec<u8>) -> WikiFile {
        WikiFile {
            title: title.into(),
            bytes,
            mime: "image/jpeg".into(),
            artist_html: format!("<bdi><a href=\"https://www.flickr.com/people/{author}\" class=\"extiw\">{author}</a></bdi>"),
            licence: licence.into(),
            licence_url: String::new(),
        }
    }
}

/// One request as it arrived.
#[derive(Clone, Debug)]
pub struct WikiRequest {
    pub path: String,
    pub query: HashMap<String, String>,
    pub user_agent: Option<String>,
}

impl WikiRequest {
    /// Whether this was an API call (not a file download).
    pub fn is_api(&self) -> bool {
        self.path.ends_with("/api.php")
    }
}

#[derive(Default)]
struct FakeState {
    files: Vec<WikiFile>,
    /// (wiktionary language, page title) → file titles on the page.
    pages: Vec<(String, String, Vec<String>)>,
    items: Vec<WikiItem>,
    lexemes: Vec<WikiLexeme>,
    /// API calls still to be answered with a maxlag error, and its Retry-After.
    maxlag: (u32, u64),
    requests: Vec<WikiRequest>,
}

struct Shared {
    state: Mutex<FakeState>,
    count: watch::Sender<usize>,
    addr: SocketAddr,
}

/// A running fake. Dropping it stops the server.
pub struct FakeWikimedia {
    shared: Arc<Shared>,
    server: tokio::task::JoinHandle<()>,
}

impl FakeWikimedia {
    /// Starts on `127.0.0.1:0`. Panics when loopback cannot be bound (a test setup failure).
    pub async fn start() -> FakeWikimedia {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await.expect("fake wikimedia: bind");
        let addr = listener.local_addr().expect("fake wikimedia: address");
        let shared = Arc::new(Shared { state: Mutex::new(FakeState::default()), count: watch::Sender::new(0), addr });
        let app = Router::new()
            .route("/commons/w/api.php", get(commons))
            .route("/wiktionary/{lang}/w/api.php", get(wiktionary))
            .route("/upload/{n}", get(upload))
            .route("/thumb/{n}", get(thumb))
            .route("/wikidata/w/api.php", get(wikidata))
            .with_state(shared.clone());
        let server = tokio::spawn(async move {
            if let Err(err) = axum::serve(listener, app).await {
                eprintln!("fake wikimedia: server stopped: {err}");
            }
        });
        FakeWikimedia { shared, server }
    }

    /// `[wikimedia] commons_url`.
    pub fn commons_url(&self) -> String {
        format!("http://{}/commons/w/api.php", self.shared.addr)
    }

    /// `[wikimedia] wiktionary_url` (with `{lang}`).
    pub fn wiktionary_url(&self) -> String {
        format!("http://{}/wiktionary/{{lang}}/w/api.php", self.shared.addr)
    }

    /// `[wikimedia] wikidata_url`.
    pub fn wikidata_url(&self) -> String {
        format!("http://{}/wikidata/w/api.php", self.shared.addr)
    }

    pub fn add_item(&self, item: WikiItem) {
        lock(&self.shared.state).items.push(item);
    }

    pub fn add_lexeme(&self, lexeme: WikiLexeme) {
        lock(&self.shared.state).lexemes.push(lexeme);
    }

    pub fn add_file(&self, file: WikiFile) {
        lock(&self.shared.state).files.push(file);
    }

    /// Lists `titles` as the files used on `word`'s page of the `lang` Wiktionary.
    pub fn add_page(&self, lang: &str, word: &str, titles: &[&str]) {
        lock(&self.shared.state).pages.push((lang.into(), word.into(), titles.iter().map(|t| t.to_string()).collect()));
    }

    /// The next `times` API calls get MediaWiki's maxlag error with `Retry-After: retry_after`.
    pub fn maxlag(&self, times: u32, retry_after: u64) {
        lock(&self.shared.state).maxlag = (times, retry_after);
    }

    pub fn requests(&self) -> Vec<WikiRequest> {
        lock(&self.shared.state).requests.clone()
    }

    /// Resolves once at least `n` requests have arrived.
    pub async fn wait_for_requests(&self, n: usize) {
        let mut rx = self.shared.count.subscribe();
        let _ = rx.wait_for(|&c| c >= n).await;
    }
}

impl Drop for FakeWikimedia {
    fn drop(&mut self) {
        self.server.abort();
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn record(shared: &Shared, path: String, query: &HashMap<String, String>, headers: &HeaderMap) -> Option<u64> {
    let user_agent = headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let mut state = lock(&shared.state);
    let is_api = path.ends_with("/api.php");
    state.requests.push(WikiRequest { path, query: query.clone(), user_agent });
    let n = state.requests.len();
    let lagged = if is_api && state.maxlag.0 > 0 {
        state.maxlag.0 -= 1;
        Some(state.maxlag.1)
    } else {
        None
    };
    drop(state);
    shared.count.send_replace(n);
    lagged
}

fn json_response(body: Value) -> Response {
    ([(header::CONTENT_TYPE, "application/json; charset=utf-8")], body.to_string()).into_response()
}

/// MediaWiki's maxlag answer: HTTP 200 (T33156) with the error, `Retry-After` and the lag.
fn maxlag_response(retry_after: u64) -> Response {
    let body = json!({"error": {"code": "maxlag", "info": "Waiting for 10.64.48.35: 6 seconds lagged.", "host": "10.64.48.35",
        "lag": 6, "type": "db", "*": "See https://commons.wikimedia.org/w/api.php for API usage."}, "servedby": "mw-api-ext.eqiad.main"});
    let headers = [
        (header::CONTENT_TYPE, "application/json; charset=utf-8".to_string()),
        (header::RETRY_AFTER, retry_after.to_string()),
        (header::HeaderName::from_static("x-database-lag"), "6".to_string()),
        (header::HeaderName::from_static("mediawiki-api-error"), "maxlag".to_string()),
    ];
    (StatusCode::OK, headers, body.to_string()).into_response()
}

async fn commons(State(shared): State<Arc<Shared>>, Query(q): Query<HashMap<String, String>>, headers: HeaderMap) -> Response {
    if let Some(wait) = record(&shared, "/commons/w/api.php".into(), &q, &headers) {
        return maxlag_response(wait);
    }
    let state = lock(&shared.state);
    if q.get("list").map(String::as_str) == Some("search") {
        let phrases = quoted(q.get("srsearch").map(String::as_str).unwrap_or(""));
        let hits: Vec<Value> = state
            .files
            .iter()
            .filter(|f| phrases.iter().all(|p| f.title.to_lowercase().contains(&p.to_lowercase())))
            .enumerate()
            .map(|(i, f)| json!({"ns": 6, "title": f.title, "pageid": 1000 + i, "size": f.bytes.len(), "wordcount": 0, "snippet": "", "timestamp": "2021-03-14T10:00:00Z"}))
            .collect();
        return json_response(json!({"batchcomplete": "", "continue": {"sroffset": hits.len(), "continue": "-||"},
            "query": {"searchinfo": {"totalhits": hits.len()}, "search": hits}}));
    }
    if q.get("prop").map(String::as_str) == Some("imageinfo") {
        let mut pages = Map::new();
        let thumbs = q.contains_key("iiurlwidth");
        for (i, title) in q.get("titles").map(String::as_str).unwrap_or("").split('|').enumerate() {
            let (key, mut page) = imageinfo_page(&state.files, title, i, shared.addr);
            if let (true, Some(info)) = (thumbs, page.pointer_mut("/imageinfo/0").and_then(Value::as_object_mut)) {
                let n = info.get("url").and_then(Value::as_str).and_then(|u| u.rsplit('/').next()).unwrap_or("0").to_string();
                info.insert("thumburl".into(), json!(format!("http://{}/thumb/{n}", shared.addr)));
                info.insert("thumbwidth".into(), json!(512));
                info.insert("thumbheight".into(), json!(384));
            }
            pages.insert(key, page);
        }
        return json_response(json!({"batchcomplete": "", "query": {"pages": pages}}));
    }
    json_response(json!({"error": {"code": "badvalue", "info": "fake wikimedia: unsupported query"}}))
}

fn imageinfo_page(files: &[WikiFile], title: &str, i: usize, addr: SocketAddr) -> (String, Value) {
    let name = title.replace('_', " ");
    let Some((n, f)) = files.iter().enumerate().find(|(_, f)| f.title == name) else {
        return (format!("-{}", i + 1), json!({"ns": 6, "title": name, "missing": "", "known": ""}));
    };
    let page_name = f.title.trim_start_matches("File:").replace(' ', "_");
    let info = json!({
        "size": f.bytes.len(), "width": 0, "height": 0,
        "url": format!("http://{addr}/upload/{n}"),
        "descriptionurl": format!("https://commons.wikimedia.org/wiki/File:{page_name}"),
        "descriptionshorturl": format!("https://commons.wikimedia.org/w/index.php?curid={}", 1000 + n),
        "mime": f.mime,
        "extmetadata": {
            "Artist": {"value": f.artist_html, "source": "commons-desc-page"},
            "LicenseShortName": {"value": f.licence, "source": "commons-desc-page", "hidden": ""},
            "LicenseUrl": {"value": f.licence_url, "source": "commons-desc-page", "hidden": ""}
        }
    });
    (format!("{}", 1000 + n), json!({"pageid": 1000 + n, "ns": 6, "title": f.title, "imagerepository": "local", "imageinfo": [info]}))
}

async fn wiktionary(State(shared): State<Arc<Shared>>, Path(lang): Path<String>, Query(q): Query<HashMap<String, String>>, headers: HeaderMap) -> Response {
    if let Some(wait) = record(&shared, format!("/wiktionary/{lang}/w/api.php"), &q, &headers) {
        return maxlag_response(wait);
    }
    let state = lock(&shared.state);
    let word = q.get("titles").cloned().unwrap_or_default();
    let page = state.pages.iter().find(|(l, w, _)| *l == lang && *w == word);
    let pages = match page {
        Some((_, w, titles)) => {
            let images: Vec<Value> = titles.iter().map(|t| json!({"ns": 6, "title": t})).collect();
            json!({"4242": {"pageid": 4242, "ns": 0, "title": w, "images": images}})
        }
        None => json!({"-1": {"ns": 0, "title": word, "missing": ""}}),
    };
    json_response(json!({"batchcomplete": "", "query": {"pages": pages}}))
}

async fn thumb(State(shared): State<Arc<Shared>>, Path(n): Path<usize>, headers: HeaderMap) -> Response {
    record(&shared, format!("/thumb/{n}"), &HashMap::new(), &headers);
    file_bytes(&shared, n)
}

async fn wikidata(State(shared): State<Arc<Shared>>, Query(q): Query<HashMap<String, String>>, headers: HeaderMap) -> Response {
    if let Some(wait) = record(&shared, "/wikidata/w/api.php".into(), &q, &headers) {
        return maxlag_response(wait);
    }
    let state = lock(&shared.state);
    let arg = |k: &str| q.get(k).cloned().unwrap_or_default();
    match arg("action").as_str() {
        "wbsearchentities" if arg("type") == "lexeme" => {
            let limit: usize = arg("limit").parse().unwrap_or(7);
            let hits: Vec<Value> = lexeme_hits(&state.lexemes, &arg("search")).into_iter().take(limit).map(|(l, kind, text)| lexeme_hit(l, kind, text, &arg("language"))).collect();
            json_response(json!({"searchinfo": {"search": arg("search")}, "search": hits, "success": 1}))
        }
        "wbsearchentities" => {
            let (search, language) = (arg("search").to_lowercase(), arg("language"));
            let limit: usize = arg("limit").parse().unwrap_or(7);
            let hits: Vec<Value> = state
                .items
                .iter()
                .filter(|i| i.language == language && i.label.to_lowercase().starts_with(&search))
                .take(limit)
                .map(|i| json!({"id": i.id, "title": i.id, "pageid": 1, "concepturi": format!("http://www.wikidata.org/entity/{}", i.id),
                    "url": format!("//www.wikidata.org/wiki/{}", i.id), "label": i.label, "description": i.description,
                    "match": {"type": "label", "language": language, "text": i.label}}))
                .collect();
            json_response(json!({"searchinfo": {"search": arg("search")}, "search": hits, "success": 1}))
        }
        "wbgetentities" => {
            let mut entities = Map::new();
            for id in arg("ids").split('|') {
                let entity = match (state.items.iter().find(|i| i.id == id), state.lexemes.iter().find(|l| l.id == id)) {
                    (Some(i), _) => entity_json(i),
                    (None, Some(l)) => lexeme_json(l),
                    (None, None) => json!({"id": id, "missing": ""}),
                };
                entities.insert(id.to_string(), entity);
            }
            json_response(json!({"entities": entities, "success": 1}))
        }
        _ => json_response(json!({"error": {"code": "badvalue", "info": "fake wikidata: unsupported action"}})),
    }
}

/// An item as `wbgetentities` (props=claims|labels|descriptions) gives it.
fn entity_json(i: &WikiItem) -> Value {
    let text = |lang: &str, value: &str| json!({"language": lang, "value": value});
    let claims: Vec<Value> = i
        .images
        .iter()
        .map(|f| json!({"mainsnak": {"snaktype": "value", "property": "P18", "datavalue": {"value": f, "type": "string"}, "datatype": "commonsMedia"},
            "type": "statement", "id": format!("{}$1", i.id), "rank": "normal"}))
        .collect();
    json!({"type": "item", "id": i.id,
        "labels": {"en": text("en", &i.english_label), i.language.clone(): text(&i.language, &i.label)},
        "descriptions": {"en": text("en", &i.english_description), i.language.clone(): text(&i.language, &i.description)},
        "claims": {"P18": claims}})
}

/// Case and accents folded, as the search's `near_match_folded`.
fn fold(text: &str) -> String {
    text.trim().nfd().filter(|c| !('\u{300}'..='\u{36f}').contains(c)).collect::<String>().to_lowercase()
}

/// The lexemes a search finds, best first (exact lemma, folded lemma, lemma prefix, then the
/// same for forms), each once: (lexeme, `label` or `alias`, the matched text).
fn lexeme_hits<'a>(lexemes: &'a [WikiLexeme], search: &str) -> Vec<(&'a WikiLexeme, &'static str, &'a str)> {
    let rank = |text: &str| {
        if text == search.trim() {
            Some(0)
        } else if fold(text) == fold(search) {
            Some(1)
        } else {
            fold(text).starts_with(&fold(search)).then_some(2)
        }
    };
    let mut hits: Vec<(u8, &WikiLexeme, &'static str, &str)> = Vec::new();
    for l in lexemes {
        let lemma = l.lemmas.iter().filter_map(|(_, t)| rank(t).map(|r| (r, "label", t.as_str()))).min();
        let form = l.forms.iter().flat_map(|f| f.representations.iter()).filter_map(|(_, t)| rank(t).map(|r| (r + 3, "alias", t.as_str()))).min();
        if let Some((r, kind, text)) = lemma.or(form) {
            hits.push((r, l, kind, text));
        }
    }
    hits.sort_by_key(|h| h.0);
    hits.into_iter().map(|(_, l, kind, text)| (l, kind, text)).collect()
}

/// One lexeme hit as `wbsearchentities` gives it: the first lemma as the label, "language,
/// category" as the description.
fn lexeme_hit(l: &WikiLexeme, kind: &str, text: &str, uselang: &str) -> Value {
    let (lemma_code, lemma) = l.lemmas.first().cloned().unwrap_or_default();
    let description = format!("{}, {}", l.language_item, l.category);
    json!({"id": l.id, "title": format!("Lexeme:{}", l.id), "pageid": 54_000_000, "repository": "wikidata",
        "url": format!("//www.wikidata.org/wiki/Lexeme:{}", l.id), "concepturi": format!("http://www.wikidata.org/entity/{}", l.id),
        "label": lemma, "description": description,
        "display": {"label": {"value": lemma, "language": lemma_code}, "description": {"value": description, "language": uselang}},
        "match": {"type": kind, "language": l.language_code, "text": text}})
}

/// Terms keyed by language code (`lemmas`, `representations`).
fn terms_json(terms: &[(String, String)]) -> Value {
    Value::Object(terms.iter().map(|(code, value)| (code.clone(), json!({"language": code, "value": value}))).collect())
}

/// P443 statements, qualified by the accent (P5237) as Wikidata's are.
fn recordings_json(owner: &str, files: &[String]) -> Value {
    let claims: Vec<Value> = files
        .iter()
        .enumerate()
        .map(|(n, f)| json!({"mainsnak": {"snaktype": "value", "property": "P443", "hash": format!("{n:040x}"), "datavalue": {"value": f, "type": "string"}, "datatype": "commonsMedia"},
            "type": "statement",
            "qualifiers": {"P5237": [{"snaktype": "value", "property": "P5237", "datavalue": {"value": {"entity-type": "item", "numeric-id": 7976, "id": "Q7976"}, "type": "wikibase-entityid"}, "datatype": "wikibase-item"}]},
            "qualifiers-order": ["P5237"], "id": format!("{owner}${n:08X}-0000-4000-8000-000000000000"), "rank": "normal"}))
        .collect();
    if claims.is_empty() { json!({}) } else { json!({"P443": claims}) }
}

/// A lexeme as `wbgetentities` gives it (all of it: no `props` filter applies to lexemes' own parts).
fn lexeme_json(l: &WikiLexeme) -> Value {
    let forms: Vec<Value> = l
        .forms
        .iter()
        .enumerate()
        .map(|(n, f)| {
            let id = format!("{}-F{}", l.id, n + 1);
            json!({"id": id, "representations": terms_json(&f.representations), "grammaticalFeatures": ["Q110786"], "claims": recordings_json(&id, &f.recordings)})
        })
        .collect();
    json!({"pageid": 54_000_000, "ns": 146, "title": format!("Lexeme:{}", l.id), "lastrevid": 2_000_000_000u64, "modified": "2024-02-25T11:10:42Z",
        "type": "lexeme", "id": l.id, "lemmas": terms_json(&l.lemmas), "lexicalCategory": l.category, "language": l.language_item,
        "claims": recordings_json(&l.id, &l.recordings), "forms": forms, "senses": [], "nextFormId": l.forms.len() + 1, "nextSenseId": 1})
}

async fn upload(State(shared): State<Arc<Shared>>, Path(n): Path<usize>, headers: HeaderMap) -> Response {
    record(&shared, format!("/upload/{n}"), &HashMap::new(), &headers);
    file_bytes(&shared, n)
}

fn file_bytes(shared: &Shared, n: usize) -> Response {
    let state = lock(&shared.state);
    match state.files.get(n) {
        Some(f) => ([(header::CONTENT_TYPE, f.mime.clone())], f.bytes.clone()).into_response(),
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

/// The quoted phrases of a search (`intitle:"a b" intitle:"c"` → `a b`, `c`).
fn quoted(search: &str) -> Vec<String> {
    search.split('"').skip(1).step_by(2).map(str::to_owned).collect()
}

/// A 16-bit mono WAV: `pad_ms` of silence, `tone_ms` of a 440 Hz tone, `pad_ms` of silence, at
/// 16 kHz — like a Lingua Libre recording, a word between two quiet ends.
pub fn recording_wav(tone_ms: u32, pad_ms: u32) -> Vec<u8> {
    let rate = 16_000u32;
    let frames = |ms: u32| (rate / 1000 * ms) as usize;
    let mut samples = vec![0i16; frames(pad_ms)];
    samples.extend((0..frames(tone_ms)).map(|i| ((i as f64 * 440.0 * std::f64::consts::TAU / f64::from(rate)).sin() * 12_000.0) as i16));
    samples.extend(vec![0i16; frames(pad_ms)]);
    let data: Vec<u8> = samples.iter().flat_map(|s| s.to_le_bytes()).collect();
    let mut w = b"RIFF".to_vec();
    w.extend_from_slice(&(36 + data.len() as u32).to_le_bytes());
    w.extend_from_slice(b"WAVEfmt ");
    w.extend_from_slice(&16u32.to_le_bytes());
    w.extend_from_slice(&1u16.to_le_bytes());
    w.extend_from_slice(&1u16.to_le_bytes());
    w.extend_from_slice(&rate.to_le_bytes());
    w.extend_from_slice(&(rate * 2).to_le_bytes());
    w.extend_from_slice(&2u16.to_le_bytes());
    w.extend_from_slice(&16u16.to_le_bytes());
    w.extend_from_slice(b"data");
    w.extend_from_slice(&(data.len() as u32).to_le_bytes());
    w.extend_from_slice(&data);
    w
}
