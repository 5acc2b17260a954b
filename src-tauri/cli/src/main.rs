//! `deckmedia`: the command line on the same core as the desktop app, for scripts, servers
//! without a display, and our own tests. Each subcommand is one or two core calls; the output is
//! either human lines or, with `--json`, one JSON document on stdout. Errors are one line on
//! stderr and a non-zero exit, never a panic.

use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
use deckmedia_core::import::ImportSource;
use deckmedia_core::PushStatus;
use deckmedia_core::export::{ExportFormat, ExportReport};
use deckmedia_core::{BatchInfo, Core, MediaKind, ProviderKind};

mod pictures;
mod progress;
mod rules;
mod slots;
mod time;
mod voice;

#[derive(Parser, Debug)]
#[command(name = "deckmedia", version, about = "Generate pictures and pronunciations for vocabulary decks, in the background.")]
struct Cli {
    /// Data folder (default: the platform's data dir, or DECKMEDIA_DATA_DIR).
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Decks: import words, list decks.
    #[command(subcommand)]
    Deck(DeckCommand),
    /// Start a batch for a deck and print its id at once (the worker does the work).
    Generate {
        #[arg(long)]
        deck: String,
        #[command(flatten)]
        kinds: slots::KindArgs,
        /// Generate again even where media with the same settings exists.
        #[arg(long)]
        force: bool,
        /// Print what would be done — words per kind, skips and why, provider, estimated cost,
        /// limits — and make no call.
        #[arg(long)]
        dry_run: bool,
        /// Start even when the estimated cost is above `[cost] confirm_above`.
        #[arg(long)]
        yes: bool,
        /// Try a few first: only the first N words still to make (default 3), ahead of other
        /// batches; the full batch later reuses them.
        #[arg(long, value_name = "N", num_args = 0..=1, default_missing_value = "3")]
        preview: Option<usize>,
        #[arg(long)]
        json: bool,
    },
    /// Run the queue in the foreground.
    Worker {
        /// Exit (0) when nothing is left to run.
        #[arg(long)]
        until_idle: bool,
    },
    /// Batches: all recent ones, or one.
    Status {
        batch_id: Option<i64>,
        #[arg(long)]
        json: bool,
    },
    /// Cancel a batch: queued jobs are cancelled, requests in flight aborted.
    Cancel { batch_id: i64 },
    /// Pause the whole queue (jobs in flight finish).
    Pause,
    /// Resume the queue, and providers paused for their account (quota used up, key rejected).
    Resume,
    /// Queue a batch's failed and cancelled words again.
    Retry {
        batch_id: i64,
        /// "Retry with…": this provider instead (offline, neural, wikimedia, openverse, or the
        /// configured one); only the kinds it makes are retried.
        #[arg(long = "with")]
        with: Option<String>,
    },
    /// Make one word's picture or recording again now, optionally with another provider.
    Regenerate {
        #[arg(long)]
        deck: String,
        /// The word, as in the deck.
        #[arg(long)]
        word: String,
        #[command(flatten)]
        kinds: slots::KindArgs,
        /// The provider to use instead of the configured one (see `deckmedia providers`).
        #[arg(long = "with")]
        with: Option<String>,
    },
    /// The providers that can be picked for "regenerate --with" and "retry --with", per kind.
    Providers {
        #[arg(long)]
        json: bool,
    },
    /// Each word of a deck with its picture and audio.
    Media(MediaArgs),
    /// A word's candidate pictures (emoji, pictogram, word card, photos with --photos, the
    /// current one), or make one its picture with --pick ID.
    Pictures(pictures::PicturesArgs),
    /// Put back the media the last regeneration of a deck (or of one word) replaced.
    Undo {
        #[arg(long)]
        deck: String,
        /// Only this word (its text as in the deck).
        #[arg(long)]
        word: Option<String>,
    },
    /// Remove media files nothing uses any more, once older than [queue] keep_unused_days
    /// (the worker does this when it starts).
    Gc {
        /// Override the retention period (days; at least one hour is always kept).
        #[arg(long)]
        days: Option<u32>,
        /// Count only.
        #[arg(long)]
        dry_run: bool,
        #[arg(long)]
        json: bool,
    },
    /// Every credited media file of a deck (photos, recordings, pictograms): word, kind,
    /// source, author, licence, page.
    Credits {
        #[arg(long)]
        deck: String,
        #[arg(long)]
        json: bool,
    },
    /// List media files that are missing or damaged (content checked against its hash).
    Verify {
        /// Only this deck (default: every deck).
        #[arg(long)]
        deck: Option<String>,
        /// Queue the words of missing or damaged files again (one batch per deck).
        #[arg(long)]
        repair: bool,
        #[arg(long)]
        json: bool,
    },
    /// Export a deck with its media: an Anki package (.apkg) or a folder with deck.csv.
    Export(ExportArgs),
    /// API keys of network providers, kept in the system keychain (or a private file).
    #[command(subcommand)]
    Key(KeyCommand),
    /// Anki through the AnkiConnect add-on (Anki must be running).
    #[command(subcommand)]
    Anki(AnkiCommand),
    /// Neural (Piper) voices: list, install, remove.
    #[command(subcommand)]
    Voice(voice::VoiceCommand),
}

