//! Reading the System Log (`GET /api/v1/logs`): Okta's record of every event for 90 days,
//! including the `event_hook.delivery` failures of event hooks.
//!
//! [`Client::logs`] starts a [`LogQuery`]; [`LogQuery::stream`] checks it and gives a
//! [`LogReader`], a [`Stream`](futures_core::Stream) of [`LogEvent`](crate::events::LogEvent)s that follows the `Link`
//! `rel="next"` header from page to page. Every page goes through the same transport as the
//! other calls: rate-limit waits until the reset, retries, the deadline (per page). An OAuth
//! service app needs the scope `okta.logs.read`.
//!
//! Okta has two kinds of request, and the reader follows both:
//! - **bounded** (with [`until`](LogQuery::until), or [`Descending`](LogSortOrder::Descending)):
//!   the stream ends after the last page, the one without a `next` link;
//! - **polling** (no `until`, ascending): Okta always links to a next page, which later holds
//!   the events persisted since. Once a page is shorter than its limit the reader is
//!   [caught up](LogReader::is_caught_up): the stream returns `None` and may be polled again
//!   later to go on from there; with [`follow`](LogQuery::follow) it waits by itself and never
//!   ends.
//!
//! A `next` link is followed only on the org's own origin and `/api/v1/logs` path (the
//! request carries the credential), and only when its cursor moves on; otherwise the reader
//! ends with [`Error::Paging`] after the events it has.
//!
//! ```no_run
//! # async fn run(client: okta_eventhooks::Client) -> okta_eventhooks::Result<()> {
//! use futures_util::StreamExt;
//!
//! let since = chrono::Utc::now() - chrono::TimeDelta::hours(1);
//! let mut events = client
//!     .logs()
//!     .since(since)
//!     .event_types(["event_hook.delivery"])
//!     .limit(1000)
//!     .stream()?;
//! while let Some(event) = events.next().await {
//!     let event = event?;
//!     println!("{} {}", event.uuid.as_deref().unwrap_or("-"), event.display_message.as_deref().unwrap_or(""));
//! }
//! // A polling read (no `until`) stops here once caught up; poll `events` again later to go on.
//! assert!(events.is_caught_up() || events.is_finished());
//! # Ok(()) }
//! ```

mod link;
mod pager;
mod pages;
mod reader;

use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};

use crate::client::Client;
use crate::error::{Error, Result};
use crate::open_enums::LogSortOrder;

pub(crate) use pages::{LogPages, RawPage};
pub use reader::LogReader;

use pager::{PageRequest, Pager};

/// Most events Okta returns in one page (`limit`).
pub const MAX_LIMIT: u32 = 1000;
/// Events per page when no limit is given (Okta's default).
pub const DEFAULT_LIMIT: u32 = 100;
/// Longest `filter` (event types included) or `q` accepted, in bytes: they travel in the URL,
/// which proxies and servers cut off at a few kilobytes.
pub const MAX_QUERY_BYTES: usize = 4096;

/// Path of the System Log API.
const LOGS_PATH: &str = "/api/v1/logs";

impl Client {
    /// Starts a System Log query (`GET /api/v1/logs`); see [`crate::logs`].
    ///
    /// ```no_run
    /// # async fn run(client: okta_eventhooks::Client) -> okta_eventhooks::Result<()> {
    /// use futures_util::TryStreamExt;
    /// let until = chrono::Utc::now();
    /// let events: Vec<_> = client
    ///     .logs()
    ///     .since(until - chrono::TimeDelta::hours(6))
    ///     .until(until)
    ///     .filter(r#"outcome.result eq "FAILURE""#)
    ///     .stream()?
    ///     .try_collect()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn logs(&self) -> LogQuery {
        LogQuery {
            client: self.clone(),
            since: None,
            until: None,
            filter: None,
            event_types: Vec::new(),
            q: None,
            limit: None,
            sort_order: None,
            follow: None,
        }
    }
}

/// A System Log query, checked and started by [`stream`](LogQuery::stream). Every setting is
/// optional; without any, Okta polls from 7 days ago.
#[derive(Clone, Debug)]
#[must_use]
pub struct LogQuery {
    client: Client,
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
    filter: Option<String>,
    event_types: Vec<String>,
    q: Option<String>,
    limit: Option<u32>,
    sort_order: Option<LogSortOrder>,
    follow: Option<Duration>,
}

impl LogQuery {
    /// Lower time bound (`since`): of `published` in a bounded read, of the time Okta persisted
    /// the event in a polling read. Okta's default is 7 days before `until`.
    pub fn since(mut self, since: DateTime<Utc>) -> Self {
        self.since = Some(since);
        self
    }

    /// Upper time bound (`until`); makes the read bounded: it ends after the last page.
    pub fn until(mut self, until: DateTime<Utc>) -> Self {
        self.until = Some(until);
        self
    }

