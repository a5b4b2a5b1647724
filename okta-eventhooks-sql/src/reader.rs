//! The events table read in `seq` order after a durable cursor (a row of
//! `okta_event_consumers`), as the SDK's [`DurableReader`].

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use okta_eventhooks::sink::{DurableReader, Read, ReadEvent, Settle, SinkFuture};
use tokio::time::Instant;

use crate::row::StoredEvent;
use crate::sink::SqlSink;

/// Rows read at once.
const READ_BATCH: usize = 100;

/// How often the table is looked at again when everything was read.
const POLL: Duration = Duration::from_millis(200);

/// A durable reader of an SQL sink's table.
pub struct SqlReader {
    sink: SqlSink,
    consumer: String,
    types: Vec<String>,
    /// Rows read after the cursor and not given yet.
    read: VecDeque<StoredEvent>,
    /// The event given back last, when it is to come again.
    given_back: Arc<Mutex<Option<GivenBack>>>,
}

impl std::fmt::Debug for SqlReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqlReader")
            .field("database", &self.sink.database())
            .field("consumer", &self.consumer)
            .finish_non_exhaustive()
    }
}

/// An event given back: it comes again at `at`, for the `delivered + 1`th time.
#[derive(Clone, Copy)]
struct GivenBack {
    seq: i64,
    at: Instant,
    delivered: u64,
}

impl SqlReader {
    /// Reads `sink`'s table for the consumer `consumer` (its cursor kept in
    /// `okta_event_consumers`), giving only events of `types` when some are given.
    pub fn new(sink: SqlSink, consumer: &str, types: &[String]) -> Self {
        Self {
            sink,
            consumer: consumer.to_owned(),
            types: types.to_vec(),
            read: VecDeque::new(),
            given_back: Arc::default(),
        }
    }

    async fn next_read(&mut self) -> crate::Result<Read> {
        let given_back = self.lock().take();
        if let Some(back) = given_back {
            // The cursor did not move: reading after it again gives the same event first.
            self.read.clear();
            tokio::time::sleep_until(back.at).await;
        }
        loop {
            if let Some(stored) = self.read.pop_front() {
                return self.give(stored, given_back).await;
            }
            let rows = self
                .sink
                .read_after(&self.consumer, &self.types, READ_BATCH)
                .await?;
            if rows.is_empty() {
                tokio::time::sleep(POLL).await;
            }
            self.read = rows.into();
        }
    }

    async fn give(
        &self,
        stored: StoredEvent,
        given_back: Option<GivenBack>,
    ) -> crate::Result<Read> {
        let event = match stored.event() {
            Ok(event) => event,
            // Written by something else: passed, so that it does not stop the reader.
            Err(e) => {
                self.sink.advance(&self.consumer, stored.seq).await?;
                return Ok(Read::NotAnEvent(format!(
                    "row {} is not a System Log event: {e}",
                    stored.seq
                )));
            }
        };
        let delivered = given_back
            .filter(|back| back.seq == stored.seq)
            .map_or(1, |back| back.delivered + 1);
        let settle = Cursor {
            sink: self.sink.clone(),
            consumer: self.consumer.clone(),
            seq: stored.seq,
            delivered,
            given_back: Arc::clone(&self.given_back),
        };
        Ok(Read::Event(Box::new(ReadEvent::new(
            event,
            Bytes::from(stored.body),
            delivered,
            Box::new(settle),
        ))))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<GivenBack>> {
        self.given_back.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl DurableReader for SqlReader {
    fn describe(&self) -> String {
        format!("{} as {}", self.sink.database(), self.consumer)
    }

    fn next(&mut self) -> SinkFuture<'_, Option<Read>> {
        Box::pin(async move { Ok(Some(self.next_read().await?)) })
    }
}

/// Where one event sits: acknowledging it moves the consumer's cursor to it.
struct Cursor {
    sink: SqlSink,
    consumer: String,
    seq: i64,
    delivered: u64,
    given_back: Arc<Mutex<Option<GivenBack>>>,
}

impl Settle for Cursor {
    fn ack(&self) -> SinkFuture<'_> {
        Box::pin(async { Ok(self.sink.advance(&self.consumer, self.seq).await?) })
    }

    fn retry_later(&self, delay: Duration) -> SinkFuture<'_> {
        let back = GivenBack {
            seq: self.seq,
            at: Instant::now() + delay,
            delivered: self.delivered,
        };
        *self.given_back.lock().unwrap_or_else(|p| p.into_inner()) = Some(back);
        Box::pin(async { Ok(()) })
    }
}
