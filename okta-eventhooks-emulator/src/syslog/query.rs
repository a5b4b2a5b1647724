//! The query of `GET /api/v1/logs`, read from the request's query string with Okta's
//! parameters and defaults (fact sheet section 9). A value the emulator cannot honour exactly is
//! refused, naming the parameter, never quietly read another way.

use chrono::{DateTime, Utc};
use url::form_urlencoded;

use super::cursor::Cursor;
use super::filter::Filter;

/// Events per page unless `limit` says otherwise (Okta's default).
pub const DEFAULT_LIMIT: usize = 100;
/// The largest `limit` (Okta's).
pub const MAX_LIMIT: usize = 1000;
/// Most keywords in `q` (the emulator's bound).
pub(crate) const MAX_KEYWORDS: usize = 10;
/// Longest keyword in `q`, in characters (the emulator's bound).
pub(crate) const MAX_KEYWORD_CHARS: usize = 40;

/// A parsed query.
pub(crate) struct Query {
    pub(crate) since: Option<DateTime<Utc>>,
    pub(crate) until: Option<DateTime<Utc>>,
    pub(crate) after: Option<String>,
    pub(crate) filter: Option<Filter>,
    /// Lower-cased keywords of `q`; an event must contain each.
    pub(crate) keywords: Vec<String>,
    pub(crate) limit: usize,
    pub(crate) descending: bool,
    /// Every parameter but `after`, in the order given: the next link repeats them.
    pub(crate) params: Vec<(String, String)>,
}

impl Query {
    /// Okta's polling request: no `until` and ascending. It always gets a next link, and its
    /// `since` is about persistence time, not `published`.
    pub(crate) fn polling(&self) -> bool {
        self.until.is_none() && !self.descending
    }
}

/// Why a query is refused: the parameter and what is wrong with it.
#[derive(Debug, PartialEq)]
pub(crate) struct Invalid {
    pub(crate) param: &'static str,
    pub(crate) cause: String,
}

fn invalid(param: &'static str, cause: impl Into<String>) -> Invalid {
    Invalid {
        param,
        cause: format!("{param}: {}", cause.into()),
    }
}

const KNOWN: [&str; 7] = [
    "since",
    "until",
    "after",
    "filter",
    "q",
    "limit",
    "sortOrder",
];

/// Reads the query string of a request (`None`: there was none).
pub(crate) fn parse(raw: Option<&str>) -> Result<Query, Invalid> {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    for name in KNOWN {
        if pairs.iter().filter(|(k, _)| k == name).count() > 1 {
            return Err(invalid(name, "is given more than once"));
        }
    }
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let since = get("since").map(|v| time("since", v)).transpose()?;
    let until = get("until").map(|v| time("until", v)).transpose()?;
    if let (Some(since), Some(until)) = (since, until)
        && since >= until
    {
        return Err(invalid("since", "must be before until"));
    }
    let limit = match get("limit") {
        None => DEFAULT_LIMIT,
        Some(v) => v
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_LIMIT).contains(n))
            .ok_or_else(|| {
                invalid(
                    "limit",
                    format!("must be a whole number from 1 to {MAX_LIMIT}, not {v:?}"),
                )
            })?,
    };
    let descending = match get("sortOrder") {
        None => false,
        Some(v) if v.eq_ignore_ascii_case("ASCENDING") => false,
        Some(v) if v.eq_ignore_ascii_case("DESCENDING") => true,
        Some(v) => {
            return Err(invalid(
                "sortOrder",
                format!("must be ASCENDING or DESCENDING, not {v:?}"),
            ));
        }
    };
    let filter = match get("filter").map(str::trim) {
        None | Some("") => None,
        Some(text) => Some(Filter::parse(text).map_err(|e| invalid("filter", e))?),
    };
    let keywords: Vec<String> = get("q")
        .unwrap_or_default()
        .split_whitespace()
        .map(str::to_lowercase)
        .collect();
    if keywords.len() > MAX_KEYWORDS {
        return Err(invalid(
            "q",
            format!("has more than {MAX_KEYWORDS} keywords"),
        ));
    }
    if let Some(long) = keywords
        .iter()
        .find(|k| k.chars().count() > MAX_KEYWORD_CHARS)
    {
        return Err(invalid(
            "q",
            format!("the keyword {long:?} is longer than {MAX_KEYWORD_CHARS} characters"),
        ));
    }
    let after = get("after").map(str::to_owned);
    let params = pairs.into_iter().filter(|(k, _)| k != "after").collect();
    Ok(Query {
        since,
        until,
        after,
        filter,
        keywords,
        limit,
        descending,
        params,
    })
}

fn time(param: &'static str, value: &str) -> Result<DateTime<Utc>, Invalid> {
    DateTime::parse_from_rfc3339(value)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            invalid(
                param,
                format!("{value:?} is not an ISO 8601 time such as 2026-11-26T13:00:00.000Z"),
            )
        })
}

/// The cursor of `after`, checked against the log's epoch; `after` names the parameter.
pub(crate) fn cursor(after: &str, epoch: u32) -> Result<Cursor, Invalid> {
    Cursor::decode(after, epoch).map_err(|why| invalid("after", why))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(query: &str) -> Invalid {
        match parse(Some(query)) {
            Err(e) => e,
            Ok(_) => panic!("{query} was accepted"),
        }
    }

    #[test]
    fn defaults_and_modes() {
        let q = parse(None).unwrap();
        assert_eq!((q.limit, q.descending, q.polling()), (100, false, true));
        let q = parse(Some("until=2026-11-26T13:00:00.000Z&limit=1000")).unwrap();
        assert!(!q.polling());
        assert_eq!(q.limit, 1000);
        let q = parse(Some("sortOrder=DESCENDING")).unwrap();
        assert!(!q.polling());
        let q = parse(Some(
            "filter=eventType+eq+%22a.b%22&q=Jane+DOE&after=x&zzz=1",
        ))
        .unwrap();
        assert!(q.filter.is_some());
        assert_eq!(q.keywords, ["jane", "doe"]);
        assert_eq!(q.after.as_deref(), Some("x"));
        let names: Vec<&str> = q.params.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, ["filter", "q", "zzz"]);
        assert!(parse(Some("filter=")).unwrap().filter.is_none());
    }

    #[test]
    fn what_cannot_be_honoured_is_refused_by_name() {
        for (query, param) in [
            ("limit=0", "limit"),
            ("limit=1001", "limit"),
            ("limit=-1", "limit"),
            ("limit=ten", "limit"),
            ("sortOrder=RANDOM", "sortOrder"),
            ("since=yesterday", "since"),
            ("until=2026-13-01T00:00:00Z", "until"),
            (
                "since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z",
                "since",
            ),
            ("limit=1&limit=2", "limit"),
            ("filter=eventType+gt+%22a%22", "filter"),
            ("q=a+b+c+d+e+f+g+h+i+j+k", "q"),
        ] {
            assert_eq!(refused(query).param, param, "{query}");
        }
        assert!(
            refused("limit=0")
                .cause
                .starts_with("limit: must be a whole number")
        );
    }
}
