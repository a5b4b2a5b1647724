//! End-to-end tests of the `okta-eventhooks` binary against a real HTTP mock of Okta.

mod emulator;
mod errors;
mod lifecycle;
mod misc;
mod read;
mod support;
mod write;
