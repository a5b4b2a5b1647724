//! What happens to every API request between the facade and the wire: authorization, the
//! attempt loop (retries as [`crate::retry`] decides), rate-limit pacing, the response size
//! limit, tracing, and turning the generated layer's errors into the crate's [`Error`].
//!
//! The facade calls [`run`] with an [`Operation`] descriptor and one generated operation's
//! future. The generated client then calls [`ClientHooks::pre`] and [`ClientHooks::exec`]; `exec`
//! owns the attempt loop. A per-call [`CallContext`] (a task-local set by [`run`]) carries what
//! the generated signatures cannot: the operation descriptor, the attempt count and the
//! facade's own errors (deadline, oversized body, credential failures), which [`run`] prefers
//! over the stand-in response the generated code decoded.

mod body;
mod errors;

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http::Method;
use http::header::{CONTENT_LENGTH, HeaderName, HeaderValue};
use progenitor_client::{ClientHooks, OperationInfo, ResponseValue};
use tracing::Instrument;

use crate::auth::{Auth, AuthRetries};
use crate::error::{Error, Result, TimeoutKind};
use crate::generated;
use crate::rate_limit::RateLimit;
use crate::retry::{self, Attempt, Decision, Outcome, Reason, RetryPolicy, Sleep};
use crate::types::OktaError;

pub(crate) use body::take_response_body;
use body::{Body, check_size, read_body, synthetic};
pub use body::{keep_response_bodies, last_response_body};
pub(crate) use errors::decode_error;
use errors::map_error;

const API_VERSION: HeaderName = HeaderName::from_static("api-version");
const REQUEST_ID: HeaderName = HeaderName::from_static("x-okta-request-id");
const RETRY_FOR: HeaderName = HeaderName::from_static("x-okta-retry-for");
const RETRY_COUNT: HeaderName = HeaderName::from_static("x-okta-retry-count");

tokio::task_local! {
    static CALL: Arc<CallContext>;
}

/// What the transport needs to know about one operation of the facade.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Operation {
    /// The operation's name, for tracing.
    pub(crate) name: &'static str,
    /// Whether sending it twice is harmless. A create makes a twin and a verify makes Okta
    /// call the user's endpoint again, so those are never re-sent once they may have reached
    /// Okta.
    pub(crate) idempotent: bool,
    /// Whether the request carries the credential. A public endpoint (the org's
    /// `/.well-known/okta-organization`) gets none: nothing is sent that is not needed.
    pub(crate) authenticated: bool,
}

/// Limits of every call of a client.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    pub(crate) retry: RetryPolicy,
    pub(crate) request_timeout: Duration,
    pub(crate) deadline: Option<Duration>,
    pub(crate) max_response_bytes: usize,
    pub(crate) pace: bool,
    /// Whether `request_timeout` must be set on each request (a `reqwest::Client` given by the
    /// user); our own client applies it for every request at no cost per request.
    pub(crate) timeout_per_request: bool,
}

/// State shared by every clone of a [`Client`](crate::Client); reachable from the generated
/// layer's hooks.
///
/// Opaque: it exists so that the generated client can carry the facade's configuration.
#[derive(Clone, Debug)]
pub struct ClientState(pub(crate) Arc<State>);

#[derive(Debug)]
pub(crate) struct State {
    pub(crate) auth: Auth,
    pub(crate) limits: Limits,
    pub(crate) sleep: Sleep,
    last_rate_limit: Mutex<Option<RateLimit>>,
    /// With `pace`, the instant before which no request starts (Remaining was 0).
    paused_until: Mutex<Option<tokio::time::Instant>>,
}

impl State {
    pub(crate) fn new(auth: Auth, limits: Limits, sleep: Sleep) -> Self {
        Self {
            auth,
            limits,
            sleep,
            last_rate_limit: Mutex::new(None),
            paused_until: Mutex::new(None),
        }
    }