#[derive(Subcommand, Debug)]
enum AnkiCommand {
    /// Put the deck's pictures and pronunciations into the matching notes of an Anki deck
    /// (matched by the word field; sets the Picture/Image and Audio/Sound fields).
    Push {
        #[arg(long)]
        deck: String,
        /// The Anki deck (default: the same name).
        #[arg(long, value_name = "NAME")]
        anki_deck: Option<String>,
        /// AnkiConnect's address (default: DECKMEDIA_ANKI_URL, else http://127.0.0.1:8765).
        #[arg(long)]
        url: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
enum KeyCommand {
    /// Store a provider's key, read from standard input (never from the command line), for the
    /// server its configured base URL names: the key is sent to that server only.
    Set {
        /// The provider, e.g. openai.
        provider: String,
    },
    /// Delete a provider's stored key.
    Delete { provider: String },
    /// Show whether a key is stored (masked) and where keys are kept.
    Show { provider: String },
}

#[derive(Subcommand, Debug)]
enum DeckCommand {
    /// Import words: one per line, or CSV/TSV with a header (word[,translation][,lang][,note]),
    /// or the notes of an Anki package (.apkg: first field = word, second = translation).
    Import {
        /// A file, or - for standard input.
        file: String,
        #[arg(long)]
        deck: String,
        /// The deck's language (for new decks), e.g. en, de, es, ru.
        #[arg(long, default_value = "en")]
        lang: String,
    },
    /// List decks.
    List {
        #[arg(long)]
        json: bool,
    },
    /// A deck's text rules: replacements applied to each word before it goes to a provider
    /// (after HTML, cloze markers, [sound:…] tags and furigana are removed). Lists them.
    Rules(rules::RulesArgs),
    /// What `generate` makes for a deck (image, audio, translation-audio, sentence-audio) and
    /// the language of its translations: shows them, or sets them.
    Slots(slots::SlotsArgs),
    /// Sets a word's example sentence (read aloud by the sentence-audio slot); "" removes it.
    Sentence(slots::SentenceArgs),
}

#[derive(Args, Debug)]
struct ExportArgs {
    #[arg(long)]
    deck: String,
    /// apkg (an Anki package) or csv (a folder with the media files and deck.csv). Default:
    /// apkg when --out ends in .apkg, csv when it has no extension.
    #[arg(long)]
    format: Option<ExportFormat>,
    /// The .apkg file or the folder to create.
    #[arg(long, value_name = "PATH")]
    out: PathBuf,
    /// Replace an existing file, or an earlier export folder.
    #[arg(long)]
    force: bool,
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
struct MediaArgs {
    #[arg(long)]
    deck: String,
    /// Only the words from this position on (0 = the first), as the app's deck view pages.
    #[arg(long, default_value_t = 0)]
    offset: i64,
    /// At most this many words (at most 1,000; default: all).
    #[arg(long)]
    limit: Option<i64>,
    #[arg(long)]
    json: bool,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { ExitCode::from(2) } else { ExitCode::SUCCESS };
        }
    };
    init_logging();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("DECKMEDIA_LOG").unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_target(false).with_ansi(std::io::stderr().is_terminal()).try_init();
}

fn open(data_dir: Option<PathBuf>) -> Result<Core> {
    let dir = match data_dir {
        Some(d) => d,
        None => deckmedia_core::paths::default_data_dir()?,
    };
    Ok(Core::open(&dir)?)
}

fn run(cli: Cli) -> Result<ExitCode> {
    let core = open(cli.data_dir)?;
    match cli.command {
        Command::Deck(DeckCommand::Import { file, deck, lang }) => import(&core, &file, &deck, &lang)?,
        Command::Deck(DeckCommand::List { json }) => list_decks(&core, json)?,
        Command::Deck(DeckCommand::Rules(args)) => rules::run(&core, args)?,
        Command::Deck(DeckCommand::Slots(args)) => slots::run_slots(&core, args)?,
        Command::Deck(DeckCommand::Sentence(args)) => slots::run_sentence(&core, args)?,
        Command::Generate { deck, kinds, force, dry_run: true, json, .. } => dry_run(&core, &deck, &kinds, force, json)?,
        Command::Generate { deck, kinds, preview: Some(n), json, .. } => {
            let deck = core.deck_by_name(&deck)?;
            print_batch(&core.preview(deck.id, &kinds.resolve(&deck)?, n)?, json)?
        }
        Command::Generate { deck, kinds, force, yes, json, .. } => generate(&core, &deck, &kinds, (force, yes), json)?,
        Command::Worker { until_idle } => return run_worker(core, until_idle),
        Command::Voice(cmd) => voice::run(&core, cmd)?,
        Command::Status { batch_id, json } => status(&core, batch_id, json)?,
        Command::Cancel { batch_id } => println!("{}", batch_line(&core.cancel(batch_id)?)),
        Command::Retry { batch_id, with: None } => println!("{}", batch_line(&core.retry(batch_id)?)),
        Command::Retry { batch_id, with: Some(p) } => println!("{}", batch_line(&core.retry_with(batch_id, parse_provider(&p)?)?)),
        Command::Regenerate { deck, word, kinds, with } => regenerate(&core, (&deck, &word), &kinds, with.as_deref())?,
        Command::Providers { json } => providers(&core, json)?,
        Command::Pause => {
            core.pause_all(true)?;
            println!("queue paused");
        }
        Command::Resume => {
            core.pause_all(false)?;
            println!("queue resumed");
        }
        Command::Key(cmd) => key(&core, cmd)?,
        Command::Export(args) => export(&core, args)?,
        Command::Anki(AnkiCommand::Push { deck, anki_deck, url, json }) => anki_push(&core, &deck, anki_deck.as_deref(), url.as_deref(), json)?,
        Command::Verify { deck, repair, json } => verify(&core, deck, repair, json)?,
        Command::Media(args) => media(&core, args)?,
        Command::Credits { deck, json } => credits(&core, &deck, json)?,
        Command::Pictures(args) => pictures::run(&core, args)?,
        Command::Undo { deck, word } => undo(&core, &deck, word.as_deref())?,
        Command::Gc { days, dry_run, json } => gc(&core, days, dry_run, json)?,
    }
    Ok(ExitCode::SUCCESS)
}

fn credits(core: &Core, deck: &str, json: bool) -> Result<()> {
    let credits = core.credits(deck)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&credits)?);
    } else if credits.is_empty() {
        println!("no media of '{deck}' needs a credit");
    } else {
        for c in &credits {
            println!("{}", c.line());
        }
    }
    Ok(())
}

