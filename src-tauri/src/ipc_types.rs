//! The UI's TypeScript, generated from the Rust types: every DTO and event the shell sends
//! (the core's and the shell's own, via `ts-rs`), and every command's arguments and result (from
//! [`COMMANDS`]'s table, which also drives the `invoke` handler, so a command cannot be added
//! without its types). `ui/src/generated/ipc.ts` is [`typescript`]'s output, committed; the app
//! test `generated_typescript_is_current` fails when it is stale and says how to refresh it:
//!
//! ```sh
//! DECKMEDIA_WRITE_TS=1 cargo test -p deckmedia-app --test app generated_typescript
//! ```
//!
//! This module only describes types; it owns no behaviour.

use deckmedia_core::chooser::PictureChoices;
use deckmedia_core::core::Snapshot;
use deckmedia_core::cost::Cost;
use deckmedia_core::plan::{BatchPlan, KindPlan};
use deckmedia_core::events::Event;
use deckmedia_core::export::ExportFormat;
use deckmedia_core::import::{ImportFormat, ImportPreview, RowError};
use deckmedia_core::ImportReport;
use deckmedia_core::AddWords;
use deckmedia_core::queue::Undone;
use deckmedia_core::views::{BatchFailures, DeckSummary, MediaPage, WordError};
use deckmedia_core::voices::list::VoiceList;
use deckmedia_core::{
    AccountState, BatchId, BatchInfo, BatchStatus, Deck, DeckId, MediaKind, MediaState, MediaStatus, NewWord, ProviderChoice, ProviderKind, ProviderState, Word, WordId,
    WordMedia,
};
use tauri::Runtime;
use ts_rs::{Config, TS};

use crate::bridge::{AppEvent, ShellEvent};
use crate::commands::{AppInfo, Folder, ProviderSettings, Settings};
use crate::ErrorDto;

/// Where the generated file lives, from the repository root.
pub const GENERATED_PATH: &str = "ui/src/generated/ipc.ts";

/// The command that rewrites [`GENERATED_PATH`].
pub const REFRESH_COMMAND: &str = "DECKMEDIA_WRITE_TS=1 cargo test -p deckmedia-app --test app generated_typescript";

/// The bytes `read_media` answers with (a raw IPC response, an `ArrayBuffer` in the page).
pub struct MediaBytes;

impl TS for MediaBytes {
    type WithoutGenerics = Self;
    type OptionInnerType = Self;
    fn name(_: &Config) -> String {
        "ArrayBuffer".into()
    }
    fn inline(cfg: &Config) -> String {
        Self::name(cfg)
    }
}

/// One IPC command as Rust declares it: argument names as in the Rust function (the page sends
/// them camelCased), argument and result types as written in Rust and in TypeScript.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandSig {
    pub name: &'static str,
    /// `(rust name, rust type, TypeScript type)`.
    pub args: Vec<(&'static str, &'static str, String)>,
    /// The `T` of `CmdResult<T>`, as written in Rust.
    pub rust_result: &'static str,
    pub ts_result: String,
}

macro_rules! ts_of {
    ($cfg:expr, $ret:ty) => {
        <$ret as TS>::name($cfg)
    };
    ($cfg:expr, $ret:ty, $as:ty) => {
        <$as as TS>::name($cfg)
    };
}

/// Declares every command once: its signature (for the TypeScript) and its handler entry.
macro_rules! command_table {
    ($( $module:ident :: $name:ident ( $($arg:ident : $ty:ty),* ) -> $ret:ty $(as $as:ty)? ; )*) => {
        /// Every command's signature, in the handler's order.
        pub fn commands(cfg: &Config) -> Vec<CommandSig> {
            vec![$(CommandSig {
                name: stringify!($name),
                args: vec![$((stringify!($arg), stringify!($ty), <$ty as TS>::name(cfg))),*],
                rust_result: stringify!($ret),
                ts_result: ts_of!(cfg, $ret $(, $as)?),
            }),*]
        }

        /// The names of [`commands`], in order (what `configure` registers).
        pub const COMMANDS: &[&str] = &[$(stringify!($name)),*];

        /// The `invoke` handler of exactly these commands.
        pub fn handler<R: Runtime>() -> impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static {
            tauri::generate_handler![$(crate::commands::$module::$name),*]
        }
    };
}

