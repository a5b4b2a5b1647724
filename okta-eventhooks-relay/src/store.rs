//! The JetStream store: the [`Sink`] of the relay. It stores each delivery's events in a
//! stream (the `uuid` as `Nats-Msg-Id`, so a repeat is stored once), reads back which uuids
//! a window holds, and replays missing events marked as replayed.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use async_nats::jetstream;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use okta_eventhooks::Error as SdkError;
use okta_eventhooks::events::LogEvent;
use okta_eventhooks::sink::{
    EventCounts, Incoming, ReplayTo, Replayed, Sink, SinkDescription, SinkFuture,
};

use crate::error::{Error, Result};
use crate::nats::NatsServers;
use crate::publish::{Published, Publisher};
use crate::stored::{self, ReplayedEvent};
use crate::stream::{StreamSettings, check_stream_limits, ensure_stream};

/// Publish acks awaited at once, across all deliveries in flight.
const MAX_ACKS_IN_FLIGHT: usize = 16_384;

/// A JetStream stream as a [`Sink`]. Cheap to clone; clones share the connection and counts.
/// A relay is a receiver given one (see the [crate docs](crate) for an example).
#[derive(Clone)]
pub struct JetStreamStore {
    inner: Arc<Inner>,
}

struct Inner {
    client: async_nats::Client,
    publisher: Publisher,
    deadline: Duration,
    /// Whether the stream was created or checked (its settings and limits) when opened.
    checked: bool,
    /// The servers, as printed (redacted), when the store connected to them itself.
    servers: Option<String>,
}

impl std::fmt::Debug for JetStreamStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JetStreamStore")
            .field("stream", &self.inner.publisher.stream)
            .field("prefix", &self.inner.publisher.prefix)
            .field("deadline", &self.inner.deadline)
            .finish_non_exhaustive()
    }
}

impl JetStreamStore {
    /// Connects to `servers`, then [`open`](Self::open)s the stream. The settings and the
    /// deadline are checked before NATS is reached.
    pub async fn connect(
        servers: &NatsServers,
        settings: &StreamSettings,
        deadline: Option<Duration>,
    ) -> Result<Self> {
        let deadline = check(settings, deadline)?;
        let client = servers.connect("okta-eventhooks relay").await?;
        let mut store = Self::open_checked(client, settings, deadline).await?;
        if let Some(inner) = Arc::get_mut(&mut store.inner) {
            inner.servers = Some(servers.to_string());
        }
        Ok(store)
    }

    /// A store on an existing connection, for storing deliveries: the stream is created, or
    /// checked when it exists ([`Error::StreamConflict`] when it differs). `deadline` is the
    /// time a delivery has to be stored (default 2 s, below Okta's 3 s): publishing is tuned
    /// to it, and a receiver given this store answers 503 past it.
    pub async fn open(
        client: async_nats::Client,
        settings: &StreamSettings,
        deadline: Option<Duration>,
    ) -> Result<Self> {
        let deadline = check(settings, deadline)?;
        Self::open_checked(client, settings, deadline).await
    }

    async fn open_checked(
        client: async_nats::Client,
        settings: &StreamSettings,
        deadline: Duration,
    ) -> Result<Self> {
        ensure_stream(&jetstream::new(client.clone()), settings).await?;
        let js = jetstream::ContextBuilder::new()
            // A lost ack (a node died with it) is waited for this long before the events are
            // sent again, so that several tries fit in the deadline.
            .timeout(deadline / 4)
            // A publish whose answer was given up on still holds an ack slot until then.
            .ack_timeout(deadline)
            // Many deliveries in flight wait for a slot instead of failing at once.
            .max_ack_inflight(MAX_ACKS_IN_FLIGHT)
            .backpressure_on_inflight(true)
            .build(client.clone());
        let mut store =
            Self::with_context(client, js, settings.name(), settings.prefix(), deadline);
        if let Some(inner) = Arc::get_mut(&mut store.inner) {
            inner.checked = true;
        }
        Ok(store)
    }

    /// A store over a stream that already exists (the relay's), for reading it back and
    /// replaying into it: nothing is created. A stream whose limits could lose or refuse
    /// what is replayed is refused ([`Error::StreamLimits`]) unless `allow_retention_limits`.
    pub async fn existing(
        client: async_nats::Client,
        stream: &str,
        prefix: &str,
        allow_retention_limits: bool,
    ) -> Result<Self> {
        let js = jetstream::new(client.clone());
        check_stream_limits(&js, stream, allow_retention_limits).await?;
        Ok(Self::with_context(
            client,
            js,
            stream,
            prefix,
            okta_eventhooks_receiver::DEFAULT_SINK_DEADLINE,
        ))
    }

    fn with_context(
        client: async_nats::Client,
        js: jetstream::Context,
        stream: &str,
        prefix: &str,
        deadline: Duration,
    ) -> Self {
        let publisher = Publisher {
            js,
            stream: stream.to_owned(),
            prefix: prefix.to_owned(),
            counts: Arc::new(Published::default()),
        };
        Self {
            inner: Arc::new(Inner {
                client,
                publisher,
                deadline,
                checked: false,
                servers: None,
            }),
        }
    }

