//! `deckmedia credits --deck NAME [--json]`: every credited media file of a deck, through the
//! binary, with photos from a Wikidata/Commons fake configured from the environment.

use deckmedia_testkit::{png_for_word, Behavior, FakeWikimedia, WikiFile, WikiItem};

use crate::support::env;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credits_lists_each_credited_file_with_its_source_author_licence_and_page() {
    let mut env = env(Behavior::default()).await;
    let wiki = FakeWikimedia::start().await;
    wiki.add_item(WikiItem::new("Q204776", "es", "banco", "bench", "long seat for several people", Some("Park bench.jpg")));
    wiki.add_file(WikiFile::photo("File:Park bench.jpg", "Carla", "CC BY 2.0", png_for_word("bench")));
    env.set_var("DECKMEDIA_IMAGE_CHAIN", "wikimedia,offline");
    env.set_var("DECKMEDIA_WIKIMEDIA_COMMONS_URL", &wiki.commons_url());
    env.set_var("DECKMEDIA_WIKIMEDIA_WIKIDATA_URL", &wiki.wikidata_url());
    env.set_var("DECKMEDIA_WIKIMEDIA_CONTACT", "cli-test@example.org");
    let file = env.input("cosas.csv", "word,translation\nbanco,bench\nxyzzy,nothing\n");
    env.run(&["deck", "import", file.to_str().unwrap(), "--deck", "Cosas", "--lang", "es"]).await.ok();
    env.run(&["generate", "--deck", "Cosas", "--image"]).await.ok();
    env.run(&["worker", "--until-idle"]).await.ok();

    let credits = env.json(&["credits", "--deck", "Cosas", "--json"]).await;
    let list = credits.as_array().cloned().unwrap_or_default();
    assert_eq!(list.len(), 1, "the offline word card needs no credit: {credits}");
    let c = &list[0];
    assert_eq!((c["word"].as_str(), c["kind"].as_str(), c["source"].as_str()), (Some("banco"), Some("image"), Some("wikimedia")), "{c}");
    assert_eq!((c["author"].as_str(), c["licence"].as_str()), (Some("Carla"), Some("CC BY 2.0")), "{c}");
    assert_eq!(c["page_url"], "https://commons.wikimedia.org/wiki/File:Park_bench.jpg");
    assert!(c["path"].as_str().is_some_and(|p| std::path::Path::new(p).is_file()), "{c}");

    let text = env.run(&["credits", "--deck", "Cosas"]).await.ok().stdout;
    assert_eq!(text.trim(), "banco (image, wikimedia): Carla, CC BY 2.0, https://commons.wikimedia.org/wiki/File:Park_bench.jpg");
    let missing = env.run(&["credits", "--deck", "Nope"]).await;
    assert!(missing.clean_failure().contains("Nope"));
}
