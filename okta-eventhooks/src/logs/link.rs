//! The `Link` response header (RFC 8288), as far as paging needs it: the target of
//! `rel="next"`.
//!
//! Written here rather than taken from a crate: the one widely used parser strips every quote
//! and space before splitting on commas, so a quoted parameter holding a comma or a `rel` with
//! several values (`rel="next last"`) comes out wrong, and paging is where that must not happen.

/// Longest `Link` text read (all its header lines together); Okta's are a few hundred bytes.
const MAX_LINK_BYTES: usize = 16 * 1024;

/// One link-value: its target (a URI reference, not yet resolved) and its relation types,
/// lower-cased (they are compared case-insensitively).
#[derive(Debug, PartialEq, Eq)]
struct Link {
    target: String,
    rels: Vec<String>,
}

/// The target of the `rel="next"` link among every `Link` header line of a response; `None`
/// when there is none. Two different `next` targets are refused, as is malformed text.
pub(super) fn next_target<'a>(
    values: impl IntoIterator<Item = &'a str>,
) -> Result<Option<String>, String> {
    let mut next: Option<String> = None;
    let mut total = 0;
    for value in values {
        total += value.len();
        if total > MAX_LINK_BYTES {
            return Err(format!(
                "the Link header is longer than {MAX_LINK_BYTES} bytes"
            ));
        }
        for link in parse(value)? {
            if !link.rels.iter().any(|rel| rel == "next") {
                continue;
            }
            match &next {
                Some(seen) if *seen != link.target => {
                    return Err("the Link header has two different rel=\"next\" links".into());
                }
                Some(_) => {}
                None => next = Some(link.target),
            }
        }
    }
    Ok(next)
}

/// Parses one header line: `<uri>; rel="next"; title="a, b", <uri2>; rel=self`.
fn parse(text: &str) -> Result<Vec<Link>, String> {
    let mut links = Vec::new();
    let mut rest = text;
    loop {
        rest = skip_separators(rest);
        if rest.is_empty() {
            return Ok(links);
        }
        let Some(after_open) = rest.strip_prefix('<') else {
            return Err(malformed("a link must start with '<'", text));
        };
        let Some((target, after)) = after_open.split_once('>') else {
            return Err(malformed("a '<' is not closed by '>'", text));
        };
        let (rels, after) = params(after, text)?;
        links.push(Link {
            target: target.trim().to_owned(),
            rels,
        });
        rest = after.trim_start();
        match rest.strip_prefix(',') {
            Some(more) => rest = more,
            None if rest.is_empty() => return Ok(links),
            None => return Err(malformed("expected ',' between links", text)),
        }
    }
}

/// The parameters after a link's target, up to the ',' that ends it (or the end): the `rel`
/// values (only the first `rel` counts, RFC 8288 section 3.3) and the text left.
fn params<'a>(mut rest: &'a str, text: &str) -> Result<(Vec<String>, &'a str), String> {
    let mut rels: Option<Vec<String>> = None;
    loop {
        rest = rest.trim_start();
        let Some(param) = rest.strip_prefix(';') else {
            return Ok((rels.unwrap_or_default(), rest));
        };
        let param = param.trim_start();
        let name_end = param
            .find(|c: char| c == '=' || c == ';' || c == ',' || c.is_whitespace())
            .unwrap_or(param.len());
        let (name, after_name) = param.split_at(name_end);
        if name.is_empty() {
            return Err(malformed("a parameter has no name", text));
        }
        let after_name = after_name.trim_start();
        let (value, after_value) = match after_name.strip_prefix('=') {
            Some(v) => value(v.trim_start(), text)?,
            None => (String::new(), after_name),
        };
        if name.eq_ignore_ascii_case("rel") && rels.is_none() {
            rels = Some(
                value
                    .split_ascii_whitespace()
                    .map(str::to_ascii_lowercase)
                    .collect(),
            );
        }
        rest = after_value;
    }
}

