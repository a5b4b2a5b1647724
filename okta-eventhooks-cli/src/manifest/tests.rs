//! The manifest's parsing and checks: what is accepted, and each refusal with its position.

use okta_eventhooks::rules::UnknownEventTypes;

use super::model::ValueFrom;
use super::*;

const EXAMPLE: &str = "\
hooks:
  audit-sink:
    description: Forwards lifecycle events to the audit service
    status: ACTIVE
    uri: https://hooks.example.com/okta
    headers: {X-Source: okta}
    auth:
      key: Authorization
      valueFrom: {env: AUDIT_HOOK_SECRET}
    events: [user.lifecycle.create, user.session.start]
    filters:
      user.session.start: \"event.outcome.result eq 'FAILURE'\"
orgs:
  dev:  {profile: dev}
  prod: {profile: prod, hooks: {audit-sink: {uri: https://hooks.prod.example.com/okta}}}
";

fn load_text(text: &str) -> Result<Loaded, String> {
    checked(
        Source::from_text("hooks.yaml", text),
        UnknownEventTypes::Refused,
    )
    .map_err(|e| e.to_string())
}

#[test]
fn the_issue_example_loads_with_overrides() {
    let loaded = load_text(EXAMPLE).unwrap();
    let dev = loaded.hooks_for(Some("dev"));
    let prod = loaded.hooks_for(Some("prod"));
    assert_eq!(dev["audit-sink"].uri, "https://hooks.example.com/okta");
    assert_eq!(
        prod["audit-sink"].uri,
        "https://hooks.prod.example.com/okta"
    );
    assert_eq!(prod["audit-sink"].events, dev["audit-sink"].events);
    assert_eq!(
        dev["audit-sink"].auth.as_ref().unwrap().value_from,
        ValueFrom::Env("AUDIT_HOOK_SECRET".into())
    );
}

#[test]
fn json_is_read_too() {
    let json = r#"{"hooks": {"a": {"uri": "https://h.example.com/", "events": ["user.session.start"],
        "auth": {"valueFrom": {"file": "/run/secrets/a"}}}}}"#;
    let loaded = load_text(json).unwrap();
    let auth = loaded.manifest.hooks["a"].auth.clone().unwrap();
    assert_eq!(auth.key, "Authorization");
    assert_eq!(auth.value_from, ValueFrom::File("/run/secrets/a".into()));
    let err = load_text(r#"{"hooks": {"a": {"uri": 5}}}"#).unwrap_err();
    assert!(
        err.starts_with("hooks.yaml:1:25: invalid type: integer `5`"),
        "{err}"
    );
}

#[test]
fn unknown_keys_and_wrong_types_have_positions() {
    let err =
        load_text("hooks:\n  a:\n    uri: https://h.example.com/\n    event: [x]\n").unwrap_err();
    assert!(
        err.starts_with("hooks.yaml:4:5: hooks.a: unknown field `event`, expected one of"),
        "{err}"
    );
    let err =
        load_text("hooks:\n  a:\n    uri: [1]\n    events: [user.session.start]\n").unwrap_err();
    assert!(
        err.starts_with("hooks.yaml:3:10: hooks.a.uri: invalid type: sequence"),
        "{err}"
    );
    let err = load_text("hooks:\n  a:\n    status: ON\n").unwrap_err();
    assert!(
        err.starts_with("hooks.yaml:3:13: hooks.a.status: unknown variant `ON`"),
        "{err}"
    );
    let err = load_text("hook: {}\n").unwrap_err();
    assert!(
        err.starts_with("hooks.yaml:1:1: unknown field `hook`"),
        "{err}"
    );
}

#[test]
fn duplicate_keys_are_refused() {
    let text = "hooks:\n  a: {uri: 'https://h.example.com/', events: [user.session.start]}\n  a: {uri: 'https://h.example.com/', events: [user.session.start]}\n";
    let err = load_text(text).unwrap_err();
    assert!(err.contains("hooks.yaml:3:3"), "{err}");
    assert!(
        err.contains("the key \"a\" is given more than once"),
        "{err}"
    );
}

#[test]
fn literal_secrets_are_refused_where_they_are() {
    let text = "\
hooks:
  a:
    uri: https://h.example.com/
    events: [user.session.start]
    auth: {key: Authorization, value: hunter2, valueFrom: {env: A}}
";
    let err = load_text(text).unwrap_err();
    assert!(
        err.starts_with("hooks.yaml:5:39: hooks.a.auth.value: a literal secret is not allowed"),
        "{err}"
    );
    assert!(!err.contains("hunter2"));

    let text = "\
hooks:
  a:
    uri: https://h.example.com/
    events: [user.session.start]
    headers:
      X-Source: okta
      X-Api-Key: abc123
";
    let err = load_text(text).unwrap_err();
    assert!(
        err.starts_with("hooks.yaml:7:7: hooks.a.headers.X-Api-Key: the header \"X-Api-Key\" looks like a credential"),
        "{err}"
    );
    assert!(!err.contains("abc123"));

    // The SDK's rule, with the secret redacted.
    let text = "hooks:\n  a:\n    uri: https://u:pw-literal@h.example.com/\n    events: [user.session.start]\n";
    let err = load_text(text).unwrap_err();
    assert!(err.starts_with("hooks.yaml:3:5: hooks.a.uri: The URI \"https://[REDACTED]@h.example.com/\" contains a user name or password"), "{err}");
    assert!(!err.contains("pw-literal"), "{err}");
    let text = "hooks:\n  a:\n    uri: https://h.example.com/?token=t-literal\n    events: [user.session.start]\n";
    let err = load_text(text).unwrap_err();
    assert!(err.starts_with("hooks.yaml:3:5: hooks.a.uri: the URI's query parameter \"token\" looks like a credential"), "{err}");

    // By reference, the same header is fine.
    let text = "hooks:\n  a:\n    uri: https://h.example.com/\n    events: [user.session.start]\n    headers: {X-Api-Key: {valueFrom: {env: API_KEY}}}\n";
    load_text(text).unwrap();
}

/// Issue 20, item 1: a secret in the wrong place, of whatever type, is never quoted, and the
/// error still says where and what is wrong.
#[test]
fn secrets_of_the_wrong_type_are_never_quoted() {
    const HOOK: &str =
        "hooks:\n  a:\n    uri: https://h.example.com/\n    events: [user.session.start]\n";
    for (line, secret, at, what) in [
        (
            "    auth: {key: Authorization, valueFrom: Hunter19Secret}\n",
            "Hunter19Secret",
            "hooks.yaml:5:43: hooks.a.auth.valueFrom: invalid type: a string, expected {env: VAR} or {file: PATH}",
            "string",
        ),
        (
            "    auth: Hunter20Secret\n",
            "Hunter20Secret",
            "hooks.yaml:5:11: hooks.a.auth: invalid type: a string, expected {key: NAME, valueFrom:",
            "string",
        ),
        (
            "    headers: {Authorization: {valueFrom: \"Hunter14Secret\"}}\n",
            "Hunter14Secret",
            "hooks.yaml:5:42: hooks.a.headers.Authorization.valueFrom: invalid type: a string, expected {env: VAR} or {file: PATH}",
            "string",
        ),
        (
            "    headers: {X-Api-Key: 314159265358}\n",
            "314159",
            "hooks.yaml:5:26: hooks.a.headers.X-Api-Key: invalid type: a number, expected a string, or {valueFrom:",
            "number",
        ),
        (
            "    headers: {X-Flag: true}\n",
            "true",
            "hooks.yaml:5:23: hooks.a.headers.X-Flag: invalid type: a boolean",
            "boolean",
        ),
        (
            "    auth: {valueFrom: {env: 314159265358}}\n",
            "314159",
            "hooks.yaml:5:29: hooks.a.auth.valueFrom.env: invalid type: a number, expected the name of an environment variable",
            "number",
        ),
        (
            "    auth: {valueFrom: {Hunter19Secret: x}}\n",
            "Hunter19Secret",
            "hooks.yaml:5:23: hooks.a.auth.valueFrom: unknown key (not shown: a secret may be here), expected env or file",
            "key",
        ),
        (
            "    auth: [Hunter20Secret]\n",
            "Hunter20Secret",
            "hooks.yaml:5:11: hooks.a.auth: invalid type: a sequence",
            "sequence",
        ),
        (
            "    headers: {X-Api-Key: {Hunter14Secret: 1}}\n",
            "Hunter14Secret",
            "hooks.yaml:5:26: hooks.a.headers.X-Api-Key: unknown key (not shown: a secret may be here), expected valueFrom",
            "key",
        ),
    ] {
        let err = load_text(&format!("{HOOK}{line}")).unwrap_err();
        assert!(!err.contains(secret), "{what}: {err}");
        assert!(err.starts_with(at), "{what}: {err}");
    }
    // JSON too, with its position.
    let json = r#"{"hooks": {"a": {"uri": "https://h.example.com/", "events": ["user.session.start"],
        "auth": {"key": "Authorization", "valueFrom": "Hunter19Secret"}}}}"#;
    let err = load_text(json).unwrap_err();
    assert!(!err.contains("Hunter19Secret"), "{err}");
    assert!(err.starts_with("hooks.yaml:2:"), "{err}");
    assert!(
        err.contains("invalid type: a string, expected {env: VAR}"),
        "{err}"
    );
    let json = r#"{"hooks": {"a": {"uri": "https://h.example.com/", "events": ["user.session.start"],
        "auth": "Hunter20Secret"}}}"#;
    let err = load_text(json).unwrap_err();
    assert!(
        !err.contains("Hunter20Secret") && err.contains("invalid type: a string"),
        "{err}"
    );
}

