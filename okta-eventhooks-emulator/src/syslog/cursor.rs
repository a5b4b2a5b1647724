//! The opaque `after` cursor of `/api/v1/logs`: a position in one System Log.
//!
//! It holds the log's epoch (random per emulator process, so that a cursor from before a
//! restart, whose positions mean nothing now, is refused instead of skipping events), the
//! sequence number of the last event the page covered and that event's `published` time. Written
//! as 40 hex digits; clients must treat it as opaque.

/// A position: after the event with sequence number `seq` (published at `published_ms`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Cursor {
    pub(crate) seq: u64,
    pub(crate) published_ms: i64,
}

impl Cursor {
    pub(crate) fn encode(&self, epoch: u32) -> String {
        format!("{epoch:08x}{:016x}{:016x}", self.seq, self.published_ms)
    }

    /// The cursor, if `text` is one of this log's (`epoch`); the error is the reason.
    pub(crate) fn decode(text: &str, epoch: u32) -> Result<Self, &'static str> {
        const NOT_OURS: &str =
            "it is not a cursor this System Log gave out; use the next link as it came";
        if text.len() != 40 {
            return Err(NOT_OURS);
        }
        let field = |range: std::ops::Range<usize>| {
            text.get(range)
                .filter(|part| part.bytes().all(|b| b.is_ascii_hexdigit()))
                .and_then(|part| u64::from_str_radix(part, 16).ok())
        };
        let (Some(found_epoch), Some(seq), Some(published)) =
            (field(0..8), field(8..24), field(24..40))
        else {
            return Err(NOT_OURS);
        };
        if found_epoch != u64::from(epoch) {
            return Err(
                "it comes from another run of the emulator, whose System Log is gone; start again without after",
            );
        }
        Ok(Self {
            seq,
            // The bits as written: a time before 1970 round-trips as a negative number.
            published_ms: published as i64,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_round_trips_in_its_own_log_only() {
        let cursor = Cursor {
            seq: 42,
            published_ms: 1_790_000_000_123,
        };
        let text = cursor.encode(7);
        assert_eq!(text.len(), 40);
        assert_eq!(Cursor::decode(&text, 7), Ok(cursor));
        assert!(
            Cursor::decode(&text, 8)
                .unwrap_err()
                .contains("another run")
        );
        for bad in [
            "",
            "abc",
            &text[..39],
            &format!("{text}0"),
            &text.replace('0', "g"),
        ] {
            assert!(Cursor::decode(bad, 7).is_err(), "{bad}");
        }
        let old = Cursor {
            seq: 1,
            published_ms: -5,
        };
        assert_eq!(Cursor::decode(&old.encode(7), 7), Ok(old));
    }
}
