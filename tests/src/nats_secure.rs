//! What a secured `nats-server` needs, minted for a test in its scratch directory: a CA with a
//! server and a client certificate (TLS, mutual TLS), and an operator, account and user with
//! their JWTs (operator mode: the server trusts the operator, the client shows a creds file).

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use nkeys::KeyPair as NKey;
use rcgen::{BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair};

/// PEM files of a CA made for the test, a certificate it signed for the server (valid for
/// `127.0.0.1` and `localhost`) and one for a client.
#[derive(Debug)]
pub struct TlsFiles {
    /// The CA's certificate: what the client and the server trust.
    pub ca: PathBuf,
    /// The server's certificate and key.
    pub server_cert: PathBuf,
    /// The server's private key.
    pub server_key: PathBuf,
    /// A client certificate the CA signed (mutual TLS).
    pub client_cert: PathBuf,
    /// Its private key.
    pub client_key: PathBuf,
}

impl TlsFiles {
    /// Mints a CA and both certificates into `dir`.
    pub fn mint(dir: &Path) -> Self {
        let ca_key = KeyPair::generate().unwrap();
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "okta-eventhooks test CA");
        let ca = ca_params.self_signed(&ca_key).unwrap();
        let leaf = |name: &str, purpose: ExtendedKeyUsagePurpose| {
            let key = KeyPair::generate().unwrap();
            let mut params =
                CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
                    .unwrap();
            params.distinguished_name.push(DnType::CommonName, name);
            params.extended_key_usages = vec![purpose];
            let cert = params.signed_by(&key, &ca, &ca_key).unwrap();
            (cert.pem(), key.serialize_pem())
        };
        let (server_cert, server_key) = leaf("nats-server", ExtendedKeyUsagePurpose::ServerAuth);
        let (client_cert, client_key) = leaf("relay", ExtendedKeyUsagePurpose::ClientAuth);
        let write = |name: &str, text: &str| {
            let path = dir.join(name);
            std::fs::write(&path, text).unwrap();
            path
        };
        Self {
            ca: write("ca.pem", &ca.pem()),
            server_cert: write("server-cert.pem", &server_cert),
            server_key: write("server-key.pem", &server_key),
            client_cert: write("client-cert.pem", &client_cert),
            client_key: write("client-key.pem", &client_key),
        }
    }

    /// The server's `tls { }` block; `verify` asks every client for a certificate the CA
    /// signed, `handshake_first` starts TLS before the server's INFO.
    pub fn server_config(&self, verify: bool, handshake_first: bool) -> String {
        format!(
            "tls {{\n  cert_file: {:?}\n  key_file: {:?}\n  ca_file: {:?}\n  verify: {verify}\n  handshake_first: {handshake_first}\n}}\n",
            self.server_cert, self.server_key, self.ca
        )
    }
}

/// An operator, one account with JetStream and one user, as operator mode needs them.
#[derive(Debug)]
pub struct OperatorMode {
    /// The server's configuration: the operator's JWT, the account's preloaded into a memory
    /// resolver.
    pub server_config: String,
    /// A creds file of the user (its JWT and nkey seed).
    pub creds: PathBuf,
}

impl OperatorMode {
    /// Mints the keys and JWTs, writes the user's creds file into `dir`.
    pub fn mint(dir: &Path) -> Self {
        let operator = NKey::new_operator();
        let account = NKey::new_account();
        // JetStream needs a system account to start in operator mode.
        let system = NKey::new_account();
        let user = NKey::new_user();
        let operator_jwt = jwt(
            &operator,
            &operator.public_key(),
            "test-operator",
            serde_json::json!({"type": "operator", "version": 2}),
        );
        let account_jwt = jwt(
            &operator,
            &account.public_key(),
            "relay-account",
            serde_json::json!({
                "type": "account", "version": 2,
                // -1: no limit; storage and streams above zero turn JetStream on for it.
                "limits": {
                    "subs": -1, "data": -1, "payload": -1, "imports": -1, "exports": -1,
                    "wildcards": true, "conn": -1, "leaf": -1,
                    "mem_storage": -1, "disk_storage": -1, "streams": -1, "consumer": -1
                }
            }),
        );
        let system_jwt = jwt(
            &operator,
            &system.public_key(),
            "SYS",
            serde_json::json!({"type": "account", "version": 2}),
        );
        let user_jwt = jwt(
            &account,
            &user.public_key(),
            "relay",
            serde_json::json!({
                "type": "user", "version": 2,
                "pub": {}, "sub": {}, "subs": -1, "data": -1, "payload": -1
            }),
        );
        let creds = dir.join("relay.creds");
        std::fs::write(
            &creds,
            format!(
                "-----BEGIN NATS USER JWT-----\n{user_jwt}\n------END NATS USER JWT------\n\n\
                 -----BEGIN USER NKEY SEED-----\n{}\n------END USER NKEY SEED------\n",
                user.seed().unwrap()
            ),
        )
        .unwrap();
        let server_config = format!(
            "operator: {operator_jwt:?}\nsystem_account: {system}\nresolver: MEMORY\nresolver_preload: {{\n  {account}: {account_jwt:?}\n  {system}: {system_jwt:?}\n}}\n",
            account = account.public_key(),
            system = system.public_key(),
        );
        Self {
            server_config,
            creds,
        }
    }
}

/// A NATS JWT: base64url(header).base64url(claims).base64url(ed25519 signature of both), the
/// claims issued by `issuer` about `subject`.
fn jwt(issuer: &NKey, subject: &str, name: &str, nats: serde_json::Value) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let header = serde_json::json!({"typ": "JWT", "alg": "ed25519-nkey"});
    let claims = serde_json::json!({
        "jti": format!("{subject}-{now}"),
        "iat": now,
        "iss": issuer.public_key(),
        "sub": subject,
        "name": name,
        "nats": nats,
    });
    let signed = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let signature = issuer.sign(signed.as_bytes()).unwrap();
    format!("{signed}.{}", URL_SAFE_NO_PAD.encode(signature))
}
