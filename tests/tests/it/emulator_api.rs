//! The emulator's `/api/v1/eventHooks` semantics, through the SDK and on the wire.

use std::time::Duration;

use okta_eventhooks::{
    Channel, Error, EventHook, EventHookVerificationStatus, Events, LifecycleStatus,
};
use okta_eventhooks_emulator::{ControlClient, Emulator, Faults};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use okta_eventhooks_tests::emulator::*;
use okta_eventhooks_tests::endpoint::*;
use okta_eventhooks_tests::fixtures::new_hook;
use okta_eventhooks_tests::http;
use okta_eventhooks_tests::secrets::*;

#[tokio::test]
async fn sdk_runs_the_eight_operations() {
    let emu = start().await;
    let client = client(&emu);
    let endpoint = endpoint().await;
    let hook = EventHook::builder("Audit forwarder")
        .description("forwards audit events")
        .channel(
            Channel::https(endpoint.uri())
                .unwrap()
                .auth_header("Authorization", "s3cret")
                .header("X-Tenant", "acme"),
        )
        .events(
            Events::types(["user.session.start", "group.user_membership.add"])
                .filter("user.session.start", "event.outcome.result eq 'SUCCESS'"),
        )
        .build()
        .unwrap();

    assert!(client.list_event_hooks().await.unwrap().is_empty());
    let created = client.create_event_hook(&hook).await.unwrap();
    let id = created.id.clone().unwrap();
    assert_eq!(id.len(), 20);
    assert!(id.starts_with("who"));
    assert_eq!(created.status, Some(LifecycleStatus::Active));
    assert_eq!(
        created.verification_status,
        Some(EventHookVerificationStatus::Unverified)
    );
    assert_eq!(
        created.description.as_deref(),
        Some("forwards audit events")
    );
    assert!(created.created_by.as_deref().unwrap().starts_with("00u"));
    assert_eq!(created.created, created.last_updated);
    assert_eq!(created.channel.config.method.as_deref(), Some("POST"));
    assert_eq!(created.channel.config.headers.len(), 1);
    let scheme = created.channel.config.auth_scheme.clone().unwrap();
    assert_eq!(scheme.key.as_deref(), Some("Authorization"));
    assert!(scheme.value.is_none(), "the secret is write-only");
    let filter = created.events.filter.clone().unwrap();
    assert_eq!(filter.type_.as_deref(), Some("EXPRESSION_LANGUAGE"));
    assert_eq!(
        filter.event_filter_map[0]
            .condition
            .as_ref()
            .unwrap()
            .expression
            .as_deref(),
        Some("event.outcome.result eq 'SUCCESS'")
    );

    let listed = client.list_event_hooks().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id.as_deref(), Some(id.as_str()));
    assert_eq!(client.get_event_hook(&id).await.unwrap(), created);

    let verified = client.verify_event_hook(&id).await.unwrap();
    assert_eq!(
        verified.verification_status,
        Some(EventHookVerificationStatus::Verified)
    );

    // Same channel (secret given again), new name: stays verified.
    let mut renamed = verified.clone();
    renamed.name = "Audit forwarder v2".into();
    renamed.set_auth_secret("s3cret").unwrap();
    let replaced = client.replace_event_hook(&id, &renamed).await.unwrap();
    assert_eq!(replaced.name, "Audit forwarder v2");
    assert_eq!(
        replaced.verification_status,
        Some(EventHookVerificationStatus::Verified)
    );
    assert_eq!(replaced.created, created.created);

    // New URI: verification resets.
    let mut moved = replaced.clone();
    moved.channel.config.uri = format!("{}/v2", endpoint.uri());
    moved.set_auth_secret("s3cret").unwrap();
    let moved = client.replace_event_hook(&id, &moved).await.unwrap();
    assert_eq!(
        moved.verification_status,
        Some(EventHookVerificationStatus::Unverified)
    );

    let inactive = client.deactivate_event_hook(&id).await.unwrap();
    assert_eq!(inactive.status, Some(LifecycleStatus::Inactive));
    let active = client.activate_event_hook(&id).await.unwrap();
    assert_eq!(active.status, Some(LifecycleStatus::Active));
    client.deactivate_event_hook(&id).await.unwrap();
    client.delete_event_hook(&id).await.unwrap();

    let err = client.get_event_hook(&id).await.unwrap_err();
    assert!(err.is_not_found(), "{err}");
    assert_eq!(err.okta_error_code(), Some("E0000007"));
    let summary = err
        .api_error()
        .unwrap()
        .error
        .as_ref()
        .unwrap()
        .error_summary
        .clone();
    assert_eq!(
        summary.unwrap(),
        format!("Not found: Resource not found: {id} (Webhook)")
    );
    assert!(client.list_event_hooks().await.unwrap().is_empty());
    emu.shutdown().await;
}

