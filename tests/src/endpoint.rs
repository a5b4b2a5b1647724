//! A hook endpoint (wiremock) that behaves like a receiver: it answers Okta's verification
//! challenge and acknowledges deliveries, and tells the test what it received.

use serde_json::{Value, json};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// Answers the verification GET with `{"verification": <challenge>}`, as a receiver must.
pub struct Echo;

impl Respond for Echo {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let challenge = request
            .headers
            .get("x-okta-verification-challenge")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        ResponseTemplate::new(200).set_body_json(json!({ "verification": challenge }))
    }
}

/// A hook endpoint that verifies and acknowledges every delivery with 200.
pub async fn endpoint() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(Echo)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    server
}

/// Requests the endpoint received with this method.
pub async fn received(server: &MockServer, verb: &str) -> Vec<Request> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.method.as_str() == verb)
        .collect()
}

/// The envelopes POSTed to an endpoint.
pub async fn envelopes(server: &MockServer) -> Vec<Value> {
    received(server, "POST")
        .await
        .iter()
        .map(|r| r.body_json::<Value>().unwrap())
        .collect()
}
