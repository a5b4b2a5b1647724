//! `okta-eventhooks relay` and `consume` end to end: the built binary against a real
//! `nats-server` (started on a free loopback port with temporary storage). Ignored with the
//! reason when the server is missing (see `okta_eventhooks_tests::nats`), failing under CI.

use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;

use okta_eventhooks_tests::fixtures::delivery;
use okta_eventhooks_tests::http::post_delivery;
use okta_eventhooks_tests::nats::NatsServer;
use okta_eventhooks_tests::secrets::{HOOK_SECRET, assert_no_secret};

use crate::support::{bare, lines_of, run, std_bare};

/// The password in the NATS URL; it must never be printed either.
const NATS_PASSWORD: &str = "nats-password-never-printed-5151";

/// A running `relay` and the URL it printed.
pub(crate) struct RelayProcess {
    pub(crate) child: Child,
    pub(crate) url: String,
    /// The first stdout line (the one with the URL).
    first: String,
    stdout: mpsc::Receiver<String>,
    pub(crate) stderr: mpsc::Receiver<String>,
}

impl Drop for RelayProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn nats_url(nats: &NatsServer) -> String {
    nats.url()
        .replace("nats://", &format!("nats://okta:{NATS_PASSWORD}@"))
}

fn start_relay(nats: &NatsServer, extra: &[&str]) -> RelayProcess {
    start_relay_logging(&["-vv"], nats, extra, &[])
}

/// A relay started with these global flags (`-vv`, or none to see what it logs by default)
/// and these environment variables.
pub(crate) fn start_relay_logging(
    global: &[&str],
    nats: &NatsServer,
    extra: &[&str],
    envs: &[(&str, &str)],
) -> RelayProcess {
    let mut child = std_bare()
        .args(global)
        .args(["relay", "--port", "0", "--path", "/okta/events"])
        .args([
            "--auth-key",
            "Authorization",
            "--auth-value-env",
            "RELAY_SECRET",
        ])
        .args(extra)
        .envs(envs.iter().copied())
        .env("RELAY_SECRET", HOOK_SECRET)
        // Credentials come from the environment, never the command line.
        .env("NATS_URL", nats_url(nats))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = lines_of(child.stdout.take().unwrap());
    let stderr = lines_of(child.stderr.take().unwrap());
    let first = stdout
        .recv_timeout(Duration::from_secs(30))
        .unwrap_or_else(|_| {
            let err: Vec<String> = stderr.try_iter().collect();
            panic!("relay printed nothing; stderr:\n{}", err.join("\n"))
        });
    let url = first
        .strip_prefix("relaying ")
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("unexpected first line: {first}"))
        .to_owned();
    RelayProcess {
        child,
        url,
        first,
        stdout,
        stderr,
    }
}

/// Stops the relay with SIGTERM; returns its exit code, stdout and stderr.
pub(crate) fn stop(relay: RelayProcess) -> (i32, String, String) {
    let pid = relay.child.id().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    collect(relay)
}

/// Waits for the relay to exit; its exit code, stdout and stderr.
pub(crate) fn collect(mut relay: RelayProcess) -> (i32, String, String) {
    let status = relay.child.wait().unwrap();
    let stdout: Vec<String> = std::iter::once(std::mem::take(&mut relay.first))
        .chain(relay.stdout.iter())
        .collect();
    let stderr: Vec<String> = relay.stderr.iter().collect();
    (
        status.code().unwrap_or(-1),
        stdout.join("\n"),
        stderr.join("\n"),
    )
}

pub(crate) fn consume(nats: &NatsServer, args: &[&str]) -> assert_cmd::Command {
    let mut cmd = bare();
    cmd.arg("consume")
        .args(args)
        .env("NATS_URL", nats_url(nats))
        .timeout(Duration::from_secs(30));
    cmd
}

fn assert_nothing_secret(what: &str, text: &str) {
    assert_no_secret(what, text);
    assert!(
        !text.contains(NATS_PASSWORD),
        "the NATS password leaked in {what}:\n{text}"
    );
}

