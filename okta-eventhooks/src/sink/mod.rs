//! A sink: where a hook's deliveries are kept, with both halves of the job.
//!
//! - **Store** ([`Sink::store`]): a receiver awaits it inside Okta's request and answers 200
//!   only once it returned, so an event is acknowledged only when it is durable (Okta never
//!   replays an acknowledged delivery). A repeat of an event (same `uuid`: Okta's retry, a
//!   re-batch, two replicas) is kept once.
//! - **Read back** ([`Sink::stored_uuids`]): which events it holds over a window, for
//!   [`reconcile::run`](crate::reconcile::run) to compare with Okta's System Log.
//! - **Put in what is missing** ([`Sink::replay`]), marked as replayed, after checking that
//!   writes land where reads come from ([`Sink::check_target`]).
//!
//! A new kind of store (a database, a queue) is one type implementing this trait; every
//! receiver, relay and reconciliation then works with it. Reading the events back in order,
//! for a consumer, is the second trait, [`DurableReader`]. Its errors are
//! [`Error::Sink`](crate::Error::Sink), sorted into a [`SinkErrorKind`](crate::SinkErrorKind),
//! and must not contain a secret.

mod incoming;
mod reader;

use std::collections::HashSet;
use std::future::Future;
use std::pin::Pin;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::error::Result;
use crate::events::LogEvent;
use crate::types::EventHook;

pub use incoming::{Incoming, RawEvent};
pub use reader::{DurableReader, Read, ReadEvent, Settle};

/// The future every [`Sink`] method returns.
pub type SinkFuture<'a, T = ()> = Pin<Box<dyn Future<Output = Result<T>> + Send + 'a>>;

/// Where a hook's deliveries are kept; see the [module docs](self).
pub trait Sink: Send + Sync + 'static {
    /// Stores every event of `incoming` and returns once they are durable; an event whose
    /// `uuid` is already stored is not stored again. The future may be dropped (a receiver's
    /// deadline): what it already stored must then be safe to store again, since Okta's retry
    /// sends the same events.
    fn store(&self, incoming: Incoming) -> SinkFuture<'_>;

    /// The `uuid`s of the stored events that can have been published from `since` until
    /// `until` (a sink may read a margin around the window: clocks disagree, and storing
    /// follows publishing). An error when what the sink holds cannot tell what was delivered
    /// (it deletes what was read, or keeps less than the window).
    fn stored_uuids(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> SinkFuture<'_, HashSet<String>>;

    /// Checks, before anything is [replayed](Self::replay), that what is written lands where
    /// [`stored_uuids`](Self::stored_uuids) reads.
    fn check_target(&self) -> SinkFuture<'_>;

    /// Puts `events` in, marked as replayed (there was no delivery), as the hook `to.hook`
    /// would have delivered them. Replaying an event the sink already has stores it once.
    fn replay<'a>(&'a self, to: ReplayTo<'a>, events: &'a [LogEvent]) -> SinkFuture<'a, Replayed>;

    /// Whether the sink can store right now (its connection is up). A receiver's readiness
    /// (`/readyz`) and its `sink_connected` metric read it; it must be cheap (no call out).
    /// A sink without a connection to lose keeps the default, always connected.
    fn connected(&self) -> bool {
        true
    }

    /// What happened to the events given to [`store`](Self::store) so far, when the sink
    /// tells them apart; `None` (the default) lets a receiver count every event of a stored
    /// delivery as stored. Read at each metrics scrape, so it must be cheap (atomics).
    fn event_counts(&self) -> Option<EventCounts> {
        None
    }

    /// Where it stores, for a start-up line (never a credential). The default names no place.
    fn describe(&self) -> SinkDescription {
        SinkDescription::new("a sink")
    }

    /// Hands over what the sink still buffers, once nothing is stored any more (a relay's
    /// drain). Everything [`store`](Self::store) answered for is already durable; this only
    /// tidies up. The default has nothing to flush.
    fn flush(&self) -> SinkFuture<'_> {
        Box::pin(async { Ok(()) })
    }
}

/// A shared sink is a sink: a relay hands one to its receiver and keeps it for its counts.
impl<S: Sink + ?Sized> Sink for std::sync::Arc<S> {
    fn store(&self, incoming: Incoming) -> SinkFuture<'_> {
        (**self).store(incoming)
    }

    fn stored_uuids(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> SinkFuture<'_, HashSet<String>> {
        (**self).stored_uuids(since, until)
    }

    fn check_target(&self) -> SinkFuture<'_> {
        (**self).check_target()
    }

    fn replay<'a>(&'a self, to: ReplayTo<'a>, events: &'a [LogEvent]) -> SinkFuture<'a, Replayed> {
        (**self).replay(to, events)
    }

    fn connected(&self) -> bool {
        (**self).connected()
    }

    fn event_counts(&self) -> Option<EventCounts> {
        (**self).event_counts()
    }

    fn describe(&self) -> SinkDescription {
        (**self).describe()
    }

    fn flush(&self) -> SinkFuture<'_> {
        (**self).flush()
    }
}

/// Where a sink stores, as one line of text and as named fields (for JSON output), in the
/// same order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SinkDescription {
    /// E.g. `SQLite file okta-events.db, table okta_events`.
    pub text: String,
    /// E.g. `database` and `table`, with their values.
    pub fields: Vec<(&'static str, String)>,
}

impl SinkDescription {
    /// A description with this text and no fields yet.
    pub fn new(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            fields: Vec::new(),
        }
    }

    /// Adds a named field.
    pub fn field(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.fields.push((name, value.into()));
        self
    }
}

/// What a sink did with the events it was given (see [`Sink::event_counts`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct EventCounts {
    /// Events stored as new.
    pub stored: u64,
    /// Events the sink already held (same `uuid`), not stored again.
    pub duplicate: u64,
    /// Events stored apart as invalid (a type or `uuid` the sink cannot key by).
    pub invalid: u64,
}

impl EventCounts {
    /// Counts of `stored` new, `duplicate` and `invalid` events.
    pub fn new(stored: u64, duplicate: u64, invalid: u64) -> Self {
        Self {
            stored,
            duplicate,
            invalid,
        }
    }
}

/// Whose events a [`Sink::replay`] puts in.
#[derive(Clone, Copy, Debug)]
pub struct ReplayTo<'a> {
    /// The hook that should have delivered them (its id, and for a sink that POSTs to the
    /// hook, its channel).
    pub hook: &'a EventHook,
    /// The org's URL, e.g. `https://acme.okta.com`.
    pub org_url: &'a str,
}

/// What a [`Sink::replay`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Replayed {
    /// Events put into the sink now.
    pub replayed: usize,
    /// Events the sink already had (a replay that ran before).
    pub already_stored: usize,
}

impl Replayed {
    /// Counts of `replayed` new and `already_stored` known events.
    pub fn new(replayed: usize, already_stored: usize) -> Self {
        Self {
            replayed,
            already_stored,
        }
    }
}
