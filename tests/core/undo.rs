//! Undo of a regeneration puts back exactly the files the regeneration replaced (a deck, or
//! one word); the export carries them; unused files go only after the retention period.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use deckmedia_core::export::ExportFormat;
use deckmedia_core::{Core, MediaKind};
use deckmedia_testkit::Behavior;
use tokio_util::sync::CancellationToken;

use crate::support::{config_for, deck_with, setup, within};

const LIMIT: Duration = Duration::from_secs(20);

/// Each word's audio file (absolute path), by word.
fn audio_paths(core: &Core, deck: i64) -> HashMap<String, String> {
    core.media_of_deck(deck).unwrap().into_iter().map(|w| (w.text.clone(), w.audio.path.clone().unwrap_or_default())).collect()
}

async fn run(core: &Core) {
    within(LIMIT, core.worker().unwrap().run_until_idle(CancellationToken::new())).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undo_puts_back_exactly_the_replaced_files_and_gc_waits_for_the_retention_period() {
    let s = setup(Behavior::default(), 2).await;
    let deck = deck_with(&s.core, "D", 3);
    s.core.generate(deck, &[MediaKind::Audio], false).unwrap();
    run(&s.core).await;
    let first = audio_paths(&s.core, deck);
    assert_eq!(s.core.undoable(deck, None).unwrap(), None, "a first generation replaced nothing");

    // Another voice, then "Regenerate all".
    let mut config = config_for(&s.fake, 2);
    config.audio.voice = "nova".into();
    let core = Core::open_with_config(s.dir.path(), config).unwrap();
    let regen = core.generate(deck, &[MediaKind::Audio], true).unwrap();
    run(&core).await;
    let second = audio_paths(&core, deck);
    for (word, path) in &second {
        assert_ne!(path, &first[word], "{word} has a new recording");
    }
    assert_eq!(core.undoable(deck, None).unwrap(), Some(regen.id));
    let undoable = |core: &Core| core.media_page(deck, 0, 10).unwrap().items.iter().map(|w| (w.text.clone(), w.undoable)).collect::<Vec<_>>();
    assert!(undoable(&core).iter().all(|(_, u)| *u), "every regenerated word offers Undo");

    // One word first, then the rest of the deck.
    let word0 = core.words(deck).unwrap().into_iter().find(|w| w.text == "word0000").unwrap();
    let undone = core.undo_regeneration(deck, Some(word0.id)).unwrap().expect("something to undo");
    assert_eq!((undone.batch_id, undone.restored), (regen.id, 1));
    let now = audio_paths(&core, deck);
    assert_eq!(now["word0000"], first["word0000"]);
    assert_eq!(now["word0001"], second["word0001"], "the other words keep the regeneration");
    assert_eq!(core.undo_regeneration(deck, Some(word0.id)).unwrap(), None, "that word has nothing more to undo");
    assert_eq!(undoable(&core)[0], ("word0000".to_string(), false));
    assert!(undoable(&core)[1].1);
    let undone = core.undo_regeneration(deck, None).unwrap().expect("the rest of the deck");
    assert_eq!(undone.restored, 2);
    assert_eq!(audio_paths(&core, deck), first, "exactly the previous files");
    assert_eq!(core.undo_regeneration(deck, None).unwrap(), None);

    // The export carries the restored files: the CSV names the first recordings' bytes.
    let out = s.dir.path().join("out");
    core.export("D", ExportFormat::Csv, &out, false).unwrap();
    let exported: Vec<Vec<u8>> = std::fs::read_dir(&out)
        .map(|d| d.filter_map(|e| e.ok()).filter_map(|e| std::fs::read(e.path()).ok()).collect())
        .unwrap_or_default();
    for path in first.values() {
        let bytes = std::fs::read(path).unwrap();
        assert!(exported.contains(&bytes), "{path} is in the export");
    }

    // The regeneration's files are unused now; they go only once older than the retention.
    let young = core.collect_garbage(Duration::ZERO, false).unwrap();
    assert_eq!((young.files, young.kept_young), (0, 3), "{young:?}");
    let old = SystemTime::now() - Duration::from_secs(2 * 3600);
    for path in second.values() {
        std::fs::File::options().write(true).open(path).unwrap().set_modified(old).unwrap();
    }
    let dry = core.collect_garbage(Duration::from_secs(3600), true).unwrap();
    assert_eq!(dry.files, 3);
    assert!(second.values().all(|p| std::path::Path::new(p).exists()), "a dry run removes nothing");
    let gone = core.collect_garbage(Duration::from_secs(3600), false).unwrap();
    assert_eq!(gone.files, 3, "{gone:?}");
    assert!(second.values().all(|p| !std::path::Path::new(p).exists()));
    assert!(first.values().all(|p| std::path::Path::new(p).exists()), "files in use stay");
}