#[tokio::test(flavor = "multi_thread")]
#[cfg_attr(
    not(any(nats_server, ci)),
    ignore = "put nats-server on PATH or set OKTA_EVENTHOOKS_NATS_SERVER to one (see .ci/run)"
)]
async fn relay_stores_and_consume_prints_and_acknowledges_without_leaking_secrets() {
    let nats = NatsServer::start();
    let relay = start_relay(&nats, &["--storage", "memory"]);
    let url = relay.url.clone();
    let types = [
        "user.lifecycle.create",
        "user.session.start",
        "group.user_membership.add",
    ];
    let body = delivery("cli-1", &types).to_string();
    assert_eq!(
        post_delivery(&url, Some(HOOK_SECRET), body).await.status(),
        200
    );
    // Refused requests: the secret sent wrong, and a malformed body. Nothing is published.
    let wrong = format!("{HOOK_SECRET}x");
    assert_eq!(post_delivery(&url, Some(&wrong), "{}").await.status(), 401);
    assert_eq!(
        post_delivery(&url, Some(HOOK_SECRET), "{").await.status(),
        400
    );

    // JSON lines with every field Okta sent, acknowledged after printing.
    let out = run(consume(
        &nats,
        &["--durable", "cli", "--count", "3", "-o", "json"],
    ))
    .await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let events: Vec<Value> = out
        .stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let got: Vec<&str> = events
        .iter()
        .map(|e| e["eventType"].as_str().unwrap())
        .collect();
    assert_eq!(got, types);
    assert_eq!(events[0]["futureField"]["kept"], true);
    assert_nothing_secret("consume stderr", &out.stderr);

    // The same durable goes on after what was acknowledged; the filter selects by type.
    let body = delivery("cli-2", &["user.account.lock"]).to_string();
    assert_eq!(
        post_delivery(&url, Some(HOOK_SECRET), body).await.status(),
        200
    );
    let out = run(consume(&nats, &["--durable", "cli", "--count", "1"])).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        "2026-11-26T13:00:00.000Z  user.account.lock  actor: Ada <admin@acme.com>  targets: User Bob <bob@acme.com>  outcome: SUCCESS\n"
    );
    let args = [
        "--durable",
        "users",
        "--subject",
        "okta.events.user.>",
        "--count",
        "3",
    ];
    let out = run(consume(&nats, &args)).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        !out.stdout.contains("group.user_membership.add"),
        "{}",
        out.stdout
    );
    assert_eq!(out.stdout.lines().count(), 3);

    let (code, stdout, stderr) = stop(relay);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("relayed 4 event(s) in 2 delivery(ies): 4 stored, 0 already stored; refused: 1 unauthorized, 1 malformed"),
        "{stdout}"
    );
    assert!(stdout.contains("nats://[REDACTED]@127.0.0.1:"), "{stdout}");
    assert_nothing_secret("relay stdout", &stdout);
    assert_nothing_secret("relay stderr (-vv)", &stderr);
}

#[tokio::test(flavor = "multi_thread")]
#[cfg_attr(
    not(any(nats_server, ci)),
    ignore = "put nats-server on PATH or set OKTA_EVENTHOOKS_NATS_SERVER to one (see .ci/run)"
)]
async fn relay_json_status_lines_and_a_conflicting_stream_is_a_config_error() {
    let nats = NatsServer::start();
    let mut relay = std_bare();
    relay
        .args(["-o", "json", "relay", "--port", "0", "--insecure-no-auth"])
        .env("NATS_URL", nats.url())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = relay.spawn().unwrap();
    let stdout = lines_of(child.stdout.take().unwrap());
    let stderr = lines_of(child.stderr.take().unwrap());
    let first: Value =
        serde_json::from_str(&stdout.recv_timeout(Duration::from_secs(30)).unwrap()).unwrap();
    assert_eq!(first["status"], "relaying");
    assert_eq!(first["stream"], "OKTA_EVENTS");
    assert_eq!(first["subjects"], "okta.events.>");
    let process = RelayProcess {
        child,
        url: first["url"].as_str().unwrap().to_owned(),
        first: first.to_string(),
        stdout,
        stderr,
    };
    let (code, stdout, stderr) = stop(process);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("--insecure-no-auth"),
        "the warning: {stderr}"
    );
    let last: Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    assert_eq!(last["status"], "stopped");
    assert_eq!(last["deliveries"], 0);

    // The stream now exists with one replica and a 24 h window; asking for others is refused.
    let mut conflicting = bare();
    conflicting
        .args([
            "relay",
            "--port",
            "0",
            "--insecure-no-auth",
            "--duplicate-window",
            "1h",
        ])
        .env("NATS_URL", nats.url());
    let out = run(conflicting).await;
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(
        out.stderr.contains(
            "stream OKTA_EVENTS already exists with other settings: duplicate window 24h, asked 1h"
        ),
        "{}",
        out.stderr
    );
    // The same stream named by a sink URL instead of NATS_URL and --stream.
    let mut by_url = bare();
    by_url
        .args(["relay", "--port", "0", "--insecure-no-auth"])
        .args([
            "--duplicate-window",
            "1h",
            "--sink",
            &format!("{}/OKTA_EVENTS", nats.url()),
        ]);
    let out = run(by_url).await;
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("stream OKTA_EVENTS already exists with other settings"),
        "{}",
        out.stderr
    );
}

