//! The CLI's one error type, and how each error maps to an exit code.

use std::io;

use crate::exit::Exit;

/// Everything that can make a command fail. Messages never contain a secret.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Bad usage or invalid input; nothing was sent.
    #[error("{0}")]
    Usage(String),
    /// The configuration (org URL, credentials, profile) is missing or wrong; nothing was sent.
    #[error("{0}")]
    Config(String),
    /// A safety check stopped the command, or the user declined; nothing was changed.
    #[error("{0}")]
    Refused(String),
    /// No hook has the given id or name.
    #[error("{0}")]
    NoSuchHook(String),
    /// The SDK failed: Okta's answer, the network, or local validation.
    #[error(transparent)]
    Okta(#[from] okta_eventhooks::Error),
    /// The receiver could not be set up or stopped serving.
    #[error(transparent)]
    Receiver(#[from] okta_eventhooks_receiver::Error),
    /// The emulator could not be started, or a running one refused or could not be reached.
    #[error(transparent)]
    Emulator(#[from] okta_eventhooks_emulator::Error),
    /// The relay, a consumer or NATS failed (connection, stream set-up, JetStream).
    #[error(transparent)]
    Relay(#[from] okta_eventhooks_relay::Error),
    /// A SQL sink failed (the database could not be opened, a table of another shape, a read).
    #[error(transparent)]
    Sql(#[from] okta_eventhooks_sql::Error),
    /// Writing the results failed (other than a closed pipe).
    #[error("cannot write the output: {0}")]
    Output(#[source] io::Error),
    /// A fault of the CLI itself (a result it cannot encode, a runtime that cannot start, a demo
    /// check that failed), not of the input, the configuration or Okta.
    #[error("{0}")]
    Internal(String),
    /// The reader of stdout went away (`| head`): the command ends quietly.
    #[error("the output was closed")]
    BrokenPipe,
    /// `plan --detailed-exitcode` found changes to make, or `reconcile` found missing events:
    /// not a failure, and nothing more to print; `main` turns it into exit code 2.
    #[error("differences found")]
    FoundDifferences,
    /// Work of many parts (`apply`) ended with some parts failed; their results were printed,
    /// and the exit code is that of the first failure.
    #[error("{message}")]
    Incomplete {
        /// What did not get done, in one line.
        message: String,
        /// The exit code of the first failure.
        exit: Exit,
    },
    /// Another error with advice on what to do about it.
    #[error("{error}")]
    Hinted {
        /// The error itself.
        error: Box<CliError>,
        /// What to do about it (one line each).
        hints: Vec<String>,
    },
}

/// Result alias of the CLI.
pub type Result<T, E = CliError> = std::result::Result<T, E>;

impl CliError {
    /// Adds one line of advice.
    pub fn with_hint(self, hint: impl Into<String>) -> Self {
        match self {
            Self::Hinted { error, mut hints } => {
                hints.push(hint.into());
                Self::Hinted { error, hints }
            }
            other => Self::Hinted {
                error: Box::new(other),
                hints: vec![hint.into()],
            },
        }
    }

    /// The error without its hints.
    pub fn root(&self) -> &CliError {
        match self {
            Self::Hinted { error, .. } => error.root(),
            other => other,
        }
    }

    /// The hints attached with [`with_hint`](Self::with_hint).
    pub fn attached_hints(&self) -> &[String] {
        match self {
            Self::Hinted { hints, .. } => hints,
            _ => &[],
        }
    }

    /// The documented exit code for this error.
    pub fn exit(&self) -> Exit {
        match self {
            Self::Hinted { error, .. } => error.exit(),
            Self::Usage(_) => Exit::Usage,
            Self::Config(_) => Exit::Config,
            Self::Refused(_) => Exit::Refused,
            Self::NoSuchHook(_) => Exit::Api,
            Self::Output(_) | Self::Internal(_) => Exit::Output,
            // `| head` stopped reading: that is how such a pipeline ends.
            Self::BrokenPipe => Exit::Success,
            // Only with `--detailed-exitcode`, where main exits 2 instead.
            Self::FoundDifferences => Exit::Success,
            Self::Incomplete { exit, .. } => *exit,
            Self::Okta(e) => sdk_exit(e),
            Self::Receiver(e) => receiver_exit(e),
            Self::Emulator(e) => emulator_exit(e),
            Self::Relay(e) => relay_exit(e),
            Self::Sql(e) => sql_exit(e),
        }
    }
}

/// The exit code of an SDK error (also of a failed step in a summary).
pub fn sdk_exit(e: &okta_eventhooks::Error) -> Exit {
    use okta_eventhooks::Error;
    match e {
        Error::InvalidInput(_) => Exit::Usage,
        Error::Config(_) => Exit::Config,
        Error::Transport { .. } | Error::Timeout { .. } => Exit::Network,
        Error::Decode { .. } => Exit::Server,
        // Not transient: the same request gets the same answer.
        Error::ResponseTooLarge { .. } => Exit::Output,
        // A sink of this workspace keeps the exit code of its own error; any other sink is
        // sorted by the kind it gave.
        Error::Sink { kind, source } => {
            if let Some(e) = source.downcast_ref::<okta_eventhooks_relay::Error>() {
                relay_exit(e)
            } else if let Some(e) = source.downcast_ref::<okta_eventhooks_sql::Error>() {
                sql_exit(e)
            } else {
                sink_exit(*kind)
            }
        }
        Error::Api(api) => match api.status {
            429 => Exit::RateLimited,
            400..=499 => Exit::Api,
            _ => Exit::Server,
        },
        _ => Exit::Server,
    }
}

/// The exit code of a sink's error, by its kind (every sink sorts its errors alike).
fn sink_exit(kind: okta_eventhooks::SinkErrorKind) -> Exit {
    use okta_eventhooks::SinkErrorKind as Kind;
    match kind {
        Kind::InvalidInput => Exit::Usage,
        Kind::Config => Exit::Config,
        Kind::Unreachable => Exit::Network,
        Kind::Refused => Exit::Refused,
        Kind::Internal => Exit::Output,
        _ => Exit::Server,
    }
}

fn receiver_exit(e: &okta_eventhooks_receiver::Error) -> Exit {
    use okta_eventhooks_receiver::Error;
    match e {
        Error::InvalidInput(_) => Exit::Usage,
        _ => Exit::Config,
    }
}

fn emulator_exit(e: &okta_eventhooks_emulator::Error) -> Exit {
    use okta_eventhooks_emulator::Error;
    match e {
        Error::InvalidInput(_) => Exit::Usage,
        Error::Bind(e) => receiver_exit(e),
        Error::Refused { status: 429, .. } => Exit::RateLimited,
        Error::Refused {
            status: 400..=499, ..
        } => Exit::Api,
        Error::Refused { .. } | Error::Decode(_) => Exit::Server,
        Error::Unreachable { .. } => Exit::Network,
        _ => Exit::Config,
    }
}

fn relay_exit(e: &okta_eventhooks_relay::Error) -> Exit {
    use okta_eventhooks_relay::Error;
    match e {
        Error::InvalidInput(_) => Exit::Usage,
        Error::Receiver(e) => receiver_exit(e),
        Error::StreamConflict { .. }
        | Error::SubjectsTaken { .. }
        | Error::StreamLimits { .. }
        | Error::Authentication { .. }
        | Error::Tls { .. } => Exit::Config,
        Error::Connect { .. } => Exit::Network,
        _ => Exit::Server,
    }
}

fn sql_exit(e: &okta_eventhooks_sql::Error) -> Exit {
    use okta_eventhooks_sql::Error;
    match e {
        Error::InvalidInput(_) => Exit::Usage,
        // At start: the database named is not there, or not ours to write.
        Error::Unreachable { .. } | Error::Shape { .. } => Exit::Config,
        _ => Exit::Network,
    }
}

/// A result that could not be encoded: a fault of the CLI, not of what the user gave it.
pub fn encode_error(format: &str, e: impl std::fmt::Display) -> CliError {
    CliError::Internal(format!("cannot encode the output as {format}: {e}"))
}

/// Maps an I/O error while writing results: a closed pipe is not a failure.
pub fn output_error(e: io::Error) -> CliError {
    if e.kind() == io::ErrorKind::BrokenPipe {
        CliError::BrokenPipe
    } else {
        CliError::Output(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_failures_are_not_usage_errors_or_refusals() {
        let full = output_error(io::Error::from(io::ErrorKind::StorageFull));
        assert_eq!(full.exit(), Exit::Output);
        assert_eq!(
            encode_error("JSON", "key must be a string").exit(),
            Exit::Output
        );
        // A hint does not change what the error means.
        assert_eq!(full.with_hint("free some space").exit(), Exit::Output);
        let closed = output_error(io::Error::from(io::ErrorKind::BrokenPipe));
        assert!(matches!(closed, CliError::BrokenPipe));
        assert_eq!(closed.exit(), Exit::Success);
    }
}
