//! The relay: a receiver whose sink is JetStream, set up and served in one call.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use async_nats::jetstream;
use okta_eventhooks::Secret;
use okta_eventhooks_receiver::{
    DEFAULT_MAX_BODY_BYTES, DEFAULT_SINK_DEADLINE, Receiver, ReceiverStats, RunningReceiver,
};

use crate::error::{Error, Result};
use crate::nats::NatsServers;
use crate::publish::{JetStreamSink, Published};
use crate::stream::{StreamSettings, ensure_stream};

/// Configures a [`RunningRelay`]; see the [crate docs](crate).
#[derive(Debug)]
#[must_use]
pub struct RelayBuilder {
    path: String,
    auth: Option<(String, Secret)>,
    insecure_no_auth: bool,
    nats: Nats,
    stream: StreamSettings,
    deadline: Duration,
    max_body_bytes: usize,
}

/// Where the relay's NATS connection comes from.
enum Nats {
    Unset,
    Servers(NatsServers),
    Client(async_nats::Client),
}

impl std::fmt::Debug for Nats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Unset => f.write_str("Unset"),
            Self::Servers(servers) => write!(f, "{servers:?}"),
            Self::Client(_) => f.write_str("Client(..)"),
        }
    }
}

impl Default for RelayBuilder {
    fn default() -> Self {
        Self {
            path: "/".into(),
            auth: None,
            insecure_no_auth: false,
            nats: Nats::Unset,
            stream: StreamSettings::default(),
            deadline: DEFAULT_SINK_DEADLINE,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        }
    }
}

/// The relay's entry point.
#[derive(Debug)]
pub struct Relay;

impl Relay {
    /// Starts configuring a relay.
    pub fn builder() -> RelayBuilder {
        RelayBuilder::default()
    }
}

impl RelayBuilder {
    /// The path Okta calls (the path of the hook's `channel.config.uri`); `/` by default.
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.path = path.into();
        self
    }

    /// Requires header `key` with exactly `value` (the hook's `authScheme`) on every request.
    pub fn auth_header(mut self, key: impl Into<String>, value: impl Into<Secret>) -> Self {
        self.auth = Some((key.into(), value.into()));
        self
    }

    /// Starts without an auth header: anyone who can reach the relay can write to the stream.
    /// Only for local use; without this, a relay with no [`auth_header`](Self::auth_header)
    /// refuses to start.
    pub fn insecure_no_auth(mut self, insecure: bool) -> Self {
        self.insecure_no_auth = insecure;
        self
    }

    /// The NATS servers to connect to.
    pub fn nats(mut self, servers: NatsServers) -> Self {
        self.nats = Nats::Servers(servers);
        self
    }

    /// An existing NATS connection to use instead of [`nats`](Self::nats).
    pub fn nats_client(mut self, client: async_nats::Client) -> Self {
        self.nats = Nats::Client(client);
        self
    }

    /// The stream (default: `OKTA_EVENTS` on `okta.events.>`, file storage, one replica,
    /// 24 h duplicate window). Created at start, or checked if it exists.
    pub fn stream(mut self, settings: StreamSettings) -> Self {
        self.stream = settings;
        self
    }

    /// How long JetStream has to acknowledge every event of a delivery before the answer is
    /// 503 (default 2 s; must be below Okta's 3 s).
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// The largest delivery body accepted; larger ones get 413.
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.max_body_bytes = bytes;
        self
    }

    /// Connects to NATS, creates or checks the stream, binds `addr` (e.g. `0.0.0.0:8080`, or
    /// `127.0.0.1:0` for a free port) and serves until [`RunningRelay::shutdown`] or drop.
    pub async fn start(self, addr: &str) -> Result<RunningRelay> {
        let listener = okta_eventhooks_receiver::serve::bind(addr).await?;
        self.start_on(listener).await
    }

    /// Like [`start`](Self::start), on an already bound listener.
    pub async fn start_on(self, listener: tokio::net::TcpListener) -> Result<RunningRelay> {
        if self.auth.is_none() && !self.insecure_no_auth {
            return Err(Error::InvalidInput(
                "no auth header: the relay refuses to start without the hook's shared secret (set one, or allow it explicitly for local use)".into(),
            ));
        }
        self.stream.validate()?;
        // The receiver's own check, made before NATS is reached.
        okta_eventhooks_receiver::check_sink_deadline(self.deadline)?;
        let client = match self.nats {
            Nats::Unset => return Err(Error::InvalidInput("no NATS server given".into())),
            Nats::Servers(servers) => servers.connect("okta-eventhooks relay").await?,
            Nats::Client(client) => client,
        };
        ensure_stream(&jetstream::new(client.clone()), &self.stream).await?;
        let js = jetstream::ContextBuilder::new()
            // A lost ack (a node died with it) is waited for this long before the events are
            // sent again, so that several tries fit in the deadline.
            .timeout(self.deadline / 4)
            // A publish whose answer was given up on still holds an ack slot until then.
            .ack_timeout(self.deadline)
            // Many deliveries in flight wait for a slot instead of failing at once.
            .max_ack_inflight(MAX_ACKS_IN_FLIGHT)
            .backpressure_on_inflight(true)
            .build(client.clone());
        let counts = Arc::new(Published::default());
        let sink = JetStreamSink {
            js,
            stream: self.stream.name().to_owned(),
            prefix: self.stream.prefix().to_owned(),
            counts: Arc::clone(&counts),
        };
        let mut receiver = Receiver::builder()
            .path(&self.path)
            .max_body_bytes(self.max_body_bytes)
            .sink_deadline(self.deadline);
        if let Some((key, value)) = self.auth {
            receiver = receiver.auth_header(key, value);
        }
        let running = receiver.build_with_sink(sink)?.serve_on(listener)?;
        tracing::info!(url = %running.url(), stream = self.stream.name(), "relay listening");
        Ok(RunningRelay {
            running,
            client,
            counts,
            stream: self.stream,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn no_secret_no_start_unless_explicitly_insecure() {
        let err = Relay::builder()
            .nats(NatsServers::new(["nats://127.0.0.1:1"]).unwrap())
            .start("127.0.0.1:0")
            .await
            .unwrap_err();
        assert!(matches!(err, Error::InvalidInput(_)), "{err:?}");
        assert!(err.to_string().contains("shared secret"), "{err}");
        // With the flag it gets as far as NATS (nothing listens on port 1).
        let err = Relay::builder()
            .insecure_no_auth(true)
            .nats(NatsServers::new(["nats://127.0.0.1:1"]).unwrap())
            .start("127.0.0.1:0")
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Connect { .. }), "{err:?}");
    }

    #[test]
    fn debug_shows_no_secret() {
        let builder = Relay::builder()
            .auth_header("Authorization", "s3cret-hook-value")
            .nats(NatsServers::new(["nats://u:s3cret-nats@127.0.0.1:4222"]).unwrap());
        let debug = format!("{builder:?}");
        assert!(!debug.contains("s3cret"), "{debug}");
    }
}

