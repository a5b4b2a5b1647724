//! Error lines, hints and exit codes.

use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

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
