//! Build facts for the binary and its tests.
//!
//! - `--version` names the commit the binary was built from and its enabled features
//!   (`OKTA_EVENTHOOKS_GIT_COMMIT`, `OKTA_EVENTHOOKS_FEATURES`). The commit comes from the
//!   `.cargo_vcs_info.json` that `cargo package` writes (a build from the crate's package, as
//!   `cargo install` does), else from `git` in a checkout, else `unknown`.
//! - The end-to-end tests that need a `nats-server` (`relay`, `consume`, `reconcile`) learn
//!   whether they can run, as `tests/build.rs` does for the workspace tests: without the binary
//!   they are reported as ignored with the reason, and under CI (`CI` set) they fail instead.
//!   `nats_server`: there is a `nats-server` binary: the one `OKTA_EVENTHOOKS_NATS_SERVER` names
//!   (`.ci/run` sets it; it wins), else the first on `PATH`. The lookup is one file beside this
//!   script (it must be inside this crate's package), included here and by the test support, so
//!   that both find the same binary. `postgres_server`: PostgreSQL's server binaries exist
//!   (`pg_binary.rs`, beside it for the same reason: `OKTA_EVENTHOOKS_PG_BIN`, else the newest
//!   `/usr/lib/postgresql/*/bin`, else `PATH`). `browser`: Chromium and chromedriver exist, for
//!   the inspector's browser tests (`browser_binary.rs`: `OKTA_EVENTHOOKS_CHROMIUM` and
//!   `OKTA_EVENTHOOKS_CHROMEDRIVER`, else `PATH`). `ci`: running under CI.

use std::process::Command;

include!("nats_binary.rs");
include!("pg_binary.rs");
include!("browser_binary.rs");

fn main() {
    println!("cargo::rustc-check-cfg=cfg(ci)");
    println!("cargo::rerun-if-env-changed=CI");
    if std::env::var_os("CI").is_some_and(|v| !v.is_empty()) {
        println!("cargo::rustc-cfg=ci");
    }
    println!("cargo::rustc-check-cfg=cfg(nats_server)");
    println!("cargo::rerun-if-env-changed=OKTA_EVENTHOOKS_NATS_SERVER");
    println!("cargo::rerun-if-env-changed=PATH");
    if nats_server_binary().is_some() {
        println!("cargo::rustc-cfg=nats_server");
    }
    println!("cargo::rustc-check-cfg=cfg(postgres_server)");
    println!("cargo::rerun-if-env-changed=OKTA_EVENTHOOKS_PG_BIN");
    if pg_bin_dir().is_some() {
        println!("cargo::rustc-cfg=postgres_server");
    }
    println!("cargo::rustc-check-cfg=cfg(browser)");
    println!("cargo::rerun-if-env-changed={CHROMIUM_VAR}");
    println!("cargo::rerun-if-env-changed={CHROMEDRIVER_VAR}");
    if chromium_binary().is_some() && chromedriver_binary().is_some() {
        println!("cargo::rustc-cfg=browser");
    }
    println!(
        "cargo::rustc-env=OKTA_EVENTHOOKS_GIT_COMMIT={}",
        git_commit()
    );
    println!("cargo::rustc-env=OKTA_EVENTHOOKS_FEATURES={}", features());
    println!("cargo::rerun-if-changed=build.rs");
}

/// The enabled features of this package, as Cargo tells a build script (`CARGO_FEATURE_<NAME>`).
fn features() -> String {
    let mut names: Vec<String> = std::env::vars()
        .filter_map(|(key, _)| key.strip_prefix("CARGO_FEATURE_").map(str::to_owned))
        .filter(|name| name != "DEFAULT")
        .map(|name| name.to_ascii_lowercase().replace('_', "-"))
        .collect();
    names.sort();
    if names.is_empty() {
        "none".into()
    } else {
        names.join(", ")
    }
}

/// The commit this build comes from, 12 hex digits (`-dirty` when its package was made from a
/// work tree with changes).
fn git_commit() -> String {
    println!("cargo::rerun-if-changed=.cargo_vcs_info.json");
    if let Ok(info) = std::fs::read_to_string(".cargo_vcs_info.json") {
        // {"git": {"sha1": "<40 hex>", "dirty": true?}, "path_in_vcs": "..."}
        if let Some(sha) = info
            .split("\"sha1\"")
            .nth(1)
            .and_then(|rest| rest.split('"').nth(1))
            .filter(|sha| sha.len() >= 12 && sha.bytes().all(|b| b.is_ascii_hexdigit()))
        {
            let dirty = if info.contains("\"dirty\": true") {
                "-dirty"
            } else {
                ""
            };
            return format!("{}{dirty}", &sha[..12]);
        }
    }
    let git = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .output()
            .ok()
            .filter(|out| out.status.success())
            .and_then(|out| String::from_utf8(out.stdout).ok())
            .map(|s| s.trim().to_owned())
    };
    let Some(sha) = git(&["rev-parse", "--short=12", "HEAD"]) else {
        return "unknown".into();
    };
    // Rebuild when HEAD moves: HEAD itself (a checkout) and the branch it points at (a commit).
    for path in ["HEAD", "packed-refs"] {
        if let Some(p) = git(&["rev-parse", "--git-path", path]) {
            println!("cargo::rerun-if-changed={p}");
        }
    }
    if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"])
        && let Some(p) = git(&["rev-parse", "--git-path", &branch])
    {
        println!("cargo::rerun-if-changed={p}");
    }
    // No `-dirty` mark here: edits to the work tree do not rerun this script, so it would lie.
    sha
}
