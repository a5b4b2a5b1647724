//! A ready-made receiver for the hooks Okta calls.
//!
//! [`Receiver::builder`] gives an [axum] [`Router`] that
//! - answers Okta's one-time verification GET with `{"verification": "<challenge>"}`,
//! - checks the shared auth header (`authScheme`) in constant time and answers 401 otherwise,
//! - refuses bodies over a size limit with 413 and malformed JSON with 400 (never panics),
//! - parses each delivery into a typed [`Delivery`], drops repeated `eventId`s and events whose
//!   `uuid` was seen within a window (in memory, or in a shared [`DedupeStore`]),
//! - hands the delivery to your code through a channel (or an async callback) and answers 200
//!   at once, so a slow handler never makes Okta time out (Okta waits 3 s).
//!
//! When your code falls behind and the channel is full, deliveries are refused with 503: Okta
//! retries a 5xx once, and the refused `eventId` is forgotten so the retry gets through. If the
//! retry is refused too, Okta drops the batch, so size the channel for your bursts.
//!
//! To rotate the shared secret, build the receiver with the new value in
//! [`ReceiverBuilder::auth_header`] and the old one in
//! [`ReceiverBuilder::accept_previous_secret`], replace the hook's secret at Okta (which
//! resets verification: verify again), then drop the old value.
//!
//! To acknowledge Okta only once the events are durable somewhere (a queue, a database), give
//! the builder a [`Sink`] ([`ReceiverBuilder::build_with_sink`]): each delivery is stored
//! within a deadline below Okta's 3 s before the 200, or refused with 503 so that Okta
//! retries.
//!
//! [`serve`] holds the one implementation of "serve an axum router in the background with a
//! stop handle", used by [`RunningReceiver`] and by the emulator crate. It holds every
//! connection to [`ServerLimits`]: a request head within 10 s (also the idle limit), a whole
//! request within 30 s, at most 512 connections (at the cap, the one that has waited longest
//! for a request head is closed to make room), at most 64 MiB of request bodies held at once
//! (503 beyond; see [`ReceiverBuilder::server_limits`]).
//!
//! Every input is bounded before work is done on it: the body ([`DEFAULT_MAX_BODY_BYTES`],
//! 413), the request head ([`serve::MAX_REQUEST_HEAD_BYTES`], 431), and what de-duplication
//! keeps: at most [`DEFAULT_DEDUPE_CAPACITY`] ids and [`DEFAULT_DEDUPE_MAX_BYTES`]; an
//! `eventId` longer than [`MAX_EVENT_ID_BYTES`] (Okta's are 36-character UUIDs) is handed over
//! but not remembered, so a repeat of it is handed over again rather than kept in memory.
//!
//! ```no_run
//! use std::time::Duration;
//! use okta_eventhooks_receiver::Receiver;
//!
//! # async fn run() -> okta_eventhooks_receiver::Result<()> {
//! let (receiver, mut deliveries) = Receiver::builder()
//!     .path("/okta/events")
//!     .auth_header("Authorization", std::env::var("HOOK_SECRET").unwrap_or_default())
//!     .dedupe_window(Duration::from_secs(600))
//!     .build()?;
//!
//! // Serve it yourself (`receiver.into_router()` is a plain axum Router) or let it bind:
//! let running = receiver.serve("0.0.0.0:8080").await?;
//! println!("listening on {}", running.url());
//!
//! while let Some(delivery) = deliveries.recv().await {
//!     for event in &delivery.data.events {
//!         println!("{:?} {:?}", event.published, event.event_type);
//!     }
//! }
//! # Ok(()) }
//! ```

#![warn(missing_docs)]

mod dedupe;
mod dedupe_store;
mod error;
mod handlers;
mod incoming;
pub mod serve;
mod server;
mod shared_secret;
mod sink;
mod stats;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use tokio::sync::mpsc;

pub use dedupe::MAX_EVENT_ID_BYTES;
pub use dedupe_store::{DedupeFuture, DedupeStore};
pub use error::{Error, Result};
pub use incoming::{Incoming, RawEvent};
pub use okta_eventhooks::events::Delivery;
pub use serve::ServerLimits;
pub use server::RunningReceiver;
pub use sink::{
    BoxError, DEFAULT_SINK_DEADLINE, OKTA_TIMEOUT, Sink, SinkFuture, check_sink_deadline,
};
pub use stats::ReceiverStats;

