//! OAuth 2.0 `private_key_jwt` over real HTTP: assertion checked by a verifying token
//! endpoint, token caching and refresh, 401 re-authentication, secrets never printed.

use std::sync::atomic::Ordering;
use std::time::Duration;

use okta_eventhooks::{Client, ClientBuilder, Credentials, PrivateKeyCredentials};
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::auth_server::{CLIENT_ID, KID, TestKey, TokenEndpoint, oauth_error};

const HOOKS: &str = "/api/v1/eventHooks";

fn oauth_builder(server: &MockServer, key: &TestKey) -> ClientBuilder {
    Client::builder()
        .org_url(server.uri())
        .client_id(CLIENT_ID)
        .private_key(key.private.as_str())
        .key_id(KID)
        .sleep_with(|_| async {})
}

async fn list_ok_for(server: &MockServer, authorization: &str) {
    Mock::given(method("GET"))
        .and(path(HOOKS))
        .and(header("authorization", authorization))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(server)
        .await;
}

/// `Authorization` headers the API (not the token endpoint) received, in order.
async fn api_authorizations(server: &MockServer) -> Vec<String> {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path().starts_with("/api/"))
        .map(|r| {
            r.headers
                .get("authorization")
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_default()
        })
        .collect()
}

#[tokio::test]
async fn rsa_pkcs1_assertion_is_verified_and_the_token_is_used() {
    let server = MockServer::start().await;
    let key = TestKey::rsa();
    let endpoint = TokenEndpoint::new(&server, &key).mount(&server).await;
    list_ok_for(&server, "Bearer tok-1").await;

    let client = oauth_builder(&server, &key).build().unwrap();
    assert_eq!(client.list_event_hooks().await.unwrap().len(), 0);

    assert_eq!(endpoint.failures(), Vec::<String>::new());
    assert_eq!(endpoint.issued.load(Ordering::SeqCst), 1);
    assert_eq!(api_authorizations(&server).await, ["Bearer tok-1"]);
}

#[tokio::test]
async fn ec_keys_in_pkcs8_sec1_and_jwk_form_sign_verifiable_assertions() {
    for (name, key, kid) in [
        ("ES256 PKCS#8", TestKey::es256(), Some(KID)),
        ("ES384 SEC1", TestKey::es384_sec1(), Some(KID)),
        // The JWK's own kid is used when none is configured.
        ("ES256 JWK", TestKey::es256_jwk("jwk-kid"), None),
    ] {
        let server = MockServer::start().await;
        let mut endpoint = TokenEndpoint::new(&server, &key);
        endpoint.kid = Some(kid.unwrap_or("jwk-kid").into());
        endpoint.scope = "okta.eventHooks.read".into();
        let endpoint = endpoint.mount(&server).await;
        list_ok_for(&server, "Bearer tok-1").await;

        let mut creds = PrivateKeyCredentials::new(CLIENT_ID, key.private.as_str())
            .scopes(["okta.eventHooks.read"]);
        if let Some(kid) = kid {
            creds = creds.key_id(kid);
        }
        let client = Client::builder()
            .org_url(server.uri())
            .credentials(Credentials::PrivateKey(creds))
            .build()
            .unwrap();
        client.list_event_hooks().await.unwrap();
        assert_eq!(endpoint.failures(), Vec::<String>::new(), "{name}");
        assert_eq!(endpoint.issued.load(Ordering::SeqCst), 1, "{name}");
    }
}

#[tokio::test]
async fn a_wrong_key_is_refused_by_the_verifying_endpoint() {
    // Proves the endpoint really verifies: a key the server does not know fails.
    let server = MockServer::start().await;
    let registered = TestKey::es256();
    let endpoint = TokenEndpoint::new(&server, &registered)
        .mount(&server)
        .await;
    let other = TestKey::es256();
    let client = oauth_builder(&server, &other).build().unwrap();
    let err = client.list_event_hooks().await.unwrap_err();
    assert_eq!(err.status(), Some(401));
    assert_eq!(err.okta_error_code(), Some("invalid_client"));
    assert!(
        err.to_string().contains("OAuth token request was refused"),
        "{err}"
    );
    assert_eq!(endpoint.failures().len(), 1);
    assert!(
        api_authorizations(&server).await.is_empty(),
        "no API call without a token"
    );
}

