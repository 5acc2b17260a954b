//! The MediaWiki Action API as this provider uses it: the query parameters it sends and the
//! answers it reads. Pure functions over `serde_json::Value`, no I/O.
//!
//! Answers are read in both shapes MediaWiki produces: `formatversion=1` (`"pages"` an object
//! keyed by page id, `"batchcomplete": ""`) and `formatversion=2` (`"pages"` an array).
//! Reference: <https://www.mediawiki.org/wiki/API:Search>, `API:Imageinfo`, `API:Images`,
//! `API:Etiquette` (maxlag).

use serde_json::Value;

use super::titles::Language;
use crate::model::Attribution;

/// The `maxlag` every API call sends: past 5 s of replication lag the servers answer a
/// `maxlag` error instead, and a polite client waits.
pub const MAXLAG_SECS: u32 = 5;

/// Parameters of a Lingua Libre search on Commons: files (namespace 6) whose title has the
/// language's Lingua Libre prefix and the word.
pub fn search_params(lang: &Language, word: &str) -> Vec<(&'static str, String)> {
    // Quotes would end the phrase early; the word part is compared exactly afterwards anyway.
    let word: String = word.chars().filter(|&c| c != '"').collect();
    vec![
        ("action", "query".into()),
        ("list", "search".into()),
        ("srnamespace", "6".into()),
        ("srlimit", "50".into()),
        ("srsearch", format!("intitle:\"LL-{} ({})\" intitle:\"{word}\"", lang.qid, lang.iso3)),
    ]
}

/// Parameters of the files used on a Wiktionary page (the word's entry).
pub fn page_images_params(word: &str) -> Vec<(&'static str, String)> {
    vec![("action", "query".into()), ("prop", "images".into()), ("imlimit", "100".into()), ("titles", word.to_string())]
}

/// Parameters of the file URL, type, size and credit of up to 50 files.
pub fn imageinfo_params(titles: &[String]) -> Vec<(&'static str, String)> {
    vec![
        ("action", "query".into()),
        ("prop", "imageinfo".into()),
        ("iiprop", "url|extmetadata|mime|size".into()),
        ("iiextmetadatafilter", "LicenseShortName|LicenseUrl|Artist".into()),
        ("titles", titles.join("|")),
    ]
}

/// Like [`imageinfo_params`], with a thumbnail `width` pixels wide (`thumburl`): Commons scales
/// the picture (and draws an SVG) to that width.
pub fn thumb_imageinfo_params(titles: &[String], width: u32) -> Vec<(&'static str, String)> {
    let mut params = imageinfo_params(titles);
    params.push(("iiurlwidth", width.to_string()));
    params
}

/// An `{"error": {"code", "info"}}` answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub code: String,
    pub info: String,
}

pub fn api_error(json: &Value) -> Option<ApiError> {
    let e = json.get("error")?;
    let text = |k: &str| e.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    Some(ApiError { code: text("code"), info: text("info") })
}

/// The pages of a `query` answer, in either format version.
fn pages(json: &Value) -> Vec<&Value> {
    match json.pointer("/query/pages") {
        Some(Value::Array(list)) => list.iter().collect(),
        Some(Value::Object(map)) => map.values().collect(),
        _ => Vec::new(),
    }
}

/// Titles of a `list=search` answer, in the search's order.
pub fn search_titles(json: &Value) -> Vec<String> {
    let Some(Value::Array(hits)) = json.pointer("/query/search") else { return Vec::new() };
    hits.iter().filter_map(|h| h.get("title").and_then(Value::as_str)).map(str::to_owned).collect()
}

/// Titles of the files a `prop=images` answer lists (none for a missing page).
pub fn page_image_titles(json: &Value) -> Vec<String> {
    pages(json)
        .into_iter()
        .filter_map(|p| p.get("images").and_then(Value::as_array))
        .flatten()
        .filter_map(|i| i.get("title").and_then(Value::as_str))
        .map(str::to_owned)
        .collect()
}

/// One file as `prop=imageinfo` describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileInfo {
    /// `File:<name>` (the page's title).
    pub title: String,
    pub url: String,
    /// The scaled copy asked for with `iiurlwidth`, when there is one.
    pub thumb_url: Option<String>,
    pub mime: String,
    pub size: u64,
    pub attribution: Attribution,
}

/// The files of a `prop=imageinfo` answer that have a URL, by title.
pub fn file_infos(json: &Value) -> Vec<FileInfo> {
    pages(json).into_iter().filter_map(file_info).collect()
}

