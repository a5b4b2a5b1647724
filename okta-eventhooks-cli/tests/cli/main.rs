//! End-to-end tests of the `okta-eventhooks` binary cargo built for this test run: against a
//! wiremock stand-in for Okta, against the Okta emulator, as a receiver (`listen`), and as a
//! relay into a real NATS JetStream (`relay`, `consume`).

mod ascode;
mod catalog;
mod demo;
mod emulator;
mod errors;
mod exit_codes;
mod filter;
mod hostile;
mod hostile_input;
mod lifecycle;
mod listen;
mod logs;
mod misc;
mod read;
mod reconcile;
mod relay;
mod sql_sinks;
mod support;
mod write;
