//! Okta's official SDKs against the emulator: `okta` (Python) and `@okta/okta-sdk-nodejs`
//! run the whole lifecycle through their normal environment configuration.
//!
//! `.ci/run` installs the pinned SDKs and sets `OKTA_EVENTHOOKS_INTEROP_PYTHON` (a Python with
//! `okta` installed) and `OKTA_EVENTHOOKS_INTEROP_NODE` (a `node` whose `interop/node` has its
//! `node_modules`). Without them the tests fail under CI and are skipped (with a message)
//! elsewhere.

use std::path::PathBuf;
use std::process::Stdio;

use okta_eventhooks_emulator::{DeliveryKind, DeliveryOutcome};

use crate::emulator_support::*;

fn interop_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../interop")
}

/// The interpreter named by `var`; `None` (skip) outside CI when it is not set.
fn interpreter(var: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(value) if !value.is_empty() => Some(value),
        _ if std::env::var_os("CI").is_some() => {
            panic!("{var} is not set: .ci/run must install the official SDKs and set it")
        }
        _ => {
            eprintln!("skipping: set {var} to run this interop test (see .ci/run)");
            None
        }
    }
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
async fn official_python_sdk_runs_the_lifecycle() {
    let Some(python) = interpreter("OKTA_EVENTHOOKS_INTEROP_PYTHON") else {
        return;
    };
    run_script(&python, "python", "lifecycle.py", "python-sdk-interop").await;
}

#[tokio::test]
async fn official_node_sdk_runs_the_lifecycle() {
    let Some(node) = interpreter("OKTA_EVENTHOOKS_INTEROP_NODE") else {
        return;
    };
    run_script(&node, "node", "lifecycle.js", "node-sdk-interop").await;
}
