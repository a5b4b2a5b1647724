//! Tokens to a [`Condition`]: recursive descent over the grammar below. Chains are read with
//! loops into flat lists; the only recursion is into `( ... )` and `.?[ ... ]`, whose depth
//! the lexer has already bounded.
//!
//! ```text
//! condition := all ( '||' all )*
//! all       := operand ( '&&' operand )*
//! operand   := '(' condition ')' | term
//! term      := FIELD ('eq' | 'ne') STRING
//!            | 'event.target' '.?[' target-condition ']' '.size()' ('>' | 'eq' | 'ne') INT
//! ```
//!
//! A target condition has the same shape, with `id`, `type`, `alternateId` or `displayName`
//! as its fields.

use super::ast::{Comparison, Condition, Equality, EventTerm, SizeOp, Span, TargetCount};
use super::error::FilterError;
use super::fields::{EventField, SUPPORTED_FIELDS, SUPPORTED_TARGET_FIELDS, TargetField};
use super::lexer::{Kind, Token};

pub(super) fn parse(source: &str, tokens: Vec<Token>) -> Result<Condition<EventTerm>, FilterError> {
    let mut parser = Parser {
        source,
        tokens,
        pos: 0,
    };
    if parser.tokens.is_empty() {
        return Err(FilterError::at(source, 0, "the expression is empty"));
    }
    let condition = parser.condition(&mut Parser::event_term)?;
    match parser.peek() {
        None => Ok(condition),
        Some(token) => Err(parser.unexpected(token, "&& or || between two conditions")),
    }
}