#[tokio::test]
async fn concurrent_calls_share_exactly_one_token_request() {
    let server = MockServer::start().await;
    let key = TestKey::es256();
    let mut endpoint = TokenEndpoint::new(&server, &key);
    // Slow enough that every call is waiting while the one request is in flight.
    endpoint.delay = Duration::from_millis(200);
    let endpoint = endpoint.mount(&server).await;
    list_ok_for(&server, "Bearer tok-1").await;

    let client = oauth_builder(&server, &key).build().unwrap();
    let calls: Vec<_> = (0..16)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.list_event_hooks().await })
        })
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }
    assert_eq!(endpoint.requests.load(Ordering::SeqCst), 1);
    assert_eq!(endpoint.failures(), Vec::<String>::new());
    assert_eq!(api_authorizations(&server).await.len(), 16);
    // A later call still uses the cached token.
    client.list_event_hooks().await.unwrap();
    assert_eq!(endpoint.requests.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn concurrent_refreshes_of_a_stale_token_make_one_request() {
    let server = MockServer::start().await;
    let key = TestKey::es256();
    let mut endpoint = TokenEndpoint::new(&server, &key);
    // Every token is inside the renewal offset as soon as it arrives: each call wants a new
    // one, yet concurrent callers share a single refresh.
    endpoint.expires_in = 200;
    endpoint.delay = Duration::from_millis(200);
    let endpoint = endpoint.mount(&server).await;
    Mock::given(method("GET"))
        .and(path(HOOKS))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&server)
        .await;
    let client = oauth_builder(&server, &key)
        .token_renewal_offset(Duration::from_secs(300))
        .build()
        .unwrap();
    for round in 1..=2 {
        let calls: Vec<_> = (0..8)
            .map(|_| {
                let client = client.clone();
                tokio::spawn(async move { client.list_event_hooks().await })
            })
            .collect();
        for call in calls {
            call.await.unwrap().unwrap();
        }
        assert_eq!(
            endpoint.requests.load(Ordering::SeqCst),
            round,
            "round {round}"
        );
    }
    assert_eq!(endpoint.failures(), Vec::<String>::new());
}

#[tokio::test]
async fn the_token_is_refreshed_ahead_of_expiry() {
    let server = MockServer::start().await;
    let key = TestKey::es256();
    let mut endpoint = TokenEndpoint::new(&server, &key);
    // Valid for 200 s, but inside the 300 s renewal offset: replaced before every use.
    endpoint.expires_in = 200;
    let endpoint = endpoint.mount(&server).await;
    list_ok_for(&server, "Bearer tok-1").await;
    list_ok_for(&server, "Bearer tok-2").await;

    let client = oauth_builder(&server, &key)
        .token_renewal_offset(Duration::from_secs(300))
        .build()
        .unwrap();
    client.list_event_hooks().await.unwrap();
    client.list_event_hooks().await.unwrap();
    assert_eq!(
        api_authorizations(&server).await,
        ["Bearer tok-1", "Bearer tok-2"]
    );

    // The same lifetime with a smaller offset is still fresh: no refresh.
    let server = MockServer::start().await;
    let mut endpoint2 = TokenEndpoint::new(&server, &key);
    endpoint2.expires_in = 200;
    let endpoint2 = endpoint2.mount(&server).await;
    list_ok_for(&server, "Bearer tok-1").await;
    let client = oauth_builder(&server, &key)
        .token_renewal_offset(Duration::from_secs(100))
        .build()
        .unwrap();
    client.list_event_hooks().await.unwrap();
    client.list_event_hooks().await.unwrap();
    assert_eq!(endpoint2.issued.load(Ordering::SeqCst), 1);
    assert_eq!(endpoint.failures(), Vec::<String>::new());
}

