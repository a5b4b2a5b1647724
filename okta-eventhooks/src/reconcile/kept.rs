//! What a reconciliation keeps of each expected System Log event: its uuid (16 bytes when it
//! is a UUID, as Okta's are), and for a missing one its type (an index into the hook's
//! subscribed types) and its time. A whole `LogEvent` is some kilobytes; a window may hold
//! [`MAX_EXPECTED`](super::MAX_EXPECTED) of them.

use chrono::{DateTime, SecondsFormat, Utc};

/// An event's `uuid` as kept: its 16 bytes when it is a UUID written the way Okta writes one
/// (lower-case, hyphenated), so that it reads back the same; its text otherwise.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) enum Uuid {
    Bytes([u8; 16]),
    Text(Box<str>),
}

/// Where the hyphens of a UUID's text are.
const HYPHENS: [usize; 4] = [8, 13, 18, 23];

impl Uuid {
    pub(super) fn of(text: &str) -> Self {
        Self::parse(text).map_or_else(|| Self::Text(text.into()), Self::Bytes)
    }

    /// Read a pair of hex digits at a time, skipping the hyphens: every present id of a round
    /// (400,000 in a day) is read here, and a chain of iterator adaptors over the text took
    /// ten times as long.
    fn parse(text: &str) -> Option<[u8; 16]> {
        let bytes = text.as_bytes();
        if bytes.len() != 36 || HYPHENS.iter().any(|&i| bytes[i] != b'-') {
            return None;
        }
        let mut out = [0; 16];
        let mut at = 0;
        for byte in &mut out {
            if HYPHENS.contains(&at) {
                at += 1;
            }
            *byte = (hex_digit(bytes[at])? << 4) | hex_digit(bytes[at + 1])?;
            at += 2;
        }
        Some(out)
    }

    pub(super) fn text(&self) -> String {
        match self {
            Self::Text(text) => text.to_string(),
            Self::Bytes(bytes) => {
                let mut out = String::with_capacity(36);
                for (i, byte) in bytes.iter().enumerate() {
                    if [4, 6, 8, 10].contains(&i) {
                        out.push('-');
                    }
                    out.push_str(&format!("{byte:02x}"));
                }
                out
            }
        }
    }
}

/// The value of a lower-case hex digit (Okta writes UUIDs in lower case).
fn hex_digit(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        _ => None,
    }
}

/// An expected event's slot: present in the sink, or missing with its type and time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Slot {
    /// Nanoseconds since the epoch (`published`).
    published: i64,
    /// Index into the hook's subscribed types, or [`Slot::PRESENT`].
    event_type: u32,
}

impl Slot {
    const PRESENT: u32 = u32::MAX;

    pub(super) fn present() -> Self {
        Self {
            published: 0,
            event_type: Self::PRESENT,
        }
    }

    pub(super) fn missing(published: DateTime<Utc>, event_type: usize) -> Self {
        Self {
            published: published.timestamp_nanos_opt().unwrap_or(i64::MAX),
            event_type: u32::try_from(event_type).unwrap_or(Self::PRESENT - 1),
        }
    }

    /// The type's index and the time, when missing.
    pub(super) fn missing_at(self) -> Option<(usize, i64)> {
        (self.event_type != Self::PRESENT).then_some((self.event_type as usize, self.published))
    }
}

/// A kept time written back as Okta writes `published` (RFC 3339, UTC, milliseconds; more
/// digits only when the time had them).
pub(super) fn published_text(nanos: i64) -> String {
    let time = DateTime::from_timestamp_nanos(nanos);
    let format = if nanos % 1_000_000 == 0 {
        SecondsFormat::Millis
    } else {
        SecondsFormat::AutoSi
    };
    time.to_rfc3339_opts(format, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_uuid_reads_back_as_written() {
        for text in [
            "0f6a8b3c-1d2e-4f50-9a7b-c8d9e0f1a2b3",
            "0F6A8B3C-1D2E-4F50-9A7B-C8D9E0F1A2B3", // not Okta's case: kept as text
            "not-a-uuid",
            "0f6a8b3c1d2e4f509a7bc8d9e0f1a2b30000",
            "0f6a8b3c-1d2e-4f50-9a7b-c8d9e0f1a2bg", // not hex: kept as text
            "0f6a8b3c-1d2e-4f50-9a7b-c8d9e0f1a2b",
            "0f6a8b3c-1d2e-4f50-9a7b+c8d9e0f1a2b3",
            "",
        ] {
            assert_eq!(Uuid::of(text).text(), text);
        }
        assert_eq!(
            Uuid::of("0f6a8b3c-1d2e-4f50-9a7b-c8d9e0f1a2b3"),
            Uuid::Bytes([
                0x0f, 0x6a, 0x8b, 0x3c, 0x1d, 0x2e, 0x4f, 0x50, 0x9a, 0x7b, 0xc8, 0xd9, 0xe0, 0xf1,
                0xa2, 0xb3
            ])
        );
    }

    #[test]
    fn a_time_reads_back_as_okta_writes_it() {
        for text in ["2026-12-01T01:00:00.000Z", "2026-12-01T01:00:00.123456Z"] {
            let time: DateTime<Utc> = text.parse().unwrap();
            assert_eq!(published_text(time.timestamp_nanos_opt().unwrap()), text);
        }
    }

    #[test]
    fn what_is_kept_per_event_is_small() {
        assert!(std::mem::size_of::<Uuid>() <= 24);
        assert!(std::mem::size_of::<Slot>() <= 16);
    }
}
