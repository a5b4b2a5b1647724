//! Which connections may be closed to make room: at the connection cap, a new connection
//! closes the one that has waited longest for a request head (idle after an answer, new and
//! silent, or sending its head too slowly) instead of waiting in the backlog behind them; a
//! connection with a request in hand is never chosen. So a flood of idle or slow connections
//! cannot keep a real delivery waiting for the header-read limit (Okta gives up after 3 s).

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Instant;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::response::Response;
use hyper::body::{Body as HttpBody, Frame, Incoming, SizeHint};
use hyper_util::service::TowerToHyperService;
use tokio::sync::Notify;

/// The open connections of one server.
#[derive(Debug)]
pub(super) struct Connections {
    started: Instant,
    next_id: AtomicU64,
    open: Mutex<HashMap<u64, Arc<Slot>>>,
}

/// One open connection, as the accept loop sees it.
#[derive(Debug)]
pub(super) struct Slot {
    /// Requests being handled or answered (more than one only briefly).
    busy: AtomicUsize,
    /// Already told to close: not chosen again.
    closing: AtomicBool,
    /// When it last started to wait for a request head, in ms since the server started.
    waiting_since_ms: AtomicU64,
    /// Told to close.
    pub(super) close: Notify,
}

impl Slot {
    /// Whether a request is in hand (its head read, its answer not yet written).
    pub(super) fn is_busy(&self) -> bool {
        self.busy.load(Ordering::Acquire) > 0
    }
}

impl Connections {
    pub(super) fn new() -> Self {
        Self {
            started: Instant::now(),
            next_id: AtomicU64::new(0),
            open: Mutex::new(HashMap::new()),
        }
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn open(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Arc<Slot>>> {
        self.open.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Registers a new connection; it waits for its first head from now on.
    pub(super) fn add(self: &Arc<Self>) -> Registered {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let slot = Arc::new(Slot {
            busy: AtomicUsize::new(0),
            closing: AtomicBool::new(false),
            waiting_since_ms: AtomicU64::new(self.now_ms()),
            close: Notify::new(),
        });
        self.open().insert(id, Arc::clone(&slot));
        Registered {
            connections: Arc::clone(self),
            id,
            slot,
        }
    }

    /// Tells the connection that has waited longest for a request head to close; false when
    /// every connection has a request in hand.
    pub(super) fn close_longest_waiting(&self) -> bool {
        let open = self.open();
        let chosen = open
            .values()
            .filter(|slot| !slot.is_busy() && !slot.closing.load(Ordering::Acquire))
            .min_by_key(|slot| slot.waiting_since_ms.load(Ordering::Acquire));
        match chosen {
            Some(slot) => {
                slot.closing.store(true, Ordering::Release);
                slot.close.notify_one();
                true
            }
            None => false,
        }
    }
}

/// A connection's place in [`Connections`], given back on drop.
#[derive(Debug)]
pub(super) struct Registered {
    connections: Arc<Connections>,
    id: u64,
    pub(super) slot: Arc<Slot>,
}

impl Registered {
    /// The connection's service: the router, marking the connection busy from a request's
    /// head until its answer has been written.
    pub(super) fn service(&self, router: Router) -> Tracked {
        Tracked {
            inner: TowerToHyperService::new(router),
            connections: Arc::clone(&self.connections),
            slot: Arc::clone(&self.slot),
        }
    }
}

impl Drop for Registered {
    fn drop(&mut self) {
        self.connections.open().remove(&self.id);
    }
}

/// The router as one connection's hyper service.
#[derive(Clone, Debug)]
pub(super) struct Tracked {
    inner: TowerToHyperService<Router>,
    connections: Arc<Connections>,
    slot: Arc<Slot>,
}

impl hyper::service::Service<http::Request<Incoming>> for Tracked {
    type Response = Response<Answer>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn call(&self, request: http::Request<Incoming>) -> Self::Future {
        self.slot.busy.fetch_add(1, Ordering::AcqRel);
        let busy = Busy {
            connections: Arc::clone(&self.connections),
            slot: Arc::clone(&self.slot),
        };
        let answer = self.inner.call(request);
        Box::pin(async move {
            let response = answer.await?;
            Ok(response.map(|body| Answer { body, _busy: busy }))
        })
    }
}

/// A request in hand; once dropped (its answer written, or the connection gone) the
/// connection waits for a head again.
struct Busy {
    connections: Arc<Connections>,
    slot: Arc<Slot>,
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.slot
            .waiting_since_ms
            .store(self.connections.now_ms(), Ordering::Release);
        self.slot.busy.fetch_sub(1, Ordering::AcqRel);
    }
}

/// An answer's body, holding the connection busy until hyper has written it.
pub(super) struct Answer {
    body: Body,
    _busy: Busy,
}

impl HttpBody for Answer {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}
