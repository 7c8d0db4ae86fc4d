//! A small HTTP/1.1 client for the command line: `http://` relays, and `https://` relays
//! (rustls with ring, trusting the webpki roots), as a CI job deploying to a public relay needs.

use anyhow::Context;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

/// The `--relay` option of every command that talks to a relay over HTTP.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct RelayUrl {
    /// The relay's HTTP URL.
    #[arg(
        long,
        default_value = "http://127.0.0.1:8787",
        env = "WEBFN_RELAY_HTTP"
    )]
    relay: String,
}

impl RelayUrl {
    /// The URL without a trailing `/`, to append `/v1/…` routes to.
    pub(crate) fn base(&self) -> &str {
        self.relay.trim_end_matches('/')
    }
}

impl std::fmt::Display for RelayUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.base())
    }
}

/// Sends a request and returns the status and body.
pub(crate) async fn send(
    method: &str,
    url: &str,
    body: Vec<u8>,
    content_type: &str,
) -> anyhow::Result<(u16, Vec<u8>)> {
    send_authorized(method, url, body, content_type, None).await
}

/// Sends a request, with `Authorization: Bearer <bearer>` if given, and returns the status
/// and body.
pub(crate) async fn send_authorized(
    method: &str,
    url: &str,
    body: Vec<u8>,
    content_type: &str,
    bearer: Option<&str>,
) -> anyhow::Result<(u16, Vec<u8>)> {
    let mut headers = vec![("content-type".to_owned(), content_type.to_owned())];
    if let Some(token) = bearer {
        headers.push(("authorization".to_owned(), format!("Bearer {token}")));
    }
    send_with_headers(method, url, body, &headers).await
}

/// Sends a request with these headers and returns the status and body.
pub(crate) async fn send_with_headers(
    method: &str,
    url: &str,
    body: Vec<u8>,
    headers: &[(String, String)],
) -> anyhow::Result<(u16, Vec<u8>)> {
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build(connector()?);
    let mut request = http::Request::builder().method(method).uri(url);
    for (name, value) in headers {
        request = request.header(name.as_str(), value.as_str());
    }
    let request = request
        .body(Full::new(Bytes::from(body)))
        .with_context(|| format!("invalid request to {url}"))?;
    let response = client
        .request(request)
        .await
        .with_context(|| format!("{method} {url}"))?;
    let status = response.status().as_u16();
    let body = response
        .into_body()
        .collect()
        .await
        .with_context(|| format!("reading the answer of {url}"))?;
    Ok((status, body.to_bytes().to_vec()))
}

/// The `message` of a JSON error body, or the body as text.
pub(crate) fn error_text(body: &[u8]) -> String {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| {
            Some(format!(
                "{}: {}",
                v.get("code")?.as_str()?,
                v.get("message")?.as_str()?
            ))
        })
        .unwrap_or_else(|| String::from_utf8_lossy(body).into_owned())
}

/// Plain HTTP, or TLS 1.2/1.3 trusting the webpki roots.
fn connector() -> anyhow::Result<hyper_rustls::HttpsConnector<HttpConnector>> {
    webfn::tls::https_connector().context("setting up TLS")
}
