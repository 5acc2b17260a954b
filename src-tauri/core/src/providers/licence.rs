//! Which licences a photo from the internet may have to become a card's picture: free ones
//! only — CC0, public domain (and the Public Domain Mark), CC BY and CC BY-SA of any version or
//! port. Anything else is refused: NonCommercial or NoDerivatives (a deck may be shared or sold,
//! and the picture is resized), fair use, GFDL alone (it asks for the whole licence text to travel
//! with the copy), and a licence Deck Media cannot read. Pure functions, no I/O.

/// A free licence, as Deck Media reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FreeLicence {
    /// CC0 or public domain (the Public Domain Mark): no credit is owed, it is given anyway.
    PublicDomain,
    /// CC BY: credit the author.
    By,
    /// CC BY-SA: credit the author, share alike.
    BySa,
}

/// Commons' `LicenseShortName` (`CC BY-SA 4.0`, `CC0`, `Public domain`, `CC BY 2.5 dk`,
/// `cc-by-sa-3.0`) read as a free licence; `None` for any other (`CC BY-NC 2.0`, `GFDL`,
/// `Fair use`, `All rights reserved`, empty).
pub fn from_short_name(name: &str) -> Option<FreeLicence> {
    let upper = name.trim().to_uppercase().replace(['-', '_'], " ");
    let tokens: Vec<&str> = upper.split_whitespace().collect();
    match tokens.as_slice() {
        [] => None,
        ["CC0", rest @ ..] if rest.iter().all(|t| is_version(t)) => Some(FreeLicence::PublicDomain),
        ["PUBLIC", "DOMAIN", ..] | ["PD", ..] => Some(FreeLicence::PublicDomain),
        ["CC", "BY", "SA", rest @ ..] if rest.iter().all(|t| is_version_or_port(t)) => Some(FreeLicence::BySa),
        ["CC", "BY", rest @ ..] if rest.iter().all(|t| is_version_or_port(t)) => Some(FreeLicence::By),
        _ => None,
    }
}

/// Openverse's `license` code (`by`, `by-sa`, `cc0`, `pdm`, `by-nc`, …) read as a free licence.
pub fn from_openverse_code(code: &str) -> Option<FreeLicence> {
    match code.trim().to_ascii_lowercase().as_str() {
        "cc0" | "pdm" => Some(FreeLicence::PublicDomain),
        "by" => Some(FreeLicence::By),
        "by-sa" => Some(FreeLicence::BySa),
        _ => None,
    }
}

/// `4.0`, `2.5`, `1`.
fn is_version(t: &str) -> bool {
    !t.is_empty() && t.starts_with(|c: char| c.is_ascii_digit()) && t.chars().all(|c| c.is_ascii_digit() || c == '.')
}

/// A version, or a port's two-letter jurisdiction (`DE`, `DK`) — but never `NC` or `ND`.
fn is_version_or_port(t: &str) -> bool {
    is_version(t) || (t.len() == 2 && t.chars().all(|c| c.is_ascii_alphabetic()) && !matches!(t, "NC" | "ND" | "SA"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_licences_are_read_and_others_refused() {
        for (name, want) in [
            ("CC BY-SA 4.0", FreeLicence::BySa),
            ("cc-by-sa-3.0", FreeLicence::BySa),
            ("CC BY-SA 3.0 de", FreeLicence::BySa),
            ("CC BY 2.0", FreeLicence::By),
            ("CC BY", FreeLicence::By),
            ("CC0", FreeLicence::PublicDomain),
            ("CC0 1.0", FreeLicence::PublicDomain),
            ("Public domain", FreeLicence::PublicDomain),
            ("PD-US", FreeLicence::PublicDomain),
        ] {
            assert_eq!(from_short_name(name), Some(want), "{name}");
        }
        for name in ["CC BY-NC 2.0", "CC BY-NC-SA 4.0", "CC BY-ND 4.0", "CC BY-SA-NC 2.0", "GFDL", "GFDL 1.2", "Fair use", "", "All rights reserved", "CC BY-SA SA"] {
            assert_eq!(from_short_name(name), None, "{name}");
        }
        assert_eq!(from_openverse_code("by-sa"), Some(FreeLicence::BySa));
        assert_eq!(from_openverse_code("pdm"), Some(FreeLicence::PublicDomain));
        assert_eq!(from_openverse_code("by-nc"), None);
        assert_eq!(from_openverse_code("sampling+"), None);
    }
}
