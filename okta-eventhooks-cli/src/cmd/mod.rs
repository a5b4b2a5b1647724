//! One module per command group; each command is a clap `Args` struct with a `run` method.

pub mod ascode;
pub mod completions;
pub mod demo;
pub mod doctor;
pub mod emulator;
pub mod event_types;
pub mod filter;
pub mod lifecycle;
pub mod listen;
pub mod logs;
pub mod man;
pub mod manifest;
pub mod read;
pub mod reconcile;
pub mod relay;
pub mod write;
