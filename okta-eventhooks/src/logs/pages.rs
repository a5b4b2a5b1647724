//! [`LogPages`]: a bounded System Log read as raw pages, each body as Okta sent it, for a
//! reader that parses only what it needs ([`crate::reconcile`]) and parses one page while the
//! next is on its way. Requests go through the same transport as every call (rate-limit
//! waits and pacing, retries, the size limit, the deadline per page) and follow the same
//! [`Pager`] rules as [`LogReader`](super::LogReader).

use bytes::Bytes;
use http::header::LINK;
use progenitor_client::ResponseValue;

use super::pager::{PageRequest, Pager};
use crate::client::{Client, LIST_LOG_EVENTS};
use crate::error::{Error, Result};
use crate::events::LogEvent;
use crate::transport::take_response_body;

/// Sends one page request through the transport; the answer keeps its headers (the `Link`
/// header pages).
pub(super) async fn send(
    client: &Client,
    request: &PageRequest,
) -> Result<ResponseValue<Vec<LogEvent>>> {
    let limit = request.limit.map(|l| l as i32);
    client
        .call_with_headers(LIST_LOG_EVENTS, |api| {
            api.list_log_events(
                request.after.as_deref(),
                request.filter.as_deref(),
                limit,
                request.q.as_deref(),
                request.since.as_deref(),
                request.sort_order.as_ref(),
                request.until.as_deref(),
            )
        })
        .await
}

/// A page's `Link` header lines and `X-Okta-Request-Id`.
pub(super) fn links_of(headers: &http::HeaderMap) -> (Vec<String>, Option<String>) {
    let links = headers
        .get_all(LINK)
        .iter()
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .collect();
    let request_id = headers
        .get("x-okta-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    (links, request_id)
}

/// One page as Okta sent it.
#[derive(Debug)]
pub(crate) struct RawPage {
    /// The body: a JSON array of events, not yet parsed.
    pub(crate) body: Bytes,
    /// Its `X-Okta-Request-Id`, for the errors of whoever parses it.
    pub(crate) request_id: Option<String>,
}

/// A bounded read (with `until`, or descending) page by page, bodies unparsed; see the
/// [module docs](self). A polling read is refused: whether it has caught up depends on how
/// many events a page holds, which only parsing tells.
#[derive(Debug)]
pub(crate) struct LogPages {
    client: Client,
    pager: Pager,
    /// An error ended the read.
    failed: bool,
}

impl LogPages {
    pub(super) fn new(client: Client, pager: Pager) -> Result<Self> {
        if pager.is_polling() {
            return Err(Error::InvalidInput(
                "reading the System Log as raw pages needs a bounded read (until, or descending order)"
                    .into(),
            ));
        }
        Ok(Self {
            client,
            pager,
            failed: false,
        })
    }

    /// The next page, once its `next` link is followed (so the page after it can be asked for
    /// at once); `None` after the last page. An error ends the read.
    pub(crate) async fn next(&mut self) -> Result<Option<RawPage>> {
        let Some(request) = self.pager.next_request().filter(|_| !self.failed).cloned() else {
            return Ok(None);
        };
        let (response, body) = take_response_body(b"[]", send(&self.client, &request)).await;
        let response = response.inspect_err(|_| self.end())?;
        let (links, request_id) = links_of(response.headers());
        let body = body.unwrap_or_default();
        // A bounded read only asks whether a page was empty (it then ends): no need to count
        // the events, which only parsing the page would tell.
        let events = usize::from(!is_empty_array(&body));
        self.pager
            .advance(
                events,
                links.iter().map(String::as_str),
                request_id.as_deref(),
            )
            .inspect_err(|_| self.end())?;
        Ok(Some(RawPage { body, request_id }))
    }

    fn end(&mut self) {
        self.failed = true;
    }
}

/// Whether a body is an empty JSON array (`[]`, any whitespace, nothing after). Anything else
/// counts as holding events: a body that is not one array fails when it is parsed.
fn is_empty_array(body: &[u8]) -> bool {
    let mut bytes = body
        .iter()
        .filter(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'));
    bytes.next() == Some(&b'[') && bytes.next() == Some(&b']') && bytes.next().is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_empty_array_is_empty() {
        for body in ["[]", " [ \n ] ", "[]\n"] {
            assert!(is_empty_array(body.as_bytes()), "{body}");
        }
        for body in [
            "",
            "[{}]",
            "[ {\"a\":1} ]",
            "{}",
            "null",
            "[",
            "[]]",
            "[] x",
        ] {
            assert!(!is_empty_array(body.as_bytes()), "{body}");
        }
    }
}
