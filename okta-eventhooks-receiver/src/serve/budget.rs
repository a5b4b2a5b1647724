//! The request body bytes a server holds at once, across every connection: a body declared
//! with `Content-Length` reserves its size before a byte of it is read, a chunked one reserves
//! each piece as it arrives, and both give it back once the request is answered. A request
//! that does not fit now is answered 503 (Okta retries once); its body is read and dropped
//! piece by piece, never kept, so that a burst of large deliveries cannot take the process's
//! memory.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use hyper::body::{Body as HttpBody, Frame, SizeHint};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The bytes left to hand out, of `total`.
#[derive(Debug)]
pub(super) struct BodyBudget {
    left: Arc<Semaphore>,
    total: u32,
}

impl BodyBudget {
    pub(super) fn new(total: u32) -> Self {
        Self {
            left: Arc::new(Semaphore::new(total as usize)),
            total,
        }
    }

    /// `bytes` of the budget, at most all of it (so that a body larger than the budget can
    /// still pass when nothing else is in flight); `None` when they are not free now.
    fn take(&self, bytes: u64) -> Option<OwnedSemaphorePermit> {
        let bytes = u32::try_from(bytes).unwrap_or(u32::MAX).min(self.total);
        Arc::clone(&self.left).try_acquire_many_owned(bytes).ok()
    }
}

/// Holds the request's body to the budget (see the module docs).
pub(super) async fn hold(budget: Arc<BodyBudget>, request: Request, next: Next) -> Response {
    let declared = request
        .headers()
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let held = match declared {
        Some(0) => None,
        Some(bytes) => match budget.take(bytes) {
            Some(permit) => Some(permit),
            None => {
                // Read to its end and dropped, piece by piece (the request limit still holds):
                // a client still sending would otherwise see the connection reset instead of
                // the 503, and Okta may not retry a reset as it retries a 503.
                drain(request.into_body()).await;
                return busy();
            }
        },
        None => None,
    };
    let held = Arc::new(Mutex::new(held));
    let over = Arc::new(AtomicBool::new(false));
    let request = if declared.is_some() {
        request
    } else {
        let (budget, held, over) = (Arc::clone(&budget), Arc::clone(&held), Arc::clone(&over));
        request.map(|body| {
            Body::new(Metered {
                body,
                budget,
                held,
                over,
            })
        })
    };
    let response = next.run(request).await;
    // The bytes are given back here (`held` is dropped with the last reference).
    if over.load(Ordering::Relaxed) {
        return busy();
    }
    response
}

/// 503: Okta retries once, a few seconds later.
fn busy() -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(http::header::RETRY_AFTER, "1")],
        "the server is receiving as much as it holds at once; try again",
    )
        .into_response()
}

/// Reads a body to its end (or its first error), keeping none of it.
async fn drain(body: Body) {
    let mut body = body;
    while let Some(Ok(_)) =
        std::future::poll_fn(|cx| std::pin::Pin::new(&mut body).poll_frame(cx)).await
    {}
}

/// A body without `Content-Length`, reserving each piece of the budget as it arrives.
struct Metered {
    body: Body,
    budget: Arc<BodyBudget>,
    held: Arc<Mutex<Option<OwnedSemaphorePermit>>>,
    over: Arc<AtomicBool>,
}

/// The error a body ends with once the budget is spent.
#[derive(Debug, thiserror::Error)]
#[error("the server holds as many request bytes as it may")]
struct OverBudget;

impl HttpBody for Metered {
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let frame = match std::task::ready!(std::pin::Pin::new(&mut self.body).poll_frame(cx)) {
            Some(Ok(frame)) => frame,
            other => return Poll::Ready(other.map(|r| r.map_err(Into::into))),
        };
        if let Some(data) = frame.data_ref() {
            let Some(permit) = self.budget.take(data.len() as u64) else {
                self.over.store(true, Ordering::Relaxed);
                return Poll::Ready(Some(Err(OverBudget.into())));
            };
            let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
            match held.as_mut() {
                Some(all) => all.merge(permit),
                None => *held = Some(permit),
            }
        }
        Poll::Ready(Some(Ok(frame)))
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}
