//! Secrets given by the name of an environment variable (`--auth-value-env VAR` and the like):
//! never on the command line, where other users of the machine can read them.

use okta_eventhooks::Secret;

use crate::error::{CliError, Result};

/// The secret in environment variable `var`, named by the flag `flag`.
pub fn read_secret_env(var: &str, flag: &str) -> Result<Secret> {
    match std::env::var(var) {
        Ok(value) if !value.is_empty() => Ok(Secret::from(value)),
        Ok(_) => Err(CliError::Usage(format!(
            "environment variable {var} ({flag}) is empty"
        ))),
        Err(_) => Err(CliError::Usage(format!(
            "environment variable {var} ({flag}) is not set"
        ))),
    }
}
