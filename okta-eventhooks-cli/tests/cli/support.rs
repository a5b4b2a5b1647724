//! Running the binary under test. What other suites share too (secrets, Okta-shaped fixtures,
//! hook endpoints, the emulator, scratch directories) is in `okta_eventhooks_tests`.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{OnceLock, mpsc};

use assert_cmd::Command;
use okta_eventhooks_tests::scratch::tempdir;
use okta_eventhooks_tests::secrets::{TOKEN, assert_no_secret};
use wiremock::MockServer;

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
    std_at(&home_dir())
}

/// The binary with a clean environment, `home` as HOME and working directory (e.g. one whose
/// `.okta/okta.yaml` names several orgs, see `okta_eventhooks_tests::orgs`).
pub fn cli_at(home: &Path) -> Command {
    Command::from_std(std_at(home))
}

/// [`cli_at`] as a plain `std::process::Command`.
pub fn std_at(home: &Path) -> std::process::Command {
    let mut cmd = std::process::Command::new(binary());
    cmd.env_clear()
        .env("HOME", home)
        .env("COLUMNS", "80")
        .current_dir(home)
        // Retries must not make tests wait.
        .args(["--max-retries", "0"]);
    cmd
}

/// The binary cargo built for these tests (never another one that happens to be in `target/`).
pub fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_okta-eventhooks")
}

/// An empty directory used as HOME and working directory, so that no okta.yaml of the
/// machine is read. Shared by the tests of this process.
pub fn home_dir() -> PathBuf {
    static HOME: OnceLock<PathBuf> = OnceLock::new();
    HOME.get_or_init(|| tempdir("home")).clone()
}

/// The output of a finished command, as text.
pub struct Outcome {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs the command off the async runtime (the mock server keeps serving meanwhile); fails the
/// test if a secret appears in the output.
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
    assert_no_secret("stdout", &outcome.stdout);
    assert_no_secret("stderr", &outcome.stderr);
    outcome
}

/// Replaces the mock server's random address.
pub fn scrub(text: &str, server: &MockServer) -> String {
    text.replace(&server.uri(), "http://<MOCK>")
}

/// Runs `okta-eventhooks --max-retries 0 ARGS` inside a pseudo-terminal (util-linux `script`),
/// so that stdin, stdout and stderr are a terminal; `input` is typed into it. Returns the exit
/// code and everything the terminal showed.
pub async fn run_on_a_terminal(
    home: &Path,
    args: &str,
    env: &[(&str, &str)],
    input: &str,
) -> (i32, String) {
    let mut cmd = std::process::Command::new("script");
    cmd.args([
        "-qec",
        &format!("{} --max-retries 0 {args}", binary()),
        "/dev/null",
    ])
    .env_clear()
    .env("PATH", "/usr/bin:/bin")
    .env("HOME", home)
    .current_dir(home)
    .envs(env.iter().copied())
    .stdin(Stdio::piped())
    .stdout(Stdio::piped());
    let input = input.to_owned();
    let output = tokio::task::spawn_blocking(move || {
        let mut child = cmd
            .spawn()
            .expect("util-linux `script` is needed for the terminal tests");
        let mut stdin = child.stdin.take().unwrap();
        std::io::Write::write_all(&mut stdin, input.as_bytes()).unwrap();
        let output = child.wait_with_output().unwrap();
        drop(stdin);
        output
    })
    .await
    .unwrap();
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    assert_no_secret("the terminal", &text);
    (output.status.code().unwrap_or(-1), text)
}

/// The lines of `pipe` (a child's stdout or stderr), read on a thread of their own so that a
/// test can wait for one with a timeout.
pub fn lines_of(pipe: impl std::io::Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    rx
}