fn import(core: &Core, file: &str, deck: &str, lang: &str) -> Result<()> {
    let mut input = Vec::new();
    let source = if file.to_ascii_lowercase().ends_with(".apkg") {
        ImportSource::Package(std::path::Path::new(file))
    } else {
        if file == "-" {
            std::io::stdin().read_to_end(&mut input).context("cannot read standard input")?;
        } else {
            input = std::fs::read(file).with_context(|| format!("cannot read {file}"))?;
        }
        ImportSource::Text(&input)
    };
    let (deck, report) = core.import_named(deck, lang, source)?;
    println!("{} ({} words): {}", deck.name, deck.word_count, report.summary);
    Ok(())
}

fn list_decks(core: &Core, json: bool) -> Result<()> {
    let decks = core.list_decks()?;
    if json {
        println!("{}", serde_json::to_string_pretty(&decks)?);
    } else if decks.is_empty() {
        println!("no decks yet: deckmedia deck import FILE --deck NAME");
    } else {
        for d in decks {
            println!("{}\t{}\t{} words", d.name, if d.language.is_empty() { "-" } else { &d.language }, d.word_count);
        }
    }
    Ok(())
}

fn dry_run(core: &Core, deck: &str, kinds: &slots::KindArgs, force: bool, json: bool) -> Result<()> {
    let deck = core.deck_by_name(deck)?;
    let plan = core.plan(deck.id, &kinds.resolve(&deck)?, force)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&plan)?);
        return Ok(());
    }
    println!("{} (dry run: nothing is sent)", plan.summary);
    for k in &plan.kinds {
        println!("  {}", k.line);
    }
    Ok(())
}

