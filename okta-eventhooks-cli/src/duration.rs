//! The one rule for every DURATION argument: the SDK's configuration rule (a bare number is
//! seconds, as `requestTimeout: 30` is in okta.yaml; `500ms`, `30s`, `2m`), plus the longer
//! humantime forms the CLI has always accepted (`1h`, `1m 30s`).

use std::time::Duration;

/// Parses a DURATION argument (the clap value parser of `--timeout`, `--wait`, ...).
pub fn parse(text: &str) -> Result<Duration, String> {
    okta_eventhooks::config::parse_duration(text)
        .or_else(|_| humantime::parse_duration(text.trim()))
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
        let too_long = "1".repeat(30);
        for bad in [
            "soon",
            "",
            "-1",
            "1.2.3",
            "inf",
            "NaN",
            "30 parsecs",
            &too_long,
        ] {
            let err = parse(bad).unwrap_err();
            assert!(err.contains("use seconds (30)"), "{bad:?}: {err}");
        }
    }
}
