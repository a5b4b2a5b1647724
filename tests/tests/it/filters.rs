//! Okta's filter language for event hooks, end to end: the documented example through the
//! emulator, invalid filters refused with their column by the SDK and the emulator, the flat
//! chain that once crashed the emulator on every `fire` and every restart (issue 10), and
//! property tests that no input makes the parser panic or exhaust the stack.

use okta_eventhooks::events::LogEvent;
use okta_eventhooks::filter::{Filter, MAX_DEPTH, MAX_EXPRESSION_BYTES};
use okta_eventhooks::{Channel, EventHook, Events};
use okta_eventhooks_emulator::{Emulator, FireRequest};
use proptest::prelude::*;
use serde_json::{Value, json};

use okta_eventhooks_tests::emulator::*;
use okta_eventhooks_tests::endpoint::*;
use okta_eventhooks_tests::http;
use okta_eventhooks_tests::scratch::tempdir;
use okta_eventhooks_tests::secrets::*;

/// Okta's documented example: a user added to the Sales group, not to Support.
const SALES_ONLY: &str = "event.target.?[type eq 'UserGroup' && displayName eq 'Sales'].size()>0";

/// Issue 10: a filter of about 20,000 terms (180 KB) that overflowed the emulator's stack.
fn issue_10_chain() -> String {
    vec!["true"; 20_000].join(" and ")
}

fn filtered_hook(uri: &str, event_type: &str, expression: &str) -> EventHook {
    EventHook::builder("filtered")
        .channel(
            Channel::https(uri)
                .unwrap()
                .auth_header("Authorization", HOOK_SECRET),
        )
        .events(Events::types([event_type]).filter(event_type, expression))
        .build()
        .unwrap()
}

/// The targets of a `group.user_membership.add`: the user, and the group it was added to.
fn added_to(group: &str) -> Value {
    json!({"target": [
        {"id": "00u1", "type": "User", "alternateId": "jane@example.com", "displayName": "Jane Doe"},
        {"id": "00g1", "type": "UserGroup", "alternateId": "unknown", "displayName": group}
    ]})
}

