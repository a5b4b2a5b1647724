//! The emulator crate's one error type.

use std::path::PathBuf;

/// Result alias of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What can go wrong starting, running or controlling an emulator. No variant ever holds a
/// secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An emulator setting is not acceptable (empty token, zero timeout, bad URL).
    #[error("invalid emulator setting: {0}")]
    Config(String),

    /// A request to the emulator is not acceptable (e.g. an event type to fire).
    #[error("invalid input: {0}")]
    InvalidInput(String),

    /// The address could not be bound.
    #[error(transparent)]
    Bind(#[from] okta_eventhooks_receiver::Error),

    /// The state file cannot be read or written, or does not hold emulator state.
    #[error("emulator state file {}: {message}", path.display())]
    StateFile {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },

    /// A running emulator answered a control request with an error status.
    #[error("the emulator answered HTTP {status}: {message}")]
    Refused {
        /// HTTP status.
        status: u16,
        /// Okta-style error code (`E0000001`, ...), when the body carried one.
        code: Option<String>,
        /// The error summary and causes, or the start of the body.
        message: String,
    },

    /// A running emulator could not be reached, or its answer could not be read.
    #[error("cannot reach the emulator at {url}: {message}")]
    Unreachable {
        /// The emulator's URL.
        url: String,
        /// The cause chain.
        message: String,
    },

    /// A running emulator's answer was not what its API promises.
    #[error("could not decode the emulator's answer: {0}")]
    Decode(String),
}
