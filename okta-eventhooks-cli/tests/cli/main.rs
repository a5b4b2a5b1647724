//! End-to-end tests of the `okta-eventhooks` binary against a real HTTP mock of Okta.

mod errors;
mod read;
mod support;
