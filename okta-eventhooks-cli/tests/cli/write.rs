//! `create` and `replace`: flags, files, stdin secrets, the secret guard, dry runs.

use serde_json::{Value, json};
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use okta_eventhooks_tests::fixtures::*;
use okta_eventhooks_tests::scratch::tempdir;
use okta_eventhooks_tests::secrets::*;

use crate::support::*;

/// The request body `create` must send for the flags used below.
fn expected_create_body() -> Value {
    json!({
        "name": "Audit sink",
        "description": "Forwards user lifecycle events",
        "events": {
            "type": "EVENT_TYPE",
            "items": ["user.lifecycle.create", "user.session.start"],
            "filter": {"eventFilterMap": [{
                "event": "user.session.start",
                "condition": {"expression": "event.outcome.result eq 'FAILURE'"}
            }]}
        },
        "channel": {"type": "HTTP", "version": "1.0.0", "config": {
            "uri": "https://hooks.example.com/okta/events",
            "headers": [{"key": "X-Source", "value": HEADER_SECRET}],
            "authScheme": {"type": "HEADER", "key": "Authorization", "value": HOOK_SECRET}
        }}
    })
}

const CREATE_FLAGS: &[&str] = &[
    "create",
    "--name",
    "Audit sink",
    "--description",
    "Forwards user lifecycle events",
    "--uri",
    "https://hooks.example.com/okta/events",
    "--event",
    "user.lifecycle.create,user.session.start",
    "--filter",
    "user.session.start=event.outcome.result eq 'FAILURE'",
    "--auth-key",
    "Authorization",
];

