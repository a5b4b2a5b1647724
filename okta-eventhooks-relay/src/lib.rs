//! Never lose an Okta event: relay event hook deliveries into NATS JetStream, and read them
//! back as typed events.
//!
//! A relay is the receiver given a store: [`JetStreamStore`] is the SDK's
//! [`Sink`](okta_eventhooks::sink::Sink) over a JetStream stream (store, read back, replay), and
//! [`RunningRelay`] serves a
//! [`ReceiverBuilder`](okta_eventhooks_receiver::ReceiverBuilder) with it. This crate keeps
//! only what is JetStream's: the connection, the stream's set-up and check, the store, the
//! consumer and the key-value de-duplication.
//!
//! Okta delivers at least once, waits 3 s, retries at most once and never replays what was
//! lost, so a receiver that is down, slow or being deployed loses events for good. The relay
//! answers Okta only once every event of a delivery is stored in a JetStream stream:
//!
//! - It answers the verification challenge and checks the hook's auth header in constant time
//!   (it refuses to start without a secret unless told
//!   [`insecure_no_auth`](okta_eventhooks_receiver::ReceiverBuilder::insecure_no_auth)); 401,
//!   413 and 400 (malformed JSON) publish nothing.
//! - Each event is one message on `<prefix>.<eventType>` (so `okta.events.user.>` selects all
//!   user events) whose body is the event's JSON exactly as Okta sent it (unknown fields,
//!   key order and spacing kept), with the event's `uuid` as `Nats-Msg-Id` and the delivery's
//!   `eventId`, hook id and org in [`headers`].
//! - 200 only after JetStream acknowledged every event of the delivery; 503 if that has not
//!   happened within the deadline (default 2 s, below Okta's 3 s), so that Okta retries.
//! - JetStream drops a message whose `uuid` it already has within the stream's duplicate
//!   window (default 24 h): Okta's retry, a delivery sent to two relay replicas, or a
//!   re-batched event are stored once. Run as many relays as you like behind a load balancer.
//! - At start the stream is created, or checked: an existing stream with other subjects,
//!   storage, replicas or duplicate window is an [`Error::StreamConflict`].
//!
//! Consumers read the stream at their own pace: [`consume`] gives typed [`LogEvent`]s from a
//! durable pull consumer, each acknowledged when processed; [`JetStreamReader`] is the same
//! consumer as the SDK's [`DurableReader`](okta_eventhooks::sink::DurableReader). [`KvDedupe`] lets receivers that
//! handle deliveries themselves (no relay) drop repeated deliveries and events across replicas
//! through a JetStream key-value bucket.
//!
//! [`LogEvent`]: okta_eventhooks::events::LogEvent
//!
//! ```no_run
//! use okta_eventhooks_receiver::Receiver;
//! use okta_eventhooks_relay::{JetStreamStore, NatsServers, RunningRelay, StreamSettings};
//!
//! # async fn run() -> okta_eventhooks_relay::Result<()> {
//! let nats = NatsServers::new(["nats://nats-1:4222,nats://nats-2:4222,nats://nats-3:4222"])?;
//! let store = JetStreamStore::connect(&nats, &StreamSettings::new("OKTA_EVENTS").replicas(3), None).await?;
//! let receiver = Receiver::builder()
//!     .path("/okta/events")
//!     .auth_header("Authorization", std::env::var("HOOK_SECRET").unwrap_or_default());
//! let relay = RunningRelay::start(receiver, store, "0.0.0.0:8080").await?;
//! println!("relaying {} into {}", relay.url(), relay.stream());
//! # Ok(()) }
//! ```

// docs.rs (`--cfg docsrs`) marks items that need a feature.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

mod cause;
mod consume;
mod envelope;
mod error;
pub mod headers;
mod kv_dedupe;
mod nats;
mod publish;
mod reader;
mod relay;
mod store;
mod stored;
mod stream;
mod subject;

pub use consume::{
    DEFAULT_ACK_WAIT, EventStream, ReceivedEvent, check_consumer, consume, consume_batched,
};
pub use error::{Error, NatsError, Result};
pub use kv_dedupe::KvDedupe;
pub use nats::{NatsOptions, NatsServers};
pub use reader::JetStreamReader;
pub use relay::{RelayStats, RunningRelay};
pub use store::JetStreamStore;
pub use stored::MAX_STORED_IDS;
pub use stream::{
    DEFAULT_DUPLICATE_WINDOW, DEFAULT_STREAM, DEFAULT_SUBJECT_PREFIX, Storage, StreamSettings,
    ensure_stream,
};
pub use subject::INVALID_EVENT_TYPE_TOKEN;

/// The client crate, re-exported so that users name the same version.
pub use async_nats;

/// The examples of the crate's README, compiled and run as doctests so that it cannot drift.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
