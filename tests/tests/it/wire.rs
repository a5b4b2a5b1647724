//! Each of the eight operations on the wire: method, path, headers, body, and the typed result.

use okta_eventhooks::open_enums::{EventHookVerificationStatus, LifecycleStatus};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use okta_eventhooks_tests::fixtures::*;
use okta_eventhooks_tests::mock_org::*;
use okta_eventhooks_tests::secrets::*;

const ID: &str = "whokwr4rnwl1qMMuk1d7";

/// Headers every request carries.
fn assert_common_headers(request: &wiremock::Request) {
    assert_eq!(
        header(request, "authorization"),
        Some(format!("SSWS {TOKEN}").as_str())
    );
    assert_eq!(header(request, "accept"), Some("application/json"));
    assert!(
        header(request, "api-version").is_none(),
        "progenitor's api-version header must be removed"
    );
    let ua = header(request, "user-agent").unwrap();
    assert_eq!(ua, okta_eventhooks::user_agent());
    let parts: Vec<&str> = ua.split(' ').collect();
    assert!(parts[0].starts_with("okta-eventhooks-rust/0."), "{ua}");
    assert!(parts[1].starts_with("rust/1."), "{ua}");
    assert_eq!(
        parts[2],
        format!("{}/{}", std::env::consts::OS, std::env::consts::ARCH)
    );
}

async fn mount(server: &MockServer, verb: &str, p: &str, response: ResponseTemplate) {
    Mock::given(method(verb))
        .and(path(p))
        .respond_with(response)
        .expect(1)
        .mount(server)
        .await;
}

fn ok_json(body: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(body.as_bytes().to_vec(), "application/json")
}

#[tokio::test]
async fn list_event_hooks() {
    let server = MockServer::start().await;
    let body = format!("[{ACTIVE},{INACTIVE_FILTERED}]");
    mount(&server, "GET", "/api/v1/eventHooks", ok_json(&body)).await;
    let hooks = client(&server).list_event_hooks().await.unwrap();
    assert_eq!(hooks.len(), 2);
    assert_eq!(hooks[0].status, Some(LifecycleStatus::Active));
    assert_eq!(hooks[1].status, Some(LifecycleStatus::Inactive));
    let request = only_request(&server).await;
    assert_common_headers(&request);
    assert!(request.body.is_empty());
    assert!(header(&request, "content-type").is_none());
}

#[tokio::test]
async fn get_event_hook() {
    let server = MockServer::start().await;
    mount(
        &server,
        "GET",
        &format!("/api/v1/eventHooks/{ID}"),
        ok_json(ACTIVE),
    )
    .await;
    let hook = client(&server).get_event_hook(ID).await.unwrap();
    assert_eq!(hook.id.as_deref(), Some(ID));
    assert_eq!(hook.name, "Audit sink");
    assert_eq!(
        hook.verification_status,
        Some(EventHookVerificationStatus::Verified)
    );
    assert_eq!(hook.channel.config.method.as_deref(), Some("POST"));
    assert!(
        hook.auth_secret_missing(),
        "Okta never returns authScheme.value"
    );
    let links = hook.links.unwrap();
    assert_eq!(
        links.keys().collect::<Vec<_>>(),
        ["deactivate", "self", "verify"]
    );
    assert_common_headers(&only_request(&server).await);
}

#[tokio::test]
async fn get_encodes_the_id_into_one_path_segment() {
    let server = MockServer::start().await;
    mount(
        &server,
        "GET",
        "/api/v1/eventHooks/a%2Fb%3Fc",
        ok_json(ACTIVE),
    )
    .await;
    client(&server).get_event_hook("a/b?c").await.unwrap();
}

#[tokio::test]
async fn create_event_hook_sends_only_writable_fields() {
    let server = MockServer::start().await;
    mount(&server, "POST", "/api/v1/eventHooks", ok_json(ACTIVE)).await;
    // Start from a full server response (read-only fields set) to prove they are stripped.
    let mut hook: okta_eventhooks::EventHook = serde_json::from_str(INACTIVE_FILTERED).unwrap();
    hook.name = "Audit sink".into();
    hook.channel = sample_hook().channel;
    let created = client(&server).create_event_hook(&hook).await.unwrap();
    assert_eq!(created.id.as_deref(), Some(ID));

    let request = only_request(&server).await;
    assert_common_headers(&request);
    assert_eq!(header(&request, "content-type"), Some("application/json"));
    let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(
        body,
        json!({
            "name": "Audit sink",
            "description": "Group membership changes for Sales",
            "events": {
                "type": "EVENT_TYPE",
                "items": ["group.user_membership.remove", "group.user_membership.add"],
                "filter": {"eventFilterMap": [{
                    "event": "group.user_membership.add",
                    "condition": {"expression": "event.target.?[type eq 'UserGroup'].size()>0 && event.target.?[displayName eq 'Sales'].size()>0"}
                }]}
            },
            "channel": {
                "type": "HTTP",
                "version": "1.0.0",
                "config": {
                    "uri": "https://hooks.example.com/okta",
                    "headers": [{"key": "X-Api-Key", "value": HEADER_SECRET}],
                    "authScheme": {"type": "HEADER", "key": "Authorization", "value": HOOK_SECRET}
                }
            }
        })
    );
}