async fn mount_create(server: &MockServer) {
    Mock::given(method("POST"))
        .and(path("/api/v1/eventHooks"))
        .and(header("authorization", format!("SSWS {TOKEN}").as_str()))
        .and(body_json(expected_create_body()))
        .respond_with(ResponseTemplate::new(200).set_body_json(hook_json(
            ID,
            "Audit sink",
            "ACTIVE",
            "UNVERIFIED",
        )))
        .expect(1)
        .mount(server)
        .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn create_from_flags_with_secret_from_stdin() {
    let server = MockServer::start().await;
    mount_create(&server).await;
    let mut cmd = cli(&server);
    cmd.args(CREATE_FLAGS)
        .args(["--header", &format!("X-Source={HEADER_SECRET}")])
        .args(["--auth-value-stdin", "-o", "json"])
        .write_stdin(format!("{HOOK_SECRET}\n"));
    let out = run(cmd).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let created: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(created["id"], ID);
    assert!(
        out.stderr
            .contains("created event hook who8vt36qfNpCGz9H1e6")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn create_from_env_secret_table_output() {
    let server = MockServer::start().await;
    mount_create(&server).await;
    let mut cmd = cli(&server);
    cmd.args(CREATE_FLAGS)
        .args(["--header", &format!("X-Source={HEADER_SECRET}")])
        .args(["--auth-value-env", "HOOK_SECRET"])
        .env("HOOK_SECRET", HOOK_SECRET);
    let out = run(cmd).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("ID            who8vt36qfNpCGz9H1e6"));
    assert!(!out.stdout.contains(HEADER_SECRET));
}

#[tokio::test(flavor = "multi_thread")]
async fn create_from_yaml_file_with_secret_file() {
    let server = MockServer::start().await;
    mount_create(&server).await;
    let dir = tempdir("create-yaml");
    let file = dir.join("hook.yaml");
    std::fs::write(
        &file,
        format!(
            "name: Audit sink\n\
             description: Forwards user lifecycle events\n\
             events:\n  type: EVENT_TYPE\n  items: [user.lifecycle.create, user.session.start]\n\
             \x20 filter:\n    eventFilterMap:\n      - event: user.session.start\n        condition:\n          expression: \"event.outcome.result eq 'FAILURE'\"\n\
             channel:\n  type: HTTP\n  version: 1.0.0\n  config:\n    uri: https://hooks.example.com/okta/events\n    headers:\n      - key: X-Source\n        value: {HEADER_SECRET}\n    authScheme:\n      type: HEADER\n      key: Authorization\n\
             unknownFutureField: true\n"
        ),
    )
    .unwrap();
    let secret = dir.join("secret");
    std::fs::write(&secret, format!("{HOOK_SECRET}\n")).unwrap();
    let mut cmd = cli(&server);
    cmd.arg("create")
        .arg("-f")
        .arg(&file)
        .arg("--auth-value-file")
        .arg(&secret);
    let out = run(cmd).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn create_from_json_on_stdin() {
    let server = MockServer::start().await;
    mount_create(&server).await;
    let mut cmd = cli(&server);
    cmd.args(["create", "-f", "-", "-o", "json"])
        .write_stdin(expected_create_body().to_string());
    let out = run(cmd).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn create_dry_run_sends_nothing_and_redacts() {
    let server = MockServer::start().await;
    let mut cmd = cli(&server);
    cmd.args(CREATE_FLAGS)
        .args(["--header", &format!("X-Source={HEADER_SECRET}")])
        .args(["--auth-value-env", "HOOK_SECRET", "--dry-run"])
        .env("HOOK_SECRET", HOOK_SECRET);
    let out = run(cmd).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(server.received_requests().await.unwrap().len(), 0);
    assert!(!out.stdout.contains(HEADER_SECRET));
    insta::assert_snapshot!(scrub(&out.stdout, &server));
    assert!(out.stderr.contains("dry run: nothing was sent"));
}

#[tokio::test(flavor = "multi_thread")]
async fn create_rejects_bad_input_before_sending() {
    let server = MockServer::start().await;
    for (args, expected) in [
        (
            vec!["create", "--name", "x", "--event", "a.b"],
            "create needs --uri",
        ),
        (
            vec![
                "create",
                "--name",
                "x",
                "--uri",
                "http://hooks.example.com/",
                "--event",
                "a.b",
            ],
            "must start with https://",
        ),
        (
            vec![
                "create",
                "--name",
                "x",
                "--uri",
                "https://h.example.com/",
                "--event",
                "a.b",
                "--auth-key",
                "Authorization",
            ],
            "--auth-key needs the secret",
        ),
        (
            vec![
                "create",
                "--name",
                "x",
                "--uri",
                "https://h.example.com/",
                "--event",
                "a.b",
                "--auth-value-env",
                "NOT_SET_ANYWHERE",
            ],
            "NOT_SET_ANYWHERE is not set",
        ),
        (
            vec!["create", "-f", "-", "--auth-value-stdin"],
            "cannot both read stdin",
        ),
    ] {
        let mut cmd = cli(&server);
        cmd.args(&args);
        let out = run(cmd).await;
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(out.stderr.contains(expected), "{args:?}: {}", out.stderr);
    }
    assert_eq!(server.received_requests().await.unwrap().len(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn create_verify_verifies_right_after() {
    let server = MockServer::start().await;
    mount_create(&server).await;
    Mock::given(method("POST"))
        .and(path(format!("/api/v1/eventHooks/{ID}/lifecycle/verify")))
        .respond_with(ResponseTemplate::new(200).set_body_json(hook_json(
            ID,
            "Audit sink",
            "ACTIVE",
            "VERIFIED",
        )))
        .expect(1)
        .mount(&server)
        .await;
    let mut cmd = cli(&server);
    cmd.args(CREATE_FLAGS)
        .args(["--header", &format!("X-Source={HEADER_SECRET}")])
        .args(["--auth-value-env", "S", "--verify", "-o", "json"])
        .env("S", HOOK_SECRET);
    let out = run(cmd).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let verified: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(verified["verificationStatus"], "VERIFIED");
}

async fn mount_current(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path(format!("/api/v1/eventHooks/{ID}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(hook_json(
            ID,
            "Audit sink",
            "ACTIVE",
            "VERIFIED",
        )))
        .mount(server)
        .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn replace_refuses_to_drop_the_auth_secret() {
    let server = MockServer::start().await;
    mount_current(&server).await;
    let mut cmd = cli(&server);
    cmd.args(["replace", ID, "--description", "new text"]);
    let out = run(cmd).await;
    assert_eq!(out.code, 1, "{}", out.stderr);
    insta::assert_snapshot!(out.stderr, @r"
    error: event hook who8vt36qfNpCGz9H1e6 has an auth header (Authorization), and Okta never returns its secret: sending the hook back without it would drop the secret; nothing was changed
    hint: give the secret again with --auth-value-env VAR, --auth-value-file PATH or --auth-value-stdin, or remove it with --remove-auth
    ");
    let requests = server.received_requests().await.unwrap();
    assert!(requests.iter().all(|r| r.method.as_str() == "GET"));
}

#[tokio::test(flavor = "multi_thread")]
async fn replace_changes_only_what_was_given() {
    let server = MockServer::start().await;
    mount_current(&server).await;
    // Everything of the current hook except read-only fields, with the new description and
    // the secret from stdin.
    let mut expected = hook_json(ID, "Audit sink", "ACTIVE", "VERIFIED");
    for field in [
        "id",
        "status",
        "verificationStatus",
        "created",
        "createdBy",
        "lastUpdated",
        "_links",
    ] {
        expected.as_object_mut().unwrap().remove(field);
    }
    expected["description"] = json!("new text");
    expected["events"]["filter"] = json!({"eventFilterMap": [{
        "event": "user.session.start",
        "condition": {"expression": "event.outcome.result eq 'FAILURE'"}
    }]});
    let config = &mut expected["channel"]["config"];
    config.as_object_mut().unwrap().remove("method");
    config["authScheme"]["value"] = json!(HOOK_SECRET);
    Mock::given(method("PUT"))
        .and(path(format!("/api/v1/eventHooks/{ID}")))
        .and(body_json(&expected))
        .respond_with(ResponseTemplate::new(200).set_body_json(hook_json(
            ID,
            "Audit sink",
            "ACTIVE",
            "VERIFIED",
        )))
        .expect(1)
        .mount(&server)
        .await;
    let mut cmd = cli(&server);
    cmd.args([
        "replace",
        ID,
        "--description",
        "new text",
        "--auth-value-stdin",
        "-o",
        "json",
    ])
    .write_stdin(HOOK_SECRET);
    let out = run(cmd).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let printed: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(printed["id"], "who8vt36qfNpCGz9H1e6");
}

#[tokio::test(flavor = "multi_thread")]
async fn replace_by_name_with_remove_auth_and_new_uri_table() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/eventHooks"))
        .respond_with(ResponseTemplate::new(200).set_body_json(vec![
            hook_json(ID, "Audit sink", "ACTIVE", "VERIFIED"),
            hook_json(ID2, "Other", "ACTIVE", "VERIFIED"),
        ]))
        .mount(&server)
        .await;
    let mut answer = hook_json(ID, "Audit sink", "ACTIVE", "UNVERIFIED");
    answer["channel"]["config"]["uri"] = json!("https://new.example.com/hook");
    Mock::given(method("PUT"))
        .and(path(format!("/api/v1/eventHooks/{ID}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(answer))
        .expect(1)
        .mount(&server)
        .await;
    let mut cmd = cli(&server);
    cmd.args([
        "replace",
        "Audit sink",
        "--uri",
        "https://new.example.com/hook",
        "--remove-auth",
    ]);
    let out = run(cmd).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("verified again"), "{}", out.stderr);
    assert!(out.stdout.contains("https://new.example.com/hook"));
    let put = server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.method.as_str() == "PUT")
        .unwrap();
    let body: Value = serde_json::from_slice(&put.body).unwrap();
    assert_eq!(
        body["channel"]["config"]["uri"],
        "https://new.example.com/hook"
    );
    assert!(body["channel"]["config"].get("authScheme").is_none());
    assert_eq!(body["name"], "Audit sink");
}

#[tokio::test(flavor = "multi_thread")]
async fn replace_dry_run_reads_but_writes_nothing() {
    let server = MockServer::start().await;
    mount_current(&server).await;
    let mut cmd = cli(&server);
    cmd.args([
        "replace",
        ID,
        "--name",
        "Renamed",
        "--auth-value-env",
        "S",
        "--dry-run",
        "-o",
        "json",
    ])
    .env("S", HOOK_SECRET);
    let out = run(cmd).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].method.as_str(), "GET");
    let planned: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(planned[0]["method"], "PUT");
    assert_eq!(planned[0]["body"]["name"], "Renamed");
    assert_eq!(
        planned[0]["body"]["channel"]["config"]["authScheme"]["value"],
        "[REDACTED]"
    );
    assert!(!out.stdout.contains(HEADER_SECRET));
}

#[tokio::test(flavor = "multi_thread")]
async fn replace_with_nothing_to_change_is_a_usage_error() {
    let server = MockServer::start().await;
    let mut cmd = cli(&server);
    cmd.args(["replace", ID]);
    let out = run(cmd).await;
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("nothing to change"));
    assert_eq!(server.received_requests().await.unwrap().len(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn replace_from_a_file_sends_the_files_hook_and_warns_about_auth() {
    let server = MockServer::start().await;
    mount_current(&server).await;
    Mock::given(method("PUT"))
        .and(path(format!("/api/v1/eventHooks/{ID}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(hook_json(
            ID,
            "From file",
            "ACTIVE",
            "UNVERIFIED",
        )))
        .expect(1)
        .mount(&server)
        .await;
    let mut cmd = cli(&server);
    cmd.args(["replace", ID, "-f", "-", "-o", "json"])
        .write_stdin(
            "name: From file\nevents: {type: EVENT_TYPE, items: [user.account.lock]}\n\
         channel: {type: HTTP, version: 1.0.0, config: {uri: 'https://file.example.com/hook'}}\n",
        );
    let out = run(cmd).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("warning: the file has no channel.config.authScheme"),
        "{}",
        out.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn replace_swaps_header_names_and_replaces_events_with_their_filters() {
    let server = MockServer::start().await;
    mount_current(&server).await;
    // The custom header X-Source becomes the auth header, and Authorization a custom header.
    let expected = json!({
        "name": "Audit sink",
        "description": "Forwards user lifecycle events",
        "events": {
            "type": "EVENT_TYPE",
            "items": ["user.session.start", "user.account.lock"],
            "filter": {"eventFilterMap": [{
                "event": "user.account.lock",
                "condition": {"expression": "event.outcome.result eq 'SUCCESS'"}
            }]}
        },
        "channel": {"type": "HTTP", "version": "1.0.0", "config": {
            "uri": "https://hooks.example.com/okta/events",
            "headers": [{"key": "Authorization", "value": HEADER_SECRET}],
            "authScheme": {"type": "HEADER", "key": "X-Source", "value": HOOK_SECRET}
        }}
    });
    Mock::given(method("PUT"))
        .and(path(format!("/api/v1/eventHooks/{ID}")))
        .and(body_json(&expected))
        .respond_with(ResponseTemplate::new(200).set_body_json(hook_json(
            ID,
            "Audit sink",
            "ACTIVE",
            "UNVERIFIED",
        )))
        .expect(1)
        .mount(&server)
        .await;
    let mut cmd = cli(&server);
    cmd.args(["replace", ID, "--remove-header", "X-Source"])
        .args(["--auth-key", "X-Source", "--auth-value-env", "S"])
        .args(["--header", &format!("Authorization={HEADER_SECRET}")])
        .args(["--event", "user.session.start,user.account.lock"])
        .args([
            "--filter",
            "user.account.lock=event.outcome.result eq 'SUCCESS'",
        ])
        .env("S", HOOK_SECRET);
    let out = run(cmd).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn replace_refuses_a_header_okta_would_refuse_before_sending() {
    let server = MockServer::start().await;
    mount_current(&server).await;
    let mut cmd = cli(&server);
    cmd.args(["replace", ID, "--header", "Accept=text/plain"])
        .args(["--auth-value-env", "S"])
        .env("S", HOOK_SECRET);
    let out = run(cmd).await;
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("channel.config.headers.key: \"Accept\" is reserved"),
        "{}",
        out.stderr
    );
    let requests = server.received_requests().await.unwrap();
    assert!(requests.iter().all(|r| r.method.as_str() == "GET"));
}
