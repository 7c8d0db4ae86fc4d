//! Pulling bundles by digest over HTTP or HTTPS (`GET {base}/v1/bundles/{digest}`), and the
//! credential verifying key (`GET {base}/v1/zk/verifying-key`), size-limited; the caller
//! checks the digests.

use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use webfn_protocol::Digest;

use super::AgentError;

/// An HTTP client for bundles.
#[derive(Debug, Clone)]
pub struct BundleFetcher {
    /// `None` when TLS could not be set up (then only `http://` works, and says so).
    client: Option<Client<HttpsConnector<HttpConnector>, Empty<Bytes>>>,
    plain: Client<HttpConnector, Empty<Bytes>>,
    base: String,
    max_bytes: usize,
}

impl BundleFetcher {
    /// Fetches from `base` (e.g. `http://127.0.0.1:8787`), refusing bodies over `max_bytes`.
    pub fn new(base: &str, max_bytes: usize) -> BundleFetcher {
        BundleFetcher {
            client: crate::tls::https_connector()
                .ok()
                .map(|connector| Client::builder(TokioExecutor::new()).build(connector)),
            plain: Client::builder(TokioExecutor::new()).build_http(),
            base: base.trim_end_matches('/').to_owned(),
            max_bytes,
        }
    }

    /// The bundle's bytes, as served (not yet checked against the digest).
    pub async fn fetch(&self, digest: &Digest) -> Result<Vec<u8>, AgentError> {
        self.get(&format!("/v1/bundles/{digest}")).await
    }

    /// The bytes at `path` (e.g. `/v1/zk/verifying-key`) of the base URL, size-limited.
    pub async fn get(&self, path: &str) -> Result<Vec<u8>, AgentError> {
        let url = format!("{}{path}", self.base);
        let uri: http::Uri = url
            .parse()
            .map_err(|_| AgentError::Fetch(format!("invalid URL {url}")))?;
        let response = match (&self.client, uri.scheme_str()) {
            (Some(client), _) => client.get(uri).await,
            (None, Some("http")) => self.plain.get(uri).await,
            (None, _) => {
                return Err(AgentError::Fetch(format!(
                    "{url}: TLS could not be set up on this machine"
                )));
            }
        }
        .map_err(|e| AgentError::Fetch(format!("{url}: {e}")))?;
        if !response.status().is_success() {
            return Err(AgentError::Fetch(format!(
                "{url}: HTTP {}",
                response.status()
            )));
        }
        let body = Limited::new(response.into_body(), self.max_bytes)
            .collect()
            .await
            .map_err(|e| AgentError::Fetch(format!("{url}: {e}")))?;
        Ok(body.to_bytes().to_vec())
    }
}