use dedupe::Dedupe;
use dedupe_store::{MemoryStore, SharedStore};
use handlers::Shared;
use okta_eventhooks::Secret;
use shared_secret::SharedSecret;
use sink::SinkHook;
use stats::Counters;

/// Default window within which a repeated `eventId` is dropped.
pub const DEFAULT_DEDUPE_WINDOW: Duration = Duration::from_secs(60 * 60);
/// Default number of `eventId`s remembered (the oldest is forgotten first).
pub const DEFAULT_DEDUPE_CAPACITY: usize = 100_000;
/// Default memory for remembered `eventId`s, counting each id's bytes plus a fixed share for
/// its bookkeeping; 100,000 UUIDs fit.
pub const DEFAULT_DEDUPE_MAX_BYTES: usize = 16 * 1024 * 1024;
/// Default largest delivery body accepted. Okta does not document a batch size, and a 4xx is
/// never retried, so the default is generous.
pub const DEFAULT_MAX_BODY_BYTES: usize = 10 * 1024 * 1024;
/// Default number of deliveries queued for user code before new ones are refused with 503.
pub const DEFAULT_CHANNEL_CAPACITY: usize = 1024;

/// A configured receiver: an axum [`Router`] plus live counters.
///
/// Cheap to clone; clones share the counters and the delivery queue.
#[derive(Clone, Debug)]
pub struct Receiver {
    router: Router,
    path: String,
    counters: Arc<Counters>,
    limits: ServerLimits,
}

impl Receiver {
    /// Starts configuring a receiver.
    pub fn builder() -> ReceiverBuilder {
        ReceiverBuilder::default()
    }

    /// The router (a tower service); mount it in your own axum app or serve it directly.
    pub fn router(&self) -> Router {
        self.router.clone()
    }

    /// The router, consuming the receiver.
    pub fn into_router(self) -> Router {
        self.router
    }

    /// The path the receiver answers on.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// What the receiver has answered so far.
    pub fn stats(&self) -> ReceiverStats {
        self.counters.snapshot()
    }

    /// Binds `addr` (e.g. `127.0.0.1:0` for a free port) and serves the receiver in a
    /// background task until [`RunningReceiver::shutdown`] or drop. Needs a tokio runtime.
    pub async fn serve(self, addr: &str) -> Result<RunningReceiver> {
        self.serve_on(serve::bind(addr).await?)
    }

    /// Serves the receiver on an already bound listener, in a background task.
    pub fn serve_on(self, listener: tokio::net::TcpListener) -> Result<RunningReceiver> {
        RunningReceiver::start(self, listener)
    }
}

/// Configures a [`Receiver`]; see the [module docs](self).
#[derive(Clone, Debug)]
pub struct ReceiverBuilder {
    path: String,
    auth: Option<(String, Secret)>,
    previous_secrets: Vec<Secret>,
    dedupe_window: Duration,
    dedupe_capacity: usize,
    dedupe_max_bytes: usize,
    max_body_bytes: usize,
    channel_capacity: usize,
    limits: ServerLimits,
    sink_deadline: Duration,
    dedupe_store: Option<SharedStore>,
}

impl Default for ReceiverBuilder {
    fn default() -> Self {
        Self {
            path: "/".into(),
            auth: None,
            previous_secrets: Vec::new(),
            dedupe_window: DEFAULT_DEDUPE_WINDOW,
            dedupe_capacity: DEFAULT_DEDUPE_CAPACITY,
            dedupe_max_bytes: DEFAULT_DEDUPE_MAX_BYTES,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            channel_capacity: DEFAULT_CHANNEL_CAPACITY,
            limits: ServerLimits::default(),
            sink_deadline: DEFAULT_SINK_DEADLINE,
            dedupe_store: None,
        }
    }
}

