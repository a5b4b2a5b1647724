//! A durable JetStream consumer as the SDK's [`DurableReader`]: the consumer's acknowledgement
//! is the cursor.

use std::time::Duration;

use async_nats::jetstream;
use futures_util::StreamExt;
use okta_eventhooks::sink::{DurableReader, Read, ReadEvent, Settle, SinkFuture};

use crate::consume::{EventStream, ReceivedEvent, consume_batched};
use crate::error::{Error, Result};
use crate::nats::NatsServers;

/// The events of a durable pull consumer as a [`DurableReader`] (see [`consume`](crate::consume)).
#[derive(Debug)]
pub struct JetStreamReader {
    events: EventStream,
    description: String,
}

impl JetStreamReader {
    /// Connects to `servers` and opens (or creates) the durable consumer `durable` on `stream`,
    /// over the subjects of `filter` (all when `None`), pulling one event at a time when
    /// `one_at_a_time` (a reader that takes long per event: an event waiting in a batch counts
    /// against the ack wait).
    pub async fn open(
        servers: &NatsServers,
        stream: &str,
        durable: &str,
        filter: Option<&str>,
        one_at_a_time: bool,
    ) -> Result<Self> {
        // Before NATS is asked: it takes a bad name for a missing resource, or times out.
        crate::consume::check_consumer(durable, filter)?;
        let client = servers.connect("okta-eventhooks consume").await?;
        let js = jetstream::new(client);
        let batch = one_at_a_time.then_some(1);
        let events = consume_batched(&js, stream, durable, filter, batch).await?;
        Ok(Self {
            events,
            description: format!("stream {stream} as {durable} at {servers}"),
        })
    }
}

impl DurableReader for JetStreamReader {
    fn describe(&self) -> String {
        self.description.clone()
    }

    fn next(&mut self) -> SinkFuture<'_, Option<Read>> {
        Box::pin(async move {
            Ok(match self.events.next().await {
                None => None,
                Some(Ok(received)) => Some(Read::Event(Box::new(ReadEvent::new(
                    received.event.clone(),
                    received.raw.clone(),
                    u64::try_from(received.delivered).unwrap_or_default(),
                    Box::new(Acker(received)),
                )))),
                // Not an event: it stays in the stream and is not sent again.
                Some(Err(e @ Error::Decode { .. })) => Some(Read::NotAnEvent(e.to_string())),
                Some(Err(e)) => return Err(e.into()),
            })
        })
    }
}

/// A received message's acknowledgement.
struct Acker(ReceivedEvent);

impl Settle for Acker {
    fn ack(&self) -> SinkFuture<'_> {
        Box::pin(async { Ok(self.0.ack().await?) })
    }

    fn retry_later(&self, delay: Duration) -> SinkFuture<'_> {
        Box::pin(async move { Ok(self.0.retry_later(delay).await?) })
    }

    fn in_progress(&self) -> SinkFuture<'_> {
        Box::pin(async { Ok(self.0.in_progress().await?) })
    }
}
