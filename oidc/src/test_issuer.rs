//! Test support (feature `test-issuer`, never in a release build of the relay): an OIDC issuer
//! served on 127.0.0.1 (discovery document and JWKS, counting JWKS fetches), RSA and P-256 keys
//! generated in the test, token minting, and the claims GitHub Actions and GitLab CI put in
//! their tokens. The tests of this crate and of the relay use it; it panics on failures, as
//! test code does.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::{Issuer, TrustedPublisher, Verifier, VerifierConfig};
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use rsa::pkcs1v15::SigningKey;
use rsa::sha2::Sha256;
use rsa::signature::{SignatureEncoding, Signer};
use rsa::traits::PublicKeyParts;
use rsa::{RsaPrivateKey, RsaPublicKey};
use serde_json::{Value, json};
use tokio::net::TcpListener;

/// The audience every test verifier requires.
pub const AUDIENCE: &str = "https://relay.webfunctions.test";

/// An issuer on 127.0.0.1: `/.well-known/openid-configuration` and `/jwks`.
#[derive(Debug)]
pub struct TestIssuer {
    pub url: String,
    state: Arc<IssuerState>,
}

#[derive(Debug)]
struct IssuerState {
    discovery: Mutex<Value>,
    jwks: Mutex<Vec<u8>>,
    jwks_fetches: AtomicUsize,
}

impl TestIssuer {
    /// Serves an empty JWKS until [`TestIssuer::publish`] is called.
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let state = Arc::new(IssuerState {
            discovery: Mutex::new(json!({
                "issuer": url,
                "jwks_uri": format!("{url}/jwks"),
                "id_token_signing_alg_values_supported": ["RS256", "ES256"],
            })),
            jwks: Mutex::new(br#"{"keys":[]}"#.to_vec()),
            jwks_fetches: AtomicUsize::new(0),
        });
        let app = Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/jwks", get(jwks))
            .with_state(state.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { url, state }
    }

    /// Serves a JWKS with these keys.
    pub fn publish(&self, keys: &[&TestKey]) {
        let jwks = json!({ "keys": keys.iter().map(|k| k.jwk()).collect::<Vec<_>>() });
        self.publish_raw(jwks.to_string().into_bytes());
    }

    /// Serves these bytes as the JWKS.
    pub fn publish_raw(&self, body: Vec<u8>) {
        *self.state.jwks.lock().expect("lock") = body;
    }

    /// Serves this discovery document.
    pub fn set_discovery(&self, document: Value) {
        *self.state.discovery.lock().expect("lock") = document;
    }

    /// How many times the JWKS was fetched.
    pub fn jwks_fetches(&self) -> usize {
        self.state.jwks_fetches.load(Ordering::SeqCst)
    }

    /// The issuer as configuration, under `name`.
    pub fn issuer(&self, name: &str) -> Issuer {
        Issuer::new(name, &self.url).expect("loopback issuer")
    }

    /// A verifier trusting only this issuer (as `github`), with `configure` applied.
    pub fn verifier(&self, configure: impl FnOnce(&mut VerifierConfig)) -> Verifier {
        let mut config = VerifierConfig::new(AUDIENCE, vec![self.issuer("github")]);
        configure(&mut config);
        Verifier::new(config).expect("verifier")
    }
}

async fn discovery(State(state): State<Arc<IssuerState>>) -> Response {
    let document = state.discovery.lock().expect("lock").clone();
    axum::Json(document).into_response()
}

async fn jwks(State(state): State<Arc<IssuerState>>) -> Response {
    state.jwks_fetches.fetch_add(1, Ordering::SeqCst);
    let body = state.jwks.lock().expect("lock").clone();
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response()
}

/// A signing key of the test issuer.
#[derive(Debug)]
pub enum TestKey {
    Rsa {
        kid: String,
        key: &'static RsaPrivateKey,
    },
    P256 {
        kid: String,
        pair: Box<EcdsaKeyPair>,
    },
}

/// Generating an RSA key is slow: each test binary makes at most two.
fn rsa_key(slot: usize) -> &'static RsaPrivateKey {
    static KEYS: [OnceLock<RsaPrivateKey>; 2] = [OnceLock::new(), OnceLock::new()];
    KEYS[slot].get_or_init(|| {
        RsaPrivateKey::new(&mut rand_core::OsRng, 2048).expect("rsa key generation")
    })
}

impl TestKey {
    /// An RSA key (slot 0 or 1) under `kid`.
    pub fn rsa(kid: &str, slot: usize) -> Self {
        Self::Rsa {
            kid: kid.to_owned(),
            key: rsa_key(slot),
        }
    }

