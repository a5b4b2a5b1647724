//! Workspace integration tests: one binary, one module per concern.

mod auth;
mod auth_dpop;
mod auth_server;
mod builders;
mod config;
mod editing;
mod emulator_api;
mod emulator_chaos;
mod emulator_fire;
mod emulator_hooks;
mod emulator_interop;
mod emulator_logs;
mod emulator_state;
mod errors;
mod filters;
mod input_limits;
mod logs;
mod network;
mod receiver;
mod receiver_emulator;
mod resilience;
mod secrets;
mod server_limits;
mod shapes;
mod spec;
mod wire;
