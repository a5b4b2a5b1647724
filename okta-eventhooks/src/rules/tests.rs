//! Each rule, broken alone on an otherwise valid hook: the field it names and the problem.

use super::*;

fn valid() -> HookView<'static> {
    HookView {
        name: Some("Audit sink"),
        events: Some(EventsView {
            type_: Some("EVENT_TYPE"),
            items: vec!["user.lifecycle.create", "user.session.start"],
            filter: Some(FilterView {
                type_: None,
                entries: vec![FilterEntryView {
                    event: Some("user.session.start"),
                    expression: Some("event.outcome.result eq 'FAILURE'"),
                }],
            }),
        }),
        channel: Some(ChannelView {
            type_: Some("HTTP"),
            version: Some("1.0.0"),
            config: Some(ConfigView {
                uri: Some("https://hooks.example.com/okta"),
                headers: vec![HeaderView {
                    key: Some("X-Source"),
                    value: Some("okta"),
                }],
                auth_scheme: Some(AuthSchemeView {
                    type_: Some("HEADER"),
                    key: Some("Authorization"),
                    value: Some("top-secret"),
                }),
            }),
        }),
    }
}

type Edit = fn(&mut HookView<'static>);

fn events<'h>(hook: &'h mut HookView<'static>) -> &'h mut EventsView<'static> {
    hook.events.as_mut().unwrap()
}

fn filter<'h>(hook: &'h mut HookView<'static>) -> &'h mut FilterEntryView<'static> {
    &mut events(hook).filter.as_mut().unwrap().entries[0]
}

fn channel<'h>(hook: &'h mut HookView<'static>) -> &'h mut ChannelView<'static> {
    hook.channel.as_mut().unwrap()
}

fn config<'h>(hook: &'h mut HookView<'static>) -> &'h mut ConfigView<'static> {
    channel(hook).config.as_mut().unwrap()
}

fn header<'h>(hook: &'h mut HookView<'static>) -> &'h mut HeaderView<'static> {
    &mut config(hook).headers[0]
}

fn auth<'h>(hook: &'h mut HookView<'static>) -> &'h mut AuthSchemeView<'static> {
    config(hook).auth_scheme.as_mut().unwrap()
}

fn long_name(hook: &mut HookView<'static>) {
    hook.name = Some(Box::leak("é".repeat(256).into_boxed_str()));
}

fn long_uri(hook: &mut HookView<'static>) {
    let uri = format!("https://hooks.example.com/{}", "a".repeat(1000));
    config(hook).uri = Some(Box::leak(uri.into_boxed_str()));
}

fn many_types(hook: &mut HookView<'static>) {
    events(hook).items = crate::catalog::eligible()
        .take(301)
        .map(|t| t.name)
        .collect();
    events(hook).filter = None;
}

const BLANK: &str = "The field cannot be left blank";

