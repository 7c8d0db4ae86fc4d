//! TLS for the relay's clients — the command line and the provider agent reaching `https://`
//! and `wss://` relays and mirrors: rustls with the ring provider, TLS 1.2 and 1.3, trusting
//! the webpki roots (Mozilla's list, compiled in, so no system store is needed).

use std::sync::Arc;

use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::connect::HttpConnector;

/// The client configuration every outgoing TLS connection of `webfn` uses.
pub fn client_config() -> Result<Arc<rustls::ClientConfig>, rustls::Error> {
    let roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()?
    .with_root_certificates(roots)
    .with_no_client_auth();
    Ok(Arc::new(config))
}

/// A hyper connector for `http://` and `https://` URLs.
pub fn https_connector() -> Result<HttpsConnector<HttpConnector>, rustls::Error> {
    let mut http = HttpConnector::new();
    http.enforce_http(false);
    Ok(HttpsConnectorBuilder::new()
        .with_tls_config(Arc::unwrap_or_clone(client_config()?))
        .https_or_http()
        .enable_http1()
        .wrap_connector(http))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_configuration_builds_and_trusts_the_webpki_roots() {
        let config = client_config().unwrap_or_else(|e| panic!("{e}"));
        assert!(config.alpn_protocols.is_empty());
        assert!(https_connector().is_ok());
    }
}
