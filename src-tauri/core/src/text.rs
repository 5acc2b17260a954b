//! Small text helpers every layer uses: quoting a value in a message, escaping text for HTML.
//! A leaf: it imports nothing from the crate.

/// A value quoted in a message: at most 100 characters (a hostile value can be megabytes).
pub fn clip(s: &str) -> String {
    match s.char_indices().nth(100) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// HTML-escapes text for an Anki field. `[` is escaped too, so word text can never form a
/// `[sound:…]` reference.
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '[' => out.push_str("&#91;"),
            c => out.push(c),
        }
    }
    out
}
