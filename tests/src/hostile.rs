//! Hostile input for property tests of the parsers: text made of YAML's and JSON's syntax,
//! and the deep shapes that have cost parsers time or stack.

use proptest::prelude::*;

/// How many cases a property test of a parser runs: enough to find a panic in the branches the
/// generators reach, bounded so that the suite stays quick.
pub const CASES: u32 = 256;

/// Any text: arbitrary strings, YAML-like and JSON-like text, and deep nesting.
pub fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        yaml_like(),
        yaml_like().prop_map(|yaml| format!("okta:\n  client:\n    {yaml}")),
        json_like(),
        deep(),
    ]
}

/// Text made of YAML's indicators, quotes, indentation, line breaks and a few words.
pub fn yaml_like() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("["),
        Just("]"),
        Just("{"),
        Just("}"),
        Just(","),
        Just(": "),
        Just(":"),
        Just("- "),
        Just("? "),
        Just("'"),
        Just("''"),
        Just("\""),
        Just("\\"),
        Just(" #"),
        Just("|"),
        Just(">-"),
        Just("&a "),
        Just("*a"),
        Just("!!str "),
        Just("\n"),
        Just("\r\n"),
        Just("  "),
        Just("\t"),
        Just("---\n"),
        Just("...\n"),
        Just("%YAML 1.1\n"),
        Just("name"),
        Just("events"),
        Just("items"),
        Just("channel"),
        Just("orgUrl"),
        Just("https://a:b@h/x"),
        Just("user.session.start"),
        Just("1e999"),
        Just("é"),
        Just("\u{0}"),
    ];
    prop::collection::vec(piece, 0..300).prop_map(|pieces| pieces.concat())
}

/// Text made of JSON's syntax.
pub fn json_like() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("{"),
        Just("}"),
        Just("["),
        Just("]"),
        Just(","),
        Just(":"),
        Just("\"name\""),
        Just("\"events\""),
        Just("\"items\""),
        Just("\"\\u0000\""),
        Just("\"\\ud800\""),
        Just("null"),
        Just("1e400"),
        Just("-0"),
        Just(" "),
    ];
    prop::collection::vec(piece, 0..300).prop_map(|pieces| format!("{{{}", pieces.concat()))
}

/// One shape repeated up to 100,000 times, or indentation growing up to 1,000 levels.
pub fn deep() -> impl Strategy<Value = String> {
    let repeated = (
        prop_oneof![
            Just("["),
            Just("{"),
            Just("[a, "),
            Just("{a: "),
            Just("- "),
            Just("? "),
            Just("&a [*a, "),
            Just("{\"a\":"),
            Just("'"),
        ],
        1usize..100_000,
    )
        .prop_map(|(unit, count)| format!("a: {}", unit.repeat(count)));
    let indented = (1usize..1_000).prop_map(|depth| {
        (0..depth)
            .map(|level| format!("{}a:\n", " ".repeat(level)))
            .collect()
    });
    prop_oneof![repeated, indented]
}
