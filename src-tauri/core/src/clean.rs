//! The word as a learner reads it: what goes to a provider, and what media are keyed by.
//!
//! Card fields carry markup a voice must never read out or a picture search be fed with: HTML
//! and entities, Anki cloze markers (`{{c1::Haus::building}}`), `[sound:…]` references,
//! furigana (`漢字[かんじ]`, or `<ruby>` HTML), and the punctuation around a word. [`clean`] takes
//! all of that away — for speech a furigana base is replaced by its reading, for pictures the
//! reading is dropped — then applies the deck's own [`TextRule`]s (regular expressions, for what
//! is particular to a deck). Two spellings that clean to the same text share one media file.
//!
//! A leaf: it imports only [`crate::text`] and [`crate::model`].

use regex::{Regex, RegexBuilder};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::model::MediaKind;
use crate::text::html_to_plain;

/// What the cleaned text is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// A voice reads it: furigana give their reading.
    Speech,
    /// A picture is found or drawn for it: furigana give their base (the kanji).
    Picture,
}

impl Purpose {
    pub fn of(kind: MediaKind) -> Purpose {
        match kind.medium() {
            MediaKind::Image => Purpose::Picture,
            _ => Purpose::Speech,
        }
    }
}

/// One of a deck's own replacements: every match of `pattern` (a regular expression, Rust
/// `regex` syntax; linear time, so no pattern can hang the queue) becomes `replace` (`$1` names a
/// group). Applied in order, after the built-in cleaning.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct TextRule {
    pub pattern: String,
    #[serde(default)]
    pub replace: String,
}

/// Longest pattern a rule may have.
const MAX_PATTERN: usize = 500;
/// Most rules a deck may have.
pub const MAX_RULES: usize = 50;

/// A deck's rules, compiled.
#[derive(Debug, Clone, Default)]
pub struct Rules(Vec<(Regex, String)>);

impl Rules {
    /// Compiles rules; the message names the rule that is wrong.
    pub fn compile(rules: &[TextRule]) -> Result<Rules, String> {
        if rules.len() > MAX_RULES {
            return Err(format!("a deck can have at most {MAX_RULES} text rules"));
        }
        let mut compiled = Vec::with_capacity(rules.len());
        for (i, rule) in rules.iter().enumerate() {
            if rule.pattern.is_empty() || rule.pattern.len() > MAX_PATTERN {
                return Err(format!("text rule {}: the pattern must have 1 to {MAX_PATTERN} characters", i + 1));
            }
            let re = RegexBuilder::new(&rule.pattern)
                .size_limit(1 << 20)
                .build()
                .map_err(|e| format!("text rule {} ({}): {e}", i + 1, crate::text::clip(&rule.pattern)))?;
            compiled.push((re, rule.replace.clone()));
        }
        Ok(Rules(compiled))
    }

    /// Rules stored as JSON (`decks.text_rules`); damaged JSON is an error, not "no rules".
    pub fn from_json(json: &str) -> Result<Rules, String> {
        let rules: Vec<TextRule> = serde_json::from_str(json).map_err(|e| format!("the deck's text rules cannot be read: {e}"))?;
        Rules::compile(&rules)
    }
}

/// The text a provider gets for `raw` (a word or translation as imported). May be empty when
/// `raw` is only markup: the caller says so instead of sending nothing.
/// Why `raw` cannot be sent when nothing is left of it once cleaned (the queue's failure and
/// the picture chooser's refusal say the same).
pub fn nothing_left(raw: &str) -> String {
    format!("nothing is left of {:?} once its markup is removed (edit the word or the deck's text rules)", crate::text::clip(raw))
}