fn generate(core: &Core, deck: &str, kinds: &slots::KindArgs, (force, yes): (bool, bool), json: bool) -> Result<()> {
    let deck = core.deck_by_name(deck)?;
    let batch = match core.generate_checked(deck.id, &kinds.resolve(&deck)?, force, yes) {
        Err(deckmedia_core::Error::ConfirmCost(summary)) => anyhow::bail!("{summary}; run again with --yes to start it (--dry-run shows the details)"),
        other => other?,
    };
    print_batch(&batch, json)
}

fn print_batch(batch: &BatchInfo, json: bool) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(&batch_json(batch))?);
    } else {
        println!("{}", batch.id);
        eprintln!(
            "batch {} queued for '{}': {} words{}; run `deckmedia worker` (or the app) to process it",
            batch.id,
            batch.deck,
            batch.total_words,
            if batch.reused_jobs > 0 { format!(", {} media reused", batch.reused_jobs) } else { String::new() }
        );
    }
    Ok(())
}

fn status(core: &Core, batch_id: Option<i64>, json: bool) -> Result<()> {
    let batches = match batch_id {
        Some(id) => vec![core.batch(id)?],
        None => core.batches()?,
    };
    match (core.attention(), json) {
        (Some(a), false) => println!("needs attention: {}", a.reason),
        (Some(a), true) => eprintln!("needs attention: {}", a.reason),
        (None, _) => {}
    }
    // One batch asked for by id: its summary line and failed words too.
    let failures = match batch_id {
        Some(id) => Some(core.batch_failures(id)?),
        None => None,
    };
    if json {
        let v: Vec<_> = batches.iter().map(batch_json).collect();
        let out = match (v.into_iter().next(), &failures) {
            (Some(mut one), Some(f)) if batch_id.is_some() => {
                one["summary"] = serde_json::json!(f.summary);
                one["errors"] = serde_json::to_value(&f.errors)?;
                one
            }
            _ => serde_json::Value::Array(batches.iter().map(batch_json).collect()),
        };
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(());
    }
    for p in core.provider_states()? {
        println!("{} (its jobs wait: top up or set a new key, then deckmedia resume)", p.line());
    }
    if batches.is_empty() {
        println!("no batches");
        return Ok(());
    }
    if core.is_paused()? {
        println!("queue paused (deckmedia resume)");
    }
    for b in &batches {
        println!("{}", batch_line(b));
    }
    if let Some(f) = failures {
        println!("{}", f.summary);
        for e in &f.errors {
            println!("  {} ({}): {}", e.text, e.kind, e.error);
        }
    }
    Ok(())
}

