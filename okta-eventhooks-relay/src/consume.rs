//! Reading the stream back: typed System Log events from a durable pull consumer, each with
//! its acknowledgement.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use async_nats::jetstream::{self, AckKind, consumer::pull};
use bytes::Bytes;
use futures_util::{Stream, StreamExt};

use okta_eventhooks::events::LogEvent;

use crate::error::{Error, Result};
use crate::{headers, subject};

/// Default time a consumer has to acknowledge an event before JetStream sends it again.
pub const DEFAULT_ACK_WAIT: Duration = Duration::from_secs(30);

/// Opens (or creates) the durable pull consumer `durable` on `stream` and returns its events.
///
/// A durable consumer remembers what was acknowledged: a process that restarts with the same
/// name carries on where the last one stopped, and several processes sharing the name share
/// the work. `filter` selects subjects, e.g. `okta.events.user.>` (all of the stream when
/// `None`). An existing consumer must have the same filter.
///
/// ```no_run
/// use futures_util::StreamExt;
/// # async fn run() -> okta_eventhooks_relay::Result<()> {
/// let client = okta_eventhooks_relay::NatsServers::new(["nats://127.0.0.1:4222"])?
///     .connect("billing-sync")
///     .await?;
/// let js = async_nats::jetstream::new(client);
/// let mut events = okta_eventhooks_relay::consume(&js, "OKTA_EVENTS", "billing-sync", Some("okta.events.user.>")).await?;
/// while let Some(received) = events.next().await {
///     let received = received?;
///     println!("{:?} {:?}", received.event.event_type, received.event.uuid);
///     received.ack().await?; // only after the work is done: otherwise it comes again
/// }
/// # Ok(()) }
/// ```
pub async fn consume(
    js: &jetstream::Context,
    stream: &str,
    durable: &str,
    filter: Option<&str>,
) -> Result<EventStream> {
    consume_batched(js, stream, durable, filter, None).await
}

/// [`consume`], pulling at most `batch` events at a time (`None`: async-nats' default, some
/// hundreds). A reader that takes long per event pulls 1: an event waiting in the batch
/// while others are processed counts against [`DEFAULT_ACK_WAIT`] and would be sent again.
pub async fn consume_batched(
    js: &jetstream::Context,
    stream: &str,
    durable: &str,
    filter: Option<&str>,
    batch: Option<usize>,
) -> Result<EventStream> {
    check_consumer(durable, filter)?;
    let found = js
        .get_stream(stream)
        .await
        .map_err(|e| Error::jetstream(format!("open stream {stream}"), e))?;
    let filter = filter.unwrap_or_default().to_owned();
    let config = pull::Config {
        durable_name: Some(durable.to_owned()),
        filter_subject: filter.clone(),
        ack_policy: jetstream::consumer::AckPolicy::Explicit,
        ack_wait: DEFAULT_ACK_WAIT,
        ..Default::default()
    };
    let action = || format!("open consumer {durable} on stream {stream}");
    let mut consumer: jetstream::consumer::PullConsumer = found
        .get_or_create_consumer(durable, config)
        .await
        .map_err(|e| Error::jetstream(action(), e))?;
    let existing = consumer
        .info()
        .await
        .map_err(|e| Error::jetstream(action(), e))?
        .config
        .filter_subject
        .clone();
    if existing != filter {
        return Err(Error::InvalidInput(format!(
            "consumer {durable} on stream {stream} already exists with the subject filter {existing:?}, not {filter:?}: use another durable name, or the same filter"
        )));
    }
    let mut pull = consumer.stream();
    if let Some(batch) = batch {
        pull = pull.max_messages_per_batch(batch.max(1));
    }
    let messages = pull
        .messages()
        .await
        .map_err(|e| Error::jetstream(action(), e))?;
    Ok(EventStream { messages })
}

/// Checks what [`consume`] is given, before NATS is asked (NATS takes a bad name or filter
/// for a missing resource, or times out): the durable name as NATS requires (not empty, and
/// none of whitespace, `.`, `*`, `>`, `/`, `\\` or control characters: it is a token of
/// JetStream's API subjects and a directory name), and the filter a valid subject.
pub fn check_consumer(durable: &str, filter: Option<&str>) -> Result<()> {
    check_consumer_name(durable)?;
    if let Some(filter) = filter.filter(|f| !subject::is_filter(f)) {
        return Err(Error::InvalidInput(format!(
            "the subject filter {filter:?} is not a valid NATS subject: dot-separated non-empty tokens without spaces, with '*' only as a whole token and '>' only as the last one (e.g. okta.events.user.>)"
        )));
    }
    Ok(())
}

fn check_consumer_name(name: &str) -> Result<()> {
    let bad = name.chars().find(|&c| {
        c.is_whitespace() || c.is_control() || matches!(c, '.' | '*' | '>' | '/' | '\\')
    });
    if name.is_empty() || bad.is_some() {
        let why = bad.map_or_else(
            || "it is empty".to_owned(),
            |c| format!("it contains {c:?}"),
        );
        return Err(Error::InvalidInput(format!(
            "the consumer name {name:?} is not valid: {why}; NATS names may not contain whitespace, '.', '*', '>', '/' or '\\'"
        )));
    }
    Ok(())
}

