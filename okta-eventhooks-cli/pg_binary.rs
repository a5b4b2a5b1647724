/// The directory of PostgreSQL's server binaries (`initdb`, `postgres`): the one
/// `OKTA_EVENTHOOKS_PG_BIN` names, else the newest `/usr/lib/postgresql/*/bin` (Debian's
/// `postgresql` package), else the first directory on `PATH` that has `initdb`. Shared by
/// the build script (which tells the tests whether they can run) and the test support.
pub fn pg_bin_dir() -> Option<std::path::PathBuf> {
    let has_server =
        |dir: &std::path::Path| dir.join("initdb").is_file() && dir.join("postgres").is_file();
    if let Some(dir) = std::env::var_os("OKTA_EVENTHOOKS_PG_BIN").filter(|v| !v.is_empty()) {
        return Some(std::path::PathBuf::from(dir));
    }
    let mut versions: Vec<(u32, std::path::PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse().ok()?;
            Some((version, e.path().join("bin")))
        })
        .filter(|(_, bin)| has_server(bin))
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Some(bin);
    }
    std::env::split_paths(&std::env::var_os("PATH")?).find(|dir| has_server(dir))
}
