//! Okta's official SDKs against the emulator: `okta` (Python) and `@okta/okta-sdk-nodejs`
//! run the whole lifecycle through their normal environment configuration.
//!
//! `.ci/run` installs the pinned SDKs and sets `OKTA_EVENTHOOKS_INTEROP_PYTHON` (a Python with
//! `okta` installed) and `OKTA_EVENTHOOKS_INTEROP_NODE` (a `node` whose `interop/node` has its
//! `node_modules`). Without them the tests are reported as ignored, with the reason, and fail
//! under CI (`CI` set); `build.rs` sets the cfgs that decide.

use std::path::PathBuf;
use std::process::Stdio;

use okta_eventhooks_emulator::{DeliveryKind, DeliveryOutcome};

use okta_eventhooks_tests::emulator::{client, start};
use okta_eventhooks_tests::endpoint::{endpoint, received};
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

/// Runs one SDK script against a fresh emulator and checks that it passed and that the
/// emulator really verified its hook.
async fn run_script(interpreter: &str, dir: &str, script: &str, hook_name: &str) {
    let emu = start().await;
    let endpoint = endpoint().await;
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
        .env("HOOK_URI", format!("{}/hook", endpoint.uri()));
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
