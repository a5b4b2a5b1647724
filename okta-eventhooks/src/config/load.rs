//! Where settings come from: `~/.okta/okta.yaml`, `./okta.yaml` and `OKTA_CLIENT_*` variables.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use yaml_serde::Value;

use super::Config;
use super::settings::SETTINGS;
use crate::error::{Error, Result};
use crate::limits::{self, ReadError};

/// Origin label of the home file (also used in messages, whatever `$HOME` is).
pub const HOME_FILE: &str = "~/.okta/okta.yaml";
/// Origin label of the file in the current directory.
pub const LOCAL_FILE: &str = "./okta.yaml";
/// Selects a profile when [`ConfigLoader::profile`] is not called.
pub const PROFILE_ENV: &str = "OKTA_CLIENT_PROFILE";

/// Reads configuration the way Okta's SDKs do, lowest to highest precedence: built-in
/// defaults, `~/.okta/okta.yaml`, `./okta.yaml`, environment variables. Explicit calls on the
/// resulting [`Config`] (`set_*`, e.g. from CLI flags) override all of them.
///
/// ```
/// use okta_eventhooks::config::ConfigLoader;
/// let dir = std::env::temp_dir().join("okta-eventhooks-doc-nonexistent");
/// let config = ConfigLoader::new()
///     .home_dir(&dir)
///     .current_dir(&dir)
///     .env([
///         ("OKTA_CLIENT_ORGURL".to_string(), "https://acme.okta.com".to_string()),
///         ("OKTA_CLIENT_TOKEN".to_string(), "00abc".to_string()),
///     ])
///     .load()?;
/// assert_eq!(config.credential_summary(), "SSWS API token from OKTA_CLIENT_TOKEN");
/// let client = config.client_builder()?.build()?;
/// # Ok::<(), okta_eventhooks::Error>(())
/// ```
#[derive(Debug, Default, Clone)]
#[must_use]
pub struct ConfigLoader {
    profile: Option<String>,
    home_dir: Option<PathBuf>,
    current_dir: Option<PathBuf>,
    env: Option<HashMap<String, String>>,
}

impl ConfigLoader {
    /// Reads the process environment, `$HOME/.okta/okta.yaml` and `./okta.yaml`.
    pub fn new() -> Self {
        Self::default()
    }

    /// Uses the named profile (`okta.profiles.<name>.client.*`) on top of `okta.client.*`
    /// in each file. Default: `$OKTA_CLIENT_PROFILE`, else none.
    pub fn profile(mut self, name: impl Into<String>) -> Self {
        self.profile = Some(name.into());
        self
    }

    /// The home directory holding `.okta/okta.yaml` (default `$HOME`).
    pub fn home_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.home_dir = Some(dir.into());
        self
    }

    /// The directory holding the local `okta.yaml` (default: the process's current directory).
    pub fn current_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.current_dir = Some(dir.into());
        self
    }

    /// Uses these variables instead of the process environment (for tests and embedding).
    pub fn env<I: IntoIterator<Item = (String, String)>>(mut self, vars: I) -> Self {
        self.env = Some(vars.into_iter().collect());
        self
    }

    fn var(&self, name: &str) -> Option<String> {
        let value = match &self.env {
            Some(env) => env.get(name).cloned(),
            None => std::env::var(name).ok(),
        };
        // An empty variable counts as unset, as in Okta's SDKs (`export X=` to neutralise).
        value.filter(|v| !v.trim().is_empty())
    }

    /// Reads every source. A file that does not exist is skipped; one that cannot be read or
    /// parsed is an error naming the file (and the line, for YAML syntax errors), and so is one
    /// larger than [`limits::CONFIG_FILE`] or nesting `[`/`{` deeper than
    /// [`limits::MAX_YAML_NESTING`], refused before it is parsed. Each value is
    /// parsed as it is read, but a malformed one is reported only by
    /// [`Config::client_builder`], and only if no higher source (a flag) replaced it.
    pub fn load(&self) -> Result<Config> {
        let home = self
            .home_dir
            .clone()
            .or_else(|| self.var("HOME").map(PathBuf::from))
            .or_else(|| self.var("USERPROFILE").map(PathBuf::from));
        let current = match &self.current_dir {
            Some(dir) => dir.clone(),
            None => std::env::current_dir()
                .map_err(|e| Error::Config(format!("cannot tell the current directory: {e}")))?,
        };
        let profile = self.profile.clone().or_else(|| self.var(PROFILE_ENV));
        let mut config = Config::empty(home.clone(), current.clone());
        let mut profile_found = false;
        let files = home
            .map(|h| (h.join(".okta").join("okta.yaml"), HOME_FILE))
            .into_iter()
            .chain([(current.join("okta.yaml"), LOCAL_FILE)]);
        for (path, label) in files {
            profile_found |= read_file(&mut config, &path, label, profile.as_deref())?;
        }
        if let Some(name) = &profile
            && !profile_found
        {
            return Err(Error::Config(format!(
                "profile {name:?} is not defined: add okta.profiles.{name}.client to {HOME_FILE} or {LOCAL_FILE}"
            )));
        }
        for setting in SETTINGS {
            if let Some((name, value)) = setting
                .env
                .iter()
                .find_map(|name| self.var(name).map(|v| (*name, v)))
            {
                setting.load(&mut config.values, &value, name);
            }
        }
        config.warn_about_key_file();
        Ok(config)
    }
}

