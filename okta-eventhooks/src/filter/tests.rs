//! The language as a table of accepted and refused expressions (with the column of each
//! problem), Okta's documented examples, and the bounds.

use serde_json::json;

use super::*;

fn event(value: serde_json::Value) -> LogEvent {
    serde_json::from_value(value).unwrap()
}

/// A user added to `group`, shaped like the emulator's and Okta's `group.user_membership.add`.
fn added_to(group: &str) -> LogEvent {
    event(json!({
        "eventType": "group.user_membership.add",
        "actor": {"id": "00uadmin", "type": "User", "alternateId": "admin@example.com", "displayName": "Ada Admin"},
        "outcome": {"result": "SUCCESS"},
        "target": [
            {"id": "00u1", "type": "User", "alternateId": "jane@example.com", "displayName": "Jane Doe"},
            {"id": "00g1", "type": "UserGroup", "alternateId": "unknown", "displayName": group}
        ]
    }))
}

fn session(result: &str) -> LogEvent {
    event(json!({"eventType": "user.session.start", "outcome": {"result": result}}))
}

#[test]
fn accepted_expressions() {
    for expression in [
        "event.eventType eq 'user.session.start'",
        "event.outcome.result eq 'FAILURE'",
        "event.outcome.reason ne 'INVALID_CREDENTIALS'",
        "event.actor.id eq '00u1' || event.actor.type eq 'User'",
        "event.actor.alternateId eq 'a@example.com' && event.actor.displayName ne 'Bot'",
        "event.debugData.changedAttributes eq 'firstName'",
        // Okta's spec example and its documented example.
        "event.target.?[type eq 'UserGroup'].size()>0 && event.target.?[displayName eq 'Sales'].size()>0",
        "event.target.?[type eq 'UserGroup' && displayName eq 'Sales'].size()>0",
        "event.target.?[type eq 'UserGroup'].size()> 0",
        "event.target.?[(type eq 'User' || type eq 'AppUser') && alternateId ne 'x'].size() eq 0",
        "event.target.?[id eq '00u1'].size() ne 1",
        "(event.actor.id eq 'a' || event.actor.id eq 'b') && (event.outcome.result ne 'SUCCESS')",
        "event.actor.displayName eq 'O''Brien'",
        "  event . eventType\n\teq 'x'  ",
        "((event.eventType eq 'x'))",
    ] {
        let filter = Filter::parse(expression).unwrap_or_else(|e| panic!("{expression}: {e}"));
        assert_eq!(filter.expression(), expression);
    }
}

