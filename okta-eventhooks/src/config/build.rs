//! From settings to a [`ClientBuilder`]: each setting applied as the table says, plus the rules
//! that read several settings together (the credentials of the mode in force, the proxy URL).

use super::parse::{self, KeySource, Mode};
use super::settings::{self, Loaded, SETTINGS, Stage};
use super::{Config, HOME_FILE, LOCAL_FILE, origin};
use crate::client::ClientBuilder;
use crate::error::{Error, Result};
use crate::limits;
use crate::{Client, Secret};

impl Config {
    /// A [`ClientBuilder`] with every configured setting applied. The error lists everything
    /// that is missing or malformed, each with its origin (never a secret value).
    pub fn client_builder(&self) -> Result<ClientBuilder> {
        let mut problems = Vec::new();
        // The problems are listed in this order: the org URL, the credentials, the rest.
        let mut builder = Client::builder();
        match self.values.org_url.as_ref().map(Loaded::get) {
            Some(Ok(url)) => builder = builder.org_url(url),
            Some(Err(e)) => problems.push(e),
            None => problems.push(format!(
                "no org URL: set {} (e.g. https://acme.okta.com)",
                settings::org_url.how_to_set()
            )),
        }
        builder = self.credentials(builder, &mut problems);
        builder = self.apply(Stage::Always, builder, &mut problems);
        match self.proxy_url() {
            Ok(Some(url)) => builder = builder.proxy(url),
            Ok(None) => {}
            Err(e) => problems.push(e),
        }

        if problems.is_empty() {
            return Ok(builder);
        }
        let list: Vec<String> = problems.iter().map(|p| format!("  - {p}")).collect();
        Err(Error::Config(format!(
            "{} problem(s) in the Okta configuration (precedence: {HOME_FILE} < {LOCAL_FILE} < environment < flags):\n{}",
            problems.len(),
            list.join("\n")
        )))
    }

    /// Applies every setting that applies on its own at `stage`.
    fn apply(
        &self,
        stage: Stage,
        builder: ClientBuilder,
        problems: &mut Vec<String>,
    ) -> ClientBuilder {
        SETTINGS.iter().fold(builder, |builder, setting| {
            setting.apply(&self.values, stage, builder, problems)
        })
    }

    fn credentials(&self, builder: ClientBuilder, problems: &mut Vec<String>) -> ClientBuilder {
        let v = &self.values;
        let mode = match self.mode() {
            Ok(Some(mode)) => mode,
            Err(e) => {
                problems.push(e);
                return builder;
            }
            Ok(None) => {
                problems.push(format!(
                    "no credentials: set an API token ({}), or authorizationMode PrivateKey with a client id ({}) and a private key ({})",
                    settings::token.how_to_set(),
                    settings::client_id.how_to_set(),
                    settings::private_key.how_to_set()
                ));
                return builder;
            }
        };
        if mode == Mode::PrivateKey {
            return self.oauth(builder, problems);
        }
        let Some(token) = &v.token else {
            problems.push(format!(
                "authorizationMode {} (from {}) needs a token: set {}",
                v.authorization_mode
                    .as_ref()
                    .map_or("SSWS", |s| s.text.expose()),
                origin(&v.authorization_mode),
                settings::token.how_to_set()
            ));
            return builder;
        };
        match (token.get(), mode) {
            (Ok(token), Mode::Bearer) => builder.bearer_token(token.clone()),
            (Ok(token), _) => builder.api_token(token.clone()),
            (Err(e), _) => {
                problems.push(e);
                builder
            }
        }
    }

    fn oauth(&self, mut builder: ClientBuilder, problems: &mut Vec<String>) -> ClientBuilder {
        let v = &self.values;
        let why = format!(
            "authorizationMode PrivateKey (from {})",
            origin(&v.authorization_mode)
        );
        if v.client_id.is_none() {
            problems.push(format!(
                "{why} needs a client id: set {}",
                settings::client_id.how_to_set()
            ));
        }
        match &v.private_key {
            None => problems.push(format!(
                "{why} needs a private key: set {} to a PEM file path, inline PEM or a JWK",
                settings::private_key.how_to_set()
            )),
            Some(key) => match self.private_key_text(key) {
                Ok(text) => builder = builder.private_key(text),
                Err(e) => problems.push(e),
            },
        }
        // The client id, key id, scopes, DPoP and renewal offset.
        self.apply(Stage::WithPrivateKey, builder, problems)
    }

    /// The key text: inline PEM/JWK as is, else the file's content (read now), checked.
    fn private_key_text(&self, key: &Loaded<KeySource>) -> std::result::Result<Secret, String> {
        let text = match key.get()? {
            KeySource::Inline(text) => text.clone(),
            KeySource::File(path) => {
                let path = self.expand(path.expose());
                // The path is not shown: what was taken for one may be key material.
                limits::read_file(&path, limits::SECRET_FILE)
                    .map(Secret::new)
                    .map_err(|e| {
                        format!(
                            "cannot read the private key file that {} names (from {}): {e}",
                            settings::private_key.name(),
                            key.origin
                        )
                    })?
            }
        };
        crate::auth::check_private_key(text.expose())
            .map_err(|e| format!("{} (from {})", parse::message(&e), key.origin))?;
        Ok(text)
    }

    /// `proxy.*` as one URL with the credentials percent-encoded (kept secret).
    fn proxy_url(&self) -> std::result::Result<Option<Secret>, String> {
        let v = &self.values;
        let Some(host) = &v.proxy_host else {
            if v.proxy_port.is_some() || v.proxy_username.is_some() {
                return Err(format!(
                    "a proxy port or user name is set but no {}",
                    settings::proxy_host.how_to_set()
                ));
            }
            return Ok(None);
        };
        let bad = |why: &str| settings::proxy_host.problem(&host.text, &host.origin, why);
        let mut url = host.get()?.clone();
        if let Some(port) = &v.proxy_port {
            url.set_port(Some(*port.get()?))
                .map_err(|_| bad("cannot take a port"))?;
        }
        if let Some(user) = &v.proxy_username {
            url.set_username(user.get()?)
                .map_err(|_| bad("cannot take a user name"))?;
            if let Some(password) = &v.proxy_password {
                url.set_password(Some(password.get()?.expose()))
                    .map_err(|_| bad("cannot take a password"))?;
            }
        }
        Ok(Some(Secret::new(String::from(url))))
    }
}
