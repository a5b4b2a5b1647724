//! [`LogReader`]: the System Log as a stream of events, one page request at a time.

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_core::Stream;

use super::pager::{PageRequest, Pager};
use crate::client::Client;
use crate::error::{Error, Result};
use crate::events::LogEvent;

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// The events of a System Log query, page by page ([`LogQuery::stream`](super::LogQuery::stream)).
///
/// A [`Stream`] of `Result<LogEvent>`:
/// - a bounded read ends after its last page ([`is_finished`](Self::is_finished));
/// - a polling read returns `None` once [caught up](Self::is_caught_up), and goes on from there
///   when polled again (later: Okta only has what it persisted since); with
///   [`follow`](super::LogQuery::follow) it waits by itself instead and never ends;
/// - an error ends the read: the stream yields it, then `None` for good. Events of a page
///   whose `next` link is refused are yielded before the error.
///
/// Pages are requested only while the stream is polled, one at a time; at most one page of
/// events (at most [`MAX_LIMIT`](super::MAX_LIMIT)) is held.
pub struct LogReader {
    client: Client,
    pager: Pager,
    follow: Option<Duration>,
    /// Events of the last page not yet handed out.
    buffer: VecDeque<LogEvent>,
    state: State,
    /// The paging error to yield once the events before it are handed out.
    failure: Option<Error>,
    /// Set by a caught-up page: pause (return `None`, or wait in follow mode) before the next.
    pause_due: bool,
    pages: u64,
}

enum State {
    Idle,
    Fetching(BoxFuture<Result<Page>>),
    Waiting(BoxFuture<()>),
    Finished,
}

/// What one page request brought.
struct Page {
    events: Vec<LogEvent>,
    links: Vec<String>,
    request_id: Option<String>,
}

impl LogReader {
    pub(super) fn new(client: Client, pager: Pager, follow: Option<Duration>) -> Self {
        Self {
            client,
            pager,
            follow,
            buffer: VecDeque::new(),
            state: State::Idle,
            failure: None,
            pause_due: false,
            pages: 0,
        }
    }

    /// Whether the last page of a polling read reached what Okta had persisted (it was shorter
    /// than its limit). The stream then returns `None`; poll it again later to read what came
    /// since.
    pub fn is_caught_up(&self) -> bool {
        self.pager.is_caught_up() && !matches!(self.state, State::Finished)
    }

    /// Whether the read is over: a bounded read's last page was read, or an error ended it.
    pub fn is_finished(&self) -> bool {
        matches!(self.state, State::Finished)
    }

    /// Whether this is a polling read (no `until`, ascending), which Okta never ends.
    pub fn is_polling(&self) -> bool {
        self.pager.is_polling()
    }

    /// How many pages were received so far.
    pub fn pages(&self) -> u64 {
        self.pages
    }

    fn fetch(&self, request: PageRequest) -> BoxFuture<Result<Page>> {
        let client = self.client.clone();
        Box::pin(async move {
            let response = super::pages::send(&client, &request).await?;
            let (links, request_id) = super::pages::links_of(response.headers());
            Ok(Page {
                events: response.into_inner(),
                links,
                request_id,
            })
        })
    }

    fn wait(&self, interval: Duration) -> BoxFuture<()> {
        let sleep = self.client.sleep();
        Box::pin(async move { sleep.sleep(interval).await })
    }

    fn received(&mut self, page: Page) {
        self.pages += 1;
        let outcome = self.pager.advance(
            page.events.len(),
            page.links.iter().map(String::as_str),
            page.request_id.as_deref(),
        );
        self.buffer.extend(page.events);
        match outcome {
            Ok(()) => self.pause_due = self.pager.is_caught_up(),
            Err(e) => self.failure = Some(e),
        }
    }
}

impl Stream for LogReader {
    type Item = Result<LogEvent>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if let Some(event) = this.buffer.pop_front() {
                return Poll::Ready(Some(Ok(event)));
            }
            match &mut this.state {
                State::Finished => return Poll::Ready(None),
                State::Fetching(page) => {
                    let outcome = std::task::ready!(page.as_mut().poll(cx));
                    this.state = State::Idle;
                    match outcome {
                        Ok(page) => this.received(page),
                        Err(e) => {
                            this.state = State::Finished;
                            return Poll::Ready(Some(Err(e)));
                        }
                    }
                }
                State::Waiting(wait) => {
                    std::task::ready!(wait.as_mut().poll(cx));
                    this.state = State::Idle;
                }
                State::Idle => {
                    if let Some(e) = this.failure.take() {
                        this.state = State::Finished;
                        return Poll::Ready(Some(Err(e)));
                    }
                    let Some(request) = this.pager.next_request().cloned() else {
                        this.state = State::Finished;
                        return Poll::Ready(None);
                    };
                    if std::mem::take(&mut this.pause_due) {
                        match this.follow {
                            Some(interval) => {
                                this.state = State::Waiting(this.wait(interval));
                                continue;
                            }
                            // Caught up: the caller decides when to ask again.
                            None => return Poll::Ready(None),
                        }
                    }
                    this.state = State::Fetching(this.fetch(request));
                }
            }
        }
    }
}

impl fmt::Debug for LogReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LogReader")
            .field("polling", &self.is_polling())
            .field("caught_up", &self.is_caught_up())
            .field("finished", &self.is_finished())
            .field("pages", &self.pages)
            .field("buffered", &self.buffer.len())
            .finish_non_exhaustive()
    }
}
