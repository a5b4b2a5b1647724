//! Where a System Log read stands between pages: the next request, taken from the `Link`
//! `rel="next"` of each answer, and the checks that keep following it safe and finite.
//!
//! Pure (no I/O), so that every rule is unit-tested: a `next` link must stay on the org's
//! origin and path (the next request carries the credential); a cursor must move on after a
//! page of events, and never go back to one already read (the events would come again, for
//! ever); in a polling read, a page shorter than its limit means "caught up".

use std::collections::VecDeque;

use url::Url;

use super::{DEFAULT_LIMIT, LOGS_PATH, MAX_LIMIT};
use crate::error::{Error, Result};
use crate::open_enums::LogSortOrder;
use crate::redact;

/// How many requests that returned events are remembered for the "never go back" check.
const RECENT: usize = 32;

/// The query of one page request, as the generated operation takes it. Time bounds are kept
/// as text: a `next` link's values are Okta's and are sent back unchanged.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct PageRequest {
    pub(super) since: Option<String>,
    pub(super) until: Option<String>,
    pub(super) after: Option<String>,
    pub(super) filter: Option<String>,
    pub(super) q: Option<String>,
    pub(super) limit: Option<u32>,
    pub(super) sort_order: Option<LogSortOrder>,
}

impl PageRequest {
    /// Okta's two kinds of request: polling (no `until`, ascending) always gets a `next` link;
    /// any other is bounded and ends when none comes back.
    pub(super) fn is_polling(&self) -> bool {
        self.until.is_none() && self.sort_order != Some(LogSortOrder::Descending)
    }

    /// The page size in effect: the one asked for, or Okta's default.
    fn limit_in_effect(&self) -> u32 {
        self.limit.unwrap_or(DEFAULT_LIMIT)
    }

    /// The query of a `next` link. Parameters the operation does not have are left out (and
    /// logged); a limit outside 1..=1000 is brought back into it, so that no page is larger.
    fn from_link(url: &Url) -> std::result::Result<Self, String> {
        let mut request = PageRequest::default();
        for (name, value) in url.query_pairs() {
            let value = value.into_owned();
            let slot = match name.as_ref() {
                "since" => &mut request.since,
                "until" => &mut request.until,
                "after" => &mut request.after,
                "filter" => &mut request.filter,
                "q" => &mut request.q,
                "limit" => {
                    let limit: i64 = value
                        .trim()
                        .parse()
                        .map_err(|_| format!("its limit {value:?} is not a number"))?;
                    if request.limit.is_none() {
                        request.limit = Some(limit.clamp(1, i64::from(MAX_LIMIT)) as u32);
                    }
                    continue;
                }
                "sortOrder" => {
                    if request.sort_order.is_none() {
                        let Ok(order) = value.parse();
                        request.sort_order = Some(order);
                    }
                    continue;
                }
                other => {
                    tracing::debug!(
                        parameter = other,
                        "a next link has a parameter the operation does not know; left out"
                    );
                    continue;
                }
            };
            // A parameter given twice: the first counts.
            slot.get_or_insert(value);
        }
        Ok(request)
    }
}

/// The paging state of one read.
#[derive(Debug)]
pub(super) struct Pager {
    /// `{org}/api/v1/logs`: relative links resolve against it, absolute ones must match it.
    endpoint: Url,
    polling: bool,
    /// The request to send next; `None` once the read has ended.
    next: Option<PageRequest>,
    /// Requests that returned events, most recent last.
    recent: VecDeque<PageRequest>,
    caught_up: bool,
}

impl Pager {
    /// A read starting with `first`, against the org at `org_url` (normalised: scheme and host).
    pub(super) fn new(org_url: &str, first: PageRequest) -> Result<Self> {
        let endpoint = Url::parse(&format!("{org_url}{LOGS_PATH}"))
            .map_err(|e| Error::Config(format!("the org URL cannot hold a path: {e}")))?;
        Ok(Self {
            endpoint,
            polling: first.is_polling(),
            next: Some(first),
            recent: VecDeque::new(),
            caught_up: false,
        })
    }

