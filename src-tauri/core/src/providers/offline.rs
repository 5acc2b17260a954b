//! Built-in offline providers: no network, no account.
//!
//! * Audio: the `espeak-ng` program (run as a separate process, so the app links no GPL code),
//!   voice chosen from the word's language, WAV output with its header sizes fixed up.
//! * Images: a word card: an SVG with the word (and its translation) centred on a soft
//!   background. Emoji pictures matched by meaning come with the providers issue.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio_util::sync::CancellationToken;

use super::{MediaBytes, MediaRequest, Provider, ProviderError, ProviderFuture};
use crate::model::MediaKind;

/// Speaks words with `espeak-ng`.
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
        let mut child = tokio::process::Command::new(&self.program)
            .args(["-v", &voice, "-b", "1", "--stdout"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| {
                if e.kind() == std::io::ErrorKind::NotFound {
                    ProviderError::permanent(format!(
                        "the offline voice needs the '{}' program, which is not installed (Debian/Ubuntu: sudo apt-get install espeak-ng)",
                        self.program
                    ))
                } else {
                    ProviderError::permanent(format!("cannot start {}: {e}", self.program))
                }
            })?;
        if let Some(mut stdin) = child.stdin.take() {
            stdin.write_all(req.text.as_bytes()).await.map_err(|e| ProviderError::retryable(format!("espeak-ng input: {e}")))?;
        }
        let out = child.wait_with_output().await.map_err(|e| ProviderError::retryable(format!("espeak-ng: {e}")))?;
        if !out.status.success() {
            let err = String::from_utf8_lossy(&out.stderr);
            return Err(ProviderError::permanent(format!(
                "espeak-ng could not speak language '{}' (voice '{voice}'): {}",
                req.language,
                err.trim().chars().take(200).collect::<String>()
            )));
        }
        let wav = fix_wav_sizes(out.stdout).ok_or_else(|| ProviderError::permanent("espeak-ng produced no audio"))?;
        Ok(MediaBytes { bytes: wav, mime: "audio/wav".into(), ext: "wav".into() })
    }
}

impl Provider for EspeakProvider {
    fn name(&self) -> &str {
        "offline"
    }
    fn settings_key(&self) -> String {
        "offline-audio:espeak-ng:wav:v1".into()
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
                    Err(_) => Err(ProviderError::retryable(format!("espeak-ng timed out after {}s", self.timeout.as_secs()))),
                },
            }
        })
    }
}

/// eSpeak NG voice for a language code: its own names for most (`en`, `de`, `ru`), a few aliases.
pub fn espeak_voice(language: &str) -> String {
    let l = language.trim().to_ascii_lowercase().replace('_', "-");
    match l.as_str() {
        "" => "en".into(),
        "zh" | "zh-cn" | "zh-hans" => "cmn".into(),
        "zh-tw" | "zh-hant" => "cmn".into(),
        "pt-br" => "pt-br".into(),
        "en-us" => "en-us".into(),
        "en-gb" => "en-gb".into(),
        other => other.split('-').next().unwrap_or("en").to_string(),
    }
}

/// espeak-ng writes a streaming WAV whose RIFF and data sizes are placeholders; set them.
fn fix_wav_sizes(mut wav: Vec<u8>) -> Option<Vec<u8>> {
    if wav.len() < 44 || &wav[0..4] != b"RIFF" || &wav[8..12] != b"WAVE" {
        return None;
    }
    let riff = (wav.len() - 8) as u32;
    wav[4..8].copy_from_slice(&riff.to_le_bytes());
    let mut pos = 12;
    while pos + 8 <= wav.len() {
        let id = [wav[pos], wav[pos + 1], wav[pos + 2], wav[pos + 3]];
        if &id == b"data" {
            let size = (wav.len() - pos - 8) as u32;
            wav[pos + 4..pos + 8].copy_from_slice(&size.to_le_bytes());
            return if size > 0 { Some(wav) } else { None };
        }
        let size = u32::from_le_bytes([wav[pos + 4], wav[pos + 5], wav[pos + 6], wav[pos + 7]]) as usize;
        pos = pos.checked_add(8 + size + (size & 1))?;
    }
    None
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
            Ok(MediaBytes { bytes: word_card_svg(&request.text, request.translation.as_deref()).into_bytes(), mime: "image/svg+xml".into(), ext: "svg".into() })
        })
    }
}

fn word_card_svg(text: &str, translation: Option<&str>) -> String {
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

fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
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
    fn streaming_wav_sizes_are_fixed() {
        let mut wav = b"RIFF\xff\xff\xff\x7fWAVEfmt \x10\x00\x00\x00".to_vec();
        wav.extend_from_slice(&[1, 0, 1, 0, 0x22, 0x56, 0, 0, 0x44, 0xac, 0, 0, 2, 0, 16, 0]);
        wav.extend_from_slice(b"data\xff\xff\xff\x7f");
        wav.extend_from_slice(&[0u8; 10]);
        let fixed = fix_wav_sizes(wav).unwrap();
        assert_eq!(u32::from_le_bytes(fixed[4..8].try_into().unwrap()) as usize, fixed.len() - 8);
        assert_eq!(u32::from_le_bytes(fixed[40..44].try_into().unwrap()), 10);
    }
}
