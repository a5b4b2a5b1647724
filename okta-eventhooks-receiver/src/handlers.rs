//! The two endpoints Okta calls: the verification GET and the delivery POST.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request, State};
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, StatusCode};
use tokio::sync::mpsc;
use tokio::sync::mpsc::error::TrySendError;

use crate::dedupe_store::{self, ForgetIfAbandoned, Screened, SharedStore};
use crate::shared_secret::SharedSecret;
use crate::sink::SinkHook;
use crate::stats::Counters;
use okta_eventhooks::events::{
    Delivery, MAX_EVENT_DEPTH, VERIFICATION_CHALLENGE_HEADER, VerificationRequest, nesting_depth,
};
use okta_eventhooks::sink::Incoming;

/// What every request handler needs; one per receiver.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) auth: Option<SharedSecret>,
    pub(crate) dedupe: SharedStore,
    pub(crate) handover: Handover,
    /// How long a delivery waits for room in a full queue before it is refused.
    pub(crate) queue_wait: std::time::Duration,
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

/// Where a delivery goes once screened (without a sink).
#[derive(Debug)]
pub(crate) enum Handover {
    /// Typed, every event decoded ([`ReceiverBuilder::build`](crate::ReceiverBuilder::build)).
    Typed(mpsc::Sender<Delivery>),
    /// As sent, each event a slice of the body
    /// ([`ReceiverBuilder::build_incoming`](crate::ReceiverBuilder::build_incoming)).
    Raw(mpsc::Sender<Incoming>),
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
    match &shared.handover {
        Handover::Typed(sender) => {
            let delivery = match typed_delivery(body) {
                Ok(delivery) => delivery,
                Err(err) => return malformed(&shared.counters, &err),
            };
            hand_over(shared, sender, delivery).await
        }
        Handover::Raw(sender) => {
            let incoming = match Incoming::parse(body) {
                Ok(incoming) => incoming,
                Err(err) => return malformed(&shared.counters, &err),
            };
            hand_over(shared, sender, incoming).await
        }
    }
}

/// Levels of the envelope above an event: the body's object, `data`, the `events` list.
const ENVELOPE_DEPTH: usize = 3;

/// The typed delivery of a body that is a delivery by [`Incoming::parse`]'s rules (the sink
/// path's: an object with an events list, each event an object within the depth readers
/// decode, string ids), in one parse.
///
/// The typed parse already refuses what `Incoming::parse` refuses, but for a missing events
/// list (it reads as an empty one) and events nested too deep (it stops only at serde_json's
/// 128 levels). A delivery with events, nested no deeper than an event may be below the
/// envelope, passes both; only the rest (an empty or missing list, deep nesting somewhere, a
/// body the typed models refuse) is also given to `Incoming::parse`, whose verdict and
/// message come first, as when both parses always ran.
fn typed_delivery(body: Bytes) -> Result<Delivery, serde_json::Error> {
    // Its texts are slices of the body, not copies: allocated and freed by the hundred per
    // delivery otherwise, the freeing on the one task that hands deliveries over in order.
    let typed = Delivery::from_bytes(&body);
    if let Ok(delivery) = &typed
        && !delivery.data.events.is_empty()
        && body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
        && nesting_depth(&body) <= MAX_EVENT_DEPTH + ENVELOPE_DEPTH
    {
        return typed;
    }
    Incoming::parse(body)?;
    typed
}

