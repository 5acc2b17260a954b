//! `deckmedia pictures`: "Choose picture…" through the binary — the candidates numbered, photos
//! from a Wikidata/Commons fake on `--photos`, and `--pick ID` makes one the word's picture with
//! no provider call.

use deckmedia_testkit::{png_for_word, Behavior, FakeWikimedia, WikiFile, WikiItem};

use crate::support::env;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pictures_lists_the_candidates_and_pick_makes_one_the_words_picture() {
    let mut env = env(Behavior::default()).await;
    let wiki = FakeWikimedia::start().await;
    wiki.add_item(WikiItem::new("Q204776", "es", "banco", "bench", "long seat for several people", Some("Park bench.jpg")));
    wiki.add_file(WikiFile::photo("File:Park bench.jpg", "Carla", "CC BY 2.0", png_for_word("bench")));
    env.set_var("DECKMEDIA_IMAGE_PROVIDER", "offline");
    env.set_var("DECKMEDIA_WIKIMEDIA_COMMONS_URL", &wiki.commons_url());
    env.set_var("DECKMEDIA_WIKIMEDIA_WIKIDATA_URL", &wiki.wikidata_url());
    env.set_var("DECKMEDIA_WIKIMEDIA_CONTACT", "cli-test@example.org");
    env.set_var("DECKMEDIA_OPENVERSE_URL", "http://127.0.0.1:9/");
    let file = env.input("cosas.csv", "word,translation\nbanco,bench\n");
    env.run(&["deck", "import", file.to_str().unwrap(), "--deck", "Cosas", "--lang", "es"]).await.ok();

    let offline = env.json(&["pictures", "--deck", "Cosas", "--word", "banco", "--json"]).await;
    let sources: Vec<&str> = offline["candidates"].as_array().unwrap().iter().filter_map(|c| c["source"].as_str()).collect();
    assert!(sources.contains(&"word_card") && !sources.contains(&"photo"), "{offline}");
    assert!(wiki.requests().is_empty(), "no network without --photos");

    let text = env.run(&["pictures", "--deck", "Cosas", "--word", "banco", "--photos"]).await.ok().stdout;
    assert!(text.contains("Photo from Wikimedia Commons") && text.contains("credit: Carla, CC BY 2.0"), "{text}");
    assert!(text.contains("no photo: Openverse: not reachable"), "{text}");
    let calls = wiki.requests().len();

    let listed = env.json(&["pictures", "--deck", "Cosas", "--word", "banco", "--json"]).await;
    let photo = listed["candidates"].as_array().unwrap().iter().find(|c| c["source"] == "photo").cloned().unwrap();
    let id = photo["id"].as_i64().unwrap().to_string();
    let picked = env.json(&["pictures", "--deck", "Cosas", "--word", "banco", "--pick", &id, "--json"]).await;
    assert_eq!(picked["candidates"][0]["id"], photo["id"], "the pick is current now: {picked}");
    assert_eq!(picked["candidates"][0]["current"], true);
    assert_eq!(wiki.requests().len(), calls, "picking asks no provider");
    let credits = env.json(&["credits", "--deck", "Cosas", "--json"]).await;
    assert_eq!(credits[0]["author"], "Carla", "{credits}");

    let bad = env.run(&["pictures", "--deck", "Cosas", "--word", "banco", "--pick", "999999"]).await;
    assert!(bad.clean_failure().contains("999999"));
    let missing = env.run(&["pictures", "--deck", "Cosas", "--word", "nope"]).await;
    assert!(missing.clean_failure().contains("no word 'nope'"));
}
