//! The one rule for every TIME argument (`logs --since`, `--until`): a time in RFC 3339
//! (`2026-11-26T13:00:00Z`, any offset), a date (`2026-11-26`, midnight UTC), or how long ago
//! as a DURATION (`1h`, `30m`, `2d`, `90` seconds), measured from the local clock.

use chrono::{DateTime, NaiveDate, Utc};

/// Parses a TIME argument (the clap value parser of `--since` and `--until`).
pub fn parse(text: &str) -> Result<DateTime<Utc>, String> {
    parse_at(text, Utc::now())
}

fn parse_at(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    let text = text.trim();
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Ok(time.with_timezone(&Utc));
    }
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(date.and_time(chrono::NaiveTime::MIN).and_utc());
    }
    let ago = crate::duration::parse(text).map_err(|_| {
        format!(
            "{text:?} is neither a time (2026-11-26T13:00:00Z, 2026-11-26) nor how long ago (90s, 30m, 1h, 2d)"
        )
    })?;
    chrono::TimeDelta::from_std(ago)
        .ok()
        .and_then(|ago| now.checked_sub_signed(ago))
        .ok_or_else(|| format!("{text:?} is too long ago"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        "2026-11-26T13:00:00Z".parse().unwrap()
    }

    fn at(text: &str) -> Result<String, String> {
        parse_at(text, now()).map(|t| t.to_rfc3339())
    }

    #[test]
    fn times_in_rfc_3339_with_any_offset_and_dates() {
        assert_eq!(
            at("2026-11-26T14:30:00Z").unwrap(),
            "2026-11-26T14:30:00+00:00"
        );
        assert_eq!(
            at("2026-11-26T14:30:00.250+02:00").unwrap(),
            "2026-11-26T12:30:00.250+00:00"
        );
        assert_eq!(at("2026-11-20").unwrap(), "2026-11-20T00:00:00+00:00");
    }

    #[test]
    fn durations_are_that_long_before_now() {
        assert_eq!(at("1h").unwrap(), "2026-11-26T12:00:00+00:00");
        assert_eq!(at("30m").unwrap(), "2026-11-26T12:30:00+00:00");
        assert_eq!(at("2d").unwrap(), "2026-11-24T13:00:00+00:00");
        assert_eq!(at("90").unwrap(), "2026-11-26T12:58:30+00:00");
        assert_eq!(at(" 0s ").unwrap(), "2026-11-26T13:00:00+00:00");
    }

    #[test]
    fn anything_else_is_refused_with_the_accepted_forms() {
        for bad in ["yesterday", "", "-1h", "2026-13-01", "26/11/2026", "1h ago"] {
            let err = at(bad).unwrap_err();
            assert!(err.contains("neither a time"), "{bad:?}: {err}");
        }
        assert!(at("1000000000y").unwrap_err().contains("too long ago"));
    }
}
