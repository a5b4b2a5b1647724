//! The middleware that records every request a receiver answers, from outside its handling:
//! the request's headers and its body as the handler reads it (each copied once into memory of
//! its own), the status, a short answer and the time taken. No parsing and no serialisation here: the page derives what it shows
//! when it asks.

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use bytes::BytesMut;
use http::{HeaderMap, HeaderName, HeaderValue};
use hyper::body::{Body as HttpBody, Frame, SizeHint};
use okta_eventhooks::hook_call::REPLAYED_HEADER;

use super::record::Call;
use super::store::Store;

/// Answers at most this long are kept whole (a verification's JSON, an error's text); they
/// are already in memory, so keeping them costs a reference count.
const MAX_ANSWER_BYTES: u64 = 4096;

/// At most this much is set aside for a body before it arrives, whatever its `Content-Length`
/// says (the receiver's own limit refuses larger ones as they arrive).
const MAX_PRESIZE: usize = 1024 * 1024;

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
    let expected = request
        .headers()
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<usize>().ok())
        .unwrap_or(0)
        .min(MAX_PRESIZE);
    let seen = Arc::new(Mutex::new(BytesMut::with_capacity(expected)));
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
    call.body = std::mem::take(&mut *seen.lock().unwrap_or_else(|p| p.into_inner())).freeze();
    store.push(call, &mask);
    Response::from_parts(parts, body)
}

/// The headers with values of their own: the request's are slices of the connection's read
/// buffer, and keeping one would keep that whole buffer (8 KiB or more) alive for as long as
/// the record, so the store's byte bound would not hold. One copy of every value, each header
/// a slice of it.
fn own_copy(headers: &HeaderMap) -> HeaderMap {
    let mut values = BytesMut::with_capacity(headers.values().map(|v| v.len()).sum());
    for value in headers.values() {
        values.extend_from_slice(value.as_bytes());
    }
    let mut values = values.freeze();
    let mut copy = HeaderMap::with_capacity(headers.len());
    for (name, value) in headers {
        let own = values.split_to(value.len());
        let value =
            HeaderValue::from_maybe_shared(own).unwrap_or_else(|_| HeaderValue::from_static(""));
        copy.append(name.clone(), value);
    }
    copy
}

/// A request body that copies each chunk its reader takes into a body of its own (for the
/// reason of [`own_copy`]), sized by the request's length when it has one.
struct Tee {
    body: Body,
    seen: Arc<Mutex<BytesMut>>,
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
                .extend_from_slice(data);
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
