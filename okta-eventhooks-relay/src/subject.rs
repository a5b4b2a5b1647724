//! NATS subjects from event types: `<prefix>.<eventType>`.

/// The last token of the subject of an event whose `eventType` is missing or cannot be a
/// subject (no Okta event type starts with `_`).
pub const INVALID_EVENT_TYPE_TOKEN: &str = "_invalid";

/// The longest `eventType` used in a subject (Okta's are under a hundred characters). The
/// server closes a connection whose publish line exceeds its `max_control_line` (4 KiB), so a
/// longer type must never reach it.
pub(crate) const MAX_EVENT_TYPE_BYTES: usize = 1024;

/// Why `event_type` cannot be the last tokens of a subject, if it cannot.
pub(crate) fn problem(event_type: &str) -> Option<String> {
    if event_type.len() > MAX_EVENT_TYPE_BYTES {
        Some(format!(
            "eventType of {} bytes, longer than {MAX_EVENT_TYPE_BYTES}",
            event_type.len()
        ))
    } else if !is_literal(event_type) {
        Some(
            "eventType is not a NATS subject (empty token, space, control character, * or >)"
                .into(),
        )
    } else {
        None
    }
}

/// Whether `subject` is dot-separated, non-empty tokens with no whitespace, control
/// characters or wildcards (`*`, `>`): something that can be published to.
pub(crate) fn is_literal(subject: &str) -> bool {
    !subject.is_empty()
        && subject.split('.').all(|token| {
            !token.is_empty()
                && !token
                    .chars()
                    .any(|c| c.is_whitespace() || c.is_control() || c == '*' || c == '>')
        })
}

/// Whether `filter` is a subject a consumer can filter on: [`is_literal`] but for whole-token
/// wildcards, `*` anywhere and `>` last (`okta.events.user.>`, `okta.*.user.session.start`).
pub(crate) fn is_filter(filter: &str) -> bool {
    let tokens: Vec<&str> = filter.split('.').collect();
    !filter.is_empty()
        && tokens.iter().enumerate().all(|(i, token)| match *token {
            "*" => true,
            ">" => i + 1 == tokens.len(),
            _ => is_literal(token),
        })
}

/// `<prefix>.<eventType>`, or `<prefix>._invalid` when the type is missing or not a literal
/// subject: such an event is still stored (a 4xx would make Okta drop the whole delivery).
pub(crate) fn for_event(prefix: &str, event_type: Option<&str>) -> String {
    let token = event_type.filter(|t| problem(t).is_none());
    under(prefix, token.unwrap_or(INVALID_EVENT_TYPE_TOKEN))
}

/// `<prefix>.<token>` (one allocation of the exact size: it is made for every event).
pub(crate) fn under(prefix: &str, token: &str) -> String {
    [prefix, ".", token].concat()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_types_become_subjects_and_odd_ones_go_aside() {
        assert_eq!(
            for_event("okta.events", Some("user.session.start")),
            "okta.events.user.session.start"
        );
        for odd in [
            None,
            Some(""),
            Some("a b"),
            Some("a.*"),
            Some("a.>"),
            Some("a..b"),
            Some(".a"),
            Some("a\n"),
            Some(&"x".repeat(5000)),
        ] {
            assert_eq!(for_event("p", odd), "p._invalid", "{odd:?}");
        }
    }

    #[test]
    fn filters_take_whole_token_wildcards_only() {
        for good in ["okta.events.>", "okta.*.user.session.start", ">", "a"] {
            assert!(is_filter(good), "{good}");
        }
        for bad in ["a..b", "", ".a", "a.", "a.>.b", "a.b*", "a b", "a.>>"] {
            assert!(!is_filter(bad), "{bad}");
        }
    }
}