#[test]
fn refused_expressions_say_what_and_where() {
    for (expression, column, message) in [
        (
            "event.eventType eq 'x' && event.client.ipAddress eq '10.0.0.1'",
            27,
            "field event.client.ipAddress is not supported in event hook filters; supported: event.eventType, event.outcome.reason, event.outcome.result, event.actor.id, event.actor.type, event.actor.alternateId, event.actor.displayName, event.debugData.changedAttributes, and event.target.?[...].size() over id, type, alternateId, displayName",
        ),
        // Columns count characters, not bytes.
        (
            "event.eventType eq 'é' && event.client.ipAddress eq 'x'",
            27,
            "field event.client.ipAddress",
        ),
        (
            "event.outcome.result == 'FAILURE'",
            22,
            "== is not supported in event hook filters; use eq",
        ),
        (
            "event.outcome.result != 'FAILURE'",
            22,
            "!= is not supported in event hook filters; use ne",
        ),
        (
            "event.outcome.result = 'FAILURE'",
            22,
            "compare with eq (or ne), not =",
        ),
        (
            "event.outcome.result EQ 'FAILURE'",
            22,
            "expected eq or ne, found 'EQ'; operators are written in lower case",
        ),
        (
            "event.outcome.result eq \"FAILURE\"",
            25,
            "strings are written in single quotes",
        ),
        (
            "event.outcome.result eq 'FAILURE",
            25,
            "this string is not closed with a '",
        ),
        (
            "event.outcome.result eq event.outcome.reason",
            25,
            "expected a string in single quotes, found 'event'",
        ),
        (
            "event.outcome.result > 'x'",
            22,
            "a field is compared with eq or ne; > compares a selection's .size()",
        ),
        (
            "'FAILURE' eq event.outcome.result",
            1,
            "put the field on the left of the comparison",
        ),
        (
            "true and true",
            1,
            "true is not supported in event hook filters",
        ),
        (
            "event.eventType eq 'a' and event.eventType eq 'b'",
            24,
            "expected && or || between two conditions, found 'and'; write && for 'and'",
        ),
        (
            "event.eventType eq 'a' OR event.eventType eq 'b'",
            24,
            "write || for 'or'",
        ),
        (
            "event.eventType eq 'a' & event.eventType eq 'b'",
            24,
            "write && for 'and'",
        ),
        (
            "event.eventType eq 'a' | event.eventType eq 'b'",
            24,
            "write || for 'or'",
        ),
        (
            "!(event.eventType eq 'a')",
            1,
            "negation (!) is not supported",
        ),
        (
            "String.stringContains(event.actor.alternateId, 'admin')",
            1,
            "function and method calls are not supported",
        ),
        (
            "event.actor.alternateId.startsWith('a')",
            1,
            "function and method calls are not supported",
        ),
        (
            "event.eventType eq 'a' ? true : false",
            24,
            "unexpected character '?'",
        ),
        (
            "event.debugContext.debugData.changedAttributes eq 'x'",
            1,
            "Okta's name for it is event.debugData.changedAttributes",
        ),
        (
            "outcome.result eq 'x'",
            1,
            "fields start with event., e.g. event.outcome.result",
        ),
        (
            "type eq 'UserGroup'",
            1,
            "target fields are compared inside event.target.?[...]",
        ),
        (
            "event.target eq 'x'",
            1,
            "event.target is a list of targets; write a selection compared by its size",
        ),
        (
            "event.target.?[type eq 'UserGroup']",
            36,
            "but the expression ends here",
        ),
        (
            "event.target.?[eventType eq 'x'].size()>0",
            16,
            "eventType is not a target field event hook filters support; inside .?[...] compare id, type, alternateId, displayName",
        ),
        (
            "event.target.?[event.eventType eq 'x'].size()>0",
            16,
            "event.eventType is not a target field",
        ),
        (
            "event.target.?[type eq 'UserGroup'].size()>=1",
            43,
            "a .size() is compared with >, eq or ne",
        ),
        (
            "event.target.?[type eq 'UserGroup'].size()<1",
            43,
            "a .size() is compared with >, eq or ne",
        ),
        (
            "event.target.?[type eq 'UserGroup'].length()>0",
            37,
            "only .size() can follow a selection",
        ),
        (
            "event.target.?[type eq 'x'].size()>-1",
            36,
            "unexpected character '-'",
        ),
        (
            "event.target.?[type eq 'x'].size()>99999999999999999999999",
            36,
            "this number is too large",
        ),
        (
            "event.target.?[type eq 'x'].size()>0.5",
            36,
            "a number is a whole number of digits only",
        ),
        (
            "event.target.?[type eq 'x'].size()>'1'",
            36,
            "expected a whole number, found the string '1'",
        ),
        (
            "event.target.?[type eq 'x'.size()>0",
            27,
            "expected ] to close the selection, found '.'",
        ),
        (
            "event.target.![type]",
            13,
            "only selections written .?[...] are supported",
        ),
        (
            "event.target[0].type eq 'User'",
            13,
            "indexing with [...] is not supported",
        ),
        (
            "event.outcome.result eq 'A' ||",
            31,
            "expected a field such as event.eventType, but the expression ends here",
        ),
        (
            "(event.eventType eq 'a'",
            24,
            "expected a closing ), but the expression ends here",
        ),
        (
            "event.eventType eq 'a')",
            23,
            "expected && or || between two conditions, found ')'",
        ),
        (
            "event.eventType eq 'a' event.eventType eq 'b'",
            24,
            "expected && or || between two conditions, found 'event'",
        ),
        (
            "event.",
            7,
            "expected a field name after '.', but the expression ends here",
        ),
        (
            "event.eventType",
            16,
            "expected eq or ne, but the expression ends here",
        ),
        ("", 1, "the expression is empty"),
        (" \n ", 1, "the expression is empty"),
        ("event.eventType eq 'a' 💥", 24, "unexpected character '💥'"),
    ] {
        let err = Filter::parse(expression).expect_err(expression);
        assert_eq!(err.column, column, "{expression}: {err}");
        assert!(err.message.contains(message), "{expression}: {err}");
        assert_eq!(err.to_string(), format!("column {column}: {}", err.message));
    }
}

