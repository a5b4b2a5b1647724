//! The whole event-hook lifecycle through the CLI against the SDK's Okta emulator, with a
//! wiremock endpoint that answers the verification challenge like a real receiver.

use serde_json::{Value, json};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use okta_eventhooks_emulator::Emulator;

use crate::support::*;

const EMU_TOKEN: &str = "emulator-token-never-printed-1212";

/// Answers Okta's verification GET with the challenge, as a receiver must.
struct Echo;

impl Respond for Echo {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let challenge = request
            .headers
            .get("x-okta-verification-challenge")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        ResponseTemplate::new(200).set_body_json(json!({ "verification": challenge }))
    }
}

fn emu_cli(emu: &Emulator) -> assert_cmd::Command {
    let mut cmd = bare();
    cmd.env("OKTA_CLIENT_ORGURL", emu.url())
        .env("OKTA_CLIENT_TOKEN", EMU_TOKEN);
    cmd
}

async fn emu_run(emu: &Emulator, args: &[&str], env: &[(&str, &str)]) -> Outcome {
    let mut cmd = emu_cli(emu);
    cmd.args(args);
    for (key, value) in env {
        cmd.env(key, value);
    }
    let out = run(cmd).await;
    assert!(!out.stdout.contains(EMU_TOKEN) && !out.stderr.contains(EMU_TOKEN));
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn lifecycle_against_the_emulator() {
    let emu = Emulator::builder()
        .token(EMU_TOKEN)
        .allow_http_loopback(true)
        .start("127.0.0.1:0")
        .await
        .unwrap();
    let endpoint = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(Echo)
        .mount(&endpoint)
        .await;
    let uri = format!("{}/okta/events", endpoint.uri());
    let secret = [("HOOK_SECRET", HOOK_SECRET)];

    // create --verify: the emulator really calls the endpoint with the challenge and secret.
    let out = emu_run(
        &emu,
        &[
            "create",
            "--name",
            "Audit sink",
            "--uri",
            &uri,
            "--event",
            "user.lifecycle.create,user.session.start",
            "--auth-key",
            "Authorization",
            "--auth-value-env",
            "HOOK_SECRET",
            "--verify",
            "-o",
            "json",
        ],
        &secret,
    )
    .await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let created: Value = serde_json::from_str(&out.stdout).unwrap();
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(created["verificationStatus"], "VERIFIED");
    let challenge = &endpoint.received_requests().await.unwrap()[0];
    assert_eq!(challenge.headers["authorization"], HOOK_SECRET);

    // list as a table.
    let out = emu_run(&emu, &["list"], &[]).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let row: Vec<&str> = out
        .stdout
        .lines()
        .find(|l| l.starts_with(&id))
        .unwrap()
        .split_whitespace()
        .collect();
    assert_eq!(
        row[1..6],
        ["Audit", "sink", "ACTIVE", "yes", "2"],
        "{}",
        out.stdout
    );

    // replace by name: refused without the secret, done with it; the emulator keeps it.
    let out = emu_run(
        &emu,
        &["replace", "Audit sink", "--description", "now described"],
        &[],
    )
    .await;
    assert_eq!(out.code, 1, "{}", out.stderr);
    let out = emu_run(
        &emu,
        &[
            "replace",
            "Audit sink",
            "--description",
            "now described",
            "--auth-value-env",
            "HOOK_SECRET",
            "-o",
            "json",
        ],
        &secret,
    )
    .await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let replaced: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(replaced["description"], "now described");

    // delete: refused while ACTIVE, then --force deactivates and deletes.
    let out = emu_run(&emu, &["delete", &id], &[]).await;
    assert_eq!(out.code, 1, "{}", out.stderr);
    let out = emu_run(&emu, &["delete", &id, "--force", "--yes"], &[]).await;
    assert_eq!(out.code, 0, "{}", out.stderr);

    // Gone: Okta's 404 line and exit code 4.
    let out = emu_run(&emu, &["get", &id], &[]).await;
    assert_eq!(out.code, 4);
    assert!(
        out.stderr.starts_with(&format!(
            "error: E0000007 Not found: Resource not found: {id} (Webhook) (HTTP 404, request id "
        )),
        "{}",
        out.stderr
    );
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn failed_verification_against_the_emulator_is_explained() {
    let emu = Emulator::builder()
        .token(EMU_TOKEN)
        .allow_http_loopback(true)
        .hook_timeout(std::time::Duration::from_millis(300))
        .start("127.0.0.1:0")
        .await
        .unwrap();
    // An endpoint that does not answer the challenge.
    let endpoint = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&endpoint)
        .await;
    let uri = format!("{}/wrong/path", endpoint.uri());
    let out = emu_run(
        &emu,
        &[
            "create",
            "--name",
            "Broken",
            "--uri",
            &uri,
            "--event",
            "user.session.start",
            "-o",
            "json",
        ],
        &[],
    )
    .await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let out = emu_run(&emu, &["verify", "Broken"], &[]).await;
    assert_eq!(out.code, 4, "{}", out.stderr);
    assert!(out.stderr.contains("error: E0000001 Api validation failed: eventHook; Unable to verify event hook. Hook Broken"), "{}", out.stderr);
    assert!(
        out.stderr
            .contains(&format!("hint: Okta sent a one-time GET request to {uri}")),
        "{}",
        out.stderr
    );
    emu.shutdown().await;
}
