//! Licensed photos (issue 13.2), against local fakes answering in Wikidata's, Commons' and
//! Openverse's response shapes: the translation picks the item, non-free licences are refused,
//! Openverse's limits are kept on our side (an injected clock, no sleeps), a word without a
//! photo falls through the chain to the offline picture, and credits are stored, exported and
//! listed.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use deckmedia_core::config::{Config, Secret};
use deckmedia_core::export::ExportFormat;
use deckmedia_core::providers::openverse::{Clock, OpenverseProvider, OpenverseSettings};
use deckmedia_core::providers::wikimedia::photos::WikidataPhotoProvider;
use deckmedia_core::providers::wikimedia::WikimediaSettings;
use deckmedia_core::providers::{MediaRequest, Provider, ProviderError};
use deckmedia_core::{BatchStatus, Core, MediaKind, NewWord, ProviderKind};
use deckmedia_testkit::{png_for_word, FakeOpenverse, FakeWikimedia, OpenverseImage, WikiFile, WikiItem};
use tokio_util::sync::CancellationToken;

use crate::support::*;

const LIMIT: Duration = Duration::from_secs(60);
const CONTACT: &str = "tests@example.org";

fn wiki_settings(fake: &FakeWikimedia) -> WikimediaSettings {
    WikimediaSettings { commons_url: fake.commons_url(), wikidata_url: fake.wikidata_url(), contact: CONTACT.into(), timeout: Duration::from_secs(10), ..WikimediaSettings::default() }
}

fn picture(text: &str, language: &str, translation: Option<&str>) -> MediaRequest {
    MediaRequest { kind: MediaKind::Image, text: text.into(), language: language.into(), translation: translation.map(str::to_owned) }
}

/// Wikidata's two `banco`s (the bank, the bench) and a `Banco Santander`, each with a photo.
async fn spanish_wikidata() -> FakeWikimedia {
    let fake = FakeWikimedia::start().await;
    fake.add_item(WikiItem::new("Q806", "es", "Banco Santander", "Banco Santander", "Spanish bank", Some("Santander.jpg")));
    fake.add_item(WikiItem::new("Q22687", "es", "banco", "bank", "financial institution", Some("Bank building.jpg")));
    fake.add_item(WikiItem::new("Q204776", "es", "banco", "bench", "long seat for several people", Some("Park bench.jpg")));
    fake.add_file(WikiFile::photo("File:Santander.jpg", "Ana", "CC BY-SA 4.0", png_for_word("santander")));
    fake.add_file(WikiFile::photo("File:Bank building.jpg", "Ben", "CC BY-SA 3.0", png_for_word("bank")));
    let mut bench = WikiFile::photo("File:Park bench.jpg", "Carla", "CC BY 2.0", png_for_word("bench"));
    bench.licence_url = "https://creativecommons.org/licenses/by/2.0".into();
    fake.add_file(bench);
    fake
}

