//! Secrets by reference: reading a `valueFrom`, and telling which values must be one.
//!
//! Which header names count as credentials is this tool's judgement, not one of Okta's rules:
//! Okta accepts any header. It decides where a manifest must use `valueFrom` and where
//! `export` writes a placeholder instead of the value Okta returned.

use std::io::Read;
use std::path::Path;

use okta_eventhooks::Secret;

use super::model::ValueFrom;

/// Largest secret file read: a shared secret is a few dozen bytes.
pub const MAX_SECRET_BYTES: u64 = 64 * 1024;

/// Parts of a header or query parameter name (lowercase, without `-` and `_`) that mark a
/// credential.
const CREDENTIAL_WORDS: &[&str] = &[
    "auth",
    "token",
    "secret",
    "passw",
    "pwd",
    "key",
    "cookie",
    "credential",
    "signature",
    "session",
    "bearer",
];

/// Whether a header or query parameter of this name probably carries a credential.
pub fn looks_like_credential(name: &str) -> bool {
    let folded: String = name
        .chars()
        .filter(|c| *c != '-' && *c != '_')
        .flat_map(char::to_lowercase)
        .collect();
    CREDENTIAL_WORDS.iter().any(|word| folded.contains(word))
}

/// Why a hook URI holds a literal secret, if it does: user info, or a query parameter named
/// like a credential.
pub fn secret_in_uri(uri: &str) -> Option<String> {
    let parsed = url::Url::parse(uri).ok()?;
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Some(
            "the URI holds user info (user:password@): a literal secret is not allowed in a manifest; put the secret in auth: {key: ..., valueFrom: ...}".into(),
        );
    }
    let name = parsed
        .query_pairs()
        .map(|(name, _)| name.into_owned())
        .find(|name| looks_like_credential(name))?;
    Some(format!(
        "the URI's query parameter {name:?} looks like a credential: a literal secret is not allowed in a manifest; put it in auth: {{key: ..., valueFrom: ...}}"
    ))
}

/// Whether `name` can be an environment variable name (letters, digits, `_`; not a digit first).
pub fn valid_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Reads the secret a `valueFrom` names. A relative file is relative to `dir` (the manifest's
/// directory). The error names the source, never a value.
pub fn resolve(value_from: &ValueFrom, dir: &Path) -> Result<Secret, String> {
    let raw = match value_from {
        ValueFrom::Env(name) => std::env::var(name).map_err(|e| match e {
            std::env::VarError::NotPresent => format!("the environment variable {name} is not set"),
            std::env::VarError::NotUnicode(_) => {
                format!("the environment variable {name} is not UTF-8")
            }
        })?,
        ValueFrom::File(path) => read_file(&dir.join(path))?,
    };
    let value = raw.strip_suffix('\n').unwrap_or(&raw);
    let value = value.strip_suffix('\r').unwrap_or(value);
    if value.is_empty() {
        return Err(format!("the {value_from} is empty"));
    }
    Ok(Secret::from(value))
}

fn read_file(path: &Path) -> Result<String, String> {
    let unreadable = |e: std::io::Error| format!("cannot read the file {}: {e}", path.display());
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .map_err(unreadable)?
        .take(MAX_SECRET_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    if bytes.len() as u64 > MAX_SECRET_BYTES {
        return Err(format!(
            "the file {} is larger than {MAX_SECRET_BYTES} bytes; a secret is a few dozen",
            path.display()
        ));
    }
    String::from_utf8(bytes).map_err(|_| format!("the file {} is not UTF-8", path.display()))
}

/// The environment variable `export` proposes for a secret of `hook`: its name in capitals,
/// other characters as `_`, then `_` and `what`, e.g. `AUDIT_SINK_SECRET`.
pub fn placeholder_env(hook: &str, what: &str) -> String {
    let mut name: String = format!("{hook}_{what}")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    // Collapse runs of `_` and trim them, so that "audit sink (prod)" reads AUDIT_SINK_PROD.
    while name.contains("__") {
        name = name.replace("__", "_");
    }
    let name = name.trim_matches('_').to_owned();
    if valid_env_name(&name) {
        name
    } else {
        format!("HOOK_{name}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_names() {
        for name in [
            "Authorization",
            "X-Api-Key",
            "x-hook-token",
            "X-Shared-Secret",
            "Cookie",
            "password",
            "apikey",
        ] {
            assert!(looks_like_credential(name), "{name}");
        }
        for name in ["X-Source", "X-Tenant", "X-Okta-Org", "Content-Language"] {
            assert!(!looks_like_credential(name), "{name}");
        }
    }

    #[test]
    fn secrets_in_uris() {
        assert!(secret_in_uri("https://u:p@hooks.example.com/").is_some());
        assert!(secret_in_uri("https://hooks.example.com/?api_key=abc").is_some());
        assert!(secret_in_uri("https://hooks.example.com/okta?tenant=acme").is_none());
        assert!(secret_in_uri("https://hooks.example.com/okta").is_none());
    }

    #[test]
    fn placeholders_are_environment_names() {
        assert_eq!(placeholder_env("audit-sink", "SECRET"), "AUDIT_SINK_SECRET");
        assert_eq!(
            placeholder_env("Audit sink (prod)", "X-Api-Key"),
            "AUDIT_SINK_PROD_X_API_KEY"
        );
        assert_eq!(
            placeholder_env("1st hook", "SECRET"),
            "HOOK_1ST_HOOK_SECRET"
        );
        assert!(valid_env_name("AUDIT_SINK_SECRET"));
        assert!(!valid_env_name("1A") && !valid_env_name("A-B") && !valid_env_name(""));
    }

    #[test]
    fn resolve_reads_env_and_files_and_names_the_source() {
        let dir = std::env::temp_dir().join(format!("oeh-secret-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("s"), "from-file\n").unwrap();
        let secret = resolve(&ValueFrom::File("s".into()), &dir).unwrap();
        assert_eq!(secret.expose(), "from-file");
        let err = resolve(&ValueFrom::Env("OEH_TEST_UNSET_VARIABLE".into()), &dir).unwrap_err();
        assert_eq!(
            err,
            "the environment variable OEH_TEST_UNSET_VARIABLE is not set"
        );
        std::fs::write(dir.join("empty"), "\n").unwrap();
        let err = resolve(&ValueFrom::File("empty".into()), &dir).unwrap_err();
        assert!(err.contains("is empty"), "{err}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
