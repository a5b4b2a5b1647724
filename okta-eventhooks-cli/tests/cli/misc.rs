//! Help snapshots, completions, colour, broken pipes and verbose logging.

use std::io::Read;
use std::process::Stdio;

use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use okta_eventhooks_tests::fixtures::*;
use okta_eventhooks_tests::secrets::*;

use crate::support::*;

const COMMANDS: &[&str] = &[
    "list",
    "get",
    "create",
    "replace",
    "delete",
    "activate",
    "deactivate",
    "verify",
    "completions",
    "listen",
    "demo",
    "emulator",
    "emulator fire",
    "relay",
    "consume",
];

#[tokio::test(flavor = "multi_thread")]
async fn help_snapshots() {
    let mut cmd = bare();
    cmd.arg("--help");
    let out = run(cmd).await;
    assert_eq!(out.code, 0);
    insta::assert_snapshot!("help", out.stdout);
    for command in COMMANDS {
        let mut cmd = bare();
        cmd.args(command.split(' ')).arg("--help");
        let out = run(cmd).await;
        assert_eq!(out.code, 0, "{command}");
        insta::assert_snapshot!(format!("help_{}", command.replace(' ', "_")), out.stdout);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn completions_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let mut cmd = bare();
        cmd.args(["completions", shell]);
        let out = run(cmd).await;
        assert_eq!(out.code, 0, "{shell}: {}", out.stderr);
        assert!(out.stdout.contains("okta-eventhooks"), "{shell}");
        assert!(out.stdout.contains("deactivate"), "{shell}");
    }
}

async fn org_with_many_hooks(count: usize) -> MockServer {
    let server = MockServer::start().await;
    let hooks: Vec<_> = (0..count)
        .map(|i| {
            hook_json(
                &format!("who{i:017}"),
                &format!("Hook {i}"),
                "ACTIVE",
                "VERIFIED",
            )
        })
        .collect();
    Mock::given(method("GET"))
        .and(path("/api/v1/eventHooks"))
        .respond_with(ResponseTemplate::new(200).set_body_json(hooks))
        .mount(&server)
        .await;
    server
}

#[tokio::test(flavor = "multi_thread")]
async fn a_closed_pipe_ends_quietly() {
    // ~1 MB of JSON: far more than a pipe buffer, so the writer must meet the closed pipe.
    let server = org_with_many_hooks(600).await;
    let mut cmd = std_bare();
    cmd.env("OKTA_CLIENT_ORGURL", server.uri())
        .env("OKTA_CLIENT_TOKEN", TOKEN)
        .args(["list", "-o", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let (code, stderr) = tokio::task::spawn_blocking(move || {
        let mut child = cmd.spawn().unwrap();
        // Read a little, like `| head -c 100`, then close the pipe.
        let mut stdout = child.stdout.take().unwrap();
        let mut first = [0u8; 100];
        stdout.read_exact(&mut first).unwrap();
        drop(stdout);
        let mut stderr = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        (child.wait().unwrap().code(), stderr)
    })
    .await
    .unwrap();
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(stderr, "");
}

/// Runs the command inside a pseudo-terminal (util-linux `script`), so stdin, stdout and
/// stderr are a TTY; `input` is typed into it.
async fn run_on_a_terminal(
    server: &MockServer,
    args: &str,
    no_color: Option<&str>,
    input: &str,
) -> (i32, String) {
    let bin = env!("CARGO_BIN_EXE_okta-eventhooks");
    let mut cmd = std::process::Command::new("script");
    cmd.args([
        "-qec",
        &format!("{bin} --max-retries 0 {args}"),
        "/dev/null",
    ])
    .env_clear()
    .env("PATH", "/usr/bin:/bin")
    .env("HOME", home_dir())
    .current_dir(home_dir())
    .env("OKTA_CLIENT_ORGURL", server.uri())
    .env("OKTA_CLIENT_TOKEN", TOKEN)
    .stdin(Stdio::piped())
    .stdout(Stdio::piped());
    if let Some(value) = no_color {
        cmd.env("NO_COLOR", value);
    }
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
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(!text.contains(TOKEN));
    (output.status.code().unwrap_or(-1), text)
}

#[tokio::test(flavor = "multi_thread")]
async fn colour_only_on_a_terminal_and_never_with_no_color() {
    let server = org_with_many_hooks(2).await;
    let (code, coloured) = run_on_a_terminal(&server, "list", None, "").await;
    assert_eq!(code, 0, "{coloured}");
    assert!(coloured.contains("\x1b[32m"), "{coloured:?}");
    let (_, plain) = run_on_a_terminal(&server, "list", Some("1"), "").await;
    assert!(plain.contains("who00000000000000000"), "{plain:?}");
    assert!(!plain.contains('\x1b'), "{plain:?}");
    // Piped (not a terminal): no colour either; see read::list_table_snapshot.
}

#[tokio::test(flavor = "multi_thread")]
async fn verbose_logging_never_shows_secrets() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/eventHooks"))
        .respond_with(ResponseTemplate::new(200).set_body_json(hook_json(
            ID,
            "Audit sink",
            "ACTIVE",
            "UNVERIFIED",
        )))
        .mount(&server)
        .await;
    let mut cmd = cli(&server);
    cmd.args([
        "-vv",
        "create",
        "--name",
        "Audit sink",
        "--uri",
        "https://hooks.example.com/okta",
        "--event",
        "user.lifecycle.create",
        "--header",
        &format!("X-Source={HEADER_SECRET}"),
        "--auth-value-stdin",
    ])
    .write_stdin(HOOK_SECRET);
    // `run` fails the test if the token or the hook secret appears anywhere.
    let out = run(cmd).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("okta_eventhooks"),
        "logging is on: {}",
        out.stderr
    );
    assert!(!out.stderr.contains(HEADER_SECRET));
}

#[tokio::test(flavor = "multi_thread")]
async fn delete_asks_on_a_terminal() {
    let server = MockServer::start().await;
    let url = format!("/api/v1/eventHooks/{ID}");
    Mock::given(method("GET"))
        .and(path(url.clone()))
        .respond_with(ResponseTemplate::new(200).set_body_json(hook_json(
            ID,
            "Audit sink",
            "INACTIVE",
            "VERIFIED",
        )))
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path(url))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let (code, text) = run_on_a_terminal(&server, &format!("delete {ID}"), Some("1"), "n\n").await;
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains(
            "delete event hook who8vt36qfNpCGz9H1e6 (\"Audit sink\")? This cannot be undone. [y/N]"
        ),
        "{text}"
    );
    assert!(text.contains("error: not deleted"), "{text}");
    let (code, text) = run_on_a_terminal(&server, &format!("delete {ID}"), Some("1"), "y\n").await;
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("deleted event hook who8vt36qfNpCGz9H1e6"),
        "{text}"
    );
}
