//! The subset of the Okta Expression Language that the emulator evaluates in hook filters.
//!
//! | construct | example |
//! |---|---|
//! | paths on the event | `event.outcome.result`, `event.actor.alternateId` |
//! | string, number, `true`/`false`/`null` literals | `'SUCCESS'`, `"x"`, `3`, `-1.5` |
//! | comparisons | `eq ne lt gt le ge` and `== != < > <= >=` |
//! | logic | `&&` / `and`, `\|\|` / `or`, `!` / `not`, parentheses |
//! | selection (projection) on arrays | `event.target.?[type eq 'UserGroup']` (fields of the element are bare names) |
//! | size | `.size()` on an array or a string |
//!
//! Anything else (other method calls, `?:`, `matches`, functions such as `String.stringContains`,
//! indexing, variables other than `event`) is reported as [`FilterError::Unsupported`], never
//! guessed. A missing field is `null`; ordering comparisons between values of different types
//! are false.

use serde_json::Value;

/// Why a filter could not be evaluated.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FilterError {
    /// The expression uses Expression Language the emulator does not implement.
    #[error("unsupported filter expression {expression:?}: {reason}")]
    Unsupported {
        /// The expression as stored.
        expression: String,
        /// What is not supported, and where.
        reason: String,
    },
    /// The expression does not produce a boolean for this event.
    #[error("filter expression {expression:?} is not a boolean for this event: {reason}")]
    NotBoolean {
        /// The expression as stored.
        expression: String,
        /// What it produced.
        reason: String,
    },
}

/// Evaluates `expression` against one LogEvent.
pub fn evaluate(expression: &str, event: &Value) -> Result<bool, FilterError> {
    let unsupported = |reason: String| FilterError::Unsupported {
        expression: expression.to_owned(),
        reason,
    };
    let tokens = lex(expression).map_err(unsupported)?;
    let mut parser = Parser {
        tokens,
        pos: 0,
        depth: 0,
    };
    let ast = parser.expr().map_err(unsupported)?;
    if parser.pos != parser.tokens.len() {
        return Err(unsupported(format!(
            "unexpected {} after the end of the expression",
            parser.tokens[parser.pos].describe()
        )));
    }
    let not_bool = |reason: String| FilterError::NotBoolean {
        expression: expression.to_owned(),
        reason,
    };
    match eval(&ast, event, None).map_err(not_bool)? {
        Value::Bool(b) => Ok(b),
        other => Err(not_bool(format!("it produced {other}"))),
    }
}

/// Checks that `expression` is inside the supported subset (without an event).
pub fn check(expression: &str) -> Result<(), FilterError> {
    let unsupported = |reason: String| FilterError::Unsupported {
        expression: expression.to_owned(),
        reason,
    };
    let tokens = lex(expression).map_err(unsupported)?;
    let mut parser = Parser {
        tokens,
        pos: 0,
        depth: 0,
    };
    parser.expr().map_err(unsupported)?;
    if parser.pos != parser.tokens.len() {
        return Err(unsupported("trailing input".into()));
    }
    Ok(())
}

#[derive(Clone, Debug, PartialEq)]
enum Token {
    Ident(String),
    Str(String),
    Num(f64),
    Dot,
    Select, // .?[
    LBracket,
    RBracket,
    LParen,
    RParen,
    And,
    Or,
    Not,
    Cmp(Cmp),
    Other(char),
}

