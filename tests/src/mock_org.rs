//! The SDK aimed at a wiremock server standing in for an Okta org, and what it received.

use chrono::{TimeZone, Utc};
use okta_eventhooks::{Client, ClientBuilder};
use serde_json::json;
use wiremock::{MockServer, ResponseTemplate};

use crate::secrets::TOKEN;

/// A builder aimed at the mock server, with retry waits recorded instead of slept.
pub fn builder(server: &MockServer) -> ClientBuilder {
    Client::builder()
        .org_url(server.uri())
        .api_token(TOKEN)
        .sleep_with(|_| async {})
}

/// [`builder`], built.
pub fn client(server: &MockServer) -> Client {
    builder(server).build().unwrap()
}

/// The one request the server received.
pub async fn only_request(server: &MockServer) -> wiremock::Request {
    let mut requests = server.received_requests().await.unwrap();
    assert_eq!(
        requests.len(),
        1,
        "expected exactly one request, got {}",
        requests.len()
    );
    requests.remove(0)
}

/// A request header as text.
pub fn header<'a>(request: &'a wiremock::Request, name: &str) -> Option<&'a str> {
    request.headers.get(name).map(|v| v.to_str().unwrap())
}

/// A 429 as Okta sends it: a `Date` (2026-11-26 13:00:00 UTC), a limit of `limit` per
/// window, nothing remaining, the reset `reset_in` seconds after that date, the request id
/// `request_id`, and Okta's error body.
pub fn rate_limited(limit: u32, reset_in: i64, request_id: &str) -> ResponseTemplate {
    let date = Utc.with_ymd_and_hms(2026, 11, 26, 13, 0, 0).unwrap();
    ResponseTemplate::new(429)
        .insert_header("date", date.format("%a, %d %b %Y %H:%M:%S GMT").to_string())
        .insert_header("x-rate-limit-limit", limit.to_string())
        .insert_header("x-rate-limit-remaining", "0")
        .insert_header("x-rate-limit-reset", (date.timestamp() + reset_in).to_string())
        .insert_header("x-okta-request-id", request_id)
        .set_body_json(json!({"errorCode": "E0000047", "errorSummary": "API call exceeded rate limit due to too many requests."}))
}
