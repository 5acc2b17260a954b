//! Human recordings through the binary: a fallback chain from the environment, and what
//! `media` (text and `--json`) says about who made each pronunciation and its credit.

use deckmedia_testkit::{recording_wav, Behavior, FakeWikimedia, WikiFile};

use crate::support::env;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn media_names_the_chain_member_that_made_each_pronunciation_and_its_credit() {
    let mut env = env(Behavior::default()).await;
    let wiki = FakeWikimedia::start().await;
    wiki.add_file(WikiFile::recording("File:LL-Q1321 (spa)-Rodelar-manzana.wav", "Rodelar", recording_wav(400, 300), "audio/x-wav"));
    env.set_var("DECKMEDIA_AUDIO_CHAIN", "wikimedia,offline");
    env.set_var("DECKMEDIA_WIKIMEDIA_COMMONS_URL", &wiki.commons_url());
    env.set_var("DECKMEDIA_WIKIMEDIA_WIKTIONARY_URL", &wiki.wiktionary_url());
    env.set_var("DECKMEDIA_WIKIMEDIA_WIKIDATA_URL", &wiki.wikidata_url());
    env.set_var("DECKMEDIA_WIKIMEDIA_CONTACT", "cli-test@example.org");
    let file = env.input("frutas.txt", "manzana\nxyzzy\n");
    env.run(&["deck", "import", file.to_str().unwrap(), "--deck", "Frutas", "--lang", "es"]).await.ok();
    env.run(&["generate", "--deck", "Frutas", "--audio"]).await.ok();
    env.run(&["worker", "--until-idle"]).await.ok();

    let media = env.media("Frutas").await;
    let apple = &media[0]["audio"];
    assert_eq!((apple["status"].as_str(), apple["provider"].as_str()), (Some("done"), Some("wikimedia")), "{apple}");
    assert_eq!(apple["attribution"]["author"], "Rodelar");
    assert_eq!(apple["attribution"]["licence"], "CC BY-SA 4.0");
    assert_eq!(apple["attribution"]["source_url"], "https://commons.wikimedia.org/wiki/File:LL-Q1321_(spa)-Rodelar-manzana.wav");
    assert!(apple["path"].as_str().is_some_and(|p| p.ends_with(".ogg")), "{apple}");
    let other = &media[1]["audio"];
    assert_eq!((other["status"].as_str(), other["provider"].as_str()), (Some("done"), Some("offline")), "{other}");
    assert!(other["attribution"].is_null(), "{other}");

    let text = env.run(&["media", "--deck", "Frutas"]).await.ok().stdout;
    let line = text.lines().find(|l| l.starts_with("manzana")).unwrap_or_default();
    assert!(line.contains("audio: done (wikimedia)") && line.contains("credit: Rodelar, CC BY-SA 4.0"), "{text}");
    let ua = wiki.requests().first().and_then(|r| r.user_agent.clone()).unwrap_or_default();
    assert!(ua.starts_with("Deck Media/") && ua.ends_with("cli-test@example.org)"), "{ua}");
}
