//! Text → IPA phonemes with the `espeak-ng` program (`-q --ipa`), as Piper's eSpeak voices
//! expect. It runs as a separate process (libespeak-ng is GPL) through [`crate::child`], so it
//! sees no key; the word goes in on stdin, never as an argument.

use tokio::io::AsyncWriteExt;

use crate::providers::ProviderError;

/// The IPA of `text` in eSpeak voice `voice` (`en-us`, `de`, ...). Clauses eSpeak puts on
/// separate lines are joined with a space (one utterance: a vocabulary word or phrase).
pub async fn phonemize(program: &str, voice: &str, text: &str) -> Result<String, ProviderError> {
    let mut child = crate::providers::offline::spawn_espeak(program, &["-q", "--ipa", "-v", voice], "neural voices make their phonemes with")?;
    if let Some(mut stdin) = child.stdin.take() {
        // A write error (the program exited early) shows in its exit status below.
        let _ = stdin.write_all(text.as_bytes()).await;
    }
    let out = child.wait_with_output().await.map_err(|e| ProviderError::retryable(format!("{program}: {e}")))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(ProviderError::permanent(format!(
            "{program} could not make phonemes in voice '{voice}': {}",
            err.trim().chars().take(200).collect::<String>()
        )));
    }
    Ok(join_clauses(&String::from_utf8_lossy(&out.stdout)))
}

/// eSpeak's lines, trimmed, empty ones dropped, joined with single spaces.
pub fn join_clauses(output: &str) -> String {
    output.lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn clauses_become_one_utterance() {
        assert_eq!(super::join_clauses(" ˈaɪs kɹˈiːm\nplˈiːz\n\n"), "ˈaɪs kɹˈiːm plˈiːz");
    }
}
