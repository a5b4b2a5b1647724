//! `okta-eventhooks doctor` end to end against the emulator and real receivers: a healthy hook
//! is `ok` on every check (and costs one API call plus the System Log reads, counted by a proxy
//! in front of the emulator); each failure the emulator can reproduce makes its check fail
//! (or warn) with its finding, and the exit code 2.

use okta_eventhooks::{Channel, Client, EventHook, Events};
use okta_eventhooks_emulator::{Emulator, FireRequest};
use okta_eventhooks_tests::emulator;
use okta_eventhooks_tests::endpoint::{
    endpoint, endpoint_failing_deliveries, endpoint_refusing, endpoint_requiring,
    endpoint_wrong_challenge, free_port, mount_requiring, server_on,
};
use okta_eventhooks_tests::proxy::Proxy;
use okta_eventhooks_tests::secrets::{HOOK_SECRET, TOKEN};
use serde_json::Value;

use crate::support::{Outcome, cli_at, home_dir, run, run_on_a_terminal};

const TYPE: &str = "user.session.start";

/// `okta-eventhooks -o json doctor ARGS` against `org_url`, with the hook's secret in
/// HOOK_SECRET for `--auth-value-env`.
async fn doctor(org_url: &str, args: &[&str]) -> Outcome {
    let mut cmd = cli_at(&home_dir());
    cmd.env("OKTA_CLIENT_ORGURL", org_url)
        .env("OKTA_CLIENT_TOKEN", TOKEN)
        .env("HOOK_SECRET", HOOK_SECRET)
        .args(["-o", "json", "doctor"])
        .args(args);
    run(cmd).await
}

fn report(outcome: &Outcome) -> Value {
    serde_json::from_str(outcome.stdout.trim()).unwrap_or_else(|e| {
        panic!(
            "not one JSON report ({e}):\n{}\nstderr:\n{}",
            outcome.stdout, outcome.stderr
        )
    })
}

/// The check of that name: (status, finding, fix).
fn check(report: &Value, name: &str) -> (String, String, String) {
    let check = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no check {name} in {report}"));
    (
        check["status"].as_str().unwrap().to_owned(),
        check["finding"].as_str().unwrap().to_owned(),
        check["fix"].as_str().unwrap_or_default().to_owned(),
    )
}

/// Asserts that `name` is the only check that is not `ok` (others may be `skip`) and returns
/// its finding and fix.
fn only_problem(outcome: &Outcome, name: &str, status: &str) -> (String, String) {
    assert_eq!(
        outcome.code, 2,
        "exit code\n{}\n{}",
        outcome.stdout, outcome.stderr
    );
    let report = report(outcome);
    let problems: Vec<&str> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "warn" || c["status"] == "fail")
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(problems, [name], "{report:#}");
    let (found, finding, fix) = check(&report, name);
    assert_eq!(found, status, "{report:#}");
    (finding, fix)
}

/// A hook named `name` on [`TYPE`] (with `filter`, if any) calling `uri` with the shared
/// secret; created (ACTIVE, UNVERIFIED) and verified when `verify`. Its id.
async fn hook(
    client: &Client,
    name: &str,
    uri: &str,
    filter: Option<&str>,
    verify: bool,
) -> String {
    let mut events = Events::types([TYPE]);
    if let Some(expression) = filter {
        events = events.filter(TYPE, expression);
    }
    let hook = EventHook::builder(name)
        .channel(
            Channel::https(uri)
                .unwrap()
                .auth_header("Authorization", HOOK_SECRET),
        )
        .events(events)
        .build()
        .unwrap();
    if verify {
        return emulator::verified_hook(client, &hook).await;
    }
    client.create_event_hook(&hook).await.unwrap().id.unwrap()
}

/// The emulator, a receiver requiring the secret, a verified hook on it and 3 events fired
/// and delivered.
async fn healthy(emu: &Emulator) -> (wiremock::MockServer, String) {
    let receiver = endpoint_requiring(&[HOOK_SECRET]).await;
    let id = hook(&emulator::client(emu), "audit", &receiver.uri(), None, true).await;
    emu.fire(TYPE, 3).await.unwrap();
    (receiver, id)
}