fn file_info(page: &Value) -> Option<FileInfo> {
    let title = page.get("title")?.as_str()?.to_string();
    let info = page.get("imageinfo")?.get(0)?;
    let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
    let meta = |key: &str| text(info.pointer(&format!("/extmetadata/{key}/value")));
    let url = text(info.get("url"))?;
    let attribution = Attribution {
        author: meta("Artist").map(|a| plain_text(&a)).unwrap_or_default(),
        licence: meta("LicenseShortName").map(|l| plain_text(&l)).unwrap_or_default(),
        licence_url: meta("LicenseUrl"),
        source_url: text(info.get("descriptionurl")).unwrap_or_default(),
    };
    Some(FileInfo {
        title,
        url: absolute(&url),
        thumb_url: text(info.get("thumburl")).map(|u| absolute(&u)),
        mime: text(info.get("mime")).unwrap_or_default(),
        size: info.get("size").and_then(Value::as_u64).unwrap_or(0),
        attribution,
    })
}

/// Commons sometimes gives protocol-relative URLs (`//upload.wikimedia.org/…`).
fn absolute(url: &str) -> String {
    if url.starts_with("//") {
        format!("https:{url}")
    } else {
        url.to_string()
    }
}

/// The text of an HTML fragment (Commons' `Artist` is a link, sometimes a `<bdi>` or a list):
/// tags dropped, the common entities decoded, whitespace collapsed, at most 300 characters.
pub fn plain_text(html: &str) -> String {
    crate::text::html_to_plain(html).replace(" ,", ",").chars().take(300).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn both_format_versions_are_read() {
        let v1 = json!({"batchcomplete": "", "query": {"pages": {"42": {"pageid": 42, "ns": 0, "title": "manzana",
            "images": [{"ns": 6, "title": "File:Es-manzana.ogg"}]}}}});
        let v2 = json!({"batchcomplete": true, "query": {"pages": [{"pageid": 42, "ns": 0, "title": "manzana",
            "images": [{"ns": 6, "title": "File:Es-manzana.ogg"}]}]}});
        assert_eq!(page_image_titles(&v1), vec!["File:Es-manzana.ogg"]);
        assert_eq!(page_image_titles(&v2), vec!["File:Es-manzana.ogg"]);
        let missing = json!({"batchcomplete": "", "query": {"pages": {"-1": {"ns": 0, "title": "xyz", "missing": ""}}}});
        assert!(page_image_titles(&missing).is_empty());
    }

    #[test]
    fn imageinfo_gives_the_url_and_a_plain_text_credit() {
        let answer = json!({"batchcomplete": "", "query": {"pages": {"-1": {"ns": 6, "title": "File:LL-Q1321 (spa)-Millars-manzana.wav",
            "missing": "", "known": "", "imagerepository": "shared", "imageinfo": [{
                "size": 83_054, "width": 0, "height": 0,
                "url": "//upload.wikimedia.org/wikipedia/commons/a/ab/LL-Q1321_(spa)-Millars-manzana.wav",
                "descriptionurl": "https://commons.wikimedia.org/wiki/File:LL-Q1321_(spa)-Millars-manzana.wav",
                "mime": "audio/x-wav",
                "extmetadata": {
                    "LicenseShortName": {"value": "CC BY-SA 4.0", "source": "commons-desc-page", "hidden": ""},
                    "LicenseUrl": {"value": "https://creativecommons.org/licenses/by-sa/4.0", "source": "commons-desc-page", "hidden": ""},
                    "Artist": {"value": "<a href=\"//commons.wikimedia.org/wiki/User:Millars\" title=\"User:Millars\">Millars</a> &amp; friends", "source": "commons-desc-page"}
                }}]}}}});
        let files = file_infos(&answer);
        assert_eq!(files.len(), 1);
        let f = &files[0];
        assert_eq!(f.url, "https://upload.wikimedia.org/wikipedia/commons/a/ab/LL-Q1321_(spa)-Millars-manzana.wav");
        assert_eq!((f.mime.as_str(), f.size), ("audio/x-wav", 83_054));
        assert_eq!(f.attribution.author, "Millars & friends");
        assert_eq!(f.attribution.licence, "CC BY-SA 4.0");
        assert_eq!(f.attribution.licence_url.as_deref(), Some("https://creativecommons.org/licenses/by-sa/4.0"));
        assert!(f.attribution.source_url.ends_with("File:LL-Q1321_(spa)-Millars-manzana.wav"));
    }

    #[test]
    fn html_becomes_text_and_odd_entities_stay_as_they_are() {
        assert_eq!(plain_text("<bdi><a href='x'>Ana &#x4E2D;&#25991;</a></bdi>"), "Ana 中文");
        assert_eq!(plain_text("Tom &amp Jerry &unknown; &lt;3"), "Tom &amp Jerry &unknown; <3");
        assert_eq!(plain_text("<ul><li>A</li><li>B</li></ul>"), "A B");
        assert_eq!(api_error(&json!({"error": {"code": "maxlag", "info": "Waiting for db: 6 seconds lagged"}})).map(|e| e.code), Some("maxlag".into()));
        assert_eq!(search_titles(&json!({"query": {"search": [{"ns": 6, "title": "File:A.wav"}]}})), vec!["File:A.wav"]);
    }
}