/// Reads one file into `config`; returns whether it defines the requested profile.
fn read_file(config: &mut Config, path: &Path, label: &str, profile: Option<&str>) -> Result<bool> {
    let text = match limits::read_file(path, limits::CONFIG_FILE) {
        Ok(text) => text,
        Err(ReadError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => {
            return Err(Error::Config(format!(
                "cannot read {label} ({}): {e}",
                path.display()
            )));
        }
    };
    limits::check_yaml_nesting(&text)
        .map_err(|e| Error::Config(format!("{label} ({}) is refused: {e}", path.display())))?;
    let root: Value = yaml_serde::from_str(&text).map_err(|e| {
        let at = e
            .location()
            .map(|l| format!(" line {}, column {}", l.line(), l.column()))
            .unwrap_or_default();
        Error::Config(format!(
            "{label} ({}) is not valid YAML:{at}: {e}",
            path.display()
        ))
    })?;
    let okta = root.get("okta");
    let mut held_secret = false;
    if let Some(client) = okta.and_then(|o| o.get("client")) {
        held_secret |= read_client(config, client, label)?;
    }
    let mut found = false;
    if let Some(name) = profile
        && let Some(client) = okta
            .and_then(|o| o.get("profiles"))
            .and_then(|p| p.get(name))
            .and_then(|p| p.get("client"))
    {
        found = true;
        held_secret |= read_client(config, client, &format!("{label} (profile {name})"))?;
    }
    if held_secret {
        config.warn_if_shared(path, label);
    }
    Ok(found)
}

/// Reads an `okta.client` mapping; returns whether it held a secret.
fn read_client(config: &mut Config, client: &Value, origin: &str) -> Result<bool> {
    if !matches!(client, Value::Mapping(_) | Value::Null) {
        return Err(Error::Config(format!(
            "okta.client in {origin} must be a mapping of settings"
        )));
    }
    let mut held_secret = false;
    for setting in SETTINGS {
        for path in setting.yaml {
            let mut node = Some(client);
            for part in path.split('.') {
                node = node.and_then(|n| n.get(part));
            }
            let Some(node) = node else { continue };
            let Some(text) = scalar(node, setting.list) else {
                return Err(Error::Config(format!(
                    "okta.client.{path} in {origin} must be a single value{}",
                    if setting.list { " or a list" } else { "" }
                )));
            };
            if text.is_empty() {
                continue;
            }
            held_secret |= setting.secret;
            setting.load(&mut config.values, &text, origin);
            break;
        }
    }
    Ok(held_secret)
}

/// A YAML scalar as text; a sequence (for scopes) as space-separated text.
fn scalar(node: &Value, list_ok: bool) -> Option<String> {
    match node {
        Value::Null => Some(String::new()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => Some(s.trim().to_owned()),
        Value::Sequence(items) if list_ok => {
            let parts: Option<Vec<String>> = items.iter().map(|i| scalar(i, false)).collect();
            Some(parts?.join(" "))
        }
        _ => None,
    }
}
