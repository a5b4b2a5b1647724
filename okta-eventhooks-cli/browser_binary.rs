// Where Chromium and its WebDriver are, for the inspector's browser tests: the variables
// `OKTA_EVENTHOOKS_CHROMIUM` and `OKTA_EVENTHOOKS_CHROMEDRIVER` when set (they win), else the
// first `chromium` (or `chromium-browser`, `google-chrome`) and `chromedriver` on `PATH`. One file,
// used like `nats_binary.rs` beside it: a module of the test support, `include!`d by the build
// scripts that decide whether the browser tests run.

/// The variable naming the Chromium binary.
pub const CHROMIUM_VAR: &str = "OKTA_EVENTHOOKS_CHROMIUM";
/// The variable naming the chromedriver binary.
pub const CHROMEDRIVER_VAR: &str = "OKTA_EVENTHOOKS_CHROMEDRIVER";

/// The Chromium binary, or `None`.
pub fn chromium_binary() -> Option<std::path::PathBuf> {
    named_or_on_path(
        CHROMIUM_VAR,
        &["chromium", "chromium-browser", "google-chrome"],
    )
}

/// The chromedriver binary, or `None`.
pub fn chromedriver_binary() -> Option<std::path::PathBuf> {
    named_or_on_path(CHROMEDRIVER_VAR, &["chromedriver"])
}

fn named_or_on_path(var: &str, names: &[&str]) -> Option<std::path::PathBuf> {
    if let Some(named) = std::env::var_os(var).filter(|v| !v.is_empty()) {
        return Some(named.into());
    }
    let path = std::env::var_os("PATH")?;
    let dirs: Vec<_> = std::env::split_paths(&path)
        .filter(|dir| !dir.as_os_str().is_empty())
        .collect();
    names.iter().find_map(|name| {
        dirs.iter()
            .map(|dir| dir.join(name))
            .find(|candidate| browser_is_executable(candidate))
    })
}

#[cfg(unix)]
fn browser_is_executable(path: &std::path::Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn browser_is_executable(path: &std::path::Path) -> bool {
    path.with_extension("exe").is_file() || path.is_file()
}
