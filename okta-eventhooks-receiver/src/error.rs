//! The receiver crate's one error type.

/// Result alias of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What can go wrong setting up or running a receiver. No variant ever holds a secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A receiver setting is not acceptable (path, header name, capacity, empty secret).
    #[error("invalid receiver setting: {0}")]
    InvalidInput(String),

    /// The address could not be bound (in use, no permission, not an address).
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address as given.
        addr: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },

    /// The server stopped with an error.
    #[error("the server failed: {0}")]
    Serve(#[source] std::io::Error),

    /// A call that spawns tasks was made outside a tokio runtime.
    #[error("{0} must be called inside a tokio runtime")]
    NoRuntime(&'static str),
}
