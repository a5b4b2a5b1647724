//! Which hook a command acts on: an id, or an exact name looked up in the list; and its URL.

use clap::Args;
use okta_eventhooks::{Client, EventHook};

use crate::error::{CliError, Result};

/// The URL of a hook (or one of its lifecycle operations), as the SDK would call it.
pub fn hook_url(client: &Client, id: &str, suffix: &str) -> String {
    let mut url = format!("{}/api/v1/eventHooks/", client.org_url());
    for byte in id.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            url.push(byte as char);
        } else {
            url.push_str(&format!("%{byte:02X}"));
        }
    }
    url.push_str(suffix);
    url
}

/// `<ID|NAME>` or `--name NAME`, for commands that act on one hook.
#[derive(Debug, Args)]
pub struct Target {
    /// The hook's id (e.g. who8vt36qfNpCGz9H1e6) or its exact name.
    #[arg(value_name = "ID|NAME", required_unless_present = "name")]
    hook: Option<String>,

    /// Select the hook by its exact name.
    #[arg(long, value_name = "NAME", conflicts_with = "hook")]
    name: Option<String>,
}

/// A resolved hook: its id, and the hook itself when the lookup already fetched it.
#[derive(Debug)]
pub struct Resolved {
    /// The hook's id.
    pub id: String,
    /// The hook, when looking it up by name fetched it.
    pub hook: Option<EventHook>,
}

impl Target {
    /// The id to act on; looks names up with one `list` call. An argument shaped like an Okta
    /// id is used as is, with no request.
    pub async fn resolve(&self, client: &Client) -> Result<Resolved> {
        match (&self.name, &self.hook) {
            (Some(name), _) => by_name(client, name).await,
            (None, Some(arg)) if looks_like_id(arg) => Ok(Resolved {
                id: arg.clone(),
                hook: None,
            }),
            (None, Some(arg)) => by_name(client, arg).await,
            (None, None) => Err(CliError::Usage("give a hook id or --name NAME".into())),
        }
    }
}

/// Okta hook ids are 20 alphanumeric characters starting with `who`.
pub fn looks_like_id(arg: &str) -> bool {
    arg.len() == 20 && arg.starts_with("who") && arg.chars().all(|c| c.is_ascii_alphanumeric())
}

/// Finds the one hook with exactly this name. For an argument that is neither an id-shaped
/// string nor a name, a hook whose id equals it is accepted too (ids of other shapes, e.g.
/// from an emulator).
pub async fn by_name(client: &Client, name: &str) -> Result<Resolved> {
    let hooks = client.list_event_hooks().await?;
    let mut named = hooks.iter().filter(|h| h.name == name);
    let Some(first) = named.next() else {
        if let Some(hook) = hooks.into_iter().find(|h| h.id.as_deref() == Some(name)) {
            return Ok(Resolved {
                id: name.to_owned(),
                hook: Some(hook),
            });
        }
        return Err(CliError::NoSuchHook(format!(
            "no event hook is named {name:?} (names must match exactly)"
        ))
        .with_hint("`okta-eventhooks list` shows the hooks that exist"));
    };
    let others: Vec<&EventHook> = named.collect();
    if !others.is_empty() {
        let ids: Vec<&str> = std::iter::once(first)
            .chain(others)
            .map(|h| h.id.as_deref().unwrap_or("?"))
            .collect();
        return Err(CliError::Usage(format!(
            "{} event hooks are named {name:?}: {}; give the id instead",
            ids.len(),
            ids.join(", ")
        )));
    }
    let id = first
        .id
        .clone()
        .ok_or_else(|| CliError::NoSuchHook(format!("the hook named {name:?} has no id")))?;
    Ok(Resolved {
        id,
        hook: Some(first.clone()),
    })
}

#[cfg(test)]
mod tests {
    use super::looks_like_id;

    #[test]
    fn id_shape() {
        assert!(looks_like_id("who8vt36qfNpCGz9H1e6"));
        assert!(!looks_like_id("Audit sink"));
        assert!(!looks_like_id("who8vt36qfNpCGz9H1e"));
    }
}
