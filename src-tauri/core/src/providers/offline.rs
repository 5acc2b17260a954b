//! Built-in offline providers: no network, no account.
//!
//! * Audio: the `espeak-ng` program, voice chosen from the word's language. It runs as a
//!   **separate process** so the app links no GPL code (libespeak-ng is GPL-3.0-or-later). Its
//!   WAV is parsed, trimmed of leading/trailing silence and encoded in-process to **Ogg Vorbis**
//!   (see [`super::audio`]: compact, plays in Anki and browsers, BSD-licensed encoder — MP3 would
//!   mean statically linking LGPL LAME).
//! * Images: a word card: an SVG with the word (and its translation) centred on a soft
//!   background. Emoji pictures matched by meaning come with the providers issue.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio_util::sync::CancellationToken;

use super::audio::{self, AudioError, TrimOptions};
use super::{MediaBytes, MediaRequest, Provider, ProviderError, ProviderFuture};
use crate::model::MediaKind;

/// Speaks words with `espeak-ng` and returns trimmed Ogg Vorbis (`audio/ogg`, `.ogg`).
#[derive(Debug, Clone)]
pub struct EspeakProvider {
    program: String,
    timeout: Duration,
}

impl EspeakProvider {
    /// `espeak-ng` from `PATH`, or the program named by `DECKMEDIA_ESPEAK`.
    pub fn new(timeout: Duration) -> Self {
        let program = std::env::var("DECKMEDIA_ESPEAK").unwrap_or_else(|_| "espeak-ng".into());
        Self::with_program(program, timeout)
    }

    pub fn with_program(program: impl Into<String>, timeout: Duration) -> Self {
        EspeakProvider { program: program.into(), timeout }
    }

    async fn speak(&self, req: &MediaRequest) -> Result<MediaBytes, ProviderError> {
        let voice = espeak_voice(&req.language);
        // The word goes in on stdin, never as an argument: a word starting with '-' is not an option.
        // No key in its environment (crate::child).
        let mut child = spawn_espeak(&self.program, &["-v", &voice, "-b", "1", "--stdout"], "the offline voice needs")?;
        if let Some(mut stdin) = child.stdin.take() {
            // A write error (espeak-ng exited early, e.g. an unknown voice) shows in its exit status.
            let _ = stdin.write_all(req.text.as_bytes()).await;
        }
        // Dropping this future (timeout, cancellation) drops the child, which kills it.
        let out = child.wait_with_output().await.map_err(|e| ProviderError::retryable(format!("espeak-ng: {e}")))?;
        if !out.status.success() {
            let err = String::from_utf8_lossy(&out.stderr);
            return Err(ProviderError::permanent(format!(
                "espeak-ng could not speak language '{}' (voice '{voice}'): {}",
                req.language,
                err.trim().chars().take(200).collect::<String>()
            )));
        }
        // Parsing, trimming and encoding take a few ms per second of audio: off the async threads.
        let encoded = tokio::task::spawn_blocking(move || audio::wav_to_trimmed_ogg(&out.stdout, &TrimOptions::default(), audio::DEFAULT_QUALITY))
            .await
            .map_err(|e| ProviderError::permanent(format!("offline voice encoder failed: {e}")))?;
        match encoded {
            Ok(bytes) => Ok(MediaBytes::new(bytes, "audio/ogg", "ogg")),
            Err(AudioError::Silent | AudioError::Empty) => Err(ProviderError::permanent(format!(
                "espeak-ng made no sound for this word in voice '{voice}': it may consist only of emoji or symbols the voice cannot speak"
            ))),
            Err(e) => Err(ProviderError::permanent(format!("espeak-ng output could not be used: {e}"))),
        }
    }
}

