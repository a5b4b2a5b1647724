//! The documented exit codes: what a script can branch on.

use std::process::ExitCode;

/// Why the process ended. Each variant is one documented exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// 0: everything asked for was done.
    Success = 0,
    /// 1: a safety check refused the command or the confirmation was declined; nothing was changed.
    Refused = 1,
    /// 2: bad usage or invalid input (flags, file, secret source); nothing was sent.
    Usage = 2,
    /// 3: configuration error (org URL, credentials, profile, a JetStream stream with other
    /// settings); nothing was sent.
    Config = 3,
    /// 4: Okta rejected the request (4xx other than 429: not found, invalid, unauthorized, forbidden,
    /// failed verification). Retrying the same request will not help.
    Api = 4,
    /// 5: rate limited (429) even after the retries. Try again after the reset.
    RateLimited = 5,
    /// 6: network failure or timeout (Okta or NATS). Try again.
    Network = 6,
    /// 7: Okta failed (5xx) or answered with something that is not the API's shape, or JetStream
    /// failed. Try again later.
    Server = 7,
    /// 8: the output could not be written (stdout failed; a closed pipe is not a failure), or an
    /// internal error: a result could not be encoded as JSON/YAML, an answer was too large to
    /// read, the async runtime could not start, or a demo check failed. What was asked may
    /// already be done: check before retrying.
    Output = 8,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        ExitCode::from(exit as u8)
    }
}

/// The exit-code table shown at the end of `--help` (the READMEs repeat it; a test in
/// `tests/cli/exit_codes.rs` keeps them in step).
pub const EXIT_CODES_HELP: &str = "\
Exit codes:
  0  success
  1  refused by a safety check, or confirmation declined (nothing was changed)
  2  usage error or invalid input (nothing was sent)
  3  configuration error: org URL, credentials, profile, a conflicting
     JetStream stream (nothing was sent)
  4  Okta rejected the request: 400, 401, 403, 404... (retrying will not help)
  5  rate limited: HTTP 429 after the retries (retry after the reset)
  6  network failure or timeout, Okta or NATS (retry)
  7  Okta server error (5xx), a malformed response, or a JetStream failure
     (retry later)
  8  internal or output error: the output could not be written or encoded,
     an answer was too large to read, or a demo check failed (a change may
     already be made; look, then retry)
apply exits with the code of its first failed step. plan --detailed-exitcode
replaces these: 0 no changes, 2 changes pending, 1 any error; so does doctor:
0 every check ok, 2 a warning or failure found, 1 could not run.";

#[cfg(test)]
mod tests {
    use super::*;

    /// Every code, so that the tests below notice a new one.
    const ALL: [Exit; 9] = [
        Exit::Success,
        Exit::Refused,
        Exit::Usage,
        Exit::Config,
        Exit::Api,
        Exit::RateLimited,
        Exit::Network,
        Exit::Server,
        Exit::Output,
    ];

    #[test]
    fn every_code_is_in_the_help_table_once_and_in_order() {
        let documented: Vec<u8> = EXIT_CODES_HELP
            .lines()
            .filter_map(|line| line.strip_prefix("  "))
            .filter_map(|line| line.split_whitespace().next()?.parse().ok())
            .collect();
        let codes: Vec<u8> = ALL.iter().map(|e| *e as u8).collect();
        assert_eq!(documented, codes);
    }
}
