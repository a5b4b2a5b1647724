//! Workspace-level integration tests live in `tests/it`.

mod emulator_api;
mod emulator_hooks;
mod emulator_interop;
mod emulator_state;
mod emulator_support;
