//! End-to-end tests of the `okta-eventhooks` binary cargo built for this test run: against a
//! wiremock stand-in for Okta, against the Okta emulator, and as a receiver (`listen`).

mod ascode;
mod catalog;
mod demo;
mod emulator;
mod errors;
mod exit_codes;
mod filter;
mod hostile;
mod lifecycle;
mod listen;
mod logs;
mod misc;
mod read;
mod support;
mod write;
