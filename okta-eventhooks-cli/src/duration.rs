//! The one rule for every DURATION argument: a bare number is seconds, as `requestTimeout: 30`
//! is in okta.yaml; anything else is a humantime duration (`500ms`, `30s`, `2m`, `1h`, `1m 30s`).

use std::time::Duration;

/// Parses a DURATION argument (the clap value parser of `--timeout`, `--wait`, ...).
///
/// The SDK's configuration parser follows the same rule for okta.yaml and `OKTA_CLIENT_*`; it is
/// private to the SDK today, so this is the CLI's own copy of the rule, not of the code.
pub fn parse(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let is_number = text.starts_with(|c: char| c.is_ascii_digit())
        && text.chars().all(|c| c.is_ascii_digit() || c == '.');
    if let Some(seconds) = is_number.then(|| text.parse::<f64>().ok()).flatten() {
        return Duration::try_from_secs_f64(seconds)
            .map_err(|_| format!("{text} seconds is too long"));
    }
    humantime::parse_duration(text)
        .map_err(|e| format!("{e}: use seconds (30) or a unit (500ms, 30s, 2m)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_number_is_seconds() {
        assert_eq!(parse("30"), Ok(Duration::from_secs(30)));
        assert_eq!(parse("0"), Ok(Duration::ZERO));
        assert_eq!(parse("2.5"), Ok(Duration::from_millis(2500)));
        assert_eq!(parse(" 10 "), Ok(Duration::from_secs(10)));
    }

    #[test]
    fn units_keep_working() {
        assert_eq!(parse("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse("1m 30s"), Ok(Duration::from_secs(90)));
    }

    #[test]
    fn anything_else_is_refused_with_the_accepted_forms() {
        for bad in ["soon", "", "-1", "1e3", "1.2.3", "inf", "NaN", "30 parsecs"] {
            let err = parse(bad).unwrap_err();
            assert!(err.contains("use seconds (30)"), "{bad:?}: {err}");
        }
        assert_eq!(
            parse("1".repeat(30).as_str()),
            Err(format!("{} seconds is too long", "1".repeat(30)))
        );
    }
}
