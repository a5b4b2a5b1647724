//! The subset of Okta's System Log filter language (SCIM-like, RFC 7644 section 3.4.2.2) the
//! emulator evaluates. Anything outside it is refused with the reason, never answered wrongly:
//!
//! - attributes: the names in [`ATTRIBUTES`] (case-insensitive, as in SCIM); over `target`,
//!   which is a list, a comparison holds when it holds for any target;
//! - operators: `eq`, `ne`, `co`, `sw`, `ew` with a double-quoted string (`\"` and `\\`
//!   escape), and `pr`; values are compared exactly (case-sensitive); `ne` is "not `eq`";
//! - `and`, `or` (`and` binds tighter), `not (...)`, parentheses;
//! - refused: `gt`, `ge`, `lt`, `le` (use `since`/`until` for time), other attributes, values
//!   that are not strings, `[ ]` (Okta refuses it too), more than [`MAX_FILTER_CHARS`]
//!   characters or [`MAX_DEPTH`] levels of nesting.

use serde_json::Value;

/// Longest filter accepted.
pub(crate) const MAX_FILTER_CHARS: usize = 2048;
/// Deepest nesting of parentheses and `not`.
pub(crate) const MAX_DEPTH: usize = 16;

/// The attributes a filter may name: their SCIM name, which is also their path in a LogEvent.
pub(crate) const ATTRIBUTES: &[&str] = &[
    "eventType",
    "uuid",
    "severity",
    "displayMessage",
    "legacyEventType",
    "version",
    "outcome.result",
    "outcome.reason",
    "actor.id",
    "actor.type",
    "actor.alternateId",
    "actor.displayName",
    "target.id",
    "target.type",
    "target.alternateId",
    "target.displayName",
    "client.ipAddress",
    "client.zone",
    "transaction.id",
    "transaction.type",
];

/// The values of every [`ATTRIBUTES`] entry in one event: `(attribute index, value)`.
pub(crate) type Values = Vec<(u8, Box<str>)>;

/// Reads the values filters can compare (strings only; a list such as `target` gives one
/// value per element).
pub(crate) fn values(event: &Value) -> Values {
    let mut out = Vec::new();
    for (index, name) in ATTRIBUTES.iter().enumerate() {
        let mut found = Vec::new();
        collect(event, name.split('.'), &mut found);
        let index = u8::try_from(index).unwrap_or(u8::MAX);
        out.extend(found.into_iter().map(|v| (index, Box::from(v))));
    }
    out
}

fn collect<'a, 'p>(
    value: &'a Value,
    mut path: impl Iterator<Item = &'p str> + Clone,
    out: &mut Vec<&'a str>,
) {
    match value {
        Value::Array(items) => {
            for item in items {
                collect(item, path.clone(), out);
            }
        }
        _ => match path.next() {
            None => {
                if let Value::String(s) = value {
                    out.push(s);
                }
            }
            Some(key) => {
                if let Some(next) = value.get(key) {
                    collect(next, path, out);
                }
            }
        },
    }
}

