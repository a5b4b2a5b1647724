//! The NATS servers to connect to, shown without their credentials.

use std::fmt;
use std::time::Duration;

use crate::error::{Error, Result};

/// How long the first connection may take before the relay gives up starting.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// One or more NATS server URLs (`nats://host:4222`, `tls://host:4222`, `host:4222`). A URL
/// may carry credentials (`nats://user:password@host`, `nats://token@host`); `Debug` and
/// `Display` replace them with `[REDACTED]`.
#[derive(Clone, PartialEq, Eq)]
pub struct NatsServers(Vec<String>);

impl NatsServers {
    /// Servers from a list of URLs; each item may itself be a comma-separated list.
    pub fn new<I, S>(urls: I) -> Result<Self>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let servers: Vec<String> = urls
            .into_iter()
            .flat_map(|url| {
                url.as_ref()
                    .split(',')
                    .map(str::trim)
                    .filter(|u| !u.is_empty())
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            })
            .collect();
        if servers.is_empty() {
            return Err(Error::InvalidInput("no NATS server URL given".into()));
        }
        for server in &servers {
            server.parse::<async_nats::ServerAddr>().map_err(|e| {
                Error::InvalidInput(format!("{} is not a NATS URL: {e}", redact(server)))
            })?;
        }
        Ok(Self(servers))
    }

    /// Connects to the first server that answers (the client then learns the cluster's other
    /// servers and reconnects on its own, without limit). `name` shows in the server's
    /// connection list.
    pub async fn connect(&self, name: &str) -> Result<async_nats::Client> {
        async_nats::ConnectOptions::new()
            .name(name)
            .connection_timeout(CONNECT_TIMEOUT)
            .connect(self.0.as_slice())
            .await
            .map_err(|e| Error::Connect {
                servers: self.to_string(),
                // The client's message names the address it tried, which may hold credentials.
                source: redact(&e.to_string()).into(),
            })
    }
}

impl fmt::Display for NatsServers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown: Vec<String> = self.0.iter().map(|s| redact(s)).collect();
        f.write_str(&shown.join(","))
    }
}

impl fmt::Debug for NatsServers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NatsServers({self})")
    }
}

/// Replaces the user information of every URL in `text` (`scheme://user:pass@host`).
fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("://") {
        let (head, tail) = rest.split_at(start + 3);
        out.push_str(head);
        let authority_end = tail
            .find(['/', ' ', ',', '"', '\'', ')'])
            .unwrap_or(tail.len());
        match tail[..authority_end].rfind('@') {
            Some(at) => {
                out.push_str("[REDACTED]");
                rest = &tail[at..];
            }
            None => rest = tail,
        }
    }
    out.push_str(rest);
    // A URL without a scheme (`user:pass@host:4222`) has its credentials before the '@'.
    if !text.contains("://")
        && let Some(at) = out.rfind('@')
        && !out[..at].contains([' ', '/'])
    {
        return format!("[REDACTED]{}", &out[at..]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_never_show() {
        let servers = NatsServers::new([
            "nats://alice:s3cret-pass@127.0.0.1:4222, tls://tok3n-value@nats.example:4222",
            "127.0.0.1:4223",
        ])
        .unwrap();
        for shown in [servers.to_string(), format!("{servers:?}")] {
            assert!(
                !shown.contains("s3cret-pass") && !shown.contains("alice"),
                "{shown}"
            );
            assert!(!shown.contains("tok3n-value"), "{shown}");
            assert!(shown.contains("127.0.0.1:4223"), "{shown}");
        }
        assert_eq!(
            servers.to_string(),
            "nats://[REDACTED]@127.0.0.1:4222,tls://[REDACTED]@nats.example:4222,127.0.0.1:4223"
        );
        assert_eq!(redact("bob:pw@host:4222"), "[REDACTED]@host:4222");
        assert_eq!(
            redact("failed to connect to nats://u:p@h:1 (refused)"),
            "failed to connect to nats://[REDACTED]@h:1 (refused)"
        );
    }

    #[test]
    fn empty_and_malformed_lists_are_errors() {
        assert!(NatsServers::new([" , "]).is_err());
        assert!(NatsServers::new(Vec::<String>::new()).is_err());
        let err = NatsServers::new(["nats://u:pw@bad host:99999"]).unwrap_err();
        assert!(!err.to_string().contains("pw"), "{err}");
    }

    #[tokio::test]
    async fn an_unreachable_server_is_a_connect_error_without_credentials() {
        // Port 1 on loopback: nothing listens there.
        let servers = NatsServers::new(["nats://user:s3cret-pass@127.0.0.1:1"]).unwrap();
        let err = servers.connect("test").await.unwrap_err();
        assert!(matches!(err, Error::Connect { .. }), "{err:?}");
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains("s3cret-pass"), "{shown}");
    }
}
