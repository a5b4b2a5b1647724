//! A receiver serving in the background, with its counters.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;

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
}

impl RunningReceiver {
    pub(crate) fn start(receiver: Receiver, listener: TcpListener) -> Result<Self> {
        let Receiver {
            router,
            path,
            counters,
            limits,
        } = receiver;
        Ok(Self {
            server: BackgroundServer::start(listener, router, limits)?,
            path,
            counters,
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

    /// Stops accepting connections, lets requests in flight finish, waits for the server, and
    /// returns the final counters.
    pub async fn shutdown(mut self) -> Result<ReceiverStats> {
        self.server.stop().await?;
        Ok(self.counters.snapshot())
    }
}