impl Provider for EspeakProvider {
    fn warning(&self, request: &MediaRequest) -> Option<String> {
        speech_warning(&request.text, &request.language)
    }
    fn name(&self) -> &str {
        "offline"
    }
    fn settings_key(&self) -> String {
        "offline-audio:espeak-ng:ogg:v2".into()
    }
    fn generate<'a>(&'a self, request: &'a MediaRequest, cancel: &'a CancellationToken) -> ProviderFuture<'a> {
        Box::pin(async move {
            if request.kind != MediaKind::Audio {
                return Err(ProviderError::permanent("espeak-ng makes audio only"));
            }
            tokio::select! {
                _ = cancel.cancelled() => Err(ProviderError::Cancelled),
                r = tokio::time::timeout(self.timeout, self.speak(request)) => match r {
                    Ok(r) => r,
                    Err(_) => Err(ProviderError::timed_out(format!("espeak-ng timed out after {}", super::openai::human_duration(self.timeout)))),
                },
            }
        })
    }
}

/// eSpeak NG voice for a language code: its own names for most (`en`, `de`, `ru`), a few aliases.
/// Chinese is Mandarin (`cmn`) unless the code says Cantonese (`yue`, `zh-yue`, `zh-HK`, `zh-MO`).
pub fn espeak_voice(language: &str) -> String {
    let l = language.trim().to_ascii_lowercase().replace('_', "-");
    if l.split('-').next() == Some("zh") {
        // zh, zh-CN, zh-TW, zh-Hant-TW, ... are Mandarin; zh-yue, zh-HK, zh-Hant-HK, zh-MO are Cantonese.
        let cantonese = l.split('-').skip(1).any(|p| matches!(p, "yue" | "hk" | "mo"));
        return if cantonese { "yue" } else { "cmn" }.into();
    }
    match l.as_str() {
        "pt-br" => "pt-br".into(),
        "en-us" => "en-us".into(),
        "en-gb" => "en-gb".into(),
        other => other.split('-').next().filter(|s| !s.is_empty()).unwrap_or("en").to_string(),
    }
}

/// A warning for words the offline voice is known to mispronounce with Debian's eSpeak NG 1.51
/// data, or `None`. The audio is still made; the warning is meant to be shown with the job.
///
/// * Japanese (`ja`) with kanji: every Han character is read as English "Chinese letter"; only kana
///   is spoken.
/// * Mandarin (`zh`, `zh-*`, `cmn`) with Han characters: most common words are missing from the
///   dictionary and come out as pinyin with tone digits read in English ("ping two guo three").
///
/// Cantonese (`yue`, `zh-yue`, `zh-HK`) is fine and gets no warning.
pub fn speech_warning(text: &str, language: &str) -> Option<String> {
    if !text.chars().any(is_han) {
        return None;
    }
    match espeak_voice(language).as_str() {
        "ja" => Some(
            "the offline voice (eSpeak NG) cannot read kanji: it says \"Chinese letter\" for each one. \
             Write the word in kana for the offline voice, or use an online voice"
                .into(),
        ),
        "cmn" => Some(
            "the offline voice (eSpeak NG) does not know many Mandarin words and may read them as pinyin \
             with tone numbers in English; check this pronunciation, or use an online voice"
                .into(),
        ),
        _ => None,
    }
}

/// A Han character (CJK ideograph, incl. extensions and compatibility forms, and the ideographic
/// marks 々 〇 〻).
fn is_han(c: char) -> bool {
    matches!(c as u32,
        0x3005 | 0x3007 | 0x3021..=0x3029 | 0x3038..=0x303B
        | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF
        | 0x20000..=0x2A6DF | 0x2A700..=0x2EE5F | 0x2F800..=0x2FA1F | 0x30000..=0x323AF)
}

/// Draws a word card as SVG.
#[derive(Debug, Clone, Default)]
pub struct WordCardProvider;

impl Provider for WordCardProvider {
    fn name(&self) -> &str {
        "offline"
    }
    fn settings_key(&self) -> String {
        "offline-image:word-card-svg:v1".into()
    }
    fn generate<'a>(&'a self, request: &'a MediaRequest, _cancel: &'a CancellationToken) -> ProviderFuture<'a> {
        Box::pin(async move {
            if request.kind != MediaKind::Image {
                return Err(ProviderError::permanent("the word card makes images only"));
            }
            Ok(MediaBytes::new(word_card_svg(&request.text, request.translation.as_deref()).into_bytes(), "image/svg+xml", "svg"))
        })
    }
}

