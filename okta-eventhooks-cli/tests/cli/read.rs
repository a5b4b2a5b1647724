//! `list` and `get` in every output format.

use serde_json::Value;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use okta_eventhooks_tests::fixtures::*;
use okta_eventhooks_tests::secrets::*;

use crate::support::*;

async fn org_with_two_hooks() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/eventHooks"))
        .and(header("authorization", format!("SSWS {TOKEN}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(vec![
            hook_json(ID, "Audit sink", "ACTIVE", "VERIFIED"),
            hook_json(
                ID2,
                "A hook with a rather long name that will not fit",
                "INACTIVE",
                "UNVERIFIED",
            ),
        ]))
        .mount(&server)
        .await;
    server
}

#[tokio::test(flavor = "multi_thread")]
async fn list_json_is_the_api_array() {
    let server = org_with_two_hooks().await;
    let out = run({
        let mut c = cli(&server);
        c.args(["list", "-o", "json"]);
        c
    })
    .await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let listed: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(listed[0]["id"], ID);
    assert_eq!(listed[1]["status"], "INACTIVE");
    assert_eq!(
        listed[0]["channel"]["config"]["headers"][0]["value"],
        HEADER_SECRET
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn list_table_snapshot() {
    let server = org_with_two_hooks().await;
    let out = run({
        let mut c = cli(&server);
        c.arg("list");
        c
    })
    .await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(!out.stdout.contains(HEADER_SECRET));
    assert!(out.stdout.lines().all(|l| l.chars().count() <= 80));
    assert!(
        !out.stdout.contains('\x1b'),
        "no colour when not a terminal"
    );
    insta::assert_snapshot!(out.stdout);
}

#[tokio::test(flavor = "multi_thread")]
async fn get_by_id_table_and_json() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/api/v1/eventHooks/{ID}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(hook_json(
            ID,
            "Audit sink",
            "ACTIVE",
            "VERIFIED",
        )))
        .expect(2)
        .mount(&server)
        .await;
    let table = run({
        let mut c = cli(&server);
        c.args(["get", ID]);
        c
    })
    .await;
    assert_eq!(table.code, 0, "{}", table.stderr);
    assert!(!table.stdout.contains(HEADER_SECRET));
    insta::assert_snapshot!(table.stdout);
    let json = run({
        let mut c = cli(&server);
        c.args(["get", ID, "-o", "json"]);
        c
    })
    .await;
    // Exactly what Okta sent, `null`s included, byte for byte.
    let sent = hook_json(ID, "Audit sink", "ACTIVE", "VERIFIED");
    assert_eq!(json.stdout, format!("{sent}\n"));
    let got: Value = serde_json::from_str(&json.stdout).unwrap();
    assert!(got["events"]["filter"]["eventFilterMap"][0]["condition"]["version"].is_null());
    assert!(
        json.stdout.contains(HEADER_SECRET),
        "json shows what Okta returned"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn list_yaml_holds_the_same_data_as_json() {
    let server = org_with_two_hooks().await;
    let mut outputs = Vec::new();
    for format in ["json", "yaml"] {
        let mut c = cli(&server);
        c.args(["list", "-o", format]);
        let out = run(c).await;
        assert_eq!(out.code, 0, "{}", out.stderr);
        outputs.push(out.stdout);
    }
    let from_json: Value = serde_json::from_str(&outputs[0]).unwrap();
    let from_yaml: Value = yaml_serde::from_str(&outputs[1]).unwrap();
    assert_eq!(from_json, from_yaml);
    assert!(
        outputs[1].contains("\n  id: who8vt36qfNpCGz9H1e6\n"),
        "{}",
        outputs[1]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_values_and_control_characters_are_shown_safely() {
    let server = MockServer::start().await;
    let mut odd = hook_json(ID, "evil\u{1b}[2Jname", "SUSPENDED", "PENDING");
    odd["someFutureField"] = serde_json::json!({"nested": true});
    Mock::given(method("GET"))
        .and(path("/api/v1/eventHooks"))
        .respond_with(ResponseTemplate::new(200).set_body_json(vec![odd]))
        .mount(&server)
        .await;
    let mut c = cli(&server);
    c.arg("list");
    let out = run(c).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(!out.stdout.contains('\u{1b}'), "{:?}", out.stdout);
    assert!(out.stdout.contains("evil\\u{1b}[2"), "{}", out.stdout);
    assert!(out.stdout.contains("SUSPENDED") && out.stdout.contains("PENDING"));
}