    /// The rate-limit headers of the most recent response that had them.
    pub(crate) fn last_rate_limit(&self) -> Option<RateLimit> {
        *self
            .last_rate_limit
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }
}

/// Runs one generated operation inside a call context (operation descriptor, attempt
/// counting, deadline, tracing) and turns its error into the facade's. The response keeps its
/// status and headers (the System Log reader pages with `Link`).
pub(crate) async fn run<T, F>(
    api: &generated::Client,
    operation: Operation,
    request: Pin<Box<F>>,
) -> Result<ResponseValue<T>>
where
    F: Future<Output = std::result::Result<ResponseValue<T>, generated::Error<OktaError>>>,
{
    let deadline = api.inner.0.limits.deadline;
    let ctx = Arc::new(CallContext::new(operation, deadline));
    let span = tracing::debug_span!(
        "okta_eventhooks.call",
        operation = operation.name,
        attempts = tracing::field::Empty,
        outcome = tracing::field::Empty
    );
    let call = CALL.scope(ctx.clone(), request);
    let outcome = match deadline {
        Some(limit) => tokio::time::timeout(limit, call)
            .instrument(span.clone())
            .await
            .ok(),
        None => Some(call.instrument(span.clone()).await),
    };
    span.record("attempts", ctx.attempts());
    let result = match outcome {
        Some(Ok(value)) => Ok(value),
        Some(Err(e)) => Err(map_error(e, &ctx).await),
        None => Err(Error::Timeout {
            limit: TimeoutKind::Deadline,
            attempts: ctx.attempts().max(1),
        }),
    };
    span.record("outcome", if result.is_ok() { "ok" } else { "error" });
    result
}

/// What one facade call learns while the generated code runs.
#[derive(Debug)]
pub(crate) struct CallContext {
    operation: Operation,
    attempts: AtomicU32,
    failure: Mutex<Option<Error>>,
    /// The final response's metadata: the generated layer drops it when a body fails to decode.
    response: Mutex<Option<ResponseMeta>>,
    deadline: Option<tokio::time::Instant>,
}

impl CallContext {
    fn new(operation: Operation, deadline: Option<Duration>) -> Self {
        Self {
            operation,
            attempts: AtomicU32::new(0),
            failure: Mutex::new(None),
            response: Mutex::new(None),
            deadline: deadline.map(|d| tokio::time::Instant::now() + d),
        }
    }

    fn attempts(&self) -> u32 {
        self.attempts.load(Ordering::Relaxed)
    }

    /// Records the error the call must end with (the first one wins).
    fn fail(&self, error: Error) {
        let mut slot = self.failure.lock().unwrap_or_else(|e| e.into_inner());
        slot.get_or_insert(error);
    }

    fn record_response(&self, meta: ResponseMeta) {
        *self.response.lock().unwrap_or_else(|e| e.into_inner()) = Some(meta);
    }

    fn response(&self) -> Option<ResponseMeta> {
        self.response
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn take_failure(&self) -> Option<Error> {
        self.failure
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
    }

    /// Time left before the deadline, if there is one.
    fn remaining(&self) -> Option<Duration> {
        self.deadline
            .map(|d| d.saturating_duration_since(tokio::time::Instant::now()))
    }
}

#[derive(Clone, Debug)]
struct ResponseMeta {
    status: u16,
    /// Kept as the header value (a cheap clone); made a `String` only for an error.
    request_id: Option<HeaderValue>,
    rate_limit: RateLimit,
}

impl ClientHooks<crate::ClientState> for generated::Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        _info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        // progenitor sends `api-version: <info.version>` on every request; Okta has no such header.
        request.headers_mut().remove(API_VERSION);
        // Okta answers 411 to a POST/PUT without Content-Length; hyper leaves it out when
        // there is no body, so the lifecycle calls need it set by hand.
        if request.body().is_none() && matches!(*request.method(), Method::POST | Method::PUT) {
            request
                .headers_mut()
                .insert(CONTENT_LENGTH, HeaderValue::from_static("0"));
        }
        let limits = &self.inner.0.limits;
        if limits.timeout_per_request {
            *request.timeout_mut() = Some(limits.request_timeout);
        }
        Ok(())
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        _info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        // Every generated operation is started by `run`, which sets the context; the generated
        // client is not reachable from outside the crate.
        let ctx = CALL.try_with(Arc::clone).unwrap_or_else(|_| {
            debug_assert!(false, "a generated operation ran outside transport::run");
            let unknown = Operation {
                name: "unknown",
                idempotent: false,
                authenticated: true,
            };
            Arc::new(CallContext::new(unknown, None))
        });
        execute(&self.inner.0, &self.client, request, &ctx).await
    }
}