impl Token {
    fn describe(&self) -> String {
        match self {
            Token::Ident(s) => format!("name '{s}'"),
            Token::Str(s) => format!("string '{s}'"),
            Token::Num(n) => format!("number {n}"),
            Token::Dot => "'.'".into(),
            Token::Select => "'.?['".into(),
            Token::LBracket => "'['".into(),
            Token::RBracket => "']'".into(),
            Token::LParen => "'('".into(),
            Token::RParen => "')'".into(),
            Token::And => "'&&'".into(),
            Token::Or => "'||'".into(),
            Token::Not => "'!'".into(),
            Token::Cmp(c) => format!("comparison {c:?}"),
            Token::Other(c) => format!("'{c}'"),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Cmp {
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
}

fn lex(src: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        match c {
            c if c.is_whitespace() => i += 1,
            '.' if next == Some('?') && chars.get(i + 2) == Some(&'[') => {
                out.push(Token::Select);
                i += 3;
            }
            '.' if next.is_some_and(|n| n.is_ascii_digit()) => {
                return Err("numbers must start with a digit".into());
            }
            '.' => {
                out.push(Token::Dot);
                i += 1;
            }
            '[' => {
                out.push(Token::LBracket);
                i += 1;
            }
            ']' => {
                out.push(Token::RBracket);
                i += 1;
            }
            '(' => {
                out.push(Token::LParen);
                i += 1;
            }
            ')' => {
                out.push(Token::RParen);
                i += 1;
            }
            '&' if next == Some('&') => {
                out.push(Token::And);
                i += 2;
            }
            '|' if next == Some('|') => {
                out.push(Token::Or);
                i += 2;
            }
            '=' if next == Some('=') => {
                out.push(Token::Cmp(Cmp::Eq));
                i += 2;
            }
            '!' if next == Some('=') => {
                out.push(Token::Cmp(Cmp::Ne));
                i += 2;
            }
            '!' => {
                out.push(Token::Not);
                i += 1;
            }
            '<' | '>' => {
                let or_equal = next == Some('=');
                out.push(Token::Cmp(match (c, or_equal) {
                    ('<', false) => Cmp::Lt,
                    ('<', true) => Cmp::Le,
                    (_, false) => Cmp::Gt,
                    (_, true) => Cmp::Ge,
                }));
                i += if or_equal { 2 } else { 1 };
            }
            '\'' | '"' => {
                // SpEL escapes a quote by doubling it.
                let quote = c;
                let mut s = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err("unterminated string literal".into()),
                        Some(&q) if q == quote && chars.get(i + 1) == Some(&quote) => {
                            s.push(quote);
                            i += 2;
                        }
                        Some(&q) if q == quote => {
                            i += 1;
                            break;
                        }
                        Some(&ch) => {
                            s.push(ch);
                            i += 1;
                        }
                    }
                }
                out.push(Token::Str(s));
            }
            c if c.is_ascii_digit()
                || (c == '-'
                    && next.is_some_and(|n| n.is_ascii_digit())
                    && !matches!(
                        out.last(),
                        Some(Token::Ident(_) | Token::Str(_) | Token::Num(_) | Token::RParen)
                    )) =>
            {
                let start = i;
                i += 1;
                while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                    i += 1;
                }
                let text: String = chars[start..i].iter().collect();
                let n = text
                    .parse::<f64>()
                    .map_err(|_| format!("invalid number {text}"))?;
                out.push(Token::Num(n));
            }
            c if c.is_alphabetic() || c == '_' || c == '$' => {
                let start = i;
                while i < chars.len()
                    && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '$')
                {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                out.push(match word.to_ascii_lowercase().as_str() {
                    "and" => Token::And,
                    "or" => Token::Or,
                    "not" => Token::Not,
                    "eq" => Token::Cmp(Cmp::Eq),
                    "ne" => Token::Cmp(Cmp::Ne),
                    "lt" => Token::Cmp(Cmp::Lt),
                    "gt" => Token::Cmp(Cmp::Gt),
                    "le" => Token::Cmp(Cmp::Le),
                    "ge" => Token::Cmp(Cmp::Ge),
                    _ => Token::Ident(word),
                });
            }
            other => {
                out.push(Token::Other(other));
                i += 1;
            }
        }
    }
    Ok(out)
}

#[derive(Debug)]
enum Ast {
    Lit(Value),
    /// A bare name: `event`, or a field of the element inside a selection.
    Name(String),
    Field(Box<Ast>, String),
    Select(Box<Ast>, Box<Ast>),
    Size(Box<Ast>),
    Not(Box<Ast>),
    And(Box<Ast>, Box<Ast>),
    Or(Box<Ast>, Box<Ast>),
    Cmp(Cmp, Box<Ast>, Box<Ast>),
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    depth: usize,
}

