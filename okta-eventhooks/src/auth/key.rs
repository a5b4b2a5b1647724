//! Private keys that sign JWTs: RSA (RS256) and EC P-256 / P-384 (ES256 / ES384), read from
//! PEM (PKCS#1, PKCS#8 or SEC1) or from a JWK, plus compact JWS signing.
//!
//! Key material never reaches an error message or `Debug`: parse failures say which format
//! was tried, not what the input held.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey};
use p256::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use rsa::pkcs1::{DecodeRsaPrivateKey, EncodeRsaPrivateKey};
use serde::Serialize;

use crate::error::{Error, Result};

/// A parsed private key, ready to sign.
pub(crate) struct SigningKey {
    algorithm: Algorithm,
    /// DER in the form jsonwebtoken's RustCrypto backend reads: PKCS#1 for RSA, PKCS#8 for EC.
    key: EncodingKey,
    /// The `kid` of a JWK, used when no key id is configured.
    jwk_kid: Option<String>,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("algorithm", &self.algorithm)
            .field("key", &crate::REDACTED)
            .finish()
    }
}

fn invalid(why: impl fmt::Display) -> Error {
    Error::Config(format!("the private key is not usable: {why}"))
}

impl SigningKey {
    /// Reads a key given as PEM text or as a JWK (JSON object).
    pub(crate) fn parse(text: &str) -> Result<Self> {
        let text = text.trim();
        if text.starts_with('{') {
            Self::from_jwk(text)
        } else if text.contains("-----BEGIN") {
            Self::from_pem(text)
        } else {
            Err(invalid(
                "expected a PEM block (-----BEGIN ... PRIVATE KEY-----) or a JWK (a JSON object)",
            ))
        }
    }

    /// Builds a key from raw parts (the DPoP key is generated, not parsed).
    pub(crate) fn from_parts(algorithm: Algorithm, key: EncodingKey) -> Self {
        Self {
            algorithm,
            key,
            jwk_kid: None,
        }
    }

    /// `RS256`, `ES256` or `ES384`.
    #[cfg(test)]
    pub(crate) fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The `kid` a JWK carried, if any.
    pub(crate) fn jwk_kid(&self) -> Option<&str> {
        self.jwk_kid.as_deref()
    }

    fn from_pem(text: &str) -> Result<Self> {
        let block = pem::parse(text).map_err(|e| invalid(format!("bad PEM: {e}")))?;
        let der = block.contents();
        match block.tag() {
            "RSA PRIVATE KEY" => {
                rsa::RsaPrivateKey::from_pkcs1_der(der)
                    .map_err(|e| invalid(format!("bad PKCS#1 RSA key: {e}")))?;
                Ok(Self::rsa_pkcs1(der))
            }
            "EC PRIVATE KEY" => {
                if let Ok(key) = p256::SecretKey::from_sec1_der(der) {
                    return ec_p256(&key);
                }
                if let Ok(key) = p384::SecretKey::from_sec1_der(der) {
                    return ec_p384(&key);
                }
                Err(invalid(
                    "the SEC1 EC key is not on P-256 or P-384 (the curves Okta accepts)",
                ))
            }
            "PRIVATE KEY" => {
                if let Ok(key) = rsa::RsaPrivateKey::from_pkcs8_der(der) {
                    let pkcs1 = key
                        .to_pkcs1_der()
                        .map_err(|e| invalid(format!("cannot re-encode the RSA key: {e}")))?;
                    return Ok(Self::rsa_pkcs1(pkcs1.as_bytes()));
                }
                if p256::SecretKey::from_pkcs8_der(der).is_ok() {
                    return Ok(Self::ec(Algorithm::ES256, der));
                }
                if p384::SecretKey::from_pkcs8_der(der).is_ok() {
                    return Ok(Self::ec(Algorithm::ES384, der));
                }
                Err(invalid(
                    "the PKCS#8 key is neither RSA nor EC P-256/P-384 (supported: RS256, ES256, ES384)",
                ))
            }
            "ENCRYPTED PRIVATE KEY" => Err(invalid(
                "encrypted private keys are not supported; export it unencrypted (and keep the file mode 0600)",
            )),
            other => Err(invalid(format!(
                "a PEM block of type {other:?} is not a private key (expected PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY)"
            ))),
        }
    }

