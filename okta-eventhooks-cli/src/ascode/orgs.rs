//! The orgs of a run: which ones (`--org`), their clients (one okta.yaml profile each, pace
//! mode on), and work on all of them at once with a bound.

use std::future::Future;

use futures_util::StreamExt;
use okta_eventhooks::Client;

use crate::context::{Context, build_org_client};
use crate::error::{CliError, Result};
use crate::manifest::Loaded;

/// How many orgs are worked on at once by default. Each org has its own rate limit, so the
/// bound only keeps local resources (connections, memory) in check.
pub const DEFAULT_PARALLEL: u16 = 32;

/// One org to plan or apply.
pub struct Org {
    /// Its name in the manifest's `orgs:` (`default` without `orgs:`).
    pub name: String,
    /// Its okta.yaml profile (none for the usual configuration).
    pub profile: Option<String>,
    /// Its client, pace mode on.
    pub client: Client,
    /// What the client authenticates with (never the secret).
    pub credential: String,
}

/// The name of the one org of a manifest without `orgs:`.
pub const DEFAULT_ORG: &str = "default";

/// The orgs to work on: those named with `--org` (each must be in the manifest), else every
/// org of the manifest, else the one the usual configuration picks. Every client is built
/// before any request, so that a configuration problem stops the run before anything is sent.
pub fn select(ctx: &Context, loaded: &Loaded, wanted: &[String]) -> Result<Vec<Org>> {
    let orgs = &loaded.manifest.orgs;
    if orgs.is_empty() {
        if let Some(name) = wanted.first() {
            return Err(CliError::Usage(format!(
                "--org {name}: {} has no orgs:, so it manages the one org of the usual configuration (flags, OKTA_CLIENT_*, okta.yaml)",
                loaded.source.shown
            )));
        }
        let org = ctx.org_client(None)?;
        return Ok(vec![Org {
            name: DEFAULT_ORG.into(),
            profile: None,
            client: org.client,
            credential: org.credential,
        }]);
    }
    if let Some(flag) = ctx.org_flag() {
        return Err(CliError::Usage(format!(
            "{flag} cannot be used with a manifest that has orgs: (each org is an okta.yaml profile); choose orgs with --org NAME"
        )));
    }
    for name in wanted {
        if !orgs.contains_key(name) {
            let known: Vec<&str> = orgs.keys().map(String::as_str).collect();
            return Err(CliError::Usage(format!(
                "--org {name}: {} has no such org (it has {})",
                loaded.source.shown,
                known.join(", ")
            )));
        }
    }
    // Building a client loads the platform's CA certificates, milliseconds of CPU each: orgs
    // whose HTTP settings are the same share one HTTP client, built once.
    let mut shared: Vec<(Vec<(String, String)>, reqwest::Client)> = Vec::new();
    let mut selected = Vec::new();
    for (name, spec) in orgs {
        if !wanted.is_empty() && !wanted.contains(name) {
            continue;
        }
        let profile = spec.profile.clone().unwrap_or_else(|| name.clone());
        let hint = || format!("org {name} of the manifest uses the okta.yaml profile {profile}");
        let config = ctx
            .org_config(Some(&profile))
            .map_err(|e| e.with_hint(hint()))?;
        let transport = transport_settings(&config);
        let known = shared.iter().find(|(settings, _)| *settings == transport);
        let http = known.map(|(_, http)| http.clone());
        let is_new = http.is_none();
        let org = build_org_client(&config, http).map_err(|e| e.with_hint(hint()))?;
        if is_new {
            shared.push((transport, org.client.http_client()));
        }
        selected.push(Org {
            name: name.clone(),
            profile: Some(profile),
            client: org.client,
            credential: org.credential,
        });
    }
    refuse_shared_urls(&selected)?;
    Ok(selected)
}

/// The settings that shape an HTTP client (timeouts, proxy, `User-Agent`), each as its value,
/// or its origin for a secret (the proxy password): two orgs with equal lists can share one.
fn transport_settings(config: &okta_eventhooks::config::Config) -> Vec<(String, String)> {
    const TRANSPORT: &[&str] = &[
        "okta.client.connectionTimeout",
        "okta.client.requestTimeout",
        "okta.client.proxy.",
        "okta.client.userAgent",
    ];
    config
        .entries()
        .into_iter()
        .filter(|e| TRANSPORT.iter().any(|t| e.key.starts_with(t)))
        .map(|e| {
            let value = if e.value == okta_eventhooks::REDACTED {
                format!("{} from {}", e.value, e.origin)
            } else {
                e.value
            };
            (e.key, value)
        })
        .collect()
}

/// Two orgs of the manifest that are one org in fact would fight over its hooks.
fn refuse_shared_urls(orgs: &[Org]) -> Result<()> {
    for (i, org) in orgs.iter().enumerate() {
        if let Some(twin) = orgs[..i]
            .iter()
            .find(|o| o.client.org_url() == org.client.org_url())
        {
            return Err(CliError::Config(format!(
                "orgs {} and {} of the manifest are both {}; give each profile its own org URL",
                twin.name,
                org.name,
                org.client.org_url()
            )));
        }
    }
    Ok(())
}

/// Two orgs of the manifest that are one org under two URLs (a custom domain and the okta.com
/// domain, `localhost` and `127.0.0.1`) would fight over its hooks, and `apply` would fail
/// half-way with "already exists". Each org's id is read from its public metadata
/// (`GET /.well-known/okta-organization`, no credential sent) before anything is written. An org
/// that cannot be identified is named in a warning and left out of the comparison: its own
/// reading fails too, or it is identified by its URL as before.
pub async fn refuse_same_org(ctx: &Context, orgs: &[Org], parallel: usize) -> Result<()> {
    if orgs.len() < 2 {
        return Ok(());
    }
    let ids = each(orgs, parallel, |org| org.client.org_metadata()).await;
    let mut known: Vec<(&str, &Org)> = Vec::new();
    for (org, metadata) in orgs.iter().zip(&ids) {
        let id = match metadata {
            Ok(metadata) => metadata.id.as_deref().filter(|id| !id.is_empty()),
            Err(e) => {
                ctx.printer().warn(&format!(
                    "org {} could not be identified by its id (GET /.well-known/okta-organization: {}); it is not compared with the other orgs",
                    org.name,
                    okta_eventhooks::redact::text(&e.to_string())
                ));
                None
            }
        };
        let Some(id) = id else { continue };
        if let Some((_, twin)) = known.iter().find(|(known_id, _)| *known_id == id) {
            return Err(CliError::Config(format!(
                "orgs {} ({}) and {} ({}) of the manifest are one org (id {id}) under two URLs; nothing was changed: give each profile its own org",
                twin.name,
                twin.client.org_url(),
                org.name,
                org.client.org_url()
            )));
        }
        known.push((id, org));
    }
    Ok(())
}

/// Runs `work` on every item, at most `parallel` at once, and returns the results in the
/// items' order. All on the current task: the work is waiting on the network, not computing.
pub async fn each<'a, T, R, F, Fut>(items: &'a [T], parallel: usize, work: F) -> Vec<R>
where
    F: Fn(&'a T) -> Fut,
    Fut: Future<Output = R> + 'a,
{
    let mut results: Vec<(usize, R)> = futures_util::stream::iter(items.iter().enumerate())
        .map(|(i, item)| {
            let run = work(item);
            async move { (i, run.await) }
        })
        .buffer_unordered(parallel.max(1))
        .collect()
        .await;
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).collect()
}
