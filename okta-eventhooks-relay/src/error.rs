//! The relay crate's one error type.

/// Result alias of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The error of a NATS or JetStream call, kept as its source.
pub type NatsError = Box<dyn std::error::Error + Send + Sync>;

/// What can go wrong setting up or running the relay, a consumer or the key-value
/// de-duplication store. No variant ever holds a secret: NATS server addresses appear with
/// their user and password replaced.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A setting is not acceptable (stream name, subject prefix, missing secret, no server).
    #[error("invalid relay setting: {0}")]
    InvalidInput(String),

    /// No NATS server of the list could be reached.
    #[error("cannot connect to NATS at {servers}: {source}")]
    Connect {
        /// The servers tried, credentials redacted.
        servers: String,
        /// Why.
        #[source]
        source: NatsError,
    },

    /// NATS refused the client's credentials (or they could not be read): a setting to fix,
    /// not a network failure.
    #[error(
        "NATS authentication failed at {servers}: {reason}; check the credentials (NATS_URL's user and password or token, --nats-user with NATS_PASSWORD, --nats-token-env, --nats-creds, --nats-nkey)"
    )]
    Authentication {
        /// The servers tried, credentials redacted.
        servers: String,
        /// Why, without a secret.
        reason: String,
    },

    /// TLS could not be set up with the server (a certificate not trusted or refused, a
    /// server without TLS, a file that cannot be read): a setting to fix.
    #[error(
        "NATS TLS failed at {servers}: {reason}; check the tls:// URL, --nats-tls-ca, --nats-tls-cert/--nats-tls-key and --nats-tls-first against the server's TLS settings"
    )]
    Tls {
        /// The servers tried, credentials redacted.
        servers: String,
        /// Why.
        reason: String,
    },

    /// The existing stream could discard events the relay acknowledged to Okta, or refuse the
    /// events it accepts.
    #[error("stream {stream} cannot keep every event the relay acknowledges: {}", problems.join("; "))]
    StreamLimits {
        /// The stream's name.
        stream: String,
        /// One line per setting: what it does, and the fix.
        problems: Vec<String>,
    },

    /// The stream exists with settings the relay was not asked for.
    #[error(
        "stream {stream} already exists with other settings: {}; match the relay's settings to the stream, or change the stream",
        differences.join("; ")
    )]
    StreamConflict {
        /// The stream's name.
        stream: String,
        /// One line per setting that differs: the stream's value and the asked one.
        differences: Vec<String>,
    },

    /// Another stream of the server already takes the subjects the stream would hold.
    #[error(
        "stream {stream} cannot be created: its subjects {subjects} overlap those of another stream on this NATS server; use that stream, or another subject prefix"
    )]
    SubjectsTaken {
        /// The stream's name.
        stream: String,
        /// Its subjects, e.g. `okta.events.>`.
        subjects: String,
    },

    /// A JetStream call failed (stream or consumer set-up, key-value store, pulling).
    #[error("JetStream: cannot {action}: {source}")]
    JetStream {
        /// What was being done, e.g. "create stream OKTA_EVENTS".
        action: String,
        /// Why.
        #[source]
        source: NatsError,
    },

    /// A stored message is not a System Log event (published by something else, or damaged).
    #[error("message {sequence} on {subject} is not a System Log event: {source}")]
    Decode {
        /// Its subject.
        subject: String,
        /// Its stream sequence number.
        sequence: u64,
        /// Why.
        #[source]
        source: serde_json::Error,
    },

    /// The HTTP side (the receiver) could not be set up or stopped serving.
    #[error(transparent)]
    Receiver(#[from] okta_eventhooks_receiver::Error),
}

impl Error {
    /// The error with the servers it concerns filled in (a file read before connecting).
    pub(crate) fn at_servers(self, shown: String) -> Self {
        match self {
            Self::Authentication { reason, .. } => Self::Authentication {
                servers: shown,
                reason,
            },
            Self::Tls { reason, .. } => Self::Tls {
                servers: shown,
                reason,
            },
            other => other,
        }
    }

    pub(crate) fn jetstream(action: impl Into<String>, source: impl Into<NatsError>) -> Self {
        Self::JetStream {
            action: action.into(),
            source: source.into(),
        }
    }
}

/// Errors of the JetStream store reach callers of the SDK's sink trait as
/// [`okta_eventhooks::Error::Sink`], of the kind that says what to do about them.
impl From<Error> for okta_eventhooks::Error {
    fn from(e: Error) -> Self {
        use okta_eventhooks::SinkErrorKind as Kind;
        let kind = match &e {
            Error::InvalidInput(_) => Kind::InvalidInput,
            Error::Receiver(okta_eventhooks_receiver::Error::InvalidInput(_)) => Kind::InvalidInput,
            Error::Receiver(_)
            | Error::StreamConflict { .. }
            | Error::SubjectsTaken { .. }
            | Error::StreamLimits { .. }
            | Error::Authentication { .. }
            | Error::Tls { .. } => Kind::Config,
            Error::Connect { .. } => Kind::Unreachable,
            Error::JetStream { .. } | Error::Decode { .. } => Kind::Failed,
        };
        okta_eventhooks::Error::sink(kind, e)
    }
}
