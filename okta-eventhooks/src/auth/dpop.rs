//! DPoP (RFC 9449): a per-client ES256 key, a fresh proof JWT for every HTTP request, and the
//! server-supplied nonces (one for the token endpoint, one for the API).

use std::sync::{Mutex, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::HeaderValue;
use jsonwebtoken::{Algorithm, EncodingKey};
use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::pkcs8::EncodePrivateKey;
use rand_core::{OsRng, RngCore};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::key::SigningKey;
use crate::error::{Error, Result};

/// Which server a nonce belongs to: RFC 9449 nonces are per server.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Server {
    /// The org authorization server's token endpoint.
    Token,
    /// The management API.
    Api,
}

/// DPoP state of one client: the key (made on first need) and the last nonces.
#[derive(Debug, Default)]
pub(crate) struct Dpop {
    key: OnceLock<DpopKey>,
    token_nonce: Mutex<Option<String>>,
    api_nonce: Mutex<Option<String>>,
}

/// The proof key and its public JWK (the JWK is public; the key is not printed).
#[derive(Debug)]
struct DpopKey {
    signer: SigningKey,
    jwk: serde_json::Value,
}

#[derive(Serialize)]
struct Claims<'a> {
    htm: &'a str,
    htu: &'a str,
    iat: u64,
    jti: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    ath: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    nonce: Option<String>,
}

impl Dpop {
    /// Whether proofs are being sent (DPoP was configured, or the token endpoint asked for it).
    pub(crate) fn enabled(&self) -> bool {
        self.key.get().is_some()
    }

    /// Turns DPoP on: makes the key pair once; later calls keep it.
    pub(crate) fn enable(&self) -> Result<()> {
        if self.key.get().is_none() {
            let key = DpopKey::generate()?;
            // A concurrent caller may have won the race; either key is fine, one is kept.
            let _ = self.key.set(key);
        }
        Ok(())
    }

    /// Remembers a `DPoP-Nonce` the server sent.
    pub(crate) fn set_nonce(&self, server: Server, nonce: &HeaderValue) {
        if let Ok(nonce) = nonce.to_str() {
            *self.slot(server).lock().unwrap_or_else(|e| e.into_inner()) = Some(nonce.to_owned());
        }
    }

    fn slot(&self, server: Server) -> &Mutex<Option<String>> {
        match server {
            Server::Token => &self.token_nonce,
            Server::Api => &self.api_nonce,
        }
    }

    /// A fresh proof for one request: `htm`, `htu` (no query or fragment), `iat`, a unique
    /// `jti`, `ath` when an access token is presented, and the server's last nonce.
    /// `None` when DPoP is off.
    pub(crate) fn proof(
        &self,
        server: Server,
        method: &http::Method,
        url: &url::Url,
        access_token: Option<&str>,
    ) -> Result<Option<HeaderValue>> {
        let Some(key) = self.key.get() else {
            return Ok(None);
        };
        let mut htu = url.clone();
        htu.set_query(None);
        htu.set_fragment(None);
        let nonce = self
            .slot(server)
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let claims = Claims {
            htm: method.as_str(),
            htu: htu.as_str(),
            iat: now_secs(),
            jti: random_id(),
            ath: access_token.map(|t| URL_SAFE_NO_PAD.encode(Sha256::digest(t.as_bytes()))),
            nonce,
        };
        let mut header = serde_json::Map::new();
        header.insert("typ".into(), "dpop+jwt".into());
        header.insert("jwk".into(), key.jwk.clone());
        let jws = key.signer.sign(header, &claims)?;
        let mut value = HeaderValue::try_from(jws)
            .map_err(|_| Error::Config("the DPoP proof is not a valid header value".into()))?;
        value.set_sensitive(true);
        Ok(Some(value))
    }
}

impl DpopKey {
    fn generate() -> Result<Self> {
        let secret = p256::SecretKey::random(&mut OsRng);
        let der = secret
            .to_pkcs8_der()
            .map_err(|e| Error::Config(format!("cannot make a DPoP key: {e}")))?;
        let point = secret.public_key().to_encoded_point(false);
        let (Some(x), Some(y)) = (point.x(), point.y()) else {
            return Err(Error::Config(
                "cannot make a DPoP key: no public point".into(),
            ));
        };
        let jwk = serde_json::json!({
            "kty": "EC",
            "crv": "P-256",
            "x": URL_SAFE_NO_PAD.encode(x),
            "y": URL_SAFE_NO_PAD.encode(y),
        });
        Ok(Self {
            signer: SigningKey::from_parts(
                Algorithm::ES256,
                EncodingKey::from_ec_der(der.as_bytes()),
            ),
            jwk,
        })
    }
}

/// Seconds since the Unix epoch (JWT `iat`).
pub(crate) fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// 128 random bits, base64url: a JWT `jti` that is never reused.
pub(crate) fn random_id() -> String {
    let mut bytes = [0u8; 16];
    OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proof_drops_query_and_fragment_and_binds_the_token() {
        let dpop = Dpop::default();
        let url = url::Url::parse("https://acme.okta.com/api/v1/eventHooks?x=1#f").unwrap();
        assert!(
            dpop.proof(Server::Api, &http::Method::GET, &url, None)
                .unwrap()
                .is_none()
        );
        dpop.enable().unwrap();
        dpop.set_nonce(Server::Api, &HeaderValue::from_static("n-1"));
        let proof = dpop
            .proof(Server::Api, &http::Method::GET, &url, Some("tok"))
            .unwrap()
            .unwrap();
        assert!(proof.is_sensitive());
        let parts: Vec<&str> = proof.to_str().unwrap().split('.').collect();
        let claims: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        assert_eq!(claims["htu"], "https://acme.okta.com/api/v1/eventHooks");
        assert_eq!(claims["htm"], "GET");
        assert_eq!(claims["nonce"], "n-1");
        assert_eq!(
            claims["ath"],
            URL_SAFE_NO_PAD.encode(Sha256::digest(b"tok"))
        );
        // The token endpoint has its own nonce (none yet).
        let other = dpop
            .proof(Server::Token, &http::Method::POST, &url, None)
            .unwrap()
            .unwrap();
        let parts: Vec<&str> = other.to_str().unwrap().split('.').collect();
        let claims: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        assert!(claims.get("nonce").is_none() && claims.get("ath").is_none());
        assert!(!format!("{dpop:?}").contains(parts[2]));
    }
}
