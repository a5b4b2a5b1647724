//! The org's identity (`GET /.well-known/okta-organization`, issue 20 item 8): sent without the
//! credential, decoded with unknown fields ignored, and served by the emulator with one id per
//! state whatever URL reaches it.

use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use okta_eventhooks_tests::mock_org::*;

#[tokio::test]
async fn org_metadata_is_read_without_the_credential_and_unknown_fields_are_ignored() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/.well-known/okta-organization"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "00o5rb5mt2H3d1TJd0h7",
            "pipeline": "idx",
            "settings": {"analyticsCollectionEnabled": false, "somethingNew": true},
            "_links": {
                "organization": {"href": "https://acme.okta.com"},
                "alternate": {"href": "https://login.acme.com"}
            }
        })))
        .mount(&server)
        .await;
    let metadata = client(&server).org_metadata().await.unwrap();
    assert_eq!(metadata.id.as_deref(), Some("00o5rb5mt2H3d1TJd0h7"));
    let links = metadata.links.unwrap();
    assert_eq!(links["alternate"].href, "https://login.acme.com");
    let request = only_request(&server).await;
    assert!(
        request.headers.get("authorization").is_none(),
        "a public endpoint gets no credential"
    );
}

#[tokio::test]
async fn the_emulator_answers_one_id_whatever_url_reaches_it_and_keeps_it_in_its_state() {
    let dir = okta_eventhooks_tests::scratch::tempdir("org-id");
    let state = dir.join("state.json");
    let emu = okta_eventhooks_tests::emulator::builder()
        .state_file(&state)
        .start("127.0.0.1:0")
        .await
        .unwrap();
    let port = emu.url().rsplit(':').next().unwrap().to_owned();
    let id_at = |url: String| async move {
        okta_eventhooks::Client::builder()
            .org_url(url)
            .api_token("not-needed")
            .build()
            .unwrap()
            .org_metadata()
            .await
            .unwrap()
            .id
            .unwrap()
    };
    let id = id_at(emu.url().to_owned()).await;
    assert!(id.starts_with("00o") && id.len() == 20, "{id}");
    assert_eq!(id_at(format!("http://localhost:{port}")).await, id);
    // Any hook write persists the state; a new emulator on the same state is the same org.
    let client = okta_eventhooks_tests::emulator::client(&emu);
    let hook = okta_eventhooks_tests::fixtures::new_hook(
        "Audit sink",
        "https://hooks.example.com/okta",
        &["user.session.start"],
    );
    client.create_event_hook(&hook).await.unwrap();
    drop(emu);
    let again = okta_eventhooks_tests::emulator::builder()
        .state_file(&state)
        .start("127.0.0.1:0")
        .await
        .unwrap();
    assert_eq!(id_at(again.url().to_owned()).await, id);
    let other = okta_eventhooks_tests::emulator::start().await;
    assert_ne!(id_at(other.url().to_owned()).await, id);
}
