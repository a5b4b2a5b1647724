//! Workspace-level integration tests live in `tests/it`.

mod emulator_api;
mod emulator_support;