command_table! {
    settings::app_info() -> AppInfo;
    decks::list_decks() -> Vec<DeckSummary>;
    decks::create_deck(name: String, language: String) -> Deck;
    decks::rename_deck(deck_id: DeckId, name: String) -> Deck;
    decks::delete_deck(deck_id: DeckId) -> ();
    decks::preview_import(text: String) -> ImportPreview;
    decks::import_words(deck_id: DeckId, text: String) -> AddWords;
    decks::choose_package(deck_id: DeckId) -> Option<ImportPreview>;
    decks::import_package(deck_id: DeckId) -> ImportReport;
    decks::add_words(deck_id: DeckId, words: Vec<NewWord>) -> AddWords;
    decks::deck_media(deck_id: DeckId, offset: i64, limit: i64) -> MediaPage;
    decks::update_word(word_id: WordId, text: String, translation: Option<String>) -> Word;
    decks::set_sentence(word_id: WordId, sentence: Option<String>) -> Word;
    decks::set_deck_slots(deck_id: DeckId, slots: Vec<MediaKind>, translation_language: Option<String>) -> Deck;
    decks::delete_word(word_id: WordId) -> ();
    media::read_media(path: String) -> tauri::ipc::Response as MediaBytes;
    batches::plan_batch(deck_id: DeckId, kinds: Vec<MediaKind>) -> BatchPlan;
    batches::preview_batch(deck_id: DeckId, kinds: Vec<MediaKind>) -> BatchInfo;
    batches::generate(deck_id: DeckId, kinds: Vec<MediaKind>, force: bool, confirmed: bool) -> BatchInfo;
    batches::generate_word(word_id: WordId, kinds: Vec<MediaKind>) -> BatchInfo;
    batches::snapshot() -> Snapshot;
    batches::batch_failures(batch_id: BatchId) -> BatchFailures;
    batches::undoable(deck_id: DeckId, word_id: Option<WordId>) -> Option<BatchId>;
    batches::retry_batch_with(batch_id: BatchId, provider: ProviderKind) -> BatchInfo;
    batches::regenerate_word_with(word_id: WordId, kind: MediaKind, provider: ProviderKind) -> BatchInfo;
    batches::provider_choices() -> Vec<ProviderChoice>;
    batches::undo_regeneration(deck_id: DeckId, word_id: Option<WordId>) -> Option<Undone>;
    pictures::picture_choices(word_id: WordId) -> PictureChoices;
    pictures::find_photos(word_id: WordId) -> PictureChoices;
    pictures::choose_picture(word_id: WordId, candidate_id: i64) -> ();
    batches::cancel_batch(batch_id: BatchId) -> BatchInfo;
    batches::retry_batch(batch_id: BatchId) -> BatchInfo;
    batches::pause_batch(batch_id: BatchId, paused: bool) -> BatchInfo;
    batches::pause_all(paused: bool) -> ();
    settings::get_settings() -> Settings;
    settings::save_settings(image: ProviderSettings, audio: ProviderSettings) -> Settings;
    settings::set_api_key(provider: ProviderKind, key: String) -> String;
    settings::delete_api_key(provider: ProviderKind) -> bool;
    settings::open_folder(which: Folder) -> ();
    export::export_deck(deck_id: DeckId, format: ExportFormat) -> ();
    export::anki_push(deck_id: DeckId) -> ();
    voices::voice_list(language: Option<String>) -> VoiceList;
    voices::voice_install(key: String) -> ();
    voices::voice_remove(key: String) -> bool;
    voices::voice_sample(key: String) -> String;
}

