//! `deckmedia export` end to end: a generated deck becomes an Anki package and a CSV folder.

use crate::support::*;
use deckmedia_testkit::Behavior;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_generated_deck_exports_to_apkg_and_csv_and_refuses_to_overwrite() {
    let env = env(Behavior::default()).await;
    env.deck_with_batch("Export", &words("exp", 3)).await;
    env.run(&["worker", "--until-idle"]).await.ok();

    let out = env.root.path().join("cwd").join("deck.apkg");
    let run = env.run(&["export", "--deck", "Export", "--out", out.to_str().unwrap()]).await.ok();
    assert!(run.stdout.contains("3 words, 3 pictures, 3 audio"), "{}", run.stdout);
    let bytes = std::fs::read(&out).unwrap();
    assert!(bytes.starts_with(b"PK"), "a zip file");

    let line = env.run(&["export", "--deck", "Export", "--out", out.to_str().unwrap()]).await.clean_failure();
    assert!(line.contains("already exists"), "{line}");
    assert_eq!(std::fs::read(&out).unwrap(), bytes, "the old package is untouched");

    let folder = env.root.path().join("cwd").join("deck-csv");
    env.run(&["export", "--deck", "Export", "--format", "csv", "--out", folder.to_str().unwrap()]).await.ok();
    let csv = std::fs::read_to_string(folder.join("deck.csv")).unwrap();
    assert_eq!(csv.lines().count(), 4, "a header and three words:\n{csv}");
    let files = std::fs::read_dir(&folder).unwrap().count();
    assert_eq!(files, 7, "deck.csv and six media files");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exported_package_imports_back_with_its_media() {
    let env = env(Behavior::default()).await;
    let words = words("rt", 3);
    env.deck_with_batch("Trip", &words).await;
    env.run(&["worker", "--until-idle"]).await.ok();
    let out = env.root.path().join("cwd").join("trip.apkg");
    env.run(&["export", "--deck", "Trip", "--out", out.to_str().unwrap()]).await.ok();

    let run = env.run(&["deck", "import", out.to_str().unwrap(), "--deck", "Back"]).await.ok();
    assert!(
        run.stdout.contains("Back (3 words): 3 new, 0 already there; 3 pictures and 3 recordings from the package"),
        "{}",
        run.stdout
    );
    let (trip, back) = (env.media("Trip").await, env.media("Back").await);
    for w in &words {
        for kind in ["image", "audio"] {
            let a = check_media_file(&env.data_dir(), state(&trip, w, kind), kind);
            let b = check_media_file(&env.data_dir(), state(&back, w, kind), kind);
            assert_eq!(a, b, "{w} {kind}");
        }
    }
}
