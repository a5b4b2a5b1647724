//! The two endpoints Okta calls: the verification GET and the delivery POST.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request, State};
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, StatusCode};
use tokio::sync::mpsc;
use tokio::sync::mpsc::error::TrySendError;

use crate::dedupe_store::{self, SharedStore};
use crate::shared_secret::SharedSecret;
use crate::sink::SinkHook;
use crate::stats::Counters;
use okta_eventhooks::events::{Delivery, VERIFICATION_CHALLENGE_HEADER, VerificationRequest};
use okta_eventhooks::sink::Incoming;

/// What every request handler needs; one per receiver.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) auth: Option<SharedSecret>,
    pub(crate) dedupe: SharedStore,
    pub(crate) sender: mpsc::Sender<Delivery>,
    pub(crate) counters: Arc<Counters>,
    /// When set, deliveries go to the sink and are answered once it stored them.
    pub(crate) sink: Option<SinkHook>,
}

impl Shared {
    fn authorized(&self, headers: &HeaderMap) -> bool {
        let ok = self.auth.as_ref().is_none_or(|auth| auth.accepts(headers));
        if !ok {
            Counters::bump(&self.counters.unauthorized, 1);
            tracing::debug!("event hook request refused: auth header missing or wrong");
        }
        ok
    }
}

fn refuse(status: StatusCode, message: &'static str) -> Response {
    (status, message).into_response()
}

/// GET: echo the challenge as `{"verification": "..."}`.
pub(crate) async fn verify(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    if !shared.authorized(&headers) {
        return refuse(StatusCode::UNAUTHORIZED, "unauthorized");
    }
    match VerificationRequest::from_headers(&headers) {
        Some(request) => {
            Counters::bump(&shared.counters.verifications, 1);
            tracing::debug!("event hook verification challenge answered");
            (StatusCode::OK, Json(request.response())).into_response()
        }
        None => {
            Counters::bump(&shared.counters.malformed, 1);
            // A challenge that is there but not visible ASCII is not echoed: Okta's challenges
            // are, and reflecting other bytes back would only serve whoever crafted them.
            let message = if headers.contains_key(VERIFICATION_CHALLENGE_HEADER) {
                "the X-Okta-Verification-Challenge header is not visible ASCII text (Okta's challenges are); it is not echoed"
            } else {
                "missing X-Okta-Verification-Challenge header"
            };
            refuse(StatusCode::BAD_REQUEST, message)
        }
    }
}

/// POST: the answer, timed for the duration histogram.
pub(crate) async fn deliver(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let start = std::time::Instant::now();
    let response = answer_delivery(&shared, request).await;
    shared.counters.observe(start.elapsed());
    response
}