/// The attempt loop of one call.
async fn execute(
    state: &State,
    http: &reqwest::Client,
    request: reqwest::Request,
    ctx: &CallContext,
) -> reqwest::Result<reqwest::Response> {
    let limits = &state.limits;
    let mut retry_for: Option<HeaderValue> = None;
    let mut attempt: u32 = 0;
    // Re-sends for authorization (new token after a 401, DPoP nonce) are counted apart: they
    // do not use up `max_retries`.
    let mut auth_retries = AuthRetries::default();
    let mut auth_resends: u32 = 0;
    loop {
        attempt += 1;
        ctx.attempts.store(attempt, Ordering::Relaxed);
        if limits.pace {
            pace(state, ctx).await;
        }
        // Bodies are JSON bytes, so a request can be cloned for every attempt; a streaming
        // body (never produced by the generated client) gets exactly one attempt.
        let Some(mut req) = copy(&request) else {
            let mut request = request;
            if ctx.operation.authenticated
                && let Err(e) = state.auth.authorize(&mut request).await
            {
                return Ok(fail(ctx, e));
            }
            return http.execute(request).await;
        };
        if attempt > 1 {
            if let Some(id) = &retry_for {
                req.headers_mut().insert(RETRY_FOR, id.clone());
            }
            req.headers_mut()
                .insert(RETRY_COUNT, HeaderValue::from(attempt - 1));
        }
        // Once per attempt: an OAuth token may have been renewed, and a DPoP proof is
        // single-use.
        let grant = if ctx.operation.authenticated {
            match state.auth.authorize(&mut req).await {
                Ok(grant) => Some(grant),
                Err(e) => return Ok(fail(ctx, e)),
            }
        } else {
            None
        };
        let span = tracing::debug_span!(
            "okta_eventhooks.attempt",
            method = %req.method(),
            path = req.url().path(),
            attempt,
            status = tracing::field::Empty,
            request_id = tracing::field::Empty,
            elapsed_ms = tracing::field::Empty,
        );
        let started = std::time::Instant::now();
        let result = http.execute(req).instrument(span.clone()).await;
        span.record("elapsed_ms", started.elapsed().as_millis() as u64);
        let position = Attempt {
            number: attempt - auth_resends,
            idempotent: ctx.operation.idempotent,
            time_left: ctx.remaining(),
            jitter: retry::jitter,
        };

        let response = match result {
            Ok(response) => response,
            Err(e) => {
                let outcome = Outcome::Transport {
                    connect: e.is_connect(),
                };
                if let Decision::Retry { wait, .. } = limits.retry.decide(position, outcome) {
                    span.in_scope(|| tracing::debug!(error = %e, wait_ms = wait.as_millis() as u64, "transport error, retrying"));
                    state.sleep.sleep(wait).await;
                    continue;
                }
                return Err(e);
            }
        };

        let status = response.status();
        let headers = response.headers();
        if !span.is_disabled() {
            span.record("status", status.as_u16());
            if let Some(id) = headers.get(REQUEST_ID).and_then(|v| v.to_str().ok()) {
                span.record("request_id", id);
            }
        }
        let rate_limit = RateLimit::from_headers(headers);
        if !rate_limit.is_empty() {
            record_rate_limit(state, rate_limit, headers);
        }

        // A 401 or 400 that a new token or a DPoP nonce fixes; never reached Okta's
        // business logic, so safe to re-send for every method.
        if let Some(grant) = grant
            && state
                .auth
                .review(grant, status.as_u16(), headers, &mut auth_retries)
        {
            auth_resends += 1;
            continue;
        }
        let outcome = Outcome::Response {
            status: status.as_u16(),
            headers,
            rate_limit: &rate_limit,
        };
        match limits.retry.decide(position, outcome) {
            Decision::Retry { wait, reason } => {
                let wait_ms = wait.as_millis() as u64;
                if reason == Reason::RateLimited {
                    if retry_for.is_none() {
                        retry_for = headers.get(REQUEST_ID).cloned();
                    }
                    span.in_scope(|| {
                        tracing::info!(wait_ms, "rate limited, waiting for the reset")
                    });
                } else {
                    span.in_scope(|| tracing::debug!(wait_ms, "server error, retrying"));
                }
                // Not kept across the wait: the future of every call would carry it.
                drop(response);
                state.sleep.sleep(wait).await;
                continue;
            }
            Decision::Stop if status.as_u16() == 429 => {
                span.in_scope(|| {
                    tracing::info!(
                        "rate limited; no retry left or the reset is too far away to wait for"
                    )
                });
            }
            Decision::Stop => {}
        }
        let meta = ResponseMeta {
            status: status.as_u16(),
            request_id: response.headers().get(REQUEST_ID).cloned(),
            rate_limit,
        };
        return match check_size(response, limits.max_response_bytes, ctx, meta) {
            Body::Ready(response) => Ok(response),
            // Boxed: the rarer path, with a large future that every call would carry.
            Body::Read(response) => {
                Box::pin(read_body(response, limits.max_response_bytes, ctx)).await
            }
        };
    }
}

