//! Running an axum router in a background task with a stop handle: the one implementation
//! behind [`RunningReceiver`](crate::RunningReceiver) and the emulator.
//!
//! It serves HTTP/1.1 with hyper directly (axum's own `serve` has no time limits) and holds
//! every connection to the [`ServerLimits`]: a request head must arrive within the
//! header-read limit, which hyper counts from the moment a connection waits for a request,
//! so a connection that stays idle (new, or kept alive after an answer) is closed after it
//! too; a request's body must have arrived within the request limit, counted from its head,
//! or the answer is 408 and the connection closes; at most `max_connections` are open at
//! once; and at most `max_body_bytes_in_flight` of request bodies are held at once (503
//! beyond, module `budget`). At the cap, a new connection closes the one that has waited
//! longest for a request head (module `idle`), so that a flood of idle or half-sent connections
//! cannot keep a real request waiting; when every connection has a request in hand, new ones
//! wait in the operating system's backlog until one closes instead of being refused, and the
//! process's file descriptors are never used up.

mod budget;
mod idle;

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use hyper::body::{Body as HttpBody, Frame, SizeHint};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream, ToSocketAddrs};
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinHandle;

use crate::{Error, Result};

/// Default time for a request head to arrive; also how long a connection may stay idle.
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Default time for a whole request (its body included) to arrive after its head.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Default number of connections open at once. Half the usual limit of 1024 open files, so
/// that the process keeps descriptors for its own files and outbound calls.
pub const DEFAULT_MAX_CONNECTIONS: usize = 512;
/// Largest request head (request line and headers) read; a larger one is answered 431.
pub const MAX_REQUEST_HEAD_BYTES: usize = 64 * 1024;
/// Default request body bytes held at once across connections: six of the largest deliveries
/// the receiver accepts (10 MiB), thousands of usual ones.
pub const DEFAULT_MAX_BODY_BYTES_IN_FLIGHT: usize = 64 * 1024 * 1024;

/// The time limits and connection cap of a server; see the [module docs](self).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServerLimits {
    /// Time for a request head to arrive once the connection waits for one (a new connection,
    /// or one kept alive after an answer): the header-read limit and the idle limit in one.
    pub header_read_timeout: Duration,
    /// Time for the whole request, body included, to arrive once its head has; a body still
    /// arriving then is answered 408 and the connection closes. Time spent answering (a
    /// handler that calls out) does not count.
    pub request_timeout: Duration,
    /// Connections open at once; at the cap, a new one closes the connection that has waited
    /// longest for a request head, or waits until one closes when all have a request in hand.
    pub max_connections: usize,
    /// Request body bytes held at once across connections; a request that does not fit now is
    /// answered 503 without being read.
    pub max_body_bytes_in_flight: usize,
}

impl Default for ServerLimits {
    fn default() -> Self {
        Self {
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            max_body_bytes_in_flight: DEFAULT_MAX_BODY_BYTES_IN_FLIGHT,
        }
    }
}

impl ServerLimits {
    /// Sets the header-read (and idle) limit.
    #[must_use]
    pub fn header_read_timeout(mut self, limit: Duration) -> Self {
        self.header_read_timeout = limit;
        self
    }

    /// Sets the whole-request limit.
    #[must_use]
    pub fn request_timeout(mut self, limit: Duration) -> Self {
        self.request_timeout = limit;
        self
    }

    /// Sets the connection cap.
    #[must_use]
    pub fn max_connections(mut self, connections: usize) -> Self {
        self.max_connections = connections;
        self
    }

    /// Sets the request body bytes held at once.
    #[must_use]
    pub fn max_body_bytes_in_flight(mut self, bytes: usize) -> Self {
        self.max_body_bytes_in_flight = bytes;
        self
    }

    fn validate(&self) -> Result<()> {
        let bad = |what: &str| Err(Error::InvalidInput(format!("the server's {what}")));
        if self.header_read_timeout.is_zero() || self.request_timeout.is_zero() {
            return bad("time limits must be more than zero");
        }
        if self.max_connections == 0 || u32::try_from(self.max_connections).is_err() {
            return bad("connection cap must be between 1 and 4294967295");
        }
        if self.max_body_bytes_in_flight == 0
            || u32::try_from(self.max_body_bytes_in_flight).is_err()
        {
            return bad("body bytes in flight must be between 1 and 4294967295");
        }
        Ok(())
    }
}

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
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl BackgroundServer {
    /// Serves `router` on `listener` within `limits`, in a task of the current tokio runtime.
    pub fn start(listener: TcpListener, router: Router, limits: ServerLimits) -> Result<Self> {
        limits.validate()?;
        let addr = listener.local_addr().map_err(Error::Serve)?;
        let runtime = tokio::runtime::Handle::try_current()
            .map_err(|_| Error::NoRuntime("BackgroundServer::start"))?;
        let request_timeout = limits.request_timeout;
        let budget = Arc::new(budget::BodyBudget::new(
            u32::try_from(limits.max_body_bytes_in_flight).unwrap_or(u32::MAX),
        ));
        // The request limit outermost: it holds the budget's draining of a refused body too.
        let router = router
            .layer(axum::middleware::from_fn(
                move |request: Request, next: Next| {
                    budget::hold(Arc::clone(&budget), request, next)
                },
            ))
            .layer(axum::middleware::from_fn(
                move |request: Request, next: Next| within(request_timeout, request, next),
            ));
        let (stop, stopped) = watch::channel(false);
        let task = runtime.spawn(accept_loop(listener, router, limits, stopped));
        Ok(Self {
            addr,
            stop,
            task: Some(task),
        })
    }

    /// The bound address (useful after binding port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting connections, lets requests in flight finish, closes idle connections
    /// and waits for all of it.
    pub async fn stop(&mut self) -> Result<()> {
        self.stop.send_replace(true);
        let Some(task) = self.task.take() else {
            return Ok(());
        };
        task.await
            .map_err(|e| Error::Serve(std::io::Error::other(e)))
    }
}