    /// The time a delivery has to be stored; give it to the receiver
    /// ([`ReceiverBuilder::sink_deadline`](okta_eventhooks_receiver::ReceiverBuilder::sink_deadline)).
    pub fn deadline(&self) -> Duration {
        self.inner.deadline
    }

    /// The stream's name.
    pub fn stream(&self) -> &str {
        &self.inner.publisher.stream
    }

    /// Events stored as new messages so far (those kept aside under `<prefix>._invalid`
    /// included), and events JetStream already had.
    pub fn counts(&self) -> (u64, u64) {
        let counts = self.event_counts_now();
        (counts.stored + counts.invalid, counts.duplicate)
    }

    fn event_counts_now(&self) -> EventCounts {
        let counts = &self.inner.publisher.counts;
        EventCounts::new(
            counts.messages.load(Ordering::Relaxed),
            counts.duplicates.load(Ordering::Relaxed),
            counts.invalid.load(Ordering::Relaxed),
        )
    }

    /// Whether the NATS connection is up right now (for a health check: while it is down,
    /// deliveries are answered 503 and the client keeps reconnecting).
    pub fn nats_connected(&self) -> bool {
        self.inner.client.connection_state() == async_nats::connection::State::Connected
    }

    /// Sends what the client still holds, waiting at most a second (with NATS unreachable a
    /// flush would wait for a reconnect forever); a failed flush loses no acknowledged event.
    pub async fn flush(&self) {
        let _ = tokio::time::timeout(Duration::from_secs(1), self.inner.client.flush()).await;
    }

    async fn replay_all(&self, to: ReplayTo<'_>, events: &[LogEvent]) -> Result<Replayed> {
        let publisher = &self.inner.publisher;
        let hook_id = to.hook.id.as_deref().unwrap_or_default();
        let org = url::Url::parse(to.org_url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned));
        let (mut replayed, mut already_stored) = (0, 0);
        for event in events {
            let json = serde_json::to_vec(event)
                .map_err(|e| Error::InvalidInput(format!("cannot encode an event: {e}")))?;
            let stored = stored::replay(
                &publisher.js,
                &publisher.stream,
                &publisher.prefix,
                ReplayedEvent {
                    uuid: event.uuid.as_deref().unwrap_or_default(),
                    event_type: event.event_type.as_deref(),
                    json: Bytes::from(json),
                    event_hook_id: hook_id,
                    org: org.as_deref(),
                },
            )
            .await?;
            if stored {
                replayed += 1;
            } else {
                already_stored += 1;
            }
        }
        Ok(Replayed::new(replayed, already_stored))
    }
}

/// The settings, and the deadline the receiver's own rule allows (checked before NATS).
fn check(settings: &StreamSettings, deadline: Option<Duration>) -> Result<Duration> {
    settings.validate()?;
    let deadline = deadline.unwrap_or(okta_eventhooks_receiver::DEFAULT_SINK_DEADLINE);
    okta_eventhooks_receiver::check_sink_deadline(deadline)?;
    Ok(deadline)
}

impl Sink for JetStreamStore {
    fn store(&self, incoming: Incoming) -> SinkFuture<'_> {
        Box::pin(async move {
            self.inner
                .publisher
                .publish_all(incoming)
                .await
                .map_err(|e| SdkError::sink(crate::cause::kind_of(&e), e))
        })
    }

    fn stored_uuids(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> SinkFuture<'_, HashSet<String>> {
        let publisher = &self.inner.publisher;
        Box::pin(async move {
            let filter = format!("{}.>", publisher.prefix);
            Ok(stored::stored_uuids(
                &publisher.js,
                &publisher.stream,
                Some(&filter),
                Some(since),
                Some(until),
            )
            .await?)
        })
    }

    fn check_target(&self) -> SinkFuture<'_> {
        let publisher = &self.inner.publisher;
        Box::pin(async move {
            Ok(
                stored::check_replay_target(&publisher.js, &publisher.stream, &publisher.prefix)
                    .await?,
            )
        })
    }

    fn replay<'a>(&'a self, to: ReplayTo<'a>, events: &'a [LogEvent]) -> SinkFuture<'a, Replayed> {
        Box::pin(async move { Ok(self.replay_all(to, events).await?) })
    }

    fn connected(&self) -> bool {
        self.nats_connected()
    }

    fn event_counts(&self) -> Option<EventCounts> {
        Some(self.event_counts_now())
    }

    /// `JetStream stream S (<prefix>.>) at SERVERS`, and the same as fields.
    fn describe(&self) -> SinkDescription {
        let publisher = &self.inner.publisher;
        let subjects = format!("{}.>", publisher.prefix);
        let mut text = format!("JetStream stream {} ({subjects})", publisher.stream);
        let mut description = SinkDescription::default();
        if let Some(servers) = &self.inner.servers {
            text.push_str(&format!(" at {servers}"));
        }
        description.text = text;
        description = description
            .field("stream", publisher.stream.clone())
            .field("subjects", subjects);
        if let Some(servers) = &self.inner.servers {
            description = description.field("nats", servers.clone());
        }
        description
    }

    fn flush(&self) -> SinkFuture<'_> {
        Box::pin(async {
            JetStreamStore::flush(self).await;
            Ok(())
        })
    }
}