pub fn clean(raw: &str, purpose: Purpose, rules: &Rules) -> String {
    let text = strip_sound_tags(raw);
    let text = strip_cloze(&text);
    let text = ruby_to_brackets(&text);
    let text = html_to_plain(&text);
    let mut text = furigana(&text, purpose);
    for (re, replace) in &rules.0 {
        if let std::borrow::Cow::Owned(s) = re.replace_all(&text, replace.as_str()) {
            text = s;
        }
    }
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    text.trim_matches(is_edge_punctuation).trim().to_string()
}

/// `[sound:x.mp3]` references removed.
fn strip_sound_tags(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find("[sound:") {
        let Some(end) = rest[i..].find(']') else { break };
        out.push_str(&rest[..i]);
        out.push(' ');
        rest = &rest[i + end + 1..];
    }
    out.push_str(rest);
    out
}

/// `{{c1::answer}}` and `{{c1::answer::hint}}` become `answer`.
fn strip_cloze(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find("{{c") {
        let inner = &rest[i + 3..];
        let digits = inner.chars().take_while(char::is_ascii_digit).count();
        let (Some(body), true) = (inner[digits..].strip_prefix("::"), digits > 0) else {
            out.push_str(&rest[..i + 3]);
            rest = inner;
            continue;
        };
        let Some(end) = body.find("}}") else { break };
        let answer = &body[..end];
        out.push_str(&rest[..i]);
        out.push_str(answer.split("::").next().unwrap_or(answer));
        rest = &body[end + 2..];
    }
    out.push_str(rest);
    out
}

/// `<ruby>漢字<rt>かんじ</rt></ruby>` written as Anki's `漢字[かんじ]` (the `<rp>` fallback
/// parentheses dropped), so both forms are read the same way.
fn ruby_to_brackets(s: &str) -> String {
    if !s.contains("<rt") {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let (Some(open), Some(close)) = (rest.find("<rt>"), rest.find("</rt>")) {
        if close < open {
            break;
        }
        out.push_str(&rest[..open]);
        out.push('[');
        out.push_str(&rest[open + 4..close]);
        out.push(']');
        rest = &rest[close + 5..];
    }
    out.push_str(rest);
    out.replace("<rp>(</rp>", "").replace("<rp>)</rp>", "").replace("<rp>（</rp>", "").replace("<rp>）</rp>", "")
}

/// Anki's furigana, `base[reading]` with the base running back to a space: the reading for
/// speech, the base for pictures. Only a kana reading counts, so `casa[f]` stays as written.
fn furigana(s: &str, purpose: Purpose) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(open) = rest.find('[') {
        let Some(len) = rest[open + 1..].find(']') else { break };
        let reading = &rest[open + 1..open + 1 + len];
        let head = &rest[..open];
        let base_start = head.rfind(' ').map(|i| i + 1).unwrap_or(0);
        let base = &head[base_start..];
        if base.is_empty() || reading.is_empty() || !reading.chars().all(is_kana) {
            out.push_str(&rest[..open + 1]);
            rest = &rest[open + 1..];
            continue;
        }
        // The one space that separates a base from the text before it is Anki's syntax, not text.
        let before = &head[..base_start];
        out.push_str(before.strip_suffix(' ').unwrap_or(before));
        out.push_str(match purpose {
            Purpose::Speech => reading,
            Purpose::Picture => base,
        });
        rest = &rest[open + 1 + len + 1..];
    }
    out.push_str(rest);
    out
}

fn is_kana(c: char) -> bool {
    matches!(c, '\u{3041}'..='\u{309F}' | '\u{30A0}'..='\u{30FF}' | '\u{31F0}'..='\u{31FF}')
}

