//! The https path: the test issuer behind a TLS front on 127.0.0.1 with a certificate from a
//! CA generated here. Trusted through `extra_roots_pem`, it works; untrusted, it is refused.

mod common;

use std::sync::Arc;

use common::{AUDIENCE, TestIssuer, TestKey, github_claims};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use rustls::ServerConfig;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use serde_json::json;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use webfn_oidc::{Error, Issuer, Verifier, VerifierConfig};

/// A CA, and a server certificate for 127.0.0.1 signed by it.
struct Pki {
    ca_pem: String,
    server_chain: Vec<CertificateDer<'static>>,
    server_key: PrivateKeyDer<'static>,
}

fn pki() -> Pki {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("ca params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().expect("ca key"))
        .expect("ca certificate");
    let server_key = KeyPair::generate().expect("server key");
    let server_cert = CertificateParams::new(vec!["127.0.0.1".to_owned()])
        .expect("server params")
        .signed_by(&server_key, &ca)
        .expect("server certificate");
    Pki {
        ca_pem: ca.pem(),
        server_chain: vec![server_cert.der().clone()],
        server_key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der())),
    }
}

/// Terminates TLS on 127.0.0.1 and forwards the bytes to `backend`; returns the https URL.
async fn start_tls_front(pki: &Pki, backend: String) -> String {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_no_client_auth()
        .with_single_cert(pki.server_chain.clone(), pki.server_key.clone_key())
        .expect("server config");
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("https://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            let backend = backend.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(socket).await else {
                    return;
                };
                if let Ok(mut plain) = TcpStream::connect(&backend).await {
                    let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
                }
            });
        }
    });
    url
}

/// The test issuer served at an https URL; returns the issuer, its key and that URL.
async fn https_issuer(pki: &Pki) -> (TestIssuer, TestKey, String) {
    let issuer = TestIssuer::start().await;
    let key = TestKey::p256("tls-key");
    issuer.publish(&[&key]);
    let backend = issuer.url.trim_start_matches("http://").to_owned();
    let url = start_tls_front(pki, backend).await;
    issuer.set_discovery(json!({"issuer": url, "jwks_uri": format!("{url}/jwks")}));
    (issuer, key, url)
}

fn verifier(url: &str, extra_roots_pem: &str) -> Result<Verifier, Error> {
    let mut config = VerifierConfig::new(AUDIENCE, vec![Issuer::new("github", url)?]);
    config.extra_roots_pem = extra_roots_pem.to_owned();
    Verifier::new(config)
}

#[tokio::test]
async fn an_https_issuer_behind_a_trusted_private_ca_verifies() {
    let pki = pki();
    let (issuer, key, url) = https_issuer(&pki).await;
    let verifier = verifier(&url, &pki.ca_pem).expect("verifier");
    let claims = verifier
        .verify(&key.sign(&github_claims(&url)))
        .await
        .expect("token from the https issuer");
    assert_eq!(claims.issuer(), url);
    assert_eq!(issuer.jwks_fetches(), 1);
}

#[tokio::test]
async fn an_https_issuer_with_an_untrusted_certificate_is_refused() {
    let pki = pki();
    let (issuer, key, url) = https_issuer(&pki).await;
    let verifier = verifier(&url, "").expect("verifier");
    let error = verifier
        .verify(&key.sign(&github_claims(&url)))
        .await
        .expect_err("certificate not trusted");
    assert!(matches!(error, Error::IssuerUnreachable { .. }), "{error}");
    assert!(error.to_string().contains("certificate"), "{error}");
    assert_eq!(issuer.jwks_fetches(), 0);
}

#[test]
fn bad_extra_roots_are_a_configuration_error() {
    let not_der = "-----BEGIN CERTIFICATE-----\nAAECAwQF\n-----END CERTIFICATE-----\n";
    let not_base64 = "-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n";
    for pem in [not_der, not_base64] {
        let error = verifier("https://issuer.example", pem).expect_err("bad PEM");
        assert_eq!(error.code(), "bad_config", "{error}");
    }
}
