//! Running an axum router in a background task with a stop handle: the one implementation
//! behind [`RunningReceiver`](crate::RunningReceiver) and the emulator.

use std::net::SocketAddr;

use axum::Router;
use tokio::net::{TcpListener, ToSocketAddrs};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::{Error, Result};

/// Binds `addr`, keeping the address text for the error message.
pub async fn bind(addr: impl ToSocketAddrs + std::fmt::Display) -> Result<TcpListener> {
    let shown = addr.to_string();
    TcpListener::bind(addr).await.map_err(|source| Error::Bind {
        addr: shown,
        source,
    })
}

/// A router served in a background task. Dropping it stops the server without waiting;
/// [`stop`](Self::stop) stops it and waits for requests in flight to finish.
#[derive(Debug)]
pub struct BackgroundServer {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl BackgroundServer {
    /// Serves `router` on `listener` in a task of the current tokio runtime.
    pub fn start(listener: TcpListener, router: Router) -> Result<Self> {
        let addr = listener.local_addr().map_err(Error::Serve)?;
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(Error::NoRuntime("BackgroundServer::start"));
        }
        let (stop, stopped) = oneshot::channel::<()>();
        let server = axum::serve(listener, router).with_graceful_shutdown(async move {
            // Either an explicit stop or the handle being dropped.
            let _ = stopped.await;
        });
        let task = tokio::spawn(async move { server.await });
        Ok(Self {
            addr,
            stop: Some(stop),
            task: Some(task),
        })
    }

    /// The bound address (useful after binding port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting connections, lets requests in flight finish and waits for the task.
    pub async fn stop(&mut self) -> Result<()> {
        self.signal();
        let Some(task) = self.task.take() else {
            return Ok(());
        };
        match task.await {
            Ok(result) => result.map_err(Error::Serve),
            Err(e) => Err(Error::Serve(std::io::Error::other(e))),
        }
    }

    fn signal(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl Drop for BackgroundServer {
    fn drop(&mut self) {
        self.signal();
    }
}
