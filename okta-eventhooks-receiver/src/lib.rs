//! A ready-made receiver for the hooks Okta calls.
//!
//! [`Receiver::builder`] gives an [axum] [`Router`](axum::Router) that
//! - answers Okta's one-time verification GET with `{"verification": "<challenge>"}`,
//! - checks the shared auth header (`authScheme`) in constant time and answers 401 otherwise,
//! - refuses bodies over a size limit with 413 and malformed JSON with 400 (never panics),
//! - parses each delivery into a typed [`Delivery`] (or, with
//!   [`ReceiverBuilder::build_incoming`], keeps each event's JSON as sent in an [`Incoming`]),
//!   drops repeated `eventId`s and events whose `uuid` was seen within a window (in memory, or
//!   in a shared [`DedupeStore`]),
//! - hands the delivery to your code through a channel (or an async callback) and answers 200
//!   at once, so a slow handler never makes Okta time out (Okta waits 3 s).
//!
//! When your code falls behind and the channel is full, a delivery waits for room up to
//! [`DEFAULT_QUEUE_WAIT`] (1 s; [`ReceiverBuilder::queue_wait`]) and is then refused with 503:
//! Okta retries a 5xx once, and the refused `eventId` is forgotten so the retry gets through.
//! If the retry is refused too, Okta drops the batch, so size the channel for your bursts.
//!
//! To rotate the shared secret, build the receiver with the new value in
//! [`ReceiverBuilder::auth_header`] and the old one in
//! [`ReceiverBuilder::accept_previous_secret`], replace the hook's secret at Okta (which
//! resets verification: verify again), then drop the old value.
//!
//! To acknowledge Okta only once the events are durable somewhere (a queue, a database), give
//! the builder a [`Sink`] ([`ReceiverBuilder::build_with_sink`]): each delivery is stored
//! within a deadline below Okta's 3 s before the 200, or refused with 503 so that Okta
//! retries.
//!
//! [`serve`] holds the one implementation of "serve an axum router in the background with a
//! stop handle", used by [`RunningReceiver`] and by the emulator crate. It holds every
//! connection to [`ServerLimits`]: a request head within 10 s (also the idle limit), a whole
//! request within 30 s, at most 512 connections (at the cap, the one that has waited longest
//! for a request head is closed to make room), at most 64 MiB of request bodies held at once
//! (503 beyond; see [`ReceiverBuilder::server_limits`]).
//!
//! [`Admin`] is what an orchestrator asks of a receiver, to serve on a port of its own:
//! `/healthz`, `/readyz` (the sink connected, no drain begun) and `/metrics` (Prometheus text
//! format, read from the same counters as [`ReceiverStats`]).
//! [`RunningReceiver::drain`] is the drain a SIGTERM asks for. A delivery that gets 503
//! logs one line at the warning level with its cause, at most one a second per cause.
//!
//! [`inspector`] is a delivery inspector in the browser: a live list of what the receiver
//! answered, each delivery's headers (secrets masked) and events, and a replay button
//! ([`ReceiverBuilder::inspector`]).
//!
//! Every input is bounded before work is done on it: the body ([`DEFAULT_MAX_BODY_BYTES`],
//! 413), the request head ([`serve::MAX_REQUEST_HEAD_BYTES`], 431), and what de-duplication
//! keeps: at most [`DEFAULT_DEDUPE_CAPACITY`] ids and [`DEFAULT_DEDUPE_MAX_BYTES`]; an
//! `eventId` longer than [`MAX_EVENT_ID_BYTES`] (Okta's are 36-character UUIDs) is handed over
//! but not remembered, so a repeat of it is handed over again rather than kept in memory.
//!
//! ```no_run
//! use std::time::Duration;
//! use okta_eventhooks_receiver::Receiver;
//!
//! # async fn run() -> okta_eventhooks_receiver::Result<()> {
//! let (receiver, mut deliveries) = Receiver::builder()
//!     .path("/okta/events")
//!     .auth_header("Authorization", std::env::var("HOOK_SECRET").unwrap_or_default())
//!     .dedupe_window(Duration::from_secs(600))
//!     .build()?;
//!
//! // Serve it yourself (`receiver.into_router()` is a plain axum Router) or let it bind:
//! let running = receiver.serve("0.0.0.0:8080").await?;
//! println!("listening on {}", running.url());
//!
//! while let Some(delivery) = deliveries.recv().await {
//!     for event in &delivery.data.events {
//!         println!("{:?} {:?}", event.published, event.event_type);
//!     }
//! }
//! # Ok(()) }
//! ```

// docs.rs (`--cfg docsrs`) marks items that need a feature.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

mod admin;
mod builder;
mod dedupe;
mod dedupe_store;
mod error;
mod failures;
mod handlers;
pub mod inspector;
mod receiver;
pub mod serve;
mod server;
mod shared_secret;
mod sink;
mod stats;

pub use admin::Admin;
pub use builder::{
    DEFAULT_CHANNEL_CAPACITY, DEFAULT_DEDUPE_CAPACITY, DEFAULT_DEDUPE_MAX_BYTES,
    DEFAULT_DEDUPE_WINDOW, DEFAULT_MAX_BODY_BYTES, DEFAULT_QUEUE_WAIT, MIN_MAX_BODY_BYTES,
    ReceiverBuilder, check_max_body_bytes,
};
pub use dedupe::MAX_EVENT_ID_BYTES;
pub use dedupe_store::{DedupeFuture, DedupeStore};
pub use error::{Error, Result};
pub use okta_eventhooks::events::Delivery;
pub use okta_eventhooks::sink::{EventCounts, Incoming, RawEvent, Sink, SinkFuture};
pub use receiver::Receiver;
pub use serve::ServerLimits;
pub use server::RunningReceiver;
pub use sink::{BoxError, DEFAULT_SINK_DEADLINE, OKTA_TIMEOUT, check_sink_deadline};
pub use stats::ReceiverStats;

/// The examples of the crate's README, compiled and run as doctests so that it cannot drift.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
