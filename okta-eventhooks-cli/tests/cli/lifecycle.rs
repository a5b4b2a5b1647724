//! `activate`, `deactivate`, `delete` and `verify`.

use serde_json::Value;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use okta_eventhooks_tests::fixtures::*;

use crate::support::*;

async fn mount(server: &MockServer, verb: &str, url: String, status: u16, body: Option<Value>) {
    let mut response = ResponseTemplate::new(status).insert_header("x-okta-request-id", "reqXYZ");
    if let Some(body) = body {
        response = response.set_body_json(body);
    }
    Mock::given(method(verb))
        .and(path(url))
        .respond_with(response)
        .mount(server)
        .await;
}

fn methods_and_paths(requests: &[wiremock::Request]) -> Vec<String> {
    requests
        .iter()
        .map(|r| format!("{} {}", r.method, r.url.path()))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn activate_and_deactivate_in_table_and_json() {
    let server = MockServer::start().await;
    let base = format!("/api/v1/eventHooks/{ID}/lifecycle");
    mount(
        &server,
        "POST",
        format!("{base}/activate"),
        200,
        Some(hook_json(ID, "Audit sink", "ACTIVE", "VERIFIED")),
    )
    .await;
    mount(
        &server,
        "POST",
        format!("{base}/deactivate"),
        200,
        Some(hook_json(ID, "Audit sink", "INACTIVE", "VERIFIED")),
    )
    .await;
    for (command, status) in [("activate", "ACTIVE"), ("deactivate", "INACTIVE")] {
        let mut cmd = cli(&server);
        cmd.args([command, ID, "-o", "json"]);
        let out = run(cmd).await;
        assert_eq!(out.code, 0, "{}", out.stderr);
        let hook: Value = serde_json::from_str(&out.stdout).unwrap();
        assert_eq!(hook["status"], status);

        let mut cmd = cli(&server);
        cmd.args([command, ID]);
        let out = run(cmd).await;
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert!(
            out.stdout.contains(&format!("Status        {status}")),
            "{}",
            out.stdout
        );
        assert!(out.stderr.contains(&format!("{command}d event hook {ID}")));
    }
    let requests = server.received_requests().await.unwrap();
    assert_eq!(
        methods_and_paths(&requests),
        [
            format!("POST {base}/activate"),
            format!("POST {base}/activate"),
            format!("POST {base}/deactivate"),
            format!("POST {base}/deactivate"),
        ]
    );
    // Lifecycle POSTs carry no body, but say so (Okta answers 411 otherwise).
    assert!(requests.iter().all(|r| r.body.is_empty()));
}

#[tokio::test(flavor = "multi_thread")]
async fn lifecycle_dry_runs_send_nothing() {
    let server = MockServer::start().await;
    for args in [
        vec!["activate", ID, "--dry-run"],
        vec!["deactivate", ID, "--dry-run"],
        vec!["verify", ID, "--dry-run"],
        vec!["delete", ID, "--dry-run", "--force"],
    ] {
        let mut cmd = cli(&server);
        cmd.args(&args);
        let out = run(cmd).await;
        assert_eq!(out.code, 0, "{args:?}: {}", out.stderr);
        assert!(out.stdout.contains(&format!("/api/v1/eventHooks/{ID}")));
    }
    assert_eq!(server.received_requests().await.unwrap().len(), 0);
    let mut cmd = cli(&server);
    cmd.args(["delete", ID, "--dry-run", "--force"]);
    let out = run(cmd).await;
    insta::assert_snapshot!(scrub(&out.stdout, &server), @r"
    POST http://<MOCK>/api/v1/eventHooks/who8vt36qfNpCGz9H1e6/lifecycle/deactivate
    DELETE http://<MOCK>/api/v1/eventHooks/who8vt36qfNpCGz9H1e6
    ");
}

#[tokio::test(flavor = "multi_thread")]
async fn delete_refuses_an_active_hook_without_force() {
    let server = MockServer::start().await;
    mount(
        &server,
        "GET",
        format!("/api/v1/eventHooks/{ID}"),
        200,
        Some(hook_json(ID, "Audit sink", "ACTIVE", "VERIFIED")),
    )
    .await;
    let mut cmd = cli(&server);
    cmd.args(["delete", ID]);
    let out = run(cmd).await;
    assert_eq!(out.code, 1);
    insta::assert_snapshot!(out.stderr, @r#"
    error: event hook who8vt36qfNpCGz9H1e6 ("Audit sink") is ACTIVE, and Okta deletes only inactive hooks; nothing was changed
    hint: pass --force to deactivate and then delete it, or run `okta-eventhooks deactivate who8vt36qfNpCGz9H1e6` first
    "#);
    let requests = server.received_requests().await.unwrap();
    assert_eq!(
        methods_and_paths(&requests),
        [format!("GET /api/v1/eventHooks/{ID}")]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn delete_force_deactivates_then_deletes() {
    let server = MockServer::start().await;
    let url = format!("/api/v1/eventHooks/{ID}");
    mount(
        &server,
        "GET",
        url.clone(),
        200,
        Some(hook_json(ID, "Audit sink", "ACTIVE", "VERIFIED")),
    )
    .await;
    mount(
        &server,
        "POST",
        format!("{url}/lifecycle/deactivate"),
        200,
        Some(hook_json(ID, "Audit sink", "INACTIVE", "VERIFIED")),
    )
    .await;
    mount(&server, "DELETE", url.clone(), 204, None).await;
    for output in ["table", "json"] {
        let mut cmd = cli(&server);
        cmd.args(["delete", ID, "--force", "-o", output]);
        let out = run(cmd).await;
        assert_eq!(out.code, 0, "{}", out.stderr);
        // Okta answers 204 with no body: there is no result to print.
        assert_eq!(out.stdout, "");
        assert!(
            out.stderr
                .contains("deleted event hook who8vt36qfNpCGz9H1e6")
        );
    }
    let requests = server.received_requests().await.unwrap();
    let expected = [
        format!("GET {url}"),
        format!("POST {url}/lifecycle/deactivate"),
        format!("DELETE {url}"),
    ];
    assert_eq!(
        methods_and_paths(&requests),
        [expected.clone(), expected].concat()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn delete_by_name_of_an_inactive_hook() {
    let server = MockServer::start().await;
    mount(
        &server,
        "GET",
        "/api/v1/eventHooks".into(),
        200,
        Some(serde_json::json!([
            hook_json(ID, "Audit sink", "INACTIVE", "VERIFIED"),
            hook_json(ID2, "Other", "ACTIVE", "VERIFIED"),
        ])),
    )
    .await;
    mount(
        &server,
        "DELETE",
        format!("/api/v1/eventHooks/{ID}"),
        204,
        None,
    )
    .await;
    let mut cmd = cli(&server);
    cmd.args(["delete", "--name", "Audit sink", "--yes", "-q"]);
    let out = run(cmd).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stderr, "", "--quiet keeps stderr empty");
    let requests = server.received_requests().await.unwrap();
    assert_eq!(
        methods_and_paths(&requests),
        [
            "GET /api/v1/eventHooks".to_owned(),
            format!("DELETE /api/v1/eventHooks/{ID}")
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn two_hooks_with_one_name_is_an_error_listing_both_ids() {
    let server = MockServer::start().await;
    mount(
        &server,
        "GET",
        "/api/v1/eventHooks".into(),
        200,
        Some(serde_json::json!([
            hook_json(ID, "Twin", "ACTIVE", "VERIFIED"),
            hook_json(ID2, "Twin", "ACTIVE", "VERIFIED"),
        ])),
    )
    .await;
    let mut cmd = cli(&server);
    cmd.args(["activate", "Twin"]);
    let out = run(cmd).await;
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains(&format!("2 event hooks are named \"Twin\": {ID}, {ID2}")),
        "{}",
        out.stderr
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

fn verify_failure() -> Value {
    okta_error(
        "E0000001",
        "Api validation failed: eventHook",
        &["Unable to verify event hook. Hook Audit sink execution failed"],
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn verify_failure_is_explained() {
    let server = MockServer::start().await;
    let url = format!("/api/v1/eventHooks/{ID}");
    mount(
        &server,
        "POST",
        format!("{url}/lifecycle/verify"),
        400,
        Some(verify_failure()),
    )
    .await;
    mount(
        &server,
        "GET",
        url,
        200,
        Some(hook_json(ID, "Audit sink", "ACTIVE", "UNVERIFIED")),
    )
    .await;
    let mut cmd = cli(&server);
    cmd.args(["verify", ID]);
    let out = run(cmd).await;
    assert_eq!(out.code, 4);
    insta::assert_snapshot!(out.stderr, @r#"
    error: E0000001 Api validation failed: eventHook; Unable to verify event hook. Hook Audit sink execution failed (HTTP 400, request id reqXYZ)
    hint: Okta sent a one-time GET request to https://hooks.example.com/okta/events with the header X-Okta-Verification-Challenge: <random value>, plus the configured header(s) Authorization, X-Source
    hint: the endpoint must answer within 3 seconds with HTTP 200, Content-Type: application/json and the body {"verification": "<that same value>"} (Okta tries twice)
    hint: check that the endpoint is reachable from the internet over HTTPS with a publicly trusted certificate, and that it accepts the auth header
    "#);
}

#[tokio::test(flavor = "multi_thread")]
async fn verify_wait_tries_again_until_verified() {
    let server = MockServer::start().await;
    let verify_url = format!("/api/v1/eventHooks/{ID}/lifecycle/verify");
    // The first attempt fails (the endpoint is not up yet), the second succeeds.
    Mock::given(method("POST"))
        .and(path(verify_url.clone()))
        .respond_with(ResponseTemplate::new(400).set_body_json(verify_failure()))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    mount(
        &server,
        "POST",
        verify_url.clone(),
        200,
        Some(hook_json(ID, "Audit sink", "ACTIVE", "VERIFIED")),
    )
    .await;
    let mut cmd = cli(&server);
    cmd.args([
        "verify",
        ID,
        "--wait",
        "5s",
        "--interval",
        "20ms",
        "-o",
        "json",
    ]);
    let out = run(cmd).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("not verified yet; trying again in 20ms")
    );
    let hook: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(hook["verificationStatus"], "VERIFIED");
    let requests = server.received_requests().await.unwrap();
    assert_eq!(
        methods_and_paths(&requests),
        [format!("POST {verify_url}"), format!("POST {verify_url}")]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn verify_wait_gives_up_with_the_explanation() {
    let server = MockServer::start().await;
    let url = format!("/api/v1/eventHooks/{ID}");
    mount(
        &server,
        "POST",
        format!("{url}/lifecycle/verify"),
        400,
        Some(verify_failure()),
    )
    .await;
    mount(
        &server,
        "GET",
        url,
        200,
        Some(hook_json(ID, "Audit sink", "INACTIVE", "UNVERIFIED")),
    )
    .await;
    let mut cmd = cli(&server);
    cmd.args(["verify", ID, "--wait", "100ms", "--interval", "30ms"]);
    let out = run(cmd).await;
    assert_eq!(out.code, 4);
    assert!(
        out.stderr
            .contains("the endpoint must answer within 3 seconds")
    );
    assert!(
        out.stderr
            .contains("the hook is INACTIVE; activate it first")
    );
    let verifies = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.method.as_str() == "POST")
        .count();
    assert!(verifies >= 2, "tried again before giving up ({verifies})");
}
