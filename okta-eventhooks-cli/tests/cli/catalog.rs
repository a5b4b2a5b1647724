//! The event-type catalog: `event-types`, and create/replace refusing types Okta would refuse.

use serde_json::Value;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use okta_eventhooks_tests::fixtures::*;

use crate::support::*;

#[tokio::test(flavor = "multi_thread")]
async fn event_types_lists_eligible_types_by_glob_or_substring() {
    let mut cmd = bare();
    cmd.args(["event-types", "user.lifecycle.*"]);
    let out = run(cmd).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    insta::assert_snapshot!(out.stdout, @r"
    EVENT TYPE                       RELEASE  CATEGORY        NOTES
    user.lifecycle.activate          2016.13  ud-core
    user.lifecycle.create            2016.02  ud-core
    user.lifecycle.deactivate        2016.02  ud-core
    user.lifecycle.delete.initiated  2016.29  ud-core
    user.lifecycle.reactivate        2016.13  ud-core
    user.lifecycle.suspend           2016.13  authn-platform
    user.lifecycle.unsuspend         2016.13  authn-platform
    ");
    assert!(
        out.stderr
            .contains("7 event type(s) from the catalog of Okta release 2026.08.1 that event hooks may subscribe to"),
        "{}",
        out.stderr
    );

    let mut eligible = bare();
    eligible.args(["event-types", "SESSION", "-o", "json"]);
    let out = run(eligible).await;
    let listed: Vec<Value> = serde_json::from_str(&out.stdout).unwrap();
    let names: Vec<&str> = listed.iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert!(names.contains(&"user.session.start"), "{names:?}");
    assert!(
        !names.contains(&"user.session.expire"),
        "not eligible: {names:?}"
    );
    assert!(listed.iter().all(|t| t["hookEligible"] == true));
    assert!(listed[0]["released"].is_string());

    let mut all = bare();
    all.args(["event-types", "user.session.expire", "--all"]);
    let out = run(all).await;
    assert!(
        out.stdout.contains("user.session.expire") && out.stdout.contains("not for event hooks"),
        "{}",
        out.stdout
    );

    let mut none = bare();
    none.args(["event-types", "no.such.type"]);
    let out = run(none).await;
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (0, "(no event types match)\n")
    );
}

async fn org_that_creates() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/eventHooks"))
        .respond_with(ResponseTemplate::new(200).set_body_json(hook_json(
            ID,
            "x",
            "ACTIVE",
            "UNVERIFIED",
        )))
        .mount(&server)
        .await;
    server
}

#[tokio::test(flavor = "multi_thread")]
async fn types_okta_would_refuse_are_refused_before_sending() {
    let server = org_that_creates().await;
    let create = |event: &str, allow: bool| {
        let mut cmd = cli(&server);
        cmd.args(["create", "--name", "x", "--uri", "https://h.example.com/x"]);
        cmd.args(["--event", event]);
        if allow {
            cmd.arg("--allow-unknown-event-type");
        }
        cmd
    };
    let out = run(create("user.sesion.start", false)).await;
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains(
            "Event type \"user.sesion.start\" is not in Okta's event-type catalog (release 2026.08.1)"
        ) && out.stderr.contains("did you mean user.session.start?"),
        "{}",
        out.stderr
    );
    let out = run(create("user.session.expire", true)).await;
    assert_eq!(
        out.code, 2,
        "not hook-eligible, whatever the flag: {}",
        out.stderr
    );
    assert!(
        out.stderr.contains("does not mark it event-hook-eligible"),
        "{}",
        out.stderr
    );
    assert!(server.received_requests().await.unwrap().is_empty());

    // The opt-out: a type newer than the catalog is sent.
    let out = run(create("user.lifecycle.brand_new", true)).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let sent = server.received_requests().await.unwrap();
    let body: Value = serde_json::from_slice(&sent[0].body).unwrap();
    assert_eq!(body["events"]["items"][0], "user.lifecycle.brand_new");
}