impl ReceiverBuilder {
    /// The path Okta calls (the path of the hook's `channel.config.uri`); `/` by default.
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.path = path.into();
        self
    }

    /// Requires header `key` with exactly `value` (the hook's `authScheme`) on every request;
    /// others get 401. Without it every caller is accepted, which is only fit for local tests.
    pub fn auth_header(mut self, key: impl Into<String>, value: impl Into<Secret>) -> Self {
        self.auth = Some((key.into(), value.into()));
        self
    }

    /// Also accepts `value` in the [`auth_header`](Self::auth_header) (call it once per value).
    /// For a rotation: accept the old and the new secret, replace the hook's secret at Okta,
    /// then drop the old one.
    pub fn accept_previous_secret(mut self, value: impl Into<Secret>) -> Self {
        self.previous_secrets.push(value.into());
        self
    }

    /// How long a seen `eventId` is remembered; [`Duration::ZERO`] turns de-duplication off.
    pub fn dedupe_window(mut self, window: Duration) -> Self {
        self.dedupe_window = window;
        self
    }

    /// Remembers seen `eventId`s and `uuid`s in `store` instead of this process's memory (then
    /// [`dedupe_window`](Self::dedupe_window) and [`dedupe_capacity`](Self::dedupe_capacity)
    /// do not apply: the store has its own). With a store shared by every replica of a
    /// receiver, a repeat is dropped whichever replica it reaches.
    pub fn dedupe_store(mut self, store: impl DedupeStore) -> Self {
        self.dedupe_store = Some(SharedStore(Arc::new(store)));
        self
    }

    /// How many `eventId`s are remembered at most (bounds memory under a flood).
    pub fn dedupe_capacity(mut self, entries: usize) -> Self {
        self.dedupe_capacity = entries;
        self
    }

    /// How much memory remembered `eventId`s may take, in bytes (each id's length plus a
    /// fixed share for bookkeeping); the oldest are forgotten first.
    pub fn dedupe_max_bytes(mut self, bytes: usize) -> Self {
        self.dedupe_max_bytes = bytes;
        self
    }

    /// The largest delivery body accepted; larger ones get 413.
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.max_body_bytes = bytes;
        self
    }

    /// How many deliveries wait for user code before new ones are refused with 503.
    pub fn channel_capacity(mut self, deliveries: usize) -> Self {
        self.channel_capacity = deliveries;
        self
    }

    /// The time limits and connection cap used when the receiver serves itself
    /// ([`Receiver::serve`]); [`ServerLimits::default`] otherwise.
    pub fn server_limits(mut self, limits: ServerLimits) -> Self {
        self.limits = limits;
        self
    }

    /// How long a [`Sink`] has to store a delivery before the answer is 503 (default
    /// [`DEFAULT_SINK_DEADLINE`]); must be below Okta's 3 s.
    pub fn sink_deadline(mut self, deadline: Duration) -> Self {
        self.sink_deadline = deadline;
        self
    }

    /// Builds a receiver that answers each delivery only once `sink` has stored it: 200 when
    /// it has, 503 when it failed or missed the [deadline](Self::sink_deadline). The
    /// receiver's own de-duplication and queue are not used: de-duplication is the sink's job.
    pub fn build_with_sink(self, sink: impl Sink) -> Result<Receiver> {
        let hook = SinkHook::new(Arc::new(sink), self.sink_deadline)?;
        // The queue is never written to in this mode; its reader is simply dropped.
        let (receiver, _unused) = self.build_inner(Some(hook))?;
        Ok(receiver)
    }

    /// Builds the receiver and the channel its deliveries arrive on.
    pub fn build(self) -> Result<(Receiver, mpsc::Receiver<Delivery>)> {
        self.build_inner(None)
    }

    fn build_inner(self, sink: Option<SinkHook>) -> Result<(Receiver, mpsc::Receiver<Delivery>)> {
        validate_path(&self.path)?;
        if self.channel_capacity == 0 {
            return Err(Error::InvalidInput(
                "the receiver's channel capacity must be at least 1".into(),
            ));
        }
        let auth = match self.auth {
            Some((key, value)) => Some(SharedSecret::new(&key, value, self.previous_secrets)?),
            None if !self.previous_secrets.is_empty() => {
                return Err(Error::InvalidInput(
                    "accept_previous_secret needs auth_header (which names the header)".into(),
                ));
            }
            None => None,
        };
        let (sender, deliveries) = mpsc::channel(self.channel_capacity);
        let counters = Arc::new(Counters::default());
        let shared = Arc::new(Shared {
            auth,
            dedupe: self.dedupe_store.unwrap_or_else(|| {
                SharedStore(Arc::new(MemoryStore::new(Dedupe::new(
                    self.dedupe_window,
                    self.dedupe_capacity,
                    self.dedupe_max_bytes,
                ))))
            }),
            sender,
            counters: Arc::clone(&counters),
            sink,
        });
        let router = Router::new()
            .route(&self.path, get(handlers::verify).post(handlers::deliver))
            .layer(DefaultBodyLimit::max(self.max_body_bytes))
            .with_state(shared);
        let receiver = Receiver {
            router,
            path: self.path,
            counters,
            limits: self.limits,
        };
        Ok((receiver, deliveries))
    }

    /// Builds the receiver and runs `handler` on each delivery, one at a time and in arrival
    /// order, in a background task. Must be called inside a tokio runtime.
    ///
    /// ```no_run
    /// # async fn run() -> okta_eventhooks_receiver::Result<()> {
    /// let receiver = okta_eventhooks_receiver::Receiver::builder()
    ///     .auth_header("Authorization", "my-shared-secret")
    ///     .build_with_handler(|delivery| async move {
    ///         println!("{} events", delivery.data.events.len());
    ///     })?;
    /// let running = receiver.serve("127.0.0.1:8080").await?;
    /// # Ok(()) }
    /// ```
    pub fn build_with_handler<F, Fut>(self, mut handler: F) -> Result<Receiver>
    where
        F: FnMut(Delivery) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let runtime = tokio::runtime::Handle::try_current()
            .map_err(|_| Error::NoRuntime("Receiver::build_with_handler"))?;
        let (receiver, mut deliveries) = self.build()?;
        runtime.spawn(async move {
            while let Some(delivery) = deliveries.recv().await {
                handler(delivery).await;
            }
        });
        Ok(receiver)
    }
}

