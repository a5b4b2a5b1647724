// Where the `nats-server` binary is: `OKTA_EVENTHOOKS_NATS_SERVER` when set (it wins), else the
// first `nats-server` on `PATH`. One file, used three ways, so that the test support and the two
// build scripts that decide whether the NATS tests run cannot disagree: the test support
// (`tests/src/lib.rs`) declares it as a module, `tests/build.rs` and `okta-eventhooks-cli/build.rs`
// `include!` it (a build script cannot depend on the crate it builds). It lives in the CLI's
// directory because the CLI's package must carry every file its build script reads.

/// The `nats-server` binary: the variable's value when it is set and not empty, else the first
/// executable `nats-server` on `PATH`; `None` when neither.
pub fn nats_server_binary() -> Option<std::path::PathBuf> {
    if let Some(named) = std::env::var_os("OKTA_EVENTHOOKS_NATS_SERVER").filter(|v| !v.is_empty()) {
        return Some(named.into());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .filter(|dir| !dir.as_os_str().is_empty())
        .map(|dir| dir.join("nats-server"))
        .find(|candidate| is_executable(candidate))
}

#[cfg(unix)]
fn is_executable(path: &std::path::Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &std::path::Path) -> bool {
    path.with_extension("exe").is_file() || path.is_file()
}
