//! Trusted publishing on the command line: the relay's OIDC flags (`webfn relay`, `webfn dev`)
//! and picking up a CI job's ID token (`webfn deploy`).

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::Args;
use webfn_oidc::{
    CiEnvironment, DEFAULT_ID_TOKEN_VARIABLE, FetchLimits, Verifier, VerifierConfig,
    issuers_from_flags_or_env,
};

/// How a relay verifies CI jobs' OIDC ID tokens.
#[derive(Debug, Args)]
pub(crate) struct OidcArgs {
    /// A trusted token issuer, `NAME=URL` (repeatable). Policies name issuers by NAME. Giving
    /// any replaces the defaults; `WEBFN_OIDC_ISSUERS` (comma-separated) is used when no flag
    /// is given [default: github=https://token.actions.githubusercontent.com,
    /// gitlab=https://gitlab.com].
    #[arg(long = "oidc-issuer", value_name = "NAME=URL")]
    issuers: Vec<String>,
    /// The audience (`aud`) tokens must be minted for; CI jobs must ask for exactly this value
    /// [default: the relay's public URL as http(s)://, e.g. https://relay.example.com].
    #[arg(long, env = "WEBFN_OIDC_AUDIENCE")]
    oidc_audience: Option<String>,
    /// PEM file of CA certificates trusted besides the webpki roots, for issuers behind a
    /// private CA (self-managed GitLab, GitHub Enterprise Server).
    #[arg(long, env = "WEBFN_OIDC_CA_FILE", value_name = "FILE")]
    oidc_ca_file: Option<PathBuf>,
    /// Clock skew tolerated on a token's exp, nbf and iat, seconds (at most 300).
    #[arg(long, default_value_t = 60, env = "WEBFN_OIDC_LEEWAY_SECS")]
    oidc_leeway_secs: u64,
    /// Deadline of each discovery or JWKS request to an issuer, seconds.
    #[arg(long, default_value_t = 10, env = "WEBFN_OIDC_FETCH_TIMEOUT_SECS")]
    oidc_fetch_timeout_secs: u64,
}

impl OidcArgs {
    /// The verifier; `public_ws_url` is the relay's public WebSocket URL, from which the
    /// default audience is made (`ws://` → `http://`, `wss://` → `https://`).
    pub(crate) fn verifier(&self, public_ws_url: &str) -> anyhow::Result<Verifier> {
        let env = std::env::var("WEBFN_OIDC_ISSUERS").ok();
        let issuers = issuers_from_flags_or_env(&self.issuers, env.as_deref())
            .context("--oidc-issuer / WEBFN_OIDC_ISSUERS")?;
        let audience = self
            .oidc_audience
            .clone()
            .unwrap_or_else(|| default_audience(public_ws_url));
        let mut config = VerifierConfig::new(audience, issuers);
        config.leeway = Duration::from_secs(self.oidc_leeway_secs);
        config.fetch = FetchLimits {
            timeout: Duration::from_secs(self.oidc_fetch_timeout_secs),
            ..FetchLimits::default()
        };
        if let Some(path) = &self.oidc_ca_file {
            config.extra_roots_pem = std::fs::read_to_string(path)
                .with_context(|| format!("reading --oidc-ca-file {}", path.display()))?;
        }
        Verifier::new(config).context("configuring OIDC token verification")
    }
}

/// The relay's default audience: its public URL as an HTTP URL, without a trailing `/`.
pub(crate) fn default_audience(public_ws_url: &str) -> String {
    let url = public_ws_url.trim_end_matches('/');
    if let Some(rest) = url.strip_prefix("wss://") {
        format!("https://{rest}")
    } else if let Some(rest) = url.strip_prefix("ws://") {
        format!("http://{rest}")
    } else {
        url.to_owned()
    }
}

/// How `webfn deploy` gets a CI job's ID token.
#[derive(Debug, Args)]
pub(crate) struct CiTokenArgs {
    /// Deploy with the CI job's OIDC ID token (trusted publishing) instead of a key file.
    /// Without this flag the token is used when no key file is given (neither --key nor
    /// WEBFN_KEY) and the environment offers a token.
    #[arg(long, conflicts_with = "path")]
    pub(crate) oidc: bool,
    /// The audience to request the token for; must be the relay's audience [default: the
    /// --relay URL].
    #[arg(long, env = "WEBFN_OIDC_AUDIENCE")]
    oidc_audience: Option<String>,
    /// The variable holding the token (GitLab `id_tokens`); GitHub Actions' token endpoint is
    /// asked when it is unset.
    #[arg(long, default_value = DEFAULT_ID_TOKEN_VARIABLE, env = "WEBFN_ID_TOKEN_VARIABLE")]
    id_token_variable: String,
}

impl CiTokenArgs {
    /// The CI environment of this process.
    pub(crate) fn environment(&self) -> CiEnvironment {
        CiEnvironment::from_env(&self.id_token_variable)
    }

    /// The job's token, for the relay at `relay_url`.
    pub(crate) async fn token(
        &self,
        environment: &CiEnvironment,
        relay_url: &str,
    ) -> anyhow::Result<String> {
        let audience = self
            .oidc_audience
            .clone()
            .unwrap_or_else(|| relay_url.trim_end_matches('/').to_owned());
        environment
            .id_token(&audience, FetchLimits::default())
            .await
            .with_context(|| format!("getting the CI job's ID token for audience {audience}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_audience_is_the_public_url_over_http() {
        assert_eq!(
            default_audience("wss://relay.example.com/"),
            "https://relay.example.com"
        );
        assert_eq!(
            default_audience("ws://127.0.0.1:8787"),
            "http://127.0.0.1:8787"
        );
        assert_eq!(default_audience("https://r.example"), "https://r.example");
    }
}
