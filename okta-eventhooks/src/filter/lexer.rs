//! Splits an expression into tokens, and enforces the size limits on the way: the length before
//! anything else, then the number of comparisons and the nesting depth as they are met, so that
//! the parser never starts on an expression that breaks one. One pass, no recursion.
//!
//! A character that cannot start a token ends the list with an [`Kind::Invalid`] token that
//! says what is wrong, so that the parser reports whichever problem comes first in the source.
//! Spellings that look plausible but that Okta does not document (`==`, `!=`, `!`, double
//! quotes, `<`, `>=`) are refused that way, with the spelling to use instead.

use super::error::FilterError;

/// The bounds an expression must stay within (see [`MAX_EXPRESSION_BYTES`](super::MAX_EXPRESSION_BYTES)
/// and its neighbours).
#[derive(Clone, Copy, Debug)]
pub(super) struct Limits {
    pub(super) bytes: usize,
    pub(super) terms: usize,
    pub(super) depth: usize,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    /// A name: a field segment, `eq`, `ne`, `size`, or a word the parser refuses.
    Word,
    /// A single-quoted string, unescaped.
    Str(String),
    Int(u64),
    Dot,
    /// `.?[`: the start of a selection.
    Select,
    CloseBracket,
    OpenParen,
    CloseParen,
    And,
    Or,
    Greater,
    /// What is wrong with the source from here on; always the last token.
    Invalid(String),
}

#[derive(Clone, Debug)]
pub(super) struct Token {
    pub(super) kind: Kind,
    pub(super) start: usize,
    pub(super) end: usize,
}

pub(super) fn tokens(source: &str, limits: Limits) -> Result<Vec<Token>, FilterError> {
    if source.len() > limits.bytes {
        // The first character past the limit.
        let mut cut = limits.bytes;
        while !source.is_char_boundary(cut) {
            cut -= 1;
        }
        return Err(FilterError::at(
            source,
            cut,
            format!(
                "the expression is {} bytes long; event hook filters may be at most {} bytes",
                source.len(),
                limits.bytes
            ),
        ));
    }
    Lexer {
        source,
        bytes: source.as_bytes(),
        pos: 0,
        limits,
        terms: 0,
        depth: 0,
        out: Vec::new(),
    }
    .run()
}

struct Lexer<'s> {
    source: &'s str,
    bytes: &'s [u8],
    pos: usize,
    limits: Limits,
    terms: usize,
    depth: usize,
    out: Vec<Token>,
}

