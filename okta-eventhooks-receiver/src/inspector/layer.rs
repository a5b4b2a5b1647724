//! The middleware that records every request a receiver answers, from outside its handling:
//! the request's headers and its body as the handler reads it (a `Bytes` clone of each chunk,
//! copied once into a body of its own when the answer is ready), the status, a short answer and
//! the time taken. No parsing and no serialisation here: the page derives what it shows
//! when it asks.

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use http::{HeaderMap, HeaderName, HeaderValue};
use hyper::body::{Body as HttpBody, Frame, SizeHint};
use okta_eventhooks::hook_call::REPLAYED_HEADER;

use super::record::Call;
use super::store::Store;

/// Answers at most this long are kept whole (a verification's JSON, an error's text); they
/// are already in memory, so keeping them costs a reference count.
const MAX_ANSWER_BYTES: u64 = 4096;

/// Wraps `router` so that every request it answers is recorded in `store`, with the value of
/// `secret_header` (and of the usual credential headers) masked.
pub(crate) fn wrap(
    router: axum::Router,
    store: Arc<Store>,
    secret_header: Option<HeaderName>,
) -> axum::Router {
    let mask: Arc<[HeaderName]> = secret_header.into_iter().collect();
    router.layer(axum::middleware::from_fn(
        move |request: Request, next: Next| {
            record(Arc::clone(&store), Arc::clone(&mask), request, next)
        },
    ))
}

async fn record(
    store: Arc<Store>,
    mask: Arc<[HeaderName]>,
    request: Request,
    next: Next,
) -> Response {
    let start = Instant::now();
    let mut call = Call::new(request.method().clone(), request.uri().path());
    call.headers = own_copy(request.headers());
    call.replayed = call.headers.contains_key(REPLAYED_HEADER);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let request = request.map(|body| {
        Body::new(Tee {
            body,
            seen: Arc::clone(&seen),
        })
    });
    let response = next.run(request).await;
    let (parts, body) = response.into_parts();
    let short = body
        .size_hint()
        .exact()
        .is_some_and(|n| n > 0 && n <= MAX_ANSWER_BYTES);
    let body = if short {
        // Already whole in memory (a `Full` body): collecting it does not wait.
        match axum::body::to_bytes(body, MAX_ANSWER_BYTES as usize).await {
            Ok(answer) => {
                call.answer = answer.clone();
                Body::from(answer)
            }
            Err(_) => Body::empty(),
        }
    } else {
        body
    };
    call.status = Some(parts.status.as_u16());
    call.duration = start.elapsed();
    let chunks = std::mem::take(&mut *seen.lock().unwrap_or_else(|p| p.into_inner()));
    call.body = join(chunks);
    store.push(call, &mask);
    Response::from_parts(parts, body)
}

/// The headers with values of their own: the request's are slices of the connection's read
/// buffer (see [`join`]).
fn own_copy(headers: &HeaderMap) -> HeaderMap {
    let mut copy = HeaderMap::with_capacity(headers.len());
    for (name, value) in headers {
        let value = HeaderValue::from_bytes(value.as_bytes())
            .unwrap_or_else(|_| HeaderValue::from_static(""));
        copy.append(name.clone(), value);
    }
    copy
}

/// The chunks as one body of its own. Copied once (a memcpy of the body, no parsing): each
/// chunk is a slice of the connection's read buffer, and keeping it would keep that whole
/// buffer (8 KiB or more) alive for as long as the record, so the store's byte bound would
/// not hold.
fn join(chunks: Vec<Bytes>) -> Bytes {
    match chunks.as_slice() {
        [] => Bytes::new(),
        [one] => Bytes::copy_from_slice(one),
        _ => Bytes::from(chunks.concat()),
    }
}

/// A request body that keeps a clone of each chunk its reader takes.
struct Tee {
    body: Body,
    seen: Arc<Mutex<Vec<Bytes>>>,
}

impl HttpBody for Tee {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let polled = Pin::new(&mut self.body).poll_frame(cx);
        if let Poll::Ready(Some(Ok(frame))) = &polled
            && let Some(data) = frame.data_ref()
        {
            self.seen
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(data.clone());
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}
