//! Error lines, hints and exit codes.

use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use okta_eventhooks_tests::fixtures::*;
use okta_eventhooks_tests::scratch::tempdir;
use okta_eventhooks_tests::secrets::*;

use crate::support::*;

/// Mounts one error answer for `GET /api/v1/eventHooks/{ID}` and runs `get ID`.
async fn get_answered_with(status: u16, body: serde_json::Value) -> (MockServer, Outcome) {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/api/v1/eventHooks/{ID}")))
        .respond_with(
            ResponseTemplate::new(status)
                .insert_header("x-okta-request-id", "reqABC")
                .set_body_json(body),
        )
        .mount(&server)
        .await;
    let mut cmd = cli(&server);
    cmd.args(["get", ID]);
    let out = run(cmd).await;
    (server, out)
}

#[tokio::test(flavor = "multi_thread")]
async fn not_found_is_one_clear_line_and_exit_4() {
    let (server, out) = get_answered_with(
        404,
        okta_error(
            "E0000007",
            &format!("Not found: Resource not found: {ID} (Webhook)"),
            &[],
        ),
    )
    .await;
    assert_eq!(out.code, 4);
    assert_eq!(out.stdout, "");
    insta::assert_snapshot!(scrub(&out.stderr, &server), @r"
    error: E0000007 Not found: Resource not found: who8vt36qfNpCGz9H1e6 (Webhook) (HTTP 404, request id reqABC)
    hint: `okta-eventhooks list` shows the hooks that exist
    ");
}

#[tokio::test(flavor = "multi_thread")]
async fn unauthorized_names_the_credential_and_its_source() {
    let (server, out) =
        get_answered_with(401, okta_error("E0000011", "Invalid token provided", &[])).await;
    assert_eq!(out.code, 4);
    insta::assert_snapshot!(scrub(&out.stderr, &server), @r"
    error: E0000011 Invalid token provided (HTTP 401, request id reqABC)
    hint: Okta rejected the SSWS API token from OKTA_CLIENT_TOKEN for http://<MOCK>: check that it is valid, not expired or revoked, and issued by this org
    ");
}

#[tokio::test(flavor = "multi_thread")]
async fn forbidden_names_the_scope() {
    let (_server, out) = get_answered_with(
        403,
        okta_error(
            "E0000006",
            "You do not have permission to perform the requested action",
            &[],
        ),
    )
    .await;
    assert_eq!(out.code, 4);
    assert!(out.stderr.starts_with(
        "error: E0000006 You do not have permission to perform the requested action (HTTP 403, request id reqABC)\n"
    ));
    assert!(out.stderr.contains("okta.eventHooks.manage"));
}

#[tokio::test(flavor = "multi_thread")]
async fn rate_limited_exits_5_with_the_reset_time() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/eventHooks"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("x-okta-request-id", "req429")
                .insert_header("x-rate-limit-limit", "100")
                .insert_header("x-rate-limit-remaining", "0")
                .insert_header("x-rate-limit-reset", "1893456000")
                .insert_header("date", "Mon, 01 Jan 2029 00:00:00 GMT")
                .set_body_json(okta_error(
                    "E0000047",
                    "API call exceeded rate limit due to too many requests.",
                    &[],
                )),
        )
        .mount(&server)
        .await;
    let mut cmd = cli(&server);
    cmd.arg("list");
    let out = run(cmd).await;
    assert_eq!(out.code, 5, "{}", out.stderr);
    insta::assert_snapshot!(out.stderr, @r"
    error: E0000047 API call exceeded rate limit due to too many requests. (HTTP 429, request id req429, rate limit resets at 2030-01-01T00:00:00+00:00)
    hint: Okta's rate limit was hit; wait for the reset, or allow more retries with --max-retries
    ");
}

#[tokio::test(flavor = "multi_thread")]
async fn server_error_exits_7() {
    let (_server, out) =
        get_answered_with(500, okta_error("E0000009", "Internal Server Error", &[])).await;
    assert_eq!(out.code, 7);
    assert_eq!(
        out.stderr,
        "error: E0000009 Internal Server Error (HTTP 500, request id reqABC)\n"
    );
}

/// An org whose hook list (empty) comes after `delay`.
async fn slow_empty_list(delay: std::time::Duration) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/eventHooks"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(Vec::<u8>::new())
                .set_delay(delay),
        )
        .mount(&server)
        .await;
    server
}

