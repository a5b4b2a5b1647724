//! Network set-up: explicit proxy (with secret credentials), extra CA certificates, and a
//! caller-supplied `reqwest::Client`.

use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use okta_eventhooks_tests::fixtures::*;
use okta_eventhooks_tests::mock_org::*;
use okta_eventhooks_tests::secrets::*;

#[tokio::test]
async fn explicit_proxy_receives_the_requests_with_its_credentials() {
    let proxy = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(ACTIVE, "application/json"))
        .mount(&proxy)
        .await;
    // The org is unreachable on purpose: only the proxy can answer.
    let proxy_url = proxy
        .uri()
        .replace("http://", "http://proxyuser:proxy-pass-do-not-leak@");
    let client = okta_eventhooks::Client::builder()
        .org_url("http://127.0.0.1:9")
        .api_token(TOKEN)
        .proxy(proxy_url)
        .build()
        .unwrap();
    client.get_event_hook("who1").await.unwrap();
    let request = only_request(&proxy).await;
    // base64("proxyuser:proxy-pass-do-not-leak")
    assert_eq!(
        header(&request, "proxy-authorization"),
        Some("Basic cHJveHl1c2VyOnByb3h5LXBhc3MtZG8tbm90LWxlYWs=")
    );
    assert_eq!(request.url.path(), "/api/v1/eventHooks/who1");
    assert!(!format!("{client:?}").contains("proxy-pass-do-not-leak"));
}

#[test]
fn extra_ca_certificates_are_checked() {
    let good = include_bytes!("fixtures/test-ca.pem");
    okta_eventhooks::Client::builder()
        .org_url("https://acme.okta.com")
        .api_token(TOKEN)
        .add_root_certificate_pem(good.to_vec())
        .build()
        .unwrap();
    let err = okta_eventhooks::Client::builder()
        .org_url("https://acme.okta.com")
        .api_token(TOKEN)
        .add_root_certificate_pem(
            b"-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n".to_vec(),
        )
        .build()
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("configuration error: an extra CA certificate is not valid PEM"),
        "{err}"
    );
}

#[tokio::test]
async fn a_shared_reqwest_client_is_used_as_given() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_raw("[]", "application/json"))
        .mount(&server)
        .await;
    okta_eventhooks::install_crypto_provider();
    let shared = reqwest::Client::builder()
        .user_agent("shared-client/1")
        .build()
        .unwrap();
    let client = okta_eventhooks::Client::builder()
        .org_url(server.uri())
        .api_token(TOKEN)
        .http_client(shared)
        .build()
        .unwrap();
    client.list_event_hooks().await.unwrap();
    let request = only_request(&server).await;
    assert_eq!(header(&request, "user-agent"), Some("shared-client/1"));
    assert_eq!(
        header(&request, "authorization"),
        Some(format!("SSWS {TOKEN}").as_str())
    );
}

#[test]
fn https_to_a_real_host_needs_no_openssl() {
    // Building the client installs the rustls/ring provider; an https org URL is accepted.
    let client = okta_eventhooks::Client::builder()
        .org_url("https://acme.okta.com/")
        .api_token(TOKEN)
        .build()
        .unwrap();
    assert_eq!(client.org_url(), "https://acme.okta.com");
}