fn key(core: &Core, cmd: KeyCommand) -> Result<()> {
    let (place, warning) = core.key_store_info();
    if let Some(w) = warning {
        eprintln!("warning: {w}");
    }
    match cmd {
        KeyCommand::Set { provider } => {
            if std::io::stdin().is_terminal() {
                eprint!("{provider} API key (input is visible; end with Enter): ");
            }
            let mut line = String::new();
            std::io::stdin().read_line(&mut line).context("cannot read the key from standard input")?;
            let place = core.set_api_key(&provider, &line)?;
            let host = core.api_key_host(&provider)?;
            println!("stored the {provider} key for {host} in {place}; it is sent only to {host} (another base URL needs its own key)");
        }
        KeyCommand::Delete { provider } => {
            let host = core.api_key_host(&provider)?;
            if core.delete_api_key(&provider)? {
                println!("deleted the {provider} key for {host} from {place}");
            } else {
                println!("no {provider} key for {host} was stored in {place}");
            }
        }
        KeyCommand::Show { provider } => {
            let host = core.api_key_host(&provider)?;
            match core.api_key_hint(&provider)? {
                Some(hint) => println!("{provider}: {hint} for {host} (in {place})"),
                None => println!("{provider}: no key stored for {host} (in {place}); set one with: deckmedia key set {provider}"),
            }
        }
    }
    Ok(())
}

fn export(core: &Core, ExportArgs { deck, format, out, force, json }: ExportArgs) -> Result<()> {
    let format = match format {
        Some(f) => f,
        None => match out.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
            Some("apkg") => ExportFormat::Apkg,
            None => ExportFormat::Csv,
            Some(other) => anyhow::bail!("cannot tell the format from '.{other}'; add --format apkg or --format csv"),
        },
    };
    let report = core.export(&deck, format, &out, force)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    println!("{}", export_line(&report));
    if report.stale_skipped > 0 {
        eprintln!("note: {} file(s) left out because their word changed since they were made (deckmedia generate --deck … regenerates them)", report.stale_skipped);
    }
    if report.missing_files > 0 {
        eprintln!("warning: {} media file(s) recorded but missing from the data folder were left out", report.missing_files);
    }
    Ok(())
}

fn anki_push(core: &Core, deck: &str, anki_deck: Option<&str>, url: Option<&str>, json: bool) -> Result<()> {
    let deck = core.deck_by_name(deck)?;
    let report = core.anki_push(deck.id, anki_deck, url, &mut |_, _| {})?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    for w in report.words.iter().filter(|w| w.status != PushStatus::Unchanged) {
        let mut line = format!("{}: {}", w.text, w.status.as_str());
        if !w.fields.is_empty() {
            line.push_str(&format!(" ({})", w.fields.join(", ")));
        }
        if !w.problems.is_empty() {
            line.push_str(&format!(" — {}", w.problems.join("; ")));
        }
        println!("{line}");
    }
    println!("{}", deckmedia_core::wording::push_summary(&report));
    Ok(())
}

fn verify(core: &Core, deck: Option<String>, repair: bool, json: bool) -> Result<()> {
    let deck_id = deck.map(|d| core.deck_by_name(&d)).transpose()?.map(|d| d.id);
    let report = core.verify_media(deck_id, repair)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    for b in &report.broken {
        println!("{}\t{}\t{}\t{}\t{}", b.deck, b.text, b.kind, b.problem.as_str(), b.path.display());
    }
    eprintln!("{} file(s) checked, {} missing or damaged", report.checked, report.broken.len());
    for batch in &report.requeued {
        eprintln!("queued again: {}", batch_line(batch));
    }
    if !repair && !report.broken.is_empty() {
        eprintln!("deckmedia verify --repair queues them again");
    }
    Ok(())
}

