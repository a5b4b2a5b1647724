//! Repository automation.
//!
//! `cargo xtask generate` writes the generated sources, each from its checked-in source in
//! `spec/`: `okta-eventhooks/src/generated.rs` from `spec/okta-eventhooks.yaml` (the client,
//! [`client`]) and `okta-eventhooks/src/catalog/table.rs` from `spec/event-types.tsv` (Okta's
//! event-type catalog, [`catalog`]). `cargo xtask generate --check` fails (exit 1) when a
//! checked-in output is stale. Generation is offline and needs no nightly tools: the client
//! is formatted with prettyplease, the catalog is written as it is checked.
//!
//! `cargo xtask man [--check]` does the same for the CLI's manual pages ([`man`]).

mod catalog;
mod client;
mod man;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// One generated file: where it comes from, where it goes, and how.
struct Step {
    source: &'static str,
    output: &'static str,
    render: fn(&str) -> Result<String, String>,
}

const STEPS: &[Step] = &[
    Step {
        source: client::SPEC,
        output: client::OUTPUT,
        render: client::render,
    },
    Step {
        source: catalog::SOURCE,
        output: catalog::OUTPUT,
        render: catalog::render,
    },
];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let check = match args.as_slice() {
        ["generate"] => false,
        ["generate", "--check"] => true,
        ["man"] | ["man", "--check"] => {
            return match man::run(&workspace_root(), args.len() == 2) {
                Ok(()) => ExitCode::SUCCESS,
                Err(message) => {
                    eprintln!("error: {message}");
                    ExitCode::FAILURE
                }
            };
        }
        _ => {
            eprintln!("usage: cargo xtask generate [--check] | cargo xtask man [--check]");
            return ExitCode::from(2);
        }
    };
    let mut failed = false;
    for step in STEPS {
        if let Err(message) = generate(step, check) {
            eprintln!("error: {message}");
            failed = true;
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}

fn generate(step: &Step, check: bool) -> Result<(), String> {
    let Step {
        source,
        output,
        render,
    } = step;
    let root = workspace_root();
    let text = std::fs::read_to_string(root.join(source))
        .map_err(|e| format!("cannot read {source}: {e}"))?;
    let code = render(&text)?;
    let out = root.join(output);
    if check {
        let current = std::fs::read_to_string(&out).unwrap_or_default();
        // Tolerate a checkout that turned line endings into CRLF.
        if current.replace("\r\n", "\n") != code {
            return Err(format!(
                "{output} is stale: it differs from what {source} generates; run `cargo xtask generate`"
            ));
        }
        println!("{output} is up to date");
    } else {
        std::fs::write(&out, code).map_err(|e| format!("cannot write {output}: {e}"))?;
        println!("wrote {output}");
    }
    Ok(())
}
