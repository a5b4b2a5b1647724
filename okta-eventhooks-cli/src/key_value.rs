//! `KEY=VALUE` arguments (`--header`, `--filter`, `filter test --set`).

/// Parses `KEY=VALUE` (the key trimmed and not empty; the value as given).
pub fn key_value(arg: &str) -> std::result::Result<(String, String), String> {
    match arg.split_once('=') {
        Some((key, value)) if !key.trim().is_empty() => {
            Ok((key.trim().to_owned(), value.to_owned()))
        }
        _ => Err("expected KEY=VALUE".into()),
    }
}