#[test]
fn documented_example_delivers_the_sales_group_and_not_support() {
    let filter =
        Filter::parse("event.target.?[type eq 'UserGroup' && displayName eq 'Sales'].size()>0")
            .unwrap();
    let sales = filter.evaluate(&added_to("Sales"));
    assert!(sales.matched);
    assert_eq!(
        sales.observed,
        "1 of the event's 2 targets match the selection"
    );
    assert_eq!(sales.column, 1);
    let support = filter.evaluate(&added_to("Support"));
    assert!(!support.matched);
    assert_eq!(support.decided_by, filter.expression());
    assert_eq!(
        support.observed,
        "0 of the event's 2 targets match the selection"
    );
}

#[test]
fn spec_example_is_decided_by_the_term_that_failed() {
    let filter = Filter::parse(
        "event.target.?[type eq 'UserGroup'].size()>0 && event.target.?[displayName eq 'Sales'].size()>0",
    )
    .unwrap();
    assert!(filter.matches(&added_to("Sales")));
    let support = filter.evaluate(&added_to("Support"));
    assert!(!support.matched);
    assert_eq!(support.column, 49);
    assert_eq!(
        support.decided_by,
        "event.target.?[displayName eq 'Sales'].size()>0"
    );
    let no_group = filter.evaluate(&session("SUCCESS"));
    assert_eq!(
        (
            no_group.matched,
            no_group.column,
            no_group.observed.as_str()
        ),
        (false, 1, "0 of the event's 0 targets match the selection")
    );
}

#[test]
fn comparisons_and_logic() {
    let failure = Filter::parse("event.outcome.result eq 'FAILURE'").unwrap();
    assert!(failure.matches(&session("FAILURE")));
    let success = failure.evaluate(&session("SUCCESS"));
    assert!(!success.matched);
    assert_eq!(success.observed, "event.outcome.result is 'SUCCESS'");
    // An outcome the SDK does not know is compared as Okta wrote it.
    assert!(
        Filter::parse("event.outcome.result eq 'QUARANTINED'")
            .unwrap()
            .matches(&session("QUARANTINED"))
    );

    let either = Filter::parse(
        "event.eventType eq 'x' || event.outcome.result eq 'FAILURE' || event.eventType eq 'y'",
    )
    .unwrap();
    let decided = either.evaluate(&session("FAILURE"));
    assert_eq!((decided.matched, decided.column), (true, 27));
    let none = either.evaluate(&session("SUCCESS"));
    assert_eq!(
        (none.matched, none.decided_by.as_str()),
        (false, "event.eventType eq 'y'")
    );

    // && binds tighter than ||.
    let precedence = Filter::parse(
        "event.eventType eq 'x' && event.eventType eq 'y' || event.outcome.result eq 'SUCCESS'",
    )
    .unwrap();
    assert!(precedence.matches(&session("SUCCESS")));
    let grouped = Filter::parse(
        "event.eventType eq 'x' && (event.eventType eq 'y' || event.outcome.result eq 'SUCCESS')",
    )
    .unwrap();
    assert!(!grouped.matches(&session("SUCCESS")));
}

#[test]
fn missing_and_non_string_fields_equal_no_string() {
    let bare = event(json!({"debugContext": {"debugData": {"changedAttributes": ["firstName"]}}}));
    for (expression, matched, observed) in [
        ("event.actor.id eq ''", false, "event.actor.id is absent"),
        ("event.actor.id ne 'x'", true, "event.actor.id is absent"),
        (
            "event.debugData.changedAttributes eq 'firstName'",
            false,
            "event.debugData.changedAttributes is [\"firstName\"]",
        ),
        (
            "event.debugData.changedAttributes ne 'firstName'",
            true,
            "event.debugData.changedAttributes is [\"firstName\"]",
        ),
    ] {
        let evaluation = Filter::parse(expression).unwrap().evaluate(&bare);
        assert_eq!(
            (evaluation.matched, evaluation.observed.as_str()),
            (matched, observed),
            "{expression}"
        );
    }
    let changed = event(json!({"debugContext": {"debugData": {"changedAttributes": "firstName"}}}));
    assert!(
        Filter::parse("event.debugData.changedAttributes eq 'firstName'")
            .unwrap()
            .matches(&changed)
    );
}

