//! Human recordings from Wikimedia Commons, against a local fake that answers in MediaWiki's
//! and Wikidata's response shapes: exact words chosen over near ones (Lingua Libre, Wiktionary,
//! Wikidata lexemes), credit stored and exported, "no match" through a fallback chain to the
//! offline voice, maxlag honoured, negative answers cached.

use std::time::{Duration, Instant};

use deckmedia_core::config::Config;
use deckmedia_core::export::ExportFormat;
use deckmedia_core::providers::audio::{encode_ogg_vorbis, Pcm};
use deckmedia_core::providers::wikimedia::{WikimediaProvider, WikimediaSettings};
use deckmedia_core::providers::{MediaRequest, Provider, ProviderError};
use deckmedia_core::{BatchStatus, Core, MediaKind, NewWord, ProviderKind};
use deckmedia_testkit::{recording_wav, FakeWikimedia, WikiFile, WikiLexeme};
use tokio_util::sync::CancellationToken;

use crate::support::*;

const LIMIT: Duration = Duration::from_secs(60);
const CONTACT: &str = "tests@example.org";

fn settings(fake: &FakeWikimedia) -> WikimediaSettings {
    WikimediaSettings {
        commons_url: fake.commons_url(),
        wiktionary_url: fake.wiktionary_url(),
        wikidata_url: fake.wikidata_url(),
        contact: CONTACT.into(),
        timeout: Duration::from_secs(10),
        ..WikimediaSettings::default()
    }
}

fn provider(fake: &FakeWikimedia) -> WikimediaProvider {
    WikimediaProvider::new(settings(fake), None).unwrap()
}

fn word(text: &str, language: &str) -> MediaRequest {
    MediaRequest { kind: MediaKind::Audio, text: text.into(), language: language.into(), translation: None }
}

fn lingua_libre(title: &str, speaker: &str) -> WikiFile {
    WikiFile::recording(title, speaker, recording_wav(400, 300), "audio/x-wav")
}

/// A Spanish Commons: the word `manzana` by Rodelar, and two near words first in the search.
async fn spanish_commons() -> FakeWikimedia {
    let fake = FakeWikimedia::start().await;
    fake.add_file(lingua_libre("File:LL-Q1321 (spa)-Millars-manzanas.wav", "Millars"));
    fake.add_file(lingua_libre("File:LL-Q1321 (spa)-Millars-manzana roja.wav", "Millars"));
    fake.add_file(lingua_libre("File:LL-Q1321 (spa)-Rodelar-manzana.wav", "Rodelar"));
    fake
}

/// The Ogg Vorbis audio decoded (lewton, independent of the encoder): sample rate and frames.
fn decode_ogg(bytes: &[u8]) -> (u32, usize) {
    let mut reader = lewton::inside_ogg::OggStreamReader::new(std::io::Cursor::new(bytes)).expect("an Ogg Vorbis stream");
    let rate = reader.ident_hdr.audio_sample_rate;
    let mut frames = 0;
    while let Some(packet) = reader.read_dec_packet_itl().expect("decodable") {
        frames += packet.len() / usize::from(reader.ident_hdr.audio_channels);
    }
    (rate, frames)
}

#[tokio::test]
async fn the_exact_lingua_libre_word_is_chosen_over_near_ones_and_made_ogg_with_its_credit() {
    let fake = spanish_commons().await;
    let media = provider(&fake).generate(&word("manzana", "es"), &CancellationToken::new()).await.unwrap();

    assert_eq!((media.mime.as_str(), media.ext.as_str()), ("audio/ogg", "ogg"), "WAV is converted to the app's format");
    let (rate, frames) = decode_ogg(&media.bytes);
    let seconds = frames as f64 / f64::from(rate);
    // 0.4 s of tone between 0.3 s silences: trimmed to the tone and a little padding.
    assert!((0.4..0.6).contains(&seconds), "trimmed to about the word: {seconds:.2} s");
    let credit = media.attribution.expect("a credit");
    assert_eq!(credit.author, "Rodelar", "the Artist HTML as plain text");
    assert_eq!(credit.licence, "CC BY-SA 4.0");
    assert_eq!(credit.licence_url.as_deref(), Some("https://creativecommons.org/licenses/by-sa/4.0"));
    assert_eq!(credit.source_url, "https://commons.wikimedia.org/wiki/File:LL-Q1321_(spa)-Rodelar-manzana.wav");

    let requests = fake.requests();
    let paths: Vec<&str> = requests.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(paths, ["/commons/w/api.php", "/commons/w/api.php", "/upload/2"], "search, imageinfo, the exact file only");
    let search = &requests[0].query;
    assert_eq!((search["list"].as_str(), search["srnamespace"].as_str()), ("search", "6"));
    assert!(search["srsearch"].contains("LL-Q1321 (spa)") && search["srsearch"].contains("manzana"), "{}", search["srsearch"]);
    assert_eq!(requests[1].query["titles"], "File:LL-Q1321 (spa)-Rodelar-manzana.wav");
    for r in requests.iter().filter(|r| r.is_api()) {
        assert_eq!((r.query["maxlag"].as_str(), r.query["format"].as_str()), ("5", "json"), "{}", r.path);
    }
    let ua = format!("Deck Media/{} (https://github.com/deckmedia/deckmedia; {CONTACT})", env!("CARGO_PKG_VERSION"));
    assert!(requests.iter().all(|r| r.user_agent.as_deref() == Some(ua.as_str())), "{:?}", requests[0].user_agent);
}

