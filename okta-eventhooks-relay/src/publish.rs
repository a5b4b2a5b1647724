//! The storing half of the JetStream store: publishes every event of a delivery to JetStream
//! and returns once JetStream has acknowledged all of them, sending again what was not
//! acknowledged until the receiver's deadline.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use async_nats::jetstream::{self, message::PublishMessage};
use std::time::Duration;

use async_nats::jetstream::context::PublishError;
use async_nats::jetstream::publish::PublishAck;
use futures_util::future::join_all;

use okta_eventhooks::sink::Incoming;
use okta_eventhooks_receiver::BoxError;

use crate::envelope::{self, Outgoing};

/// Counts of what the sink stored.
#[derive(Debug, Default)]
pub(crate) struct Published {
    pub(crate) messages: AtomicU64,
    pub(crate) duplicates: AtomicU64,
    /// New events kept aside as invalid (not in `messages`).
    pub(crate) invalid: AtomicU64,
}

/// Publishes to one stream under one subject prefix.
pub(crate) struct Publisher {
    pub(crate) js: jetstream::Context,
    pub(crate) stream: String,
    pub(crate) prefix: String,
    pub(crate) counts: Arc<Published>,
}

impl Publisher {
    pub(crate) async fn publish_all(&self, incoming: Incoming) -> Result<(), BoxError> {
        let split = || envelope::split(&incoming, &self.prefix);
        // Which events are not acknowledged yet, by their place in the delivery.
        let mut pending: Vec<usize> = (0..incoming.events.len()).collect();
        let mut messages = split();
        let invalid: Vec<bool> = messages.iter().map(|m| m.invalid).collect();
        let mut pause = FIRST_PAUSE;
        // Until every event is acknowledged. The receiver drops this future at its deadline,
        // which ends the loop; sending an event again is safe (same `Nats-Msg-Id`).
        loop {
            let outcomes = self.publish_once(messages).await;
            let mut unacked = Vec::new();
            let mut last_error: Option<BoxError> = None;
            for (index, outcome) in pending.into_iter().zip(outcomes) {
                match outcome {
                    Ok(ack) if ack.stream == self.stream => self.count(&ack, invalid[index]),
                    // Another stream took the subject (the stream was replaced): not ours.
                    Ok(ack) => {
                        unacked.push(index);
                        last_error = Some(format!("stored in stream {}", ack.stream).into());
                    }
                    // Too large for the server or the stream, or no space: no retry within the
                    // deadline can store it.
                    Err(e) if crate::cause::is_final(&e) => return Err(e.into()),
                    Err(e) => {
                        unacked.push(index);
                        last_error = Some(e.into());
                    }
                }
            }
            let Some(error) = last_error else {
                return Ok(());
            };
            // No leader right now (an election after a node died), a reconnect, a slow ack:
            // all pass within seconds, and the deadline is what bounds the wait.
            tracing::debug!(%error, events = unacked.len(), "not stored yet, trying again");
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(MAX_PAUSE);
            // Built again rather than kept: the first try, by far the most common, then
            // moves every message into the client without a copy.
            let mut again = split().into_iter().enumerate();
            messages = unacked
                .iter()
                .filter_map(|index| again.find(|(i, _)| i == index).map(|(_, m)| m))
                .collect();
            pending = unacked;
        }
    }

    /// Sends every message first, then waits for the acks together: one round trip for the
    /// delivery instead of one per event.
    async fn publish_once(&self, messages: Vec<Outgoing>) -> Vec<Result<PublishAck, PublishError>> {
        let mut acks = Vec::with_capacity(messages.len());
        for message in messages {
            let mut publish = PublishMessage::build()
                .headers(message.headers)
                .payload(message.payload);
            if let Some(id) = message.id {
                // The value made when the uuid was checked (`message_id` would copy it again).
                publish = publish.header(async_nats::header::NATS_MESSAGE_ID, id);
            }
            let sent = self.js.send_publish(message.subject, publish).await;
            acks.push(async move { sent?.await });
        }
        join_all(acks).await
    }

    fn count(&self, ack: &PublishAck, invalid: bool) {
        let counter = if ack.duplicate {
            &self.counts.duplicates
        } else if invalid {
            &self.counts.invalid
        } else {
            &self.counts.messages
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

/// The first pause before sending unacknowledged events again, doubled up to [`MAX_PAUSE`].
const FIRST_PAUSE: Duration = Duration::from_millis(25);
const MAX_PAUSE: Duration = Duration::from_millis(250);
