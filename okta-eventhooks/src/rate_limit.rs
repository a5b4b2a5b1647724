//! Okta's rate-limit headers.

use chrono::{DateTime, Utc};
use http::{HeaderMap, HeaderName};

const LIMIT: HeaderName = HeaderName::from_static("x-rate-limit-limit");
const REMAINING: HeaderName = HeaderName::from_static("x-rate-limit-remaining");
const RESET: HeaderName = HeaderName::from_static("x-rate-limit-reset");

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
        Self {
            limit: smallest(headers, &LIMIT),
            remaining: smallest(headers, &REMAINING),
            reset: smallest(headers, &RESET)
                .and_then(|secs| DateTime::from_timestamp(i64::try_from(secs).ok()?, 0)),
        }
    }

    /// Whether none of the headers was present.
    pub fn is_empty(&self) -> bool {
        self.limit.is_none() && self.remaining.is_none() && self.reset.is_none()
    }
}

fn smallest(headers: &HeaderMap, name: &HeaderName) -> Option<u64> {
    let mut values = headers.get_all(name).iter();
    let first = values.next()?;
    // The common case, one plain number, without splitting (this runs on every response).
    if values.next().is_none()
        && let Some(n) = parse_plain(first.as_bytes())
    {
        return Some(n);
    }
    headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|v| v.trim().parse::<u64>().ok())
        .min()
}

fn parse_plain(bytes: &[u8]) -> Option<u64> {
    std::str::from_utf8(bytes).ok()?.parse().ok()
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
}
