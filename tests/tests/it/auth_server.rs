//! A mock Okta authorization server and DPoP-checking API for the OAuth tests.
//!
//! The token endpoint VERIFIES what a real one would: the form fields, the client assertion's
//! signature against the public key, every claim (`iss`, `sub`, `aud`, `iat`, `exp` at most
//! an hour, a never-reused `jti`, the `kid` header), and with DPoP the proof's signature,
//! `htm`, `htu` and nonce. Anything wrong is recorded in `failures` and refused with
//! `invalid_client`, so tests assert both the outcome and an empty failure list.

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::pkcs8::{EncodePrivateKey, LineEnding};
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::traits::PublicKeyParts;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

pub const CLIENT_ID: &str = "0oaTestClient";
pub const KID: &str = "test-kid-1";

/// TEST-ONLY throwaway RSA key (generated for these tests; never registered anywhere).
pub const RSA_PKCS1_PEM: &str = include_str!("keys/TEST-ONLY-rsa-pkcs1.pem");

/// A private key in some format plus what verifies its signatures.
pub struct TestKey {
    pub private: String,
    pub public: DecodingKey,
    pub alg: Algorithm,
}

impl TestKey {
    pub fn rsa() -> Self {
        let key = rsa::RsaPrivateKey::from_pkcs1_pem(RSA_PKCS1_PEM).unwrap();
        let n = URL_SAFE_NO_PAD.encode(key.n().to_bytes_be());
        let e = URL_SAFE_NO_PAD.encode(key.e().to_bytes_be());
        Self {
            private: RSA_PKCS1_PEM.to_owned(),
            public: DecodingKey::from_rsa_components(&n, &e).unwrap(),
            alg: Algorithm::RS256,
        }
    }

    /// A fresh P-256 key as PKCS#8 PEM.
    pub fn es256() -> Self {
        let key = p256::SecretKey::random(&mut rand_core::OsRng);
        let point = key.public_key().to_encoded_point(false);
        Self {
            private: key.to_pkcs8_pem(LineEnding::LF).unwrap().to_string(),
            public: ec_public(point.x().unwrap(), point.y().unwrap()),
            alg: Algorithm::ES256,
        }
    }

    /// A fresh P-256 key as a private JWK (with its own `kid`).
    pub fn es256_jwk(kid: &str) -> Self {
        let key = p256::SecretKey::random(&mut rand_core::OsRng);
        let point = key.public_key().to_encoded_point(false);
        let (x, y) = (point.x().unwrap(), point.y().unwrap());
        let jwk = json!({
            "kty": "EC", "crv": "P-256", "kid": kid,
            "x": URL_SAFE_NO_PAD.encode(x), "y": URL_SAFE_NO_PAD.encode(y),
            "d": URL_SAFE_NO_PAD.encode(key.to_bytes()),
        });
        Self {
            private: jwk.to_string(),
            public: ec_public(x, y),
            alg: Algorithm::ES256,
        }
    }

    /// A fresh P-384 key as SEC1 PEM (`EC PRIVATE KEY`).
    pub fn es384_sec1() -> Self {
        let key = p384::SecretKey::random(&mut rand_core::OsRng);
        let point = key.public_key().to_encoded_point(false);
        Self {
            private: key.to_sec1_pem(LineEnding::LF).unwrap().to_string(),
            public: ec_public(point.x().unwrap(), point.y().unwrap()),
            alg: Algorithm::ES384,
        }
    }
}

fn ec_public(x: &[u8], y: &[u8]) -> DecodingKey {
    DecodingKey::from_ec_components(&URL_SAFE_NO_PAD.encode(x), &URL_SAFE_NO_PAD.encode(y)).unwrap()
}

/// How the token endpoint treats DPoP.
#[derive(Clone, Default)]
pub struct DpopPolicy {
    /// Refuse token requests without a proof (`invalid_dpop_proof`), like an app with
    /// "Require DPoP".
    pub required: bool,
    /// Demand this nonce in the proof (`use_dpop_nonce` until it is there).
    pub nonce: Option<String>,
}

