//! Configuring a [`Receiver`]: every setting, checked when built, and the router it gives.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use okta_eventhooks::Secret;
use tokio::sync::mpsc;

use crate::admin::Admin;
use crate::dedupe::Dedupe;
use crate::dedupe_store::{DedupeStore, MemoryStore, SharedStore};
use crate::error::{Error, Result};
use crate::handlers::{self, Handover, Shared};
use crate::inspector::Inspector;
use crate::receiver::Receiver;
use crate::serve::ServerLimits;
use crate::shared_secret::SharedSecret;
use crate::sink::{DEFAULT_SINK_DEADLINE, OKTA_TIMEOUT, SinkHook};
use crate::stats::Counters;
use okta_eventhooks::events::Delivery;
use okta_eventhooks::sink::{Incoming, Sink};

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
/// Smallest body limit (and body bytes in flight) a receiver accepts: a delivery of one
/// event is larger (its envelope alone is about 300 bytes, the smallest System Log event
/// about 1 KiB), so a lower limit would answer every delivery 413 (or 503), which Okta
/// does not retry (or retries once).
pub const MIN_MAX_BODY_BYTES: usize = 1024;
/// Default number of deliveries queued for user code before new ones wait for room (see
/// [`DEFAULT_QUEUE_WAIT`]).
pub const DEFAULT_CHANNEL_CAPACITY: usize = 1024;
/// Default time a delivery waits for room in a full queue before it is refused with 503: long
/// enough for user code that was not scheduled for a moment, well below Okta's 3 s timeout.
pub const DEFAULT_QUEUE_WAIT: Duration = Duration::from_secs(1);

/// Configures a [`Receiver`]; see the [crate docs](crate).
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
    queue_wait: Duration,
    limits: ServerLimits,
    sink_deadline: Duration,
    insecure_no_auth: bool,
    dedupe_store: Option<SharedStore>,
    inspector: Option<Inspector>,
}

impl Receiver {
    /// Starts configuring a receiver.
    pub fn builder() -> ReceiverBuilder {
        ReceiverBuilder::default()
    }
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
            queue_wait: DEFAULT_QUEUE_WAIT,
            limits: ServerLimits::default(),
            sink_deadline: DEFAULT_SINK_DEADLINE,
            insecure_no_auth: false,
            dedupe_store: None,
            inspector: None,
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

    /// How many `eventId`s are remembered at most (bounds memory under a flood). Once full,
    /// the oldest quarter is forgotten at once, so a full store remembers at least three
    /// quarters of this many of the newest ids (the same holds for
    /// [`dedupe_max_bytes`](Self::dedupe_max_bytes)).
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