#[tokio::test]
async fn a_wiktionary_pronunciation_is_used_when_lingua_libre_has_none_and_ogg_is_kept_as_it_is() {
    let fake = FakeWikimedia::start().await;
    let tone: Vec<i16> = (0..8_000).map(|i| ((f64::from(i) * 0.2).sin() * 9_000.0) as i16).collect();
    let ogg = encode_ogg_vorbis(&Pcm { sample_rate: 16_000, channels: 1, samples: tone }, 0.3).unwrap();
    let mut file = WikiFile::recording("File:De-Apfel.ogg", "Jeanne", ogg.clone(), "application/ogg");
    file.artist_html = "<bdi>Jeanne &amp; Co</bdi>".into();
    fake.add_file(file);
    fake.add_file(WikiFile::recording("File:De-Apfelbaum.ogg", "Jeanne", ogg.clone(), "application/ogg"));
    fake.add_page("de", "Apfel", &["File:De-Apfelbaum.ogg", "File:De-Apfel.ogg", "File:Flag of Germany.svg"]);

    let media = provider(&fake).generate(&word("Apfel", "de-DE"), &CancellationToken::new()).await.unwrap();
    assert_eq!(media.bytes, ogg, "Ogg Vorbis is the app's format already");
    assert_eq!((media.mime.as_str(), media.ext.as_str()), ("audio/ogg", "ogg"));
    assert_eq!(media.attribution.map(|a| a.author), Some("Jeanne & Co".into()));
    let paths: Vec<String> = fake.requests().iter().map(|r| r.path.clone()).collect();
    assert_eq!(paths, ["/commons/w/api.php", "/wiktionary/de/w/api.php", "/commons/w/api.php", "/upload/0"]);
}

#[tokio::test]
async fn no_recording_is_a_clear_no_match_that_is_not_asked_again() {
    let fake = spanish_commons().await;
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("misses.sqlite3");
    let p = WikimediaProvider::new(settings(&fake), Some(&cache)).unwrap();
    let err = p.generate(&word("xyzzy", "es"), &CancellationToken::new()).await.unwrap_err();
    assert_eq!(err, ProviderError::no_match("no recording of 'xyzzy' in Spanish on Wikimedia Commons"));
    let paths: Vec<String> = fake.requests().iter().map(|r| r.path.clone()).collect();
    assert_eq!(paths, ["/commons/w/api.php", "/wiktionary/es/w/api.php", "/wikidata/w/api.php"], "Lingua Libre's search, the Wiktionary page, the lexeme search");
    assert_eq!(fake.requests()[2].query["type"], "lexeme");

    assert!(matches!(p.generate(&word("xyzzy", "es"), &CancellationToken::new()).await, Err(ProviderError::NoMatch { .. })));
    let again = WikimediaProvider::new(settings(&fake), Some(&cache)).unwrap();
    assert!(matches!(again.generate(&word("xyzzy", "es"), &CancellationToken::new()).await, Err(ProviderError::NoMatch { .. })));
    assert_eq!(fake.requests().len(), 3, "the negative answer is cached, also across restarts");

    let err = p.generate(&word("manzana", "xx"), &CancellationToken::new()).await.unwrap_err();
    assert!(matches!(&err, ProviderError::NoMatch { message } if message.contains("'xx'")), "{err:?}");
    assert_eq!(fake.requests().len(), 3, "an unknown language asks nobody");
}