    fn from_jwk(text: &str) -> Result<Self> {
        #[derive(serde::Deserialize)]
        struct Jwk {
            kty: String,
            kid: Option<String>,
            crv: Option<String>,
            // RSA
            n: Option<String>,
            e: Option<String>,
            d: Option<String>,
            p: Option<String>,
            q: Option<String>,
        }
        let jwk: Jwk =
            serde_json::from_str(text).map_err(|e| invalid(format!("bad JWK JSON: {e}")))?;
        let field = |name: &str, value: &Option<String>| -> Result<Vec<u8>> {
            let value = value.as_deref().ok_or_else(|| {
                invalid(format!("the JWK has no {name:?} (a private JWK is needed)"))
            })?;
            URL_SAFE_NO_PAD
                .decode(value.trim_end_matches('='))
                .map_err(|_| invalid(format!("the JWK's {name:?} is not base64url")))
        };
        let mut key = match jwk.kty.as_str() {
            "RSA" => {
                let big = |name, v: &Option<String>| {
                    field(name, v).map(|b| rsa::BigUint::from_bytes_be(&b))
                };
                let mut primes = Vec::new();
                if jwk.p.is_some() && jwk.q.is_some() {
                    primes.push(big("p", &jwk.p)?);
                    primes.push(big("q", &jwk.q)?);
                }
                let key = rsa::RsaPrivateKey::from_components(
                    big("n", &jwk.n)?,
                    big("e", &jwk.e)?,
                    big("d", &jwk.d)?,
                    primes,
                )
                .map_err(|e| invalid(format!("bad RSA JWK: {e}")))?;
                let pkcs1 = key
                    .to_pkcs1_der()
                    .map_err(|e| invalid(format!("cannot encode the RSA key: {e}")))?;
                Self::rsa_pkcs1(pkcs1.as_bytes())
            }
            "EC" => {
                let d = field("d", &jwk.d)?;
                match jwk.crv.as_deref() {
                    Some("P-256") => ec_p256(
                        &p256::SecretKey::from_slice(&d)
                            .map_err(|_| invalid("bad P-256 private scalar"))?,
                    )?,
                    Some("P-384") => ec_p384(
                        &p384::SecretKey::from_slice(&d)
                            .map_err(|_| invalid("bad P-384 private scalar"))?,
                    )?,
                    other => {
                        return Err(invalid(format!(
                            "EC curve {other:?} is not supported (use P-256 or P-384)"
                        )));
                    }
                }
            }
            other => {
                return Err(invalid(format!(
                    "JWK key type {other:?} is not supported (use RSA or EC)"
                )));
            }
        };
        key.jwk_kid = jwk.kid;
        Ok(key)
    }

    fn rsa_pkcs1(der: &[u8]) -> Self {
        Self::from_parts(Algorithm::RS256, EncodingKey::from_rsa_der(der))
    }

    fn ec(algorithm: Algorithm, pkcs8: &[u8]) -> Self {
        Self::from_parts(algorithm, EncodingKey::from_ec_der(pkcs8))
    }

    /// Signs `header.claims` as a compact JWS. `header` must not carry `alg`; it is added here.
    pub(crate) fn sign<C: Serialize>(
        &self,
        mut header: serde_json::Map<String, serde_json::Value>,
        claims: &C,
    ) -> Result<String> {
        let alg = match self.algorithm {
            Algorithm::RS256 => "RS256",
            Algorithm::ES256 => "ES256",
            Algorithm::ES384 => "ES384",
            other => return Err(invalid(format!("algorithm {other:?} is not supported"))),
        };
        header.insert("alg".into(), alg.into());
        let mut message = encode(&header)?;
        message.push('.');
        message.push_str(&encode(claims)?);
        let signature = jsonwebtoken::crypto::sign(message.as_bytes(), &self.key, self.algorithm)
            .map_err(|e| invalid(format!("signing failed: {e}")))?;
        message.push('.');
        message.push_str(&signature);
        Ok(message)
    }
}

