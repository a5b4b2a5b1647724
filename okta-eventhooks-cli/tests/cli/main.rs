//! End-to-end tests of the `okta-eventhooks` binary cargo built for this test run: against a
//! wiremock stand-in for Okta, against the Okta emulator, as a receiver (`listen`), and as a
//! relay into a real NATS JetStream (`relay`, `consume`).

mod ascode;
mod catalog;
mod demo;
mod deploy;
mod doctor;
mod emulator;
mod errors;
mod exit_codes;
mod filter;
mod hostile;
mod hostile_input;
mod hostile_round2;
mod inspect;
mod lifecycle;
mod listen;
mod logs;
mod misc;
mod read;
mod reconcile;
mod relay;
mod relay_ops;
mod sql_sinks;
mod support;
mod write;
