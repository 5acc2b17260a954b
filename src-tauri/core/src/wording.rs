//! Words shown to people that more than one front end needs: the tray, the window and the CLI
//! say the same thing because they call the same function here. Pure functions, no I/O.

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
    use super::eta;

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