impl Drop for BackgroundServer {
    fn drop(&mut self) {
        self.stop.send_replace(true);
    }
}

/// Accepts connections until told to stop; at the cap, each new connection first closes the
/// one that has waited longest for a request head, or waits for a place when every one has a
/// request in hand. Then waits for the open connections to finish (each stops after its
/// request in flight, if any).
async fn accept_loop(
    listener: TcpListener,
    router: Router,
    limits: ServerLimits,
    mut stopped: watch::Receiver<bool>,
) {
    let room = Arc::new(Semaphore::new(limits.max_connections));
    let connections = Arc::new(idle::Connections::new());
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of descriptors, or a connection reset before it was accepted: wait a
                    // moment rather than spin.
                    tracing::debug!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = stop_requested(&mut stopped) => break,
        };
        let permit = match Arc::clone(&room).try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => {
                // At the cap: at most this one connection waits beyond it.
                connections.close_longest_waiting();
                let permit = tokio::select! {
                    permit = Arc::clone(&room).acquire_owned() => permit,
                    () = stop_requested(&mut stopped) => break,
                };
                let Ok(permit) = permit else { break };
                permit
            }
        };
        let registered = connections.add();
        let service = registered.service(router.clone());
        let stopped = stopped.clone();
        tokio::spawn(async move {
            serve_connection(stream, service, &registered.slot, limits, stopped).await;
            drop(registered);
            drop(permit);
        });
    }
    drop(listener);
    // Every permit back means every connection has finished.
    let all = u32::try_from(limits.max_connections).unwrap_or(u32::MAX);
    let _ = room.acquire_many(all).await;
}

/// Returns once a stop is asked for (or the handle is gone).
async fn stop_requested(stopped: &mut watch::Receiver<bool>) {
    // The guard `wait_for` returns must not live across another await.
    let _ = stopped.wait_for(|stop| *stop).await.map(drop);
}

async fn serve_connection(
    stream: TcpStream,
    service: idle::Tracked,
    slot: &idle::Slot,
    limits: ServerLimits,
    mut stopped: watch::Receiver<bool>,
) {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .max_buf_size(MAX_REQUEST_HEAD_BYTES);
    let connection = http.serve_connection(TokioIo::new(stream), service);
    tokio::pin!(connection);
    let result = tokio::select! {
        result = connection.as_mut() => result,
        () = stop_requested(&mut stopped) => {
            // Finishes the request in flight, if any, then closes; an idle one closes now.
            connection.as_mut().graceful_shutdown();
            connection.await
        }
        () = slot.close.notified() => {
            if !slot.is_busy() {
                // Waiting for a head: nothing is lost by closing it now.
                return;
            }
            // A request arrived meanwhile: it is answered, then the connection closes.
            connection.as_mut().graceful_shutdown();
            connection.await
        }
    };
    if let Err(e) = result {
        // Timeouts and clients that hang up land here; nothing for the caller to do.
        tracing::debug!(error = %e, "connection ended with an error");
    }
}

/// Holds the request's body to the request limit; a body that has not arrived in time ends
/// in an error for whoever reads it, and the answer becomes 408 on a closing connection.
async fn within(limit: Duration, request: Request, next: Next) -> Response {
    let late = Arc::new(AtomicBool::new(false));
    let request = request.map(|body| {
        Body::new(Deadline {
            body,
            timer: Box::pin(tokio::time::sleep(limit)),
            late: Arc::clone(&late),
        })
    });
    let response = next.run(request).await;
    if !late.load(Ordering::Relaxed) {
        return response;
    }
    let message = format!(
        "the request was not received within {} s",
        limit.as_secs_f64()
    );
    (
        StatusCode::REQUEST_TIMEOUT,
        [(http::header::CONNECTION, "close")],
        message,
    )
        .into_response()
}

/// A request body that fails once its time is up.
struct Deadline {
    body: Body,
    timer: Pin<Box<tokio::time::Sleep>>,
    late: Arc<AtomicBool>,
}

/// The error a late body ends with.
#[derive(Debug, thiserror::Error)]
#[error("the request body did not arrive in time")]
struct TooLate;

impl HttpBody for Deadline {
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if let Poll::Ready(frame) = Pin::new(&mut self.body).poll_frame(cx) {
            return Poll::Ready(frame.map(|frame| frame.map_err(Into::into)));
        }
        if self.timer.as_mut().poll(cx).is_ready() {
            self.late.store(true, Ordering::Relaxed);
            return Poll::Ready(Some(Err(TooLate.into())));
        }
        Poll::Pending
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_must_be_positive() {
        let zero = ServerLimits::default().header_read_timeout(Duration::ZERO);
        assert!(zero.validate().is_err());
        let zero = ServerLimits::default().request_timeout(Duration::ZERO);
        assert!(zero.validate().is_err());
        let none = ServerLimits::default().max_connections(0);
        let err = none.validate().unwrap_err();
        assert!(err.to_string().contains("connection cap"), "{err}");
        assert!(ServerLimits::default().validate().is_ok());
    }
}
