//! An org's hooks as a manifest, so that an org comes under management in one step.
//!
//! Okta never returns the auth secret, so each becomes a `valueFrom: {env: ...}` placeholder
//! named after the hook (`AUDIT_SINK_SECRET`). Custom header values, which Okta does return,
//! are secrets to the SDK too, so they become placeholders as well (`AUDIT_SINK_X_API_KEY`),
//! except those of the headers named with `--literal-header` (never one whose name looks like
//! a credential: the manifest would refuse it). `plan` on the result shows no changes, only the
//! secrets to supply.

use std::collections::{BTreeMap, BTreeSet};

use okta_eventhooks::{EventHook, LifecycleStatus};
use serde::Serialize;

use crate::manifest::model::{Auth, HeaderValue, HookSpec, Manifest, OrgSpec, Status, ValueFrom};
use crate::manifest::schema::SCHEMA_ID;
use crate::manifest::secrets::{looks_like_credential, placeholder_env};
use crate::output::printable;

/// A hook URI without its user name and password: the manifest refuses them (they are a
/// literal secret), so export leaves them out and says so.
fn without_userinfo(uri: &str) -> Option<String> {
    let mut parsed = url::Url::parse(uri).ok()?;
    if parsed.username().is_empty() && parsed.password().is_none() {
        return None;
    }
    parsed.set_username("").ok()?;
    parsed.set_password(None).ok()?;
    Some(parsed.to_string())
}

/// A secret the exported manifest refers to, which must be supplied before `apply`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Placeholder {
    /// The environment variable.
    pub env: String,
    /// The hook.
    pub hook: String,
    /// What it is for.
    pub used_for: String,
}

/// The manifest of an org's hooks, and the placeholders it holds.
#[derive(Clone, Debug)]
pub struct Exported {
    /// The manifest.
    pub manifest: Manifest,
    /// The secrets to supply.
    pub placeholders: Vec<Placeholder>,
    /// Hooks whose URI held a user name and password, left out of the manifest.
    pub userinfo_dropped: Vec<String>,
}

/// `hooks` as a manifest; with `org`, the manifest names that org (an okta.yaml profile). The
/// values of the headers named in `literal` are written as they are (case-insensitive names).
pub fn export(
    hooks: &[EventHook],
    org: Option<&str>,
    literal: &[String],
) -> Result<Exported, String> {
    let mut names = BTreeMap::new();
    for hook in hooks {
        if let Some(twin) = names.insert(hook.name.as_str(), hook.id.as_deref().unwrap_or("?")) {
            return Err(format!(
                "two hooks of the org are named {:?} ({twin} and {}); a manifest names each hook once: rename one, then export again",
                hook.name,
                hook.id.as_deref().unwrap_or("?")
            ));
        }
    }
    let mut taken = BTreeSet::new();
    let mut placeholders = Vec::new();
    let mut placeholder = |hook: &str, what: &str, used_for: String| {
        let base = placeholder_env(hook, what);
        let mut env = base.clone();
        let mut n = 2;
        while !taken.insert(env.clone()) {
            env = format!("{base}_{n}");
            n += 1;
        }
        placeholders.push(Placeholder {
            env: env.clone(),
            hook: hook.to_owned(),
            used_for,
        });
        ValueFrom::Env(env)
    };
    let mut manifest = Manifest::default();
    let mut userinfo_dropped = Vec::new();
    for hook in hooks {
        let config = &hook.channel.config;
        let uri = match without_userinfo(&config.uri) {
            Some(uri) => {
                userinfo_dropped.push(hook.name.clone());
                uri
            }
            None => config.uri.clone(),
        };
        let mut headers = BTreeMap::new();
        for header in &config.headers {
            let Some(key) = header.key.clone() else {
                continue;
            };
            let value = match &header.value {
                // A credential never literally, whatever was asked: the manifest would refuse it.
                Some(value)
                    if literal.iter().any(|l| l.eq_ignore_ascii_case(&key))
                        && !looks_like_credential(&key) =>
                {
                    HeaderValue::Literal(value.expose().to_owned())
                }
                _ => HeaderValue::Reference {
                    value_from: placeholder(&hook.name, &key, format!("header {key}")),
                },
            };
            headers.insert(key, value);
        }
        let auth = config.auth_scheme.as_ref().map(|scheme| {
            let key = scheme.key.clone().unwrap_or_else(|| "Authorization".into());
            Auth {
                value_from: placeholder(&hook.name, "SECRET", format!("auth header {key}")),
                key,
                value: None,
            }
        });
        let filters = hook
            .events
            .filter
            .iter()
            .flat_map(|f| &f.event_filter_map)
            .filter_map(|entry| {
                let event = entry.event.clone()?;
                let expression = entry.condition.as_ref()?.expression.clone()?;
                Some((event, expression))
            })
            .collect();
        let status = match hook.status {
            Some(LifecycleStatus::Inactive) => Status::Inactive,
            _ => Status::Active,
        };
        manifest.hooks.insert(
            hook.name.clone(),
            HookSpec {
                description: hook.description.clone().filter(|d| !d.is_empty()),
                status,
                uri,
                headers,
                auth,
                events: hook.events.items.clone(),
                filters,
            },
        );
    }
    if let Some(org) = org {
        manifest.orgs.insert(
            org.to_owned(),
            OrgSpec {
                profile: Some(org.to_owned()),
                hooks: BTreeMap::new(),
            },
        );
    }
    Ok(Exported {
        manifest,
        placeholders,
        userinfo_dropped,
    })
}