#[test]
fn each_rule_names_its_field_and_problem() {
    let cases: &[(Edit, &str, &str)] = &[
        (|h| h.name = None, "name", BLANK),
        (|h| h.name = Some("  "), "name", BLANK),
        (
            long_name,
            "name",
            "The name is 256 characters long; Okta allows at most 255",
        ),
        (|h| h.events = None, "events", BLANK),
        (|h| events(h).type_ = None, "events.type", BLANK),
        (
            |h| events(h).items.push("user.sesion.start"),
            "events.items",
            "Event type \"user.sesion.start\" is not in Okta's event-type catalog (release 2026.08.1); a type newer than the catalog must be allowed explicitly; did you mean user.session.start?",
        ),
        (
            |h| events(h).items.push("user.session.expire"),
            "events.items",
            "Event type \"user.session.expire\" cannot be used in an event hook: Okta does not mark it event-hook-eligible; did you mean user.session.clear or user.session.end or user.session.start?",
        ),
        (
            |h| events(h).type_ = Some("FLOW_EVENT"),
            "events.type",
            "\"FLOW_EVENT\" is not supported; use EVENT_TYPE",
        ),
        (
            |h| {
                events(h).items.clear();
                events(h).filter = None;
            },
            "events.items",
            "The hook subscribes to no event types; give at least one",
        ),
        (
            many_types,
            "events.items",
            "The hook subscribes to 301 event types; Okta allows at most 300",
        ),
        (
            |h| events(h).items.push("user session"),
            "events.items",
            "Event type \"user session\" is empty or contains whitespace",
        ),
        (
            |h| events(h).items.push(""),
            "events.items",
            "Event type \"\" is empty or contains whitespace",
        ),
        (
            |h| events(h).items.push("user.session.start"),
            "events.items",
            "Event type \"user.session.start\" is listed more than once",
        ),
        (
            |h| events(h).filter.as_mut().unwrap().type_ = Some("SQL"),
            "events.filter.type",
            "\"SQL\" is not supported; use EXPRESSION_LANGUAGE",
        ),
        (
            |h| filter(h).event = None,
            "events.filter.eventFilterMap.event",
            BLANK,
        ),
        (
            |h| filter(h).event = Some("user.account.lock"),
            "events.filter.eventFilterMap.event",
            "A filter is given for event type \"user.account.lock\", which the hook does not subscribe to",
        ),
        (
            |h| {
                let twice = filter(h).clone();
                events(h).filter.as_mut().unwrap().entries.push(twice);
            },
            "events.filter.eventFilterMap.event",
            "Event type \"user.session.start\" has more than one filter",
        ),
        (
            |h| filter(h).expression = Some(" "),
            "events.filter.eventFilterMap.condition.expression",
            "The filter for event type \"user.session.start\" has an empty expression",
        ),
        (
            |h| filter(h).expression = Some("event.outcome.result == 'FAILURE'"),
            "events.filter.eventFilterMap.condition.expression",
            "The filter for event type \"user.session.start\" is not valid: column 22: == is not supported in event hook filters; use eq",
        ),
        (|h| h.channel = None, "channel", BLANK),
        (|h| channel(h).type_ = None, "channel.type", BLANK),
        (
            |h| channel(h).type_ = Some("SQS"),
            "channel.type",
            "\"SQS\" is not supported; use HTTP",
        ),
        (|h| channel(h).version = None, "channel.version", BLANK),
        (
            |h| channel(h).version = Some("2.0.0"),
            "channel.version",
            "\"2.0.0\" is not supported; use 1.0.0",
        ),
        (|h| channel(h).config = None, "channel.config", BLANK),
        (|h| config(h).uri = None, "channel.config.uri", BLANK),
        (|h| config(h).uri = Some(""), "channel.config.uri", BLANK),
        (
            long_uri,
            "channel.config.uri",
            "The URI is 1026 characters long; Okta allows at most 1024",
        ),
        (
            |h| config(h).uri = Some("https://hooks.example.com/a b"),
            "channel.config.uri",
            "The URI \"https://hooks.example.com/a b\" contains whitespace",
        ),
        (
            |h| config(h).uri = Some("/relative"),
            "channel.config.uri",
            "The URI \"/relative\" is not an absolute URL: relative URL without a base",
        ),
        (
            |h| config(h).uri = Some("mailto:hooks@example.com"),
            "channel.config.uri",
            "The URI \"mailto:hooks@example.com\" has no host",
        ),
        (
            |h| config(h).uri = Some("http://hooks.example.com/okta"),
            "channel.config.uri",
            "The URI \"http://hooks.example.com/okta\" must start with https:// (Okta only calls HTTPS endpoints)",
        ),
        (
            |h| config(h).uri = Some("https://alice:S3cretPW@hooks.example.com/okta"),
            "channel.config.uri",
            "The URI \"https://[REDACTED]@hooks.example.com/okta\" contains a user name or password; remove it and give the secret as the auth header (authScheme)",
        ),
        (
            |h| config(h).uri = Some("https://alice@hooks.example.com/okta"),
            "channel.config.uri",
            "The URI \"https://[REDACTED]@hooks.example.com/okta\" contains a user name or password; remove it and give the secret as the auth header (authScheme)",
        ),
        (
            // Refused on a loopback host too, where the emulator would send it as Basic auth.
            |h| config(h).uri = Some("https://u:pw@127.0.0.1:9000/hook"),
            "channel.config.uri",
            "The URI \"https://[REDACTED]@127.0.0.1:9000/hook\" contains a user name or password; remove it and give the secret as the auth header (authScheme)",
        ),
        (
            |h| config(h).uri = Some("https://u:pw@hooks.example.com/a b"),
            "channel.config.uri",
            "The URI \"https://[REDACTED]@hooks.example.com/a b\" contains whitespace",
        ),
        (
            |h| config(h).uri = Some("ftp://hooks.example.com/okta"),
            "channel.config.uri",
            "The URI \"ftp://hooks.example.com/okta\" must start with https:// (Okta only calls HTTPS endpoints)",
        ),
        (
            |h| header(h).key = None,
            "channel.config.headers.key",
            BLANK,
        ),
        (
            |h| header(h).key = Some("X Source"),
            "channel.config.headers.key",
            "\"X Source\" is not a valid HTTP header name (character ' ')",
        ),
        (
            |h| header(h).key = Some("Content-Type"),
            "channel.config.headers.key",
            "\"Content-Type\" is reserved; Okta sets it itself",
        ),
        (
            |h| {
                let twice = HeaderView {
                    key: Some("x-source"),
                    value: Some("again"),
                };
                config(h).headers.push(twice);
            },
            "channel.config.headers.key",
            "\"x-source\" is given more than once",
        ),
        (
            |h| header(h).value = Some("okta\r\nInjected: yes"),
            "channel.config.headers.value",
            "The value of header \"X-Source\" contains a control character (such as a line break or NUL)",
        ),
        (
            |h| header(h).value = Some("okta\u{7f}"),
            "channel.config.headers.value",
            "The value of header \"X-Source\" contains a control character (such as a line break or NUL)",
        ),
        (
            |h| auth(h).type_ = None,
            "channel.config.authScheme.type",
            BLANK,
        ),
        (
            |h| auth(h).type_ = Some("OAUTH2"),
            "channel.config.authScheme.type",
            "\"OAUTH2\" is not supported; use HEADER",
        ),
        (
            |h| auth(h).key = None,
            "channel.config.authScheme.key",
            BLANK,
        ),
        (
            |h| auth(h).key = Some("Auth:orization"),
            "channel.config.authScheme.key",
            "\"Auth:orization\" is not a valid HTTP header name (character ':')",
        ),
        (
            |h| auth(h).key = Some("Host"),
            "channel.config.authScheme.key",
            "\"Host\" is reserved; Okta sets it itself",
        ),
        (
            |h| auth(h).key = Some("x-SOURCE"),
            "channel.config.authScheme.key",
            "\"x-SOURCE\" is also set as a custom header",
        ),
        (
            |h| auth(h).value = Some(""),
            "channel.config.authScheme.value",
            "The secret of the auth header \"Authorization\" is empty",
        ),
        (
            |h| auth(h).value = Some("top\nsecret"),
            "channel.config.authScheme.value",
            "The value of header \"Authorization\" contains a control character (such as a line break or NUL)",
        ),
    ];
    assert!(
        valid()
            .violations(HttpUris::Refused, UnknownEventTypes::Refused)
            .is_empty()
    );
    for (edit, field, problem) in cases {
        let mut hook = valid();
        edit(&mut hook);
        let found = hook.violations(HttpUris::Refused, UnknownEventTypes::Refused);
        let want = Violation {
            field,
            problem: (*problem).to_owned(),
        };
        assert_eq!(found, [want], "{field}: {problem}");
    }
}

