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
    let mut at = 0;
    while let Some(&byte) = json.get(at) {
        at += 1;
        match byte {
            b'"' => at = after_string(json, at),
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

/// Where the string whose text starts at `at` ends (just past its closing quote, or the end
/// of `json`). Most of an event's bytes are string text, so it is skipped eight bytes at a
/// time while none of them is a quote or a backslash (issue 22: byte by byte, this check cost
/// more than a third of a parse).
fn after_string(json: &[u8], mut at: usize) -> usize {
    const ONES: u64 = u64::from_le_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_le_bytes([0x80; 8]);
    // The high bit of each byte of `word` that is `byte`, and maybe of some after it, never
    // of one before it (the classic zero-byte test on `word ^ byte`; its false positives
    // come only from a borrow out of a true one).
    let has = |word: u64, byte: u8| {
        let x = word ^ (ONES * u64::from(byte));
        x.wrapping_sub(ONES) & !x & HIGHS
    };
    loop {
        while let Some(chunk) = json.get(at..at + 8) {
            let mut word = [0; 8];
            word.copy_from_slice(chunk);
            let word = u64::from_le_bytes(word);
            let found = has(word, b'"') | has(word, b'\\');
            if found != 0 {
                // The first byte of the word (little-endian: the lowest) that matched.
                at += (found.trailing_zeros() / 8) as usize;
                break;
            }
            at += 8;
        }
        match json.get(at) {
            None => return json.len(),
            Some(b'"') => return at + 1,
            // The escaped byte is text, whatever it is.
            Some(b'\\') => at += 2,
            Some(_) => at += 1,
        }
    }
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

    /// The word-at-a-time skip agrees with reading byte by byte wherever the quotes,
    /// backslashes and brackets fall against the eight-byte words.
    #[test]
    fn long_strings_escapes_and_unterminated_text() {
        fn byte_by_byte(json: &[u8]) -> usize {
            let (mut depth, mut deepest, mut in_string, mut escaped) = (0usize, 0, false, false);
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
        let pieces: [&[u8]; 9] = [
            b"[",
            b"]",
            b"{",
            b"}",
            b"\"",
            b"\\",
            b"\\\"",
            b"abcdefg",
            b"[[[\"x\\\\\"]",
        ];
        // Every sequence of up to five pieces.
        let mut cases = vec![Vec::new()];
        for _ in 0..5 {
            let longer: Vec<Vec<u8>> = cases
                .iter()
                .flat_map(|case| pieces.iter().map(move |p| [case.as_slice(), p].concat()))
                .collect();
            for case in &longer {
                assert_eq!(
                    nesting_depth(case),
                    byte_by_byte(case),
                    "{}",
                    String::from_utf8_lossy(case)
                );
            }
            cases = longer;
        }
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