/// The manifest as YAML, opened with comments: the schema for editors, and the secrets to
/// supply.
pub fn yaml(exported: &Exported, org_url: &str) -> Result<String, String> {
    let body = yaml_serde::to_string(&exported.manifest).map_err(|e| e.to_string())?;
    let mut text = format!(
        "# yaml-language-server: $schema={SCHEMA_ID}\n# Event hooks of {org_url}, exported by okta-eventhooks.\n"
    );
    if !exported.placeholders.is_empty() {
        text.push_str("# Okta never returns secrets: set these before `okta-eventhooks apply`:\n");
        for p in &exported.placeholders {
            text.push_str(&format!(
                "#   {}  ({}: {})\n",
                p.env,
                printable(&p.hook),
                printable(&p.used_for)
            ));
        }
    }
    text.push_str(&body);
    Ok(text)
}

/// The manifest as JSON, with `$schema` for editors.
pub fn json(exported: &Exported) -> serde_json::Value {
    let mut manifest = exported.manifest.clone();
    manifest.schema = Some(SCHEMA_ID.to_owned());
    serde_json::to_value(&manifest).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn okta(name: &str, uri: &str, headers: &[(&str, &str)]) -> EventHook {
        let headers: Vec<serde_json::Value> = headers
            .iter()
            .map(|(k, v)| serde_json::json!({"key": k, "value": v}))
            .collect();
        serde_json::from_value(serde_json::json!({
            "id": format!("who-{name}"), "status": "ACTIVE", "verificationStatus": "VERIFIED", "name": name,
            "events": {"type": "EVENT_TYPE", "items": ["user.session.start"], "filter": null},
            "channel": {"type": "HTTP", "version": "1.0.0", "config": {"uri": uri, "headers": headers,
                "authScheme": {"type": "HEADER", "key": "Authorization"}}}
        }))
        .unwrap()
    }

    #[test]
    fn secrets_become_placeholders_and_names_do_not_collide() {
        let hooks = [
            okta(
                "audit sink",
                "https://h.example.com/",
                &[("X-Source", "okta"), ("X-Api-Key", "k-literal")],
            ),
            okta("audit-sink", "https://alice:pw-literal@h.example.com/", &[]),
        ];
        let exported = export(
            &hooks,
            Some("dev"),
            &["x-source".into(), "X-Api-Key".into()],
        )
        .unwrap();
        let text = yaml(&exported, "https://acme.okta.com").unwrap();
        assert!(
            !text.contains("k-literal") && !text.contains("pw-literal"),
            "{text}"
        );
        let envs: Vec<&str> = exported
            .placeholders
            .iter()
            .map(|p| p.env.as_str())
            .collect();
        assert_eq!(
            envs,
            [
                "AUDIT_SINK_X_API_KEY",
                "AUDIT_SINK_SECRET",
                "AUDIT_SINK_SECRET_2"
            ]
        );
        let sink = &exported.manifest.hooks["audit sink"];
        assert_eq!(
            sink.headers["X-Source"],
            HeaderValue::Literal("okta".into())
        );
        assert_eq!(
            exported.manifest.hooks["audit-sink"].uri,
            "https://h.example.com/"
        );
        assert_eq!(exported.userinfo_dropped, ["audit-sink"]);
        assert_eq!(
            exported.manifest.orgs["dev"].profile.as_deref(),
            Some("dev")
        );
    }

    #[test]
    fn twins_cannot_be_exported() {
        let hooks = [
            okta("a", "https://h.example.com/", &[]),
            okta("a", "https://h.example.com/", &[]),
        ];
        let err = export(&hooks, None, &[]).unwrap_err();
        assert!(
            err.starts_with("two hooks of the org are named \"a\""),
            "{err}"
        );
    }
}
