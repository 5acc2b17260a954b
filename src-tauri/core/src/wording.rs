//! Words shown to people that more than one front end needs: the tray, the window and the CLI
//! say the same thing because they call the same function here. Pure functions, no I/O.

use crate::cost::Cost;
use crate::model::{FailureKind, ImportReport, MediaKind, PushReport};

/// A kind of media as people read it, in a list or a dry run: "pictures", "audio",
/// "translation audio", "sentence audio".
pub fn kind_name(kind: MediaKind) -> &'static str {
    match kind {
        MediaKind::Image => "pictures",
        MediaKind::Audio => "audio",
        MediaKind::TranslationAudio => "translation audio",
        MediaKind::SentenceAudio => "sentence audio",
    }
}

/// What one piece of media of a kind is called: "picture", "recording", "recording of the
/// translation", "recording of the sentence".
pub fn kind_item(kind: MediaKind) -> &'static str {
    match kind {
        MediaKind::Image => "picture",
        MediaKind::Audio => "recording",
        MediaKind::TranslationAudio => "recording of the translation",
        MediaKind::SentenceAudio => "recording of the sentence",
    }
}

/// The text a kind is made from, with its article: "a word", "a translation", "a sentence".
pub fn kind_source(kind: MediaKind) -> &'static str {
    match kind {
        MediaKind::Image | MediaKind::Audio => "a word",
        MediaKind::TranslationAudio => "a translation",
        MediaKind::SentenceAudio => "a sentence",
    }
}

/// What follows a count of failed words of one kind: "1 rejected by the provider".
pub fn failure_phrase(kind: FailureKind) -> &'static str {
    match kind {
        FailureKind::Rejected => "rejected by the provider",
        FailureKind::NoMatch => "with nothing found",
        FailureKind::TimedOut => "timed out",
        FailureKind::ProviderError => "met repeated provider errors",
        FailureKind::UnusableText => "with no text left to send",
        FailureKind::NotSaved => "not saved on this computer",
        FailureKind::Deleted => "deleted while queued",
        FailureKind::Unknown => "for a reason not recorded",
    }
}

/// A finished batch in one line, for its panel, its notification and the CLI:
/// "98 done, 2 failed: 1 rejected by the provider, 1 timed out" (kinds in [`FailureKind`]'s
/// order; "3 cancelled" when some were).
pub fn batch_summary(done: i64, cancelled: i64, failures: &[(FailureKind, i64)]) -> String {
    let failed: i64 = failures.iter().map(|(_, n)| n).sum();
    let mut s = format!("{done} done");
    if failed > 0 {
        let parts: Vec<String> = failures.iter().filter(|(_, n)| *n > 0).map(|(k, n)| format!("{n} {}", failure_phrase(*k))).collect();
        s.push_str(&format!(", {failed} failed: {}", parts.join(", ")));
    }
    if cancelled > 0 {
        s.push_str(&format!(", {cancelled} cancelled"));
    }
    s
}

/// The one-line result of pushing a deck's media into Anki, for the CLI and the window's task
/// message: "Spanish → Anki 'Spanish': 2 updated, 0 unchanged, 1 not in Anki, 0 without media
/// yet, 0 without a field for it; 4 file(s) stored".
pub fn push_summary(r: &PushReport) -> String {
    format!(
        "{} → Anki '{}': {} updated, {} unchanged, {} not in Anki, {} without media yet, {} without a field for it; {} file(s) stored",
        r.deck, r.anki_deck, r.updated, r.unchanged, r.not_in_anki, r.no_media, r.no_field, r.files_stored
    )
}

/// What an import brought, for the CLI and the window: "12 new, 3 already there; 10 pictures
/// and 12 recordings from the package" (the media part only when there was any).
pub fn import_summary(r: &ImportReport) -> String {
    let mut s = format!("{} new, {} already there", r.added, r.already_there);
    if r.pictures + r.audio > 0 {
        s.push_str(&format!("; {} and {} from the package", count(r.pictures, "picture", "pictures"), count(r.audio, "recording", "recordings")));
    }
    if r.skipped > 0 {
        s.push_str(&format!("; {} without a usable word skipped", count(r.skipped, "note", "notes")));
    }
    if r.media_skipped > 0 {
        s.push_str(&format!("; {} missing, too large or of an unknown type left out", count(r.media_skipped, "media file", "media files")));
    }
    s
}