async fn raw_create(emu: &Emulator, body: &Value) -> reqwest::Response {
    http::client()
        .post(format!("{}/api/v1/eventHooks", emu.url()))
        .header("Authorization", ssws())
        .json(body)
        .send()
        .await
        .unwrap()
}

fn minimal_body(name: &str) -> Value {
    json!({
        "name": name,
        "events": {"type": "EVENT_TYPE", "items": ["user.lifecycle.create"]},
        "channel": {"type": "HTTP", "version": "1.0.0",
                    "config": {"uri": "https://hooks.example.com/okta",
                               "authScheme": {"type": "HEADER", "key": "Authorization", "value": "top-secret"}}}
    })
}

#[tokio::test]
async fn wire_shape_matches_okta() {
    let emu = start().await;
    let mut body = minimal_body("wire");
    // Read-only fields are accepted and ignored on create.
    body["id"] = json!("whoSomethingElse0001");
    body["status"] = json!("INACTIVE");
    body["verificationStatus"] = json!("VERIFIED");
    body["created"] = json!("2001-01-01T00:00:00.000Z");
    body["_links"] = json!({"self": {"href": "x"}});
    body["channel"]["config"]["method"] = json!("GET");
    body["unknownField"] = json!({"future": true});
    let response = raw_create(&emu, &body).await;
    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    for name in [
        "x-okta-request-id",
        "date",
        "x-rate-limit-limit",
        "x-rate-limit-remaining",
        "x-rate-limit-reset",
    ] {
        assert!(headers.contains_key(name), "missing {name}");
    }
    assert!(headers["date"].to_str().unwrap().ends_with("GMT"));
    assert_eq!(headers["content-type"], "application/json");
    let text = response.text().await.unwrap();
    assert!(!text.contains("top-secret"), "the secret leaked: {text}");
    // Okta's field order.
    let order = [
        "\"id\"",
        "\"status\"",
        "\"verificationStatus\"",
        "\"name\"",
        "\"description\"",
        "\"created\"",
        "\"createdBy\"",
        "\"lastUpdated\"",
        "\"events\"",
        "\"channel\"",
        "\"_links\"",
    ];
    let positions: Vec<usize> = order.iter().map(|k| text.find(k).unwrap()).collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{text}");
    let hook: Value = serde_json::from_str(&text).unwrap();
    let id = hook["id"].as_str().unwrap().to_owned();
    assert_ne!(id, "whoSomethingElse0001");
    assert_eq!(hook["status"], "ACTIVE");
    assert_eq!(hook["verificationStatus"], "UNVERIFIED");
    assert_eq!(hook["description"], Value::Null);
    assert_eq!(hook["events"]["filter"], Value::Null);
    assert_eq!(hook["channel"]["config"]["headers"], json!([]));
    assert_eq!(hook["channel"]["config"]["method"], "POST");
    assert_eq!(
        hook["channel"]["config"]["authScheme"],
        json!({"type": "HEADER", "key": "Authorization"})
    );
    assert_ne!(hook["created"], "2001-01-01T00:00:00.000Z");
    assert!(hook["created"].as_str().unwrap().ends_with(".000Z"));
    assert!(hook.get("unknownField").is_none());
    let me = format!("{}/api/v1/eventHooks/{id}", emu.url());
    assert_eq!(
        hook["_links"],
        json!({
            "self": {"href": me},
            "verify": {"href": format!("{me}/lifecycle/verify"), "hints": {"allow": ["POST"]}},
            "deactivate": {"href": format!("{me}/lifecycle/deactivate"), "hints": {"allow": ["POST"]}}
        })
    );
    let links_text = &text[text.find("\"_links\"").unwrap()..];
    assert!(links_text.find("\"self\"") < links_text.find("\"verify\""));
    assert!(links_text.find("\"verify\"") < links_text.find("\"deactivate\""));

    let response = http::client()
        .post(format!("{me}/lifecycle/deactivate"))
        .header("Authorization", ssws())
        .header("Content-Length", "0")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    let hook: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        hook["_links"],
        json!({
            "activate": {"href": format!("{me}/lifecycle/activate"), "hints": {"allow": ["POST"]}},
            "self": {"href": me},
            "delete": {"href": me, "hints": {"allow": ["DELETE"]}}
        })
    );
    let links_text = &text[text.find("\"_links\"").unwrap()..];
    assert!(links_text.find("\"activate\"") < links_text.find("\"self\""));
    assert!(links_text.find("\"self\"") < links_text.find("\"delete\""));

    let response = http::client()
        .delete(&me)
        .header("Authorization", ssws())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    assert!(response.headers().contains_key("x-okta-request-id"));
    assert!(response.bytes().await.unwrap().is_empty());
    emu.shutdown().await;
}