#[tokio::test]
async fn relay_refuses_to_start_without_a_secret() {
    // No NATS is needed: the check comes first.
    let mut cmd = bare();
    cmd.args(["relay", "--port", "0", "--nats", "nats://127.0.0.1:1"]);
    let out = run(cmd).await;
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("--insecure-no-auth"), "{}", out.stderr);

    let mut cmd = bare();
    cmd.args([
        "relay",
        "--port",
        "0",
        "--auth-key",
        "Authorization",
        "--auth-value-env",
        "UNSET_VAR",
    ]);
    let out = run(cmd).await;
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("UNSET_VAR"), "{}", out.stderr);

    // A deadline Okta would not wait for is refused before NATS is reached.
    for deadline in ["3s", "5s", "0s"] {
        let mut cmd = bare();
        cmd.args(["relay", "--port", "0", "--insecure-no-auth"])
            .args(["--nats", "nats://127.0.0.1:1", "--deadline", deadline]);
        let out = run(cmd).await;
        assert_eq!(out.code, 2, "{deadline}: {}", out.stderr);
        assert!(out.stderr.contains("below Okta's 3 s"), "{}", out.stderr);
    }
}

#[tokio::test]
async fn unreachable_nats_is_a_network_error_without_its_password() {
    let mut cmd = bare();
    cmd.args(["consume", "--durable", "x"]).env(
        "NATS_URL",
        format!("nats://okta:{NATS_PASSWORD}@127.0.0.1:1"),
    );
    let out = run(cmd).await;
    assert_eq!(out.code, 6, "{}", out.stderr);
    assert!(
        out.stderr.contains("cannot connect to NATS"),
        "{}",
        out.stderr
    );
    assert_nothing_secret("stderr", &out.stderr);

    // The same through a sink URL; a sink of a kind not supported is a usage error that does
    // not repeat the URL.
    let mut cmd = bare();
    cmd.args(["consume", "--durable", "x", "--sink"])
        .arg(format!(
            "nats://okta:{NATS_PASSWORD}@127.0.0.1:1/OKTA_EVENTS"
        ));
    let out = run(cmd).await;
    assert_eq!(out.code, 6, "{}", out.stderr);
    assert_nothing_secret("stderr", &out.stderr);
    let mut cmd = bare();
    cmd.args(["relay", "--insecure-no-auth", "--sink"])
        .arg(format!("mysql://okta:{NATS_PASSWORD}@127.0.0.1:1/db"));
    let out = run(cmd).await;
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("unsupported sink mysql://"),
        "{}",
        out.stderr
    );
    assert_nothing_secret("stderr", &out.stderr);
}

#[tokio::test]
#[cfg_attr(
    not(any(nats_server, ci)),
    ignore = "put nats-server on PATH or set OKTA_EVENTHOOKS_NATS_SERVER to one (see .ci/run)"
)]
async fn refused_nats_credentials_are_a_config_error_and_command_line_credentials_warn() {
    let nats = NatsServer::start_with_config(&format!(
        "authorization {{ users: [ {{ user: okta, password: {NATS_PASSWORD:?} }} ] }}\n"
    ));
    let wrong = nats
        .url()
        .replace("nats://", "nats://okta:wrong-pass-1234@");
    let mut cmd = bare();
    cmd.args(["consume", "--durable", "x"])
        .env("NATS_URL", &wrong);
    let out = run(cmd).await;
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(
        out.stderr.contains("NATS authentication failed"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("wrong-pass-1234"), "{}", out.stderr);
    assert!(
        !out.stderr.contains("command line"),
        "from NATS_URL: no warning"
    );
    // The same URL on the command line: a warning that others can read it.
    let mut cmd = bare();
    cmd.args(["consume", "--durable", "x", "--nats", &wrong]);
    let out = run(cmd).await;
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("on the command line carries credentials"),
        "{}",
        out.stderr
    );
    // --nats-user with NATS_PASSWORD: a wrong password is refused as such; without the
    // variable it is a usage error before connecting.
    let mut cmd = bare();
    cmd.args(["consume", "--durable", "x", "--nats-user", "okta"])
        .env("NATS_URL", nats.url())
        .env("NATS_PASSWORD", "wrong-pass-1234");
    let out = run(cmd).await;
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert_nothing_secret("stderr", &out.stderr);
    let mut cmd = bare();
    cmd.args(["consume", "--durable", "x", "--nats-user", "okta"])
        .env("NATS_URL", nats.url())
        .env_remove("NATS_PASSWORD");
    let out = run(cmd).await;
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("NATS_PASSWORD"), "{}", out.stderr);
}