fn media(core: &Core, MediaArgs { deck, offset, limit, json }: MediaArgs) -> Result<()> {
    let deck = core.deck_by_name(&deck)?;
    let media = match (offset, limit) {
        (0, None) => core.media_of_deck(deck.id)?,
        (offset, limit) => core.media_page(deck.id, offset, limit.unwrap_or(deckmedia_core::views::MAX_PAGE))?.items,
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&media)?);
    } else {
        // The translation and sentence recordings are listed for decks that make them.
        let extra: Vec<MediaKind> = deck.slots.iter().copied().filter(|k| !MediaKind::DEFAULT_SLOTS.contains(k)).collect();
        for w in media {
            // Which provider made the audio (a chain's member), and the credit it needs.
            let by = w.audio.provider.as_deref().map(|p| format!(" ({p})")).unwrap_or_default();
            let credit = w.audio.attribution.as_ref().map(|a| format!("\tcredit: {}", a.line())).unwrap_or_default();
            let more: String = extra.iter().map(|&k| format!("\t{}: {}", k, w.media(k).status)).collect();
            println!("{}\timage: {}\taudio: {}{by}{more}{credit}", w.text, w.image.status, w.audio.status);
        }
    }
    Ok(())
}

fn parse_provider(name: &str) -> Result<ProviderKind> {
    name.trim().parse::<ProviderKind>().map_err(|e| anyhow::anyhow!("{e} (one of: {})", ProviderKind::ALL.map(ProviderKind::as_str).join(", ")))
}

fn regenerate(core: &Core, (deck, text): (&str, &str), kinds: &slots::KindArgs, with: Option<&str>) -> Result<()> {
    let deck = core.deck_by_name(deck)?;
    let word = core.words(deck.id)?.into_iter().find(|w| w.text == text).with_context(|| format!("no word '{text}' in deck '{}'", deck.name))?;
    let kinds = kinds.resolve(&deck)?;
    let batch = match with {
        None => core.generate_word_now(word.id, &kinds)?,
        Some(p) => {
            let p = parse_provider(p)?;
            let [kind] = kinds[..] else { anyhow::bail!("--with needs --image, --audio or --kinds with one kind: a provider is picked for one kind") };
            core.regenerate_word_with(word.id, kind, p)?
        }
    };
    println!("{}", batch_line(&batch));
    Ok(())
}

fn providers(core: &Core, json: bool) -> Result<()> {
    let choices = core.provider_choices();
    if json {
        println!("{}", serde_json::to_string_pretty(&choices)?);
        return Ok(());
    }
    for c in choices {
        println!("{}\t{}\t{}", c.kind, c.provider, c.label);
    }
    Ok(())
}

fn undo(core: &Core, deck: &str, word: Option<&str>) -> Result<()> {
    let deck = core.deck_by_name(deck)?;
    let word_id = match word {
        Some(text) => Some(core.words(deck.id)?.into_iter().find(|w| w.text == text).map(|w| w.id).with_context(|| format!("no word '{text}' in deck '{}'", deck.name))?),
        None => None,
    };
    match core.undo_regeneration(deck.id, word_id)? {
        Some(u) => println!("put back {} media file(s) that batch {} had replaced", u.restored, u.batch_id),
        None => println!("nothing to undo in '{}'{}", deck.name, word.map(|w| format!(" for '{w}'")).unwrap_or_default()),
    }
    Ok(())
}

fn gc(core: &Core, days: Option<u32>, dry_run: bool, json: bool) -> Result<()> {
    let retention = days.map_or_else(|| core.unused_retention(), |d| std::time::Duration::from_secs(u64::from(d) * 86_400));
    let r = core.collect_garbage(retention, dry_run)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&r)?);
    } else {
        let verb = if dry_run { "would remove" } else { "removed" };
        println!("{verb} {} unused media file(s), {:.1} MB; {} younger unused file(s) kept", r.files, r.bytes as f64 / 1e6, r.kept_young);
    }
    Ok(())
}

