//! The builders reject what Okta would reject, with a specific message, before anything is sent.

use okta_eventhooks::{Channel, EventHook, Events};

fn events() -> Events {
    Events::types(["user.lifecycle.create"])
}

fn channel() -> Channel {
    Channel::https("https://hooks.example.com/okta").unwrap()
}

fn build(name: &str, channel: Channel, events: Events) -> String {
    match EventHook::builder(name)
        .channel(channel)
        .events(events)
        .build()
    {
        Ok(_) => "ok".into(),
        Err(e) => e.to_string(),
    }
}

#[test]
fn names() {
    assert_eq!(build("a", channel(), events()), "ok");
    assert_eq!(build(&"x".repeat(255), channel(), events()), "ok");
    assert_eq!(
        build("  ", channel(), events()),
        "invalid input: name: The field cannot be left blank"
    );
    assert_eq!(
        build(&"é".repeat(256), channel(), events()),
        "invalid input: name: The name is 256 characters long; Okta allows at most 255"
    );
}

#[test]
fn uris() {
    let cases = [
        ("https://hooks.example.com/okta?x=1", None),
        ("http://127.0.0.1:9000/hook", None),
        ("http://localhost/hook", None),
        (
            "http://hooks.example.com/okta",
            Some("must start with https://"),
        ),
        ("ftp://hooks.example.com", Some("must start with https://")),
        ("/relative", Some("not an absolute URL")),
        ("https://hooks.example.com/a b", Some("contains whitespace")),
        ("https://", Some("invalid input")),
    ];
    for (uri, want) in cases {
        match (Channel::https(uri), want) {
            (Ok(_), None) => {}
            (Err(e), Some(want)) => assert!(e.to_string().contains(want), "{uri}: {e}"),
            (got, want) => panic!("{uri}: got {got:?}, wanted {want:?}"),
        }
    }
    let long = format!("https://hooks.example.com/{}", "a".repeat(1000));
    let err = Channel::https(long).unwrap_err().to_string();
    assert!(
        err.contains("1026 characters long; Okta allows at most 1024"),
        "{err}"
    );
}

#[test]
fn event_types_and_filters() {
    assert_eq!(
        build("n", channel(), Events::types(Vec::<String>::new())),
        "invalid input: events.items: The hook subscribes to no event types; give at least one"
    );
    let many: Vec<&str> = okta_eventhooks::catalog::eligible()
        .take(301)
        .map(|t| t.name)
        .collect();
    assert_eq!(
        build("n", channel(), Events::types(many[..300].to_vec())),
        "ok"
    );
    assert_eq!(
        build("n", channel(), Events::types(many)),
        "invalid input: events.items: The hook subscribes to 301 event types; Okta allows at most 300"
    );
    assert_eq!(
        build(
            "n",
            channel(),
            Events::types(["user.session.start", "user.session.start"])
        ),
        "invalid input: events.items: Event type \"user.session.start\" is listed more than once"
    );
    assert_eq!(
        build(
            "n",
            channel(),
            events().filter("user.session.start", "event.outcome.result eq 'FAILURE'")
        ),
        "invalid input: events.filter.eventFilterMap.event: A filter is given for event type \"user.session.start\", which the hook does not subscribe to"
    );
    assert_eq!(
        build(
            "n",
            channel(),
            events().filter("user.lifecycle.create", " ")
        ),
        "invalid input: events.filter.eventFilterMap.condition.expression: The filter for event type \"user.lifecycle.create\" has an empty expression"
    );
    assert_eq!(
        build(
            "n",
            channel(),
            events()
                .filter("user.lifecycle.create", "event.actor.id eq 'a'")
                .filter("user.lifecycle.create", "event.actor.id eq 'b'")
        ),
        "invalid input: events.filter.eventFilterMap.event: Event type \"user.lifecycle.create\" has more than one filter"
    );
    assert_eq!(
        build(
            "n",
            channel(),
            events().filter("user.lifecycle.create", "event.actor.id == 'a'")
        ),
        "invalid input: events.filter.eventFilterMap.condition.expression: The filter for event type \"user.lifecycle.create\" is not valid: column 16: == is not supported in event hook filters; use eq"
    );
}

#[test]
fn headers() {
    let cases = [
        (channel().header("X-Source", "okta"), "ok"),
        (
            channel().header("Bad Name", "v"),
            "is not a valid HTTP header name (character ' ')",
        ),
        (
            channel().header("", "v"),
            "channel.config.headers.key: The field cannot be left blank",
        ),
        (
            channel().header("X-Evil", "a\r\nInjected: yes"),
            "contains a control character",
        ),
        (
            channel().header("Accept", "text/plain"),
            "channel.config.headers.key: \"Accept\" is reserved",
        ),
        (channel().header("content-type", "x"), "is reserved"),
        (
            channel().header("X-A", "1").header("x-a", "2"),
            "channel.config.headers.key: \"x-a\" is given more than once",
        ),
        (channel().auth_header("Authorization", "s"), "ok"),
        (channel().auth_header("Authorization", ""), "is empty"),
        (channel().auth_header("Host", "s"), "is reserved"),
        (
            channel()
                .header("Authorization", "x")
                .auth_header("authorization", "s"),
            "is also set as a custom header",
        ),
    ];
    for (channel, want) in cases {
        let got = build("n", channel, events());
        assert!(got.contains(want), "wanted {want:?}, got {got:?}");
    }
}

#[test]
fn builder_output_has_okta_defaults() {
    let hook = EventHook::builder("n")
        .channel(channel().auth_header("Authorization", "s"))
        .events(events())
        .build()
        .unwrap();
    let body = serde_json::to_value(&hook).unwrap();
    assert_eq!(body["channel"]["type"], "HTTP");
    assert_eq!(body["channel"]["version"], "1.0.0");
    assert_eq!(body["events"]["type"], "EVENT_TYPE");
    assert_eq!(body["channel"]["config"]["authScheme"]["type"], "HEADER");
    assert!(body.get("description").is_none());
}

#[test]
fn missing_parts_are_named() {
    let err = EventHook::builder("n")
        .events(events())
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("no channel"), "{err}");
    let err = EventHook::builder("n")
        .channel(channel())
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("no events"), "{err}");
}

#[test]
fn set_auth_secret_on_a_fetched_hook() {
    let mut hook: EventHook =
        serde_json::from_str(okta_eventhooks_tests::fixtures::INACTIVE_FILTERED).unwrap();
    assert!(!hook.auth_secret_missing(), "no auth scheme at all");
    hook.set_auth_secret("s3cret").unwrap();
    let scheme = hook.channel.config.auth_scheme.as_ref().unwrap();
    assert_eq!(scheme.key.as_deref(), Some("Authorization"));
    assert_eq!(scheme.value.as_ref().unwrap().expose(), "s3cret");
    assert!(hook.set_auth_secret("bad\nvalue").is_err());
}