#[tokio::test]
async fn the_translation_picks_the_item_and_its_free_thumbnail_comes_with_its_credit() {
    let fake = spanish_wikidata().await;
    let p = WikidataPhotoProvider::new(wiki_settings(&fake), None).unwrap();
    let media = p.generate(&picture("banco", "es", Some("bench")), &CancellationToken::new()).await.unwrap();
    assert_eq!(media.bytes, png_for_word("bench"), "the bench's photo, not the bank's");
    assert_eq!((media.mime.as_str(), media.ext.as_str()), ("image/png", "png"), "typed by its bytes, not by the file name");
    let credit = media.attribution.expect("a credit");
    assert_eq!((credit.author.as_str(), credit.licence.as_str()), ("Carla", "CC BY 2.0"), "the Artist HTML as plain text");
    assert_eq!(credit.licence_url.as_deref(), Some("https://creativecommons.org/licenses/by/2.0"));
    assert_eq!(credit.source_url, "https://commons.wikimedia.org/wiki/File:Park_bench.jpg");

    let requests = fake.requests();
    let paths: Vec<&str> = requests.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(paths, ["/wikidata/w/api.php", "/wikidata/w/api.php", "/commons/w/api.php", "/thumb/2"], "search, entities, imageinfo, the thumbnail");
    let search = &requests[0].query;
    assert_eq!(
        (search["action"].as_str(), search["search"].as_str(), search["language"].as_str(), search["uselang"].as_str(), search["type"].as_str()),
        ("wbsearchentities", "banco", "es", "es", "item")
    );
    assert_eq!(requests[1].query["ids"], "Q22687|Q204776", "only the exact label 'banco', not 'Banco Santander'");
    assert!(requests[1].query["props"].contains("claims"));
    assert_eq!((requests[2].query["iiurlwidth"].as_str(), requests[2].query["titles"].as_str()), ("512", "File:Park bench.jpg"));
    assert!(requests[2].query["iiprop"].contains("extmetadata") && requests[2].query["iiprop"].contains("url"));
    for r in requests.iter().filter(|r| r.is_api()) {
        assert_eq!((r.query["maxlag"].as_str(), r.query["format"].as_str()), ("5", "json"), "{}", r.path);
    }
    assert!(requests.iter().all(|r| r.user_agent.as_deref().is_some_and(|ua| ua.starts_with("Deck Media/") && ua.contains(CONTACT))));

    let media = p.generate(&picture("banco", "es", Some("a bank")), &CancellationToken::new()).await.unwrap();
    assert_eq!(media.bytes, png_for_word("bank"));
}

#[tokio::test]
async fn a_non_free_licence_is_refused_and_a_word_without_a_free_photo_is_a_cached_no_match() {
    let fake = FakeWikimedia::start().await;
    fake.add_item(WikiItem::new("Q89", "es", "manzana", "apple", "fruit of the apple tree", Some("Apple logo.jpg")));
    fake.add_item(WikiItem::new("Q1", "es", "manzana", "city block", "urban area bounded by streets", Some("Block.jpg")));
    fake.add_file(WikiFile::photo("File:Apple logo.jpg", "Corp", "Fair use", png_for_word("logo")));
    fake.add_file(WikiFile::photo("File:Block.jpg", "Dan", "CC BY-SA 2.0", png_for_word("block")));
    fake.add_item(WikiItem::new("Q2", "es", "pera", "pear", "fruit", Some("Pear.jpg")));
    fake.add_file(WikiFile::photo("File:Pear.jpg", "Eve", "CC BY-NC 2.0", png_for_word("pear")));
    let dir = tempfile::tempdir().unwrap();
    let p = WikidataPhotoProvider::new(wiki_settings(&fake), Some(&dir.path().join("misses.sqlite3"))).unwrap();

    // No translation: the apple's photo is refused (fair use), the next item's is free.
    let media = p.generate(&picture("manzana", "es", None), &CancellationToken::new()).await.unwrap();
    assert_eq!(media.bytes, png_for_word("block"));
    assert!(!fake.requests().iter().any(|r| r.path == "/thumb/0"), "a refused photo is never downloaded");

    // "apple": only the apple fits, and its photo is not free: no match, not the city block.
    let err = p.generate(&picture("manzana", "es", Some("apple")), &CancellationToken::new()).await.unwrap_err();
    assert!(matches!(&err, ProviderError::NoMatch { message } if message.contains("manzana")), "{err:?}");

    let err = p.generate(&picture("pera", "es", Some("pear")), &CancellationToken::new()).await.unwrap_err();
    assert_eq!(err, ProviderError::no_match("no freely licensed photo of 'pera' (es) on Wikidata"), "CC BY-NC is not free");
    let before = fake.requests().len();
    assert!(matches!(p.generate(&picture("pera", "es", Some("pear")), &CancellationToken::new()).await, Err(ProviderError::NoMatch { .. })));
    let again = WikidataPhotoProvider::new(wiki_settings(&fake), Some(&dir.path().join("misses.sqlite3"))).unwrap();
    assert!(matches!(again.generate(&picture("pera", "es", None), &CancellationToken::new()).await, Err(ProviderError::NoMatch { .. })));
    assert_eq!(fake.requests().len(), before, "the negative answer is cached, also across restarts");
}