/// Drops what was seen, hands the rest over without waiting for user code, answers.
async fn hand_over<D: Screened>(
    shared: &Shared,
    sender: &mpsc::Sender<D>,
    delivery: D,
) -> Response {
    let Some(delivery) = dedupe_store::screen(&*shared.dedupe.0, &shared.counters, delivery).await
    else {
        return StatusCode::OK.into_response();
    };
    let events = delivery.event_count() as u64;
    match queue(shared, sender, delivery).await {
        Ok(()) => {
            Counters::bump(&shared.counters.deliveries, 1);
            Counters::bump(&shared.counters.events, events);
            StatusCode::OK.into_response()
        }
        // The queue stayed full or its reader is gone: refuse with a 5xx so that Okta retries
        // once, and forget its ids so the retry is not taken for a duplicate.
        Err(delivery) => {
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

/// Puts a delivery in the queue, waiting up to the queue wait for room when it is full (a
/// reader that fell behind for a moment, e.g. one not scheduled while the answers take both
/// cores, then slows the senders down instead of having every delivery refused); the delivery
/// back when it could not be queued.
async fn queue<D: Screened>(
    shared: &Shared,
    sender: &mpsc::Sender<D>,
    delivery: D,
) -> Result<(), D> {
    match sender.try_send(delivery) {
        Ok(()) => Ok(()),
        Err(TrySendError::Closed(delivery)) => Err(delivery),
        Err(TrySendError::Full(delivery)) if shared.queue_wait.is_zero() => Err(delivery),
        Err(TrySendError::Full(delivery)) => {
            let abandoned = ForgetIfAbandoned::new(&shared.dedupe, &delivery);
            let room = tokio::time::timeout(shared.queue_wait, sender.reserve()).await;
            abandoned.disarm();
            match room {
                Ok(Ok(permit)) => {
                    permit.send(delivery);
                    Ok(())
                }
                Ok(Err(_)) | Err(_) => Err(delivery),
            }
        }
    }
}

/// 400 for a body that is not a delivery.
fn malformed(counters: &Counters, err: &serde_json::Error) -> Response {
    Counters::bump(&counters.malformed, 1);
    tracing::debug!(error = %err, "event hook delivery refused: malformed JSON");
    // serde_json's message names a position, never the content.
    let message = format!("malformed event hook delivery: {err}");
    (StatusCode::BAD_REQUEST, message).into_response()
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
        shared_with(4, Duration::ZERO)
    }

    /// A handler's state with a queue of `capacity` deliveries, waited for up to `queue_wait`.
    fn shared_with(
        capacity: usize,
        queue_wait: Duration,
    ) -> (Arc<Shared>, mpsc::Receiver<Delivery>) {
        let (sender, deliveries) = mpsc::channel(capacity);
        let shared = Shared {
            auth: None,
            dedupe: SharedStore(Arc::new(MemoryStore::new(Dedupe::new(
                Duration::from_secs(60),
                100,
                1 << 20,
            )))),
            handover: Handover::Typed(sender),
            queue_wait,
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

    /// What both parses said before issue 22: `Incoming::parse`'s verdict and message first,
    /// then the typed parse's.
    fn both_parses(body: &[u8]) -> Result<Delivery, String> {
        Incoming::parse(Bytes::copy_from_slice(body)).map_err(|e| e.to_string())?;
        serde_json::from_slice(body).map_err(|e| e.to_string())
    }

    fn one_parse(body: &[u8]) -> Result<Delivery, String> {
        typed_delivery(Bytes::copy_from_slice(body)).map_err(|e| e.to_string())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// The one typed parse answers as the two parses did, message included.
        #[test]
        fn one_parse_answers_as_both_did(
            id in ".{0,20}",
            events in prop::collection::vec(json_value(), 0..4),
            envelope in json_value(),
        ) {
            let body = serde_json::to_vec(&json!({"eventId": id, "data": {"events": events}})).unwrap();
            prop_assert_eq!(one_parse(&body), both_parses(&body));
            let other = serde_json::to_vec(&envelope).unwrap();
            prop_assert_eq!(one_parse(&other), both_parses(&other));
        }
    }

    #[test]
    fn one_parse_answers_as_both_did_at_the_edges() {
        let max = okta_eventhooks::events::MAX_EVENT_DEPTH;
        let nested = |depth: usize| format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
        for body in [
            format!(r#"{{"data":{{"events":[{{"x":{}}}]}}}}"#, nested(max - 1)),
            format!(r#"{{"data":{{"events":[{{"x":{}}}]}}}}"#, nested(max)),
            format!(
                r#"{{"deep":{},"data":{{"events":[{{}}]}}}}"#,
                nested(max + 2)
            ),
            r#"{"data":{"events":[]}}"#.to_owned(),
            "{}".to_owned(),
            r#" [{"data":{"events":[{}]}}]"#.to_owned(),
            r#"{"data":{"events":[{"severity":5}]}}"#.to_owned(),
            r#"{"data":{"events":[[]]}}"#.to_owned(),
        ] {
            assert_eq!(
                one_parse(body.as_bytes()),
                both_parses(body.as_bytes()),
                "{body:.80}"
            );
        }
    }

    /// `build_incoming`: an event the typed models refuse is handed over as sent.
    #[test]
    fn deliveries_as_sent_keep_what_the_typed_models_refuse() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let (typed, _deliveries) = shared();
        let (sender, mut raw) = mpsc::channel(4);
        let as_sent = Arc::new(Shared {
            auth: None,
            dedupe: SharedStore(Arc::new(MemoryStore::new(Dedupe::new(
                Duration::from_secs(60),
                100,
                1 << 20,
            )))),
            handover: Handover::Raw(sender),
            queue_wait: Duration::ZERO,
            counters: Arc::default(),
            sink: None,
        });
        let body = r#"{"eventId":"e1","data":{"events":[{"uuid":"u1","severity":5}]}}"#;
        let post = |shared: &Arc<Shared>| {
            let request = Request::post("/").body(Body::from(body)).unwrap();
            runtime
                .block_on(deliver(State(Arc::clone(shared)), request))
                .status()
        };
        assert_eq!(post(&typed), StatusCode::BAD_REQUEST);
        assert_eq!(post(&as_sent), StatusCode::OK);
        let incoming = raw.try_recv().unwrap();
        assert_eq!(incoming.events[0].json, r#"{"uuid":"u1","severity":5}"#);
        // The same delivery again is a repeat, acknowledged and not handed over.
        assert_eq!(post(&as_sent), StatusCode::OK);
        assert!(raw.try_recv().is_err());
    }

    /// A full queue: a delivery waits for the reader to make room (200), and without a wait
    /// (or once its reader is gone) it is refused with 503 and its ids forgotten.
    #[tokio::test]
    async fn a_full_queue_is_waited_for_up_to_the_queue_wait() {
        let shared = |queue_wait| shared_with(1, queue_wait);
        let post = |shared: &Arc<Shared>, id: &str| {
            let body = json!({"eventId": id, "data": {"events": [{"uuid": id}]}}).to_string();
            let request = Request::post("/").body(Body::from(body)).unwrap();
            deliver(State(Arc::clone(shared)), request)
        };
        // The reader takes the first delivery only after the second has started waiting.
        let (waiting, mut deliveries) = shared(Duration::from_secs(2));
        assert_eq!(post(&waiting, "d1").await.status(), StatusCode::OK);
        let reader = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(50)).await;
            let first = deliveries.recv().await.unwrap();
            let second = deliveries.recv().await.unwrap();
            (first.event_id, second.event_id)
        });
        assert_eq!(post(&waiting, "d2").await.status(), StatusCode::OK);
        let (first, second) = reader.await.unwrap();
        assert_eq!(
            (first.as_deref(), second.as_deref()),
            (Some("d1"), Some("d2"))
        );
        // Without a wait: refused at once, and the retry is not taken for a duplicate.
        let (at_once, mut deliveries) = shared(Duration::ZERO);
        assert_eq!(post(&at_once, "d1").await.status(), StatusCode::OK);
        assert_eq!(
            post(&at_once, "d2").await.status(),
            StatusCode::SERVICE_UNAVAILABLE
        );
        assert_eq!(at_once.counters.snapshot().overloaded, 1);
        deliveries.recv().await.unwrap();
        assert_eq!(post(&at_once, "d2").await.status(), StatusCode::OK);
        // A reader that does not read: refused after the wait, and so is the retry.
        let (stuck, _deliveries) = shared(Duration::from_millis(100));
        assert_eq!(post(&stuck, "d1").await.status(), StatusCode::OK);
        assert_eq!(
            post(&stuck, "d2").await.status(),
            StatusCode::SERVICE_UNAVAILABLE
        );
        assert_eq!(
            post(&stuck, "d2").await.status(),
            StatusCode::SERVICE_UNAVAILABLE
        );
        assert_eq!(stuck.counters.snapshot().overloaded, 2);
        // A caller that hangs up while waiting: its ids are forgotten, so the retry is new.
        let (hung_up, mut deliveries) = shared(Duration::from_secs(2));
        assert_eq!(post(&hung_up, "d1").await.status(), StatusCode::OK);
        let hanging_up = tokio::time::timeout(Duration::from_millis(50), post(&hung_up, "d2"));
        assert!(hanging_up.await.is_err(), "still waiting for room");
        tokio::task::yield_now().await;
        deliveries.recv().await.unwrap();
        assert_eq!(post(&hung_up, "d2").await.status(), StatusCode::OK);
        let retried = tokio::time::timeout(Duration::from_secs(10), deliveries.recv());
        let retried = retried.await.expect("the retry was handed over").unwrap();
        assert_eq!(retried.event_id.as_deref(), Some("d2"));
        // A reader that is gone is not waited for.
        drop(deliveries);
        assert_eq!(
            post(&waiting, "d3").await.status(),
            StatusCode::SERVICE_UNAVAILABLE
        );
    }

    #[test]
    fn deep_nesting_is_refused_not_a_stack_overflow() {
        for open in ["[", "{\"a\":"] {
            let body = open.repeat(100_000).into_bytes();
            assert_eq!(post(body), StatusCode::BAD_REQUEST);
        }
    }
}