fn ogg_recording(title: &str, speaker: &str) -> WikiFile {
    let tone: Vec<i16> = (0..8_000).map(|i| ((f64::from(i) * 0.2).sin() * 9_000.0) as i16).collect();
    let ogg = encode_ogg_vorbis(&Pcm { sample_rate: 16_000, channels: 1, samples: tone }, 0.3).unwrap();
    WikiFile::recording(title, speaker, ogg, "application/ogg")
}

fn paths(fake: &FakeWikimedia) -> Vec<String> {
    fake.requests().iter().map(|r| r.path.clone()).collect()
}

#[tokio::test]
async fn a_wikidata_lexeme_recording_is_used_when_lingua_libre_and_wiktionary_have_none() {
    let fake = FakeWikimedia::start().await;
    // Wikidata's L42: the form "answer" recorded, the form "answers" recorded too (another word).
    fake.add_lexeme(WikiLexeme::noun("L42", "Q1860", "en", "answer", Some("En-us-answer.ogg")).with_form("answers", Some("En-us-answers.ogg")));
    fake.add_lexeme(WikiLexeme::noun("L3", "Q1860", "en", "answerer", Some("En-us-answerer.ogg")));
    fake.add_file(ogg_recording("File:En-us-answers.ogg", "Dvortygirl"));
    fake.add_file(ogg_recording("File:En-us-answer.ogg", "Dvortygirl"));

    let media = provider(&fake).generate(&word("answer", "en-US"), &CancellationToken::new()).await.unwrap();
    assert_eq!((media.mime.as_str(), media.ext.as_str()), ("audio/ogg", "ogg"));
    let credit = media.attribution.expect("a credit");
    assert_eq!((credit.author.as_str(), credit.licence.as_str()), ("Dvortygirl", "CC BY-SA 4.0"));
    assert_eq!(credit.source_url, "https://commons.wikimedia.org/wiki/File:En-us-answer.ogg");

    let requests = fake.requests();
    assert_eq!(
        paths(&fake),
        ["/commons/w/api.php", "/wiktionary/en/w/api.php", "/wikidata/w/api.php", "/wikidata/w/api.php", "/commons/w/api.php", "/upload/1"],
        "Lingua Libre, Wiktionary, the lexeme search and the lexeme, then Commons"
    );
    let search = &requests[2].query;
    assert_eq!((search["action"].as_str(), search["type"].as_str(), search["search"].as_str(), search["language"].as_str()), ("wbsearchentities", "lexeme", "answer", "en"));
    assert_eq!((requests[3].query["action"].as_str(), requests[3].query["ids"].as_str()), ("wbgetentities", "L42"), "only the exact lemma is fetched");
    assert_eq!(requests[4].query["titles"], "File:En-us-answer.ogg", "the form spelled as the word, not 'answers'");
    for r in requests.iter().filter(|r| r.is_api()) {
        assert_eq!((r.query["maxlag"].as_str(), r.query["format"].as_str()), ("5", "json"), "{}", r.path);
    }
    assert!(requests.iter().all(|r| r.user_agent.as_deref().is_some_and(|ua| ua.ends_with(&format!("{CONTACT})")))));
}

#[tokio::test]
async fn a_lexeme_of_another_language_with_the_same_lemma_is_not_used() {
    let fake = FakeWikimedia::start().await;
    // "pan" is a lemma in English (found, named "en" by the search: not even fetched) and in
    // Asturian (Q29507 has no ISO 639-1 code: the search says "und", the lexeme's item tells).
    fake.add_lexeme(WikiLexeme::noun("L501", "Q1860", "en", "pan", Some("En-us-pan.ogg")));
    fake.add_lexeme(WikiLexeme::noun("L502", "Q29507", "und", "pan", Some("LL-Q29507 (ast)-Xuacu-pan.wav")));
    fake.add_file(ogg_recording("File:En-us-pan.ogg", "Someone"));
    fake.add_file(lingua_libre("File:LL-Q29507 (ast)-Xuacu-pan.wav", "Xuacu"));

    let err = provider(&fake).generate(&word("pan", "es"), &CancellationToken::new()).await.unwrap_err();
    assert_eq!(err, ProviderError::no_match("no recording of 'pan' in Spanish on Wikimedia Commons"));
    let requests = fake.requests();
    assert_eq!(paths(&fake), ["/commons/w/api.php", "/wiktionary/es/w/api.php", "/wikidata/w/api.php", "/wikidata/w/api.php"], "no file asked about");
    assert_eq!(requests[3].query["ids"], "L502");
}