async fn error_of(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    assert!(response.headers().contains_key("x-okta-request-id"));
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn errors_are_okta_errors() {
    let emu = start().await;
    let url = format!("{}/api/v1/eventHooks", emu.url());

    // No credential Okta knows (no header, an unknown scheme, a bare token): 403 E0000005;
    // a known scheme with a wrong token: 401 E0000011; the same on the control API.
    let control = format!("{}/emulator/deliveries", emu.url());
    let wrong_token = format!("SSWS {TOKEN}x");
    let cases = [
        (None, 403, "E0000005", "Invalid session"),
        (Some("Basic dGVzdA=="), 403, "E0000005", "Invalid session"),
        (Some(TOKEN), 403, "E0000005", "Invalid session"),
        (
            Some("SSWS wrong"),
            401,
            "E0000011",
            "Invalid token provided",
        ),
        (
            Some(wrong_token.as_str()),
            401,
            "E0000011",
            "Invalid token provided",
        ),
        (
            Some("Bearer wrong"),
            401,
            "E0000011",
            "Invalid token provided",
        ),
        (
            Some("DPoP wrong"),
            401,
            "E0000011",
            "Invalid token provided",
        ),
    ];
    for (auth, want_status, code, summary) in cases {
        for target in [&url, &control] {
            let mut request = http::client().get(target);
            if let Some(auth) = auth {
                request = request.header("Authorization", auth);
            }
            let (status, body) = error_of(request.send().await.unwrap()).await;
            assert_eq!(status, want_status, "{auth:?} {target}");
            assert_eq!(body["errorCode"], code);
            assert_eq!(body["errorSummary"], summary);
            assert_eq!(body["errorLink"], code);
            assert!(body["errorId"].as_str().unwrap().starts_with("oae"));
            assert_eq!(body["errorCauses"], json!([]));
        }
    }
    let bearer = http::client()
        .get(&url)
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(bearer.status(), 200);

    // Malformed JSON and wrong JSON types: E0000003.
    for body in ["{not json", "[1,2]", r#"{"name": 5}"#] {
        let response = http::client()
            .post(&url)
            .header("Authorization", ssws())
            .header("Content-Type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        let (status, err) = error_of(response).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(err["errorCode"], "E0000003");
        assert_eq!(err["errorSummary"], "The request body was not well-formed.");
    }

    // Validation: E0000001 with one cause per problem.
    let mut bad = minimal_body("");
    bad["channel"]["config"]["uri"] = json!("http://hooks.example.com/okta");
    bad["channel"]["version"] = json!("2.0.0");
    let (status, err) = error_of(raw_create(&emu, &bad).await).await;
    assert_eq!(status, 400);
    assert_eq!(err["errorCode"], "E0000001");
    assert_eq!(err["errorSummary"], "Api validation failed: eventHook");
    let causes: Vec<&str> = err["errorCauses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["errorSummary"].as_str().unwrap())
        .collect();
    assert_eq!(
        causes,
        [
            "name: The field cannot be left blank",
            "channel.version: \"2.0.0\" is not supported; use 1.0.0",
            "channel.config.uri: The URI \"http://hooks.example.com/okta\" must start with https:// (Okta only calls HTTPS endpoints)",
        ]
    );
    assert!(!err.to_string().contains("top-secret"));

    // Event-type limit: 300 is fine, 301 is not.
    let mut many = minimal_body("many");
    let eligible = || okta_eventhooks::catalog::eligible().map(|t| t.name);
    let types: Vec<&str> = eligible().take(300).collect();
    many["events"]["items"] = json!(types);
    assert_eq!(raw_create(&emu, &many).await.status(), 200);
    let mut too_many = minimal_body("too many");
    let types: Vec<&str> = eligible().take(301).collect();
    too_many["events"]["items"] = json!(types);
    let (status, err) = error_of(raw_create(&emu, &too_many).await).await;
    assert_eq!(status, 400);
    assert!(
        err["errorCauses"][0]["errorSummary"]
            .as_str()
            .unwrap()
            .contains("at most 300")
    );

    // Unknown id on every id route: 404 E0000007 with Okta's wording.
    let missing = "whoDoesNotExist00001";
    let me = format!("{url}/{missing}");
    let calls = [
        http::client().get(&me),
        http::client().put(&me).json(&minimal_body("x")),
        http::client().delete(&me),
        http::client()
            .post(format!("{me}/lifecycle/activate"))
            .header("Content-Length", "0"),
        http::client()
            .post(format!("{me}/lifecycle/deactivate"))
            .header("Content-Length", "0"),
        http::client()
            .post(format!("{me}/lifecycle/verify"))
            .header("Content-Length", "0"),
    ];
    for call in calls {
        let (status, err) =
            error_of(call.header("Authorization", ssws()).send().await.unwrap()).await;
        assert_eq!(status, 404);
        assert_eq!(err["errorCode"], "E0000007");
        assert_eq!(
            err["errorSummary"],
            format!("Not found: Resource not found: {missing} (Webhook)")
        );
    }

    // Wrong verb: 405 E0000022.
    let (status, err) = error_of(
        http::client()
            .patch(&url)
            .header("Authorization", ssws())
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 405);
    assert_eq!(err["errorCode"], "E0000022");

    // Deleting an ACTIVE hook is refused; the hook stays.
    let created: Value = raw_create(&emu, &minimal_body("active"))
        .await
        .json()
        .await
        .unwrap();
    let id = created["id"].as_str().unwrap();
    let (status, err) = error_of(
        http::client()
            .delete(format!("{url}/{id}"))
            .header("Authorization", ssws())
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(err["errorCode"], "E0000001");
    assert!(
        err["errorCauses"][0]["errorSummary"]
            .as_str()
            .unwrap()
            .contains("ACTIVE")
    );
    let still = http::client()
        .get(format!("{url}/{id}"))
        .header("Authorization", ssws())
        .send()
        .await
        .unwrap();
    assert_eq!(still.status(), 200);

    // Duplicate name.
    let (status, err) = error_of(raw_create(&emu, &minimal_body("active")).await).await;
    assert_eq!(status, 400);
    assert!(
        err["errorCauses"][0]["errorSummary"]
            .as_str()
            .unwrap()
            .starts_with("name:")
    );
    emu.shutdown().await;
}

/// Over the wire, without the SDK (which refuses them before sending): an event type Okta
/// lists but does not mark event-hook-eligible, a misspelt one, and both at once are refused on
/// create and on replace with 400 E0000001, one cause per refused type naming it (with the
/// closest eligible names), and nothing is stored.
#[tokio::test]
async fn refused_event_types_are_one_cause_each_on_create_and_replace() {
    use okta_eventhooks::catalog;
    // user.session.expire: hook_eligible "no" in spec/event-types.tsv.
    let listed = "user.session.expire";
    let misspelt = "user.sesion.start";
    assert!(!catalog::get(listed).unwrap().hook_eligible);
    assert!(catalog::get(misspelt).is_none());
    let not_eligible = format!(
        "events.items: Event type \"{listed}\" cannot be used in an event hook: Okta does not mark it event-hook-eligible; did you mean user.session.clear or user.session.end or user.session.start?"
    );
    let unknown = format!(
        "events.items: Event type \"{misspelt}\" is not in Okta's event-type catalog (release {}); a type newer than the catalog must be allowed explicitly; did you mean user.session.start?",
        catalog::RELEASE
    );
    let cases = [
        (vec!["user.lifecycle.create", listed], vec![&not_eligible]),
        (vec![misspelt, "user.lifecycle.create"], vec![&unknown]),
        (vec![listed, misspelt], vec![&not_eligible, &unknown]),
        (vec![misspelt, listed], vec![&unknown, &not_eligible]),
    ];

    let emu = start().await;
    let url = format!("{}/api/v1/eventHooks", emu.url());
    let created: Value = raw_create(&emu, &minimal_body("kept"))
        .await
        .json()
        .await
        .unwrap();
    let id = created["id"].as_str().unwrap();
    let me = format!("{url}/{id}");
    for (items, want) in &cases {
        let mut body = minimal_body("refused");
        body["events"]["items"] = json!(items);
        let put = http::client()
            .put(&me)
            .header("Authorization", ssws())
            .json(&body);
        for (call, response) in [
            ("POST", raw_create(&emu, &body).await),
            ("PUT", put.send().await.unwrap()),
        ] {
            let (status, err) = error_of(response).await;
            assert_eq!(status, 400, "{call} {items:?}: {err}");
            assert_eq!(err["errorCode"], "E0000001", "{call} {items:?}");
            assert_eq!(err["errorSummary"], "Api validation failed: eventHook");
            let causes: Vec<&str> = err["errorCauses"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["errorSummary"].as_str().unwrap())
                .collect();
            assert_eq!(&causes, want, "{call} {items:?}");
        }
    }
    // Neither the creates nor the replaces were stored.
    let hooks: Value = http::client()
        .get(&url)
        .header("Authorization", ssws())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(hooks.as_array().unwrap().len(), 1, "{hooks}");
    assert_eq!(hooks[0]["name"], "kept");
    assert_eq!(
        hooks[0]["events"]["items"],
        json!(["user.lifecycle.create"])
    );
    assert_eq!(hooks[0]["lastUpdated"], created["lastUpdated"]);
    emu.shutdown().await;
}
#[tokio::test]
async fn body_less_post_without_content_length_is_411() {
    let emu = start().await;
    let created: Value = raw_create(&emu, &minimal_body("len"))
        .await
        .json()
        .await
        .unwrap();
    let id = created["id"].as_str().unwrap();
    let mut stream = tokio::net::TcpStream::connect(emu.addr()).await.unwrap();
    let request = format!(
        "POST /api/v1/eventHooks/{id}/lifecycle/deactivate HTTP/1.1\r\nHost: {}\r\nAuthorization: {}\r\nConnection: close\r\n\r\n",
        emu.addr(),
        ssws()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 411"), "{answer}");
    assert!(answer.to_ascii_lowercase().contains("x-okta-request-id:"));
    // Nothing happened.
    let hook = client(&emu).get_event_hook(id).await.unwrap();
    assert_eq!(hook.status, Some(LifecycleStatus::Active));
    emu.shutdown().await;
}

#[tokio::test]
async fn active_hook_limit_is_25() {
    let emu = start().await;
    let client = client(&emu);
    let mut ids = Vec::new();
    for i in 0..25 {
        let hook = new_hook(
            &format!("hook {i}"),
            "https://hooks.example.com/x",
            &["user.session.start"],
        );
        ids.push(client.create_event_hook(&hook).await.unwrap().id.unwrap());
    }
    let extra = new_hook(
        "hook 25",
        "https://hooks.example.com/x",
        &["user.session.start"],
    );
    let err = client.create_event_hook(&extra).await.unwrap_err();
    assert_eq!(err.status(), Some(400));
    assert_eq!(err.okta_error_code(), Some("E0000001"));
    assert!(err.error_causes()[0].contains("(25)"), "{err}");

    client.deactivate_event_hook(&ids[0]).await.unwrap();
    let id25 = client.create_event_hook(&extra).await.unwrap().id.unwrap();
    let err = client.activate_event_hook(&ids[0]).await.unwrap_err();
    assert_eq!(err.okta_error_code(), Some("E0000001"));
    client.deactivate_event_hook(&id25).await.unwrap();
    client.activate_event_hook(&ids[0]).await.unwrap();
    emu.shutdown().await;
}

#[tokio::test]
async fn lifecycle_repeats_and_put_status() {
    let emu = start().await;
    let client = client(&emu);
    let created = client
        .create_event_hook(&new_hook(
            "repeat",
            "https://hooks.example.com/x",
            &["user.session.start"],
        ))
        .await
        .unwrap();
    let id = created.id.clone().unwrap();
    // Repeating the current status: 200 and nothing changes.
    let again = client.activate_event_hook(&id).await.unwrap();
    assert_eq!(again, created);
    client.deactivate_event_hook(&id).await.unwrap();
    let again = client.deactivate_event_hook(&id).await.unwrap();
    assert_eq!(again.status, Some(LifecycleStatus::Inactive));
    // Verify on an INACTIVE hook: 400 E0000001, no call made.
    let err = client.verify_event_hook(&id).await.unwrap_err();
    assert_eq!(err.okta_error_code(), Some("E0000001"));
    assert!(emu.deliveries().is_empty());

    // A PUT carrying status applies it (observed Okta behaviour).
    let url = format!("{}/api/v1/eventHooks/{id}", emu.url());
    let mut body = minimal_body("repeat");
    body["status"] = json!("ACTIVE");
    let response = http::client()
        .put(&url)
        .header("Authorization", ssws())
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let hook: Value = response.json().await.unwrap();
    assert_eq!(hook["status"], "ACTIVE");
    body["status"] = json!("INACTIVE");
    let hook: Value = http::client()
        .put(&url)
        .header("Authorization", ssws())
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(hook["status"], "INACTIVE");
    emu.shutdown().await;
}

#[tokio::test]
async fn rate_limit_answers_429_with_headers() {
    let emu = builder()
        .rate_limit_per_minute(3)
        .start("127.0.0.1:0")
        .await
        .unwrap();
    let url = format!("{}/api/v1/eventHooks", emu.url());
    let mut remaining = Vec::new();
    let mut resets = Vec::new();
    for _ in 0..3 {
        let response = http::client()
            .get(&url)
            .header("Authorization", ssws())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["x-rate-limit-limit"], "3");
        remaining.push(
            response.headers()["x-rate-limit-remaining"]
                .to_str()
                .unwrap()
                .to_owned(),
        );
        resets.push(
            response.headers()["x-rate-limit-reset"]
                .to_str()
                .unwrap()
                .to_owned(),
        );
    }
    assert_eq!(remaining, ["2", "1", "0"]);
    let response = http::client()
        .get(&url)
        .header("Authorization", ssws())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    let headers = response.headers().clone();
    assert_eq!(headers["x-rate-limit-remaining"], "0");
    let reset: i64 = headers["x-rate-limit-reset"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(reset.to_string(), resets[0]);
    let date = chrono::DateTime::parse_from_rfc2822(headers["date"].to_str().unwrap()).unwrap();
    assert!(reset > date.timestamp() && reset <= date.timestamp() + 61);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["errorCode"], "E0000047");
    assert_eq!(
        body["errorSummary"],
        "API call exceeded rate limit due to too many requests."
    );

    // The SDK sees a rate-limit error with the reset time.
    let err = client(&emu).list_event_hooks().await.unwrap_err();
    assert!(err.is_rate_limited(), "{err}");
    assert_eq!(err.api_error().unwrap().rate_limit.remaining, Some(0));

    // The control API is not rate limited; reset opens a new window.
    let control = ControlClient::new(emu.url(), TOKEN).unwrap();
    control.reset().await.unwrap();
    assert!(client(&emu).list_event_hooks().await.is_ok());
    emu.shutdown().await;
}

#[tokio::test]
async fn only_authenticated_calls_count_against_the_rate_limit() {
    let emu = builder()
        .rate_limit_per_minute(3)
        .start("127.0.0.1:0")
        .await
        .unwrap();
    let url = format!("{}/api/v1/eventHooks", emu.url());
    for (auth, status) in [
        (None, 403),
        (Some("SSWS wrong-token"), 401),
        (Some("Bearer nope"), 401),
    ] {
        for _ in 0..4 {
            let mut request = http::client().get(&url);
            if let Some(auth) = auth {
                request = request.header("Authorization", auth);
            }
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), status, "{auth:?}");
            assert!(!response.headers().contains_key("x-rate-limit-remaining"));
        }
    }
    let mut remaining = Vec::new();
    for _ in 0..3 {
        let response = http::client()
            .get(&url)
            .header("Authorization", ssws())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        remaining.push(response.headers()["x-rate-limit-remaining"].clone());
    }
    assert_eq!(remaining, ["2", "1", "0"]);
    emu.shutdown().await;
}

#[tokio::test]
async fn injected_faults_fail_calls_then_clear() {
    let emu = start().await;
    let client = client(&emu);
    let control = ControlClient::new(emu.url(), TOKEN).unwrap();
    control
        .set_faults(&Faults::fail_next(2, 503))
        .await
        .unwrap();
    for _ in 0..2 {
        let err = client.list_event_hooks().await.unwrap_err();
        assert_eq!(err.status(), Some(503), "{err}");
        assert!(err.is_transient());
    }
    assert!(client.list_event_hooks().await.is_ok());

    // A fault with another status, consumed by exactly one call.
    emu.set_faults(Faults::fail_next(1, 500));
    let err = client.list_event_hooks().await.unwrap_err();
    assert_eq!(err.status(), Some(500));
    assert_eq!(err.okta_error_code(), Some("E0000009"));
    assert!(client.list_event_hooks().await.is_ok());

    // Latency: a client whose request timeout is shorter times out.
    emu.set_faults(Faults::latency(Duration::from_millis(300)));
    let impatient = okta_eventhooks::Client::builder()
        .org_url(emu.url())
        .api_token(TOKEN)
        .max_retries(0)
        .request_timeout(Duration::from_millis(50))
        .build()
        .unwrap();
    let err = impatient.list_event_hooks().await.unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err}");
    emu.set_faults(Faults::default());
    assert!(impatient.list_event_hooks().await.is_ok());

    // Bad fault specs are refused: statuses that are not final or cannot carry the error
    // body, and latencies past the bound.
    let set = |spec: Value| {
        http::client()
            .post(format!("{}/emulator/faults", emu.url()))
            .header("Authorization", ssws())
            .json(&spec)
            .send()
    };
    for status in [99, 100, 101, 103, 199, 204, 205, 304, 600] {
        let response = set(json!({"failNext": 1, "status": status})).await.unwrap();
        assert_eq!(response.status(), 400, "status {status}");
    }
    let response = set(json!({"latencyMs": 60_001})).await.unwrap();
    assert_eq!(response.status(), 400);
    assert!(
        client.list_event_hooks().await.is_ok(),
        "nothing was injected"
    );
    // Final statuses with a body are answered with Okta's error object.
    for status in [200, 302, 418, 503] {
        let response = set(json!({"failNext": 1, "status": status})).await.unwrap();
        assert_eq!(response.status(), 200, "status {status}");
        let answer = http::client()
            .get(format!("{}/api/v1/eventHooks", emu.url()))
            .header("Authorization", ssws())
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status().as_u16(), status);
        let body: Value = answer.json().await.unwrap();
        assert!(body["errorCode"].is_string(), "{status}: {body}");
    }
    // The control API needs the token (none at all: Okta's 403 "Invalid session").
    let response = http::client()
        .get(format!("{}/emulator/deliveries", emu.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    emu.shutdown().await;
}

#[tokio::test]
async fn secrets_never_show_in_debug_or_deliveries() {
    let emu = builder()
        .token("very-secret-token")
        .start("127.0.0.1:0")
        .await
        .unwrap();
    assert!(!format!("{emu:?}").contains("very-secret-token"));
    let client = okta_eventhooks::Client::builder()
        .org_url(emu.url())
        .api_token("very-secret-token")
        .build()
        .unwrap();
    let endpoint = endpoint().await;
    let id = verified_hook(
        &client,
        &new_hook("secret", &endpoint.uri(), &["user.session.start"]),
    )
    .await;
    emu.fire("user.session.start", 1).await.unwrap();
    let records = serde_json::to_string(&emu.deliveries()).unwrap();
    assert!(
        records.contains("authorization"),
        "header names are recorded: {records}"
    );
    assert!(!records.contains(HOOK_SECRET) && !records.contains(HEADER_SECRET));
    let fetched = client.get_event_hook(&id).await.unwrap();
    assert!(fetched.auth_secret_missing());
    emu.shutdown().await;
}

/// A hook endpoint that receives one verification GET and answers it only when released.
async fn held_endpoint() -> (
    String,
    tokio::sync::oneshot::Receiver<()>,
    tokio::sync::oneshot::Sender<()>,
) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let uri = format!("http://{}", listener.local_addr().unwrap());
    let (arrived, arrived_rx) = tokio::sync::oneshot::channel();
    let (release, released) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut head = Vec::new();
        let mut chunk = [0u8; 1024];
        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = stream.read(&mut chunk).await.unwrap();
            assert!(n > 0, "the emulator hung up");
            head.extend_from_slice(&chunk[..n]);
        }
        let head = String::from_utf8_lossy(&head).into_owned();
        let challenge = head
            .lines()
            .find_map(|line| {
                let (name, value) = line.split_once(':')?;
                name.eq_ignore_ascii_case("x-okta-verification-challenge")
                    .then(|| value.trim().to_owned())
            })
            .unwrap();
        let _ = arrived.send(());
        let _ = released.await;
        let body = format!("{{\"verification\":\"{challenge}\"}}");
        let answer = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(answer.as_bytes()).await.unwrap();
    });
    (uri, arrived_rx, release)
}

