//! SQL sinks for Okta Event Hooks: an embedded SQLite file (the relay's default, no server)
//! and PostgreSQL, both as the SDK's [`Sink`](okta_eventhooks::sink::Sink).
//!
//! A relay given a [`SqlSink`] answers Okta 200 only once the delivery's events are committed:
//!
//! - **SQLite** (`sqlite` feature): WAL with `synchronous=FULL`, so a commit is fsynced before
//!   it returns; one writer thread commits the deliveries that arrive together in one
//!   transaction (group commit), so the disk's flush rate does not cap throughput.
//! - **PostgreSQL** (`postgres` feature): a pool of connections, TLS with rustls on ring as
//!   `sslmode` says, group commit the same way; a lost connection is 503 (Okta retries) and
//!   the pool connects again.
//!
//! Both use one schema, created if missing and versioned in `okta_eventhooks_schema`: the
//! events table (`okta_events` unless told otherwise) with `seq` (monotonic), `uuid` (unique:
//! a repeat is dropped, across any number of relays), `event_type`, `published`,
//! `received_at`, `hook_id`, `org`, `replayed` and `body` (the event's JSON exactly as Okta
//! sent it), and the durable consumers' cursors in `okta_event_consumers`.
//!
//! ```no_run
//! use okta_eventhooks_receiver::Receiver;
//! use okta_eventhooks_sql::{SqlSink, TableName};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let sink = SqlSink::sqlite("okta-events.db", TableName::default()).await?;
//! let running = Receiver::builder()
//!     .path("/okta/events")
//!     .auth_header("Authorization", std::env::var("HOOK_SECRET").unwrap_or_default())
//!     .build_with_sink(sink.clone())?
//!     .serve_on(tokio::net::TcpListener::bind("0.0.0.0:8080").await?)?;
//! println!("relaying {} into {}", running.url(), sink.database());
//! # Ok(()) }
//! ```

// docs.rs (`--cfg docsrs`) marks items that need a feature.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

mod batch;
mod error;
#[cfg(feature = "postgres")]
mod postgres;
mod reader;
mod row;
mod schema;
mod sink;
#[cfg(feature = "sqlite")]
mod sqlite;

pub use error::{DbError, Error, Result};
#[cfg(feature = "postgres")]
pub use postgres::PgUrl;
pub use reader::SqlReader;
pub use row::StoredEvent;
pub use schema::{DEFAULT_TABLE, SCHEMA_VERSION, TableName};
pub use sink::SqlSink;

/// The examples of the crate's README, compiled and run as doctests so that it cannot drift.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