/// A parsed filter.
#[derive(Debug, PartialEq)]
pub(crate) enum Filter {
    Or(Box<Filter>, Box<Filter>),
    And(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
    Present(u8),
    Compare(u8, Op, String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Op {
    Eq,
    Ne,
    Co,
    Sw,
    Ew,
}

impl Filter {
    /// Parses `text`; the error says what is wrong and where (1-based character column).
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        if text.chars().count() > MAX_FILTER_CHARS {
            return Err(format!(
                "the filter is longer than {MAX_FILTER_CHARS} characters"
            ));
        }
        let tokens = lex(text)?;
        let mut parser = Parser {
            tokens,
            at: 0,
            end: text.chars().count() + 1,
        };
        let filter = parser.or(0)?;
        match parser.peek() {
            None => Ok(filter),
            Some(token) => Err(format!(
                "column {}: unexpected {}",
                token.column,
                token.kind.describe()
            )),
        }
    }

    /// Whether an event with these values passes.
    pub(crate) fn matches(&self, values: &Values) -> bool {
        let of = |attr: u8| {
            values
                .iter()
                .filter(move |(a, _)| *a == attr)
                .map(|(_, v)| &**v)
        };
        match self {
            Filter::Or(a, b) => a.matches(values) || b.matches(values),
            Filter::And(a, b) => a.matches(values) && b.matches(values),
            Filter::Not(inner) => !inner.matches(values),
            Filter::Present(attr) => of(*attr).next().is_some(),
            Filter::Compare(attr, Op::Ne, wanted) => !of(*attr).any(|v| v == wanted),
            Filter::Compare(attr, op, wanted) => of(*attr).any(|v| match op {
                Op::Eq => v == wanted,
                Op::Co => v.contains(wanted.as_str()),
                Op::Sw => v.starts_with(wanted.as_str()),
                Op::Ew => v.ends_with(wanted.as_str()),
                Op::Ne => unreachable!("handled above"),
            }),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Kind {
    Word(String),
    Str(String),
    Open,
    Close,
    Bracket,
    Other(char),
}

impl Kind {
    fn describe(&self) -> String {
        match self {
            Kind::Word(w) => format!("'{w}'"),
            Kind::Str(s) => format!("string \"{s}\""),
            Kind::Open => "'('".into(),
            Kind::Close => "')'".into(),
            Kind::Bracket => "'['".into(),
            Kind::Other(c) => format!("{c:?}"),
        }
    }
}

#[derive(Clone)]
struct Token {
    kind: Kind,
    column: usize,
}

fn lex(text: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let mut chars = text.chars().enumerate().peekable();
    while let Some((at, c)) = chars.next() {
        let column = at + 1;
        let kind = match c {
            c if c.is_whitespace() => continue,
            '(' => Kind::Open,
            ')' => Kind::Close,
            '[' | ']' => Kind::Bracket,
            '"' => {
                let mut s = String::new();
                loop {
                    match chars.next() {
                        None => return Err(format!("column {column}: the string is not closed")),
                        Some((_, '"')) => break,
                        Some((_, '\\')) => match chars.next() {
                            Some((_, e @ ('"' | '\\'))) => s.push(e),
                            _ => {
                                return Err(format!(
                                    "column {column}: only \\\" and \\\\ escapes are supported in a string"
                                ));
                            }
                        },
                        Some((_, other)) => s.push(other),
                    }
                }
                Kind::Str(s)
            }
            c if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '$' | ':') => {
                let mut word = String::from(c);
                while let Some((_, next)) = chars.next_if(|(_, n)| {
                    n.is_ascii_alphanumeric() || matches!(n, '.' | '_' | '-' | '$' | ':')
                }) {
                    word.push(next);
                }
                Kind::Word(word)
            }
            other => Kind::Other(other),
        };
        tokens.push(Token { kind, column });
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
    /// The column just past the text.
    end: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.at).cloned();
        self.at += 1;
        token
    }

    /// The next token is the keyword `word` (case-insensitive).
    fn keyword(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Token { kind: Kind::Word(w), .. }) if w.eq_ignore_ascii_case(word))
    }

    fn or(&mut self, depth: usize) -> Result<Filter, String> {
        let mut left = self.and(depth)?;
        while self.keyword("or") {
            self.at += 1;
            left = Filter::Or(Box::new(left), Box::new(self.and(depth)?));
        }
        Ok(left)
    }

    fn and(&mut self, depth: usize) -> Result<Filter, String> {
        let mut left = self.factor(depth)?;
        while self.keyword("and") {
            self.at += 1;
            left = Filter::And(Box::new(left), Box::new(self.factor(depth)?));
        }
        Ok(left)
    }

    fn factor(&mut self, depth: usize) -> Result<Filter, String> {
        if depth >= MAX_DEPTH {
            return Err(format!("the filter nests deeper than {MAX_DEPTH} levels"));
        }
        let end = self.end;
        let negated = self.keyword("not");
        if negated {
            self.at += 1;
        }
        let Some(token) = self.next() else {
            return Err(format!(
                "column {end}: the filter ends where a comparison was expected"
            ));
        };
        let column = token.column;
        if token.kind == Kind::Open {
            let inner = self.or(depth + 1)?;
            match self.next() {
                Some(Token {
                    kind: Kind::Close, ..
                }) => {}
                Some(other) => {
                    return Err(format!(
                        "column {}: expected ')' but found {}",
                        other.column,
                        other.kind.describe()
                    ));
                }
                None => return Err(format!("column {column}: '(' is not closed")),
            }
            return Ok(if negated {
                Filter::Not(Box::new(inner))
            } else {
                inner
            });
        }
        if negated {
            return Err(format!("column {column}: 'not' must be followed by '('"));
        }
        let Kind::Word(name) = token.kind else {
            return Err(match token.kind {
                Kind::Bracket => {
                    format!("column {column}: '[ ]' is not supported in System Log filters")
                }
                other => format!(
                    "column {column}: expected an attribute but found {}",
                    other.describe()
                ),
            });
        };
        let Some(attr) = ATTRIBUTES
            .iter()
            .position(|a| a.eq_ignore_ascii_case(&name))
        else {
            return Err(format!(
                "column {column}: the emulator does not filter on {name}; it supports {}",
                ATTRIBUTES.join(", ")
            ));
        };
        let attr = u8::try_from(attr).unwrap_or(u8::MAX);
        let Some(Token {
            kind: Kind::Word(op),
            column: op_column,
        }) = self.next()
        else {
            return Err(format!("column {column}: an operator must follow {name}"));
        };
        let op = match op.to_ascii_lowercase().as_str() {
            "pr" => return Ok(Filter::Present(attr)),
            "eq" => Op::Eq,
            "ne" => Op::Ne,
            "co" => Op::Co,
            "sw" => Op::Sw,
            "ew" => Op::Ew,
            "gt" | "ge" | "lt" | "le" => {
                return Err(format!(
                    "column {op_column}: the emulator does not support the operator {op}; it supports eq, ne, co, sw, ew and pr (use since and until for time)"
                ));
            }
            _ => {
                return Err(format!(
                    "column {op_column}: {op} is not an operator; the emulator supports eq, ne, co, sw, ew and pr"
                ));
            }
        };
        match self.next() {
            Some(Token {
                kind: Kind::Str(value),
                ..
            }) => Ok(Filter::Compare(attr, op, value)),
            Some(other) => Err(format!(
                "column {}: expected a double-quoted string but found {}",
                other.column,
                other.kind.describe()
            )),
            None => Err(format!(
                "column {}: a value must follow the operator",
                self.end
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event() -> Values {
        values(&json!({
            "eventType": "group.user_membership.add",
            "outcome": {"result": "SUCCESS"},
            "actor": {"id": "00uadmin", "type": "User"},
            "target": [{"id": "00ujane", "type": "User"}, {"id": "00gsales", "type": "UserGroup", "displayName": "Sales"}],
            "client": {"ipAddress": null}
        }))
    }

    #[test]
    fn the_subset_evaluates_like_scim() {
        let e = event();
        for (filter, expected) in [
            (r#"eventType eq "group.user_membership.add""#, true),
            (r#"EVENTTYPE EQ "group.user_membership.add""#, true),
            (r#"eventType eq "GROUP.USER_MEMBERSHIP.ADD""#, false),
            (
                r#"eventType eq "user.session.start" or eventType eq "group.user_membership.add""#,
                true,
            ),
            (
                r#"eventType sw "group." and target.type eq "UserGroup""#,
                true,
            ),
            (
                r#"target.displayName eq "Sales" and not (outcome.result eq "FAILURE")"#,
                true,
            ),
            (r#"target.id eq "00ujane""#, true),
            (r#"target.type ne "UserGroup""#, false),
            (r#"eventType co "membership" and eventType ew ".add""#, true),
            (r#"client.ipAddress pr"#, false),
            (
                r#"actor.id pr and (eventType eq "a" or (eventType eq "b" or actor.type eq "User"))"#,
                true,
            ),
            (
                r#"eventType eq "x" and eventType eq "y" or actor.id eq "00uadmin""#,
                true,
            ),
            (r#"eventType eq "q\"uote\\""#, false),
        ] {
            let parsed = Filter::parse(filter).unwrap_or_else(|e| panic!("{filter}: {e}"));
            assert_eq!(parsed.matches(&e), expected, "{filter}");
        }
    }

    #[test]
    fn what_is_outside_the_subset_is_refused_with_where() {
        for (filter, error) in [
            (
                r#"published gt "2026-01-01T00:00:00Z""#,
                "column 1: the emulator does not filter on published",
            ),
            (
                r#"eventType gt "a""#,
                "column 11: the emulator does not support the operator gt",
            ),
            (
                r#"eventType eq 'single'"#,
                "column 14: expected a double-quoted string",
            ),
            (
                r#"eventType eq 5"#,
                "column 14: expected a double-quoted string",
            ),
            (
                r#"target[type eq "User"]"#,
                "column 1: the emulator does not filter on target",
            ),
            (r#"[type eq "User"]"#, "column 1: '[ ]' is not supported"),
            (
                r#"eventType eq "a" and"#,
                "column 21: the filter ends where a comparison was expected",
            ),
            (r#"(eventType eq "a""#, "column 1: '(' is not closed"),
            (r#"eventType eq "a")"#, "column 17: unexpected ')'"),
            (
                r#"not eventType eq "a""#,
                "column 5: 'not' must be followed by '('",
            ),
            (
                r#"eventType like "a""#,
                "column 11: like is not an operator",
            ),
            (
                r#"eventType eq "open"#,
                "column 14: the string is not closed",
            ),
            (
                "",
                "column 1: the filter ends where a comparison was expected",
            ),
        ] {
            let got = Filter::parse(filter).unwrap_err();
            assert!(got.starts_with(error), "{filter}: {got}");
        }
        let deep = format!("{}eventType pr{}", "(".repeat(20), ")".repeat(20));
        assert!(Filter::parse(&deep).unwrap_err().contains("deeper than 16"));
        let long = format!("eventType eq \"{}\"", "a".repeat(MAX_FILTER_CHARS));
        assert!(Filter::parse(&long).unwrap_err().contains("longer than"));
    }
}