/// Each delivered event's group target name.
async fn delivered_groups(endpoint: &wiremock::MockServer) -> Vec<String> {
    envelopes(endpoint)
        .await
        .iter()
        .flat_map(|e| e["data"]["events"].as_array().unwrap().clone())
        .map(|event| {
            event["target"][1]["displayName"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect()
}

#[tokio::test]
async fn the_documented_example_delivers_the_sales_event_and_not_the_support_one() {
    let emu = start().await;
    let client = client(&emu);
    let endpoint = endpoint().await;
    let event_type = "group.user_membership.add";
    verified_hook(
        &client,
        &filtered_hook(&endpoint.uri(), event_type, SALES_ONLY),
    )
    .await;

    let fire = |group: &str| FireRequest::new(event_type, 1).patch(added_to(group));
    let sales = emu.fire_with(fire("Sales")).await.unwrap();
    let support = emu.fire_with(fire("Support")).await.unwrap();
    assert_eq!(
        (sales.hooks[0].delivered, sales.hooks[0].filtered_out),
        (1, 0)
    );
    assert_eq!(
        (support.hooks[0].delivered, support.hooks[0].filtered_out),
        (0, 1)
    );
    assert_eq!(support.hooks[0].requests, 0, "nothing was sent for Support");
    assert_eq!(delivered_groups(&endpoint).await, ["Sales"]);

    // The SDK's evaluation of the same events agrees with the emulator's deliveries.
    let filter = Filter::parse(SALES_ONLY).unwrap();
    for (group, matched) in [("Sales", true), ("Support", false)] {
        let mut event = okta_eventhooks::sample::sample_event(event_type);
        event["target"] = added_to(group)["target"].clone();
        let event: LogEvent = serde_json::from_value(event).unwrap();
        assert_eq!(filter.matches(&event), matched);
    }
    emu.shutdown().await;
}

#[tokio::test]
async fn an_outcome_filter_passes_and_drops_by_the_outcome() {
    let emu = start().await;
    let client = client(&emu);
    let endpoint = endpoint().await;
    let expression = "event.outcome.result eq 'SUCCESS'";
    verified_hook(
        &client,
        &filtered_hook(&endpoint.uri(), "user.session.start", expression),
    )
    .await;
    let pass = emu.fire("user.session.start", 2).await.unwrap();
    assert_eq!(
        (pass.hooks[0].delivered, pass.hooks[0].filtered_out),
        (2, 0)
    );
    let failures =
        FireRequest::new("user.session.start", 3).patch(json!({"outcome": {"result": "FAILURE"}}));
    let drop = emu.fire_with(failures).await.unwrap();
    assert_eq!(
        (drop.hooks[0].delivered, drop.hooks[0].filtered_out),
        (0, 3)
    );
    assert_eq!(drop.hooks[0].filter_error, None);
    // A patch that makes an event something Okta never sends is reported, not dropped.
    let broken = FireRequest::new("user.session.start", 1).patch(json!({"actor": 5}));
    let broken = emu.fire_with(broken).await.unwrap();
    assert_eq!(broken.hooks[0].failed, 1);
    let reason = broken.hooks[0].filter_error.as_deref().unwrap();
    assert!(
        reason.starts_with("the event is not a LogEvent"),
        "{reason}"
    );
    emu.shutdown().await;
}

async fn raw(emu: &Emulator, method: reqwest::Method, path: &str, body: &Value) -> (u16, Value) {
    let response = http::client()
        .request(method, format!("{}{path}", emu.url()))
        .header("Authorization", ssws())
        .json(body)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

fn body_with_filter(expression: &str) -> Value {
    json!({
        "name": "raw",
        "events": {"type": "EVENT_TYPE", "items": ["user.lifecycle.create"], "filter": {
            "eventFilterMap": [{"event": "user.lifecycle.create", "condition": {"expression": expression}}]
        }},
        "channel": {"type": "HTTP", "version": "1.0.0", "config": {"uri": "https://hooks.example.com/okta"}}
    })
}

fn causes(error: &Value) -> Vec<&str> {
    assert_eq!(error["errorCode"], "E0000001", "{error}");
    let causes = error["errorCauses"].as_array().unwrap();
    causes
        .iter()
        .map(|c| c["errorSummary"].as_str().unwrap())
        .collect()
}

const CAUSE: &str = "events.filter.eventFilterMap.condition.expression: The filter for event type \"user.lifecycle.create\" is not valid: ";

#[tokio::test]
async fn the_emulator_refuses_an_invalid_filter_on_create_and_replace_with_its_column() {
    let emu = start().await;
    let post = reqwest::Method::POST;
    let (status, error) = raw(
        &emu,
        post.clone(),
        "/api/v1/eventHooks",
        &body_with_filter("String.stringContains(event.actor.alternateId, 'admin')"),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        causes(&error),
        [format!(
            "{CAUSE}column 1: function and method calls are not supported in event hook filters (only .size() on a selection)"
        )]
    );

    let valid = "event.actor.alternateId eq 'admin@example.com'";
    let (status, created) = raw(&emu, post, "/api/v1/eventHooks", &body_with_filter(valid)).await;
    assert_eq!(status, 200, "{created}");
    let path = format!("/api/v1/eventHooks/{}", created["id"].as_str().unwrap());
    let (status, error) = raw(
        &emu,
        reqwest::Method::PUT,
        &path,
        &body_with_filter("event.eventType eq 'x' && event.client.ipAddress eq '10.0.0.1'"),
    )
    .await;
    assert_eq!(status, 400);
    let cause = causes(&error)[0];
    assert!(
        cause.starts_with(&format!("{CAUSE}column 27: field event.client.ipAddress is not supported in event hook filters; supported: event.eventType,")),
        "{cause}"
    );
    let (_, kept) = raw(&emu, reqwest::Method::GET, &path, &Value::Null).await;
    assert_eq!(
        kept["events"]["filter"]["eventFilterMap"][0]["condition"]["expression"], valid,
        "a refused replace changes nothing"
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn the_flat_chain_of_issue_10_is_refused_by_the_sdk_and_the_emulator_which_keeps_serving() {
    let chain = issue_10_chain();
    assert!(chain.len() > 179_000);
    let limit = format!(
        "column {}: the expression is {} bytes long",
        MAX_EXPRESSION_BYTES + 1,
        chain.len()
    );

    // The SDK refuses it before sending.
    let err = Filter::parse(&chain).unwrap_err();
    assert!(err.to_string().starts_with(&limit), "{err}");
    let built = EventHook::builder("chain")
        .channel(Channel::https("https://hooks.example.com/okta").unwrap())
        .events(Events::types(["user.session.start"]).filter("user.session.start", &*chain))
        .build()
        .unwrap_err()
        .to_string();
    assert!(built.contains(&limit), "{built}");
    // So is a chain of valid terms, however long.
    let valid_terms = vec!["event.eventType eq 'x'"; 20_000].join(" && ");
    assert!(
        Filter::parse(&valid_terms)
            .unwrap_err()
            .to_string()
            .starts_with("column 4097:")
    );

    // The emulator refuses it on create (its body is over the request-body cap), and a chain
    // just over the expression limit, in a body under the cap, with the filter's column; then
    // it goes on serving and firing.
    let emu = start().await;
    let body = body_with_filter(&chain);
    let (status, _) = raw(&emu, reqwest::Method::POST, "/api/v1/eventHooks", &body).await;
    assert_eq!(status, 413);
    let short_chain = &chain[..MAX_EXPRESSION_BYTES + 100];
    let (status, error) = raw(
        &emu,
        reqwest::Method::POST,
        "/api/v1/eventHooks",
        &body_with_filter(short_chain),
    )
    .await;
    assert_eq!(status, 400);
    let short_limit = format!(
        "column {}: the expression is {} bytes long",
        MAX_EXPRESSION_BYTES + 1,
        short_chain.len()
    );
    assert!(
        causes(&error)[0].starts_with(&format!("{CAUSE}{short_limit}")),
        "{error}"
    );
    let (status, _) = raw(
        &emu,
        reqwest::Method::POST,
        "/api/v1/eventHooks",
        &body_with_filter("event.eventType eq 'x'"),
    )
    .await;
    assert_eq!(status, 200);
    emu.fire("user.lifecycle.create", 1).await.unwrap();
    assert_eq!(client(&emu).list_event_hooks().await.unwrap().len(), 1);
    emu.shutdown().await;
}

#[tokio::test]
async fn a_state_file_that_holds_the_chain_starts_fires_and_can_be_repaired() {
    let dir = tempdir("filter-state");
    let path = dir.join("state.json");
    let endpoint = endpoint().await;
    let event_type = "user.session.start";
    let first = "event.outcome.result eq 'SUCCESS'";

    // A verified hook with a filter, then the filter replaced in the file by the chain, as a
    // state file written before filters were checked holds it.
    let emu = builder()
        .state_file(&path)
        .start("127.0.0.1:0")
        .await
        .unwrap();
    let id = verified_hook(
        &client(&emu),
        &filtered_hook(&endpoint.uri(), event_type, first),
    )
    .await;
    emu.shutdown().await;
    let text = std::fs::read_to_string(&path).unwrap();
    let quoted = serde_json::to_string(first).unwrap();
    assert!(text.contains(&quoted));
    std::fs::write(
        &path,
        text.replace(&quoted, &serde_json::to_string(&issue_10_chain()).unwrap()),
    )
    .unwrap();

    // It starts, says what is wrong, and fires without crashing, again and again.
    let emu = builder()
        .state_file(&path)
        .start("127.0.0.1:0")
        .await
        .unwrap();
    let warnings = emu.state_warnings();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].starts_with(&format!("hook {id} (\"filtered\"): its filter for {event_type} is not valid (column 4097: the expression is "))
            && warnings[0].ends_with(&format!("it gets no {event_type} events until the hook is replaced with a valid filter")),
        "{}",
        warnings[0]
    );
    for _ in 0..2 {
        let fired = emu.fire(event_type, 2).await.unwrap();
        let outcome = &fired.hooks[0];
        assert_eq!(
            (outcome.delivered, outcome.failed, outcome.requests),
            (0, 2, 0)
        );
        let reason = outcome.filter_error.as_deref().unwrap();
        assert!(
            reason.starts_with("the filter is not valid: column 4097"),
            "{reason}"
        );
    }
    assert!(received(&endpoint, "POST").await.is_empty());

    // Replacing the filter through the API repairs it (the channel is unchanged: still VERIFIED).
    let client = client(&emu);
    let mut hook = client.get_event_hook(&id).await.unwrap();
    hook.set_filter(event_type, first).unwrap();
    hook.set_auth_secret(HOOK_SECRET).unwrap();
    client.replace_event_hook(&id, &hook).await.unwrap();
    let fired = emu.fire(event_type, 2).await.unwrap();
    assert_eq!(fired.hooks[0].delivered, 2);
    emu.shutdown().await;
    let emu = builder()
        .state_file(&path)
        .start("127.0.0.1:0")
        .await
        .unwrap();
    assert!(emu.state_warnings().is_empty());
    emu.shutdown().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Pieces of filters, valid and not, for expressions that get far into the parser.
const PIECES: &[&str] = &[
    "event",
    ".",
    "eventType",
    "outcome",
    "result",
    "actor",
    "alternateId",
    "debugData",
    "changedAttributes",
    "target",
    ".?[",
    "]",
    "type",
    "displayName",
    "id",
    ".size()",
    "size",
    "(",
    ")",
    "eq",
    "ne",
    ">",
    "0",
    "12",
    "'Sales'",
    "'it''s'",
    "'",
    "&&",
    "||",
    "&",
    "|",
    "==",
    "!",
    "and",
    "true",
    "\"x\"",
    " ",
    "\n",
    "é",
    ",",
    "[",
    ".![",
];

fn arbitrary_event() -> impl Strategy<Value = LogEvent> {
    let text = prop::option::of(prop::sample::select(vec![
        "Sales",
        "User",
        "UserGroup",
        "x",
        "",
    ]));
    (
        text.clone(),
        text.clone(),
        prop::collection::vec((text.clone(), text), 0..4),
    )
        .prop_map(|(event_type, actor, targets)| {
            let targets: Vec<Value> = targets
                .into_iter()
                .map(|(kind, name)| json!({"type": kind, "displayName": name}))
                .collect();
            serde_json::from_value(json!({
                "eventType": event_type,
                "actor": {"alternateId": actor},
                "target": targets,
            }))
            .unwrap()
        })
}

/// A parse error points inside the expression, or just past its end.
fn column_is_in_range(
    expression: &str,
    result: &Result<Filter, okta_eventhooks::filter::FilterError>,
) -> bool {
    match result {
        Ok(filter) => filter.expression() == expression,
        Err(e) => e.column >= 1 && e.column <= expression.chars().count() + 1,
    }
}

proptest! {
    // Bounded so that the whole suite stays fast; no file of failures is written.
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(expression in "\\PC{0,200}") {
        let result = Filter::parse(&expression);
        prop_assert!(column_is_in_range(&expression, &result));
    }

    #[test]
    fn filter_like_input_never_panics_and_valid_filters_evaluate(
        pieces in prop::collection::vec(prop::sample::select(PIECES), 0..120),
        event in arbitrary_event(),
    ) {
        let expression = pieces.concat();
        let result = Filter::parse(&expression);
        prop_assert!(column_is_in_range(&expression, &result));
        if let Ok(filter) = result {
            let evaluation = filter.evaluate(&event);
            prop_assert_eq!(evaluation.matched, filter.matches(&event));
            prop_assert!(expression.contains(&evaluation.decided_by));
        }
    }

    #[test]
    fn any_nesting_depth_is_parsed_or_refused_without_exhausting_the_stack(
        depth in 0usize..20_000,
        open in prop::sample::select(vec!["(", "event.target.?[", "(event.target.?["]),
    ) {
        let expression = format!("{}event.eventType eq 'x'", open.repeat(depth));
        let result = Filter::parse(&expression);
        prop_assert!(column_is_in_range(&expression, &result));
        if depth > MAX_DEPTH && expression.len() <= MAX_EXPRESSION_BYTES {
            let message = result.unwrap_err().message;
            prop_assert!(message.contains("nested more than"), "{}", message);
        }
    }
}