#[test]
fn what_passes() {
    let cases: &[Edit] = &[
        |h| h.name = Some(Box::leak("x".repeat(255).into_boxed_str())),
        |h| events(h).filter = None,
        |h| events(h).filter.as_mut().unwrap().type_ = Some(FILTER_TYPE),
        |h| config(h).headers.clear(),
        |h| header(h).value = None,
        |h| header(h).value = Some("tab\tis fine"),
        // A hook Okta returned carries no secret.
        |h| auth(h).value = None,
        |h| config(h).auth_scheme = None,
        |h| config(h).uri = Some("https://127.0.0.1:8443/hook?x=1"),
    ];
    for edit in cases {
        let mut hook = valid();
        edit(&mut hook);
        assert_eq!(
            hook.violations(HttpUris::Refused, UnknownEventTypes::Refused),
            []
        );
    }
}

#[test]
fn http_only_on_loopback_and_only_when_allowed() {
    for uri in [
        "http://127.0.0.1:9000/hook",
        "http://localhost/hook",
        "http://LOCALHOST/hook",
        "http://[::1]:9000/hook",
    ] {
        assert_eq!(uri_violation(uri, HttpUris::LoopbackAllowed), None, "{uri}");
        assert!(uri_violation(uri, HttpUris::Refused).is_some(), "{uri}");
    }
    let remote = uri_violation("http://hooks.example.com/", HttpUris::LoopbackAllowed);
    assert!(remote.is_some());
}

#[test]
fn every_broken_rule_is_reported_in_field_order() {
    let mut hook = valid();
    hook.name = None;
    events(&mut hook).items.push("user.session.start");
    channel(&mut hook).version = Some("2.0.0");
    config(&mut hook).uri = Some("http://hooks.example.com/okta");
    header(&mut hook).key = Some("Accept");
    let fields: Vec<_> = hook
        .violations(HttpUris::Refused, UnknownEventTypes::Refused)
        .into_iter()
        .map(|v| v.field)
        .collect();
    assert_eq!(
        fields,
        [
            "name",
            "events.items",
            "channel.version",
            "channel.config.uri",
            "channel.config.headers.key",
        ]
    );
}

#[test]
fn secrets_never_show() {
    let mut hook = valid();
    header(&mut hook).value = Some("header-secret\n");
    auth(&mut hook).value = Some("auth-secret\n");
    let text = format!(
        "{hook:?} {:?}",
        hook.violations(HttpUris::Refused, UnknownEventTypes::Refused)
    );
    assert!(!text.contains("secret\\n"), "{text}");
    assert!(!text.contains("top-secret"), "{text}");
    assert!(text.contains("[REDACTED]"), "{text}");
}

#[test]
fn unknown_event_types_pass_only_when_allowed_and_ineligible_ones_never() {
    let mut hook = valid();
    events(&mut hook)
        .items
        .push("user.lifecycle.brand_new_in_2027");
    let refused = hook.violations(HttpUris::Refused, UnknownEventTypes::Refused);
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert_eq!(
        hook.violations(HttpUris::Refused, UnknownEventTypes::Allowed),
        []
    );
    events(&mut hook).items.push("zone.update");
    let found = hook.violations(HttpUris::Refused, UnknownEventTypes::Allowed);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].problem.contains("\"zone.update\""), "{found:?}");
}