#[tokio::test]
async fn a_lemma_that_differs_in_case_or_accents_is_not_used() {
    let fake = FakeWikimedia::start().await;
    // German "weg" (away, [vɛk]) is not "Weg" (path, [veːk]); Spanish "papa" is not "papá".
    fake.add_lexeme(WikiLexeme::noun("L601", "Q188", "de", "Weg", Some("De-Weg.ogg")));
    fake.add_lexeme(WikiLexeme::noun("L602", "Q1321", "es", "papá", Some("Es-papá.ogg")));
    fake.add_file(ogg_recording("File:De-Weg.ogg", "Someone"));
    fake.add_file(ogg_recording("File:Es-papá.ogg", "Someone"));
    let p = provider(&fake);

    let err = p.generate(&word("weg", "de"), &CancellationToken::new()).await.unwrap_err();
    assert!(matches!(err, ProviderError::NoMatch { .. }), "{err:?}");
    assert_eq!(paths(&fake).len(), 4, "the search folds case, so the lexeme is fetched, and refused");
    assert_eq!(fake.requests()[3].query["ids"], "L601");

    let err = p.generate(&word("papa", "es"), &CancellationToken::new()).await.unwrap_err();
    assert!(matches!(err, ProviderError::NoMatch { .. }), "{err:?}");
    assert_eq!(paths(&fake).len(), 7, "'papá' is found by the folding search and not fetched");
    assert!(fake.requests().iter().all(|r| r.query.get("prop").map(String::as_str) != Some("imageinfo")), "no file asked about");

    let found = p.generate(&word("Weg", "de"), &CancellationToken::new()).await.unwrap();
    assert_eq!(found.attribution.map(|a| a.source_url), Some("https://commons.wikimedia.org/wiki/File:De-Weg.ogg".into()), "the exact lemma is");
}

#[tokio::test]
async fn maxlag_is_a_retryable_wait_of_the_servers_retry_after() {
    let fake = spanish_commons().await;
    fake.maxlag(1, 7);
    let err = provider(&fake).generate(&word("manzana", "es"), &CancellationToken::new()).await.unwrap_err();
    match err {
        ProviderError::Retryable { retry_after, rate_limited, message } => {
            assert_eq!((retry_after, rate_limited), (Some(Duration::from_secs(7)), true));
            assert!(message.contains("maxlag"), "{message}");
        }
        other => panic!("{other:?}"),
    }
}

fn chain_config(fake: &FakeWikimedia, chain: Vec<ProviderKind>) -> Config {
    let mut c = Config::default();
    c.audio.chain = chain;
    c.audio.timeout_secs = 10;
    c.wikimedia.commons_url = fake.commons_url();
    c.wikimedia.wiktionary_url = fake.wiktionary_url();
    c.wikimedia.wikidata_url = fake.wikidata_url();
    c.wikimedia.contact = CONTACT.into();
    c.queue.backoff_base_ms = 20;
    c.queue.backoff_max_ms = 200;
    c
}

