//! How deeply an event's JSON nests, and the most this toolkit reads: one limit for the
//! receiver that stores an event and every reader that decodes it later (`consume`), so an
//! event is never stored that its reader cannot decode.

/// Most levels of arrays and objects in one event (the event's own object is level 1).
/// Okta's events nest about 5 deep (`debugContext.debugData`, `target[].detailEntry`); the
/// typed decode ([`LogEvent`](super::LogEvent)) stops at serde_json's 128, well above this.
pub const MAX_EVENT_DEPTH: usize = 64;

/// The deepest nesting of arrays and objects in `json` (0 for a scalar), read without
/// recursion: brackets inside strings do not count.
pub fn nesting_depth(json: &[u8]) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    let (mut in_string, mut escaped) = (false, false);
    for &byte in json {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// An error (serde_json's, as for any other malformed event) when `event` nests deeper than
/// [`MAX_EVENT_DEPTH`].
pub fn check_event_depth(event: &[u8]) -> Result<(), serde_json::Error> {
    let depth = nesting_depth(event);
    if depth > MAX_EVENT_DEPTH {
        return Err(serde::de::Error::custom(format!(
            "an event nests {depth} levels deep, more than the {MAX_EVENT_DEPTH} this toolkit reads"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_counts_containers_not_brackets_in_strings() {
        assert_eq!(nesting_depth(b"5"), 0);
        assert_eq!(nesting_depth(br#"{"a":[1,{"b":"[[[{{{\"]]"}],"c":{}}"#), 3);
    }

    #[test]
    fn an_event_at_the_limit_decodes_and_one_deeper_is_refused() {
        let nested = |depth: usize| {
            format!(
                r#"{{"uuid":"u1","x":{}1{}}}"#,
                "[".repeat(depth - 1),
                "]".repeat(depth - 1)
            )
        };
        let at_limit = nested(MAX_EVENT_DEPTH);
        check_event_depth(at_limit.as_bytes()).unwrap();
        let event: super::super::LogEvent = serde_json::from_str(&at_limit).unwrap();
        assert_eq!(event.uuid.as_deref(), Some("u1"));
        let err = check_event_depth(nested(MAX_EVENT_DEPTH + 1).as_bytes()).unwrap_err();
        assert!(err.to_string().contains("65 levels deep"), "{err}");
    }
}
