//! Workspace integration tests: one binary, one module per concern.

mod builders;
mod errors;
mod network;
mod receiver;
mod resilience;
mod secrets;
mod shapes;
mod spec;
mod support;
mod wire;