#[tokio::test]
async fn a_healthy_hook_is_ok_everywhere_for_one_api_call_plus_the_system_log_reads() {
    let emu = emulator::start().await;
    let (_receiver, id) = healthy(&emu).await;
    let proxy = Proxy::start(emu.url()).await;
    let outcome = doctor(
        &proxy.url(),
        &[
            "--hook",
            "audit",
            "--event-type",
            TYPE,
            "--auth-value-env",
            "HOOK_SECRET",
        ],
    )
    .await;
    assert_eq!(outcome.code, 0, "{}\n{}", outcome.stdout, outcome.stderr);
    let report = report(&outcome);
    assert_eq!(report["hook"], "audit");
    let names: Vec<&str> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, okta_eventhooks::doctor::CHECKS);
    for name in names {
        assert_eq!(check(&report, name).0, "ok", "{name}: {report:#}");
    }
    assert!(check(&report, "hook").1.contains(&id));
    assert!(
        check(&report, "filter").1.contains("all 3 events"),
        "{report:#}"
    );
    assert!(check(&report, "auth").1.contains("HTTP 401"), "{report:#}");

    let requests = proxy.requests();
    let (logs, api): (Vec<_>, Vec<_>) = requests.iter().partition(|(_, p)| p == "/api/v1/logs");
    assert!(
        api.len() <= 3,
        "more than 3 API calls besides the System Log: {api:?}"
    );
    assert_eq!(api.len(), 1, "{api:?}");
    // One read of the subscribed types, one of the delivery failures; each may end with an
    // empty page.
    assert!((2..=4).contains(&logs.len()), "{logs:?}");

    // The table: one heading, one line per check, no colour off a terminal.
    let mut cmd = cli_at(&home_dir());
    cmd.env("OKTA_CLIENT_ORGURL", emu.url())
        .env("OKTA_CLIENT_TOKEN", TOKEN)
        .args(["doctor", "--hook", &id]);
    let table = run(cmd).await;
    // Without the secret the receiver's 401 makes `reachable` skip: still exit 0.
    assert_eq!(table.code, 0, "{}\n{}", table.stdout, table.stderr);
    let lines: Vec<&str> = table.stdout.lines().collect();
    assert_eq!(lines.len(), 10, "{}", table.stdout);
    assert!(
        lines[6].trim_start().starts_with("reachable  skip"),
        "{}",
        table.stdout
    );
    assert!(!table.stdout.contains('\x1b'));
}

#[tokio::test]
async fn hook_fails_for_an_unknown_name_and_suggests_the_near_one() {
    let emu = emulator::start().await;
    let (_receiver, _) = healthy(&emu).await;
    let outcome = doctor(emu.url(), &["--hook", "audti"]).await;
    assert_eq!(outcome.code, 2, "{}", outcome.stderr);
    let report = report(&outcome);
    let (status, finding, fix) = check(&report, "hook");
    assert_eq!(status, "fail");
    assert!(finding.contains("\"audti\""), "{finding}");
    assert_eq!(fix, "did you mean \"audit\"?");
    assert_eq!(check(&report, "volume").0, "skip");
}

#[tokio::test]
async fn active_fails_for_an_inactive_hook() {
    let emu = emulator::start().await;
    let (_receiver, id) = healthy(&emu).await;
    emulator::client(&emu)
        .deactivate_event_hook(&id)
        .await
        .unwrap();
    let outcome = doctor(
        emu.url(),
        &["--hook", &id, "--auth-value-env", "HOOK_SECRET"],
    )
    .await;
    let (finding, fix) = only_problem(&outcome, "active", "fail");
    assert!(finding.starts_with("status INACTIVE"), "{finding}");
    assert_eq!(fix, format!("okta-eventhooks activate {id}"));
}

#[tokio::test]
async fn verified_fails_for_an_unverified_hook() {
    let emu = emulator::start().await;
    let receiver = endpoint_requiring(&[HOOK_SECRET]).await;
    let id = hook(
        &emulator::client(&emu),
        "audit",
        &receiver.uri(),
        None,
        false,
    )
    .await;
    emu.fire(TYPE, 1).await.unwrap();
    let outcome = doctor(
        emu.url(),
        &["--hook", &id, "--auth-value-env", "HOOK_SECRET"],
    )
    .await;
    let (finding, fix) = only_problem(&outcome, "verified", "fail");
    assert!(
        finding.starts_with("verificationStatus UNVERIFIED"),
        "{finding}"
    );
    assert_eq!(fix, format!("okta-eventhooks verify {id}"));
}