    /// A filter expression (`filter`), e.g. `outcome.result eq "FAILURE"`: Okta's SCIM-like
    /// syntax, every operator except `[ ]`. Combined with [`event_types`](Self::event_types)
    /// by `and`.
    pub fn filter(mut self, expression: impl Into<String>) -> Self {
        self.filter = Some(expression.into());
        self
    }

    /// Only events of these types: `eventType eq "T"` terms, quoted as SCIM string literals and
    /// joined by `or` (see [`event_type_filter`]). Adds to the types given before.
    pub fn event_types<I, S>(mut self, types: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.event_types.extend(types.into_iter().map(Into::into));
        self
    }

    /// Case-insensitive keywords (`q`).
    pub fn q(mut self, keywords: impl Into<String>) -> Self {
        self.q = Some(keywords.into());
        self
    }

    /// Events per page (`limit`), 1 to [`MAX_LIMIT`] (default [`DEFAULT_LIMIT`]). Larger pages
    /// mean fewer requests against the System Log's low rate limit.
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Order by `published` (`sortOrder`, default ascending). Descending makes the read bounded.
    pub fn sort_order(mut self, order: LogSortOrder) -> Self {
        self.sort_order = Some(order);
        self
    }

    /// Keep reading a polling read for ever: once caught up, wait `interval` and ask for the
    /// next page again (with the client's timer, as for retries). Only for polling reads (no
    /// `until`, ascending); the interval must not be zero.
    pub fn follow(mut self, interval: Duration) -> Self {
        self.follow = Some(interval);
        self
    }

    /// Checks the query and returns the reader; nothing is sent until it is polled.
    pub fn stream(self) -> Result<LogReader> {
        let first = self.first_request()?;
        if self.follow.is_some() && !first.is_polling() {
            return Err(Error::InvalidInput(
                "following the System Log needs a polling read: no until, ascending order".into(),
            ));
        }
        if self.follow == Some(Duration::ZERO) {
            return Err(Error::InvalidInput(
                "the follow interval must be longer than zero".into(),
            ));
        }
        let pager = Pager::new(self.client.org_url(), first)?;
        Ok(LogReader::new(self.client, pager, self.follow))
    }

    /// Checks the query and returns a bounded read as raw pages ([`LogPages`]): for a reader
    /// that parses the events its own way. A polling read (no `until`, ascending) is refused.
    pub(crate) fn pages(self) -> Result<LogPages> {
        if self.follow.is_some() {
            return Err(Error::InvalidInput(
                "following the System Log needs a polling read, which raw pages are not".into(),
            ));
        }
        let pager = Pager::new(self.client.org_url(), self.first_request()?)?;
        LogPages::new(self.client, pager)
    }

    fn first_request(&self) -> Result<PageRequest> {
        if let Some(limit) = self.limit
            && !(1..=MAX_LIMIT).contains(&limit)
        {
            return Err(Error::InvalidInput(format!(
                "the System Log limit is {limit}; it must be 1 to {MAX_LIMIT}"
            )));
        }
        if let (Some(since), Some(until)) = (self.since, self.until)
            && since >= until
        {
            // Equal is an empty window: nothing to ask Okta for.
            return Err(Error::InvalidInput(format!(
                "since ({}) is not before until ({}): the window is empty",
                time(since),
                time(until)
            )));
        }
        let types = if self.event_types.is_empty() {
            None
        } else {
            Some(event_type_filter(&self.event_types)?)
        };
        if self.filter.as_deref().is_some_and(|f| f.trim().is_empty()) {
            return Err(Error::InvalidInput("the filter is empty".into()));
        }
        let filter = match (types, self.filter.as_deref()) {
            (None, filter) => filter.map(str::to_owned),
            (Some(types), None) => Some(types),
            (Some(types), Some(filter)) => {
                let types = if self.event_types.len() > 1 {
                    format!("({types})")
                } else {
                    types
                };
                Some(format!("{types} and ({filter})"))
            }
        };
        check_length("filter", filter.as_deref())?;
        if self.q.as_deref().is_some_and(|q| q.trim().is_empty()) {
            return Err(Error::InvalidInput("the keywords (q) are empty".into()));
        }
        check_length("q", self.q.as_deref())?;
        Ok(PageRequest {
            since: self.since.map(time),
            until: self.until.map(time),
            after: None,
            filter,
            q: self.q.clone(),
            limit: self.limit,
            sort_order: self.sort_order.clone(),
        })
    }
}

