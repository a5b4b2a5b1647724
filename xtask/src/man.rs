//! `cargo xtask man`: the CLI's manual pages in `okta-eventhooks-cli/man/`, rendered by the
//! binary itself (its hidden `man` command, clap_mangen over the same clap definitions as
//! `--help`), so a page cannot describe flags the binary does not have. `--check` fails when a
//! checked-in page is stale, missing or left over.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// Where the pages live, from the workspace root.
pub const OUTPUT: &str = "okta-eventhooks-cli/man";

/// Renders the pages and writes them to [`OUTPUT`], or with `check` compares.
pub fn run(root: &Path, check: bool) -> Result<(), String> {
    let scratch = std::env::temp_dir().join(format!("okta-eventhooks-man-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch)
        .map_err(|e| format!("cannot create {}: {e}", scratch.display()))?;
    let rendered = render(root, &scratch);
    let _ = std::fs::remove_dir_all(&scratch);
    let rendered = rendered?;
    let out = root.join(OUTPUT);
    let current = pages(&out).unwrap_or_default();
    if check {
        if current != rendered {
            let names = |m: &BTreeMap<String, String>| m.keys().cloned().collect::<Vec<_>>();
            let stale: Vec<String> = rendered
                .iter()
                .filter(|(name, text)| current.get(*name) != Some(*text))
                .map(|(name, _)| name.clone())
                .chain(
                    names(&current)
                        .into_iter()
                        .filter(|n| !rendered.contains_key(n)),
                )
                .collect();
            return Err(format!(
                "{OUTPUT} is stale ({}): run `cargo xtask man`",
                stale.join(", ")
            ));
        }
        println!("{OUTPUT} is up to date ({} pages)", rendered.len());
        return Ok(());
    }
    std::fs::create_dir_all(&out).map_err(|e| format!("cannot create {OUTPUT}: {e}"))?;
    for name in current.keys().filter(|n| !rendered.contains_key(*n)) {
        std::fs::remove_file(out.join(name)).map_err(|e| format!("cannot remove {name}: {e}"))?;
    }
    for (name, text) in &rendered {
        std::fs::write(out.join(name), text).map_err(|e| format!("cannot write {name}: {e}"))?;
    }
    println!("wrote {} pages to {OUTPUT}", rendered.len());
    Ok(())
}

/// Runs the CLI's hidden `man` command into `dir` and reads what it wrote.
fn render(root: &Path, dir: &Path) -> Result<BTreeMap<String, String>, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(root)
        .args([
            "run",
            "--quiet",
            "--locked",
            "-p",
            "okta-eventhooks-cli",
            "--",
        ])
        .args(["--quiet", "man", "--out-dir"])
        .arg(dir)
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err(format!("rendering the manual pages failed ({status})"));
    }
    pages(dir).map_err(|e| format!("cannot read the rendered pages: {e}"))
}

/// The `.1` pages of a directory by file name.
fn pages(dir: &Path) -> std::io::Result<BTreeMap<String, String>> {
    let mut pages = BTreeMap::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "1")
            && let Some(name) = path.file_name().and_then(|n| n.to_str())
        {
            // Tolerate a checkout that turned line endings into CRLF.
            let text = std::fs::read_to_string(&path)?.replace("\r\n", "\n");
            pages.insert(name.to_owned(), text);
        }
    }
    Ok(pages)
}
