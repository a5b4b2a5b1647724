//! The sink behind the receiver: publishes every event of a delivery to JetStream and
//! returns once JetStream has acknowledged all of them.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use async_nats::jetstream::{self, message::PublishMessage};
use std::future::IntoFuture;

use futures_util::future::try_join_all;

use okta_eventhooks_receiver::{Incoming, Sink, SinkError, SinkFuture};

use crate::envelope;

/// Counts of what the sink stored.
#[derive(Debug, Default)]
pub(crate) struct Published {
    pub(crate) messages: AtomicU64,
    pub(crate) duplicates: AtomicU64,
}

/// Publishes to one stream under one subject prefix.
pub(crate) struct JetStreamSink {
    pub(crate) js: jetstream::Context,
    pub(crate) stream: String,
    pub(crate) prefix: String,
    pub(crate) counts: Arc<Published>,
}

impl JetStreamSink {
    async fn publish_all(&self, incoming: Incoming) -> Result<(), SinkError> {
        let messages = envelope::split(&incoming.body, &incoming.delivery, &self.prefix)
            .map_err(SinkError::new)?;
        // Send every message first, then wait for the acks together: one round trip for the
        // delivery instead of one per event.
        let mut acks = Vec::with_capacity(messages.len());
        for message in messages {
            let mut publish = PublishMessage::build()
                .headers(message.headers)
                .payload(message.payload)
                // JetStream refuses the message unless this stream takes the subject.
                .expected_stream(&self.stream);
            if let Some(id) = &message.id {
                publish = publish.message_id(id);
            }
            let ack = self
                .js
                .send_publish(message.subject, publish)
                .await
                .map_err(SinkError::new)?;
            acks.push(ack.into_future());
        }
        let acks = try_join_all(acks).await.map_err(SinkError::new)?;
        let duplicates = acks.iter().filter(|ack| ack.duplicate).count() as u64;
        self.counts
            .messages
            .fetch_add(acks.len() as u64 - duplicates, Ordering::Relaxed);
        self.counts
            .duplicates
            .fetch_add(duplicates, Ordering::Relaxed);
        Ok(())
    }
}

impl Sink for JetStreamSink {
    fn store(&self, incoming: Incoming) -> SinkFuture<'_> {
        Box::pin(self.publish_all(incoming))
    }
}
