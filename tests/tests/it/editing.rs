//! Checking a hook against Okta's rules, and the editing helpers that keep a fetched hook within
//! them: a refused edit leaves the hook exactly as it was.

use okta_eventhooks::{EventHook, Violation};

use okta_eventhooks_tests::fixtures::{ACTIVE, INACTIVE_FILTERED};

fn fetched() -> EventHook {
    serde_json::from_str(ACTIVE).unwrap()
}

fn fetched_with_filter() -> EventHook {
    serde_json::from_str(INACTIVE_FILTERED).unwrap()
}

/// Runs an edit that must be refused: the error names `field`, the hook is unchanged.
fn refused(
    mut hook: EventHook,
    edit: impl FnOnce(&mut EventHook) -> okta_eventhooks::Result<()>,
    field: &str,
) {
    let before = hook.clone();
    let err = edit(&mut hook).unwrap_err().to_string();
    assert!(
        err.starts_with(&format!("invalid input: {field}: ")),
        "{err}"
    );
    assert_eq!(hook, before, "a refused edit changes nothing");
}

fn headers(hook: &EventHook) -> Vec<(&str, &str)> {
    let headers = &hook.channel.config.headers;
    headers
        .iter()
        .map(|h| {
            let key = h.key.as_deref().unwrap();
            (key, h.value.as_ref().unwrap().expose())
        })
        .collect()
}

fn filters(hook: &EventHook) -> Vec<(&str, &str)> {
    let entries = hook.events.filter.iter().flat_map(|f| &f.event_filter_map);
    entries
        .map(|e| {
            let expression = e.condition.as_ref().unwrap().expression.as_deref();
            (e.event.as_deref().unwrap(), expression.unwrap())
        })
        .collect()
}

#[test]
fn violations_lists_every_broken_rule_and_validate_names_the_first() {
    let mut hook = fetched();
    assert_eq!(hook.violations(), []);
    hook.name = " ".into();
    hook.events.items.push("user.session.start".into());
    hook.channel.config.uri = "http://hooks.example.com/okta".into();
    let found = hook.violations();
    let fields: Vec<_> = found.iter().map(|v| v.field).collect();
    assert_eq!(fields, ["name", "events.items", "channel.config.uri"]);
    assert_eq!(
        found[1],
        Violation {
            field: "events.items",
            problem: "Event type \"user.session.start\" is listed more than once".into(),
        }
    );
    let err = hook.validate().unwrap_err();
    assert_eq!(err.to_string(), format!("invalid input: {}", found[0]));
}

#[test]
fn the_sdk_takes_http_only_on_loopback() {
    let mut hook = fetched();
    hook.channel.config.uri = "http://127.0.0.1:8080/hook".into();
    assert_eq!(hook.violations(), []);
    hook.channel.config.uri = "http://hooks.example.com/hook".into();
    assert_eq!(hook.violations()[0].field, "channel.config.uri");
}

#[test]
fn set_header_adds_or_replaces_and_remove_header_removes() {
    let mut hook = fetched();
    hook.set_header("X-Tenant", "acme").unwrap();
    hook.set_header("x-source", "again").unwrap();
    assert_eq!(
        headers(&hook),
        [("X-Source", "again"), ("X-Tenant", "acme")],
        "a header of the same name (in any case) gets the new value"
    );
    assert!(hook.remove_header("X-TENANT"));
    assert!(!hook.remove_header("X-Tenant"), "already gone");
    assert_eq!(headers(&hook), [("X-Source", "again")]);
    assert_eq!(hook.violations(), []);

    refused(
        fetched(),
        |h| h.set_header("Accept", "x"),
        "channel.config.headers.key",
    );
    refused(
        fetched(),
        |h| h.set_header("Bad Name", "x"),
        "channel.config.headers.key",
    );
    refused(
        fetched(),
        |h| h.set_header("", "x"),
        "channel.config.headers.key",
    );
    refused(
        fetched(),
        |h| h.set_header("X-Evil", "a\r\nInjected: yes"),
        "channel.config.headers.value",
    );
    refused(
        fetched(),
        |h| h.set_header("authorization", "x"),
        "channel.config.authScheme.key",
    );
}