#[tokio::test(flavor = "multi_thread")]
async fn timeout_exits_6_with_a_hint() {
    let server = slow_empty_list(std::time::Duration::from_secs(30)).await;
    let mut cmd = cli(&server);
    cmd.args(["list", "--timeout", "150ms"]);
    let out = run(cmd).await;
    assert_eq!(out.code, 6, "{}", out.stderr);
    assert!(
        out.stderr
            .starts_with("error: timed out: the request timeout"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("raise --timeout"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bare_timeout_is_seconds_as_in_okta_yaml() {
    // The answer takes 300 ms: within 30 s, far beyond 30 ms or 0.1 s.
    let server = slow_empty_list(std::time::Duration::from_millis(300)).await;
    let mut cmd = cli(&server);
    cmd.args(["list", "--timeout", "30"]);
    let out = run(cmd).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.ends_with("(no event hooks)\n"), "{}", out.stdout);

    let mut cmd = cli(&server);
    cmd.args(["list", "--timeout", "0.1"]);
    let out = run(cmd).await;
    assert_eq!(out.code, 6, "{}", out.stderr);
    assert!(
        out.stderr
            .starts_with("error: timed out: the request timeout"),
        "{}",
        out.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn unreachable_org_exits_6() {
    // A port nothing listens on: bind one, note it, free it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut cmd = bare();
    cmd.args(["list", "--org-url", &format!("http://127.0.0.1:{port}")])
        .env("OKTA_CLIENT_TOKEN", TOKEN);
    let out = run(cmd).await;
    assert_eq!(out.code, 6, "{}", out.stderr);
    assert!(
        out.stderr.contains("could not reach http://127.0.0.1"),
        "{}",
        out.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn missing_configuration_exits_3_and_sends_nothing() {
    let mut cmd = bare();
    cmd.arg("list");
    let out = run(cmd).await;
    assert_eq!(out.code, 3);
    insta::assert_snapshot!(out.stderr, @r"
    error: configuration error: 2 problem(s) in the Okta configuration (precedence: ~/.okta/okta.yaml < ./okta.yaml < environment < flags):
      - no org URL: set okta.client.orgUrl or OKTA_CLIENT_ORGURL (e.g. https://acme.okta.com)
      - no credentials: set an API token (okta.client.token or OKTA_CLIENT_TOKEN), or authorizationMode PrivateKey with a client id (okta.client.clientId or OKTA_CLIENT_CLIENTID) and a private key (okta.client.privateKey or OKTA_CLIENT_PRIVATEKEY)
    hint: on the command line: --org-url URL, --token-file PATH, --profile NAME (a token is never taken as an argument)
    ");
    let mut cmd = bare();
    cmd.args(["list", "--org-url", "https://acme.okta.com"]);
    let out = run(cmd).await;
    assert_eq!(out.code, 3);
    assert!(out.stderr.contains("no credentials"));
    let mut cmd = bare();
    cmd.args(["list", "--org-url", "http://acme.okta.com"])
        .env("OKTA_CLIENT_TOKEN", TOKEN);
    let out = run(cmd).await;
    assert_eq!(out.code, 3, "{}", out.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn token_file_is_used_and_an_empty_one_rejected() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/eventHooks"))
        .and(wiremock::matchers::header(
            "authorization",
            "SSWS token-from-file-5555",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(Vec::<u8>::new()))
        .expect(1)
        .mount(&server)
        .await;
    let dir = tempdir("token-file");
    let file = dir.join("token");
    std::fs::write(&file, "token-from-file-5555\n").unwrap();
    let mut cmd = cli(&server);
    cmd.arg("list").arg("--token-file").arg(&file);
    let out = run(cmd).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(!out.stdout.contains("token-from-file") && !out.stderr.contains("token-from-file"));

    std::fs::write(&file, "\n").unwrap();
    let mut cmd = cli(&server);
    cmd.arg("list").arg("--token-file").arg(&file);
    let out = run(cmd).await;
    assert_eq!(out.code, 3);
    assert!(out.stderr.contains("is empty"));
}

#[tokio::test(flavor = "multi_thread")]
async fn usage_errors_exit_2() {
    for args in [
        vec!["get"],
        vec!["list", "-o", "xml"],
        vec!["frobnicate"],
        vec!["list", "--timeout", "soon"],
        vec!["create", "--header", "NoEquals"],
        vec!["get", "--token", "x"],
    ] {
        let mut cmd = bare();
        cmd.args(&args);
        let out = run(cmd).await;
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(out.stderr.starts_with("error:"), "{args:?}: {}", out.stderr);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn profile_from_okta_yaml_in_the_current_directory() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/eventHooks"))
        .and(wiremock::matchers::header(
            "authorization",
            "SSWS staging-token-6666",
        ))
        .respond_with(ResponseTemplate::new(401).set_body_json(okta_error(
            "E0000011",
            "Invalid token provided",
            &[],
        )))
        .expect(1)
        .mount(&server)
        .await;
    let dir = tempdir("profile");
    std::fs::write(
        dir.join("okta.yaml"),
        format!(
            "okta:\n  client:\n    orgUrl: https://prod.okta.com\n  profiles:\n    staging:\n      client:\n        orgUrl: {}\n        token: staging-token-6666\n",
            server.uri()
        ),
    )
    .unwrap();
    let mut cmd = bare();
    cmd.current_dir(&dir).args(["list", "--profile", "staging"]);
    let out = run(cmd).await;
    assert_eq!(out.code, 4, "{}", out.stderr);
    assert!(!out.stderr.contains("staging-token-6666"));
    // The 401 hint says which credential was used and where it came from.
    assert!(
        out.stderr
            .contains("hint: Okta rejected the SSWS API token from ./okta.yaml"),
        "{}",
        out.stderr
    );

    let mut cmd = bare();
    cmd.current_dir(&dir).args(["list", "--profile", "nope"]);
    let out = run(cmd).await;
    assert_eq!(out.code, 3);
    assert!(
        out.stderr.contains("profile \"nope\" is not defined"),
        "{}",
        out.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_malformed_answer_exits_7() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/eventHooks"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "text/html")
                .set_body_string("<html>captive portal</html>"),
        )
        .mount(&server)
        .await;
    let mut cmd = cli(&server);
    cmd.arg("list");
    let out = run(cmd).await;
    assert_eq!(out.code, 7, "{}", out.stderr);
    assert!(
        out.stderr
            .starts_with("error: could not decode the response (HTTP 200"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("captive portal"));
}

/// An answer over the response cap is not a "retry later" server error: exit 8 with a hint.
#[tokio::test(flavor = "multi_thread")]
async fn an_answer_too_large_to_read_exits_8_not_7() {
    let server = MockServer::start().await;
    let big = format!(
        "[\"{}\"]",
        "x".repeat(okta_eventhooks::DEFAULT_MAX_RESPONSE_BYTES)
    );
    Mock::given(method("GET"))
        .and(path("/api/v1/eventHooks"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(big, "application/json"))
        .expect(1)
        .mount(&server)
        .await;
    let mut cmd = cli(&server);
    cmd.arg("list");
    let out = run(cmd).await;
    assert_eq!(out.code, 8, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("is larger than the limit of 10485760 bytes"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("hint: retrying will not help"),
        "{}",
        out.stderr
    );
}
