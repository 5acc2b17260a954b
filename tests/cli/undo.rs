//! `deckmedia undo` puts back what a regeneration replaced; `deckmedia gc` keeps files that are
//! in use or young.

use deckmedia_testkit::Behavior;

use crate::support::env;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undo_takes_back_a_regeneration_and_gc_keeps_young_files() {
    let mut env = env(Behavior::default()).await;
    let words: Vec<String> = ["gato", "perro"].map(String::from).to_vec();
    env.deck_with_batch("Animals", &words).await;
    env.run(&["worker", "--until-idle"]).await.ok();
    let audio = |media: &[serde_json::Value]| media.iter().map(|m| m["audio"]["path"].as_str().unwrap_or("").to_string()).collect::<Vec<_>>();
    let before = audio(&env.media("Animals").await);

    env.set_var("DECKMEDIA_AUDIO_VOICE", "nova");
    env.run(&["generate", "--deck", "Animals", "--audio", "--force", "--yes"]).await.ok();
    env.run(&["worker", "--until-idle"]).await.ok();
    let regenerated = audio(&env.media("Animals").await);
    assert!(before.iter().zip(&regenerated).all(|(a, b)| a != b), "{before:?} {regenerated:?}");

    let one = env.run(&["undo", "--deck", "Animals", "--word", "gato"]).await.ok().stdout;
    assert!(one.starts_with("put back 1 media file(s) that batch 2 had replaced"), "{one}");
    let all = env.run(&["undo", "--deck", "Animals"]).await.ok().stdout;
    assert!(all.starts_with("put back 1 media file(s)"), "{all}");
    assert_eq!(audio(&env.media("Animals").await), before);
    let nothing = env.run(&["undo", "--deck", "Animals"]).await.ok().stdout;
    assert_eq!(nothing.trim(), "nothing to undo in 'Animals'");
    let unknown = env.run(&["undo", "--deck", "Animals", "--word", "pájaro"]).await.clean_failure();
    assert!(unknown.contains("no word 'pájaro'"), "{unknown}");

    // The regeneration's two recordings are unused but young: kept.
    let gc = env.json(&["gc", "--dry-run", "--json"]).await;
    assert_eq!((gc["files"].as_u64(), gc["kept_young"].as_u64()), (Some(0), Some(2)), "{gc}");
    assert!(regenerated.iter().all(|p| std::path::Path::new(p).exists()));
}
