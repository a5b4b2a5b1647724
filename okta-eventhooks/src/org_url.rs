//! Validation and normalisation of the Okta org URL.

use url::{Host, Url};

use crate::error::{Error, Result};

/// Checks an org URL and returns it without a trailing slash, ready to have `/api/v1/...` appended.
///
/// Rules: `https://` with a host and nothing after it; `http://` only for loopback hosts
/// (`localhost`, `127.0.0.0/8`, `[::1]`) so that emulators and tests work. The placeholder
/// `{yourOktaDomain}`, admin hosts (`acme-admin.okta.com`), doubled `.com.com`, credentials,
/// paths, queries and fragments are configuration errors that say what to fix.
pub(crate) fn normalize(raw: &str) -> Result<String> {
    let raw = raw.trim();
    // Quoted without its user name and password, which are refused below.
    let shown = crate::redact::text(raw);
    let bad = |why: &str| Err(Error::Config(format!("invalid org URL {shown:?}: {why}")));
    if raw.is_empty() {
        return Err(Error::Config(
            "the org URL is empty: set it to your Okta domain, e.g. https://acme.okta.com".into(),
        ));
    }
    if raw.contains("{yourOktaDomain}") || raw.contains("yourOktaDomain") {
        return bad(
            "replace the {yourOktaDomain} placeholder with your Okta domain, e.g. https://acme.okta.com",
        );
    }
    let url = match Url::parse(raw) {
        Ok(url) => url,
        Err(url::ParseError::RelativeUrlWithoutBase) => {
            return bad("it has no scheme; write it as https://your-org.okta.com");
        }
        Err(e) => return bad(&e.to_string()),
    };
    let Some(host) = url.host() else {
        return bad("it has no host");
    };
    let loopback = is_loopback(&host);
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        "http" => return bad("it must use https:// (http:// is only accepted for loopback hosts)"),
        other => return bad(&format!("unsupported scheme {other:?}; use https://")),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return bad("it must not contain credentials");
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return bad(
            "it must be only scheme and host (no path, query or fragment), e.g. https://acme.okta.com",
        );
    }
    if let Host::Domain(domain) = host {
        if domain.contains(".com.com") {
            return bad("the domain contains '.com.com'");
        }
        if domain
            .split('.')
            .next()
            .is_some_and(|label| label.ends_with("-admin"))
        {
            return bad("use your org's domain, not the admin console's '-admin' domain");
        }
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

/// Whether a host is loopback: `localhost`, `127.0.0.0/8` or `[::1]`.
pub(crate) fn is_loopback(host: &Host<&str>) -> bool {
    match host {
        Host::Domain(d) => d.eq_ignore_ascii_case("localhost"),
        Host::Ipv4(ip) => ip.is_loopback(),
        Host::Ipv6(ip) => ip.is_loopback(),
    }
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn org_url_table() {
        let ok = [
            ("https://acme.okta.com", "https://acme.okta.com"),
            ("https://acme.okta.com/", "https://acme.okta.com"),
            (
                "  https://acme.oktapreview.com/ ",
                "https://acme.oktapreview.com",
            ),
            (
                "https://login.example.com:8443",
                "https://login.example.com:8443",
            ),
            ("http://localhost:8080", "http://localhost:8080"),
            ("http://127.0.0.1:9000/", "http://127.0.0.1:9000"),
            ("http://127.8.9.10", "http://127.8.9.10"),
            ("http://[::1]:3000", "http://[::1]:3000"),
        ];
        for (input, want) in ok {
            assert_eq!(normalize(input).unwrap(), want, "{input}");
        }
        let bad = [
            ("", "empty"),
            ("https://{yourOktaDomain}", "placeholder"),
            ("acme.okta.com", "no scheme"),
            ("http://acme.okta.com", "https://"),
            ("ftp://acme.okta.com", "unsupported scheme"),
            ("https://acme.okta.com/api/v1", "no path"),
            ("https://acme.okta.com?x=1", "no path"),
            ("https://acme.okta.com/#frag", "no path"),
            ("https://user:pw@acme.okta.com", "credentials"),
            (
                "https://alice:S3cretPW@acme.okta.com",
                "[REDACTED]@acme.okta.com",
            ),
            ("https://acme-admin.okta.com", "-admin"),
            ("https://acme.okta.com.com", ".com.com"),
            ("http://10.0.0.1", "https://"),
            ("https://", "invalid org URL"),
        ];
        for (input, want) in bad {
            let err = normalize(input).unwrap_err().to_string();
            assert!(err.contains(want), "{input:?}: {err}");
            assert!(!err.contains("S3cretPW") && !err.contains("pw@"), "{err}");
            assert!(err.starts_with("configuration error"), "{err}");
        }
    }
}
