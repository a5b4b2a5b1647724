//! Hooks as code: `plan`, `apply`, `export` and `manifest` against several emulated orgs at
//! once (one emulator per org, each an okta.yaml profile in a scratch HOME).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use okta_eventhooks::{
    Channel, Client, EventHook, EventHookVerificationStatus, Events, LifecycleStatus,
};
use okta_eventhooks_emulator::{DeliveryKind, Emulator, Faults};
use okta_eventhooks_tests::endpoint::{
    Echo, endpoint, endpoint_requiring, free_port, mount_requiring, received, server_on,
};
use okta_eventhooks_tests::orgs::{Orgs, write_okta_yaml};
use okta_eventhooks_tests::scratch::tempdir;
use okta_eventhooks_tests::secrets::*;
use serde_json::Value;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::support::*;

/// The text with every run of spaces as one, so that assertions do not depend on column widths.
fn squeeze(text: &str) -> String {
    text.lines()
        .map(|line| {
            let indent = line.len() - line.trim_start().len();
            let words: Vec<&str> = line.split_whitespace().collect();
            format!("{}{}", " ".repeat(indent), words.join(" "))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Fails unless `text`, spaces squeezed, contains each of `expected` (squeezed too).
fn assert_shows(text: &str, expected: &[&str]) {
    let shown = squeeze(text);
    for line in expected {
        assert!(shown.contains(&squeeze(line)), "{line:?} in:\n{text}");
    }
}

/// `cmd` with `args`.
fn with(mut cmd: assert_cmd::Command, args: &[&str]) -> assert_cmd::Command {
    cmd.args(args);
    cmd
}

/// Writes a manifest into `dir`.
fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// The org's hooks by name.
async fn hooks(client: &Client) -> BTreeMap<String, EventHook> {
    client
        .list_event_hooks()
        .await
        .unwrap()
        .into_iter()
        .map(|h| (h.name.clone(), h))
        .collect()
}

fn verified(hook: &EventHook) -> bool {
    hook.status == Some(LifecycleStatus::Active)
        && hook.verification_status == Some(EventHookVerificationStatus::Verified)
}

/// Two orgs, a hook with every kind of field, an INACTIVE one, and an override for prod.
fn two_org_manifest(dev: &str, prod: &str) -> String {
    format!(
        "\
hooks:
  audit-sink:
    description: Forwards lifecycle events
    uri: {dev}/okta
    headers: {{X-Source: okta}}
    auth: {{key: Authorization, valueFrom: {{env: AUDIT_HOOK_SECRET}}}}
    events: [user.lifecycle.create, user.session.start]
    filters:
      user.session.start: \"event.outcome.result eq 'FAILURE'\"
  quiet:
    status: INACTIVE
    uri: {dev}/quiet
    events: [user.account.lock]
orgs:
  dev: {{profile: dev}}
  prod: {{hooks: {{audit-sink: {{uri: {prod}/okta}}}}}}
"
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn plan_apply_no_op_and_prune_across_orgs() {
    let orgs = Orgs::start(&["dev", "prod"]).await;
    let dev_rx = endpoint_requiring(&[HOOK_SECRET]).await;
    let prod_rx = endpoint_requiring(&[HOOK_SECRET]).await;
    let prod = orgs.client("prod");
    let legacy = EventHook::builder("legacy")
        .channel(Channel::https(format!("{}/legacy", prod_rx.uri())).unwrap())
        .events(Events::types(["user.account.lock"]))
        .build()
        .unwrap();
    let legacy_id = prod.create_event_hook(&legacy).await.unwrap().id.unwrap();
    let file = write(
        &orgs.home,
        "hooks.yaml",
        &two_org_manifest(&dev_rx.uri(), &prod_rx.uri()),
    );
    let file = file.to_str().unwrap();

    let mut cmd = cli_at(&orgs.home);
    cmd.args(["plan", "-f", file]);
    let out = run(cmd).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_shows(
        &out.stdout,
        &[
            "org dev (",
            "+ audit-sink create, verify (to be ACTIVE)",
            "+ quiet create, deactivate (to be INACTIVE)",
            "org prod (",
            &format!(
                "not in the manifest, left alone (--prune deletes them): legacy ({legacy_id})"
            ),
            "secret to supply: environment variable AUDIT_HOOK_SECRET for auth header Authorization of audit-sink",
            "Plan: 8 actions in 2 of 2 orgs.",
        ],
    );
    assert_eq!(out.stderr, "", "piped: no progress bars");

    let mut cmd = cli_at(&orgs.home);
    cmd.args(["plan", "-f", file, "--detailed-exitcode"]);
    assert_eq!(run(cmd).await.code, 2, "changes pending");

    let mut cmd = cli_at(&orgs.home);
    cmd.args(["-o", "json", "plan", "-f", file]);
    let out = run(cmd).await;
    let plan: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(plan["changes"], 8);
    assert_eq!(plan["orgs"][1]["org"], "prod");
    assert_eq!(plan["orgs"][1]["profile"], "prod");
    assert_eq!(plan["orgs"][1]["unmanaged"][0]["name"], "legacy");
    assert_eq!(
        plan["orgs"][0]["hooks"][0]["actions"],
        serde_json::json!(["create", "verify"])
    );

    // Not a terminal and no --yes: refused, nothing sent.
    let mut cmd = cli_at(&orgs.home);
    cmd.env("AUDIT_HOOK_SECRET", HOOK_SECRET)
        .args(["apply", "-f", file]);
    let out = run(cmd).await;
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("stdin is not a terminal to confirm on; nothing was changed"),
        "{}",
        out.stderr
    );
    assert!(hooks(&orgs.client("dev")).await.is_empty());

    let mut cmd = cli_at(&orgs.home);
    cmd.env("AUDIT_HOOK_SECRET", HOOK_SECRET)
        .args(["apply", "-f", file, "--yes"]);
    let out = run(cmd).await;
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .contains("Applied: 10 done, 0 failed, 0 skipped."),
        "{}",
        out.stdout
    );
    for (org, rx) in [("dev", &dev_rx), ("prod", &prod_rx)] {
        let now = hooks(&orgs.client(org)).await;
        let sink = &now["audit-sink"];
        assert!(verified(sink), "{org}: {sink:?}");
        assert_eq!(sink.channel.config.uri, format!("{}/okta", rx.uri()));
        assert_eq!(
            sink.description.as_deref(),
            Some("Forwards lifecycle events")
        );
        let filter = &sink.events.filter.as_ref().unwrap().event_filter_map[0];
        assert_eq!(filter.event.as_deref(), Some("user.session.start"));
        assert_eq!(now["quiet"].status, Some(LifecycleStatus::Inactive));
        // The receiver saw the probe, then Okta's (the emulator's) own verification, both with
        // the secret (it answers 401 otherwise).
        let gets = received(rx, "GET").await;
        assert!(
            gets.iter()
                .any(|r| r.headers.contains_key("x-okta-eventhooks-probe"))
        );
        assert!(
            gets.iter()
                .any(|r| !r.headers.contains_key("x-okta-eventhooks-probe"))
        );
    }
    assert!(
        hooks(&prod).await.contains_key("legacy"),
        "not pruned without --prune"
    );

    // Applied: nothing left to do, and a second apply writes nothing.
    let mut cmd = cli_at(&orgs.home);
    cmd.env("AUDIT_HOOK_SECRET", HOOK_SECRET)
        .args(["plan", "-f", file, "--detailed-exitcode"]);
    let out = run(cmd).await;
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert!(
        out.stdout.contains("org dev (") && out.stdout.contains("): no changes"),
        "{}",
        out.stdout
    );
    let deliveries = orgs.emulator("dev").deliveries().len();
    let before = hooks(&orgs.client("dev")).await;
    let mut cmd = cli_at(&orgs.home);
    cmd.env("AUDIT_HOOK_SECRET", HOOK_SECRET)
        .args(["apply", "-f", file, "--yes"]);
    let out = run(cmd).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("nothing to do"), "{}", out.stderr);
    assert_eq!(
        orgs.emulator("dev").deliveries().len(),
        deliveries,
        "no verification"
    );
    assert_eq!(hooks(&orgs.client("dev")).await, before);
    assert_zero_writes(&orgs, "dev", file).await;

    // --prune: the hook the manifest does not name is deactivated, then deleted.
    let mut cmd = cli_at(&orgs.home);
    cmd.args(["plan", "-f", file, "--prune", "--org", "prod"]);
    let out = run(cmd).await;
    assert_shows(
        &out.stdout,
        &[&format!(
            "- legacy deactivate, delete (now ACTIVE UNVERIFIED, {legacy_id})"
        )],
    );
    assert!(
        !out.stdout.contains("org dev"),
        "--org prod only: {}",
        out.stdout
    );
    let mut cmd = cli_at(&orgs.home);
    cmd.args(["apply", "-f", file, "--prune", "--org", "prod", "--yes"]);
    let out = run(cmd).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_shows(
        &out.stdout,
        &[
            "prod legacy deactivate done INACTIVE",
            &format!("prod legacy delete done deleted {legacy_id}"),
        ],
    );
    let left: Vec<String> = hooks(&prod).await.into_keys().collect();
    assert_eq!(left, ["audit-sink", "quiet"]);
}

/// `--prune` of an ACTIVE hook against a stand-in org that records the requests: the
/// deactivate goes out before the DELETE; when the deactivate leaves the hook ACTIVE (the
/// answer says so) or fails, no DELETE goes out at all.
#[tokio::test(flavor = "multi_thread")]
async fn prune_deactivates_before_deleting_and_never_deletes_an_active_hook() {
    use okta_eventhooks_tests::fixtures::{ID, hook_json, okta_error};
    let home = tempdir("prune-active");
    let file = write(&home, "hooks.yaml", "hooks: {}\n");
    let deactivate = format!("/api/v1/eventHooks/{ID}/lifecycle/deactivate");
    let hook = format!("/api/v1/eventHooks/{ID}");
    let answered = |status: &str| {
        ResponseTemplate::new(200).set_body_json(hook_json(ID, "legacy", status, "VERIFIED"))
    };
    let failed = ResponseTemplate::new(500).set_body_json(okta_error(
        "E0000009",
        "Internal Server Error",
        &[],
    ));
    let cases = [
        (answered("INACTIVE"), 0, "done", true),
        (answered("ACTIVE"), 1, "failed", false),
        (failed, 7, "skipped", false),
    ];
    for (answer, code, delete_result, deleted) in cases {
        let org = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/api/v1/eventHooks"))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(serde_json::json!([hook_json(
                    ID, "legacy", "ACTIVE", "VERIFIED"
                )])),
            )
            .mount(&org)
            .await;
        Mock::given(method("POST"))
            .and(path(deactivate.as_str()))
            .respond_with(answer)
            .mount(&org)
            .await;
        Mock::given(method("DELETE"))
            .and(path(hook.as_str()))
            .respond_with(ResponseTemplate::new(204))
            .mount(&org)
            .await;
        let mut cmd = cli(&org);
        cmd.args([
            "-o",
            "json",
            "apply",
            "--prune",
            "--yes",
            "-f",
            file.to_str().unwrap(),
        ]);
        let out = run(cmd).await;
        assert_eq!(out.code, code, "{}", out.stderr);
        let applied: Value = serde_json::from_str(&out.stdout).unwrap();
        let steps: Vec<(&str, &str)> = applied["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| (s["step"].as_str().unwrap(), s["result"].as_str().unwrap()))
            .collect();
        let deactivated = if code == 7 { "failed" } else { "done" };
        assert_eq!(
            steps,
            [("deactivate", deactivated), ("delete", delete_result)]
        );
        if delete_result == "failed" {
            assert_eq!(
                applied["steps"][1]["error"]["message"],
                "not deleted: the hook is ACTIVE, and only an INACTIVE hook is deleted"
            );
        }
        let wire: Vec<String> = org
            .received_requests()
            .await
            .unwrap()
            .iter()
            .map(|r| format!("{} {}", r.method, r.url.path()))
            .collect();
        let mut expected = vec![
            "GET /api/v1/eventHooks".to_owned(),
            format!("POST {deactivate}"),
        ];
        if deleted {
            expected.push(format!("DELETE {hook}"));
        }
        assert_eq!(wire, expected, "deactivate answered {deactivated}");
    }
}