#[tokio::test]
async fn replace_event_hook() {
    let server = MockServer::start().await;
    mount(
        &server,
        "PUT",
        &format!("/api/v1/eventHooks/{ID}"),
        ok_json(ACTIVE),
    )
    .await;
    let mut hook: okta_eventhooks::EventHook = serde_json::from_str(ACTIVE).unwrap();
    hook.description = Some("new".into());
    hook.set_auth_secret(HOOK_SECRET).unwrap();
    let replaced = client(&server).replace_event_hook(ID, &hook).await.unwrap();
    assert_eq!(replaced.id.as_deref(), Some(ID));

    let request = only_request(&server).await;
    assert_common_headers(&request);
    assert_eq!(header(&request, "content-type"), Some("application/json"));
    let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(
        crate::spec::read_only_fields_in(&body),
        std::collections::BTreeSet::new(),
        "read-only fields must not be sent"
    );
    assert_eq!(body["description"], "new");
    assert_eq!(
        body["channel"]["config"]["authScheme"]["value"],
        HOOK_SECRET
    );
    assert_eq!(
        body["events"]["items"],
        json!(["user.lifecycle.create", "user.session.start"])
    );
}

#[tokio::test]
async fn delete_event_hook() {
    let server = MockServer::start().await;
    mount(
        &server,
        "DELETE",
        &format!("/api/v1/eventHooks/{ID}"),
        ResponseTemplate::new(204),
    )
    .await;
    client(&server).delete_event_hook(ID).await.unwrap();
    let request = only_request(&server).await;
    assert_common_headers(&request);
    assert!(request.body.is_empty());
}

async fn lifecycle(
    action: &str,
    response: &str,
) -> (okta_eventhooks::EventHook, wiremock::Request) {
    let server = MockServer::start().await;
    mount(
        &server,
        "POST",
        &format!("/api/v1/eventHooks/{ID}/lifecycle/{action}"),
        ok_json(response),
    )
    .await;
    let client = client(&server);
    let hook = match action {
        "activate" => client.activate_event_hook(ID).await,
        "deactivate" => client.deactivate_event_hook(ID).await,
        "verify" => client.verify_event_hook(ID).await,
        _ => unreachable!(),
    }
    .unwrap();
    let request = only_request(&server).await;
    assert_common_headers(&request);
    // Okta answers 411 to a body-less POST without Content-Length.
    assert_eq!(header(&request, "content-length"), Some("0"));
    assert!(request.body.is_empty());
    (hook, request)
}

#[tokio::test]
async fn activate_event_hook() {
    let (hook, _) = lifecycle("activate", ACTIVE).await;
    assert_eq!(hook.status, Some(LifecycleStatus::Active));
}

#[tokio::test]
async fn deactivate_event_hook() {
    let (hook, _) = lifecycle("deactivate", INACTIVE_FILTERED).await;
    assert_eq!(hook.status, Some(LifecycleStatus::Inactive));
    let links = hook.links.unwrap();
    assert_eq!(
        links.keys().collect::<Vec<_>>(),
        ["activate", "delete", "self"]
    );
}

#[tokio::test]
async fn verify_event_hook() {
    let (hook, _) = lifecycle("verify", ACTIVE).await;
    assert_eq!(
        hook.verification_status,
        Some(EventHookVerificationStatus::Verified)
    );
}

#[tokio::test]
async fn user_agent_suffix_is_appended() {
    let server = MockServer::start().await;
    mount(&server, "GET", "/api/v1/eventHooks", ok_json("[]")).await;
    let client = builder(&server)
        .user_agent_extra("my-app/1.2")
        .build()
        .unwrap();
    assert!(client.list_event_hooks().await.unwrap().is_empty());
    let request = only_request(&server).await;
    assert!(
        header(&request, "user-agent")
            .unwrap()
            .ends_with(" my-app/1.2")
    );
}

#[tokio::test]
async fn bearer_token_is_sent_as_bearer() {
    let server = MockServer::start().await;
    mount(&server, "GET", "/api/v1/eventHooks", ok_json("[]")).await;
    let client = okta_eventhooks::Client::builder()
        .org_url(server.uri())
        .bearer_token("abc.def")
        .build()
        .unwrap();
    client.list_event_hooks().await.unwrap();
    assert_eq!(
        header(&only_request(&server).await, "authorization"),
        Some("Bearer abc.def")
    );
}

#[tokio::test]
async fn invalid_input_sends_nothing() {
    let server = MockServer::start().await;
    let client = client(&server);
    let err = client.get_event_hook("  ").await.unwrap_err();
    assert!(
        matches!(err, okta_eventhooks::Error::InvalidInput(_)),
        "{err}"
    );
    let mut hook = sample_hook();
    hook.name = String::new();
    let err = client.create_event_hook(&hook).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid input: name: The field cannot be left blank"
    );
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn response_bodies_are_kept_byte_for_byte_only_when_asked() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/api/v1/eventHooks/{ID}")))
        .respond_with(ok_json(ACTIVE))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/eventHooks/missing"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    let client = client(&server);
    let raw = okta_eventhooks::keep_response_bodies(async {
        client.get_event_hook(ID).await.unwrap();
        // A failed call does not replace the last successful body.
        client.get_event_hook("missing").await.unwrap_err();
        okta_eventhooks::last_response_body()
    })
    .await
    .unwrap();
    // Exactly Okta's bytes: key order, `"description": null`, `"filter": null` and all.
    assert_eq!(&raw[..], ACTIVE.as_bytes());
    client.get_event_hook(ID).await.unwrap();
    assert!(
        okta_eventhooks::last_response_body().is_none(),
        "nothing is kept outside the scope"
    );
}