/// A clock the test moves.
struct TestClock(AtomicI64);

impl Clock for TestClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

fn openverse(fake: &FakeOpenverse, token: Option<&str>, clock: Arc<TestClock>) -> OpenverseProvider {
    let mut config = deckmedia_core::config::OpenverseConfig { url: fake.url(), ..Default::default() };
    config.token = token.map(Secret::from);
    let settings = OpenverseSettings::from_config(&config, CONTACT, Duration::from_secs(10), Duration::from_secs(5));
    OpenverseProvider::new(settings, None, clock).unwrap()
}

#[tokio::test]
async fn openverse_keeps_twenty_requests_a_minute_and_the_twenty_first_is_not_sent() {
    let fake = FakeOpenverse::start().await;
    for i in 0..12 {
        fake.add_image(OpenverseImage::new(&format!("id{i}"), &format!("thing{i} photo"), "Flickr user", "by", png_for_word(&format!("thing{i}"))));
    }
    let clock = Arc::new(TestClock(AtomicI64::new(1_700_000_000_000)));
    let p = openverse(&fake, None, clock.clone());
    for i in 0..10 {
        let media = p.generate(&picture(&format!("cosa{i}"), "es", Some(&format!("thing{i}"))), &CancellationToken::new()).await.unwrap();
        assert_eq!(media.bytes, png_for_word(&format!("thing{i}")));
    }
    assert_eq!(fake.requests().len(), 20, "ten words: a search and a thumbnail each");
    clock.0.fetch_add(30_000, Ordering::SeqCst);
    let err = p.generate(&picture("cosa10", "es", Some("thing10")), &CancellationToken::new()).await.unwrap_err();
    match err {
        ProviderError::Retryable { retry_after, rate_limited, message } => {
            assert!(rate_limited, "no attempt is spent");
            assert_eq!(retry_after, Some(Duration::from_secs(30)), "until the first requests leave the minute");
            assert!(message.contains("20 requests a minute"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(fake.requests().len(), 20, "the 21st request was not sent");
    clock.0.fetch_add(30_000, Ordering::SeqCst);
    p.generate(&picture("cosa10", "es", Some("thing10")), &CancellationToken::new()).await.unwrap();
    assert_eq!(fake.requests().len(), 22);
}

#[tokio::test]
async fn openverse_asks_free_licences_for_the_gloss_sends_its_token_to_itself_and_credits_the_creator() {
    let fake = FakeOpenverse::start().await;
    fake.add_image(OpenverseImage::new("nc1", "Dog on a beach", "Nina", "by-nc", png_for_word("nc")));
    fake.add_image(OpenverseImage::new("sa1", "Happy dog", "Sam &amp; Co", "by-sa", png_for_word("dog")));
    let clock = Arc::new(TestClock(AtomicI64::new(1_700_000_000_000)));
    let p = openverse(&fake, Some("ov-token-123456"), clock);
    let media = p.generate(&picture("perro", "es", Some("dog")), &CancellationToken::new()).await.unwrap();
    assert_eq!(media.bytes, png_for_word("dog"), "the NonCommercial photo is not asked for");
    let credit = media.attribution.expect("a credit");
    assert_eq!((credit.author.as_str(), credit.licence.as_str()), ("Sam & Co", "CC BY-SA 2.0"));
    assert_eq!(credit.licence_url.as_deref(), Some("https://creativecommons.org/licenses/by-sa/2.0/"));
    assert_eq!(credit.source_url, "https://www.flickr.com/photos/example/sa1");

    let requests = fake.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!((requests[0].path.as_str(), requests[0].query["q"].as_str()), ("/v1/images/", "dog"), "the English gloss is searched");
    let licences: Vec<&str> = requests[0].query["license"].split(',').collect();
    assert_eq!(licences, ["cc0", "pdm", "by", "by-sa"]);
    assert_eq!(requests[1].path, "/v1/images/sa1/thumb/");
    assert!(requests.iter().all(|r| r.authorization.as_deref() == Some("Bearer ov-token-123456")), "the token goes to Openverse's own server");

    let err = p.generate(&picture("gato", "es", Some("cat")), &CancellationToken::new()).await.unwrap_err();
    assert!(matches!(&err, ProviderError::NoMatch { message } if message.contains("'cat'") && !message.contains("ov-token")), "{err:?}");
    assert_eq!(fake.requests().len(), 3, "a miss costs one request, no download");
}

fn photo_chain_config(wiki: &FakeWikimedia, ov: &FakeOpenverse) -> Config {
    let mut c = Config::default();
    c.image.chain = vec![ProviderKind::Wikimedia, ProviderKind::Openverse, ProviderKind::Offline];
    c.image.timeout_secs = 10;
    c.wikimedia.commons_url = wiki.commons_url();
    c.wikimedia.wikidata_url = wiki.wikidata_url();
    c.wikimedia.contact = CONTACT.into();
    c.openverse.url = ov.url();
    c.queue.backoff_base_ms = 20;
    c.queue.backoff_max_ms = 200;
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chain_gives_licensed_photos_where_they_exist_and_offline_pictures_elsewhere_with_credits_exported_and_listed() {
    let wiki = spanish_wikidata().await;
    let ov = FakeOpenverse::start().await;
    ov.add_image(OpenverseImage::new("dog1", "Dog in the park", "Pat", "cc0", png_for_word("dog")));
    let dir = tempfile::tempdir().unwrap();
    let core = Core::open_with_config(dir.path(), photo_chain_config(&wiki, &ov)).unwrap();
    let deck = core.create_deck("Cosas", "es").unwrap();
    let words = [("banco", "bench"), ("perro", "dog"), ("xyzzy", "nothing at all")];
    let new: Vec<NewWord> = words.iter().map(|(w, t)| NewWord { text: w.to_string(), translation: Some(t.to_string()), ..Default::default() }).collect();
    core.add_words(deck.id, &new).unwrap();
    let batch = core.generate(deck.id, &[MediaKind::Image], false).unwrap();
    within(LIMIT, next_worker(&core).await.run_until_idle(CancellationToken::new())).await.unwrap();
    assert_eq!(core.batch(batch.id).unwrap().status, BatchStatus::Completed);

    let media = core.media_of_deck(deck.id).unwrap();
    let made: Vec<(Option<&str>, Option<&str>)> = media.iter().map(|m| (m.image.provider.as_deref(), m.image.attribution.as_ref().map(|a| a.author.as_str()))).collect();
    assert_eq!(made[0], (Some("wikimedia"), Some("Carla")));
    assert_eq!(made[1], (Some("openverse"), Some("Pat")), "no Wikidata item: Openverse");
    assert_eq!(made[2].0, Some("offline"), "no photo anywhere: the chain's offline picture");
    assert!(made[2].1.is_none());
    let stored = std::fs::read(media[0].image.path.as_deref().unwrap()).unwrap();
    assert_eq!(stored, png_for_word("bench"));
    assert_eq!(query_i64(dir.path(), "SELECT COUNT(*) FROM media WHERE provider = 'openverse' AND attribution LIKE '%CC0 1.0%'"), 1);

    let pkg = dir.path().join("cosas.apkg");
    core.export("Cosas", ExportFormat::Apkg, &pkg, false).unwrap();
    let notes = apkg_notes(&pkg);
    let field = |w: &str, i: usize| notes.iter().find(|(word, _)| word == w).map(|(_, f)| f[i].clone()).unwrap_or_default();
    assert!(field("banco", 2).starts_with("<img src=\"deckmedia-"), "{:?}", field("banco", 2));
    assert_eq!(field("banco", 4), "Carla, CC BY 2.0 (https://creativecommons.org/licenses/by/2.0), https://commons.wikimedia.org/wiki/File:Park_bench.jpg");
    assert_eq!(field("perro", 4), "Pat, CC0 1.0 (https://creativecommons.org/publicdomain/zero/1.0/), https://www.flickr.com/photos/example/dog1");
    assert_eq!(field("xyzzy", 4), "");

    let folder = dir.path().join("cosas-csv");
    core.export("Cosas", ExportFormat::Csv, &folder, false).unwrap();
    let mut csv = csv::Reader::from_path(folder.join("deck.csv")).unwrap();
    assert_eq!(csv.headers().unwrap().get(5), Some("attribution"));
    let rows: Vec<Vec<String>> = csv.records().map(|r| r.unwrap().iter().map(String::from).collect()).collect();
    assert!(rows[0][5].starts_with("Carla, CC BY 2.0"), "{:?}", rows[0]);
    assert!(rows[1][5].starts_with("Pat, CC0"), "{:?}", rows[1]);

    let credits = core.credits("Cosas").unwrap();
    let listed: Vec<(&str, MediaKind, &str, &str)> = credits.iter().map(|c| (c.word.as_str(), c.kind, c.source.as_str(), c.licence.as_str())).collect();
    assert_eq!(listed, [("banco", MediaKind::Image, "wikimedia", "CC BY 2.0"), ("perro", MediaKind::Image, "openverse", "CC0 1.0")]);
    assert_eq!(credits[0].page_url, "https://commons.wikimedia.org/wiki/File:Park_bench.jpg");
    assert!(credits[0].line().starts_with("banco (image, wikimedia): Carla, CC BY 2.0"), "{}", credits[0].line());
}

#[tokio::test]
async fn a_client_id_and_secret_are_exchanged_for_an_access_token_kept_until_it_expires() {
    let fake = FakeOpenverse::start().await;
    fake.register("client-abc", "secret-xyz-987");
    fake.add_image(OpenverseImage::new("cat1", "Cat", "Kim", "by", png_for_word("cat")));
    let clock = Arc::new(TestClock(AtomicI64::new(1_700_000_000_000)));
    let p = openverse(&fake, Some("client-abc:secret-xyz-987"), clock.clone());
    p.generate(&picture("gato", "es", Some("cat")), &CancellationToken::new()).await.unwrap();
    p.generate(&picture("gata", "es", Some("cat")), &CancellationToken::new()).await.unwrap();
    let requests = fake.requests();
    let paths: Vec<&str> = requests.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(paths, ["/v1/auth_tokens/token/", "/v1/images/", "/v1/images/cat1/thumb/", "/v1/images/", "/v1/images/cat1/thumb/"], "one exchange for both words");
    assert_eq!(requests[0].query["grant_type"], "client_credentials");
    assert!(requests[1..].iter().all(|r| r.authorization.as_deref() == Some("Bearer access-1")));
    assert!(requests[1..].iter().all(|r| !format!("{r:?}").contains("secret-xyz")), "the secret goes to the token endpoint only");

    clock.0.fetch_add(36_000_000, Ordering::SeqCst);
    p.generate(&picture("gatito", "es", Some("cat")), &CancellationToken::new()).await.unwrap();
    let last = fake.requests();
    assert_eq!(last[5].path, "/v1/auth_tokens/token/", "an expired token is exchanged again");
    assert_eq!(last[6].authorization.as_deref(), Some("Bearer access-2"));

    let refused = openverse(&fake, Some("client-abc:wrong-secret"), Arc::new(TestClock(AtomicI64::new(1_700_000_000_000))));
    let err = refused.generate(&picture("perro", "es", Some("cat")), &CancellationToken::new()).await.unwrap_err();
    assert!(matches!(&err, ProviderError::Account { .. }) && !err.to_string().contains("wrong-secret"), "{err:?}");
}
