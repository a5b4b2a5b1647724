//! Shared helpers: a mock Okta org, realistic hook bodies, and the binary under test.

use assert_cmd::Command;
use serde_json::{Value, json};
use wiremock::MockServer;

/// The API token every test configures; no output may ever contain it.
pub const TOKEN: &str = "00tok-SECRET-never-printed-4242";
/// A shared hook secret used by tests; no output may ever contain it.
pub const HOOK_SECRET: &str = "hook-secret-never-printed-9191";
/// A custom header value (a secret in the table and dry-run views).
pub const HEADER_VALUE: &str = "header-value-hidden-7373";

pub const ID: &str = "who8vt36qfNpCGz9H1e6";
pub const ID2: &str = "who9Xyz0123456789abc";

/// A hook as Okta returns it (field order of real traffic, `_links`, no auth secret).
pub fn hook(id: &str, name: &str, status: &str, verification: &str) -> Value {
    json!({
        "id": id,
        "status": status,
        "verificationStatus": verification,
        "name": name,
        "description": "Forwards user lifecycle events",
        "created": "2026-01-05T10:00:00.000Z",
        "createdBy": "00u1abcdEFGH23456789",
        "lastUpdated": "2026-01-06T11:30:00.000Z",
        "events": {
            "type": "EVENT_TYPE",
            "items": ["user.lifecycle.create", "user.session.start"],
            "filter": {
                "type": "EXPRESSION_LANGUAGE",
                "eventFilterMap": [{
                    "event": "user.session.start",
                    "condition": {"expression": "event.outcome.result eq 'FAILURE'", "version": null}
                }]
            }
        },
        "channel": {
            "type": "HTTP",
            "version": "1.0.0",
            "config": {
                "uri": "https://hooks.example.com/okta/events",
                "headers": [{"key": "X-Source", "value": HEADER_VALUE}],
                "method": "POST",
                "authScheme": {"type": "HEADER", "key": "Authorization"}
            }
        },
        "_links": {
            "self": {"href": format!("https://acme.okta.com/api/v1/eventHooks/{id}")},
            "verify": {"href": format!("https://acme.okta.com/api/v1/eventHooks/{id}/lifecycle/verify"), "hints": {"allow": ["POST"]}},
            "deactivate": {"href": format!("https://acme.okta.com/api/v1/eventHooks/{id}/lifecycle/deactivate"), "hints": {"allow": ["POST"]}}
        }
    })
}

/// An Okta error body.
pub fn okta_error(code: &str, summary: &str, causes: &[&str]) -> Value {
    json!({
        "errorCode": code,
        "errorSummary": summary,
        "errorLink": code,
        "errorId": "oaeEtd4rIIYRoqo6aPGIUJnjg",
        "errorCauses": causes.iter().map(|c| json!({"errorSummary": c})).collect::<Vec<_>>()
    })
}

/// The binary, configured for `server` through the environment only, in an empty directory
/// with an empty HOME (so no okta.yaml of the machine is read), no colour forced either way.
pub fn cli(server: &MockServer) -> Command {
    let mut cmd = bare();
    cmd.env("OKTA_CLIENT_ORGURL", server.uri())
        .env("OKTA_CLIENT_TOKEN", TOKEN);
    cmd
}

/// The binary with a clean environment and no configuration.
pub fn bare() -> Command {
    Command::from_std(std_bare())
}

/// [`bare`] as a plain `std::process::Command`, for tests that manage the child themselves.
pub fn std_bare() -> std::process::Command {
    let home = home_dir();
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_okta-eventhooks"));
    cmd.env_clear()
        .env("HOME", &home)
        .env("COLUMNS", "80")
        .current_dir(&home)
        // Retries must not make tests wait.
        .args(["--max-retries", "0"]);
    cmd
}

/// An empty directory used as HOME and working directory, so that no okta.yaml of the
/// machine is read. Shared by the tests of this process and never removed while they run.
pub fn home_dir() -> std::path::PathBuf {
    let home =
        std::env::temp_dir().join(format!("okta-eventhooks-cli-test-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&home);
    home
}

/// The output of a finished command, as text.
pub struct Outcome {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs the command off the async runtime (the mock server keeps serving meanwhile).
pub async fn run(mut cmd: Command) -> Outcome {
    let output = tokio::task::spawn_blocking(move || cmd.output())
        .await
        .unwrap()
        .unwrap();
    let outcome = Outcome {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    };
    for secret in [TOKEN, HOOK_SECRET] {
        assert!(
            !outcome.stdout.contains(secret) && !outcome.stderr.contains(secret),
            "a secret leaked:\nstdout: {}\nstderr: {}",
            outcome.stdout,
            outcome.stderr
        );
    }
    outcome
}

/// Replaces the mock server's random address.
pub fn scrub(text: &str, server: &MockServer) -> String {
    text.replace(&server.uri(), "http://<MOCK>")
}

/// A fresh scratch directory for one test.
pub fn tempdir(name: &str) -> std::path::PathBuf {
    let dir =
        std::env::temp_dir().join(format!("okta-eventhooks-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