/// base64url(JSON) of one JWT part.
fn encode<T: Serialize + ?Sized>(value: &T) -> Result<String> {
    let json = serde_json::to_vec(value)
        .map_err(|e| Error::InvalidInput(format!("cannot encode a JWT part: {e}")))?;
    Ok(URL_SAFE_NO_PAD.encode(json))
}

fn ec_p256(key: &p256::SecretKey) -> Result<SigningKey> {
    let der = key
        .to_pkcs8_der()
        .map_err(|e| invalid(format!("cannot encode the EC key: {e}")))?;
    Ok(SigningKey::ec(Algorithm::ES256, der.as_bytes()))
}

fn ec_p384(key: &p384::SecretKey) -> Result<SigningKey> {
    let der = key
        .to_pkcs8_der()
        .map_err(|e| invalid(format!("cannot encode the EC key: {e}")))?;
    Ok(SigningKey::ec(Algorithm::ES384, der.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::pkcs8::LineEnding;

    #[test]
    fn reads_ec_keys_in_every_supported_form() {
        let key = p256::SecretKey::random(&mut rand_core::OsRng);
        let pkcs8 = key.to_pkcs8_pem(LineEnding::LF).unwrap();
        assert_eq!(
            SigningKey::parse(&pkcs8).unwrap().algorithm(),
            Algorithm::ES256
        );
        let sec1 = key.to_sec1_pem(LineEnding::LF).unwrap();
        assert_eq!(
            SigningKey::parse(&sec1).unwrap().algorithm(),
            Algorithm::ES256
        );
        let k384 = p384::SecretKey::random(&mut rand_core::OsRng);
        let pem = k384.to_pkcs8_pem(LineEnding::LF).unwrap();
        assert_eq!(
            SigningKey::parse(&pem).unwrap().algorithm(),
            Algorithm::ES384
        );
        let d = URL_SAFE_NO_PAD.encode(key.to_bytes());
        let jwk = format!(r#"{{"kty":"EC","crv":"P-256","d":"{d}","x":"-","y":"-","kid":"k1"}}"#);
        let parsed = SigningKey::parse(&jwk).unwrap();
        assert_eq!(parsed.algorithm(), Algorithm::ES256);
        assert_eq!(parsed.jwk_kid(), Some("k1"));
    }

    #[test]
    fn bad_keys_give_clear_errors_without_the_key() {
        let cases = [
            ("not a key", "expected a PEM block"),
            (
                "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----",
                "neither RSA",
            ),
            (
                "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----",
                "not a private key",
            ),
            (r#"{"kty":"oct","k":"c2VjcmV0"}"#, "not supported"),
            (r#"{"kty":"EC","crv":"P-256"}"#, "no \"d\""),
            (r#"{"kty":"EC","crv":"P-521","d":"AAAA"}"#, "P-521"),
            ("{nope", "bad JWK JSON"),
        ];
        for (input, want) in cases {
            let err = SigningKey::parse(input).unwrap_err().to_string();
            assert!(err.contains(want), "{input}: {err}");
            assert!(!err.contains("AAAA") && !err.contains("c2VjcmV0"), "{err}");
        }
    }

    #[test]
    fn debug_hides_the_key() {
        let key = p256::SecretKey::random(&mut rand_core::OsRng);
        let parsed = SigningKey::parse(&key.to_pkcs8_pem(LineEnding::LF).unwrap()).unwrap();
        let shown = format!("{parsed:?}");
        assert!(
            shown.contains("[REDACTED]") && shown.contains("ES256"),
            "{shown}"
        );
    }
}