#[test]
fn size_comparisons() {
    let sales = added_to("Sales");
    for (expression, matched) in [
        (
            "event.target.?[type eq 'User' || type eq 'UserGroup'].size()>1",
            true,
        ),
        (
            "event.target.?[type eq 'User' || type eq 'UserGroup'].size()>2",
            false,
        ),
        ("event.target.?[type eq 'AppInstance'].size() eq 0", true),
        ("event.target.?[type ne 'User'].size() eq 1", true),
        (
            "event.target.?[id eq '00u1' && alternateId eq 'jane@example.com'].size() ne 1",
            false,
        ),
        ("event.target.?[displayName eq 'O''Brien'].size()>0", false),
    ] {
        assert_eq!(
            Filter::parse(expression).unwrap().matches(&sales),
            matched,
            "{expression}"
        );
    }
}

fn chain(term: &str, joiner: &str, count: usize) -> String {
    vec![term; count].join(joiner)
}

#[test]
fn limits_are_checked_before_parsing() {
    // Issue 10: this chain (20,000 terms, 180 KB) overflowed the emulator's stack.
    let issue = chain("true", " and ", 20_000);
    assert!(issue.len() > 179_000);
    let err = Filter::parse(&issue).unwrap_err();
    assert_eq!(err.column, MAX_EXPRESSION_BYTES + 1);
    assert_eq!(
        err.message,
        format!(
            "the expression is {} bytes long; event hook filters may be at most 4096 bytes",
            issue.len()
        )
    );

    let term = "event.eventType eq 'x'";
    let at_limit = chain(term, "||", MAX_TERMS);
    assert!(at_limit.len() <= MAX_EXPRESSION_BYTES);
    Filter::parse(&at_limit).unwrap();
    let over = chain(term, "||", MAX_TERMS + 1);
    let err = Filter::parse(&over).unwrap_err();
    // At the `eq` of the term past the limit.
    assert_eq!(err.column, MAX_TERMS * (term.len() + 2) + 17);
    assert!(err.message.contains("more than 128 comparisons"), "{err}");

    let nested = |depth: usize| format!("{}{term}{}", "(".repeat(depth), ")".repeat(depth));
    Filter::parse(&nested(MAX_DEPTH)).unwrap();
    let err = Filter::parse(&nested(MAX_DEPTH + 1)).unwrap_err();
    assert_eq!(err.column, MAX_DEPTH + 1);
    assert!(err.message.contains("nested more than 32 levels"), "{err}");
    // Selections count as a level.
    let in_selection = format!(
        "{}event.target.?[type eq 'x'].size()>0{}",
        "(".repeat(MAX_DEPTH),
        ")".repeat(MAX_DEPTH)
    );
    assert_eq!(
        Filter::parse(&in_selection).unwrap_err().column,
        MAX_DEPTH + 13
    );
}

/// Runs `work` on a thread with a small stack: a recursion that grows with the input would
/// overflow it (and abort the test binary) long before 20,000 levels.
fn on_small_stack(work: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(work)
        .unwrap()
        .join()
        .unwrap();
}

#[test]
fn a_flat_chain_of_any_length_is_parsed_and_evaluated_without_deep_recursion() {
    on_small_stack(|| {
        let unbounded = Limits {
            bytes: usize::MAX,
            terms: usize::MAX,
            depth: MAX_DEPTH,
        };
        let term = "event.outcome.result eq 'FAILURE'";
        for joiner in [" && ", " || "] {
            let long = chain(term, joiner, 20_000);
            let filter = Filter::parse_within(&long, unbounded).unwrap();
            assert!(filter.matches(&session("FAILURE")));
            let evaluation = filter.evaluate(&session("SUCCESS"));
            assert!(!evaluation.matched);
        }
        // The same length inside a selection.
        let targets = format!(
            "event.target.?[{}].size()>0",
            chain("type eq 'x'", " || ", 20_000)
        );
        let filter = Filter::parse_within(&targets, unbounded).unwrap();
        assert!(!filter.matches(&added_to("Sales")));
    });
}

#[test]
fn deep_nesting_is_refused_before_any_recursion() {
    on_small_stack(|| {
        for open in ["(", "event.target.?["] {
            let deep = open.repeat(100_000);
            let err = Filter::parse_within(
                &deep,
                Limits {
                    bytes: usize::MAX,
                    terms: usize::MAX,
                    depth: MAX_DEPTH,
                },
            )
            .unwrap_err();
            assert!(err.message.contains("nested more than"), "{err}");
        }
    });
}
