//! The relay: a receiver given a [`JetStreamStore`], served, with what both have done.

use std::net::SocketAddr;
use std::time::Duration;

use okta_eventhooks_receiver::{Admin, ReceiverBuilder, ReceiverStats, RunningReceiver};

use crate::error::Result;
use crate::store::JetStreamStore;

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

/// A relay serving in the background: a receiver whose deliveries are answered only once the
/// store has them. Dropping it stops the HTTP server too.
#[derive(Debug)]
pub struct RunningRelay {
    running: RunningReceiver,
    store: JetStreamStore,
}

impl RunningRelay {
    /// Binds `addr` (e.g. `0.0.0.0:8080`, or `127.0.0.1:0` for a free port) and serves
    /// `receiver` (its path, auth header and limits) with `store`, whose deadline it takes,
    /// until [`shutdown`](Self::shutdown) or drop. The receiver refuses to start without an
    /// auth header unless told [`insecure_no_auth`](ReceiverBuilder::insecure_no_auth).
    pub async fn start(
        receiver: ReceiverBuilder,
        store: JetStreamStore,
        addr: &str,
    ) -> Result<Self> {
        let listener = okta_eventhooks_receiver::serve::bind(addr).await?;
        Self::start_on(receiver, store, listener)
    }

    /// Like [`start`](Self::start), on an already bound listener.
    pub fn start_on(
        receiver: ReceiverBuilder,
        store: JetStreamStore,
        listener: tokio::net::TcpListener,
    ) -> Result<Self> {
        let running = receiver
            .sink_deadline(store.deadline())
            .build_with_sink(store.clone())?
            .serve_on(listener)?;
        tracing::info!(url = %running.url(), stream = store.stream(), "relay listening");
        Ok(Self { running, store })
    }

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
        self.store.nats_connected()
    }

    /// The name of the stream written to.
    pub fn stream(&self) -> &str {
        self.store.stream()
    }

    /// What the relay has done so far.
    pub fn stats(&self) -> RelayStats {
        stats(self.running.stats(), &self.store)
    }

    /// Its health, readiness (NATS connected, no drain begun) and metrics, to serve on an
    /// admin port, and its drain switch.
    pub fn admin(&self) -> Admin {
        self.running.admin()
    }

    /// Stops accepting, lets deliveries in flight finish (each is answered only once stored
    /// or refused), then flushes the NATS connection.
    pub async fn shutdown(self) -> Result<RelayStats> {
        self.drain(Duration::ZERO).await
    }

    /// Drains as on SIGTERM: readiness turns 503 at once, deliveries are still answered for
    /// `delay`, then [`shutdown`](Self::shutdown)'s steps.
    pub async fn drain(self, delay: Duration) -> Result<RelayStats> {
        let receiver = self.running.drain(delay).await?;
        // Nothing waits on the connection any more; a failed flush loses no acknowledged event.
        self.store.flush().await;
        Ok(stats(receiver, &self.store))
    }
}

fn stats(receiver: ReceiverStats, store: &JetStreamStore) -> RelayStats {
    let (published, duplicates) = store.counts();
    RelayStats {
        receiver,
        published,
        duplicates,
    }
}