fn spanish_deck(core: &Core, words: &[&str]) -> deckmedia_core::DeckId {
    let deck = core.create_deck("Frutas", "es").unwrap();
    let words: Vec<NewWord> = words.iter().map(|w| NewWord { text: w.to_string(), ..Default::default() }).collect();
    core.add_words(deck.id, &words).unwrap();
    deck.id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chain_gives_human_recordings_where_they_exist_and_the_offline_voice_elsewhere_with_credit_exported() {
    let fake = spanish_commons().await;
    let dir = tempfile::tempdir().unwrap();
    let core = Core::open_with_config(dir.path(), chain_config(&fake, vec![ProviderKind::Wikimedia, ProviderKind::Offline])).unwrap();
    let deck = spanish_deck(&core, &["manzana", "xyzzy"]);
    let batch = core.generate(deck, &[MediaKind::Audio], false).unwrap();
    within(LIMIT, next_worker(&core).await.run_until_idle(CancellationToken::new())).await.unwrap();
    assert_eq!(core.batch(batch.id).unwrap().status, BatchStatus::Completed);

    let media = core.media_of_deck(deck).unwrap();
    let json = serde_json::to_value(&media).unwrap();
    let apple = &json[0]["audio"];
    assert_eq!((apple["status"].as_str(), apple["provider"].as_str()), (Some("done"), Some("wikimedia")), "{apple}");
    assert_eq!(apple["attribution"]["author"], "Rodelar");
    assert_eq!(apple["attribution"]["licence"], "CC BY-SA 4.0");
    let other = &json[1]["audio"];
    assert_eq!((other["status"].as_str(), other["provider"].as_str()), (Some("done"), Some("offline")), "no match: the chain's next member");
    assert!(other["attribution"].is_null());
    assert!(query_i64(dir.path(), "SELECT COUNT(*) FROM media WHERE provider = 'wikimedia' AND attribution LIKE '%Rodelar%'") == 1);

    let pkg = dir.path().join("frutas.apkg");
    core.export("Frutas", ExportFormat::Apkg, &pkg, false).unwrap();
    let notes = apkg_notes(&pkg);
    let (_, apple_fields) = notes.iter().find(|(w, _)| w == "manzana").unwrap();
    assert_eq!(apple_fields.len(), 8);
    assert!(apple_fields[3].starts_with("[sound:deckmedia-") && apple_fields[3].ends_with(".ogg]"), "{:?}", apple_fields[3]);
    assert_eq!(
        apple_fields[4],
        "Rodelar, CC BY-SA 4.0 (https://creativecommons.org/licenses/by-sa/4.0), https://commons.wikimedia.org/wiki/File:LL-Q1321_(spa)-Rodelar-manzana.wav"
    );
    assert_eq!(notes.iter().find(|(w, _)| w == "xyzzy").unwrap().1[4], "", "the offline voice needs no credit");

    let folder = dir.path().join("frutas-csv");
    core.export("Frutas", ExportFormat::Csv, &folder, false).unwrap();
    let mut csv = csv::Reader::from_path(folder.join("deck.csv")).unwrap();
    let rows: Vec<Vec<String>> = csv.records().map(|r| r.unwrap().iter().map(String::from).collect()).collect();
    assert_eq!(rows[0][0], "manzana");
    assert!(rows[0][5].starts_with("Rodelar, CC BY-SA 4.0"), "{:?}", rows[0]);
    assert_eq!(rows[1][5], "");

    // Generated again: the recording is reused from the store with its credit.
    let before = fake.requests().len();
    core.generate(deck, &[MediaKind::Audio], false).unwrap();
    within(LIMIT, next_worker(&core).await.run_until_idle(CancellationToken::new())).await.unwrap();
    assert_eq!(fake.requests().len(), before, "nothing asked again: the media exists, the miss is cached");
    let media = core.media_of_deck(deck).unwrap();
    assert_eq!(media[0].audio.attribution.as_ref().map(|a| a.author.as_str()), Some("Rodelar"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn maxlag_pauses_the_provider_without_spending_an_attempt_then_the_word_gets_its_recording() {
    let fake = spanish_commons().await;
    fake.maxlag(1, 1);
    let dir = tempfile::tempdir().unwrap();
    let mut config = chain_config(&fake, Vec::new());
    config.audio.provider = ProviderKind::Wikimedia;
    let core = Core::open_with_config(dir.path(), config).unwrap();
    let deck = spanish_deck(&core, &["manzana"]);
    let batch = core.generate(deck, &[MediaKind::Audio], false).unwrap();
    let started = Instant::now();
    within(LIMIT, next_worker(&core).await.run_until_idle(CancellationToken::new())).await.unwrap();
    assert_eq!(core.batch(batch.id).unwrap().status, BatchStatus::Completed);
    assert!(started.elapsed() >= Duration::from_secs(1), "the Retry-After second was waited out");
    assert_eq!(query_i64(dir.path(), "SELECT attempts FROM jobs"), 1, "the maxlag answer spent no attempt");
    assert_eq!(query_i64(dir.path(), "SELECT COUNT(*) FROM media WHERE provider = 'wikimedia'"), 1);
    let api_calls = fake.requests().iter().filter(|r| r.is_api()).count();
    assert_eq!(api_calls, 3, "the lagged search, then search and imageinfo");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alone_the_provider_fails_a_word_without_a_recording_with_a_clear_message_and_no_retries() {
    let fake = spanish_commons().await;
    let dir = tempfile::tempdir().unwrap();
    let mut config = chain_config(&fake, Vec::new());
    config.audio.provider = ProviderKind::Wikimedia;
    let core = Core::open_with_config(dir.path(), config).unwrap();
    let deck = spanish_deck(&core, &["xyzzy"]);
    core.generate(deck, &[MediaKind::Audio], false).unwrap();
    within(LIMIT, next_worker(&core).await.run_until_idle(CancellationToken::new())).await.unwrap();
    let media = core.media_of_deck(deck).unwrap();
    assert_eq!(media[0].audio.status, deckmedia_core::MediaStatus::Failed);
    assert_eq!(media[0].audio.error.as_deref(), Some("no recording of 'xyzzy' in Spanish on Wikimedia Commons"));
    assert_eq!(query_i64(dir.path(), "SELECT attempts FROM jobs"), 1);
    assert_eq!(fake.requests().len(), 3);
}
