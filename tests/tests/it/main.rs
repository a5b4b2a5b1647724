//! Workspace integration tests: one binary, one module per concern.

mod auth;
mod auth_dpop;
mod auth_server;
mod builders;
mod config;
mod errors;
mod network;
mod resilience;
mod secrets;
mod shapes;
mod spec;
mod support;
mod wire;