impl Lexer<'_> {
    fn run(mut self) -> Result<Vec<Token>, FilterError> {
        while let Some(&byte) = self.bytes.get(self.pos) {
            let start = self.pos;
            let next = self.bytes.get(start + 1).copied();
            let kind = match (byte, next) {
                (b' ' | b'\t' | b'\n' | b'\r', _) => {
                    self.pos += 1;
                    continue;
                }
                (b'.', Some(b'?')) if self.bytes.get(start + 2) == Some(&b'[') => {
                    self.pos += 3;
                    self.nest(start)?;
                    Kind::Select
                }
                (b'.', Some(b'?' | b'!' | b'^' | b'$')) => invalid(
                    "only selections written .?[...] are supported (not projections, first or last)",
                ),
                (b'.', _) => self.single(Kind::Dot),
                (b'(', _) => {
                    self.nest(start)?;
                    self.single(Kind::OpenParen)
                }
                (b')', _) => {
                    self.depth = self.depth.saturating_sub(1);
                    self.single(Kind::CloseParen)
                }
                (b']', _) => {
                    self.depth = self.depth.saturating_sub(1);
                    self.single(Kind::CloseBracket)
                }
                (b'[', _) => invalid(
                    "indexing with [...] is not supported; select targets with event.target.?[...]",
                ),
                (b'&', Some(b'&')) => self.double(Kind::And),
                (b'|', Some(b'|')) => self.double(Kind::Or),
                (b'&', _) => invalid("write && for 'and'"),
                (b'|', _) => invalid("write || for 'or'"),
                (b'>', Some(b'=')) | (b'<', _) => {
                    invalid("a .size() is compared with >, eq or ne (for example .size()>0)")
                }
                (b'>', _) => {
                    self.term(start)?;
                    self.single(Kind::Greater)
                }
                (b'=', Some(b'=')) => invalid("== is not supported in event hook filters; use eq"),
                (b'!', Some(b'=')) => invalid("!= is not supported in event hook filters; use ne"),
                (b'=', _) => invalid("compare with eq (or ne), not ="),
                (b'!', _) => invalid(
                    "negation (!) is not supported in event hook filters; use ne to compare",
                ),
                (b'"', _) => invalid(
                    "strings are written in single quotes in event hook filters ('like this')",
                ),
                (b'\'', _) => self.string(start),
                (b'0'..=b'9', _) => self.int(start),
                (b'a'..=b'z' | b'A'..=b'Z' | b'_', _) => {
                    while self
                        .bytes
                        .get(self.pos)
                        .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
                    {
                        self.pos += 1;
                    }
                    let word = &self.source[start..self.pos];
                    if word == "eq" || word == "ne" {
                        self.term(start)?;
                    }
                    Kind::Word
                }
                _ => {
                    let character = self.source[start..].chars().next().unwrap_or_default();
                    invalid(&format!("unexpected character {character:?}"))
                }
            };
            let invalid = matches!(kind, Kind::Invalid(_));
            self.out.push(Token {
                kind,
                start,
                end: self.pos,
            });
            if invalid {
                break;
            }
        }
        Ok(self.out)
    }

    fn error(&self, offset: usize, message: String) -> FilterError {
        FilterError::at(self.source, offset, message)
    }

    fn single(&mut self, kind: Kind) -> Kind {
        self.pos += 1;
        kind
    }

    fn double(&mut self, kind: Kind) -> Kind {
        self.pos += 2;
        kind
    }

    /// One more level of `(` or `.?[`.
    fn nest(&mut self, offset: usize) -> Result<(), FilterError> {
        self.depth += 1;
        if self.depth > self.limits.depth {
            return Err(self.error(
                offset,
                format!(
                    "the expression is nested more than {} levels deep (parentheses and selections)",
                    self.limits.depth
                ),
            ));
        }
        Ok(())
    }

    /// One more comparison (`eq`, `ne`, or a `.size()` compared with `>`).
    fn term(&mut self, offset: usize) -> Result<(), FilterError> {
        self.terms += 1;
        if self.terms > self.limits.terms {
            return Err(self.error(
                offset,
                format!(
                    "the expression has more than {} comparisons; event hook filters may have at most {}",
                    self.limits.terms, self.limits.terms
                ),
            ));
        }
        Ok(())
    }

    /// A single-quoted string; a quote inside is doubled (`'O''Brien'`), as in Okta's
    /// Expression Language.
    fn string(&mut self, start: usize) -> Kind {
        let mut text = String::new();
        let mut from = start + 1;
        loop {
            let Some(quote) = self.source[from..].find('\'') else {
                return invalid("this string is not closed with a '");
            };
            text.push_str(&self.source[from..from + quote]);
            let after = from + quote + 1;
            if self.bytes.get(after) == Some(&b'\'') {
                text.push('\'');
                from = after + 1;
            } else {
                self.pos = after;
                return Kind::Str(text);
            }
        }
    }

    fn int(&mut self, start: usize) -> Kind {
        while self.bytes.get(self.pos).is_some_and(u8::is_ascii_digit) {
            self.pos += 1;
        }
        if self
            .bytes
            .get(self.pos)
            .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_' || *b == b'.')
        {
            return invalid("a number is a whole number of digits only");
        }
        self.source[start..self.pos]
            .parse()
            .map_or_else(|_| invalid("this number is too large"), Kind::Int)
    }
}

fn invalid(message: &str) -> Kind {
    Kind::Invalid(message.to_owned())
}