#[test]
fn auth_header_and_secret() {
    let mut hook = fetched();
    assert!(hook.auth_secret_missing());
    hook.set_auth_secret("s3cret").unwrap();
    assert!(!hook.auth_secret_missing());
    hook.set_auth_header("X-Hook-Key", "other").unwrap();
    let scheme = hook.channel.config.auth_scheme.as_ref().unwrap();
    assert_eq!(scheme.key.as_deref(), Some("X-Hook-Key"));
    assert_eq!(scheme.value.as_ref().unwrap().expose(), "other");
    hook.set_auth_secret("third").unwrap();
    let scheme = hook.channel.config.auth_scheme.as_ref().unwrap();
    assert_eq!(scheme.key.as_deref(), Some("X-Hook-Key"), "the name stays");

    refused(
        fetched(),
        |h| h.set_auth_secret(""),
        "channel.config.authScheme.value",
    );
    refused(
        fetched(),
        |h| h.set_auth_secret("bad\nvalue"),
        "channel.config.authScheme.value",
    );
    refused(
        fetched(),
        |h| h.set_auth_header("X-Source", "s"),
        "channel.config.authScheme.key",
    );
    refused(
        fetched(),
        |h| h.set_auth_header("Host", "s"),
        "channel.config.authScheme.key",
    );
}

#[test]
fn set_filter_adds_or_replaces_and_remove_filter_removes() {
    let mut hook = fetched();
    hook.set_filter("user.session.start", "event.outcome.result eq 'FAILURE'")
        .unwrap();
    hook.set_filter(
        "user.lifecycle.create",
        "event.actor.type ne 'PublicClientApp'",
    )
    .unwrap();
    hook.set_filter("user.session.start", "event.outcome.reason eq 'LOCKED_OUT'")
        .unwrap();
    assert_eq!(
        filters(&hook),
        [
            ("user.session.start", "event.outcome.reason eq 'LOCKED_OUT'"),
            (
                "user.lifecycle.create",
                "event.actor.type ne 'PublicClientApp'"
            )
        ]
    );
    assert_eq!(hook.violations(), []);
    assert!(hook.remove_filter("user.session.start"));
    assert!(!hook.remove_filter("user.session.start"));
    assert!(hook.remove_filter("user.lifecycle.create"));
    assert_eq!(hook.events.filter, None, "no filter left: filter is null");

    refused(
        fetched(),
        |h| h.set_filter("user.account.lock", "true"),
        "events.filter.eventFilterMap.event",
    );
    refused(
        fetched(),
        |h| h.set_filter("user.session.start", " "),
        "events.filter.eventFilterMap.condition.expression",
    );
    // Only Okta's filter language for event hooks: the column of the problem is in the error.
    let mut hook = fetched();
    let err = hook
        .set_filter("user.session.start", "event.client.zone eq 'OFF_NETWORK'")
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("invalid input: events.filter.eventFilterMap.condition.expression: The filter for event type \"user.session.start\" is not valid: column 1: field event.client.zone is not supported in event hook filters"),
        "{err}"
    );
    assert_eq!(hook, fetched(), "a refused edit changes nothing");
}

#[test]
fn add_and_remove_event_types() {
    let mut hook = fetched_with_filter();
    hook.add_event_types(["user.account.lock", "group.user_membership.add"])
        .unwrap();
    assert_eq!(
        hook.events.items,
        [
            "group.user_membership.remove",
            "group.user_membership.add",
            "user.account.lock"
        ],
        "a type already subscribed keeps its place"
    );
    hook.remove_event_types(["group.user_membership.add", "not.subscribed"])
        .unwrap();
    assert_eq!(
        hook.events.items,
        ["group.user_membership.remove", "user.account.lock"]
    );
    assert_eq!(
        hook.events.filter, None,
        "the removed type's filter goes too"
    );
    assert_eq!(hook.violations(), []);

    refused(
        fetched(),
        |h| h.remove_event_types(["user.lifecycle.create", "user.session.start"]),
        "events.items",
    );
    refused(
        fetched(),
        |h| h.add_event_types(["bad type"]),
        "events.items",
    );
    let many = okta_eventhooks::catalog::eligible()
        .take(301)
        .map(|t| t.name);
    refused(fetched(), |h| h.add_event_types(many), "events.items");
}

#[test]
fn a_problem_the_hook_already_has_does_not_block_other_edits() {
    let mut hook = fetched();
    hook.name = String::new();
    hook.set_header("X-Tenant", "acme").unwrap();
    hook.set_filter("user.session.start", "event.outcome.result eq 'FAILURE'")
        .unwrap();
    let fields: Vec<_> = hook.violations().into_iter().map(|v| v.field).collect();
    assert_eq!(fields, ["name"], "validate still reports it");
    refused(
        hook,
        |h| h.set_header("Accept", "x"),
        "channel.config.headers.key",
    );
}