/// axum panics on some route patterns; refuse them here with a clear error instead.
fn validate_path(path: &str) -> Result<()> {
    let bad = |why: &str| Err(Error::InvalidInput(format!("receiver path {path:?} {why}")));
    if !path.starts_with('/') {
        return bad("must start with '/'");
    }
    if path.contains(['{', '}', '*', '?', '#']) || path.chars().any(char::is_whitespace) {
        return bad("must not contain '{', '}', '*', '?', '#' or whitespace");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_paths_and_capacities_are_errors_not_panics() {
        for path in ["", "hook", "/{id}", "/a b", "/x?y", "/*rest"] {
            let err = Receiver::builder().path(path).build().unwrap_err();
            assert!(err.to_string().contains("receiver path"), "{path}: {err}");
        }
        let err = Receiver::builder().channel_capacity(0).build().unwrap_err();
        assert!(err.to_string().contains("capacity"), "{err}");
        assert!(Receiver::builder().path("/okta/hooks-1").build().is_ok());
        let err = Receiver::builder()
            .accept_previous_secret("old")
            .build()
            .unwrap_err();
        assert!(err.to_string().contains("needs auth_header"), "{err}");
    }

    #[test]
    fn handler_outside_a_runtime_is_a_config_error() {
        let err = Receiver::builder()
            .build_with_handler(|_| async {})
            .unwrap_err();
        assert!(err.to_string().contains("tokio runtime"), "{err}");
    }

    #[test]
    fn builder_debug_redacts_the_secret() {
        let builder = Receiver::builder()
            .auth_header("Authorization", "s3cret-value")
            .accept_previous_secret("0ld-value");
        let debug = format!("{builder:?}");
        assert!(!debug.contains("s3cret-value") && !debug.contains("0ld-value"));
        let (receiver, _rx) = builder.build().unwrap();
        assert!(!format!("{receiver:?}").contains("s3cret-value"));
    }
}
