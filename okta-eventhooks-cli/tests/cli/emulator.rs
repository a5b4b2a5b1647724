//! The CLI against the Okta emulator: the whole event-hook lifecycle, with a wiremock
//! endpoint that answers the verification challenge like a real receiver; and the `emulator`
//! command itself.

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use okta_eventhooks_emulator::Emulator;
use okta_eventhooks_tests::emulator::{self, verified_hook};
use okta_eventhooks_tests::endpoint::{endpoint, envelopes};
use okta_eventhooks_tests::fixtures::new_hook;
use okta_eventhooks_tests::secrets::{HOOK_SECRET, TOKEN};

use crate::support::*;

/// Runs the CLI against the emulator (`run` fails the test if the token shows up).
async fn emu_run(emu: &Emulator, args: &[&str], env: &[(&str, &str)]) -> Outcome {
    let mut cmd = bare();
    cmd.env("OKTA_CLIENT_ORGURL", emu.url())
        .env("OKTA_CLIENT_TOKEN", TOKEN)
        .args(args);
    for (key, value) in env {
        cmd.env(key, value);
    }
    run(cmd).await
}

#[tokio::test(flavor = "multi_thread")]
async fn lifecycle_against_the_emulator() {
    let emu = emulator::start().await;
    let endpoint = endpoint().await;
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
    let emu = emulator::builder()
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

/// A child process that is killed if the test ends early.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `-o json` on `emulator`: the serve status lines and the fire summary are JSON, so a script
/// can read the URL and the delivery counts.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn the_emulator_command_honours_output_json() {
    let mut serve = std_bare();
    serve
        .args([
            "-o",
            "json",
            "emulator",
            "--port",
            "0",
            "--allow-http-loopback",
        ])
        .args(["--token-env", "EMULATOR_TOKEN"])
        .env("EMULATOR_TOKEN", TOKEN)
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut serve = Running(serve.spawn().unwrap());
    let mut lines = BufReader::new(serve.0.stdout.take().unwrap()).lines();
    let (first, lines) = tokio::task::spawn_blocking(move || {
        let first = lines.next().unwrap().unwrap();
        (first, lines)
    })
    .await
    .unwrap();
    let listening: Value = serde_json::from_str(&first).unwrap();
    assert_eq!(listening["status"], "listening", "{first}");
    // A token of the user's own is never printed.
    assert_eq!(listening["authorization"], "SSWS <your token>", "{first}");
    let url = listening["url"].as_str().unwrap();

    let client = okta_eventhooks::Client::builder()
        .org_url(url)
        .api_token(TOKEN)
        .max_retries(0)
        .build()
        .unwrap();
    let endpoint = endpoint().await;
    let types = ["user.session.start", "user.lifecycle.create"];
    let hook = new_hook("fired at", &endpoint.uri(), &types);
    verified_hook(&client, &hook).await;
    // Two types in one burst, with half of the events sent again.
    let mut fire = bare();
    fire.args(["-o", "json", "emulator", "fire", types[0], types[1]])
        .args([
            "--count",
            "2",
            "--duplicate-percent",
            "50",
            "--url",
            url,
            "--token-env",
            "EMULATOR_TOKEN",
        ])
        .env("EMULATOR_TOKEN", TOKEN);
    let out = run(fire).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let summary: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(summary["eventTypes"], serde_json::json!(types));
    assert_eq!(summary["fired"], 4, "{summary}");
    assert_eq!(summary["hooks"][0]["hookName"], "fired at");
    assert_eq!(summary["hooks"][0]["delivered"], 4, "{summary}");
    assert_eq!(summary["hooks"][0]["duplicated"], 2, "{summary}");
    // On the wire: one POST with both types, then one repeating its eventId with 2 of them.
    let posts = envelopes(&endpoint).await;
    assert_eq!(posts.len(), 2, "{posts:?}");
    let sent: Vec<&str> = posts[0]["data"]["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["eventType"].as_str().unwrap())
        .collect();
    assert_eq!(sent, [types[0], types[1], types[0], types[1]]);
    assert_eq!(posts[1]["eventId"], posts[0]["eventId"]);
    assert_eq!(posts[1]["data"]["events"].as_array().unwrap().len(), 2);

    let pid = serve.0.id().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(killed.success());
    let rest: Vec<String> =
        tokio::task::spawn_blocking(move || lines.map(Result::unwrap).collect())
            .await
            .unwrap();
    assert_eq!(rest, [r#"{"status":"stopping"}"#]);
    assert_eq!(serve.0.wait().unwrap().code(), Some(0));
}

/// `--timeout` is the deadline of the whole fire: a hook that never answers cannot hold
/// `emulator fire` past it.
#[tokio::test(flavor = "multi_thread")]
async fn emulator_fire_keeps_to_the_timeout() {
    let emu = emulator::start().await;
    let endpoint = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(okta_eventhooks_tests::endpoint::Echo)
        .mount(&endpoint)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_delay(std::time::Duration::from_secs(120)))
        .mount(&endpoint)
        .await;
    let hook = new_hook("silent", &endpoint.uri(), &["user.session.start"]);
    verified_hook(&emulator::client(&emu), &hook).await;
    let mut fire = bare();
    fire.args(["emulator", "fire", "user.session.start", "--count", "1000"])
        .args(["--timeout", "1s", "--url", emu.url()])
        .args(["--token-env", "EMULATOR_TOKEN"])
        .env("EMULATOR_TOKEN", TOKEN);
    let out = run(fire).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    // One batch of 50 was under way when the second passed (each takes two hook timeouts),
    // and the next one was made (fired, in the System Log) meanwhile; neither was delivered.
    assert!(
        out.stdout
            .starts_with("fired 100 user.session.start event(s); 0 delivered"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("the deadline passed before every event was delivered"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("unfinished 100"), "{}", out.stdout);
    emu.shutdown().await;
}

/// `--state` where nothing can be written is a configuration error named before serving, not
/// a server whose every write fails.
#[test]
fn emulator_refuses_a_state_file_it_cannot_write_before_serving() {
    let dir = okta_eventhooks_tests::scratch::tempdir("cli-state");
    let missing = dir.join("missing").join("hooks.json");
    let mut child = std_bare()
        .args(["emulator", "--port", "0", "--state"])
        .arg(&missing)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > okta_eventhooks_tests::http::HANG_GUARD {
            let _ = child.kill();
            panic!("the emulator started serving with a state file it cannot write");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(status.code(), Some(3), "{stderr}");
    assert!(stderr.contains(&missing.display().to_string()), "{stderr}");
    assert!(output.stdout.is_empty(), "nothing was served");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A hook endpoint that answers the challenge and acknowledges every POST, noting when each
/// POST arrived and its envelope.
async fn stamping_endpoint() -> (MockServer, Arc<Mutex<Vec<(Instant, Value)>>>) {
    struct Stamp(Arc<Mutex<Vec<(Instant, Value)>>>);
    impl Respond for Stamp {
        fn respond(&self, request: &Request) -> ResponseTemplate {
            let envelope = request.body_json().unwrap();
            self.0.lock().unwrap().push((Instant::now(), envelope));
            ResponseTemplate::new(200)
        }
    }
    let posts = Arc::new(Mutex::new(Vec::new()));
    let endpoint = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(okta_eventhooks_tests::endpoint::Echo)
        .mount(&endpoint)
        .await;
    Mock::given(method("POST"))
        .respond_with(Stamp(posts.clone()))
        .mount(&endpoint)
        .await;
    (endpoint, posts)
}

/// `emulator fire ARGS -o json` at `emu`; its summary.
async fn fire_json(emu: &Emulator, args: &[&str]) -> Value {
    let mut fire = bare();
    fire.args(["-o", "json", "emulator", "fire"])
        .args(args)
        .args(["--url", emu.url(), "--token-env", "EMULATOR_TOKEN"])
        .env("EMULATOR_TOKEN", TOKEN);
    let out = run(fire).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    serde_json::from_str(&out.stdout).unwrap()
}

/// `--delay`: every delivery POST reaches the hook no earlier than the delay after the fire
/// started, and the POSTs of a hook wait one after the other (lower bounds only).
#[tokio::test(flavor = "multi_thread")]
async fn emulator_fire_delay_holds_every_post() {
    // One event per POST, so that the fire makes two POSTs.
    let emu = emulator::builder()
        .max_batch(1)
        .start("127.0.0.1:0")
        .await
        .unwrap();
    let (endpoint, posts) = stamping_endpoint().await;
    let hook = new_hook("delayed", &endpoint.uri(), &["user.session.start"]);
    verified_hook(&emulator::client(&emu), &hook).await;
    let delay = Duration::from_millis(250);
    let started = Instant::now();
    let summary = fire_json(
        &emu,
        &["user.session.start", "--count", "2", "--delay", "250ms"],
    )
    .await;
    assert_eq!(summary["fired"], 2, "{summary}");
    assert_eq!(summary["hooks"][0]["delivered"], 2, "{summary}");
    assert_eq!(summary["hooks"][0]["requests"], 2, "{summary}");
    assert_eq!(summary["deadlineExceeded"], false, "{summary}");
    let mut arrived: Vec<Duration> = posts
        .lock()
        .unwrap()
        .iter()
        .map(|(at, _)| at.duration_since(started))
        .collect();
    arrived.sort();
    assert_eq!(arrived.len(), 2, "{arrived:?}");
    assert!(
        arrived[0] >= delay,
        "the first POST came early: {arrived:?}"
    );
    assert!(
        arrived[1] >= delay * 2,
        "the second POST did not wait its own delay: {arrived:?}"
    );
    emu.shutdown().await;
}

/// `--reorder`: the events of a burst (two types, several POSTs) arrive out of published
/// order, and each of them exactly once.
#[tokio::test(flavor = "multi_thread")]
async fn emulator_fire_reorder_delivers_every_event_once() {
    // Windows of 4: the 10 events go in 3 POSTs, each shuffled.
    let emu = emulator::builder()
        .max_batch(4)
        .start("127.0.0.1:0")
        .await
        .unwrap();
    let (endpoint, posts) = stamping_endpoint().await;
    let types = ["user.session.start", "user.lifecycle.create"];
    let hook = new_hook("reordered", &endpoint.uri(), &types);
    verified_hook(&emulator::client(&emu), &hook).await;
    let summary = fire_json(&emu, &[types[0], types[1], "--count", "5", "--reorder"]).await;
    assert_eq!(summary["fired"], 10, "{summary}");
    assert_eq!(summary["hooks"][0]["delivered"], 10, "{summary}");
    assert_eq!(summary["hooks"][0]["duplicated"], 0, "{summary}");

    // What was fired, in published order (the System Log's order).
    let mut fired: Vec<(String, String)> = Vec::new();
    for event_type in types {
        for event in emulator::fired_events(&emu, event_type).await {
            let field = |name: &str| event[name].as_str().unwrap().to_owned();
            fired.push((field("published"), field("uuid")));
        }
    }
    fired.sort();
    let published: Vec<&str> = fired.iter().map(|(_, uuid)| uuid.as_str()).collect();
    assert_eq!(published.len(), 10);

    let mut posts = posts.lock().unwrap().clone();
    posts.sort_by_key(|(at, _)| *at);
    assert_eq!(posts.len(), 3, "{posts:?}");
    let arrived: Vec<String> = posts
        .iter()
        .flat_map(|(_, envelope)| envelope["data"]["events"].as_array().unwrap().clone())
        .map(|event| event["uuid"].as_str().unwrap().to_owned())
        .collect();
    assert_ne!(arrived, published, "not reordered");
    let mut once = arrived.clone();
    once.sort();
    once.dedup();
    assert_eq!(
        once.len(),
        arrived.len(),
        "an event came twice: {arrived:?}"
    );
    let mut expected: Vec<&str> = published.clone();
    expected.sort();
    assert_eq!(once, expected, "not every fired event arrived");
    // Each POST carries its own eventId.
    let ids: HashSet<&str> = posts
        .iter()
        .map(|(_, envelope)| envelope["eventId"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 3);
    emu.shutdown().await;
}