    /// The request to send next; `None` once the read has ended.
    pub(super) fn next_request(&self) -> Option<&PageRequest> {
        self.next.as_ref()
    }

    /// Whether this is a polling read (no `until`, ascending).
    pub(super) fn is_polling(&self) -> bool {
        self.polling
    }

    /// Whether the last page of a polling read reached what Okta has persisted so far.
    pub(super) fn is_caught_up(&self) -> bool {
        self.caught_up
    }

    /// Records the answer to [`next_request`](Self::next_request): how many events it had and
    /// its `Link` header lines. On an error the read has ended.
    pub(super) fn advance<'a>(
        &mut self,
        events: usize,
        links: impl IntoIterator<Item = &'a str>,
        request_id: Option<&str>,
    ) -> Result<()> {
        let Some(sent) = self.next.take() else {
            return Ok(());
        };
        let refuse = |message: String| Error::Paging {
            message,
            request_id: request_id.map(str::to_owned),
        };
        self.caught_up = self.polling && events < sent.limit_in_effect() as usize;
        if events == 0 && !self.polling {
            // A bounded read ends at an empty page, whatever link comes with it: a System Log
            // that answers empty pages with a new `next` link for ever would otherwise keep the
            // read going for ever. (A polling read counts an empty page as caught up, above.)
            return Ok(());
        }
        let Some(target) = super::link::next_target(links).map_err(refuse)? else {
            // Bounded: the last page. Polling: Okta always links onwards; without a link the
            // read cannot go on, so it ends here too.
            self.caught_up = false;
            return Ok(());
        };
        let url = self.follow(&target).map_err(refuse)?;
        let next = PageRequest::from_link(&url).map_err(|why| {
            refuse(format!(
                "the next link {} is malformed: {why}",
                shown(url.as_str())
            ))
        })?;
        if self.recent.contains(&next) {
            return Err(refuse(format!(
                "the next link {} goes back to a page already read; following it would repeat events",
                shown(url.as_str())
            )));
        }
        if next == sent {
            // An empty polling page linking to itself is how Okta says "nothing new yet".
            if events > 0 || !self.polling {
                return Err(refuse(format!(
                    "the next link {} repeats the cursor just read; following it would {}",
                    shown(url.as_str()),
                    if events > 0 {
                        "repeat its events"
                    } else {
                        "never end"
                    }
                )));
            }
        } else if events > 0 {
            if self.recent.len() == RECENT {
                self.recent.pop_front();
            }
            self.recent.push_back(sent);
        }
        self.next = Some(next);
        Ok(())
    }

    /// Resolves a link target and checks that it stays on the org's System Log endpoint.
    fn follow(&self, target: &str) -> std::result::Result<Url, String> {
        let url = self
            .endpoint
            .join(target)
            .map_err(|e| format!("the next link {} is not a URL: {e}", shown(target)))?;
        if url.origin() != self.endpoint.origin() {
            return Err(format!(
                "the next link {} points to another host than the org ({}); it is not followed, as the request would carry the credential there",
                shown(url.as_str()),
                self.endpoint.origin().ascii_serialization()
            ));
        }
        if url.path() != self.endpoint.path() {
            return Err(format!(
                "the next link {} points to another path than {LOGS_PATH}",
                shown(url.as_str())
            ));
        }
        Ok(url)
    }
}