/// The mock token endpoint.
pub struct TokenEndpoint {
    pub audience: String,
    pub key: DecodingKey,
    pub alg: Algorithm,
    pub kid: Option<String>,
    pub scope: String,
    pub expires_in: u64,
    pub dpop: DpopPolicy,
    pub delay: Duration,
    /// Every token request, answered or refused.
    pub requests: AtomicUsize,
    /// Tokens issued (`tok-1`, `tok-2`, ...).
    pub issued: AtomicUsize,
    pub failures: Mutex<Vec<String>>,
    jtis: Mutex<HashSet<String>>,
    /// `(had a proof, nonce in the proof)` per request, in order.
    pub proofs: Mutex<Vec<(bool, Option<String>)>>,
}

impl TokenEndpoint {
    pub fn new(server: &MockServer, key: &TestKey) -> Self {
        Self {
            audience: format!("{}/oauth2/v1/token", server.uri()),
            key: key.public.clone(),
            alg: key.alg,
            kid: Some(KID.into()),
            scope: "okta.eventHooks.manage okta.eventHooks.read".into(),
            expires_in: 3600,
            dpop: DpopPolicy::default(),
            delay: Duration::ZERO,
            requests: AtomicUsize::new(0),
            issued: AtomicUsize::new(0),
            failures: Mutex::new(Vec::new()),
            jtis: Mutex::new(HashSet::new()),
            proofs: Mutex::new(Vec::new()),
        }
    }

    /// Mounts it at `POST /oauth2/v1/token`.
    pub async fn mount(self, server: &MockServer) -> Arc<Self> {
        let shared = Arc::new(self);
        Mock::given(method("POST"))
            .and(path("/oauth2/v1/token"))
            .respond_with(Shared(shared.clone()))
            .mount(server)
            .await;
        shared
    }

    pub fn failures(&self) -> Vec<String> {
        self.failures.lock().unwrap().clone()
    }

    fn fail(&self, why: String) -> ResponseTemplate {
        self.failures.lock().unwrap().push(why.clone());
        oauth_error(401, "invalid_client", &why)
    }

    fn answer(&self, request: &Request) -> ResponseTemplate {
        self.requests.fetch_add(1, Ordering::SeqCst);
        let content_type = header(request, "content-type").unwrap_or_default();
        if content_type != "application/x-www-form-urlencoded" {
            return self.fail(format!("content-type {content_type:?}"));
        }
        if header(request, "accept") != Some("application/json") {
            return self.fail("accept is not application/json".into());
        }
        let form: std::collections::HashMap<String, String> =
            url::form_urlencoded::parse(&request.body)
                .into_owned()
                .collect();
        let field = |name: &str| form.get(name).cloned().unwrap_or_default();
        if field("grant_type") != "client_credentials" {
            return self.fail(format!("grant_type {:?}", field("grant_type")));
        }
        if field("scope") != self.scope {
            return self.fail(format!("scope {:?}", field("scope")));
        }
        if field("client_assertion_type")
            != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
        {
            return self.fail("client_assertion_type".into());
        }
        if let Err(why) = self.check_assertion(&field("client_assertion")) {
            return self.fail(why);
        }
        // DPoP, as Okta's org authorization server does it.
        let proof = header(request, "dpop");
        let proof_nonce = match proof {
            None => None,
            Some(proof) => match verify_proof(proof, "POST", &self.audience, None) {
                Ok(claims) => claims["nonce"].as_str().map(str::to_owned),
                Err(why) => return self.fail(format!("token DPoP proof: {why}")),
            },
        };
        self.proofs
            .lock()
            .unwrap()
            .push((proof.is_some(), proof_nonce.clone()));
        if proof.is_none() && self.dpop.required {
            return oauth_error(
                400,
                "invalid_dpop_proof",
                "DPoP proof JWT header is missing.",
            );
        }
        if let (Some(_), Some(want)) = (proof, &self.dpop.nonce)
            && proof_nonce.as_deref() != Some(want)
        {
            return oauth_error(
                400,
                "use_dpop_nonce",
                "Authorization server requires nonce in DPoP proof.",
            )
            .insert_header("DPoP-Nonce", want.as_str());
        }
        let n = self.issued.fetch_add(1, Ordering::SeqCst) + 1;
        let token_type = if proof.is_some() { "DPoP" } else { "Bearer" };
        ResponseTemplate::new(200)
            .set_body_json(json!({
                "token_type": token_type,
                "expires_in": self.expires_in,
                "access_token": format!("tok-{n}"),
                "scope": self.scope,
                "unknown_field": {"is": "ignored"},
            }))
            .set_delay(self.delay)
    }