/// Two INACTIVE hooks declared `status: ACTIVE`: `sessions` is UNVERIFIED, so it is probed,
/// activated, then verified (Okta verifies only ACTIVE hooks); `audit` is VERIFIED and only
/// activated, last, after every verification. Checked on the wire against a copy of the org,
/// then against the emulator, which refuses to verify an INACTIVE hook.
#[tokio::test(flavor = "multi_thread")]
async fn an_inactive_hook_wanted_active_is_activated_then_verified_and_the_rest_activated_last() {
    let emu = okta_eventhooks_tests::emulator::start().await;
    let client = okta_eventhooks_tests::emulator::client(&emu);
    let home = tempdir("activation-order");
    let rx = endpoint().await;
    let hook = |name: &str, event: &str| {
        EventHook::builder(name)
            .channel(Channel::https(format!("{}/{name}", rx.uri())).unwrap())
            .events(Events::types([event]))
            .build()
            .unwrap()
    };
    let audit = okta_eventhooks_tests::emulator::verified_hook(
        &client,
        &hook("audit", "user.lifecycle.create"),
    )
    .await;
    let sessions = client
        .create_event_hook(&hook("sessions", "user.session.start"))
        .await
        .unwrap()
        .id
        .unwrap();
    for id in [&audit, &sessions] {
        client.deactivate_event_hook(id).await.unwrap();
    }
    let file = write(
        &home,
        "hooks.yaml",
        &format!(
            "hooks:\n  audit: {{status: ACTIVE, uri: '{0}/audit', events: [user.lifecycle.create]}}\n  sessions: {{status: ACTIVE, uri: '{0}/sessions', events: [user.session.start]}}\n",
            rx.uri()
        ),
    );
    let file = file.to_str().unwrap();
    let mut cmd = cli_for(&emu, &home);
    cmd.args(["-o", "json", "plan", "-f", file]);
    let plan: Value = serde_json::from_str(&run(cmd).await.stdout).unwrap();
    assert_eq!(
        plan["orgs"][0]["hooks"][0]["actions"],
        serde_json::json!(["activate"])
    );
    assert_eq!(
        plan["orgs"][0]["hooks"][1]["actions"],
        serde_json::json!(["activate", "verify"])
    );

    // On the wire: a copy of the org (its list as the emulator gives it) that answers the
    // lifecycle calls as Okta would.
    let listed: Vec<Value> = okta_eventhooks_tests::http::client()
        .get(format!("{}/api/v1/eventHooks", emu.url()))
        .header("authorization", okta_eventhooks_tests::emulator::ssws())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let copy = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/eventHooks"))
        .respond_with(ResponseTemplate::new(200).set_body_json(&listed))
        .mount(&copy)
        .await;
    for listed in &listed {
        let id = listed["id"].as_str().unwrap();
        let mut active = listed.clone();
        active["status"] = "ACTIVE".into();
        let mut verified = active.clone();
        verified["verificationStatus"] = "VERIFIED".into();
        for (step, answer) in [("activate", active), ("verify", verified)] {
            Mock::given(method("POST"))
                .and(path(format!("/api/v1/eventHooks/{id}/lifecycle/{step}")))
                .respond_with(ResponseTemplate::new(200).set_body_json(answer))
                .mount(&copy)
                .await;
        }
    }
    let mut cmd = cli(&copy);
    cmd.args(["apply", "--yes", "-f", file]);
    let out = run(cmd).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let wire: Vec<String> = copy
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| format!("{} {}", r.method, r.url.path()))
        .collect();
    let lifecycle = |id: &str, step: &str| format!("POST /api/v1/eventHooks/{id}/lifecycle/{step}");
    assert_eq!(
        wire,
        [
            "GET /api/v1/eventHooks".to_owned(),
            lifecycle(&sessions, "activate"),
            lifecycle(&sessions, "verify"),
            lifecycle(&audit, "activate"),
        ]
    );

    // Against the emulator: the same steps, and both hooks end ACTIVE and VERIFIED.
    let mut cmd = cli_for(&emu, &home);
    cmd.args(["-o", "json", "apply", "--yes", "-f", file]);
    let out = run(cmd).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let applied: Value = serde_json::from_str(&out.stdout).unwrap();
    let steps: Vec<(&str, &str, &str)> = applied["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["hook"].as_str().unwrap(),
                s["step"].as_str().unwrap(),
                s["result"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        steps,
        [
            ("sessions", "probe", "done"),
            ("sessions", "activate", "done"),
            ("sessions", "verify", "done"),
            ("audit", "activate", "done"),
        ]
    );
    let now = hooks(&client).await;
    assert!(verified(&now["audit"]), "{:?}", now["audit"]);
    assert!(verified(&now["sessions"]), "{:?}", now["sessions"]);
    let probes = received(&rx, "GET").await;
    assert!(
        probes
            .iter()
            .filter(|r| r.url.path() == "/sessions")
            .any(|r| r.headers.contains_key("x-okta-eventhooks-probe")),
        "sessions' receiver was probed"
    );
}