/// The request for one attempt. Without a body, copied by hand: `reqwest::Request::try_clone`
/// also allocates an extension map on every call, even when there is nothing to put in it.
/// (The generated requests carry no extension but the timeout that `pre` may set.)
fn copy(request: &reqwest::Request) -> Option<reqwest::Request> {
    if request.body().is_some() {
        return request.try_clone();
    }
    let mut copy = reqwest::Request::new(request.method().clone(), request.url().clone());
    *copy.headers_mut() = request.headers().clone();
    *copy.version_mut() = request.version();
    if let Some(timeout) = request.timeout() {
        *copy.timeout_mut() = Some(*timeout);
    }
    Some(copy)
}

fn fail(ctx: &CallContext, error: Error) -> reqwest::Response {
    ctx.fail(error);
    synthetic(reqwest::StatusCode::INTERNAL_SERVER_ERROR)
}

fn record_rate_limit(state: &State, rate_limit: RateLimit, headers: &http::HeaderMap) {
    *state
        .last_rate_limit
        .lock()
        .unwrap_or_else(|e| e.into_inner()) = Some(rate_limit);
    if state.limits.pace {
        let pause = (rate_limit.remaining == Some(0))
            .then(|| retry::wait_for_reset(&rate_limit, headers))
            .flatten()
            .map(|wait| tokio::time::Instant::now() + wait.min(state.limits.retry.max_backoff));
        *state.paused_until.lock().unwrap_or_else(|e| e.into_inner()) = pause;
    }
}

/// With `pace` on, waits until the window resets when the last response had no requests left.
async fn pace(state: &State, ctx: &CallContext) {
    let until = *state.paused_until.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(until) = until {
        let wait = until.saturating_duration_since(tokio::time::Instant::now());
        if !wait.is_zero() && ctx.remaining().is_none_or(|left| wait < left) {
            tracing::debug!(
                wait_ms = wait.as_millis() as u64,
                "pacing: no requests left in this window"
            );
            state.sleep.sleep(wait).await;
        }
    }
}