/// The filter matching events of any of `types`: `eventType eq "a" or eventType eq "b"`. Each
/// type is written as a SCIM string literal (a JSON string: `"` and `\` escaped), so that no
/// type can change the expression. Empty types are refused.
///
/// ```
/// use okta_eventhooks::logs::event_type_filter;
/// assert_eq!(
///     event_type_filter(["user.session.start", "event_hook.delivery"])?,
///     r#"eventType eq "user.session.start" or eventType eq "event_hook.delivery""#
/// );
/// # Ok::<(), okta_eventhooks::Error>(())
/// ```
pub fn event_type_filter<I, S>(types: I) -> Result<String>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut terms = Vec::new();
    for event_type in types {
        let event_type = event_type.as_ref().trim();
        if event_type.is_empty() {
            return Err(Error::InvalidInput("an event type is empty".into()));
        }
        let literal = serde_json::to_string(event_type)
            .map_err(|e| Error::InvalidInput(format!("event type {event_type:?}: {e}")))?;
        terms.push(format!("eventType eq {literal}"));
    }
    if terms.is_empty() {
        return Err(Error::InvalidInput("no event type given".into()));
    }
    let filter = terms.join(" or ");
    check_length("filter", Some(&filter))?;
    Ok(filter)
}

fn check_length(name: &str, value: Option<&str>) -> Result<()> {
    match value {
        Some(value) if value.len() > MAX_QUERY_BYTES => Err(Error::InvalidInput(format!(
            "the System Log {name} is {} bytes long; at most {MAX_QUERY_BYTES} are accepted",
            value.len()
        ))),
        _ => Ok(()),
    }
}

/// Okta's own form of a time: RFC 3339 in UTC with milliseconds.
fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client() -> Client {
        Client::builder()
            .org_url("https://acme.okta.com")
            .api_token("t")
            .build()
            .unwrap()
    }

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn the_first_request_carries_every_setting() {
        let request = client()
            .logs()
            .since(at("2026-11-26T13:00:00Z"))
            .until(at("2026-11-26T14:00:00.5Z"))
            .filter(r#"outcome.result eq "FAILURE""#)
            .q("bob")
            .limit(1000)
            .sort_order(LogSortOrder::Descending)
            .first_request()
            .unwrap();
        assert_eq!(request.since.as_deref(), Some("2026-11-26T13:00:00.000Z"));
        assert_eq!(request.until.as_deref(), Some("2026-11-26T14:00:00.500Z"));
        assert_eq!(
            request.filter.as_deref(),
            Some(r#"outcome.result eq "FAILURE""#)
        );
        assert_eq!(request.q.as_deref(), Some("bob"));
        assert_eq!(request.limit, Some(1000));
        assert_eq!(request.sort_order, Some(LogSortOrder::Descending));
        assert_eq!(request.after, None);
    }

    #[test]
    fn event_types_are_quoted_joined_by_or_and_combined_with_the_filter_by_and() {
        let filter = |q: LogQuery| q.first_request().unwrap().filter.unwrap();
        assert_eq!(
            filter(client().logs().event_types(["a.b"])),
            r#"eventType eq "a.b""#
        );
        assert_eq!(
            filter(client().logs().event_types(["a.b"]).filter("x pr")),
            r#"eventType eq "a.b" and (x pr)"#
        );
        assert_eq!(
            filter(
                client()
                    .logs()
                    .event_types(["a.b"])
                    .event_types(["c\"d\\e"])
                    .filter(r#"y eq "1" or z eq "2""#)
            ),
            r#"(eventType eq "a.b" or eventType eq "c\"d\\e") and (y eq "1" or z eq "2")"#
        );
    }

    #[test]
    fn out_of_range_and_contradictory_settings_are_refused_before_sending() {
        let refused = |q: LogQuery| {
            let err = q.stream().unwrap_err();
            assert!(matches!(err, Error::InvalidInput(_)), "{err}");
            err.to_string()
        };
        assert!(refused(client().logs().limit(0)).contains("1 to 1000"));
        assert!(refused(client().logs().limit(1001)).contains("1 to 1000"));
        assert!(
            refused(
                client()
                    .logs()
                    .since(at("2026-11-26T14:00:00Z"))
                    .until(at("2026-11-26T13:00:00Z"))
            )
            .contains("is not before until")
        );
        // Equal is an empty window (issue 20 item 9): refused too, not sent.
        let at_once = at("2026-11-26T13:00:00Z");
        assert!(
            refused(client().logs().since(at_once).until(at_once)).contains("the window is empty")
        );
        assert!(refused(client().logs().filter(" ")).contains("empty"));
        assert!(refused(client().logs().q("")).contains("empty"));
        assert!(refused(client().logs().event_types([""])).contains("empty"));
        let long = "a".repeat(MAX_QUERY_BYTES + 1);
        assert!(refused(client().logs().filter(long.clone())).contains("bytes"));
        assert!(refused(client().logs().q(long)).contains("bytes"));
        let many: Vec<String> = (0..400).map(|i| format!("type.number.{i}")).collect();
        assert!(refused(client().logs().event_types(many)).contains("bytes"));
        assert!(
            refused(
                client()
                    .logs()
                    .until(Utc::now())
                    .follow(Duration::from_secs(1))
            )
            .contains("polling")
        );
        assert!(
            refused(
                client()
                    .logs()
                    .sort_order(LogSortOrder::Descending)
                    .follow(Duration::from_secs(1))
            )
            .contains("polling")
        );
        assert!(refused(client().logs().follow(Duration::ZERO)).contains("zero"));
    }
}
