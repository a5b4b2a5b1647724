//! Serving a receiver in a background task, with graceful shutdown.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::Receiver;
use super::stats::{Counters, ReceiverStats};
use crate::{Error, Result};

/// A receiver serving in the background. Dropping it stops the server too.
#[derive(Debug)]
pub struct RunningReceiver {
    addr: SocketAddr,
    path: String,
    counters: Arc<Counters>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl RunningReceiver {
    pub(super) fn start(receiver: Receiver, listener: TcpListener) -> Result<Self> {
        let addr = listener
            .local_addr()
            .map_err(|e| Error::Config(format!("cannot read the listening address: {e}")))?;
        let (shutdown, stop) = oneshot::channel::<()>();
        let Receiver {
            router,
            path,
            counters,
        } = receiver;
        let server = axum::serve(listener, router).with_graceful_shutdown(async move {
            // Either an explicit shutdown or the handle being dropped.
            let _ = stop.await;
        });
        let task = tokio::spawn(async move { server.await });
        Ok(Self {
            addr,
            path,
            counters,
            shutdown: Some(shutdown),
            task: Some(task),
        })
    }

    /// The bound address (useful after binding port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://<addr><path>`: the URL to configure as the hook's `channel.config.uri` (behind a
    /// TLS-terminating proxy or tunnel for a real Okta org, which requires `https://`).
    pub fn url(&self) -> String {
        format!("http://{}{}", self.addr, self.path)
    }

    /// What the receiver has answered so far.
    pub fn stats(&self) -> ReceiverStats {
        self.counters.snapshot()
    }

    /// Stops accepting connections, lets requests in flight finish, waits for the server, and
    /// returns the final counters.
    pub async fn shutdown(mut self) -> Result<ReceiverStats> {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(task) = self.task.take() {
            match task.await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => {
                    return Err(Error::Config(format!("the receiver server failed: {e}")));
                }
                Err(e) => {
                    return Err(Error::Config(format!(
                        "the receiver server task failed: {e}"
                    )));
                }
            }
        }
        Ok(self.counters.snapshot())
    }
}

impl Drop for RunningReceiver {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}