    /// The largest delivery body accepted; larger ones get 413. At least
    /// [`MIN_MAX_BODY_BYTES`] (checked when built).
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.max_body_bytes = bytes;
        self
    }

    /// How many deliveries wait for user code before new ones wait for room (see
    /// [`queue_wait`](Self::queue_wait)).
    pub fn channel_capacity(mut self, deliveries: usize) -> Self {
        self.channel_capacity = deliveries;
        self
    }

    /// How long a delivery waits for room when the queue is full before it is refused with
    /// 503 (default [`DEFAULT_QUEUE_WAIT`]; [`Duration::ZERO`] refuses at once); below Okta's
    /// 3 s (checked when built), so that Okta gets the 503 and retries.
    pub fn queue_wait(mut self, wait: Duration) -> Self {
        self.queue_wait = wait;
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

    /// With a [`Sink`]: store deliveries without an [`auth_header`](Self::auth_header), so that
    /// anyone who can reach the receiver writes to the sink. Only for local use; without it,
    /// [`build_with_sink`](Self::build_with_sink) refuses a receiver with no auth header.
    pub fn insecure_no_auth(mut self, insecure: bool) -> Self {
        self.insecure_no_auth = insecure;
        self
    }

    /// Records every request the receiver answers in `inspector` (see
    /// [`inspector`](crate::inspector)), from outside its handling, with the auth header's
    /// value masked.
    pub fn inspector(mut self, inspector: Inspector) -> Self {
        self.inspector = Some(inspector);
        self
    }

    /// Builds a receiver that answers each delivery only once `sink` has stored it: 200 when
    /// it has, 503 when it failed or missed the [deadline](Self::sink_deadline). The
    /// receiver's own de-duplication and queue are not used: de-duplication is the sink's job.
    /// Refused without an [`auth_header`](Self::auth_header) unless
    /// [`insecure_no_auth`](Self::insecure_no_auth): a sink keeps what it is given.
    pub fn build_with_sink(self, sink: impl Sink) -> Result<Receiver> {
        if self.auth.is_none() && !self.insecure_no_auth {
            return Err(Error::InvalidInput(
                "no auth header: a receiver that stores deliveries refuses to start without the hook's shared secret (set one, or allow it explicitly for local use)".into(),
            ));
        }
        let hook = SinkHook::new(Arc::new(sink), self.sink_deadline)?;
        // The queue is never written to in this mode; its reader is simply dropped.
        let (sender, _unused) = mpsc::channel(1);
        self.build_inner(Handover::Typed(sender), Some(hook))
    }

    /// Builds the receiver and the channel its deliveries arrive on.
    pub fn build(self) -> Result<(Receiver, mpsc::Receiver<Delivery>)> {
        let (sender, deliveries) = mpsc::channel(self.channel_capacity.max(1));
        let receiver = self.build_inner(Handover::Typed(sender), None)?;
        Ok((receiver, deliveries))
    }

    /// Builds the receiver and the channel its deliveries arrive on as Okta sent them: an
    /// [`Incoming`] holds the body, the envelope's ids and each event's JSON exactly as sent (a
    /// slice of the body) with its `uuid` and `eventType`. De-duplication, the queue and the
    /// answers are those of [`build`](Self::build); the events are not decoded into the typed
    /// models, which costs less when they are only passed on or printed, and accepts events
    /// whose fields have shapes the typed models refuse (a sink's rule: only what is not a
    /// delivery at all is refused with 400).
    pub fn build_incoming(self) -> Result<(Receiver, mpsc::Receiver<Incoming>)> {
        let (sender, deliveries) = mpsc::channel(self.channel_capacity.max(1));
        let receiver = self.build_inner(Handover::Raw(sender), None)?;
        Ok((receiver, deliveries))
    }

    fn build_inner(self, handover: Handover, sink: Option<SinkHook>) -> Result<Receiver> {
        validate_path(&self.path)?;
        check_max_body_bytes(self.max_body_bytes)?;
        check_body_bytes("body bytes in flight", self.limits.max_body_bytes_in_flight)?;
        if self.queue_wait >= OKTA_TIMEOUT {
            return Err(Error::InvalidInput(format!(
                "the receiver's queue wait must be below Okta's 3 s timeout (got {:?})",
                self.queue_wait
            )));
        }
        if self.channel_capacity == 0 {
            return Err(Error::InvalidInput(
                "the receiver's channel capacity must be at least 1".into(),
            ));
        }
        let secret_header = self.auth.as_ref().map(|(key, _)| key.clone());
        let auth = match self.auth {
            Some((key, value)) => Some(SharedSecret::new(&key, value, self.previous_secrets)?),
            None if !self.previous_secrets.is_empty() => {
                return Err(Error::InvalidInput(
                    "accept_previous_secret needs auth_header (which names the header)".into(),
                ));
            }
            None => None,
        };
        let counters = Arc::new(Counters::default());
        let admin = Admin::new(Arc::clone(&counters), sink.as_ref().map(SinkHook::sink));
        let shared = Arc::new(Shared {
            auth,
            dedupe: self.dedupe_store.unwrap_or_else(|| {
                SharedStore(Arc::new(MemoryStore::new(Dedupe::new(
                    self.dedupe_window,
                    self.dedupe_capacity,
                    self.dedupe_max_bytes,
                ))))
            }),
            handover,
            queue_wait: self.queue_wait,
            counters: Arc::clone(&counters),
            sink,
        });
        let router = Router::new()
            .route(&self.path, get(handlers::verify).post(handlers::deliver))
            .layer(DefaultBodyLimit::max(self.max_body_bytes))
            .with_state(shared);
        let router = match &self.inspector {
            Some(inspector) => inspector.wrap(router, secret_header.and_then(|k| k.parse().ok())),
            None => router,
        };
        let receiver = Receiver {
            router,
            path: self.path,
            counters,
            limits: self.limits,
            admin,
        };
        Ok(receiver)
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
/// Checks a body limit: at least [`MIN_MAX_BODY_BYTES`]. The receiver checks it when built;
/// a command may check it sooner (before connecting to its store).
pub fn check_max_body_bytes(bytes: usize) -> Result<()> {
    check_body_bytes("body limit", bytes)
}

fn check_body_bytes(what: &str, bytes: usize) -> Result<()> {
    if bytes < MIN_MAX_BODY_BYTES {
        return Err(Error::InvalidInput(format!(
            "the receiver's {what} is {bytes} bytes: below {MIN_MAX_BODY_BYTES}, every Okta delivery (one event is more) would be refused, and Okta does not retry a 413"
        )));
    }
    Ok(())
}

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
        let err = Receiver::builder()
            .queue_wait(OKTA_TIMEOUT)
            .build()
            .unwrap_err();
        assert!(err.to_string().contains("queue wait"), "{err}");
        assert!(Receiver::builder().path("/okta/hooks-1").build().is_ok());
        let err = Receiver::builder()
            .accept_previous_secret("old")
            .build()
            .unwrap_err();
        assert!(err.to_string().contains("needs auth_header"), "{err}");
    }

    /// Issue 20 item 6: a body limit no delivery fits is refused, not served with 413s.
    #[test]
    fn a_body_limit_below_any_delivery_is_refused() {
        for bytes in [0, 1, MIN_MAX_BODY_BYTES - 1] {
            let err = Receiver::builder()
                .max_body_bytes(bytes)
                .build()
                .unwrap_err();
            assert!(err.to_string().contains("every Okta delivery"), "{err}");
            let limits = ServerLimits::default().max_body_bytes_in_flight(bytes.max(1));
            let err = Receiver::builder()
                .server_limits(limits)
                .build()
                .unwrap_err();
            assert!(err.to_string().contains("in flight"), "{err}");
        }
        assert!(
            Receiver::builder()
                .max_body_bytes(MIN_MAX_BODY_BYTES)
                .build()
                .is_ok()
        );
        // The smallest delivery Okta sends is above the floor (the SDK's samples are Okta's
        // shapes).
        let event = okta_eventhooks::sample::sample_event("user.session.start");
        let body =
            okta_eventhooks::events::delivery_body("https://a.okta.com", "who1", "e", &[&event])
                .unwrap();
        assert!(body.len() > MIN_MAX_BODY_BYTES, "{}", body.len());
    }

    #[test]
    fn handler_outside_a_runtime_is_a_config_error() {
        let err = Receiver::builder()
            .build_with_handler(|_| async {})
            .unwrap_err();
        assert!(err.to_string().contains("tokio runtime"), "{err}");
    }

    /// A sink that refuses everything: these tests only build receivers.
    struct Refusing;

    impl Sink for Refusing {
        fn store(
            &self,
            _: okta_eventhooks::sink::Incoming,
        ) -> okta_eventhooks::sink::SinkFuture<'_> {
            Box::pin(async { Err(okta_eventhooks::Error::InvalidInput("refused".into())) })
        }
        fn stored_uuids(
            &self,
            _: chrono::DateTime<chrono::Utc>,
            _: chrono::DateTime<chrono::Utc>,
        ) -> okta_eventhooks::sink::SinkFuture<'_, std::collections::HashSet<String>> {
            Box::pin(async { Ok(Default::default()) })
        }
        fn check_target(&self) -> okta_eventhooks::sink::SinkFuture<'_> {
            Box::pin(async { Ok(()) })
        }
        fn replay<'a>(
            &'a self,
            _: okta_eventhooks::sink::ReplayTo<'a>,
            _: &'a [okta_eventhooks::events::LogEvent],
        ) -> okta_eventhooks::sink::SinkFuture<'a, okta_eventhooks::sink::Replayed> {
            Box::pin(async { Err(okta_eventhooks::Error::InvalidInput("refused".into())) })
        }
    }

    #[test]
    fn a_receiver_with_a_sink_needs_a_secret_unless_explicitly_insecure() {
        let err = Receiver::builder().build_with_sink(Refusing).unwrap_err();
        assert!(matches!(err, Error::InvalidInput(_)), "{err:?}");
        assert!(err.to_string().contains("shared secret"), "{err}");
        assert!(
            Receiver::builder()
                .insecure_no_auth(true)
                .build_with_sink(Refusing)
                .is_ok()
        );
        assert!(
            Receiver::builder()
                .auth_header("Authorization", "s3cret")
                .build_with_sink(Refusing)
                .is_ok()
        );
        // Without a sink nothing is kept, and the receiver may be open (listen warns).
        assert!(Receiver::builder().build().is_ok());
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