#[tokio::test]
async fn subscribed_fails_for_another_type_and_suggests_near_names_for_a_typo() {
    let emu = emulator::start().await;
    let (_receiver, id) = healthy(&emu).await;
    let args = |t: &'static str| {
        [
            "--hook",
            "audit",
            "--event-type",
            t,
            "--auth-value-env",
            "HOOK_SECRET",
        ]
    };
    let other = doctor(emu.url(), &args("user.session.end")).await;
    let (finding, fix) = only_problem(&other, "subscribed", "fail");
    assert!(
        finding.contains("user.session.end is not among its 1 type(s)"),
        "{finding}"
    );
    assert_eq!(
        fix,
        format!("okta-eventhooks replace {id} --event {TYPE},user.session.end")
    );
    assert_eq!(check(&report(&other), "filter").0, "skip");

    let typo = doctor(emu.url(), &args("user.session.strat")).await;
    let (finding, fix) = only_problem(&typo, "subscribed", "fail");
    assert!(
        finding.contains("not an event type in Okta's catalog"),
        "{finding}"
    );
    assert!(fix.starts_with(&format!("did you mean {TYPE}")), "{fix}");
}

#[tokio::test]
async fn filter_fails_when_it_drops_every_real_event_and_names_the_deciding_term() {
    let emu = emulator::start().await;
    let receiver = endpoint_requiring(&[HOOK_SECRET]).await;
    let filter = "event.outcome.result eq 'FAILURE'";
    hook(
        &emulator::client(&emu),
        "audit",
        &receiver.uri(),
        Some(filter),
        true,
    )
    .await;
    emu.fire(TYPE, 3).await.unwrap();
    let outcome = doctor(
        emu.url(),
        &["--hook", "audit", "--auth-value-env", "HOOK_SECRET"],
    )
    .await;
    let (finding, fix) = only_problem(&outcome, "filter", "fail");
    assert!(finding.contains("none of 3 events"), "{finding}");
    assert!(
        finding.contains(&format!("decided by `{filter}`")),
        "{finding}"
    );
    assert!(fix.contains("Preview ignores filters"), "{fix}");

    // One event through: ok, with the count.
    emu.fire_with(
        FireRequest::new(TYPE, 1).patch(serde_json::json!({"outcome": {"result": "FAILURE"}})),
    )
    .await
    .unwrap();
    let outcome = doctor(
        emu.url(),
        &["--hook", "audit", "--auth-value-env", "HOOK_SECRET"],
    )
    .await;
    assert_eq!(outcome.code, 0, "{}", outcome.stdout);
    assert!(
        check(&report(&outcome), "filter")
            .1
            .contains("1 of 4 events")
    );
}

#[tokio::test]
async fn reachable_fails_when_the_receiver_is_down() {
    let emu = emulator::start().await;
    // Not from wiremock's pool, so that dropping it stops it.
    let receiver = server_on(free_port()).await;
    mount_requiring(&receiver, &[HOOK_SECRET]).await;
    let id = hook(
        &emulator::client(&emu),
        "audit",
        &receiver.uri(),
        None,
        true,
    )
    .await;
    emu.fire(TYPE, 1).await.unwrap();
    drop(receiver);
    let outcome = doctor(
        emu.url(),
        &["--hook", &id, "--auth-value-env", "HOOK_SECRET"],
    )
    .await;
    assert_eq!(outcome.code, 2);
    let report = report(&outcome);
    let (status, finding, fix) = check(&report, "reachable");
    assert_eq!(status, "fail");
    assert!(finding.starts_with("could not connect"), "{finding}");
    assert!(finding.ends_with("(2 attempt(s))"), "{finding}");
    assert!(fix.starts_with("start the receiver"), "{fix}");
    assert_eq!(check(&report, "auth").0, "skip");
}