struct Parser<'s> {
    source: &'s str,
    tokens: Vec<Token>,
    pos: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn peek_kind(&self) -> Option<&Kind> {
        self.peek().map(|t| &t.kind)
    }

    fn eat(&mut self, kind: &Kind) -> bool {
        let found = self.peek_kind() == Some(kind);
        if found {
            self.pos += 1;
        }
        found
    }

    fn text(&self, token: &Token) -> &str {
        &self.source[token.start..token.end]
    }

    fn error(&self, offset: usize, message: impl Into<String>) -> FilterError {
        FilterError::at(self.source, offset, message)
    }

    /// `what` was expected at the end of the expression or at `token`.
    fn unexpected(&self, token: &Token, what: &str) -> FilterError {
        if let Kind::Invalid(problem) = &token.kind {
            return self.error(token.start, problem.as_str());
        }
        let text = self.text(token);
        let hint = match (&token.kind, text) {
            (Kind::Word, "and" | "AND" | "And") => "; write && for 'and'",
            (Kind::Word, "or" | "OR" | "Or") => "; write || for 'or'",
            (Kind::Word, "EQ" | "Eq" | "NE" | "Ne") => "; operators are written in lower case",
            _ => "",
        };
        self.error(
            token.start,
            format!("expected {what}, found {}{hint}", describe(token, text)),
        )
    }

    /// The next token, which must be there: the end of the expression is an error.
    fn next_or_end(&mut self, what: &str) -> Result<Token, FilterError> {
        match self.tokens.get(self.pos) {
            Some(token) => {
                self.pos += 1;
                Ok(token.clone())
            }
            None => Err(self.error(
                self.source.len(),
                format!("expected {what}, but the expression ends here"),
            )),
        }
    }

    fn expect(&mut self, kind: &Kind, what: &str) -> Result<Token, FilterError> {
        let token = self.next_or_end(what)?;
        if &token.kind == kind {
            Ok(token)
        } else {
            Err(self.unexpected(&token, what))
        }
    }

    fn condition<L>(
        &mut self,
        term: &mut impl FnMut(&mut Self) -> Result<L, FilterError>,
    ) -> Result<Condition<L>, FilterError> {
        let mut any = vec![self.all(term)?];
        while self.eat(&Kind::Or) {
            any.push(self.all(term)?);
        }
        Ok(flatten(any, Condition::Any))
    }

    fn all<L>(
        &mut self,
        term: &mut impl FnMut(&mut Self) -> Result<L, FilterError>,
    ) -> Result<Condition<L>, FilterError> {
        let mut all = vec![self.operand(term)?];
        while self.eat(&Kind::And) {
            all.push(self.operand(term)?);
        }
        Ok(flatten(all, Condition::All))
    }

    fn operand<L>(
        &mut self,
        term: &mut impl FnMut(&mut Self) -> Result<L, FilterError>,
    ) -> Result<Condition<L>, FilterError> {
        if self.eat(&Kind::OpenParen) {
            let inner = self.condition(term)?;
            self.expect(&Kind::CloseParen, "a closing )")?;
            return Ok(inner);
        }
        term(self).map(Condition::Term)
    }

    /// A dotted name such as `event.outcome.result`: its text and where it starts.
    fn path(&mut self, what: &str) -> Result<(String, usize), FilterError> {
        let first = self.next_or_end(what)?;
        if first.kind != Kind::Word {
            return Err(self.misplaced(&first, what));
        }
        if matches!(self.text(&first), "true" | "false" | "null") {
            return Err(self.error(
                first.start,
                format!(
                    "{} is not supported in event hook filters; compare a field with a string, e.g. event.outcome.result eq 'FAILURE'",
                    self.text(&first)
                ),
            ));
        }
        let mut end = first.end;
        while self.peek_kind() == Some(&Kind::Dot) {
            self.pos += 1;
            let segment = self.next_or_end("a field name after '.'")?;
            if segment.kind != Kind::Word {
                return Err(self.unexpected(&segment, "a field name after '.'"));
            }
            end = segment.end;
        }
        if self.peek_kind() == Some(&Kind::OpenParen) {
            return Err(self.error(
                first.start,
                "function and method calls are not supported in event hook filters (only .size() on a selection)",
            ));
        }
        // Whitespace around the dots is dropped from the name.
        let name: String = self.source[first.start..end]
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        Ok((name, first.start))
    }

    /// A token that cannot start a comparison.
    fn misplaced(&self, token: &Token, what: &str) -> FilterError {
        match token.kind {
            Kind::Str(_) | Kind::Int(_) => self.error(
                token.start,
                "put the field on the left of the comparison, e.g. event.eventType eq 'user.session.start'",
            ),
            _ => self.unexpected(token, what),
        }
    }

    fn event_term(&mut self) -> Result<EventTerm, FilterError> {
        let (path, start) = self.path("a field such as event.eventType")?;
        if path == "event.target" {
            return self.target_count(start).map(EventTerm::Targets);
        }
        let Some(field) = EventField::from_path(&path) else {
            return Err(self.error(start, unsupported_field(&path)));
        };
        self.comparison(field, start).map(EventTerm::Field)
    }

    fn target_term(&mut self) -> Result<Comparison<TargetField>, FilterError> {
        let (name, start) = self.path("a target field such as type")?;
        let Some(field) = TargetField::from_name(&name) else {
            return Err(self.error(
                start,
                format!(
                    "{name} is not a target field event hook filters support; inside .?[...] compare {}",
                    SUPPORTED_TARGET_FIELDS.join(", ")
                ),
            ));
        };
        self.comparison(field, start)
    }

    /// `eq 'value'` or `ne 'value'` after a field that starts at `start`.
    fn comparison<F>(&mut self, field: F, start: usize) -> Result<Comparison<F>, FilterError> {
        let operator = self.next_or_end("eq or ne")?;
        let op = match (&operator.kind, self.text(&operator)) {
            (Kind::Word, "eq") => Equality::Eq,
            (Kind::Word, "ne") => Equality::Ne,
            (Kind::Greater, _) => {
                return Err(self.error(
                    operator.start,
                    "a field is compared with eq or ne; > compares a selection's .size()",
                ));
            }
            _ => return Err(self.unexpected(&operator, "eq or ne")),
        };
        let literal = self.next_or_end("a string in single quotes")?;
        let Kind::Str(value) = literal.kind else {
            return Err(self.unexpected(&literal, "a string in single quotes"));
        };
        Ok(Comparison {
            field,
            op,
            value,
            span: Span {
                start,
                end: literal.end,
            },
        })
    }

    /// `.?[condition].size() > n` after `event.target`, which starts at `start`.
    fn target_count(&mut self, start: usize) -> Result<TargetCount, FilterError> {
        const SIZE: &str =
            "a selection compared by its size, e.g. event.target.?[type eq 'UserGroup'].size()>0";
        match self.peek() {
            Some(token) if token.kind == Kind::Select => self.pos += 1,
            Some(token) if matches!(token.kind, Kind::Invalid(_)) => {
                return Err(self.unexpected(token, SIZE));
            }
            _ => {
                return Err(self.error(
                    start,
                    format!("event.target is a list of targets; write {SIZE}"),
                ));
            }
        }
        let condition = self.condition(&mut Parser::target_term)?;
        self.expect(&Kind::CloseBracket, "] to close the selection")?;
        for (kind, what) in [
            (Kind::Dot, SIZE),
            (Kind::Word, SIZE),
            (Kind::OpenParen, "() after size"),
            (Kind::CloseParen, "() after size"),
        ] {
            let token = self.expect(&kind, what)?;
            if kind == Kind::Word && self.text(&token) != "size" {
                return Err(self.error(
                    token.start,
                    format!("only .size() can follow a selection; write {SIZE}"),
                ));
            }
        }
        let operator = self.next_or_end(">, eq or ne")?;
        let op = match (&operator.kind, self.text(&operator)) {
            (Kind::Greater, _) => SizeOp::Greater,
            (Kind::Word, "eq") => SizeOp::Eq,
            (Kind::Word, "ne") => SizeOp::Ne,
            _ => return Err(self.unexpected(&operator, ">, eq or ne")),
        };
        let number = self.next_or_end("a whole number")?;
        let Kind::Int(size) = number.kind else {
            return Err(self.unexpected(&number, "a whole number"));
        };
        Ok(TargetCount {
            condition,
            op,
            size,
            span: Span {
                start,
                end: number.end,
            },
        })
    }
}

/// One part stays itself; more become an n-ary node.
fn flatten<L>(
    mut parts: Vec<Condition<L>>,
    node: fn(Vec<Condition<L>>) -> Condition<L>,
) -> Condition<L> {
    match (parts.len(), parts.pop()) {
        (1, Some(only)) => only,
        (_, last) => {
            parts.extend(last);
            node(parts)
        }
    }
}

fn describe(token: &Token, text: &str) -> String {
    match &token.kind {
        Kind::Str(_) => format!("the string {text}"),
        Kind::Int(_) => format!("the number {text}"),
        _ => format!("'{text}'"),
    }
}

fn unsupported_field(path: &str) -> String {
    let hint = if path == "event.debugContext.debugData.changedAttributes" {
        "; Okta's name for it is event.debugData.changedAttributes".to_owned()
    } else if TargetField::from_name(path).is_some() {
        "; target fields are compared inside event.target.?[...]".to_owned()
    } else if !path.starts_with("event.") {
        format!("; fields start with event., e.g. event.{path}")
    } else {
        String::new()
    };
    format!(
        "field {path} is not supported in event hook filters; supported: {}, and event.target.?[...].size() over {}{hint}",
        SUPPORTED_FIELDS.join(", "),
        SUPPORTED_TARGET_FIELDS.join(", "),
    )
}
