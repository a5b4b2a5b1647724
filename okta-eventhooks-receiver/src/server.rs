//! A receiver serving in the background, with its counters.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;

use crate::admin::Admin;
use crate::error::Result;
use crate::receiver::Receiver;
use crate::serve::{self, BackgroundServer};
use crate::stats::{Counters, ReceiverStats};

impl Receiver {
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

/// A receiver serving in the background. Dropping it stops the server too.
#[derive(Debug)]
pub struct RunningReceiver {
    server: BackgroundServer,
    path: String,
    counters: Arc<Counters>,
    admin: Admin,
}

impl RunningReceiver {
    pub(crate) fn start(receiver: Receiver, listener: TcpListener) -> Result<Self> {
        let Receiver {
            router,
            path,
            counters,
            limits,
            admin,
        } = receiver;
        Ok(Self {
            server: BackgroundServer::start(listener, router, limits)?,
            path,
            counters,
            admin,
        })
    }

    /// The bound address (useful after binding port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.server.local_addr()
    }

    /// `http://<addr><path>`: the URL to configure as the hook's `channel.config.uri` (behind a
    /// TLS-terminating proxy or tunnel for a real Okta org, which requires `https://`).
    pub fn url(&self) -> String {
        format!("http://{}{}", self.local_addr(), self.path)
    }

    /// What the receiver has answered so far.
    pub fn stats(&self) -> ReceiverStats {
        self.counters.snapshot()
    }

    /// Its health, readiness and metrics (serve them on an admin port) and its drain switch.
    pub fn admin(&self) -> Admin {
        self.admin.clone()
    }

    /// Drains, as an orchestrator expects on SIGTERM: readiness turns 503 at once, deliveries
    /// are still answered for `delay` (so that a load balancer stops sending), then the server
    /// stops accepting, lets every request in flight finish with its real answer, and returns
    /// the final counters.
    pub async fn drain(self, delay: std::time::Duration) -> Result<ReceiverStats> {
        self.admin.start_draining();
        tokio::time::sleep(delay).await;
        self.shutdown().await
    }

    /// Stops accepting connections, lets requests in flight finish, waits for the server, and
    /// returns the final counters.
    pub async fn shutdown(mut self) -> Result<ReceiverStats> {
        self.server.stop().await?;
        Ok(self.counters.snapshot())
    }
}
