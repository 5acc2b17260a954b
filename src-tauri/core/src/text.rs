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

/// The text of an HTML fragment on one line: tags dropped (each leaves a space, so "a<br>b"
/// stays two words), the common entities and numeric references decoded (no control
/// characters), white space collapsed.
pub fn html_to_plain(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match (in_tag, c) {
            (false, '<') => in_tag = true,
            (true, '>') => {
                in_tag = false;
                text.push(' ');
            }
            (false, c) => text.push(c),
            (true, _) => {}
        }
    }
    decode_entities(&text).split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `&amp;`, `&nbsp;`, `&#233;`, `&#xE9;` … decoded; anything else (and control characters) kept as written.
pub fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        // Within the next 12 characters (not bytes: the text may be any script).
        let end = rest.char_indices().take(12).find(|&(_, c)| c == ';').map(|(i, _)| i);
        let decoded = end.and_then(|e| {
            let ent = &rest[1..e];
            let c = match ent {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some(' '),
                _ => {
                    let num = ent.strip_prefix('#')?;
                    let v = match num.strip_prefix(['x', 'X']) {
                        Some(h) => u32::from_str_radix(h, 16).ok()?,
                        None => num.parse().ok()?,
                    };
                    char::from_u32(v).filter(|c| !c.is_control())
                }
            };
            c.map(|c| (c, e))
        });
        match decoded {
            Some((c, e)) => {
                out.push(c);
                rest = &rest[e + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_becomes_one_line_of_text() {
        assert_eq!(html_to_plain("<a href=\"x\">Ana&nbsp;L&oacute;pez</a><br>&#233;&#x41;&amp;&#7;"), "Ana L&oacute;pez éA&&#7;");
        assert_eq!(html_to_plain("  a\n<b>b</b>  "), "a b");
    }
}