fn run_worker(core: Core, until_idle: bool) -> Result<ExitCode> {
    core.collect_garbage_at_start();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().context("cannot start the async runtime")?;
    rt.block_on(async move {
        let worker = core.worker()?;
        let shutdown = tokio_util::sync::CancellationToken::new();
        let stop = shutdown.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                eprintln!("stopping: returning jobs in flight to the queue…");
                stop.cancel();
            }
        });
        #[cfg(unix)]
        {
            let stop = shutdown.clone();
            if let Ok(mut term) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                tokio::spawn(async move {
                    term.recv().await;
                    stop.cancel();
                });
            }
        }
        let display = progress::Display::start(&core, std::io::stderr().is_terminal());
        let summary = if until_idle { worker.run_until_idle(shutdown).await? } else { worker.run(shutdown).await? };
        display.finish().await;
        eprintln!(
            "worker stopped: {} done, {} failed, {} retried later, {} returned to the queue",
            summary.done, summary.failed, summary.retried, summary.requeued
        );
        for p in core.provider_states()? {
            eprintln!("{}; its jobs stay queued: top up or set a new key, then run deckmedia resume", p.line());
        }
        Ok(ExitCode::SUCCESS)
    })
}

fn batch_line(b: &BatchInfo) -> String {
    let mut s = format!(
        "batch {} '{}' {}: {}/{} words ({}%)",
        b.id,
        b.deck,
        b.status,
        b.settled_words(),
        b.total_words,
        b.progress
    );
    if b.failed_words > 0 {
        s.push_str(&format!(", {} failed", b.failed_words));
    }
    if b.cancelled_words > 0 {
        s.push_str(&format!(", {} cancelled", b.cancelled_words));
    }
    s
}

/// A batch as `status --json` and `generate --json` print it.
fn batch_json(b: &BatchInfo) -> serde_json::Value {
    serde_json::json!({
        "id": b.id,
        "deck": b.deck,
        "deck_id": b.deck_id,
        "kinds": b.kinds,
        "status": b.status,
        "progress": b.progress,
        "total_words": b.total_words,
        "completed_words": b.completed_words,
        "failed_words": b.failed_words,
        "cancelled_words": b.cancelled_words,
        "reused": b.reused_jobs,
        "total_jobs": b.total_jobs,
        "done_jobs": b.done_jobs,
        "failed_jobs": b.failed_jobs,
        "created_at": time::iso8601(b.created_at),
        "updated_at": time::iso8601(b.updated_at),
        "finished_at": b.finished_at.map(time::iso8601),
    })
}

/// "Spanish A1: 20 words, 20 pictures, 20 audio → /path/deck.apkg (123 KB)".
fn export_line(r: &ExportReport) -> String {
    let plural = |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    format!(
        "{}: {}, {}, {} audio → {} ({})",
        r.deck,
        plural(r.words, "word", "words"),
        plural(r.pictures, "picture", "pictures"),
        r.audio,
        r.path.display(),
        human_bytes(r.bytes)
    )
}

fn human_bytes(n: u64) -> String {
    match n {
        0..1_000 => format!("{n} B"),
        1_000..1_000_000 => format!("{} KB", (n + 500) / 1_000),
        1_000_000..1_000_000_000 => format!("{:.1} MB", n as f64 / 1e6),
        _ => format!("{:.2} GB", n as f64 / 1e9),
    }
}

/// A current-thread runtime for a command's one async call (a voice sample, a photo search).
pub(crate) fn runtime() -> tokio::runtime::Runtime {
    // A current-thread runtime cannot fail to build short of the OS refusing a timer.
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap_or_else(|e| {
        eprintln!("error: cannot start the async runtime: {e}");
        std::process::exit(1)
    })
}