    /// A fresh P-256 key under `kid`.
    pub fn p256(kid: &str) -> Self {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
            .expect("p256 key generation");
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng)
            .expect("p256 key");
        Self::P256 {
            kid: kid.to_owned(),
            pair: Box::new(pair),
        }
    }

    pub fn kid(&self) -> &str {
        match self {
            Self::Rsa { kid, .. } | Self::P256 { kid, .. } => kid,
        }
    }

    pub fn alg(&self) -> &'static str {
        match self {
            Self::Rsa { .. } => "RS256",
            Self::P256 { .. } => "ES256",
        }
    }

    /// The public key as a JWK.
    pub fn jwk(&self) -> Value {
        match self {
            Self::Rsa { kid, key } => {
                let public = RsaPublicKey::from(*key);
                json!({
                    "kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256",
                    "n": b64(&public.n().to_bytes_be()),
                    "e": b64(&public.e().to_bytes_be()),
                })
            }
            Self::P256 { kid, pair } => {
                let point = pair.public_key().as_ref();
                json!({
                    "kty": "EC", "kid": kid, "use": "sig", "crv": "P-256",
                    "x": b64(&point[1..33]), "y": b64(&point[33..65]),
                })
            }
        }
    }

    /// The RSA public key in PEM (what an HS256 key-confusion attack uses as HMAC secret).
    pub fn public_pem(&self) -> String {
        use rsa::pkcs8::{EncodePublicKey, LineEnding};
        match self {
            Self::Rsa { key, .. } => RsaPublicKey::from(*key)
                .to_public_key_pem(LineEnding::LF)
                .expect("pem"),
            Self::P256 { .. } => panic!("only RSA keys have a PEM here"),
        }
    }

    /// Signs `input` with this key's algorithm.
    pub fn sign_bytes(&self, input: &[u8]) -> Vec<u8> {
        match self {
            Self::Rsa { key, .. } => SigningKey::<Sha256>::new((*key).clone())
                .sign(input)
                .to_vec(),
            Self::P256 { pair, .. } => pair
                .sign(&SystemRandom::new(), input)
                .expect("ecdsa sign")
                .as_ref()
                .to_vec(),
        }
    }

    /// A token with header `{"alg", "kid", "typ": "JWT"}` and these claims.
    pub fn sign(&self, claims: &Value) -> String {
        let header = json!({"alg": self.alg(), "kid": self.kid(), "typ": "JWT"});
        mint(&header, claims, |input| self.sign_bytes(input))
    }
}

/// `b64(header).b64(claims).b64(signer(signing input))`.
pub fn mint(header: &Value, claims: &Value, signer: impl FnOnce(&[u8]) -> Vec<u8>) -> String {
    let input = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    );
    let signature = signer(input.as_bytes());
    format!("{input}.{}", b64(&signature))
}

pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs()
}

/// A `jti` never used before in this process.
pub fn fresh_jti() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    format!(
        "jti-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    )
}

/// Claims of a GitHub Actions job of `octo/app` running `deploy.yml` on main in the
/// `production` environment, issued by `iss` for [`AUDIENCE`], valid for five minutes.
pub fn github_claims(iss: &str) -> Value {
    let now = now();
    json!({
        "iss": iss,
        "aud": AUDIENCE,
        "sub": "repo:octo/app:environment:production",
        "exp": now + 300,
        "nbf": now - 5,
        "iat": now - 5,
        "jti": fresh_jti(),
        "repository": "octo/app",
        "repository_id": "1296269",
        "repository_owner": "octo",
        "repository_owner_id": "9919",
        "job_workflow_ref": "octo/app/.github/workflows/deploy.yml@refs/heads/main",
        "workflow_ref": "octo/app/.github/workflows/deploy.yml@refs/heads/main",
        "ref": "refs/heads/main",
        "ref_type": "branch",
        "environment": "production",
        "runner_environment": "github-hosted",
    })
}

/// Claims of a GitLab CI job of `group/app` on branch main, issued by `iss`.
pub fn gitlab_claims(iss: &str) -> Value {
    let now = now();
    json!({
        "iss": iss,
        "aud": [AUDIENCE],
        "sub": "project_path:group/app:ref_type:branch:ref:main",
        "exp": now + 300,
        "nbf": now - 5,
        "iat": now - 5,
        "jti": fresh_jti(),
        "namespace_id": "7",
        "namespace_path": "group",
        "project_id": "42",
        "project_path": "group/app",
        "ref": "main",
        "ref_type": "branch",
        "ref_protected": "true",
    })
}

/// `claims` with `name` set to `value` (removed when `value` is null).
pub fn with(mut claims: Value, name: &str, value: Value) -> Value {
    let map = claims.as_object_mut().expect("claims object");
    if value.is_null() {
        map.remove(name);
    } else {
        map.insert(name.to_owned(), value);
    }
    claims
}

/// The policy matching [`github_claims`].
pub fn github_policy() -> TrustedPublisher {
    TrustedPublisher::from_json(
        r#"{"provider": "github", "repository": "octo/app", "repository_owner_id": "9919",
            "repository_id": "1296269", "workflow": "deploy.yml", "ref": "refs/heads/main",
            "environment": "production"}"#,
    )
    .expect("valid policy")
}

/// A short pause, longer than the `min_refresh_interval` the rate-limit tests configure.
pub const REFRESH_INTERVAL: Duration = Duration::from_millis(300);

/// A token with `"alg": "none"` and an empty signature, naming `kid`.
pub fn unsigned_token(kid: &str, claims: &Value) -> String {
    mint(
        &json!({"alg": "none", "kid": kid, "typ": "JWT"}),
        claims,
        |_| Vec::new(),
    )
}

/// The key-confusion attack: an HS256 token whose HMAC secret is `key`'s RSA public key in
/// PEM, as a verifier that trusted the header's `alg` would check it.
pub fn hs256_with_public_key(key: &TestKey, claims: &Value) -> String {
    let secret = key.public_pem();
    let header = json!({"alg": "HS256", "kid": key.kid(), "typ": "JWT"});
    mint(&header, claims, |input| {
        let hmac = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes());
        ring::hmac::sign(&hmac, input).as_ref().to_vec()
    })
}