/// A URL from the server, for a message: without userinfo, and cut to a readable length.
fn shown(url: &str) -> String {
    let text: String = redact::text(url).chars().take(300).collect();
    format!("{text:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORG: &str = "https://acme.okta.com";

    fn polling() -> Pager {
        Pager::new(
            ORG,
            PageRequest {
                since: Some("2026-11-26T13:00:00.000Z".into()),
                limit: Some(2),
                ..PageRequest::default()
            },
        )
        .unwrap()
    }

    fn bounded() -> Pager {
        Pager::new(
            ORG,
            PageRequest {
                until: Some("2026-11-26T14:00:00.000Z".into()),
                limit: Some(2),
                ..PageRequest::default()
            },
        )
        .unwrap()
    }

    fn next_link(url: &str) -> String {
        format!(r#"<{url}>; rel="next""#)
    }

    fn after(pager: &Pager) -> Option<&str> {
        pager.next_request()?.after.as_deref()
    }

    #[test]
    fn the_kind_of_request_follows_until_and_sort_order() {
        assert!(polling().is_polling());
        assert!(!bounded().is_polling());
        let descending = PageRequest {
            sort_order: Some(LogSortOrder::Descending),
            ..PageRequest::default()
        };
        assert!(!descending.is_polling());
    }

    #[test]
    fn next_links_are_followed_with_their_query() {
        let mut p = bounded();
        let link = next_link(
            "https://acme.okta.com/api/v1/logs?until=2026-11-26T14%3A00%3A00.000Z&limit=2&after=c1&filter=eventType+eq+%22a%22&sortOrder=ASCENDING&q=x&since=s&extra=1",
        );
        p.advance(2, [link.as_str()], None).unwrap();
        let next = p.next_request().unwrap();
        assert_eq!(next.after.as_deref(), Some("c1"));
        assert_eq!(next.until.as_deref(), Some("2026-11-26T14:00:00.000Z"));
        assert_eq!(next.filter.as_deref(), Some("eventType eq \"a\""));
        assert_eq!(next.q.as_deref(), Some("x"));
        assert_eq!(next.since.as_deref(), Some("s"));
        assert_eq!(next.limit, Some(2));
        assert_eq!(next.sort_order, Some(LogSortOrder::Ascending));
        // Relative links resolve against the endpoint.
        p.advance(2, [r#"</api/v1/logs?after=c2>; rel="next""#], None)
            .unwrap();
        assert_eq!(after(&p), Some("c2"));
        p.advance(2, [r#"<?after=c3&limit=5000>; rel="next""#], None)
            .unwrap();
        assert_eq!(after(&p), Some("c3"));
        assert_eq!(p.next_request().unwrap().limit, Some(MAX_LIMIT));
        // No next link: a bounded read ends.
        p.advance(
            1,
            [r#"<https://acme.okta.com/api/v1/logs>; rel="self""#],
            None,
        )
        .unwrap();
        assert!(p.next_request().is_none());
        assert!(!p.is_caught_up());
    }

    #[test]
    fn another_host_port_scheme_or_path_is_refused() {
        for target in [
            "https://evil.example.com/api/v1/logs?after=c1",
            "https://acme.okta.com:8443/api/v1/logs?after=c1",
            "http://acme.okta.com/api/v1/logs?after=c1",
            "https://acme.okta.com.evil.example/api/v1/logs?after=c1",
            "//evil.example.com/api/v1/logs?after=c1",
            "https://acme.okta.com/api/v1/users?after=c1",
        ] {
            let mut p = polling();
            let err = p
                .advance(2, [next_link(target).as_str()], Some("req1"))
                .unwrap_err();
            assert!(matches!(err, Error::Paging { .. }), "{target}: {err}");
            assert_eq!(err.request_id(), Some("req1"));
            assert!(p.next_request().is_none(), "{target}: the read ends");
        }
        let mut p = polling();
        let err = p
            .advance(
                2,
                [next_link("https://u:S3cret@evil.example.com/api/v1/logs").as_str()],
                None,
            )
            .unwrap_err();
        assert!(!err.to_string().contains("S3cret"), "{err}");
        assert!(err.to_string().contains("another host"), "{err}");
    }

    #[test]
    fn a_cursor_that_does_not_move_on_after_events_is_refused() {
        let mut p = bounded();
        let here =
            "https://acme.okta.com/api/v1/logs?until=2026-11-26T14%3A00%3A00.000Z&limit=2&after=c1";
        p.advance(2, [next_link(here).as_str()], None).unwrap();
        let err = p.advance(2, [next_link(here).as_str()], None).unwrap_err();
        assert!(err.to_string().contains("repeat its events"), "{err}");
        assert!(p.next_request().is_none());

        // Going back to any page already read is refused too.
        let mut p = polling();
        let link = |c: &str| next_link(&format!("{ORG}/api/v1/logs?limit=2&after={c}"));
        p.advance(2, [link("a").as_str()], None).unwrap();
        p.advance(2, [link("b").as_str()], None).unwrap();
        let err = p.advance(2, [link("a").as_str()], None).unwrap_err();
        assert!(err.to_string().contains("already read"), "{err}");
    }

    #[test]
    fn polling_an_empty_page_that_links_to_itself_is_caught_up_not_an_error() {
        let mut p = polling();
        let link = |c: &str| next_link(&format!("{ORG}/api/v1/logs?limit=2&after={c}"));
        p.advance(2, [link("a").as_str()], None).unwrap();
        assert!(!p.is_caught_up(), "a full page");
        p.advance(1, [link("b").as_str()], None).unwrap();
        assert!(p.is_caught_up(), "a short page");
        for _ in 0..3 {
            p.advance(0, [link("b").as_str()], None).unwrap();
            assert!(p.is_caught_up());
            assert_eq!(after(&p), Some("b"));
        }
        p.advance(2, [link("c").as_str()], None).unwrap();
        assert!(!p.is_caught_up());
    }

    #[test]
    fn a_bounded_read_ends_at_an_empty_page_whatever_its_link() {
        for link in [
            "https://acme.okta.com/api/v1/logs?until=2026-11-26T14%3A00%3A00.000Z&limit=2",
            "https://acme.okta.com/api/v1/logs?until=2026-11-26T14%3A00%3A00.000Z&limit=2&after=new",
        ] {
            let mut p = bounded();
            p.advance(0, [next_link(link).as_str()], None).unwrap();
            assert!(p.next_request().is_none(), "{link}");
            assert!(!p.is_caught_up());
        }
    }

    #[test]
    fn a_polling_read_counts_an_empty_page_with_a_new_link_as_caught_up() {
        let mut p = polling();
        let link = |c: &str| next_link(&format!("{ORG}/api/v1/logs?limit=2&after={c}"));
        p.advance(2, [link("a").as_str()], None).unwrap();
        p.advance(0, [link("b").as_str()], None).unwrap();
        assert!(p.is_caught_up());
        assert_eq!(after(&p), Some("b"));
    }

    #[test]
    fn caught_up_compares_with_the_default_limit_when_none_was_asked_for() {
        let mut p = Pager::new(ORG, PageRequest::default()).unwrap();
        let link = next_link(&format!("{ORG}/api/v1/logs?after=a"));
        p.advance(99, [link.as_str()], None).unwrap();
        assert!(p.is_caught_up());
        let link = next_link(&format!("{ORG}/api/v1/logs?after=b"));
        p.advance(100, [link.as_str()], None).unwrap();
        assert!(!p.is_caught_up());
    }

    #[test]
    fn malformed_links_end_the_read_with_an_error() {
        for links in [
            vec!["<https://acme.okta.com/api/v1/logs?after=a; rel=\"next\""],
            vec![r#"<https://acme.okta.com/api/v1/logs?limit=many>; rel="next""#],
            vec![r#"<http://[::1>; rel="next""#],
        ] {
            let mut p = polling();
            let err = p.advance(1, links.iter().copied(), None).unwrap_err();
            assert!(matches!(err, Error::Paging { .. }), "{links:?}: {err}");
        }
    }
}
