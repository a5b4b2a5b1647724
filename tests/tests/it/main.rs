//! Workspace integration tests: one binary, one module per concern.

mod auth;
mod auth_dpop;
mod auth_server;
mod builders;
mod config;
mod editing;
mod emulator_api;
mod emulator_hooks;
mod emulator_interop;
mod emulator_state;
mod errors;
mod kv_dedupe;
mod network;
mod receiver;
mod receiver_emulator;
mod relay;
mod resilience;
mod secrets;
mod shapes;
mod spec;
mod wire;
