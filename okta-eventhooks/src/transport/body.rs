//! The final response's body on its way to the generated code: the size limit, checked before
//! anything reads it into memory, and the raw bytes kept for [`keep_response_bodies`].

use std::future::Future;
use std::sync::{Arc, Mutex};

use bytes::Bytes;

use super::{CallContext, ResponseMeta};
use crate::error::Error;

tokio::task_local! {
    static BODIES: Arc<Mutex<Option<Bytes>>>;
    static TAKEN: Arc<Mutex<Taken>>;
}

/// The slot of [`take_response_body`].
struct Taken {
    stand_in: &'static [u8],
    body: Option<Bytes>,
}

/// Runs `future` (any number of calls on any [`Client`](crate::Client)) so that, inside it,
/// [`last_response_body`] returns the body of the most recent successful response byte for byte
/// as Okta sent it: field order, `null`s and fields this SDK does not model included. For tools
/// that must print exactly what the API returned (the CLI's `-o json`). Outside such a scope no
/// body is kept.
///
/// ```no_run
/// # async fn run(client: okta_eventhooks::Client) -> okta_eventhooks::Result<()> {
/// okta_eventhooks::keep_response_bodies(async {
///     let hook = client.get_event_hook("who8vt36qfNpCGz9H1e6").await?;
///     let raw = okta_eventhooks::last_response_body().expect("a successful response");
///     println!("{}", String::from_utf8_lossy(&raw));
///     Ok(())
/// })
/// .await
/// # }
/// ```
pub async fn keep_response_bodies<F: Future>(future: F) -> F::Output {
    BODIES.scope(Arc::default(), future).await
}

/// The body of the most recent successful response inside [`keep_response_bodies`].
pub fn last_response_body() -> Option<Bytes> {
    BODIES
        .try_with(|slot| slot.lock().unwrap_or_else(|e| e.into_inner()).clone())
        .ok()
        .flatten()
}

/// Runs `future` (one call) so that the body of its successful response is taken, byte for byte
/// as it came, and the generated code decodes `stand_in` instead: for a reader that parses the
/// body its own way and at its own time (reconcile reads only a few fields of each System Log
/// event, and reads the next page while parsing this one). Everything else about the call
/// (retries, rate limits, the size limit, errors) is as for any call. Returns the call's
/// outcome and the body taken (`None` when no successful response came).
pub(crate) async fn take_response_body<F: Future>(
    stand_in: &'static [u8],
    future: F,
) -> (F::Output, Option<Bytes>) {
    let slot = Arc::new(Mutex::new(Taken {
        stand_in,
        body: None,
    }));
    let outcome = TAKEN.scope(Arc::clone(&slot), future).await;
    let body = slot.lock().unwrap_or_else(|e| e.into_inner()).body.take();
    (outcome, body)
}

/// What to do with the final response before the generated code reads its body.
pub(super) enum Body {
    /// Hand it over as it is (or a stand-in, when the context already holds the error).
    Ready(reqwest::Response),
    /// Read the body here first: it has no length to check, or it must be kept.
    Read(reqwest::Response),
}

/// Refuses a body of more than `limit` bytes before anything reads it into memory.
pub(super) fn check_size(
    response: reqwest::Response,
    limit: usize,
    ctx: &CallContext,
    meta: ResponseMeta,
) -> Body {
    ctx.record_response(meta);
    let keep = response.status().is_success()
        && (BODIES.try_with(|_| ()).is_ok() || TAKEN.try_with(|_| ()).is_ok());
    match response.content_length() {
        Some(len) if len > limit as u64 => Body::Ready(too_large(response.status(), limit, ctx)),
        // hyper never reads past Content-Length: the generated code may read it as is.
        Some(_) if !keep => Body::Ready(response),
        _ => Body::Read(response),
    }
}

/// Reads the whole body (stopping at `limit`) and hands over a response built from it.
pub(super) async fn read_body(
    mut response: reqwest::Response,
    limit: usize,
    ctx: &CallContext,
) -> reqwest::Result<reqwest::Response> {
    let status = response.status();
    let headers = std::mem::take(response.headers_mut());
    let body = if response.content_length().is_some() {
        response.bytes().await?
    } else {
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await? {
            if body.len() + chunk.len() > limit {
                return Ok(too_large(status, limit, ctx));
            }
            body.extend_from_slice(&chunk);
        }
        Bytes::from(body)
    };
    Ok(rebuilt(status, headers, body))
}

/// Records the size-limit error and gives the stand-in response that carries the call to it.
fn too_large(status: reqwest::StatusCode, limit: usize, ctx: &CallContext) -> reqwest::Response {
    ctx.fail(Error::ResponseTooLarge {
        status: status.as_u16(),
        limit,
        request_id: ctx
            .response()
            .and_then(|m| super::errors::text(m.request_id.as_ref())),
    });
    synthetic(status)
}

/// A response for the generated code to decode, from a body already read; with
/// [`keep_response_bodies`] in scope, the body is also kept (a cheap reference-counted clone);
/// with [`take_response_body`], it is taken and the generated code gets the stand-in.
fn rebuilt(
    status: reqwest::StatusCode,
    headers: http::HeaderMap,
    mut body: Bytes,
) -> reqwest::Response {
    if status.is_success() {
        let _ = BODIES
            .try_with(|slot| *slot.lock().unwrap_or_else(|e| e.into_inner()) = Some(body.clone()));
        let _ = TAKEN.try_with(|slot| {
            let mut taken = slot.lock().unwrap_or_else(|e| e.into_inner());
            let stand_in = Bytes::from_static(taken.stand_in);
            taken.body = Some(std::mem::replace(&mut body, stand_in));
        });
    }
    let mut response = http::Response::new(body);
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    reqwest::Response::from(response)
}

/// A stand-in response after the call context already holds the call's real error.
pub(super) fn synthetic(status: reqwest::StatusCode) -> reqwest::Response {
    let mut response = http::Response::new(Bytes::new());
    *response.status_mut() = status;
    reqwest::Response::from(response)
}