/// The events of a durable pull consumer, in stream order (see [`consume`]). Ends only when
/// dropped; items are errors when pulling fails or a message is not a System Log event.
pub struct EventStream {
    messages: pull::Stream,
}

impl std::fmt::Debug for EventStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventStream").finish_non_exhaustive()
    }
}

impl Stream for EventStream {
    type Item = Result<ReceivedEvent>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let message = match self.messages.poll_next_unpin(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(None) => return Poll::Ready(None),
            Poll::Ready(Some(Err(e))) => {
                return Poll::Ready(Some(Err(Error::jetstream("pull messages", e))));
            }
            Poll::Ready(Some(Ok(message))) => message,
        };
        Poll::Ready(Some(ReceivedEvent::decode(message)))
    }
}

/// One event from the stream, to be acknowledged once processed.
#[non_exhaustive]
pub struct ReceivedEvent {
    /// The event, typed.
    pub event: LogEvent,
    /// The event's JSON exactly as Okta sent it.
    pub raw: Bytes,
    /// Its subject, `<prefix>.<eventType>`.
    pub subject: String,
    /// Its sequence number in the stream.
    pub stream_sequence: u64,
    /// How many times it has been delivered to this consumer (more than 1: it was not
    /// acknowledged in time before).
    pub delivered: i64,
    /// The `eventId` of the Okta delivery it came in.
    pub delivery_event_id: Option<String>,
    /// The id of the event hook that delivered it.
    pub event_hook_id: Option<String>,
    /// The org it comes from (host name).
    pub org: Option<String>,
    acker: jetstream::message::Acker,
}

impl std::fmt::Debug for ReceivedEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReceivedEvent")
            .field("event", &self.event)
            .field("subject", &self.subject)
            .field("stream_sequence", &self.stream_sequence)
            .field("delivered", &self.delivered)
            .field("delivery_event_id", &self.delivery_event_id)
            .finish_non_exhaustive()
    }
}

impl ReceivedEvent {
    fn decode(message: jetstream::Message) -> Result<Self> {
        let (sequence, delivered) = message
            .info()
            .map(|info| (info.stream_sequence, info.delivered))
            .unwrap_or_default();
        let (message, acker) = message.split();
        let header = |name: &str| {
            message
                .headers
                .as_ref()
                .and_then(|h| h.get(name))
                .map(|v| v.as_str().to_owned())
        };
        let (delivery_event_id, event_hook_id, org) = (
            header(headers::OKTA_EVENT_ID),
            header(headers::OKTA_EVENT_HOOK_ID),
            header(headers::OKTA_ORG),
        );
        let subject = message.subject.to_string();
        // The receiver refuses what nests deeper than the typed decode reads; a message
        // published otherwise is refused here by the same limit.
        let decoded = okta_eventhooks::events::check_event_depth(&message.payload)
            .and_then(|()| serde_json::from_slice(&message.payload));
        match decoded {
            Ok(event) => Ok(Self {
                event,
                raw: message.payload,
                subject,
                stream_sequence: sequence,
                delivered,
                delivery_event_id,
                event_hook_id,
                org,
                acker,
            }),
            Err(source) => {
                // Sent again it would fail again: stop redelivery. It stays in the stream.
                tokio::spawn(async move {
                    let _ = acker.ack_with(AckKind::Term).await;
                });
                Err(Error::Decode {
                    subject,
                    sequence,
                    source,
                })
            }
        }
    }

    /// Acknowledges the event and waits for JetStream to confirm, so that it is not sent
    /// again to this consumer. Call it once the event is processed.
    pub async fn ack(&self) -> Result<()> {
        self.acker
            .double_ack()
            .await
            .map_err(|e| Error::jetstream("acknowledge an event", e))
    }

    /// Tells JetStream the event is still being processed, so that it is not sent again
    /// before [`DEFAULT_ACK_WAIT`] passes from now.
    pub async fn in_progress(&self) -> Result<()> {
        self.acker
            .ack_with(AckKind::Progress)
            .await
            .map_err(|e| Error::jetstream("report an event in progress", e))
    }

    /// Asks JetStream to send the event again after `delay` (processing failed for now).
    pub async fn retry_later(&self, delay: Duration) -> Result<()> {
        self.acker
            .ack_with(AckKind::Nak(Some(delay)))
            .await
            .map_err(|e| Error::jetstream("return an event", e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consumer_names_are_checked_as_nats_requires() {
        for good in ["billing-sync", "audit_1", "A"] {
            check_consumer_name(good).unwrap();
        }
        for bad in ["", "a.b", "a*", "a>", "a b", "a/b", "a\\b", "a\tb"] {
            let err = check_consumer_name(bad).unwrap_err();
            assert!(err.to_string().contains("is not valid"), "{bad}: {err}");
        }
    }
}
