//! Workspace integration tests: one binary, one module per concern.

mod auth;
mod auth_dpop;
mod auth_server;
mod builders;
mod config;
mod editing;
mod emulator_api;
mod emulator_fire;
mod emulator_hooks;
mod emulator_interop;
mod emulator_state;
mod errors;
mod filters;
mod input_limits;
mod network;
mod receiver;
mod receiver_emulator;
mod resilience;
mod secrets;
mod server_limits;
mod shapes;
mod spec;
mod wire;
