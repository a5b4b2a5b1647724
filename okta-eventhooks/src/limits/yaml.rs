//! A pre-scan of YAML text for the depth of its flow collections (`[...]`, `{...}`), run
//! before the text reaches the parser.
//!
//! libyaml's scanner (behind yaml_serde) looks at every open flow level at each token, so its
//! time grows with depth × tokens: 100,000 `[` take seconds, a few thousand levels followed by
//! many tokens take minutes. Block nesting has no such cost, and yaml_serde refuses more than
//! 128 levels of any kind when it builds values; flow depth is the one to bound first.
//!
//! A bracket counts only where libyaml would read it as one, so the scan follows libyaml's
//! lexical rules for what can hide a bracket: quoted scalars (which may span lines), plain
//! scalars (which continue on more indented lines), block scalars (whose content is the lines
//! indented past the enclosing block collection) and comments. It keeps libyaml's stack of
//! block indentations for that, and reads the text once.

/// Deepest nesting of YAML flow collections accepted (`[[...]]` is 2). Hook files and
/// `okta.yaml` need a handful; JSON files are parsed by serde_json, which stops at 128.
pub const MAX_YAML_NESTING: usize = 64;

/// YAML text whose flow collections nest deeper than [`MAX_YAML_NESTING`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "its [ ] and {{ }} collections are nested more than {limit} deep (line {line}), the most accepted"
)]
#[non_exhaustive]
pub struct NestingError {
    /// The line (from 1) where the nesting went past the limit.
    pub line: usize,
    /// The limit.
    pub limit: usize,
}

/// Checks that flow collections in `text` nest at most [`MAX_YAML_NESTING`] deep; call it
/// before parsing YAML that may be hostile. Linear in the length of `text`.
///
/// ```
/// use okta_eventhooks::limits::check_yaml_nesting;
///
/// assert!(check_yaml_nesting("items: [[a], {b: [c]}]\nnote: '[[[[['").is_ok());
/// let err = check_yaml_nesting(&"[".repeat(100_000)).unwrap_err();
/// assert_eq!((err.line, err.limit), (1, 64));
/// ```
pub fn check_yaml_nesting(text: &str) -> Result<(), NestingError> {
    nesting_within(text, MAX_YAML_NESTING)
}

fn nesting_within(text: &str, limit: usize) -> Result<(), NestingError> {
    let mut scan = Scan {
        text: text.as_bytes(),
        at: 0,
        line: 1,
        column: 0,
        indents: Vec::new(),
        keys: vec![None],
        key_allowed: true,
    };
    scan.run(limit)
}

/// Where the scan is, and the parts of libyaml's scanner state that decide what a character is.
struct Scan<'t> {
    text: &'t [u8],
    at: usize,
    line: usize,
    /// Column of `text[at]`, in characters (as libyaml counts).
    column: usize,
    /// The block indentation stack: the column of each open block collection.
    indents: Vec<usize>,
    /// Per flow level (the first is block context): where a possible simple key began, as
    /// (line, column). A `:` after it makes the key's column a block indentation.
    keys: Vec<Option<(usize, usize)>>,
    /// Whether a token starting here may begin a simple key.
    key_allowed: bool,
}

