//! Picking up the CI job's own ID token, for `webfn deploy` and `webfn group sync` running in
//! a CI job.
//!
//! - GitLab CI (and any CI that can put a token in a variable): the job declares
//!   `id_tokens: WEBFN_ID_TOKEN: aud: <audience>` and the token is read from that variable
//!   (the name is configurable).
//! - GitHub Actions: with `permissions: id-token: write`, the runner sets
//!   `ACTIONS_ID_TOKEN_REQUEST_URL` and `ACTIONS_ID_TOKEN_REQUEST_TOKEN`; the token is requested
//!   with `GET $URL&audience=<audience>` and `Authorization: Bearer $TOKEN`, and the answer is
//!   `{"value": "<token>"}`.
//!
//! The variable is looked at first: it is explicit, and it lets a GitHub job pass a token it
//! obtained otherwise.

use std::fmt;

use serde_json::Value;

use crate::error::{Error, Result};
use crate::http::{FetchLimits, HttpClient};

/// The variable a GitLab job's `id_tokens` entry defines by default.
pub const DEFAULT_ID_TOKEN_VARIABLE: &str = "WEBFN_ID_TOKEN";
/// Set by GitHub Actions when the job may request ID tokens.
pub const GITHUB_REQUEST_URL_VARIABLE: &str = "ACTIONS_ID_TOKEN_REQUEST_URL";
/// The bearer token for [`GITHUB_REQUEST_URL_VARIABLE`].
pub const GITHUB_REQUEST_TOKEN_VARIABLE: &str = "ACTIONS_ID_TOKEN_REQUEST_TOKEN";

/// Where a token will come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CiTokenSource {
    /// The named environment variable holds the token (GitLab `id_tokens`).
    Variable(String),
    /// GitHub Actions' token request endpoint.
    GithubActions,
}

/// What the environment of a CI job offers for getting an ID token. Values are captured when
/// it is built; [`fmt::Debug`] never shows them.
#[derive(Clone)]
pub struct CiEnvironment {
    variable: String,
    variable_value: Option<String>,
    github_request_url: Option<String>,
    github_request_token: Option<String>,
    extra_roots_pem: String,
}

impl fmt::Debug for CiEnvironment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CiEnvironment")
            .field("variable", &self.variable)
            .field("source", &self.source())
            .finish_non_exhaustive()
    }
}

impl CiEnvironment {
    /// Reads this process's environment; `variable` is the GitLab `id_tokens` name (usually
    /// [`DEFAULT_ID_TOKEN_VARIABLE`]).
    pub fn from_env(variable: &str) -> Self {
        Self::from_lookup(variable, |name| std::env::var(name).ok())
    }

    /// Reads variables through `lookup` (a map in tests, the process environment otherwise).
    /// Empty values count as unset.
    pub fn from_lookup(variable: &str, lookup: impl Fn(&str) -> Option<String>) -> Self {
        let get = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
        Self {
            variable: variable.to_owned(),
            variable_value: get(variable),
            github_request_url: get(GITHUB_REQUEST_URL_VARIABLE),
            github_request_token: get(GITHUB_REQUEST_TOKEN_VARIABLE),
            extra_roots_pem: String::new(),
        }
    }

    /// Also trusts these certificates (PEM) for the token request, besides the webpki roots:
    /// for GitHub Enterprise Server behind a private CA.
    pub fn with_extra_roots_pem(mut self, pem: &str) -> Self {
        self.extra_roots_pem = pem.to_owned();
        self
    }

    /// Where [`CiEnvironment::id_token`] will get the token, if anywhere.
    pub fn source(&self) -> Option<CiTokenSource> {
        if self.variable_value.is_some() {
            Some(CiTokenSource::Variable(self.variable.clone()))
        } else if self.github_request_url.is_some() {
            Some(CiTokenSource::GithubActions)
        } else {
            None
        }
    }

    /// The job's ID token for `audience` (which must be the relay's configured audience). From
    /// the variable if it is set (its audience was fixed by the job's configuration), else
    /// from GitHub Actions.
    pub async fn id_token(&self, audience: &str, limits: FetchLimits) -> Result<String> {
        if audience.trim().is_empty() {
            return Err(Error::BadConfig(
                "the audience must not be empty".to_owned(),
            ));
        }
        if let Some(token) = &self.variable_value {
            return Ok(token.trim().to_owned());
        }
        match (&self.github_request_url, &self.github_request_token) {
            (Some(url), Some(token)) => {
                let http = HttpClient::new(limits, &self.extra_roots_pem)
                    .map_err(Error::CiTokenRequest)?;
                request_github_token(&http, url, token, audience).await
            }
            (Some(_), None) => Err(Error::CiTokenRequest(format!(
                "{GITHUB_REQUEST_URL_VARIABLE} is set but {GITHUB_REQUEST_TOKEN_VARIABLE} is not"
            ))),
            (None, _) => Err(Error::NoCiToken {
                variable: self.variable.clone(),
            }),
        }
    }
}

async fn request_github_token(
    http: &HttpClient,
    request_url: &str,
    request_token: &str,
    audience: &str,
) -> Result<String> {
    let separator = if request_url.contains('?') { '&' } else { '?' };
    let url = format!(
        "{request_url}{separator}audience={}",
        percent_encode(audience)
    );
    let body = http
        .get(&url, Some(request_token))
        .await
        .map_err(|e| Error::CiTokenRequest(e.to_string()))?;
    let answer: Value = serde_json::from_slice(&body)
        .map_err(|e| Error::CiTokenRequest(format!("the answer is not JSON: {e}")))?;
    match answer.get("value").and_then(Value::as_str) {
        Some(token) if !token.trim().is_empty() => Ok(token.trim().to_owned()),
        _ => Err(Error::CiTokenRequest(
            "the answer has no \"value\" string".to_owned(),
        )),
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
fn percent_encode(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn environment(pairs: &[(&str, &str)]) -> CiEnvironment {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        CiEnvironment::from_lookup(DEFAULT_ID_TOKEN_VARIABLE, |name| map.get(name).cloned())
    }

    #[test]
    fn encodes_audiences_for_a_query() {
        assert_eq!(
            percent_encode("https://relay.example/a b&c"),
            "https%3A%2F%2Frelay.example%2Fa%20b%26c"
        );
        assert_eq!(percent_encode("webfn-1.0_~"), "webfn-1.0_~");
    }

    #[test]
    fn the_variable_comes_first_and_empty_values_are_unset() {
        let both = environment(&[
            (DEFAULT_ID_TOKEN_VARIABLE, "s3cr3t"),
            (GITHUB_REQUEST_URL_VARIABLE, "https://x"),
        ]);
        assert_eq!(
            both.source(),
            Some(CiTokenSource::Variable(
                DEFAULT_ID_TOKEN_VARIABLE.to_owned()
            ))
        );
        let github = environment(&[
            (DEFAULT_ID_TOKEN_VARIABLE, " "),
            (GITHUB_REQUEST_URL_VARIABLE, "https://x"),
        ]);
        assert_eq!(github.source(), Some(CiTokenSource::GithubActions));
        assert_eq!(environment(&[]).source(), None);
        assert!(
            !format!("{both:?}").contains("tok\""),
            "debug shows no token"
        );
    }
}