/// "free", "about $0.03", "under $0.01", "about 2.50 EUR", "cost unknown (no price in [cost])".
pub fn money(c: &Cost) -> String {
    match c {
        Cost::Free => "free".into(),
        Cost::Unknown => "cost unknown (no price for it under [cost] in config.toml)".into(),
        Cost::Estimated { amount, currency } => {
            let small = *amount > 0.0 && *amount < 0.005;
            match (currency.as_str(), small) {
                ("USD", true) => "under $0.01".into(),
                ("USD", false) => format!("about ${amount:.2}"),
                (cur, true) => format!("under 0.01 {cur}"),
                (cur, false) => format!("about {amount:.2} {cur}"),
            }
        }
    }
}

/// 12345 → "12,345".
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        out.insert(0, '-');
    }
    out
}

fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Time left, as people say it: "~40 s left", "~2 min left", "~1 h left", "~1 h 5 min left".
///
/// Rounded to the nearest minute from one minute on, so 59 min 40 s reads "~1 h left" (never
/// "~60 min left"), and under a minute to the second, at least 1 s.
pub fn eta(secs: u64) -> String {
    if secs < 60 {
        return format!("~{} s left", secs.max(1));
    }
    let mins = secs.saturating_add(30) / 60;
    if mins < 60 {
        return format!("~{mins} min left");
    }
    match (mins / 60, mins % 60) {
        (h, 0) => format!("~{h} h left"),
        (h, m) => format!("~{h} h {m} min left"),
    }
}

#[cfg(test)]
mod tests {
    use super::{batch_summary, eta, import_summary};
    use crate::model::{FailureKind, ImportReport};

    #[test]
    fn a_batch_summary_counts_failures_by_kind() {
        assert_eq!(batch_summary(100, 0, &[]), "100 done");
        assert_eq!(
            batch_summary(98, 0, &[(FailureKind::Rejected, 1), (FailureKind::TimedOut, 1)]),
            "98 done, 2 failed: 1 rejected by the provider, 1 timed out"
        );
        assert_eq!(batch_summary(0, 3, &[(FailureKind::NoMatch, 2), (FailureKind::Deleted, 0)]), "0 done, 2 failed: 2 with nothing found, 3 cancelled");
    }

    #[test]
    fn an_import_says_what_it_brought() {
        let text = ImportReport { added: 12, already_there: 3, ..ImportReport::default() };
        assert_eq!(import_summary(&text), "12 new, 3 already there");
        let package = ImportReport { added: 1, already_there: 0, skipped: 2, pictures: 1, audio: 4, media_skipped: 1, summary: String::new() };
        assert_eq!(
            import_summary(&package),
            "1 new, 0 already there; 1 picture and 4 recordings from the package; 2 notes without a usable word skipped; 1 media file missing, too large or of an unknown type left out"
        );
    }

    #[test]
    fn seconds_under_a_minute() {
        assert_eq!(eta(0), "~1 s left");
        assert_eq!(eta(1), "~1 s left");
        assert_eq!(eta(42), "~42 s left");
        assert_eq!(eta(59), "~59 s left");
    }

    #[test]
    fn minutes_round_to_the_nearest() {
        assert_eq!(eta(60), "~1 min left");
        assert_eq!(eta(89), "~1 min left");
        assert_eq!(eta(90), "~2 min left");
        assert_eq!(eta(150), "~3 min left");
        assert_eq!(eta(59 * 60), "~59 min left");
        assert_eq!(eta(59 * 60 + 29), "~59 min left");
    }

    #[test]
    fn an_hour_is_never_sixty_minutes() {
        assert_eq!(eta(59 * 60 + 30), "~1 h left");
        assert_eq!(eta(59 * 60 + 59), "~1 h left");
        assert_eq!(eta(60 * 60), "~1 h left");
        assert_eq!(eta(61 * 60), "~1 h 1 min left");
        assert_eq!(eta(65 * 60), "~1 h 5 min left");
        assert_eq!(eta(2 * 3600), "~2 h left");
        assert!(eta(u64::MAX).ends_with(" left"), "no overflow");
    }
}