/// Checks, parses, de-duplicates, hands over without waiting for user code, acknowledges.
async fn answer_delivery(shared: &Shared, request: Request) -> Response {
    // Auth first, so an unauthenticated caller cannot make us buffer a body.
    if !shared.authorized(request.headers()) {
        return refuse(StatusCode::UNAUTHORIZED, "unauthorized");
    }
    // The limit comes from the router's `DefaultBodyLimit` layer.
    let body = match Bytes::from_request(request, &()).await {
        Ok(body) => body,
        Err(rejection) => {
            let counter = if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                &shared.counters.too_large
            } else {
                &shared.counters.malformed
            };
            Counters::bump(counter, 1);
            return rejection.into_response();
        }
    };
    if let Some(sink) = &shared.sink {
        // The sink parses what it needs and stores the events as sent. De-duplication is its
        // job too: a repeat acknowledged here while the first copy is still being stored
        // would be lost with it if that store failed.
        return sink.deliver(&shared.counters, body).await;
    }
    // The shape (an events list, each event within the depth readers decode) is checked
    // where the sink path checks it; the typed parse then reads the rest.
    let parsed = Incoming::parse(body.clone()).and_then(|_| serde_json::from_slice(&body));
    let delivery: Delivery = match parsed {
        Ok(delivery) => delivery,
        Err(err) => {
            Counters::bump(&shared.counters.malformed, 1);
            tracing::debug!(error = %err, "event hook delivery refused: malformed JSON");
            // serde_json's message names a position, never the content.
            let message = format!("malformed event hook delivery: {err}");
            return (StatusCode::BAD_REQUEST, message).into_response();
        }
    };
    let Some(delivery) = dedupe_store::screen(&*shared.dedupe.0, &shared.counters, delivery).await
    else {
        return StatusCode::OK.into_response();
    };
    let events = delivery.data.events.len() as u64;
    match shared.sender.try_send(delivery) {
        Ok(()) => {
            Counters::bump(&shared.counters.deliveries, 1);
            Counters::bump(&shared.counters.events, events);
            StatusCode::OK.into_response()
        }
        // The queue is full or its reader is gone: refuse with a 5xx so that Okta retries once,
        // and forget its ids so the retry is not taken for a duplicate.
        Err(TrySendError::Full(delivery) | TrySendError::Closed(delivery)) => {
            dedupe_store::forget(&*shared.dedupe.0, &delivery).await;
            Counters::bump(&shared.counters.overloaded, 1);
            tracing::warn!("event hook delivery refused with 503: the delivery queue is full");
            refuse(
                StatusCode::SERVICE_UNAVAILABLE,
                "delivery queue full, retry later",
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use axum::body::Body;
    use proptest::prelude::*;
    use serde_json::{Value, json};

    use super::*;
    use crate::dedupe::Dedupe;
    use crate::dedupe_store::MemoryStore;

    fn shared() -> (Arc<Shared>, mpsc::Receiver<Delivery>) {
        let (sender, deliveries) = mpsc::channel(4);
        let shared = Shared {
            auth: None,
            dedupe: SharedStore(Arc::new(MemoryStore::new(Dedupe::new(
                Duration::from_secs(60),
                100,
                1 << 20,
            )))),
            sender,
            counters: Arc::default(),
            sink: None,
        };
        (Arc::new(shared), deliveries)
    }

    /// Runs the delivery handler on one body; the status it answers.
    fn post(body: Vec<u8>) -> StatusCode {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let (shared, _deliveries) = shared();
        let request = Request::post("/").body(Body::from(body)).unwrap();
        runtime.block_on(deliver(State(shared), request)).status()
    }

    /// JSON of the delivery's shape with arbitrary leaves, so that the cases reach past the
    /// first syntax error into the typed fields.
    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<f64>().prop_map(|f| json!(f)),
            ".{0,40}".prop_map(Value::from),
        ];
        leaf.prop_recursive(6, 64, 8, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..8).prop_map(Value::from),
                prop::collection::btree_map(
                    prop_oneof![
                        Just("eventId".to_owned()),
                        Just("data".to_owned()),
                        Just("events".to_owned()),
                        Just("eventType".to_owned()),
                        Just("published".to_owned()),
                        Just("outcome".to_owned()),
                        Just("target".to_owned()),
                        Just("actor".to_owned()),
                        "[a-zA-Z]{1,12}",
                    ],
                    inner,
                    0..8,
                )
                .prop_map(|map| Value::Object(map.into_iter().collect())),
            ]
        })
    }

    proptest! {
        // Bounded so that the suite stays fast; each case is one handler call.
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn arbitrary_bytes_never_panic(body in prop::collection::vec(any::<u8>(), 0..2048)) {
            let status = post(body);
            prop_assert!(matches!(status.as_u16(), 200 | 400), "{status}");
        }

        #[test]
        fn arbitrary_delivery_shaped_json_never_panics(value in json_value()) {
            let status = post(serde_json::to_vec(&value).unwrap());
            prop_assert!(matches!(status.as_u16(), 200 | 400), "{status}");
        }

        #[test]
        fn arbitrary_event_lists_never_panic(
            id in ".{0,200}",
            events in prop::collection::vec(json_value(), 0..6),
        ) {
            let body = json!({"eventId": id, "data": {"events": events}});
            let status = post(serde_json::to_vec(&body).unwrap());
            prop_assert!(matches!(status.as_u16(), 200 | 400), "{status}");
        }
    }

    #[test]
    fn deep_nesting_is_refused_not_a_stack_overflow() {
        for open in ["[", "{\"a\":"] {
            let body = open.repeat(100_000).into_bytes();
            assert_eq!(post(body), StatusCode::BAD_REQUEST);
        }
    }
}