#[tokio::test]
async fn reachable_fails_for_a_wrong_challenge_and_for_401() {
    let emu = emulator::start().await;
    let (receiver, id) = healthy(&emu).await;
    let client = emulator::client(&emu);
    let move_to = |uri: String| {
        let client = client.clone();
        let id = id.clone();
        async move {
            let mut hook = client.get_event_hook(&id).await.unwrap();
            hook.channel.config.uri = uri;
            if let Some(auth) = hook.channel.config.auth_scheme.as_mut() {
                auth.value = Some(HOOK_SECRET.into());
            }
            client.replace_event_hook(&id, &hook).await.unwrap();
        }
    };
    // The emulator keeps whole seconds: the change must come a second after the creation
    // for doctor to see that the hook was changed.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let wrong = endpoint_wrong_challenge().await;
    move_to(wrong.uri()).await;
    let args = ["--hook", id.as_str(), "--auth-value-env", "HOOK_SECRET"];
    let outcome = doctor(emu.url(), &args).await;
    assert_eq!(outcome.code, 2);
    let (status, finding, fix) = check(&report(&outcome), "reachable");
    assert_eq!(status, "fail");
    assert!(
        finding.starts_with("the answer is not {\"verification\": <the challenge>}"),
        "{finding}"
    );
    assert!(fix.contains("X-Okta-Verification-Challenge"), "{fix}");
    // The changed channel is UNVERIFIED again, and doctor says why.
    let (status, finding, _) = check(&report(&outcome), "verified");
    assert_eq!(status, "fail");
    assert!(
        finding.contains("a changed channel must be verified again"),
        "{finding}"
    );

    let refusing = endpoint_refusing().await;
    move_to(refusing.uri()).await;
    let outcome = doctor(emu.url(), &args).await;
    let (status, finding, fix) = check(&report(&outcome), "reachable");
    assert_eq!(status, "fail");
    assert!(
        finding.starts_with("the endpoint answered HTTP 401"),
        "{finding}"
    );
    assert!(fix.contains("refuses the hook's auth header"), "{fix}");
    drop(receiver);
}

#[tokio::test]
async fn auth_warns_when_the_receiver_accepts_anyone() {
    let emu = emulator::start().await;
    let anyone = endpoint().await;
    hook(&emulator::client(&emu), "audit", &anyone.uri(), None, true).await;
    emu.fire(TYPE, 1).await.unwrap();
    let outcome = doctor(
        emu.url(),
        &["--hook", "audit", "--auth-value-env", "HOOK_SECRET"],
    )
    .await;
    let (finding, fix) = only_problem(&outcome, "auth", "warn");
    assert!(finding.contains("accepts anyone"), "{finding}");
    assert!(fix.contains("401"), "{fix}");
}

#[tokio::test]
async fn deliveries_fail_with_the_count_last_reason_and_status() {
    let emu = emulator::start().await;
    let failing = endpoint_failing_deliveries(HOOK_SECRET).await;
    let id = hook(&emulator::client(&emu), "audit", &failing.uri(), None, true).await;
    emu.fire(TYPE, 2).await.unwrap();
    let outcome = doctor(
        emu.url(),
        &["--hook", &id, "--auth-value-env", "HOOK_SECRET"],
    )
    .await;
    let (finding, fix) = only_problem(&outcome, "deliveries", "fail");
    assert!(finding.contains("failed deliveries since"), "{finding}");
    assert!(finding.ends_with("(HTTP 500)"), "{finding}");
    assert!(fix.contains(&format!("reconcile --hook {id}")), "{fix}");
}

#[tokio::test]
async fn volume_fails_past_the_daily_limit_and_says_the_read_was_capped() {
    // 10,000 events in a few seconds: at that rate far more than 400,000 a day. Fired before
    // the hook exists, so that nothing is delivered.
    let emu = emulator::builder()
        .system_log_max_events(20_000)
        .start("127.0.0.1:0")
        .await
        .unwrap();
    emu.fire(TYPE, 10_000).await.unwrap();
    let receiver = endpoint_requiring(&[HOOK_SECRET]).await;
    hook(
        &emulator::client(&emu),
        "audit",
        &receiver.uri(),
        None,
        true,
    )
    .await;
    let outcome = doctor(
        emu.url(),
        &["--hook", "audit", "--auth-value-env", "HOOK_SECRET"],
    )
    .await;
    let (finding, fix) = only_problem(&outcome, "volume", "fail");
    assert!(finding.contains("(10000 since"), "{finding}");
    assert!(finding.contains("the newest 10000 read"), "{finding}");
    assert!(fix.contains("Okta drops events"), "{fix}");
}