/// Punctuation that may surround a word on a card and is not part of it. Brackets are not
/// (a word like "(to) run" would lose one of a pair).
fn is_edge_punctuation(c: char) -> bool {
    matches!(
        c,
        '.' | ',' | ';' | ':' | '!' | '?' | '"' | '\'' | '-' | '¡' | '¿' | '«' | '»' | '“' | '”' | '„' | '‘' | '’' | '‚' | '‹' | '›' | '…' | '—' | '–' | '·'
            | '、' | '。' | '，' | '！' | '？' | '：' | '；' | '「' | '」' | '『' | '』'
    ) || c.is_whitespace()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn speech(raw: &str) -> String {
        clean(raw, Purpose::Speech, &Rules::default())
    }
    fn picture(raw: &str) -> String {
        clean(raw, Purpose::Picture, &Rules::default())
    }

    #[test]
    fn markup_is_taken_away() {
        let table = [
            ("<b>Haus</b>", "Haus"),
            ("das&nbsp;Haus<br>", "das Haus"),
            ("caf&#233;", "café"),
            ("Haus [sound:haus-1.mp3]", "Haus"),
            ("[sound:a.mp3][sound:b.mp3]perro", "perro"),
            ("{{c1::Haus}}", "Haus"),
            ("das {{c1::Haus::building}}", "das Haus"),
            ("{{c12::a}} und {{c2::b}}", "a und b"),
            ("{{notacloze}}", "{{notacloze}}"),
            ("¡Hola!", "Hola"),
            ("«Привет»", "Привет"),
            ("  apple.  ", "apple"),
            ("(to) run", "(to) run"),
            ("don't", "don't"),
            ("manzana", "manzana"),
        ];
        for (raw, want) in table {
            assert_eq!(speech(raw), want, "{raw:?}");
        }
    }

    #[test]
    fn furigana_gives_the_reading_to_voices_and_the_base_to_pictures() {
        assert_eq!(speech("漢字[かんじ]"), "かんじ");
        assert_eq!(picture("漢字[かんじ]"), "漢字");
        assert_eq!(speech("日本語[にほんご]を 勉強[べんきょう]する"), "にほんごをべんきょうする");
        assert_eq!(picture("日本語[にほんご]を 勉強[べんきょう]する"), "日本語を勉強する");
        assert_eq!(speech("<ruby>猫<rp>(</rp><rt>ねこ</rt><rp>)</rp></ruby>"), "ねこ");
        assert_eq!(picture("<ruby>猫<rt>ねこ</rt></ruby>"), "猫");
        // Not furigana: a Latin note in brackets, or nothing before the bracket.
        assert_eq!(speech("casa[f]"), "casa[f]");
        assert_eq!(speech("casa [かな]"), "casa [かな]");
    }

    #[test]
    fn only_markup_cleans_to_nothing() {
        assert_eq!(speech("[sound:x.mp3]"), "");
        assert_eq!(speech("<br>&nbsp;…"), "");
    }

    #[test]
    fn a_decks_rules_apply_after_the_built_in_cleaning() {
        let rules = Rules::compile(&[
            TextRule { pattern: r"\s*\(.*?\)".into(), replace: String::new() },
            TextRule { pattern: r"^(der|die|das) (\w+)".into(), replace: "$2".into() },
        ])
        .unwrap();
        assert_eq!(clean("<i>der</i> Hund (m)", Purpose::Speech, &rules), "Hund");
    }

    #[test]
    fn bad_rules_are_refused_with_the_rule_named() {
        let err = Rules::compile(&[TextRule { pattern: "ok".into(), replace: String::new() }, TextRule { pattern: "(".into(), replace: String::new() }]).unwrap_err();
        assert!(err.starts_with("text rule 2 ((): "), "{err}");
        let too_many: Vec<TextRule> = (0..=MAX_RULES).map(|_| TextRule { pattern: "a".into(), replace: String::new() }).collect();
        assert!(Rules::compile(&too_many).is_err());
        assert!(Rules::compile(&[TextRule { pattern: String::new(), replace: String::new() }]).is_err());
        assert!(Rules::from_json("{not json").unwrap_err().contains("cannot be read"));
        assert!(Rules::from_json(r#"[{"pattern":"a","replace":"b","x":1}]"#).is_err(), "unknown fields are refused");
    }
}