#[tokio::test]
async fn concurrent_clients_stay_responsive_while_a_hook_is_slow() {
    // A long hook timeout: the endpoint answers only when the test releases it.
    let emu = builder()
        .hook_timeout(Duration::from_secs(60))
        .start("127.0.0.1:0")
        .await
        .unwrap();
    let client = client(&emu);
    let (uri, arrived, release) = held_endpoint().await;
    let id = client
        .create_event_hook(&new_hook("slow", &uri, &["user.session.start"]))
        .await
        .unwrap()
        .id
        .unwrap();
    let verifying = tokio::spawn({
        let client = client.clone();
        let id = id.clone();
        async move { client.verify_event_hook(&id).await }
    });
    arrived.await.unwrap();
    // While the verification waits on the hook, other calls (reads and writes) go through.
    let writes: Vec<_> = (0..20)
        .map(|i| {
            let client = client.clone();
            tokio::spawn(async move {
                client
                    .create_event_hook(&new_hook(
                        &format!("c{i}"),
                        "https://hooks.example.com/x",
                        &["user.account.lock"],
                    ))
                    .await
            })
        })
        .collect();
    for w in writes {
        w.await.unwrap().unwrap();
    }
    assert_eq!(client.list_event_hooks().await.unwrap().len(), 21);
    emu.fire("user.account.lock", 1).await.unwrap();
    assert!(
        !verifying.is_finished(),
        "the verification is still waiting on the hook"
    );
    release.send(()).unwrap();
    let verified = verifying.await.unwrap().unwrap();
    assert_eq!(
        verified.verification_status,
        Some(EventHookVerificationStatus::Verified)
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn a_hook_is_bounded_in_size_and_the_hooks_in_number() {
    use okta_eventhooks_emulator::{
        MAX_DESCRIPTION_CHARS, MAX_HEADER_VALUE_BYTES, MAX_HEADERS, MAX_REQUEST_BODY_BYTES,
    };
    let emu = builder().max_hooks(3).start("127.0.0.1:0").await.unwrap();
    // A body over the limit is refused before it is parsed.
    let mut huge = minimal_body("huge");
    huge["description"] = json!("d".repeat(MAX_REQUEST_BODY_BYTES));
    let (status, body) = error_of(raw_create(&emu, &huge).await).await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(body["errorCode"], "E0000001");
    // Limits on the parts, each a cause; a header value is a secret and is not repeated.
    let mut big = minimal_body("big");
    big["description"] = json!("d".repeat(MAX_DESCRIPTION_CHARS + 1));
    let headers: Vec<Value> = (0..=MAX_HEADERS)
        .map(|i| json!({"key": format!("X-H{i}"), "value": "v"}))
        .collect();
    big["channel"]["config"]["headers"] = json!(headers);
    big["channel"]["config"]["authScheme"]["value"] = json!("s".repeat(MAX_HEADER_VALUE_BYTES + 1));
    let (status, body) = error_of(raw_create(&emu, &big).await).await;
    assert_eq!(status, 400, "{body}");
    let causes: Vec<&str> = body["errorCauses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["errorSummary"].as_str().unwrap())
        .collect();
    assert_eq!(causes.len(), 3, "{causes:?}");
    assert!(causes[0].starts_with("description: "), "{causes:?}");
    assert!(
        causes[1].starts_with("channel.config.headers: "),
        "{causes:?}"
    );
    assert!(
        causes[2].starts_with("channel.config.authScheme.value: "),
        "{causes:?}"
    );
    assert!(!body.to_string().contains("sssss"), "{body}");
    // At most `max_hooks`, active or not.
    let client = client(&emu);
    for i in 0..3 {
        let created = raw_create(&emu, &minimal_body(&format!("h{i}"))).await;
        assert_eq!(created.status(), 200);
        let id = created.json::<Value>().await.unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        client.deactivate_event_hook(&id).await.unwrap();
    }
    let (status, body) = error_of(raw_create(&emu, &minimal_body("fourth")).await).await;
    assert_eq!(status, 400);
    assert!(body.to_string().contains("at most 3 event hooks"), "{body}");
    // The control API has the same body limit.
    let response = http::client()
        .post(format!("{}/emulator/fire", emu.url()))
        .header("Authorization", ssws())
        .json(&json!({"eventType": "a.b", "patch": {"x": "p".repeat(MAX_REQUEST_BODY_BYTES)}}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    emu.shutdown().await;
}

/// With the limits, the most and largest hooks the emulator keeps list within the SDK's
/// default response cap (before them, 40 hooks of 1.7 MB made `list` fail).
#[tokio::test]
async fn the_largest_hooks_still_list_under_the_client_cap() {
    use okta_eventhooks_emulator::{DEFAULT_MAX_HOOKS, MAX_REQUEST_BODY_BYTES};
    let emu = start().await;
    let client = client(&emu);
    let mut largest = 0;
    for i in 0..DEFAULT_MAX_HOOKS {
        let mut body = minimal_body(&format!("large {i}"));
        // 300 event types (Okta's maximum), a long description, then headers of the largest
        // value until the body is as close to the request-body cap as fits.
        let items: Vec<&str> = okta_eventhooks::catalog::eligible()
            .take(300)
            .map(|t| t.name)
            .collect();
        body["events"]["items"] = json!(items);
        body["description"] = json!("d".repeat(1000));
        let mut headers = Vec::new();
        loop {
            let header =
                json!({"key": format!("X-Large-{}", headers.len()), "value": "v".repeat(4000)});
            body["channel"]["config"]["headers"] = json!(headers);
            if body.to_string().len() + header.to_string().len() + 1 > MAX_REQUEST_BODY_BYTES {
                break;
            }
            headers.push(header);
        }
        let size = body.to_string().len();
        assert!(size <= MAX_REQUEST_BODY_BYTES, "{size}");
        largest = largest.max(size);
        let created = raw_create(&emu, &body).await;
        assert_eq!(created.status(), 200);
        let id = created.json::<Value>().await.unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        client.deactivate_event_hook(&id).await.unwrap();
    }
    assert!(largest > MAX_REQUEST_BODY_BYTES - 4096, "{largest}");
    let listed = client.list_event_hooks().await.unwrap();
    assert_eq!(listed.len(), DEFAULT_MAX_HOOKS);
    emu.shutdown().await;
}