#[test]
fn okta_rules_are_the_sdks_with_positions() {
    let text = "\
hooks:
  a:
    uri: https://h.example.com/
    events: [user.session.start, user.session.start]
    filters:
      user.session.start: \"event.outcome.result == 'FAILURE'\"
      user.lifecycle.create: \"event.outcome.result eq 'FAILURE'\"
";
    let err = load_text(text).unwrap_err();
    assert!(err.starts_with("the manifest has 3 problems:"), "{err}");
    assert!(
        err.contains("hooks.yaml:4:34: hooks.a.events[1]: Event type \"user.session.start\" is listed more than once"),
        "{err}"
    );
    assert!(
        err.contains("hooks.yaml:6:7: hooks.a.filters.\"user.session.start\": The filter for event type \"user.session.start\" is not valid: column 22"),
        "{err}"
    );
    assert!(
        err.contains("hooks.yaml:7:7: hooks.a.filters.\"user.lifecycle.create\": A filter is given for event type \"user.lifecycle.create\", which the hook does not subscribe to"),
        "{err}"
    );
}

#[test]
fn overrides_are_checked_where_they_are() {
    let text = "\
hooks:
  a: {uri: 'https://h.example.com/', events: [user.session.start]}
orgs:
  prod:
    hooks:
      a: {uri: 'http://h.example.com/'}
      b: {uri: 'https://h.example.com/'}
  dev: {profile: ''}
";
    let err = load_text(text).unwrap_err();
    assert!(
        err.contains("hooks.yaml:8:9: orgs.dev.profile: the profile name is empty"),
        "{err}"
    );
    assert!(
        err.contains("hooks.yaml:6:11: orgs.prod.hooks.a.uri: The URI \"http://h.example.com/\" must start with https://"),
        "{err}"
    );
    assert!(
        err.contains(
            "hooks.yaml:7:7: orgs.prod.hooks.b: overrides a hook that is not under hooks:"
        ),
        "{err}"
    );
}

