//! A small HTTPS GET client for discovery documents, JWKS and CI token requests: hyper-util's
//! client over rustls (ring provider, the webpki roots plus any extra roots configured, e.g.
//! the private CA of a self-managed GitLab), with a deadline on the whole exchange and a limit
//! on the response body. Plain `http://` is allowed only to loopback addresses.

use std::net::{IpAddr, Ipv6Addr};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Uri, header};
use http_body_util::{BodyExt, Empty, LengthLimitError, Limited};
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use rustls::{ClientConfig, RootCertStore};

/// Limits for every HTTP exchange this crate makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FetchLimits {
    /// Deadline for connecting, sending the request and reading the whole response.
    pub timeout: Duration,
    /// Largest response body accepted.
    pub max_body_bytes: usize,
}

impl Default for FetchLimits {
    /// 10 seconds and 256 KiB (GitHub's JWKS is about 2 KiB).
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(10),
            max_body_bytes: 256 * 1024,
        }
    }
}

/// Why a GET failed.
#[derive(Debug)]
pub(crate) enum FetchError {
    /// No answer: bad URL, connection or TLS failure, or the deadline passed.
    Unreachable(String),
    /// An answer with a non-2xx status.
    Status(u16),
    /// An answer whose body exceeds [`FetchLimits::max_body_bytes`].
    TooLarge(usize),
}

impl std::fmt::Display for FetchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Unreachable(reason) => f.write_str(reason),
            Self::Status(status) => write!(f, "HTTP status {status}"),
            Self::TooLarge(limit) => write!(f, "response larger than {limit} bytes"),
        }
    }
}

/// The shared client; cheap to clone.
#[derive(Clone, Debug)]
pub(crate) struct HttpClient {
    client: Client<HttpsConnector<HttpConnector>, Empty<Bytes>>,
    limits: FetchLimits,
}

impl HttpClient {
    /// A client with rustls' ring provider trusting the webpki roots and the certificates in
    /// `extra_roots_pem` (PEM, possibly empty).
    pub(crate) fn new(limits: FetchLimits, extra_roots_pem: &str) -> Result<Self, String> {
        let mut connector = HttpConnector::new();
        connector.enforce_http(false);
        connector.set_connect_timeout(Some(limits.timeout));
        let https = HttpsConnectorBuilder::new()
            .with_tls_config(tls_config(extra_roots_pem)?)
            .https_or_http()
            .enable_http1()
            .wrap_connector(connector);
        let client = Client::builder(TokioExecutor::new()).build(https);
        Ok(Self { client, limits })
    }

    /// GETs `url` (checked by [`check_url`]), optionally with `Authorization: Bearer`, and
    /// returns the body of a 2xx answer.
    pub(crate) async fn get(&self, url: &str, bearer: Option<&str>) -> Result<Bytes, FetchError> {
        let uri = check_url(url).map_err(FetchError::Unreachable)?;
        let mut request = Request::get(uri)
            .header(header::ACCEPT, "application/json")
            .header(
                header::USER_AGENT,
                concat!("webfn-oidc/", env!("CARGO_PKG_VERSION")),
            );
        if let Some(token) = bearer {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let request = request
            .body(Empty::new())
            .map_err(|e| FetchError::Unreachable(format!("bad request: {e}")))?;
        tokio::time::timeout(self.limits.timeout, self.exchange(request))
            .await
            .map_err(|_| {
                FetchError::Unreachable(format!(
                    "no complete answer within {} ms",
                    self.limits.timeout.as_millis()
                ))
            })?
    }

    async fn exchange(&self, request: Request<Empty<Bytes>>) -> Result<Bytes, FetchError> {
        let response = self
            .client
            .request(request)
            .await
            .map_err(|e| FetchError::Unreachable(error_chain(&e)))?;
        if !response.status().is_success() {
            return Err(FetchError::Status(response.status().as_u16()));
        }
        let limit = self.limits.max_body_bytes;
        match Limited::new(response.into_body(), limit).collect().await {
            Ok(collected) => Ok(collected.to_bytes()),
            Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => {
                Err(FetchError::TooLarge(limit))
            }
            Err(e) => Err(FetchError::Unreachable(format!("reading the body: {e}"))),
        }
    }
}

/// TLS 1.2 and 1.3 with ring, trusting the webpki roots and the PEM certificates given.
fn tls_config(extra_roots_pem: &str) -> Result<ClientConfig, String> {
    let mut roots = RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    for certificate in CertificateDer::pem_slice_iter(extra_roots_pem.as_bytes()) {
        let certificate = certificate.map_err(|e| format!("extra root certificates: {e}"))?;
        roots
            .add(certificate)
            .map_err(|e| format!("extra root certificate: {e}"))?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("tls setup: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// Parses `url` and allows it only if it is `https://`, or `http://` to a loopback host
/// (`127.0.0.0/8`, `[::1]`, `localhost`), where tests and local issuers live.
pub(crate) fn check_url(url: &str) -> Result<Uri, String> {
    let uri: Uri = url.parse().map_err(|e| format!("bad URL {url:?}: {e}"))?;
    let host = uri
        .host()
        .ok_or_else(|| format!("URL {url:?} has no host"))?;
    match uri.scheme_str() {
        Some("https") => Ok(uri),
        Some("http") if is_loopback(host) => Ok(uri),
        Some("http") => Err(format!(
            "URL {url:?} must use https (plain http only to a loopback address)"
        )),
        _ => Err(format!("URL {url:?} must be https")),
    }
}

fn is_loopback(host: &str) -> bool {
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<IpAddr>() {
        Ok(IpAddr::V4(ip)) => ip.is_loopback(),
        Ok(IpAddr::V6(ip)) => ip == Ipv6Addr::LOCALHOST,
        Err(_) => false,
    }
}

/// An error with its sources, `: `-separated (hyper's top-level errors say little alone).
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_only_to_loopback() {
        for ok in [
            "https://token.actions.githubusercontent.com",
            "http://127.0.0.1:8080/x",
            "http://127.3.4.5",
            "http://localhost:1",
            "http://[::1]:80/",
        ] {
            assert!(check_url(ok).is_ok(), "{ok} refused");
        }
        for bad in [
            "http://gitlab.example.com",
            "http://10.0.0.1",
            "http://[::2]",
            "ftp://127.0.0.1",
            "/relative",
            "",
        ] {
            assert!(check_url(bad).is_err(), "{bad} accepted");
        }
    }
}