/// A parameter value: a quoted string (with `\` escapes) or a token.
fn value<'a>(rest: &'a str, text: &str) -> Result<(String, &'a str), String> {
    let Some(quoted) = rest.strip_prefix('"') else {
        let end = rest
            .find(|c: char| c == ';' || c == ',' || c.is_whitespace())
            .unwrap_or(rest.len());
        return Ok((rest[..end].to_owned(), &rest[end..]));
    };
    let mut value = String::new();
    let mut chars = quoted.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Ok((value, &quoted[i + 1..])),
            '\\' => match chars.next() {
                Some((_, escaped)) => value.push(escaped),
                None => break,
            },
            c => value.push(c),
        }
    }
    Err(malformed("a quoted value is not closed", text))
}

fn skip_separators(text: &str) -> &str {
    text.trim_start_matches(|c: char| c == ',' || c.is_whitespace())
}

fn malformed(why: &str, text: &str) -> String {
    let shown: String = text.chars().take(200).collect();
    format!("malformed Link header ({why}): {shown:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn next(values: &[&str]) -> Result<Option<String>, String> {
        next_target(values.iter().copied())
    }

    #[test]
    fn okta_form_self_and_next() {
        let header = r#"<https://acme.okta.com/api/v1/logs?limit=2>; rel="self", <https://acme.okta.com/api/v1/logs?limit=2&after=1700000000000_1>; rel="next""#;
        assert_eq!(
            next(&[header]).unwrap().as_deref(),
            Some("https://acme.okta.com/api/v1/logs?limit=2&after=1700000000000_1")
        );
    }

    #[test]
    fn links_on_separate_header_lines() {
        let lines = [
            r#"<https://o/api/v1/logs?a=1>; rel="self""#,
            r#"<https://o/api/v1/logs?after=2>; rel="next""#,
        ];
        assert_eq!(
            next(&lines).unwrap().as_deref(),
            Some("https://o/api/v1/logs?after=2")
        );
    }

    #[test]
    fn quoted_parameters_may_hold_commas_semicolons_and_escapes() {
        let header = r#"<https://o/x?1>; title="a, b; c \"d\""; rel="self", <https://o/x?2>; rel=next; title="x,y""#;
        assert_eq!(next(&[header]).unwrap().as_deref(), Some("https://o/x?2"));
        let links = parse(header).unwrap();
        assert_eq!(links.len(), 2);
        assert_eq!(links[0].rels, ["self"]);
    }

    #[test]
    fn rel_may_list_several_types_in_any_case_and_only_the_first_rel_counts() {
        assert_eq!(
            next(&[r#"<https://o/n>; rel="prefetch NEXT""#])
                .unwrap()
                .as_deref(),
            Some("https://o/n")
        );
        assert_eq!(
            next(&[r#"<https://o/n>; rel="self"; rel="next""#]).unwrap(),
            None
        );
        assert_eq!(
            next(&[r#"<https://o/n>; rel="nextpage""#]).unwrap(),
            None,
            "a relation is a whole word"
        );
    }

    #[test]
    fn no_header_or_no_next_is_none() {
        assert_eq!(next(&[]).unwrap(), None);
        assert_eq!(next(&[r#"<https://o/s>; rel="self""#]).unwrap(), None);
        assert_eq!(next(&["  ,  "]).unwrap(), None);
    }

    #[test]
    fn spaces_around_separators_are_allowed() {
        let header = r#"  < https://o/n >  ;  rel = "next"  ,<https://o/s>;rel=self"#;
        assert_eq!(next(&[header]).unwrap().as_deref(), Some("https://o/n"));
    }

    #[test]
    fn malformed_text_and_conflicting_next_links_are_refused() {
        for bad in [
            r#"https://o/n; rel="next""#,
            r#"<https://o/n; rel="next""#,
            r#"<https://o/n>; rel="next"#,
            r#"<https://o/n> rel="next""#,
            r#"<https://o/n>; ="next""#,
        ] {
            assert!(next(&[bad]).is_err(), "{bad}");
        }
        let two = r#"<https://o/a>; rel="next", <https://o/b>; rel="next""#;
        assert!(next(&[two]).unwrap_err().contains("two different"));
        let same_twice = r#"<https://o/a>; rel="next", <https://o/a>; rel="next""#;
        assert_eq!(next(&[same_twice]).unwrap().as_deref(), Some("https://o/a"));
        let huge = format!("<https://o/{}>; rel=\"next\"", "a".repeat(MAX_LINK_BYTES));
        assert!(next(&[&huge]).unwrap_err().contains("longer than"));
    }
}