#[test]
fn deep_nesting_is_refused_before_parsing() {
    let text = format!("hooks: {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
    let started = std::time::Instant::now();
    let err = load_text(&text).unwrap_err();
    assert!(
        err.starts_with(
            "hooks.yaml: its [ ] and { } collections are nested more than 64 deep (line 1)"
        ),
        "{err}"
    );
    // Refused by the pre-scan, not after a slow parse (generous for a loaded machine).
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
}

#[test]
fn locate_finds_keys_items_and_parents() {
    let source = Source::from_text("f", EXAMPLE);
    let at = |path: &[&str]| {
        source
            .locate(&source::KeyPath::of(path))
            .map(|p| (p.line, p.column))
    };
    assert_eq!(at(&["hooks", "audit-sink"]), Some((2, 3)));
    assert_eq!(
        at(&["hooks", "audit-sink", "auth", "valueFrom"]),
        Some((9, 7))
    );
    assert_eq!(
        at(&["orgs", "prod", "hooks", "audit-sink", "uri"]),
        Some((15, 46))
    );
    // A key that is not there: its closest parent.
    assert_eq!(at(&["hooks", "audit-sink", "nothing"]), Some((2, 3)));
    let events = source::KeyPath::of(&["hooks", "audit-sink", "events"]).index(1);
    assert_eq!(
        source.locate(&events).map(|p| (p.line, p.column)),
        Some((10, 37))
    );
}

#[test]
fn event_types_come_from_okta_s_catalog_with_the_opt_out() {
    let text = "hooks:\n  a:\n    uri: https://h.example.com/\n    events: [user.session.start, user.sesion.end, example.newer.type]\n";
    let err = load_text(text).unwrap_err();
    assert!(
        err.contains("hooks.yaml:4:34: hooks.a.events[1]: "),
        "{err}"
    );
    assert!(
        err.contains("user.session.end"),
        "the nearest eligible name: {err}"
    );
    let allowed = checked(
        Source::from_text("hooks.yaml", text),
        UnknownEventTypes::Allowed,
    );
    assert!(
        allowed.is_ok(),
        "{:?}",
        allowed.err().map(|e| e.to_string())
    );
}
