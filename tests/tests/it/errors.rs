//! Error answers map to the right variant, with Okta's error object and request id.

use okta_eventhooks::Error;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use okta_eventhooks_tests::fixtures::okta_error;
use okta_eventhooks_tests::mock_org::{builder, client};
use okta_eventhooks_tests::secrets::TOKEN;

async fn get_with(response: ResponseTemplate) -> Error {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/eventHooks/who1"))
        .respond_with(response)
        .mount(&server)
        .await;
    builder(&server)
        .max_retries(0)
        .build()
        .unwrap()
        .get_event_hook("who1")
        .await
        .unwrap_err()
}

#[tokio::test]
async fn not_found_404_reads_like_okta() {
    let err = get_with(
        ResponseTemplate::new(404)
            .set_body_json(okta_error(
                "E0000007",
                "Not found: Resource not found: who1 (Webhook)",
                &[],
            ))
            .insert_header("x-okta-request-id", "reqABC"),
    )
    .await;
    assert!(err.is_not_found());
    assert_eq!(err.okta_error_code(), Some("E0000007"));
    assert_eq!(err.request_id(), Some("reqABC"));
    assert_eq!(
        err.to_string(),
        "E0000007 Not found: Resource not found: who1 (Webhook) (HTTP 404, request id reqABC)"
    );
    let api = err.api_error().unwrap();
    assert_eq!(
        api.error.as_ref().unwrap().error_id.as_deref(),
        Some("oaeEtd4rIIYRoqo6aPGIUJnjg")
    );
}

#[tokio::test]
async fn validation_400_carries_error_causes() {
    let server = MockServer::start().await;
    let body = okta_error(
        "E0000001",
        "Api validation failed: eventHook",
        &["Unable to verify event hook. Hook Audit sink execution failed"],
    );
    Mock::given(method("POST"))
        .and(path("/api/v1/eventHooks/who1/lifecycle/verify"))
        .respond_with(ResponseTemplate::new(400).set_body_json(body))
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server).verify_event_hook("who1").await.unwrap_err();
    assert_eq!(err.status(), Some(400));
    assert_eq!(
        err.error_causes(),
        ["Unable to verify event hook. Hook Audit sink execution failed"]
    );
    assert_eq!(
        err.to_string(),
        "E0000001 Api validation failed: eventHook; Unable to verify event hook. Hook Audit sink execution failed (HTTP 400)"
    );
}

#[tokio::test]
async fn unauthorized_401() {
    let err = get_with(ResponseTemplate::new(401).set_body_json(okta_error(
        "E0000011",
        "Invalid token provided",
        &[],
    )))
    .await;
    assert!(err.is_unauthorized());
    assert_eq!(err.okta_error_code(), Some("E0000011"));
    assert!(!err.to_string().contains(TOKEN));
}

#[tokio::test]
async fn invalid_session_403_is_told_apart_from_a_wrong_token_and_a_missing_scope() {
    let session = get_with(ResponseTemplate::new(403).set_body_json(okta_error(
        "E0000005",
        "Invalid session",
        &[],
    )))
    .await;
    assert!(session.is_invalid_session() && session.is_forbidden());
    assert!(!session.is_unauthorized());
    let hint = session.auth_hint().unwrap();
    assert!(hint.contains("no Authorization header"), "{hint}");
    assert!(hint.contains("proxy"), "{hint}");

    let token = get_with(ResponseTemplate::new(401).set_body_json(okta_error(
        "E0000011",
        "Invalid token provided",
        &[],
    )))
    .await;
    assert!(!token.is_invalid_session());
    assert!(token.auth_hint().unwrap().contains("rejected the token"));

    let scope = get_with(ResponseTemplate::new(403).set_body_json(okta_error(
        "E0000006",
        "You do not have permission to perform the requested action",
        &[],
    )))
    .await;
    assert!(!scope.is_invalid_session() && scope.is_forbidden());
    assert!(
        scope
            .auth_hint()
            .unwrap()
            .contains("okta.eventHooks.manage")
    );

    let other = get_with(ResponseTemplate::new(404).set_body_json(okta_error(
        "E0000007",
        "Not found",
        &[],
    )))
    .await;
    assert_eq!(other.auth_hint(), None);
}

#[tokio::test]
async fn forbidden_403() {
    let err = get_with(ResponseTemplate::new(403).set_body_json(okta_error(
        "E0000006",
        "You do not have permission to perform the requested action",
        &[],
    )))
    .await;
    assert!(err.is_forbidden());
    assert_eq!(err.okta_error_code(), Some("E0000006"));
}

#[tokio::test]
async fn rate_limited_429_without_retries() {
    let err = get_with(
        ResponseTemplate::new(429)
            .set_body_json(okta_error(
                "E0000047",
                "API call exceeded rate limit due to too many requests.",
                &[],
            ))
            .insert_header("x-rate-limit-limit", "100")
            .insert_header("x-rate-limit-remaining", "0")
            .insert_header("x-rate-limit-reset", "1795000000"),
    )
    .await;
    assert!(err.is_rate_limited());
    assert!(err.is_transient());
    let api = err.api_error().unwrap();
    assert_eq!(api.rate_limit.remaining, Some(0));
    assert_eq!(api.rate_limit.reset.unwrap().timestamp(), 1_795_000_000);
    assert!(err.to_string().contains("rate limit resets at"), "{err}");
}

#[tokio::test]
async fn non_json_502_is_an_api_error_with_the_body() {
    let err = get_with(
        ResponseTemplate::new(502).set_body_raw(b"<html>Bad Gateway</html>".to_vec(), "text/html"),
    )
    .await;
    assert_eq!(err.status(), Some(502));
    assert_eq!(err.okta_error_code(), None);
    assert!(err.is_transient());
    assert_eq!(
        err.to_string(),
        "Bad Gateway: \"<html>Bad Gateway</html>\" (HTTP 502)"
    );
}

#[tokio::test]
async fn undocumented_500_with_okta_body_is_decoded() {
    let err = get_with(ResponseTemplate::new(500).set_body_json(okta_error(
        "E0000009",
        "Internal Server Error",
        &[],
    )))
    .await;
    assert_eq!(err.okta_error_code(), Some("E0000009"));
    assert_eq!(err.status(), Some(500));
}

#[tokio::test]
async fn invalid_json_200_is_a_decode_error() {
    let err = get_with(
        ResponseTemplate::new(200)
            .set_body_raw(b"{\"id\": \"who1\", oops".to_vec(), "application/json"),
    )
    .await;
    match &err {
        Error::Decode { excerpt, .. } => {
            assert!(excerpt.starts_with("{\"id\": \"who1\""), "{excerpt}")
        }
        other => panic!("expected Decode, got {other:?}"),
    }
}

#[tokio::test]
async fn empty_200_is_a_decode_error() {
    let err = get_with(ResponseTemplate::new(200)).await;
    assert!(
        matches!(&err, Error::Decode { message, .. } if message == "the body is empty"),
        "{err:?}"
    );
}

#[tokio::test]
async fn error_status_with_non_okta_json_is_still_an_api_error() {
    let err =
        get_with(ResponseTemplate::new(404).set_body_raw(b"not json".to_vec(), "text/plain")).await;
    assert!(err.is_not_found(), "{err:?}");
}

#[tokio::test]
async fn wrong_shape_200_is_a_decode_error() {
    let err = get_with(ResponseTemplate::new(200).set_body_json(json!({"name": 42}))).await;
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
}
