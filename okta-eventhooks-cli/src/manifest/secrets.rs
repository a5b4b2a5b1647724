//! Secrets by reference: reading a `valueFrom`, and telling which values must be one.
//!
//! Which header names count as credentials is this tool's judgement, not one of Okta's rules:
//! Okta accepts any header. It decides where a manifest must use `valueFrom` and where
//! `export` writes a placeholder instead of the value Okta returned.

use std::path::Path;

use okta_eventhooks::Secret;
use okta_eventhooks::limits::{self, SECRET_FILE};

use super::model::ValueFrom;

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

/// Why a hook URI holds a literal secret, if it does: a query parameter named like a
/// credential. (A user name and password in the URI are refused by the SDK's rules.)
pub fn secret_in_uri(uri: &str) -> Option<String> {
    let parsed = url::Url::parse(uri).ok()?;
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
        ValueFrom::File(path) => {
            let path = dir.join(path);
            limits::read_file(&path, SECRET_FILE)
                .map_err(|e| format!("cannot read the file {}: {e}", path.display()))?
        }
    };
    let value = raw.strip_suffix('\n').unwrap_or(&raw);
    let value = value.strip_suffix('\r').unwrap_or(value);
    if value.is_empty() {
        return Err(format!("the {value_from} is empty"));
    }
    Ok(Secret::from(value))
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