/// `deck_id` → `deckId` (Tauri's default for command arguments).
fn camel(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = false;
    for c in name.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// `export type T = …;` with its doc comment, for each type.
macro_rules! declarations {
    ($cfg:expr, $out:expr, $($t:ty),* $(,)?) => {
        $(
            if let Some(docs) = <$t as TS>::docs() {
                $out.push_str(&docs);
            }
            $out.push_str("export ");
            $out.push_str(&<$t as TS>::decl($cfg));
            $out.push_str("\n\n");
        )*
    };
}

/// Every provider with what Settings needs to know of it: its label, whether it takes a key
/// (and a server), and the media it makes — the core's rules, not a copy in TypeScript.
fn provider_kinds() -> String {
    let mut out = String::from("/** Every provider: its label, whether it needs an API key (or can use one: Openverse's optional token), the media it makes. */\nexport const PROVIDER_KINDS: { kind: ProviderKind; label: string; needsKey: boolean; takesKey: boolean; keyNote: string | null; makes: MediaKind[] }[] = [\n");
    for p in ProviderKind::ALL {
        let makes: Vec<String> = MediaKind::ALL.iter().filter(|&&k| p.makes(k)).map(|k| format!("{:?}", k.as_str())).collect();
        let note = deckmedia_core::providers::optional_key_note(p).map_or_else(|| "null".to_string(), |n| format!("{n:?}"));
        out.push_str(&format!(
            "  {{ kind: {:?}, label: {:?}, needsKey: {}, takesKey: {}, keyNote: {note}, makes: [{}] }},\n",
            p.as_str(),
            p.label(),
            p.needs_key(),
            p.takes_key(),
            makes.join(", ")
        ));
    }
    out.push_str("];\n\n");
    out
}

/// What each kind of media is called ("sentence audio"): the core's words
/// (`wording::kind_name`), the same in the CLI's dry run and the window.
fn media_kind_names() -> String {
    let mut out = String::from("/** Each kind of media as people read it (the core's `wording::kind_name`). */\nexport const MEDIA_KIND_NAMES: Record<MediaKind, string> = {\n");
    for k in MediaKind::ALL {
        out.push_str(&format!("  {}: {:?},\n", k.as_str(), deckmedia_core::wording::kind_name(k)));
    }
    out.push_str("};\n\n");
    out
}

/// The whole generated file.
pub fn typescript() -> String {
    let cfg = Config::new().with_large_int("number");
    let mut out = format!(
        "// Generated from the Rust types by src-tauri/src/ipc_types.rs: do not edit.\n// Refresh: {REFRESH_COMMAND}\n\n"
    );
    declarations!(
        &cfg, out,
        // States.
        MediaKind, BatchStatus, MediaStatus, ProviderKind, ExportFormat, ImportFormat, Folder,
        deckmedia_core::error::ErrorCode, deckmedia_core::JobOutcome, AccountState,
        deckmedia_core::VoiceInstallState,
        // The queue's health.
        deckmedia_core::attention::Attention, ProviderState,
        // Decks, words, batches, media.
        Deck, Word, NewWord, AddWords, DeckSummary, MediaState, deckmedia_core::model::Attribution, WordMedia, MediaPage, BatchInfo, WordError, deckmedia_core::model::FailureKind, BatchFailures, deckmedia_core::queue::Undone, deckmedia_core::model::ProviderChoice,
        deckmedia_core::chooser::PictureSource, deckmedia_core::chooser::PictureCandidate, PictureChoices,
        RowError, ImportPreview, ImportReport, Snapshot,
        // Before a batch: the dry run.
        Cost, KindPlan, BatchPlan,
        // Neural voices.
        deckmedia_core::voices::list::VoiceRow, VoiceList,
        // The shell's own DTOs.
        AppInfo, ProviderSettings, Settings, ErrorDto,
        // The one event.
        Event, ShellEvent, AppEvent,
    );
    out.push_str(&format!("/** The name of the one Tauri event; its payload is an {}. */\n", <AppEvent as TS>::name(&cfg)));
    out.push_str(&format!("export const EVENT_NAME = {:?};\n\n", crate::bridge::EVENT));
    out.push_str(&provider_kinds());
    out.push_str(&media_kind_names());
    out.push_str("/** Every command: its arguments (camelCase, as `invoke` takes them) and what it resolves with. */\nexport type Commands = {\n");
    for c in commands(&cfg) {
        let args = if c.args.is_empty() {
            "Record<string, never>".to_string()
        } else {
            let fields: Vec<String> = c.args.iter().map(|(n, _, t)| format!("{}: {t}", camel(n))).collect();
            format!("{{ {} }}", fields.join("; "))
        };
        out.push_str(&format!("  {}: {{ args: {args}; result: {} }};\n", c.name, c.ts_result));
    }
    out.push_str("};\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argument_names_are_camel_cased_like_tauri_does() {
        assert_eq!(camel("deck_id"), "deckId");
        assert_eq!(camel("paused"), "paused");
        assert_eq!(camel("a_b_c"), "aBC");
    }

    #[test]
    fn the_table_types_every_argument() {
        let cfg = Config::new().with_large_int("number");
        let all = commands(&cfg);
        assert_eq!(all.len(), COMMANDS.len());
        let export = all.iter().find(|c| c.name == "export_deck").map(|c| c.args.clone());
        assert_eq!(export, Some(vec![("deck_id", "DeckId", "number".to_string()), ("format", "ExportFormat", "ExportFormat".to_string())]));
        let update = all.iter().find(|c| c.name == "update_word").map(|c| c.args.clone());
        assert_eq!(
            update,
            Some(vec![
                ("word_id", "WordId", "number".to_string()),
                ("text", "String", "string".to_string()),
                ("translation", "Option<String>", "string | null".to_string()),
            ])
        );
        let media = all.iter().find(|c| c.name == "read_media").map(|c| c.ts_result.clone());
        assert_eq!(media.as_deref(), Some("ArrayBuffer"));
    }
}