/// Deepest nesting of parentheses, selections and `!` accepted (keeps the stack bounded).
const MAX_DEPTH: usize = 64;

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn bump(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn expect(&mut self, want: &Token) -> Result<(), String> {
        match self.bump() {
            Some(t) if &t == want => Ok(()),
            Some(t) => Err(format!(
                "expected {} but found {}",
                want.describe(),
                t.describe()
            )),
            None => Err(format!("expected {} at the end", want.describe())),
        }
    }

    fn expr(&mut self) -> Result<Ast, String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(format!(
                "the expression is nested more than {MAX_DEPTH} levels deep"
            ));
        }
        let mut left = self.and()?;
        while self.peek() == Some(&Token::Or) {
            self.pos += 1;
            left = Ast::Or(Box::new(left), Box::new(self.and()?));
        }
        self.depth -= 1;
        Ok(left)
    }

    fn and(&mut self) -> Result<Ast, String> {
        let mut left = self.unary()?;
        while self.peek() == Some(&Token::And) {
            self.pos += 1;
            left = Ast::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Ast, String> {
        if self.peek() == Some(&Token::Not) {
            self.pos += 1;
            self.depth += 1;
            if self.depth > MAX_DEPTH {
                return Err(format!(
                    "the expression is nested more than {MAX_DEPTH} levels deep"
                ));
            }
            let inner = self.unary()?;
            self.depth -= 1;
            return Ok(Ast::Not(Box::new(inner)));
        }
        let left = self.postfix()?;
        if let Some(Token::Cmp(op)) = self.peek() {
            let op = *op;
            self.pos += 1;
            let right = self.postfix()?;
            if let Some(Token::Cmp(_)) = self.peek() {
                return Err("chained comparisons are not supported; use && between them".into());
            }
            return Ok(Ast::Cmp(op, Box::new(left), Box::new(right)));
        }
        Ok(left)
    }

    fn postfix(&mut self) -> Result<Ast, String> {
        let mut node = self.primary()?;
        loop {
            match self.peek() {
                Some(Token::Dot) => {
                    self.pos += 1;
                    let Some(Token::Ident(name)) = self.bump() else {
                        return Err("expected a field name after '.'".into());
                    };
                    if self.peek() == Some(&Token::LParen) {
                        if name != "size" {
                            return Err(format!("method {name}() is not supported (only size())"));
                        }
                        self.pos += 1;
                        self.expect(&Token::RParen)?;
                        node = Ast::Size(Box::new(node));
                    } else {
                        node = Ast::Field(Box::new(node), name);
                    }
                }
                Some(Token::Select) => {
                    self.pos += 1;
                    let predicate = self.expr()?;
                    self.expect(&Token::RBracket)?;
                    node = Ast::Select(Box::new(node), Box::new(predicate));
                }
                Some(Token::LBracket) => {
                    return Err("indexing with [...] is not supported".into());
                }
                _ => return Ok(node),
            }
        }
    }

    fn primary(&mut self) -> Result<Ast, String> {
        match self.bump() {
            Some(Token::Str(s)) => Ok(Ast::Lit(Value::String(s))),
            Some(Token::Num(n)) => Ok(Ast::Lit(
                serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number),
            )),
            Some(Token::Ident(word)) => match word.as_str() {
                "true" => Ok(Ast::Lit(Value::Bool(true))),
                "false" => Ok(Ast::Lit(Value::Bool(false))),
                "null" => Ok(Ast::Lit(Value::Null)),
                _ if self.peek() == Some(&Token::LParen) => {
                    Err(format!("function {word}() is not supported"))
                }
                _ => Ok(Ast::Name(word)),
            },
            Some(Token::LParen) => {
                let inner = self.expr()?;
                self.expect(&Token::RParen)?;
                Ok(inner)
            }
            Some(t) => Err(format!("{} is not supported here", t.describe())),
            None => Err("the expression ends too early".into()),
        }
    }
}

fn eval(ast: &Ast, root: &Value, element: Option<&Value>) -> Result<Value, String> {
    Ok(match ast {
        Ast::Lit(v) => v.clone(),
        Ast::Name(name) if name == "event" => root.clone(),
        Ast::Name(name) => match element {
            Some(el) => el.get(name).cloned().unwrap_or(Value::Null),
            None => return Err(format!("unknown variable '{name}' (use event.{name})")),
        },
        Ast::Field(base, name) => eval(base, root, element)?
            .get(name)
            .cloned()
            .unwrap_or(Value::Null),
        Ast::Select(base, predicate) => {
            let items = match eval(base, root, element)? {
                Value::Array(items) => items,
                Value::Null => Vec::new(),
                other => return Err(format!("selection .?[...] needs an array, not {other}")),
            };
            let mut kept = Vec::new();
            for item in items {
                match eval(predicate, root, Some(&item))? {
                    Value::Bool(true) => kept.push(item),
                    Value::Bool(false) | Value::Null => {}
                    other => return Err(format!("selection predicate produced {other}")),
                }
            }
            Value::Array(kept)
        }
        Ast::Size(base) => match eval(base, root, element)? {
            Value::Array(items) => Value::from(items.len()),
            Value::String(s) => Value::from(s.chars().count()),
            Value::Null => Value::from(0),
            other => return Err(format!("size() needs an array or a string, not {other}")),
        },
        Ast::Not(inner) => Value::Bool(!truth(&eval(inner, root, element)?)?),
        Ast::And(a, b) => {
            Value::Bool(truth(&eval(a, root, element)?)? && truth(&eval(b, root, element)?)?)
        }
        Ast::Or(a, b) => {
            Value::Bool(truth(&eval(a, root, element)?)? || truth(&eval(b, root, element)?)?)
        }
        Ast::Cmp(op, a, b) => Value::Bool(compare(
            *op,
            &eval(a, root, element)?,
            &eval(b, root, element)?,
        )),
    })
}