/// Publish acks awaited at once, across all deliveries in flight.
const MAX_ACKS_IN_FLIGHT: usize = 16_384;

/// What a relay has done so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RelayStats {
    /// What the HTTP side answered (deliveries acknowledged, 401, 413, 503...).
    pub receiver: ReceiverStats,
    /// Events stored as new messages.
    pub published: u64,
    /// Events JetStream already had (same `uuid` within the duplicate window).
    pub duplicates: u64,
}

/// A relay serving in the background. Dropping it stops the HTTP server too.
#[derive(Debug)]
pub struct RunningRelay {
    running: RunningReceiver,
    client: async_nats::Client,
    counts: Arc<Published>,
    stream: StreamSettings,
}

impl RunningRelay {
    /// The bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.running.local_addr()
    }

    /// `http://<addr><path>`: the URL Okta calls (behind a TLS-terminating proxy).
    pub fn url(&self) -> String {
        self.running.url()
    }

    /// Whether the NATS connection is up right now (for a health check: while it is down,
    /// deliveries are answered 503 and the client keeps reconnecting).
    pub fn nats_connected(&self) -> bool {
        self.client.connection_state() == async_nats::connection::State::Connected
    }

    /// The stream written to.
    pub fn stream(&self) -> &StreamSettings {
        &self.stream
    }

    /// What the relay has done so far.
    pub fn stats(&self) -> RelayStats {
        RelayStats {
            receiver: self.running.stats(),
            published: self.counts.messages.load(Ordering::Relaxed),
            duplicates: self.counts.duplicates.load(Ordering::Relaxed),
        }
    }

    /// Stops accepting, lets deliveries in flight finish (each is answered only once stored
    /// or refused), then closes the NATS connection.
    pub async fn shutdown(self) -> Result<RelayStats> {
        let Self {
            running,
            client,
            counts,
            ..
        } = self;
        let receiver = running.shutdown().await?;
        // Nothing waits on the connection any more; a failed flush loses no acknowledged event.
        let _ = client.flush().await;
        Ok(RelayStats {
            receiver,
            published: counts.messages.load(Ordering::Relaxed),
            duplicates: counts.duplicates.load(Ordering::Relaxed),
        })
    }
}