fn invalid_token() -> ResponseTemplate {
    ResponseTemplate::new(401)
        .insert_header("WWW-Authenticate", "Bearer error=\"invalid_token\"")
        .set_body_json(json!({
            "errorCode": "E0000011",
            "errorSummary": "Invalid token provided",
            "errorCauses": []
        }))
}

#[tokio::test]
async fn a_401_clears_the_token_and_the_call_is_sent_once_more() {
    let server = MockServer::start().await;
    let key = TestKey::es256();
    let endpoint = TokenEndpoint::new(&server, &key).mount(&server).await;
    // tok-1 was revoked; tok-2 works. Also for a POST that is never retried otherwise.
    Mock::given(header("authorization", "Bearer tok-1"))
        .respond_with(invalid_token())
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{HOOKS}/who1/lifecycle/verify")))
        .and(header("authorization", "Bearer tok-2"))
        .respond_with(
            ResponseTemplate::new(200).set_body_string(okta_eventhooks_tests::fixtures::ACTIVE),
        )
        .mount(&server)
        .await;

    let client = oauth_builder(&server, &key).max_retries(0).build().unwrap();
    client.verify_event_hook("who1").await.unwrap();
    assert_eq!(
        api_authorizations(&server).await,
        ["Bearer tok-1", "Bearer tok-2"]
    );
    assert_eq!(endpoint.issued.load(Ordering::SeqCst), 2);
    assert_eq!(endpoint.failures(), Vec::<String>::new());
}

#[tokio::test]
async fn a_persistent_401_is_returned_after_one_reauthentication() {
    let server = MockServer::start().await;
    let key = TestKey::es256();
    let endpoint = TokenEndpoint::new(&server, &key).mount(&server).await;
    Mock::given(method("GET"))
        .respond_with(invalid_token())
        .mount(&server)
        .await;
    let client = oauth_builder(&server, &key).build().unwrap();
    let err = client.list_event_hooks().await.unwrap_err();
    assert!(err.is_unauthorized(), "{err}");
    assert_eq!(err.okta_error_code(), Some("E0000011"));
    assert_eq!(
        api_authorizations(&server).await,
        ["Bearer tok-1", "Bearer tok-2"]
    );
    assert_eq!(endpoint.issued.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_static_token_401_is_not_resent() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(invalid_token())
        .mount(&server)
        .await;
    let client = okta_eventhooks_tests::mock_org::client(&server);
    assert!(
        client
            .list_event_hooks()
            .await
            .unwrap_err()
            .is_unauthorized()
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn token_endpoint_refusals_and_garbage_are_clear_errors() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth2/v1/token"))
        .respond_with(oauth_error(
            400,
            "invalid_scope",
            "The following scopes are not allowed: [okta.eventHooks.manage]",
        ))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth2/v1/token"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{\"access_token\":"))
        .mount(&server)
        .await;
    let key = TestKey::es256();
    let client = oauth_builder(&server, &key).build().unwrap();
    let err = client.list_event_hooks().await.unwrap_err();
    assert_eq!(err.status(), Some(400));
    assert_eq!(err.okta_error_code(), Some("invalid_scope"));
    assert!(err.to_string().contains("scopes are not allowed"), "{err}");

    let err = client.list_event_hooks().await.unwrap_err().to_string();
    assert!(err.contains("token response is not valid JSON"), "{err}");
}

