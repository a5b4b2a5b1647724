//! Okta's event-type catalog as a Rust table, from `spec/event-types.tsv` (a copy of Okta's
//! published catalog: name, hook eligibility, beta and internal flags, release, category).

use std::collections::BTreeMap;
use std::fmt::Write;

pub const SOURCE: &str = "spec/event-types.tsv";
pub const OUTPUT: &str = "okta-eventhooks/src/catalog/table.rs";
const HEADER: &str = "// @generated from spec/event-types.tsv by cargo xtask generate: do not edit.\n\
// Change the data file or xtask/src/catalog.rs and run `cargo xtask generate` instead.\n\n";
const COLUMNS: &str = "event_type\thook_eligible\tbeta\tinternal\treleased\tcategory";

/// One row of the data file.
struct Row<'t> {
    hook_eligible: bool,
    beta: bool,
    internal: bool,
    released: &'t str,
    category: &'t str,
}

/// The table, sorted by name (the SDK looks names up by binary search), with the catalog's
/// release, which the `#` comment at the top of the data file names ("from release X").
pub fn render(tsv: &str) -> Result<String, String> {
    let release = tsv
        .lines()
        .take_while(|line| line.starts_with('#'))
        .find_map(|line| line.split("from release ").nth(1))
        .and_then(|rest| rest.split_whitespace().next())
        .ok_or_else(|| format!("{SOURCE}: no \"from release X\" in its # comment"))?;
    let mut lines = tsv
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.starts_with('#') && !line.trim().is_empty());
    match lines.next() {
        Some((_, header)) if header == COLUMNS => {}
        _ => {
            return Err(format!(
                "{SOURCE}: the first row must be the header {COLUMNS:?}"
            ));
        }
    }
    let mut rows = BTreeMap::new();
    for (index, line) in lines {
        let at = || format!("{SOURCE} line {}", index + 1);
        let fields: Vec<&str> = line.split('\t').collect();
        let [name, eligible, beta, internal, released, category] = fields[..] else {
            return Err(format!("{}: expected 6 tab-separated fields", at()));
        };
        let flag = |text: &str| match text {
            "yes" => Ok(true),
            "no" => Ok(false),
            other => Err(format!("{}: {other:?} is not yes or no", at())),
        };
        let simple = |text: &str| !text.is_empty() && !text.contains(['"', '\\']);
        if !(simple(name) && simple(released) && simple(category)) {
            return Err(format!("{}: an empty field or a quote or backslash", at()));
        }
        let row = Row {
            hook_eligible: flag(eligible)?,
            beta: flag(beta)?,
            internal: flag(internal)?,
            released,
            category,
        };
        if rows.insert(name, row).is_some() {
            return Err(format!("{}: {name:?} is listed twice", at()));
        }
    }
    let mut code = String::from(HEADER);
    writeln!(code, "use super::EventType;\n").unwrap();
    writeln!(
        code,
        "/// The Okta release the catalog was taken from.\npub(super) const RELEASE: &str = {release:?};\n"
    )
    .unwrap();
    writeln!(
        code,
        "/// Every event type, sorted by name ({} of them).\npub(super) static EVENT_TYPES: &[EventType] = &[",
        rows.len()
    )
    .unwrap();
    for (name, row) in &rows {
        let Row {
            hook_eligible,
            beta,
            internal,
            released,
            category,
        } = row;
        writeln!(
            code,
            "    EventType {{ name: {name:?}, hook_eligible: {hook_eligible}, beta: {beta}, internal: {internal}, released: {released:?}, category: {category:?} }},"
        )
        .unwrap();
    }
    code.push_str("];\n");
    Ok(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "# Okta types from release 2026.08.1 of the catalog.\n\
        event_type\thook_eligible\tbeta\tinternal\treleased\tcategory\n";

    #[test]
    fn rows_become_a_sorted_table() {
        let code = render(&format!(
            "{HEAD}user.b\tyes\tno\tno\t2016.02\tud-core\nuser.a\tno\tyes\tyes\t2024.01.0\tx\n"
        ))
        .unwrap();
        assert!(code.contains("RELEASE: &str = \"2026.08.1\""), "{code}");
        let a = code.find("\"user.a\", hook_eligible: false, beta: true, internal: true, released: \"2024.01.0\", category: \"x\"").unwrap();
        let b = code.find("\"user.b\", hook_eligible: true").unwrap();
        assert!(a < b, "sorted by name");
    }

    #[test]
    fn malformed_data_is_refused_with_its_line() {
        for (rows, want) in [
            ("a\tyes\tno\tno\t1\n", "line 3: expected 6"),
            (
                "a\tmaybe\tno\tno\t1\tc\n",
                "line 3: \"maybe\" is not yes or no",
            ),
            (
                "a\tyes\tno\tno\t1\tc\na\tyes\tno\tno\t1\tc\n",
                "line 4: \"a\" is listed twice",
            ),
            ("a\"b\tyes\tno\tno\t1\tc\n", "line 3: an empty field"),
        ] {
            let err = render(&format!("{HEAD}{rows}")).unwrap_err();
            assert!(err.contains(want), "{err}");
        }
        assert!(render("event_type\n").unwrap_err().contains("from release"));
    }
}