/// `--org` repeated: the two orgs named are read and planned; the third is never called (a
/// fault armed on it is still there afterwards).
#[tokio::test(flavor = "multi_thread")]
async fn plan_reads_only_the_orgs_named_by_a_repeated_org() {
    let orgs = Orgs::start(&["dev", "preview", "prod"]).await;
    let rx = endpoint().await;
    let mut ids = BTreeMap::new();
    for name in ["dev", "preview", "prod"] {
        let legacy = EventHook::builder("legacy")
            .channel(Channel::https(format!("{}/legacy", rx.uri())).unwrap())
            .events(Events::types(["user.account.lock"]))
            .build()
            .unwrap();
        let created = orgs.client(name).create_event_hook(&legacy).await.unwrap();
        ids.insert(name, created.id.unwrap());
    }
    orgs.emulator("preview")
        .set_faults(Faults::fail_next(1, 500));
    let file = write(
        &orgs.home,
        "hooks.yaml",
        "hooks: {}\norgs: {dev: {}, preview: {}, prod: {}}\n",
    );
    let mut cmd = cli_at(&orgs.home);
    cmd.args([
        "-o",
        "json",
        "plan",
        "-f",
        file.to_str().unwrap(),
        "--org",
        "prod",
        "--org",
        "dev",
    ]);
    let out = run(cmd).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let plan: Value = serde_json::from_str(&out.stdout).unwrap();
    let read: Vec<(&str, &str)> = plan["orgs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["org"].as_str().unwrap(),
                o["unmanaged"][0]["id"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        read,
        [("dev", ids["dev"].as_str()), ("prod", ids["prod"].as_str())],
        "in the manifest's order, each with its own org's hooks"
    );
    let untouched = orgs.client("preview").list_event_hooks().await;
    assert_eq!(
        untouched.unwrap_err().status(),
        Some(500),
        "preview was never called: its armed fault is still there"
    );
}

/// Runs apply for `org` against a wiremock copy of that org (its list, as the emulator gives
/// it) and checks on the wire that the one request was the list: zero writes, zero probes.
async fn assert_zero_writes(orgs: &Orgs, org: &str, file: &str) {
    let list = okta_eventhooks_tests::http::client()
        .get(format!("{}/api/v1/eventHooks", orgs.emulator(org).url()))
        .header("authorization", format!("SSWS {TOKEN}"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let copy = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/eventHooks"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(list.to_vec(), "application/json"))
        .mount(&copy)
        .await;
    let home = tempdir("zero-writes");
    write_okta_yaml(&home, &[(org, &copy.uri())]);
    let mut cmd = cli_at(&home);
    cmd.env("AUDIT_HOOK_SECRET", HOOK_SECRET)
        .args(["apply", "-f", file, "--org", org, "--yes"]);
    let out = run(cmd).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let requests: Vec<String> = copy
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| format!("{} {}", r.method, r.url.path()))
        .collect();
    assert_eq!(requests, ["GET /api/v1/eventHooks"]);
}

/// Answers like a receiver, and on the first probe makes the org's next API call fail with a
/// 500: the plan is read, then the first write of the org fails.
struct FaultOnFirstProbe {
    emulator: Arc<Emulator>,
    armed: AtomicBool,
}

impl Respond for FaultOnFirstProbe {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        if request.headers.contains_key("x-okta-eventhooks-probe")
            && self.armed.swap(false, Ordering::SeqCst)
        {
            self.emulator.set_faults(Faults::fail_next(1, 500));
        }
        Echo.respond(request)
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_partial_failure_skips_only_its_hook_and_a_rerun_finishes() {
    let orgs = Orgs::start(&["a", "b"]).await;
    let rx = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(FaultOnFirstProbe {
            emulator: Arc::clone(orgs.emulator("a")),
            armed: AtomicBool::new(true),
        })
        .mount(&rx)
        .await;
    let manifest = format!(
        "hooks:\n  first: {{uri: '{0}/1', events: [user.session.start]}}\n  second: {{uri: '{0}/2', events: [user.session.start]}}\norgs: {{a: {{}}, b: {{}}}}\n",
        rx.uri()
    );
    let file = write(&orgs.home, "hooks.yaml", &manifest);
    let file = file.to_str().unwrap();

    let mut cmd = cli_at(&orgs.home);
    cmd.args(["-o", "json", "apply", "-f", file, "--yes"]);
    let out = run(cmd).await;
    assert_eq!(out.code, 7, "Okta's 500 is the exit code: {}", out.stderr);
    assert!(
        out.stderr
            .starts_with("error: apply did not finish: 1 step failed, 1 skipped; the first: "),
        "{}",
        out.stderr
    );
    let applied: Value = serde_json::from_str(&out.stdout).unwrap();
    let steps = applied["steps"].as_array().unwrap();
    let step = |org: &str, hook: &str, name: &str| {
        steps
            .iter()
            .find(|s| s["org"] == org && s["hook"] == hook && s["step"] == name)
            .unwrap_or_else(|| panic!("{org} {hook} {name} in {steps:?}"))
            .clone()
    };
    let failed = step("a", "first", "create");
    assert_eq!(failed["result"], "failed");
    assert_eq!(failed["error"]["status"], 500);
    assert!(
        failed["error"]["requestId"]
            .as_str()
            .is_some_and(|id| !id.is_empty()),
        "{failed}"
    );
    assert!(
        failed["error"]["message"]
            .as_str()
            .unwrap()
            .contains("request id"),
        "{failed}"
    );
    assert_eq!(step("a", "first", "verify")["result"], "skipped");
    assert_eq!(
        step("a", "first", "verify")["detail"],
        "after the failed create"
    );
    for (org, hook) in [("a", "second"), ("b", "first"), ("b", "second")] {
        assert_eq!(step(org, hook, "create")["result"], "done");
        assert_eq!(step(org, hook, "verify")["result"], "done");
    }
    assert_eq!(
        (
            applied["done"].clone(),
            applied["failed"].clone(),
            applied["skipped"].clone()
        ),
        (10.into(), 1.into(), 1.into())
    );
    let a = hooks(&orgs.client("a")).await;
    assert!(!a.contains_key("first") && verified(&a["second"]));

    // Re-run: only what is left.
    let mut cmd = cli_at(&orgs.home);
    cmd.args(["apply", "-f", file, "--yes"]);
    let out = run(cmd).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_shows(
        &out.stdout,
        &[
            "  + first create, verify (to be ACTIVE)",
            "Applied: 3 done, 0 failed, 0 skipped.",
        ],
    );
    assert!(
        !out.stdout.contains("b  "),
        "org b had nothing left: {}",
        out.stdout
    );
    assert!(verified(&hooks(&orgs.client("a")).await["first"]));
    let mut cmd = cli_at(&orgs.home);
    cmd.args(["plan", "-f", file, "--detailed-exitcode"]);
    assert_eq!(run(cmd).await.code, 0);
}

/// The CLI aimed at one emulator through the environment (a manifest without `orgs:`).
fn cli_for(emu: &Emulator, home: &Path) -> assert_cmd::Command {
    let mut cmd = cli_at(home);
    cmd.env("OKTA_CLIENT_ORGURL", emu.url())
        .env("OKTA_CLIENT_TOKEN", TOKEN);
    cmd
}

fn one_hook(uri: &str, secret_env: &str) -> String {
    format!(
        "hooks:\n  audit-sink:\n    uri: {uri}\n    auth: {{valueFrom: {{env: {secret_env}}}}}\n    events: [user.lifecycle.create]\n"
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_uri_is_verified_again() {
    let emu = okta_eventhooks_tests::emulator::start().await;
    let client = okta_eventhooks_tests::emulator::client(&emu);
    let home = tempdir("uri-change");
    let old = endpoint_requiring(&[HOOK_SECRET]).await;
    let new = endpoint_requiring(&[HOOK_SECRET]).await;
    let v1 = write(
        &home,
        "v1.yaml",
        &one_hook(&format!("{}/okta", old.uri()), "S"),
    );
    let v2 = write(
        &home,
        "v2.yaml",
        &one_hook(&format!("{}/okta", new.uri()), "S"),
    );
    let mut cmd = cli_for(&emu, &home);
    cmd.env("S", HOOK_SECRET)
        .args(["apply", "--yes", "-f", v1.to_str().unwrap()]);
    assert_eq!(run(cmd).await.code, 0);
    let id = hooks(&client).await["audit-sink"].id.clone().unwrap();

    let mut cmd = cli_for(&emu, &home);
    cmd.env("S", HOOK_SECRET)
        .args(["plan", "-f", v2.to_str().unwrap()]);
    let out = run(cmd).await;
    assert_shows(
        &out.stdout,
        &[&format!(
            "~ audit-sink replace, verify (now ACTIVE VERIFIED, {id})"
        )],
    );
    assert!(
        out.stdout.contains(&format!(
            "      uri  \"{0}/okta\" -> \"{1}/okta\"",
            old.uri(),
            new.uri()
        )),
        "{}",
        out.stdout
    );

    let mut cmd = cli_for(&emu, &home);
    cmd.env("S", HOOK_SECRET)
        .args(["apply", "--yes", "-f", v2.to_str().unwrap()]);
    let out = run(cmd).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_shows(
        &out.stdout,
        &[
            "default audit-sink probe done the receiver answered the challenge",
            "default audit-sink replace done replaced (uri)",
            "default audit-sink verify done VERIFIED",
        ],
    );
    let hook = &hooks(&client).await["audit-sink"];
    assert!(verified(hook));
    assert_eq!(
        hook.id.as_deref(),
        Some(id.as_str()),
        "replaced, not recreated"
    );
    let last = emu
        .deliveries()
        .into_iter()
        .rfind(|d| d.kind == DeliveryKind::Verification)
        .unwrap();
    assert_eq!(last.uri, format!("{}/okta", new.uri()));
    let old_posts = received(&old, "POST").await.len();
    emu.fire("user.lifecycle.create", 1).await.unwrap();
    assert_eq!(received(&new, "POST").await.len(), 1);
    assert_eq!(received(&old, "POST").await.len(), old_posts);
}

#[tokio::test(flavor = "multi_thread")]
async fn verification_waits_for_a_receiver_that_comes_up_late() {
    let emu = okta_eventhooks_tests::emulator::start().await;
    let client = okta_eventhooks_tests::emulator::client(&emu);
    let home = tempdir("late");
    let port = free_port();
    let file = write(
        &home,
        "hooks.yaml",
        &one_hook(&format!("http://127.0.0.1:{port}/okta"), "S"),
    );
    let file = file.to_str().unwrap().to_owned();

    // Without --verify-timeout: said plainly, and the hook is not even created.
    let mut cmd = cli_for(&emu, &home);
    cmd.env("S", HOOK_SECRET)
        .args(["apply", "--yes", "-f", &file]);
    let out = run(cmd).await;
    assert_eq!(
        out.code, 6,
        "a receiver that is not up is a network failure: {}",
        out.stderr
    );
    assert_shows(
        &out.stdout,
        &[
            &format!(
                "audit-sink probe failed the receiver at http://127.0.0.1:{port}/okta is not reachable"
            ),
            "--verify-timeout DURATION waits for a receiver still deploying; nothing was changed for this hook",
            "audit-sink create skipped after the failed probe",
            "audit-sink verify skipped after the failed probe",
        ],
    );
    assert!(hooks(&client).await.is_empty());

    // With it: apply waits, the receiver comes up, the hook is created and verified.
    let mut cmd = std_at(&home);
    cmd.env("OKTA_CLIENT_ORGURL", emu.url())
        .env("OKTA_CLIENT_TOKEN", TOKEN)
        .env("S", HOOK_SECRET)
        .args(["apply", "--yes", "--verify-timeout", "30s", "-f", &file]);
    let apply = tokio::task::spawn_blocking(move || cmd.output().unwrap());
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let late = server_on(port).await;
    mount_requiring(&late, &[HOOK_SECRET]).await;
    let output = apply.await.unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_no_secret("stdout", &stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert_shows(
        &stdout,
        &["audit-sink probe done the receiver answered the challenge (probe "],
    );
    assert!(verified(&hooks(&client).await["audit-sink"]));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_receiver_that_answers_the_probe_wrongly_fails_its_hook_with_exit_4() {
    let emu = okta_eventhooks_tests::emulator::start().await;
    let client = okta_eventhooks_tests::emulator::client(&emu);
    let home = tempdir("wrong-answers");
    let rx = MockServer::start().await;
    let answers = [
        (
            "/echo",
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"verification": "not-the-challenge"})),
        ),
        (
            "/field",
            ResponseTemplate::new(200).set_body_json(serde_json::json!({"challenge": "ok"})),
        ),
        ("/text", ResponseTemplate::new(200).set_body_string("OK")),
    ];
    for (route, answer) in answers {
        Mock::given(method("GET"))
            .and(path(route))
            .respond_with(answer)
            .mount(&rx)
            .await;
    }
    let manifest: String = std::iter::once("hooks:\n".to_owned())
        .chain(["echo", "field", "text"].map(|name| {
            format!(
                "  {name}: {{uri: '{}/{name}', events: [user.session.start]}}\n",
                rx.uri()
            )
        }))
        .collect();
    let file = write(&home, "hooks.yaml", &manifest);
    let mut cmd = cli_for(&emu, &home);
    cmd.args(["-o", "json", "apply", "--yes", "-f", file.to_str().unwrap()]);
    let out = run(cmd).await;
    assert_eq!(
        out.code, 4,
        "a receiver that answers wrongly is a rejection: {}",
        out.stderr
    );
    assert!(
        out.stderr
            .starts_with("error: apply did not finish: 3 steps failed, 6 skipped; the first: "),
        "{}",
        out.stderr
    );
    let applied: Value = serde_json::from_str(&out.stdout).unwrap();
    let steps = applied["steps"].as_array().unwrap();
    for (hook, expected) in [
        (
            "echo",
            "answered with another value than the challenge: it must echo the",
        ),
        ("field", "answered JSON without a \"verification\" field"),
        ("text", "answered HTTP 200 but not with JSON"),
    ] {
        let of_hook: Vec<(&str, &str)> = steps
            .iter()
            .filter(|s| s["hook"] == hook)
            .map(|s| (s["step"].as_str().unwrap(), s["result"].as_str().unwrap()))
            .collect();
        assert_eq!(
            of_hook,
            [
                ("probe", "failed"),
                ("create", "skipped"),
                ("verify", "skipped")
            ],
            "{hook}"
        );
        let probe = steps
            .iter()
            .find(|s| s["hook"] == hook && s["step"] == "probe")
            .unwrap();
        let message = probe["error"]["message"].as_str().unwrap();
        assert!(
            message.starts_with(&format!("the receiver at {}/{hook} {expected}", rx.uri())),
            "{hook}: {message}"
        );
        assert_eq!(probe["detail"], "nothing was changed for this hook");
    }
    assert!(hooks(&client).await.is_empty(), "no hook was created");
    let gets = received(&rx, "GET").await;
    assert_eq!(gets.len(), 3, "one probe each, no verification by Okta");
    assert!(
        gets.iter()
            .all(|r| r.headers.contains_key("x-okta-eventhooks-probe"))
    );
}

/// A receiver that decodes the challenge as standard base64 would (`-` to `+`, `_` to `/`), as a
/// form decoder or an alphanumeric check mangles it: the probe sends Okta's challenge shape
/// (always a `-` and a `_`), so it fails every time, before any hook is created.
#[tokio::test(flavor = "multi_thread")]
async fn a_receiver_that_mangles_dash_and_underscore_in_the_challenge_fails_the_probe() {
    let emu = okta_eventhooks_tests::emulator::start().await;
    let client = okta_eventhooks_tests::emulator::client(&emu);
    let home = tempdir("mangled-challenge");
    let rx = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/mangled"))
        .respond_with(|request: &Request| {
            let challenge = request
                .headers
                .get("x-okta-verification-challenge")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            let mangled = challenge.replace('-', "+").replace('_', "/");
            ResponseTemplate::new(200).set_body_json(serde_json::json!({"verification": mangled}))
        })
        .mount(&rx)
        .await;
    let file = write(
        &home,
        "hooks.yaml",
        &format!(
            "hooks:\n  mangled: {{uri: '{}/mangled', events: [user.session.start]}}\n",
            rx.uri()
        ),
    );
    let mut cmd = cli_for(&emu, &home);
    cmd.args(["-o", "json", "apply", "--yes", "-f", file.to_str().unwrap()]);
    let out = run(cmd).await;
    assert_eq!(out.code, 4, "a mangled echo is a rejection: {}", out.stderr);
    let applied: Value = serde_json::from_str(&out.stdout).unwrap();
    let probe = applied["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["hook"] == "mangled" && s["step"] == "probe")
        .unwrap()
        .clone();
    assert_eq!(probe["result"], "failed");
    let message = probe["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("answered with another value than the challenge"),
        "{message}"
    );
    assert!(hooks(&client).await.is_empty(), "no hook was created");
    let gets = received(&rx, "GET").await;
    assert_eq!(gets.len(), 1, "one probe");
    let sent = gets[0].headers["x-okta-verification-challenge"]
        .to_str()
        .unwrap();
    assert_eq!(sent.len(), 40, "Okta's challenge length: {sent}");
    assert!(sent.contains('-') && sent.contains('_'), "{sent}");
    assert_eq!(gets[0].headers["user-agent"], "Okta-Integrations");
}

#[tokio::test(flavor = "multi_thread")]
async fn rotate_secrets_sends_the_new_secret_and_verifies_with_it() {
    let emu = okta_eventhooks_tests::emulator::start().await;
    let client = okta_eventhooks_tests::emulator::client(&emu);
    let home = tempdir("rotate");
    // During a rotation the receiver accepts both secrets.
    let rx = endpoint_requiring(&[HOOK_SECRET, ROTATED_SECRET]).await;
    let file = write(
        &home,
        "hooks.yaml",
        &one_hook(&format!("{}/okta", rx.uri()), "S"),
    );
    let file = file.to_str().unwrap();
    let mut cmd = cli_for(&emu, &home);
    cmd.env("S", HOOK_SECRET)
        .args(["apply", "--yes", "-f", file]);
    assert_eq!(run(cmd).await.code, 0);

    // A new secret cannot be seen: Okta never returns the old one.
    let mut cmd = cli_for(&emu, &home);
    cmd.env("S", ROTATED_SECRET)
        .args(["plan", "--detailed-exitcode", "-f", file]);
    assert_eq!(run(cmd).await.code, 0);
    let mut cmd = cli_for(&emu, &home);
    cmd.env("S", ROTATED_SECRET)
        .args(["plan", "--rotate-secrets", "-f", file]);
    let out = run(cmd).await;
    assert_shows(
        &out.stdout,
        &[
            "~ audit-sink replace, verify",
            "      auth secret sent again from the environment variable S (--rotate-secrets)",
        ],
    );

    let mut cmd = cli_for(&emu, &home);
    cmd.env("S", ROTATED_SECRET)
        .args(["apply", "--yes", "--rotate-secrets", "-f", file]);
    let out = run(cmd).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_shows(
        &out.stdout,
        &[
            "audit-sink replace done replaced (auth)",
            "audit-sink verify done VERIFIED",
        ],
    );
    assert!(verified(&hooks(&client).await["audit-sink"]));
    emu.fire("user.lifecycle.create", 1).await.unwrap();
    let post = received(&rx, "POST").await.pop().unwrap();
    assert_eq!(post.headers["authorization"], ROTATED_SECRET);

    // A receiver that does not take the new secret yet: said plainly, the hook left alone.
    let strict = endpoint_requiring(&[ROTATED_SECRET]).await;
    let strict_file = write(
        &home,
        "strict.yaml",
        &one_hook(&format!("{}/okta", strict.uri()), "S"),
    );
    let mut cmd = cli_for(&emu, &home);
    cmd.env("S", ROTATED_SECRET)
        .args(["apply", "--yes", "-f", strict_file.to_str().unwrap()]);
    assert_eq!(run(cmd).await.code, 0);
    let mut cmd = cli_for(&emu, &home);
    cmd.env("S", HOOK_SECRET).args([
        "apply",
        "--yes",
        "--rotate-secrets",
        "-f",
        strict_file.to_str().unwrap(),
    ]);
    let out = run(cmd).await;
    assert_eq!(
        out.code, 4,
        "a receiver that answers wrongly is a rejection: {}",
        out.stderr
    );
    assert!(
        out.stdout.contains(
            "refused the request with HTTP 401: it does not accept the auth header Authorization"
        ),
        "{}",
        out.stdout
    );
    assert!(
        verified(&hooks(&client).await["audit-sink"]),
        "left as it was"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn export_then_plan_shows_only_the_secrets_to_supply() {
    let orgs = Orgs::start(&["dev"]).await;
    let client = orgs.client("dev");
    let rx = endpoint().await;
    let sink = EventHook::builder("Audit sink")
        .description("Forwards audit events")
        .channel(
            Channel::https(format!("{}/okta", rx.uri()))
                .unwrap()
                .header("X-Source", "okta")
                .header("X-Api-Key", HEADER_SECRET)
                .auth_header("Authorization", HOOK_SECRET),
        )
        .events(
            Events::types(["user.lifecycle.create", "user.session.start"])
                .filter("user.session.start", "event.outcome.result eq 'FAILURE'"),
        )
        .build()
        .unwrap();
    okta_eventhooks_tests::emulator::verified_hook(&client, &sink).await;
    let quiet = okta_eventhooks_tests::fixtures::new_hook(
        "quiet",
        &format!("{}/q", rx.uri()),
        &["user.account.lock"],
    );
    let quiet = client.create_event_hook(&quiet).await.unwrap();
    client
        .deactivate_event_hook(quiet.id.as_deref().unwrap())
        .await
        .unwrap();

    // A credential is never written literally, even when asked.
    let mut cmd = cli_at(&orgs.home);
    cmd.args(["export", "--org", "dev", "--literal-header", "X-Api-Key"]);
    let out = run(cmd).await;
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("--literal-header X-Api-Key: the name looks like a credential")
    );

    let mut cmd = cli_at(&orgs.home);
    cmd.args(["export", "--org", "dev", "--literal-header", "x-source"]);
    let out = run(cmd).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(!out.stdout.contains(HEADER_SECRET), "{}", out.stdout);
    for expected in [
        "# yaml-language-server: $schema=",
        "#   AUDIT_SINK_SECRET  (Audit sink: auth header Authorization)",
        "#   AUDIT_SINK_X_API_KEY  (Audit sink: header X-Api-Key)",
        "#   QUIET_X_CUSTOM  (quiet: header X-Custom)",
        "      X-Source: okta\n",
        "        env: AUDIT_SINK_X_API_KEY\n",
        "      user.session.start: event.outcome.result eq 'FAILURE'\n",
        "    status: INACTIVE\n",
        "  dev:\n    profile: dev\n",
    ] {
        assert!(
            out.stdout.contains(expected),
            "{expected:?} in:\n{}",
            out.stdout
        );
    }
    assert!(
        out.stderr.contains(
            "set AUDIT_SINK_X_API_KEY, AUDIT_SINK_SECRET, QUIET_X_CUSTOM, QUIET_SECRET before apply"
        ),
        "{}",
        out.stderr
    );
    let yaml = write(&orgs.home, "exported.yaml", &out.stdout);

    let mut cmd = cli_at(&orgs.home);
    cmd.args(["-o", "json", "export", "--org", "dev"]);
    let out = run(cmd).await;
    assert!(!out.stdout.contains(HEADER_SECRET), "{}", out.stdout);
    let exported: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        exported["hooks"]["Audit sink"]["auth"]["valueFrom"]["env"],
        "AUDIT_SINK_SECRET"
    );
    assert_eq!(
        exported["hooks"]["Audit sink"]["headers"]["X-Source"]["valueFrom"]["env"],
        "AUDIT_SINK_X_SOURCE"
    );
    let json = write(&orgs.home, "exported.json", &out.stdout);

    for file in [&yaml, &json] {
        let mut cmd = cli_at(&orgs.home);
        cmd.args(["plan", "--detailed-exitcode", "-f", file.to_str().unwrap()]);
        let out = run(cmd).await;
        assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
        assert!(out.stdout.contains("): no changes\n"), "{}", out.stdout);
        assert!(out.stdout.contains("secret to supply: environment variable AUDIT_SINK_SECRET for auth header Authorization of Audit sink"), "{}", out.stdout);
    }
    // With the secrets supplied, still no changes (the header value is now compared).
    let mut cmd = cli_at(&orgs.home);
    cmd.env("AUDIT_SINK_X_API_KEY", HEADER_SECRET)
        .env("AUDIT_SINK_X_SOURCE", "okta")
        .env("AUDIT_SINK_SECRET", HOOK_SECRET)
        .env("QUIET_SECRET", HOOK_SECRET)
        .env("QUIET_X_CUSTOM", HEADER_SECRET)
        .args(["plan", "--detailed-exitcode", "-f", yaml.to_str().unwrap()]);
    let out = run(cmd).await;
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert!(!out.stdout.contains("secret to supply"), "{}", out.stdout);
}

#[tokio::test(flavor = "multi_thread")]
async fn secrets_never_reach_any_output_stream() {
    let orgs = Orgs::start(&["dev"]).await;
    let rx = endpoint_requiring(&[HOOK_SECRET]).await;
    let manifest = format!(
        "hooks:\n  a:\n    uri: {}/okta\n    headers: {{X-Api-Key: {{valueFrom: {{env: KEY}}}}}}\n    auth: {{valueFrom: {{file: secret.txt}}}}\n    events: [user.session.start]\norgs: {{dev: {{}}}}\n",
        rx.uri()
    );
    let file = write(&orgs.home, "hooks.yaml", &manifest);
    std::fs::write(orgs.home.join("secret.txt"), format!("{HOOK_SECRET}\n")).unwrap();
    let file = file.to_str().unwrap();
    for args in [
        vec!["-vv", "plan", "-f", file],
        vec!["-vv", "-o", "json", "plan", "-f", file],
        vec!["-vv", "-o", "yaml", "apply", "--yes", "-f", file],
        vec![
            "-vv",
            "-o",
            "json",
            "apply",
            "--yes",
            "--rotate-secrets",
            "-f",
            file,
        ],
        vec!["-vv", "-o", "json", "plan", "--rotate-secrets", "-f", file],
        vec!["-vv", "export", "--org", "dev"],
        vec!["-vv", "-o", "json", "export", "--org", "dev"],
    ] {
        let mut cmd = cli_at(&orgs.home);
        cmd.env("KEY", HEADER_SECRET).args(&args);
        // `run` fails on the token or a hook secret in stdout or stderr.
        let out = run(cmd).await;
        assert_eq!(out.code, 0, "{args:?}: {}", out.stderr);
        for text in [&out.stdout, &out.stderr] {
            assert!(!text.contains(HEADER_SECRET), "{args:?}: {text}");
        }
        assert!(
            out.stderr.contains("okta_eventhooks"),
            "logging is on: {args:?}"
        );
    }
    let hook = &hooks(&orgs.client("dev")).await["a"];
    assert!(verified(hook), "the secrets did reach Okta: {hook:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn exit_codes_of_plan_and_apply() {
    let orgs = Orgs::start(&["dev"]).await;
    let home = &orgs.home;
    let good = write(
        home,
        "good.yaml",
        "hooks:\n  a: {uri: 'https://h.example.com/', events: [user.session.start], auth: {valueFrom: {env: NOT_SET}}}\norgs: {dev: {}}\n",
    );
    let good = good.to_str().unwrap();
    let bad = write(
        home,
        "bad.yaml",
        "hooks:\n  a: {uri: 'https://h.example.com/', events: [user.session.start], secret: x}\n",
    );
    let bad = bad.to_str().unwrap();
    let unknown_profile = write(home, "unknown.yaml", "hooks: {}\norgs: {qa: {}}\n");
    let unreachable_home = tempdir("unreachable");
    write_okta_yaml(
        &unreachable_home,
        &[("dev", &format!("http://127.0.0.1:{}", free_port()))],
    );
    let cases: Vec<(Vec<&str>, &Path, i32, &str)> = vec![
        (
            vec!["plan", "-f", bad],
            home,
            2,
            "bad.yaml:2:68: hooks.a: unknown field `secret`",
        ),
        (
            vec!["plan", "-f", bad, "--detailed-exitcode"],
            home,
            1,
            "unknown field `secret`",
        ),
        (
            vec!["plan", "-f", good, "--org", "qa"],
            home,
            2,
            "--org qa: ",
        ),
        (
            vec!["plan", "-f", good, "--profile", "dev"],
            home,
            2,
            "--profile cannot be used with a manifest that has orgs:",
        ),
        (
            vec!["plan", "-f", unknown_profile.to_str().unwrap()],
            home,
            3,
            "profile \"qa\" is not defined",
        ),
        (
            vec!["plan", "-f", good, "--detailed-exitcode", "--no-such-flag"],
            home,
            1,
            "unexpected argument",
        ),
        (
            vec!["plan", "-f", good, "--no-such-flag"],
            home,
            2,
            "unexpected argument",
        ),
        (
            vec!["apply", "-f", good, "--yes"],
            home,
            2,
            "apply needs secrets that cannot be read; nothing was sent:\n  org dev, hook a, auth header Authorization: the environment variable NOT_SET is not set",
        ),
        (vec!["apply", "-f", good], home, 2, "apply needs secrets"),
        (
            vec!["plan", "-f", good],
            &unreachable_home,
            6,
            "error: org dev: transport error",
        ),
        (
            vec!["plan", "-f", good, "--detailed-exitcode"],
            &unreachable_home,
            1,
            "error: org dev: transport error",
        ),
        (
            vec!["manifest", "check", "-f", bad],
            home,
            2,
            "bad.yaml:2:68: hooks.a: unknown field `secret`",
        ),
        (vec!["manifest", "check", "-f", good], home, 0, ""),
    ];
    for (args, home, code, expected) in cases {
        let out = run(with(cli_at(home), &args)).await;
        assert_eq!(out.code, code, "{args:?}: {}", out.stderr);
        assert!(
            out.stderr.contains(expected),
            "{args:?}: {expected:?} in {}",
            out.stderr
        );
    }
    assert!(
        hooks(&orgs.client("dev")).await.is_empty(),
        "nothing was sent"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn manifest_errors_name_file_line_and_column() {
    let home = tempdir("manifest-errors");
    let text = "\
hooks:
  audit-sink:
    uri: https://hooks.example.com/okta
    auth: {key: Authorization, value: hunter2-literal}
    headers: {X-Hook-Token: abc-literal}
    events: [user.session.start, 'user session']
    filters:
      user.session.start: \"event.outcome.result == 'FAILURE'\"
orgs:
  prod: {hooks: {audit-snk: {uri: https://x.example.com/}}}
";
    let file = write(&home, "hooks.yaml", text);
    let out = run(with(
        bare(),
        &["manifest", "check", "-f", file.to_str().unwrap()],
    ))
    .await;
    assert_eq!(out.code, 2);
    // serde's refusal comes first and alone: the file is not read further.
    assert!(out.stderr.starts_with(&format!("error: {}:4:39: hooks.audit-sink.auth.value: a literal secret is not allowed in a manifest", file.display())), "{}", out.stderr);
    assert!(!out.stderr.contains("hunter2-literal"));

    let fixed = text.replace(
        "key: Authorization, value: hunter2-literal",
        "valueFrom: {env: S}",
    );
    let file = write(&home, "hooks.yaml", &fixed);
    let out = run(with(bare(), &["plan", "-f", file.to_str().unwrap()])).await;
    assert_eq!(out.code, 2);
    let shown = file.display();
    for expected in [
        "error: the manifest has 4 problems:".to_owned(),
        format!(
            "  {shown}:5:15: hooks.audit-sink.headers.X-Hook-Token: the header \"X-Hook-Token\" looks like a credential"
        ),
        format!(
            "  {shown}:6:34: hooks.audit-sink.events[1]: Event type \"user session\" is empty or contains whitespace"
        ),
        format!(
            "  {shown}:8:7: hooks.audit-sink.filters.\"user.session.start\": The filter for event type \"user.session.start\" is not valid: column 22: == is not supported"
        ),
        format!(
            "  {shown}:10:18: orgs.prod.hooks.audit-snk: overrides a hook that is not under hooks:"
        ),
    ] {
        assert!(
            out.stderr.contains(&expected),
            "{expected:?} in:\n{}",
            out.stderr
        );
    }
    assert!(!out.stderr.contains("abc-literal"));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_schema_is_the_checked_in_file_and_validates_the_readme_examples() {
    let out = run(with(bare(), &["manifest", "schema"])).await;
    assert_eq!(out.code, 0);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let checked_in = std::fs::read_to_string(root.join("spec/manifest.schema.json")).unwrap();
    assert_eq!(out.stdout, checked_in);
    let schema: Value = serde_json::from_str(&checked_in).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();

    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let section = readme
        .split("## Hooks as code")
        .nth(1)
        .expect("a Hooks as code section");
    let section = section.split("\n## ").next().unwrap();
    let examples: Vec<&str> = section
        .split("```yaml\n")
        .skip(1)
        .filter_map(|block| block.split("```").next())
        .filter(|block| block.contains("hooks:"))
        .collect();
    assert!(examples.len() >= 2, "{examples:?}");
    for example in &examples {
        let value: Value = yaml_serde::from_str(example).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&value)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{errors:?} in:\n{example}");
        // And the CLI itself accepts it.
        let home = tempdir("readme-example");
        let file = write(&home, "example.yaml", example);
        let out = run(with(
            bare(),
            &["manifest", "check", "-f", file.to_str().unwrap()],
        ))
        .await;
        assert_eq!(out.code, 0, "{}\n{example}", out.stderr);
    }
    // The schema can refuse: a literal secret, an unknown key, a wrong type.
    for bad in [
        "hooks: {a: {uri: 'https://h/', events: [x], auth: {value: s}}}",
        "hooks: {a: {uri: 'https://h/', events: [x], hook: 1}}",
        "hooks: {a: {uri: 5, events: [x]}}",
        "hooks: {a: {uri: 'https://h/', events: [x], headers: {X-A: {value: s}}}}",
    ] {
        let value: Value = yaml_serde::from_str(bad).unwrap();
        assert!(!validator.is_valid(&value), "{bad}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn progress_bars_only_on_a_terminal_and_never_with_quiet() {
    let orgs = Orgs::start(&["dev", "prod"]).await;
    // Slow enough for the bars to be drawn.
    for (_, emu) in &orgs.orgs {
        emu.set_faults(Faults::latency(std::time::Duration::from_millis(300)));
    }
    let rx = endpoint().await;
    let file = write(
        &orgs.home,
        "hooks.yaml",
        &format!(
            "hooks:\n  a: {{uri: '{}/a', events: [user.session.start]}}\norgs: {{dev: {{}}, prod: {{}}}}\n",
            rx.uri()
        ),
    );
    let args = format!("apply --yes -f {}", file.display());
    let env = [("NO_COLOR", "1"), ("TERM", "xterm")];
    let (code, shown) = run_on_a_terminal(&orgs.home, &args, &env, "").await;
    assert_eq!(code, 0, "{shown}");
    assert!(
        shown.contains("dev [") && shown.contains("prod ["),
        "{shown}"
    );
    // The same terminal, quiet; then a terminal that cannot move the cursor.
    let (code, shown) = run_on_a_terminal(&orgs.home, &format!("-q {args}"), &env, "").await;
    assert_eq!(code, 0, "{shown}");
    assert!(
        !shown.contains("dev [") && !shown.contains("prod ["),
        "{shown}"
    );
    let (code, shown) = run_on_a_terminal(&orgs.home, &args, &[("TERM", "dumb")], "").await;
    assert_eq!(code, 0, "{shown}");
    assert!(!shown.contains("dev ["), "{shown}");
}

/// How long 20 emulated orgs take to apply concurrently, against one org alone and against
/// the 20 one after the other (`--parallel 1`). Each emulator answers every API call after
/// 50 ms, a round trip to Okta, so that the figure is about waiting on the network, as it is
/// against real orgs. Reported as ratios, never asserted. Run by hand:
///
/// `cargo test -p okta-eventhooks-cli --test cli measure_twenty_orgs -- --ignored --nocapture`
#[tokio::test(flavor = "multi_thread")]
#[ignore = "measurement; run by hand"]
async fn measure_twenty_orgs_against_one() {
    const ORGS: usize = 20;
    const ROUNDS: usize = 3;
    const LATENCY: std::time::Duration = std::time::Duration::from_millis(50);
    let names: Vec<String> = (0..ORGS).map(|i| format!("org{i:02}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let orgs = Orgs::start(&refs).await;
    let rx = endpoint().await;
    let org_list: Vec<String> = names.iter().map(|n| format!("{n}: {{}}")).collect();
    let file = write(
        &orgs.home,
        "hooks.yaml",
        &format!(
            "hooks:\n  audit: {{uri: '{0}/a', events: [user.lifecycle.create]}}\n  sessions: {{uri: '{0}/s', events: [user.session.start]}}\norgs: {{{1}}}\n",
            rx.uri(),
            org_list.join(", ")
        ),
    );
    let file = file.to_str().unwrap().to_owned();
    let runs: [(&str, Vec<&str>); 5] = [
        ("apply, 1 org", vec!["apply", "--org", "org00"]),
        ("apply, 20 orgs concurrently", vec!["apply"]),
        (
            "apply, 20 orgs with --parallel 1",
            vec!["apply", "--parallel", "1"],
        ),
        ("plan, 1 org", vec!["plan", "--org", "org00"]),
        ("plan, 20 orgs concurrently", vec!["plan"]),
    ];
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); runs.len()];
    for _ in 0..ROUNDS {
        for (i, (_, extra)) in runs.iter().enumerate() {
            for (_, emu) in &orgs.orgs {
                emu.reset().await.unwrap();
                emu.set_faults(Faults::latency(LATENCY));
            }
            let mut cmd = cli_at(&orgs.home);
            let (command, rest) = extra.split_first().unwrap();
            cmd.args([command, "-f", &file]).args(rest);
            if *command == "apply" {
                cmd.arg("--yes");
            }
            let started = std::time::Instant::now();
            let out = run(cmd).await;
            times[i].push(started.elapsed().as_secs_f64() * 1000.0);
            assert_eq!(out.code, 0, "{}", out.stderr);
        }
    }
    let median = |mut t: Vec<f64>| {
        t.sort_by(f64::total_cmp);
        t[t.len() / 2]
    };
    let medians: Vec<f64> = times.into_iter().map(median).collect();
    println!(
        "\napply of 2 new hooks per org (list, 2 probes, 2 creates, 2 verifies), {} ms per API call, median of {ROUNDS}:",
        LATENCY.as_millis()
    );
    println!("| run | ms (median) | x the same command on 1 org |\n|---|---:|---:|");
    for ((label, args), ms) in runs.iter().zip(&medians) {
        let one = if args[0] == "apply" {
            medians[0]
        } else {
            medians[3]
        };
        println!("| {label} | {ms:.0} | {:.2} |", ms / one);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn apply_asks_on_a_terminal() {
    let orgs = Orgs::start(&["dev"]).await;
    let rx = endpoint().await;
    let file = write(
        &orgs.home,
        "hooks.yaml",
        &format!(
            "hooks:\n  a: {{uri: '{}/a', events: [user.session.start]}}\norgs: {{dev: {{}}}}\n",
            rx.uri()
        ),
    );
    let args = format!("apply -f {}", file.display());
    let env = [("NO_COLOR", "1")];
    let (code, shown) = run_on_a_terminal(&orgs.home, &args, &env, "n\n").await;
    assert_eq!(code, 1, "{shown}");
    assert!(
        shown.contains("Carry out 2 actions in 1 org? [y/N]"),
        "{shown}"
    );
    assert!(
        shown.contains("error: not applied; nothing was changed"),
        "{shown}"
    );
    assert!(hooks(&orgs.client("dev")).await.is_empty());
    let (code, shown) = run_on_a_terminal(&orgs.home, &args, &env, "y\n").await;
    assert_eq!(code, 0, "{shown}");
    assert!(verified(&hooks(&orgs.client("dev")).await["a"]));
}

#[tokio::test(flavor = "multi_thread")]
async fn with_orgs_the_environment_cannot_point_every_org_elsewhere() {
    let orgs = Orgs::start(&["dev", "prod"]).await;
    let file = write(
        &orgs.home,
        "hooks.yaml",
        "hooks: {}\norgs: {dev: {}, prod: {}}\n",
    );
    let file = file.to_str().unwrap();
    let mut cmd = cli_at(&orgs.home);
    cmd.env("OKTA_CLIENT_ORGURL", orgs.emulator("dev").url())
        .args(["plan", "-f", file]);
    let out = run(cmd).await;
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(
        out.stderr.contains(
            "error: profile dev: the org URL comes from OKTA_CLIENT_ORGURL, not from the profile"
        ),
        "{}",
        out.stderr
    );
    let mut cmd = cli_at(&orgs.home);
    cmd.env("OKTA_CLIENT_TOKEN", TOKEN)
        .args(["plan", "-f", file]);
    let out = run(cmd).await;
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("OKTA_CLIENT_TOKEN would be sent to every org of the manifest"),
        "{}",
        out.stderr
    );
    // Two profiles that are one org.
    let url = orgs.emulator("dev").url().to_owned();
    write_okta_yaml(&orgs.home, &[("dev", &url), ("prod", &url)]);
    let out = run(with(cli_at(&orgs.home), &["plan", "-f", file])).await;
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("orgs dev and prod of the manifest are both"),
        "{}",
        out.stderr
    );
}
