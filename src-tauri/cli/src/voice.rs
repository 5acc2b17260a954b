//! `deckmedia voice …`: list, install and remove neural (Piper) voices. Each is a core call;
//! install prints one progress line (rewritten in place on a terminal) from the core's events.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};

use anyhow::{Context, Result};
use clap::Subcommand;
use deckmedia_core::events::Event;
use deckmedia_core::voices::list::VoiceRow;
use deckmedia_core::voices::VoiceKey;
use deckmedia_core::VoiceInstallState;
use deckmedia_core::Core;

#[derive(Subcommand, Debug)]
pub enum VoiceCommand {
    /// Installed and available voices, per language (the catalogue needs the network; installed
    /// voices are listed without it).
    List {
        /// Only this language (e.g. en, en_US, de).
        #[arg(long)]
        lang: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Download and install a voice (its licence is shown first); an interrupted install
    /// resumes where it stopped.
    Install { key: String },
    /// Remove an installed voice.
    Remove { key: String },
    /// Speak a short sample with an installed voice and print the audio file's path.
    Sample {
        key: String,
        /// What to say (default: a greeting in the voice's language).
        #[arg(long)]
        text: Option<String>,
    },
}

pub fn run(core: &Core, cmd: VoiceCommand) -> Result<()> {
    match cmd {
        VoiceCommand::List { lang, json } => list(core, lang.as_deref(), json),
        VoiceCommand::Install { key } => install(core, &parse_key(&key)?),
        VoiceCommand::Remove { key } => {
            let key = parse_key(&key)?;
            let removed = core.voice_manager()?.store().remove(&key)?;
            println!("{}", if removed { format!("removed {key}") } else { format!("{key} is not installed") });
            Ok(())
        }
        VoiceCommand::Sample { key, text } => {
            let key = parse_key(&key)?;
            let path = crate::runtime().block_on(core.voice_sample(&key, text.as_deref()))?;
            println!("{path}");
            Ok(())
        }
    }
}

fn parse_key(key: &str) -> Result<VoiceKey> {
    key.parse::<VoiceKey>().map_err(anyhow::Error::msg)
}

fn list(core: &Core, lang: Option<&str>, json: bool) -> Result<()> {
    let list = crate::runtime().block_on(core.voice_list(lang))?;
    if json {
        println!("{}", serde_json::to_string_pretty(&list)?);
        return Ok(());
    }
    match (&list.runtime, &list.runtime_error) {
        (Some(p), _) => println!("ONNX Runtime: {p}"),
        (None, e) => println!("ONNX Runtime: not found ({})", e.as_deref().unwrap_or("")),
    }
    if let Some(e) = &list.catalogue_error {
        println!("catalogue unavailable ({e}); installed voices only");
    }
    if let Some(key) = &list.recommended {
        println!("recommended: {key}");
    }
    let rows = &list.voices;
    let mut by_lang: BTreeMap<&str, Vec<&VoiceRow>> = BTreeMap::new();
    for r in rows {
        by_lang.entry(&r.language).or_default().push(r);
    }
    for (code, voices) in by_lang {
        let name = voices.first().map_or("", |v| v.language_name.as_str());
        println!("{code}  {name}");
        for v in voices {
            let mark = if v.installed { "installed" } else { "" };
            println!("  {:<40} {:<8} {:>7.1} MB  {mark}", v.key, v.quality, v.size_bytes as f64 / 1e6);
        }
    }
    if rows.is_empty() {
        println!("no voices{}", lang.map(|l| format!(" for '{l}'")).unwrap_or_default());
    }
    Ok(())
}

fn install(core: &Core, key: &VoiceKey) -> Result<()> {
    let rt = crate::runtime();
    rt.block_on(async {
        let manager = core.voice_manager()?;
        let catalogue = manager.catalogue().await?;
        let entry = catalogue.get(key).with_context(|| format!("no voice '{key}' in the catalogue at {} (see `deckmedia voice list`)", manager.base_url()))?;
        match manager.model_card(entry).await {
            Ok(Some(card)) => print_licence(&card),
            Ok(None) => println!("{key}: the catalogue has no model card; check the voice's licence before use"),
            Err(e) => eprintln!("warning: cannot read the model card: {e}"),
        }
        let terminal = std::io::stderr().is_terminal();
        let mut rx = core.subscribe();
        let printer = tokio::spawn(async move {
            while let Ok(ev) = rx.recv().await {
                if let Event::VoiceInstall { key, state, bytes_done, bytes_total, eta_text, .. } = ev {
                    let line = format!("{key}: {:.1}/{:.1} MB {}", bytes_done as f64 / 1e6, bytes_total as f64 / 1e6, eta_text.unwrap_or_default());
                    if terminal {
                        eprint!("\r\x1b[2K{line}");
                    } else {
                        eprintln!("{line}");
                    }
                    let _ = std::io::stderr().flush();
                    if state != VoiceInstallState::Downloading {
                        break;
                    }
                }
            }
            if terminal {
                eprintln!();
            }
        });
        let cancel = tokio_util::sync::CancellationToken::new();
        let stop = cancel.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                stop.cancel();
            }
        });
        let result = core.install_voice(key, &cancel).await;
        let _ = printer.await;
        let voice = result?;
        println!("installed {} in {}", voice.key, voice.dir.display());
        Ok(())
    })
}

/// The model card's licence and dataset lines (the whole card when it names no licence).
fn print_licence(card: &str) {
    let lines: Vec<&str> = card.lines().filter(|l| { let l = l.to_ascii_lowercase(); l.contains("licen") || l.contains("url") }).collect();
    println!("model card:");
    if lines.is_empty() {
        card.lines().take(20).for_each(|l| println!("  {l}"));
    } else {
        lines.iter().for_each(|l| println!("  {}", l.trim()));
    }
}