fn truth(v: &Value) -> Result<bool, String> {
    match v {
        Value::Bool(b) => Ok(*b),
        other => Err(format!("expected true or false, got {other}")),
    }
}

fn compare(op: Cmp, a: &Value, b: &Value) -> bool {
    use std::cmp::Ordering;
    let ordering = match (a, b) {
        (Value::Number(x), Value::Number(y)) => x
            .as_f64()
            .zip(y.as_f64())
            .and_then(|(x, y)| x.partial_cmp(&y)),
        (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        (Value::Null, Value::Null) => Some(Ordering::Equal),
        _ => None,
    };
    match op {
        Cmp::Eq => ordering == Some(Ordering::Equal) || (ordering.is_none() && a == b),
        Cmp::Ne => !(ordering == Some(Ordering::Equal) || (ordering.is_none() && a == b)),
        Cmp::Lt => ordering == Some(Ordering::Less),
        Cmp::Gt => ordering == Some(Ordering::Greater),
        Cmp::Le => matches!(ordering, Some(Ordering::Less | Ordering::Equal)),
        Cmp::Ge => matches!(ordering, Some(Ordering::Greater | Ordering::Equal)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event() -> Value {
        json!({
            "eventType": "group.user_membership.add",
            "outcome": {"result": "SUCCESS"},
            "severity": "INFO",
            "actor": {"alternateId": "admin@example.com"},
            "debugContext": {"debugData": {"risk": 3}},
            "target": [
                {"type": "User", "displayName": "Ann"},
                {"type": "UserGroup", "displayName": "Sales"}
            ]
        })
    }

    #[test]
    fn okta_spec_example_evaluates() {
        let e = event();
        let spec = "event.target.?[type eq 'UserGroup'].size()>0 && event.target.?[displayName eq 'Sales'].size()>0";
        assert_eq!(evaluate(spec, &e), Ok(true));
        assert_eq!(
            evaluate("event.target.?[displayName eq 'Marketing'].size() > 0", &e),
            Ok(false)
        );
    }

    #[test]
    fn comparisons_logic_and_literals() {
        let e = event();
        for (expr, want) in [
            ("event.outcome.result eq 'SUCCESS'", true),
            ("event.outcome.result == \"FAILURE\"", false),
            ("!(event.outcome.result eq 'FAILURE')", true),
            ("not event.severity ne 'INFO'", true),
            (
                "event.debugContext.debugData.risk >= 3 and event.debugContext.debugData.risk lt 4",
                true,
            ),
            ("event.missing.field == null", true),
            (
                "event.outcome.result eq 'FAILURE' || event.actor.alternateId eq 'admin@example.com'",
                true,
            ),
            ("event.target.size() == 2", true),
            ("event.debugContext.debugData.risk > -1", true),
            ("event.outcome.result > 3", false),
        ] {
            assert_eq!(evaluate(expr, &e), Ok(want), "{expr}");
        }
    }

    #[test]
    fn outside_the_subset_is_reported() {
        let e = event();
        for expr in [
            "String.stringContains(event.actor.alternateId, 'admin')",
            "event.actor.alternateId.startsWith('a')",
            "event.target[0].type eq 'User'",
            "outcome.result eq 'SUCCESS'",
            "event.outcome.result eq 'SUCCESS' ? true : false",
            "event.outcome.result eq 'SUCC",
        ] {
            let err = evaluate(expr, &e).unwrap_err();
            assert!(
                matches!(
                    err,
                    FilterError::Unsupported { .. } | FilterError::NotBoolean { .. }
                ),
                "{expr}: {err:?}"
            );
        }
        assert!(matches!(
            evaluate("event.outcome.result", &e),
            Err(FilterError::NotBoolean { .. })
        ));
        assert!(check("event.actor.alternateId.startsWith('a')").is_err());
        let deep = format!("{}true{}", "(".repeat(10_000), ")".repeat(10_000));
        assert!(check(&deep).is_err());
        assert!(check(&"!".repeat(10_000)).is_err());
        assert_eq!(evaluate("((true))", &e), Ok(true));
        assert!(check("event.outcome.result eq 'SUCCESS'").is_ok());
    }
}
