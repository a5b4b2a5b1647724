//! Secrets by reference: reading a `valueFrom`, and telling which values must be one.
//!
//! Which header names count as credentials is this tool's judgement, not one of Okta's rules:
//! Okta accepts any header. It decides where a manifest must use `valueFrom` and where
//! `export` writes a placeholder instead of the value Okta returned.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use okta_eventhooks::Secret;
use okta_eventhooks::config::Config;
use okta_eventhooks::limits::{self, SECRET_FILE};
use subtle::ConstantTimeEq;

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

/// The prefix of the environment variables this tool reads its own Okta settings from.
const OWN_ENV_PREFIX: &str = "OKTA_CLIENT_";

/// This tool's own Okta credentials, as the configurations loaded so far give them: what a
/// hook's secret must never be or be read from, or `apply` would send the org's credential to
/// a receiver (probe, verification) and store it in Okta as the hook's secret.
struct OwnCredentials {
    /// The files credentials come from (okta.yaml, the token file, the private key file), as
    /// given and as resolved.
    files: Vec<PathBuf>,
    /// The secrets themselves (API tokens, private keys, proxy passwords).
    secrets: Vec<Secret>,
}

static OWN: Mutex<OwnCredentials> = Mutex::new(OwnCredentials {
    files: Vec::new(),
    secrets: Vec::new(),
});

fn own() -> std::sync::MutexGuard<'static, OwnCredentials> {
    OWN.lock().unwrap_or_else(|e| e.into_inner())
}

/// Remembers a loaded configuration's credentials (and `--token-file`) as this tool's own, so
/// that [`resolve`] refuses them. Called for every configuration the CLI loads.
pub fn guard_own_credentials(config: &Config, token_file: Option<&Path>) {
    let mut own = own();
    for file in config
        .credential_files()
        .into_iter()
        .chain(token_file.map(Path::to_owned))
    {
        if let Ok(canonical) = std::fs::canonicalize(&file) {
            own.files.push(canonical);
        }
        own.files.push(file);
    }
    own.secrets.extend(config.secrets());
}

/// Why a `valueFrom` may not be read: it names this tool's own credentials or `/proc`.
fn refused_source(value_from: &ValueFrom, dir: &Path) -> Option<String> {
    match value_from {
        ValueFrom::Env(name) if name.starts_with(OWN_ENV_PREFIX) => Some(format!(
            "the environment variable {name} is one of this tool's own Okta settings ({OWN_ENV_PREFIX}*): a hook's secret is never read from them, or the org's credential would be sent to the receiver and stored as the hook's secret"
        )),
        ValueFrom::Env(_) => None,
        ValueFrom::File(path) => {
            let path = dir.join(path);
            let canonical = std::fs::canonicalize(&path).ok();
            let seen = [Some(&path), canonical.as_ref()];
            if seen.iter().flatten().any(|p| p.starts_with("/proc")) {
                return Some(format!(
                    "the file {} is under /proc, which holds the environment and memory of processes (this tool's own credentials among them): a hook's secret is never read from there",
                    path.display()
                ));
            }
            let own = own();
            let is_own = seen
                .iter()
                .flatten()
                .any(|p| own.files.iter().any(|f| f == *p));
            is_own.then(|| format!(
                "the file {} is one of this tool's own credential files (okta.yaml, the token file or the private key): a hook's secret is never read from it, or the org's credential would be sent to the receiver and stored as the hook's secret",
                path.display()
            ))
        }
    }
}

/// Whether `value` is one of this tool's own credentials, compared in constant time.
fn is_own_secret(value: &str) -> bool {
    let own = own();
    let mut found = subtle::Choice::from(0);
    for secret in &own.secrets {
        let secret = secret.expose().as_bytes();
        found |= secret.ct_eq(value.as_bytes()) | secret.ct_eq(value.trim().as_bytes());
    }
    found.into()
}

/// Reads the secret a `valueFrom` names. A relative file is relative to `dir` (the manifest's
/// directory). The error names the source, never a value. This tool's own credentials are
/// refused, by where they are read from (`OKTA_CLIENT_*`, its credential files, `/proc`) and by
/// value (a secret equal to one of them, wherever it was read from).
pub fn resolve(value_from: &ValueFrom, dir: &Path) -> Result<Secret, String> {
    if let Some(why) = refused_source(value_from, dir) {
        return Err(why);
    }
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
    if is_own_secret(value) {
        return Err(format!(
            "the {value_from} holds one of this tool's own Okta credentials (the org's API token, private key or proxy password): a hook needs a secret of its own, or the org's credential would be sent to the receiver and stored as the hook's secret"
        ));
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