impl Scan<'_> {
    fn run(&mut self, limit: usize) -> Result<(), NestingError> {
        loop {
            self.skip_to_token();
            let Some(c) = self.peek(0) else {
                return Ok(());
            };
            self.unroll(self.column);
            if self.column == 0 && c == b'%' {
                self.skip_line();
                continue;
            }
            if self.document_marker() {
                self.indents.clear();
                self.keys.truncate(1);
                self.keys[0] = None;
                self.key_allowed = false;
                self.skip(3);
                continue;
            }
            let blank_after = self.blank_or_end(1);
            match c {
                b'[' | b'{' => {
                    self.save_key();
                    self.keys.push(None);
                    if self.flow() > limit {
                        return Err(NestingError {
                            line: self.line,
                            limit,
                        });
                    }
                    self.key_allowed = true;
                    self.skip(1);
                }
                b']' | b'}' => {
                    if self.keys.len() > 1 {
                        self.keys.pop();
                    }
                    self.key_allowed = false;
                    self.skip(1);
                }
                b',' => {
                    self.key_allowed = true;
                    self.skip(1);
                }
                b'-' if blank_after && self.flow() == 0 => {
                    self.roll(self.column);
                    self.key_allowed = true;
                    self.skip(1);
                }
                b'?' if blank_after || self.flow() > 0 => {
                    self.roll(self.column);
                    self.key_allowed = self.flow() == 0;
                    self.skip(1);
                }
                b':' if blank_after || self.flow() > 0 => {
                    let key = self.keys.last_mut().and_then(Option::take);
                    match key {
                        Some((line, column)) if line == self.line => self.roll(column),
                        _ => self.roll(self.column),
                    }
                    self.key_allowed = self.flow() == 0;
                    self.skip(1);
                }
                b'*' | b'&' | b'!' => {
                    self.save_key();
                    self.key_allowed = false;
                    self.skip(1);
                    while !self.blank_or_end(0) && !self.flow_indicator(0) {
                        self.skip(1);
                    }
                }
                b'|' | b'>' if self.flow() == 0 => self.block_scalar(),
                b'\'' | b'"' => {
                    self.save_key();
                    self.key_allowed = false;
                    self.quoted(c);
                }
                _ => {
                    self.save_key();
                    self.plain();
                }
            }
        }
    }

    /// The flow level: 0 in block context.
    fn flow(&self) -> usize {
        self.keys.len() - 1
    }

    /// libyaml's `parser->indent`: the innermost block collection's column, or -1.
    fn indent(&self) -> isize {
        self.indents.last().map_or(-1, |&c| c as isize)
    }

    fn roll(&mut self, column: usize) {
        if self.flow() == 0 && self.indent() < column as isize {
            self.indents.push(column);
        }
    }

    fn unroll(&mut self, column: usize) {
        if self.flow() == 0 {
            while self.indent() > column as isize {
                self.indents.pop();
            }
        }
    }

    fn save_key(&mut self) {
        if self.key_allowed
            && let Some(key) = self.keys.last_mut()
        {
            *key = Some((self.line, self.column));
        }
    }

    fn peek(&self, ahead: usize) -> Option<u8> {
        self.text.get(self.at + ahead).copied()
    }

    fn blank_or_end(&self, ahead: usize) -> bool {
        matches!(self.peek(ahead), None | Some(b' ' | b'\t' | b'\r' | b'\n'))
    }

    fn flow_indicator(&self, ahead: usize) -> bool {
        self.flow() > 0 && matches!(self.peek(ahead), Some(b',' | b'[' | b']' | b'{' | b'}'))
    }

    /// `---` or `...` at the start of a line, followed by a blank: a document boundary.
    fn document_marker(&self) -> bool {
        self.column == 0
            && (self.text[self.at..].starts_with(b"---")
                || self.text[self.at..].starts_with(b"..."))
            && self.blank_or_end(3)
    }

    fn skip(&mut self, count: usize) {
        for _ in 0..count {
            let Some(c) = self.peek(0) else { return };
            self.at += 1;
            if c == b'\n' {
                self.line += 1;
                self.column = 0;
            } else if c & 0xc0 != 0x80 {
                // Not a UTF-8 continuation byte: a new character.
                self.column += 1;
            }
        }
    }

    /// Up to the line break (not consumed).
    fn skip_line(&mut self) {
        while self.peek(0).is_some_and(|c| c != b'\n') {
            self.skip(1);
        }
    }

    /// Whitespace, comments and line breaks before the next token.
    fn skip_to_token(&mut self) {
        loop {
            match self.peek(0) {
                Some(b' ' | b'\t' | b'\r') => self.skip(1),
                Some(b'#') => self.skip_line(),
                Some(b'\n') => {
                    self.skip(1);
                    if self.flow() == 0 {
                        self.key_allowed = true;
                    }
                }
                _ => return,
            }
        }
    }

    /// A single- or double-quoted scalar, which may span lines; unterminated, it runs to the end.
    fn quoted(&mut self, quote: u8) {
        self.skip(1);
        while let Some(c) = self.peek(0) {
            match c {
                b'\'' if quote == b'\'' && self.peek(1) == Some(b'\'') => self.skip(2),
                b'\\' if quote == b'"' => self.skip(2),
                _ if c == quote => return self.skip(1),
                _ => self.skip(1),
            }
        }
    }

    /// A plain scalar: it ends at `: `, at ` #`, at a flow indicator in flow context, and at
    /// a line no more indented than the enclosing block collection.
    fn plain(&mut self) {
        let indent = self.indent() + 1;
        loop {
            if self.document_marker() || self.peek(0) == Some(b'#') {
                return;
            }
            while !self.blank_or_end(0) {
                // `a:b` is one scalar (a URL in a flow list too); `a: b` and `{a:}` are not.
                let colon = self.peek(0) == Some(b':');
                let ends_key = self.blank_or_end(1)
                    || self.flow() > 0
                        && matches!(self.peek(1), Some(b',' | b'?' | b'[' | b']' | b'{' | b'}'));
                if colon && ends_key || self.flow_indicator(0) {
                    return;
                }
                self.skip(1);
            }
            if self.peek(0).is_none() {
                return;
            }
            while let Some(b' ' | b'\t' | b'\r' | b'\n') = self.peek(0) {
                if self.peek(0) == Some(b'\n') {
                    self.key_allowed = true;
                }
                self.skip(1);
            }
            if self.flow() == 0 && (self.column as isize) < indent {
                return;
            }
        }
    }

    /// A `|` or `>` block scalar: its header line, then every line indented at least as much
    /// as its content (found from the first non-empty line, at least one past the enclosing
    /// block collection) and every empty line.
    fn block_scalar(&mut self) {
        let parent = self.indent();
        self.skip(1);
        let mut explicit = None;
        for _ in 0..2 {
            match self.peek(0) {
                Some(b'+' | b'-') => self.skip(1),
                Some(digit @ b'1'..=b'9') => {
                    explicit = Some(isize::from(digit - b'0'));
                    self.skip(1);
                }
                _ => break,
            }
        }
        self.skip_line();
        self.skip(1);
        let mut content = explicit.map(|d| if parent >= 0 { parent + d } else { d });
        let mut deepest_empty = 0;
        loop {
            let line_start = (self.at, self.line, self.column);
            while self.peek(0) == Some(b' ') {
                self.skip(1);
            }
            let spaces = self.column as isize;
            match self.peek(0) {
                None => return,
                Some(b'\r' | b'\n') => {
                    deepest_empty = deepest_empty.max(spaces);
                    self.skip_line();
                    self.skip(1);
                    continue;
                }
                Some(_) => {}
            }
            let needed = *content.get_or_insert(spaces.max(deepest_empty).max(parent + 1).max(1));
            if spaces < needed {
                // The scalar ended before this line: scan it from its start.
                (self.at, self.line, self.column) = line_start;
                self.key_allowed = true;
                return;
            }
            self.skip_line();
            self.skip(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The deepest flow nesting the scan finds, by probing limits.
    fn depth(text: &str) -> usize {
        (0..)
            .find(|&limit| nesting_within(text, limit).is_ok())
            .unwrap()
    }

    #[test]
    fn brackets_count_only_where_yaml_reads_them() {
        let cases = [
            // (text, flow depth libyaml reaches)
            ("", 0),
            ("a: b", 0),
            ("a: [b, c]", 1),
            ("a: [[b], {c: [d]}]", 3),
            ("a: {b: [c, [d]]}", 3),
            // Inside quotes, comments, plain scalars in block context, block scalars: text.
            ("a: '[[[['", 0),
            ("a: \"[[[[\"", 0),
            ("a: 'it''s [[['", 0),
            ("a: \"\\\"[[[\"", 0),
            ("a: b # [[[[", 0),
            ("# [[[[\na: b", 0),
            ("a: x[[[[", 0),
            ("a: event.target.?[type eq 'User'].size() > 0", 0),
            ("a: |\n  [[[[\n  {{{{\nb: c", 0),
            ("a: >-\n  [[[[\n\n  [[[[\nb: [c]", 1),
            ("- |\n [[[[\n- b", 0),
            // A quoted scalar spans lines and ignores indentation.
            ("a: '\n[[[['\nb: c", 0),
            // A plain scalar continues on more indented lines only.
            ("a: b\n  [[[[\nc: d", 0),
            ("a: b\n[[[[", 4),
            // Closing brackets in text do not close anything.
            ("a: [ ']]]]' [ ']]]]' [ ']]]]' [", 4),
            ("a: [ \"]]\" [ x ]", 2),
            // In flow context a plain scalar ends at a flow indicator, and a quote inside
            // one is text.
            ("[a[b[c", 3),
            ("[it's, [x]]", 2),
            ("[a 'b, [[c", 3),
            ("[a:'b, [[c", 3),
            ("[https://example.com/x, [y]]", 2),
            // In block context a quote starts a scalar only where a token starts.
            ("a: it's [[[\nb: [c]", 1),
            // A block scalar's content must be indented past the enclosing collection.
            ("- k: |\n  m: [[[[\n", 4),
            ("- k: |\n   [[[[\n", 0),
            ("a: |2\n    [[[[\nb: [c]", 1),
            // A key may itself be a flow collection.
            ("[a, b]: [c]", 1),
            ("? [a]\n: [b]", 1),
            // Anchors, tags and aliases.
            ("a: &x [b]\nc: *x", 1),
            ("a: !!seq [b, !t [c]]", 2),
            // Document markers.
            ("---\na: [b]\n...\n---\n[[c]]", 2),
        ];
        for (text, want) in cases {
            assert_eq!(depth(text), want, "{text:?}");
        }
    }

    #[test]
    fn the_limit_names_the_line() {
        let text = format!("a: b\nc: {}", "[".repeat(65));
        assert_eq!(
            check_yaml_nesting(&text),
            Err(NestingError { line: 2, limit: 64 })
        );
        let at_limit = format!("c: {}", "[".repeat(64));
        assert_eq!(check_yaml_nesting(&at_limit), Ok(()));
        assert_eq!(
            NestingError { line: 2, limit: 64 }.to_string(),
            "its [ ] and { } collections are nested more than 64 deep (line 2), the most accepted"
        );
    }

    #[test]
    fn a_megabyte_of_brackets_is_refused_at_once() {
        let started = std::time::Instant::now();
        for unit in ["[", "{", "[a, ", "{a: ", "- [", "'x', [", "? ["] {
            let text = format!("a: {}", unit.repeat(1024 * 1024 / unit.len()));
            assert!(check_yaml_nesting(&text).is_err(), "{unit:?}");
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }
}
