//! The reading half of a sink: a durable reader gives the stored events in order, after a
//! cursor that only moves once an event is settled, so that a reader which stops (Ctrl-C, a
//! crash) carries on where the last one of the same name stopped.
//!
//! A sink that can be read this way (a JetStream consumer, an SQL table with a cursor table)
//! implements [`DurableReader`]; a consumer (`okta-eventhooks consume`) then reads every kind
//! of sink with one loop.

use std::time::Duration;

use bytes::Bytes;

use crate::events::LogEvent;

use super::SinkFuture;

/// Events read in order after a durable cursor, which moves only when an event is settled
/// (see the [`sink`](crate::sink) module).
pub trait DurableReader: Send {
    /// Where it reads, for a start-up line: e.g. `stream OKTA_EVENTS as audit at
    /// nats://127.0.0.1:4222` (never a credential).
    fn describe(&self) -> String;

    /// Waits for the next event after the cursor (an event given back with
    /// [`Settle::retry_later`] comes again first, once its delay passed). `None` when the
    /// sink has nothing more to give, ever. The future may be dropped (Ctrl-C) without losing
    /// an event: only a settled event moves the cursor.
    fn next(&mut self) -> SinkFuture<'_, Option<Read>>;
}

/// What [`DurableReader::next`] read.
#[derive(Debug)]
pub enum Read {
    /// An event, to settle once processed (boxed: a typed event is large).
    Event(Box<ReadEvent>),
    /// Something stored that is not a System Log event (written by something else): the
    /// reader already passed it; the message says which and why.
    NotAnEvent(String),
}

/// One event a [`DurableReader`] gave.
#[non_exhaustive]
pub struct ReadEvent {
    /// The event, typed.
    pub event: LogEvent,
    /// Its JSON exactly as Okta sent it.
    pub raw: Bytes,
    /// How many times it has been given (more than 1: it was given back, or not settled in
    /// time before).
    pub delivered: u64,
    /// Moves the cursor past it, or gives it back.
    pub settle: Box<dyn Settle>,
}

impl ReadEvent {
    /// An event read, with its settlement.
    pub fn new(event: LogEvent, raw: Bytes, delivered: u64, settle: Box<dyn Settle>) -> Self {
        Self {
            event,
            raw,
            delivered,
            settle,
        }
    }
}

impl std::fmt::Debug for ReadEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadEvent")
            .field("uuid", &self.event.uuid)
            .field("delivered", &self.delivered)
            .finish_non_exhaustive()
    }
}

/// How a reader is told what became of an event it gave.
pub trait Settle: Send + Sync {
    /// The event is processed: the cursor moves past it, it is not given again.
    fn ack(&self) -> SinkFuture<'_>;

    /// Processing failed for now: give it again after `delay`.
    fn retry_later(&self, delay: Duration) -> SinkFuture<'_>;

    /// Still being processed: a sink that gives unsettled events again after a while waits
    /// longer. The default does nothing (a cursor that only moves on [`ack`](Self::ack) has
    /// no such timer).
    fn in_progress(&self) -> SinkFuture<'_> {
        Box::pin(async { Ok(()) })
    }
}
