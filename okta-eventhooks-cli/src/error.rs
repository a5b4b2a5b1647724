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
    /// Writing the results failed (other than a closed pipe).
    #[error("cannot write the output: {0}")]
    Output(#[source] io::Error),
    /// The reader of stdout went away (`| head`): the command ends quietly.
    #[error("the output was closed")]
    BrokenPipe,
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
        match self.root() {
            Self::Usage(_) => Exit::Usage,
            Self::Config(_) => Exit::Config,
            Self::Refused(_) => Exit::Refused,
            Self::NoSuchHook(_) => Exit::Api,
            Self::Output(_) | Self::BrokenPipe => Exit::Refused,
            Self::Okta(e) => sdk_exit(e),
            Self::Receiver(e) => receiver_exit(e),
            Self::Emulator(e) => emulator_exit(e),
            Self::Hinted { .. } => unreachable_hinted(),
        }
    }
}

/// `root()` never returns `Hinted`; kept as a function so the match stays exhaustive.
fn unreachable_hinted() -> Exit {
    Exit::Refused
}

fn sdk_exit(e: &okta_eventhooks::Error) -> Exit {
    use okta_eventhooks::Error;
    match e {
        Error::InvalidInput(_) => Exit::Usage,
        Error::Config(_) => Exit::Config,
        Error::Transport { .. } | Error::Timeout { .. } => Exit::Network,
        Error::Decode { .. } => Exit::Server,
        Error::Api(api) => match api.status {
            429 => Exit::RateLimited,
            400..=499 => Exit::Api,
            _ => Exit::Server,
        },
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

/// Maps an I/O error while writing results: a closed pipe is not a failure.
pub fn output_error(e: io::Error) -> CliError {
    if e.kind() == io::ErrorKind::BrokenPipe {
        CliError::BrokenPipe
    } else {
        CliError::Output(e)
    }
}