/// The word (and its translation) on a 512×512 SVG card, drawn by the viewer's fonts.
pub fn word_card_svg(text: &str, translation: Option<&str>) -> String {
    let len = text.chars().count().max(1);
    let size = (900 / (len + 2)).clamp(18, 96);
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"512\" height=\"512\" viewBox=\"0 0 512 512\">\
         <rect width=\"512\" height=\"512\" rx=\"48\" fill=\"#eef2ff\"/>\
         <text x=\"256\" y=\"{y}\" font-family=\"DejaVu Sans, Noto Sans, sans-serif\" font-size=\"{size}\" \
         text-anchor=\"middle\" dominant-baseline=\"middle\" fill=\"#1e293b\">{}</text>",
        xml_escape(text),
        y = if translation.is_some() { 230 } else { 256 },
    );
    if let Some(t) = translation {
        svg.push_str(&format!(
            "<text x=\"256\" y=\"330\" font-family=\"DejaVu Sans, Noto Sans, sans-serif\" font-size=\"32\" \
             text-anchor=\"middle\" fill=\"#475569\">{}</text>",
            xml_escape(t)
        ));
    }
    svg.push_str("</svg>");
    svg
}

/// Escapes text for SVG (the same escaping as Anki fields); control characters are dropped.
fn xml_escape(s: &str) -> String {
    let visible: String = s.chars().filter(|c| !c.is_control()).collect();
    crate::text::html_escape(&visible)
}

/// Starts eSpeak NG (a separate process: it is GPL) with `args`, the text to go in on stdin
/// (never as an argument: a word starting with '-' is not an option), no key in its environment
/// (`crate::child`). A missing program is a permanent error that says what `needs` it.
pub(crate) fn spawn_espeak(program: &str, args: &[&str], needs: &str) -> Result<tokio::process::Child, ProviderError> {
    crate::child::command(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                ProviderError::permanent(format!("{needs} the '{program}' program, which is not installed (Debian/Ubuntu: sudo apt-get install espeak-ng)"))
            } else {
                ProviderError::permanent(format!("cannot start {program}: {e}"))
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_cards_escape_markup() {
        let svg = word_card_svg("<script>&", Some("\"x\""));
        assert!(svg.contains("&lt;script&gt;&amp;"));
        assert!(!svg.contains("<script>"));
    }

    #[test]
    fn voices_follow_the_language() {
        assert_eq!(espeak_voice("de"), "de");
        assert_eq!(espeak_voice("zh"), "cmn");
        assert_eq!(espeak_voice("pt-BR"), "pt-br");
        assert_eq!(espeak_voice("fr-CA"), "fr");
        assert_eq!(espeak_voice(""), "en");
    }

    #[test]
    fn chinese_variants_pick_mandarin_or_cantonese() {
        for l in ["zh", "zh-CN", "zh_TW", "zh-Hans", "cmn", "zh-Hant-TW", "cmn-Latn-pinyin"] {
            assert_eq!(espeak_voice(l), "cmn", "{l}");
        }
        for l in ["yue", "zh-yue", "zh-HK", "zh-Hant-HK", "yue-Hant"] {
            assert_eq!(espeak_voice(l), "yue", "{l}");
        }
        assert_eq!(espeak_voice("-"), "en");
        assert_eq!(espeak_voice("  JA "), "ja");
    }

    #[test]
    fn han_characters_are_recognised() {
        for c in ['水', '猫', '林', '々', '〇', '㐀', '𠀀', '豈'] {
            assert!(is_han(c), "{c}");
        }
        for c in ['り', 'ン', 'a', 'я', '한', '。', '🍎', 'ー'] {
            assert!(!is_han(c), "{c}");
        }
    }
}
