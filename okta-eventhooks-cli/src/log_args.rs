//! How a long-running command (`relay`, `listen`, `consume`, `reconcile --watch`) writes its
//! log lines, declared once. These commands log failures at the default level (a 503 and its
//! cause), so an operator sees them without `-v`.

use clap::{Args, ValueEnum};

/// The shape of the log lines on stderr.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// One human-readable line each.
    #[default]
    Text,
    /// One JSON object per line, the event's fields as keys (for log collectors).
    Json,
}

/// `--log-format`.
#[derive(Debug, Args)]
pub struct LogArgs {
    /// How log lines are written on stderr: text, or json (one object per line, the fields as
    /// keys). Failures (each 503 and its cause) are logged without -v.
    #[arg(
        long,
        value_enum,
        value_name = "FORMAT",
        default_value_t = LogFormat::Text,
        env = "OKTA_EVENTHOOKS_LOG_FORMAT",
        hide_env_values = true
    )]
    pub log_format: LogFormat,
}