    fn check_assertion(&self, assertion: &str) -> Result<(), String> {
        let header = jsonwebtoken::decode_header(assertion).map_err(|e| format!("header: {e}"))?;
        if header.alg != self.alg {
            return Err(format!("alg {:?}, want {:?}", header.alg, self.alg));
        }
        if header.kid != self.kid {
            return Err(format!("kid {:?}, want {:?}", header.kid, self.kid));
        }
        let mut validation = Validation::new(self.alg);
        validation.set_audience(&[&self.audience]);
        validation.set_issuer(&[CLIENT_ID]);
        validation.sub = Some(CLIENT_ID.into());
        validation.set_required_spec_claims(&["exp", "iss", "sub", "aud"]);
        validation.leeway = 0;
        let data = jsonwebtoken::decode::<Value>(assertion, &self.key, &validation)
            .map_err(|e| format!("assertion rejected: {e}"))?;
        let claims = data.claims;
        let iat = claims["iat"].as_u64().ok_or("no iat")?;
        let exp = claims["exp"].as_u64().ok_or("no exp")?;
        let now = jsonwebtoken::get_current_timestamp();
        if iat > now + 5 || exp <= iat || exp - iat > 3600 {
            return Err(format!("iat {iat} / exp {exp} (lifetime must be ≤ 1 h)"));
        }
        let jti = claims["jti"].as_str().ok_or("no jti")?;
        if jti.len() < 16 || !self.jtis.lock().unwrap().insert(jti.to_owned()) {
            return Err(format!("jti {jti:?} is short or reused"));
        }
        Ok(())
    }
}

struct Shared(Arc<TokenEndpoint>);

impl Respond for Shared {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        self.0.answer(request)
    }
}

pub fn oauth_error(status: u16, error: &str, description: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .set_body_json(json!({"error": error, "error_description": description}))
}

pub fn header<'a>(request: &'a Request, name: &str) -> Option<&'a str> {
    request.headers.get(name).and_then(|v| v.to_str().ok())
}

/// Checks a DPoP proof (RFC 9449 §4.3): `typ`, ES256 signature by the embedded JWK, `htm`,
/// `htu`, a recent `iat`, a `jti`, and `ath` = base64url(SHA-256(token)) when a token is
/// presented. Returns the claims.
pub fn verify_proof(
    proof: &str,
    htm: &str,
    htu: &str,
    access_token: Option<&str>,
) -> Result<Value, String> {
    let header = jsonwebtoken::decode_header(proof).map_err(|e| format!("header: {e}"))?;
    if header.typ.as_deref() != Some("dpop+jwt") {
        return Err(format!("typ {:?}", header.typ));
    }
    let jwk = header.jwk.ok_or("no jwk in the header")?;
    let key = DecodingKey::from_jwk(&jwk).map_err(|e| format!("jwk: {e}"))?;
    let mut validation = Validation::new(header.alg);
    validation.validate_exp = false;
    validation.validate_aud = false;
    validation.set_required_spec_claims::<&str>(&[]);
    let claims = jsonwebtoken::decode::<Value>(proof, &key, &validation)
        .map_err(|e| format!("signature: {e}"))?
        .claims;
    if claims["htm"] != htm {
        return Err(format!("htm {}", claims["htm"]));
    }
    if claims["htu"] != htu {
        return Err(format!("htu {} (want {htu})", claims["htu"]));
    }
    let iat = claims["iat"].as_u64().ok_or("no iat")?;
    if iat.abs_diff(jsonwebtoken::get_current_timestamp()) > 60 {
        return Err("iat is not current".into());
    }
    if claims["jti"].as_str().is_none_or(str::is_empty) {
        return Err("no jti".into());
    }
    let want_ath = access_token.map(|t| URL_SAFE_NO_PAD.encode(Sha256::digest(t.as_bytes())));
    if claims["ath"].as_str() != want_ath.as_deref() {
        return Err(format!("ath {} (want {want_ath:?})", claims["ath"]));
    }
    Ok(claims)
}
