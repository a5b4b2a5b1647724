//! Okta's official SDKs against the emulator: `okta` (Python) and `@okta/okta-sdk-nodejs`
//! run the whole lifecycle through their normal environment configuration, and read the
//! emulator's System Log with their own log readers (paging, filter, sort order, polling).
//!
//! `.ci/run` installs the pinned SDKs and sets `OKTA_EVENTHOOKS_INTEROP_PYTHON` (a Python with
//! `okta` installed) and `OKTA_EVENTHOOKS_INTEROP_NODE` (a `node` whose `interop/node` has its
//! `node_modules`). Without them the tests are reported as ignored, with the reason, and fail
//! under CI (`CI` set); `build.rs` sets the cfgs that decide.

use std::path::PathBuf;
use std::process::Stdio;

use okta_eventhooks_emulator::{DeliveryKind, DeliveryOutcome, Emulator, FireRequest};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use okta_eventhooks_tests::emulator::{client, ssws, start, verified_hook};
use okta_eventhooks_tests::endpoint::{Echo, endpoint, received};
use okta_eventhooks_tests::fixtures::new_hook;
use okta_eventhooks_tests::http;
use okta_eventhooks_tests::secrets::TOKEN;

fn interop_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../interop")
}

/// The interpreter named by `var`. The test runs only when it was set at build time, or under
/// CI, where its absence is a failure.
fn interpreter(var: &str) -> String {
    std::env::var(var)
        .ok()
        .filter(|value| !value.is_empty())
        .unwrap_or_else(|| {
            panic!("{var} is not set: install the official SDKs and set it as .ci/run does")
        })
}

/// Runs one SDK script against `emu` with Okta's environment configuration (and `env`), and
/// checks that it passed.
async fn run(emu: &Emulator, interpreter: &str, dir: &str, script: &str, env: &[(&str, String)]) {
    let mut command = tokio::process::Command::new(interpreter);
    command
        .arg(script)
        .current_dir(interop_dir().join(dir))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // Nothing from the developer's own Okta configuration may leak in.
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("OKTA_") {
            command.env_remove(name);
        }
    }
    command
        .env("OKTA_CLIENT_ORGURL", emu.url())
        .env("OKTA_CLIENT_TOKEN", TOKEN)
        .env("OKTA_TESTING_TESTINGDISABLEHTTPSCHECK", "true")
        .envs(env.iter().map(|(k, v)| (k, v)));
    let output = tokio::time::timeout(std::time::Duration::from_secs(120), command.output())
        .await
        .expect("the SDK script did not finish within 120 s")
        .unwrap_or_else(|e| panic!("cannot run {interpreter}: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{script} failed ({}):\nstdout:\n{stdout}\nstderr:\n{stderr}",
        output.status
    );
    assert!(stdout.contains("steps passed"), "{stdout}");
}

/// Runs one lifecycle script against a fresh emulator and checks that the emulator really
/// verified its hook.
async fn run_script(interpreter: &str, dir: &str, script: &str, hook_name: &str) {
    let emu = start().await;
    let endpoint = endpoint().await;
    let hook_uri = format!("{}/hook", endpoint.uri());
    run(&emu, interpreter, dir, script, &[("HOOK_URI", hook_uri)]).await;

    // The emulator called the hook's endpoint for the SDK's verify.
    let verifications: Vec<_> = emu
        .deliveries()
        .into_iter()
        .filter(|r| r.kind == DeliveryKind::Verification && r.hook_name == hook_name)
        .collect();
    assert_eq!(verifications.len(), 1, "{verifications:?}");
    assert_eq!(verifications[0].outcome, DeliveryOutcome::Success);
    // And the SDK's auth header made it through.
    let gets = received(&endpoint, "GET").await;
    assert!(gets.iter().any(|r| r.headers.contains_key("authorization")));
    assert!(client(&emu).list_event_hooks().await.unwrap().is_empty());
    emu.shutdown().await;
}

/// Runs one System Log script against an emulator holding a burst of 24 events of two types
/// and the failed delivery of 12 of them; the script pages, filters, sorts and polls with the
/// SDK's reader and compares with what the log holds.
async fn run_logs_script(interpreter: &str, dir: &str, script: &str) {
    let emu = start().await;
    let failing = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(Echo)
        .mount(&failing)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&failing)
        .await;
    let hook = new_hook("failing", &failing.uri(), &["user.session.start"]);
    let hook_id = verified_hook(&client(&emu), &hook).await;
    let burst = FireRequest::new("user.session.start", 12).and("user.lifecycle.create", 12);
    assert_eq!(emu.fire_with(burst).await.unwrap().hooks[0].failed, 12);
    let until = (chrono::Utc::now() + chrono::Duration::minutes(1))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let log: Vec<serde_json::Value> = http::client()
        .get(format!("{}/api/v1/logs", emu.url()))
        .query(&[("until", until.as_str()), ("limit", "1000")])
        .header("Authorization", ssws())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(log.len(), 25, "24 fired, 1 failed delivery");
    let uuids: Vec<&str> = log.iter().map(|e| e["uuid"].as_str().unwrap()).collect();
    let env = [
        ("EXPECTED_UUIDS", uuids.join(",")),
        ("UNTIL", until),
        ("FAILED_HOOK_ID", hook_id),
    ];
    run(&emu, interpreter, dir, script, &env).await;
    emu.shutdown().await;
}

#[tokio::test]
#[cfg_attr(
    not(any(interop_python, ci)),
    ignore = "set OKTA_EVENTHOOKS_INTEROP_PYTHON to a Python with Okta's `okta` SDK (see .ci/run)"
)]
async fn official_python_sdk_runs_the_lifecycle() {
    let python = interpreter("OKTA_EVENTHOOKS_INTEROP_PYTHON");
    run_script(&python, "python", "lifecycle.py", "python-sdk-interop").await;
}

#[tokio::test]
#[cfg_attr(
    not(any(interop_node, ci)),
    ignore = "set OKTA_EVENTHOOKS_INTEROP_NODE to a node for interop/node after `npm ci` (see .ci/run)"
)]
async fn official_node_sdk_runs_the_lifecycle() {
    let node = interpreter("OKTA_EVENTHOOKS_INTEROP_NODE");
    run_script(&node, "node", "lifecycle.js", "node-sdk-interop").await;
}

#[tokio::test]
#[cfg_attr(
    not(any(interop_python, ci)),
    ignore = "set OKTA_EVENTHOOKS_INTEROP_PYTHON to a Python with Okta's `okta` SDK (see .ci/run)"
)]
async fn official_python_sdk_reads_the_system_log() {
    let python = interpreter("OKTA_EVENTHOOKS_INTEROP_PYTHON");
    run_logs_script(&python, "python", "logs.py").await;
}

#[tokio::test]
#[cfg_attr(
    not(any(interop_node, ci)),
    ignore = "set OKTA_EVENTHOOKS_INTEROP_NODE to a node for interop/node after `npm ci` (see .ci/run)"
)]
async fn official_node_sdk_reads_the_system_log() {
    let node = interpreter("OKTA_EVENTHOOKS_INTEROP_NODE");
    run_logs_script(&node, "node", "logs.js").await;
}
