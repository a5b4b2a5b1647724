//! Okta's rate-limit headers.

use chrono::{DateTime, Utc};
use http::HeaderMap;

/// `X-Rate-Limit-Limit`, `X-Rate-Limit-Remaining` and `X-Rate-Limit-Reset` of one response.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RateLimit {
    /// The ceiling of the bucket that applies to the request.
    pub limit: Option<u64>,
    /// Requests left in the current window.
    pub remaining: Option<u64>,
    /// When the window resets.
    pub reset: Option<DateTime<Utc>>,
}

impl RateLimit {
    /// Reads the headers. A repeated header (or a comma-joined one) counts by its smallest value,
    /// the conservative choice; unparsable values are ignored.
    pub fn from_headers(headers: &HeaderMap) -> Self {
        // One pass over the response's few headers (this runs on every response), instead of
        // a hash lookup per name.
        let (mut limit, mut remaining, mut reset) = (None, None, None);
        for (name, value) in headers {
            let slot = match name.as_str().strip_prefix(PREFIX) {
                Some("limit") => &mut limit,
                Some("remaining") => &mut remaining,
                Some("reset") => &mut reset,
                _ => continue,
            };
            if let Some(n) = smallest(value.as_bytes()) {
                *slot = Some(slot.map_or(n, |old: u64| old.min(n)));
            }
        }
        Self {
            limit,
            remaining,
            reset: reset.and_then(|secs| DateTime::from_timestamp(i64::try_from(secs).ok()?, 0)),
        }
    }

    /// Whether none of the headers was present.
    pub fn is_empty(&self) -> bool {
        self.limit.is_none() && self.remaining.is_none() && self.reset.is_none()
    }
}

/// The names of Okta's three headers (`x-rate-limit-limit`, `-remaining`, `-reset`) start so.
const PREFIX: &str = "x-rate-limit-";

/// The smallest number in one header value (`60` or a comma-joined `30, 90`); parts that are
/// not a whole number are skipped. Byte by byte: this runs on every response.
fn smallest(value: &[u8]) -> Option<u64> {
    value
        .split(|b| *b == b',')
        .filter_map(|part| {
            let digits = part.trim_ascii();
            if digits.is_empty() || digits.len() > 19 || !digits.iter().all(u8::is_ascii_digit) {
                return None;
            }
            Some(
                digits
                    .iter()
                    .fold(0u64, |n, d| n * 10 + u64::from(d - b'0')),
            )
        })
        .min()
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    #[test]
    fn repeated_and_joined_headers_take_the_smallest() {
        let mut h = HeaderMap::new();
        h.append("x-rate-limit-reset", HeaderValue::from_static("1700000060"));
        h.append(
            "x-rate-limit-reset",
            HeaderValue::from_static("1700000030, 1700000090"),
        );
        h.append(
            "x-rate-limit-remaining",
            HeaderValue::from_static("not a number"),
        );
        let rl = RateLimit::from_headers(&h);
        assert_eq!(rl.reset.unwrap().timestamp(), 1_700_000_030);
        assert_eq!(rl.remaining, None);
        assert!(!rl.is_empty());
    }

    #[test]
    fn numbers_are_read_byte_by_byte_and_odd_parts_skipped() {
        assert_eq!(smallest(b"60"), Some(60));
        assert_eq!(smallest(b" 42 ,7"), Some(7));
        assert_eq!(smallest(b"1,x,3"), Some(1));
        assert_eq!(smallest(b"-5, 9"), Some(9));
        assert_eq!(smallest(b""), None);
        assert_eq!(smallest(b" , "), None);
        assert_eq!(
            smallest(b"18446744073709551616"),
            None,
            "20 digits are refused"
        );
        assert_eq!(
            smallest(b"9999999999999999999"),
            Some(9_999_999_999_999_999_999)
        );
    }
}