#[tokio::test]
async fn builder_checks_oauth_settings_before_sending() {
    let key = TestKey::es256();
    let base = || Client::builder().org_url("https://acme.okta.com");
    let cases: Vec<(ClientBuilder, &str)> = vec![
        (base().client_id(CLIENT_ID), "needs a private key"),
        (
            base().private_key(key.private.as_str()),
            "needs a client id",
        ),
        (
            base().client_id(CLIENT_ID).private_key("garbage"),
            "private key is not usable",
        ),
        (
            base()
                .api_token("00abc")
                .client_id(CLIENT_ID)
                .private_key(key.private.as_str()),
            "conflicting credentials",
        ),
        (
            base()
                .client_id(CLIENT_ID)
                .private_key(key.private.as_str())
                .scopes([" "]),
            "no OAuth scopes",
        ),
    ];
    for (builder, want) in cases {
        let err = builder.build().unwrap_err();
        assert!(err.is_local() && err.to_string().contains(want), "{err}");
        let key_body = key.private.lines().nth(1).unwrap();
        assert!(!err.to_string().contains(key_body), "{err}");
    }
}

#[tokio::test]
async fn keys_tokens_and_assertions_never_show_in_debug_or_errors() {
    let server = MockServer::start().await;
    let key = TestKey::rsa();
    TokenEndpoint::new(&server, &key).mount(&server).await;
    list_ok_for(&server, "Bearer tok-1").await;
    Mock::given(method("GET"))
        .and(path(format!("{HOOKS}/missing")))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({
            "errorCode": "E0000007", "errorSummary": "Not found"
        })))
        .mount(&server)
        .await;
    let builder = oauth_builder(&server, &key);
    let builder_debug = format!("{builder:?}");
    let client = builder.build().unwrap();
    client.list_event_hooks().await.unwrap();
    let err = client.get_event_hook("missing").await.unwrap_err();

    let assertion = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .find(|r| r.url.path() == "/oauth2/v1/token")
        .map(|r| {
            url::form_urlencoded::parse(&r.body)
                .find(|(k, _)| k == "client_assertion")
                .unwrap()
                .1
                .into_owned()
        })
        .unwrap();
    let key_body = key.private.lines().nth(1).unwrap();
    let creds =
        Credentials::PrivateKey(PrivateKeyCredentials::new(CLIENT_ID, key.private.as_str()));
    for shown in [
        builder_debug,
        format!("{client:?}"),
        format!("{err:?}"),
        err.to_string(),
        format!("{creds:?}"),
    ] {
        assert!(!shown.contains(key_body), "key leaked: {shown}");
        assert!(!shown.contains("tok-1"), "token leaked: {shown}");
        assert!(
            !shown.contains(&assertion[..40]),
            "assertion leaked: {shown}"
        );
    }
}

#[tokio::test]
async fn token_endpoint_rate_limits_and_outages_are_retried_like_api_calls() {
    let server = MockServer::start().await;
    let key = TestKey::es256();
    let endpoint = TokenEndpoint::new(&server, &key).mount(&server).await;
    for status in [503, 429] {
        Mock::given(method("POST"))
            .and(path("/oauth2/v1/token"))
            .respond_with(ResponseTemplate::new(status))
            .up_to_n_times(1)
            .with_priority(1)
            .mount(&server)
            .await;
    }
    list_ok_for(&server, "Bearer tok-1").await;
    let waits = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let recorded = waits.clone();
    let client = oauth_builder(&server, &key)
        .sleep_with(move |wait| {
            recorded.lock().unwrap().push(wait);
            async {}
        })
        .build()
        .unwrap();
    client.list_event_hooks().await.unwrap();
    let token_requests = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == "/oauth2/v1/token")
        .count();
    assert_eq!(token_requests, 3);
    assert_eq!(waits.lock().unwrap().len(), 2);
    // Every retry re-signed the assertion (the endpoint refuses a reused jti).
    assert_eq!(endpoint.failures(), Vec::<String>::new());

    // With retries off, the 429 is the call's error.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth2/v1/token"))
        .respond_with(ResponseTemplate::new(429).insert_header("x-okta-request-id", "reqTok"))
        .mount(&server)
        .await;
    let client = oauth_builder(&server, &key).max_retries(0).build().unwrap();
    let err = client.list_event_hooks().await.unwrap_err();
    assert!(err.is_rate_limited(), "{err}");
    assert_eq!(err.request_id(), Some("reqTok"));
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}