#[tokio::test]
async fn every_hook_of_a_manifest_one_json_object_each() {
    let emu = emulator::start().await;
    let (_receiver, _) = healthy(&emu).await;
    let dir = okta_eventhooks_tests::scratch::tempdir("doctor-manifest");
    let path = dir.join("hooks.yaml");
    std::fs::write(
        &path,
        "hooks:\n  audit:\n    uri: https://example.com/x\n    events: [user.session.start]\n    auth:\n      key: Authorization\n      valueFrom: {env: HOOK_SECRET}\n  missing:\n    uri: https://example.com/y\n    events: [user.session.start]\n",
    )
    .unwrap();
    let outcome = doctor(emu.url(), &["-f", path.to_str().unwrap()]).await;
    assert_eq!(outcome.code, 2, "{}\n{}", outcome.stdout, outcome.stderr);
    let reports: Vec<Value> = outcome
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(reports.len(), 2, "{}", outcome.stdout);
    assert_eq!(reports[0]["hook"], "audit");
    assert_eq!(reports[0]["org"], "default");
    assert!(
        reports[0]["checks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["status"] == "ok"),
        "{:#}",
        reports[0]
    );
    assert_eq!(check(&reports[1], "hook").0, "fail");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_table_is_coloured_on_a_terminal_only_and_not_with_no_color() {
    let emu = emulator::start().await;
    let (_receiver, id) = healthy(&emu).await;
    let env = [
        ("OKTA_CLIENT_ORGURL", emu.url()),
        ("OKTA_CLIENT_TOKEN", TOKEN),
    ];
    let args = format!("doctor --hook {id}");
    let (code, coloured) = run_on_a_terminal(&home_dir(), &args, &env, "").await;
    assert_eq!(code, 0, "{coloured}");
    assert!(coloured.contains("\x1b[32mok  \x1b[0m"), "{coloured:?}");
    let mut plain_env = env.to_vec();
    plain_env.push(("NO_COLOR", "1"));
    let (_, plain) = run_on_a_terminal(&home_dir(), &args, &plain_env, "").await;
    assert!(plain.contains("active     ok"), "{plain:?}");
    assert!(!plain.contains('\x1b'), "{plain:?}");
}

#[tokio::test]
async fn could_not_run_is_exit_1_with_no_report() {
    let emu = emulator::start().await;
    // Okta refuses the token: an API error, not a finding.
    let mut cmd = cli_at(&home_dir());
    cmd.env("OKTA_CLIENT_ORGURL", emu.url())
        .env("OKTA_CLIENT_TOKEN", "00wrong-token")
        .args(["--max-retries", "0", "doctor", "--hook", "audit"]);
    let outcome = run(cmd).await;
    assert_eq!(outcome.code, 1, "{}", outcome.stderr);
    assert!(outcome.stdout.is_empty(), "{}", outcome.stdout);
    assert!(outcome.stderr.contains("error:"), "{}", outcome.stderr);
    // Usage errors too (clap's own code would be 2, which means "found a problem").
    for args in [
        &["doctor"][..],
        &["doctor", "--hook", "a", "--since", "soon"],
        &["doctor", "--hook", "a", "--org", "x"],
    ] {
        let mut cmd = cli_at(&home_dir());
        cmd.args(args);
        let outcome = run(cmd).await;
        assert_eq!(outcome.code, 1, "{args:?}: {}", outcome.stderr);
    }
    // A missing auth value variable is a usage error: exit 1, nothing sent.
    let outcome = doctor(
        emu.url(),
        &["--hook", "audit", "--auth-value-env", "NO_SUCH_VAR_91"],
    )
    .await;
    assert_eq!(outcome.code, 1, "{}", outcome.stderr);
    assert!(
        outcome.stderr.contains("NO_SUCH_VAR_91"),
        "{}",
        outcome.stderr
    );
}
