//! Configured issuers: `NAME=URL` pairs from `--oidc-issuer` or `WEBFN_OIDC_ISSUERS`.

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, Result};
use crate::http::check_url;

/// GitHub Actions' issuer (`github.com`; GitHub Enterprise Server has its own).
pub const GITHUB_ISSUER_URL: &str = "https://token.actions.githubusercontent.com";
/// GitLab.com's issuer (self-managed GitLab has its own).
pub const GITLAB_ISSUER_URL: &str = "https://gitlab.com";

/// One trusted token issuer: a short name that policies refer to, and the issuer URL, which is
/// compared exactly with the token's `iss` and to which `/.well-known/openid-configuration` is
/// appended for discovery.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Issuer {
    name: String,
    url: String,
}

impl Issuer {
    /// An issuer named `name` at `url`. The name is lowercase letters, digits, `-` and `_`;
    /// the URL is `https://…`, or `http://…` on a loopback address (test issuers).
    pub fn new(name: &str, url: &str) -> Result<Self> {
        check_name(name)?;
        check_url(url).map_err(|reason| Error::BadConfig(format!("issuer {name}: {reason}")))?;
        if url.contains('?') || url.contains('#') {
            return Err(Error::BadConfig(format!(
                "issuer {name}: the URL must have no query or fragment"
            )));
        }
        Ok(Self {
            name: name.to_owned(),
            url: url.to_owned(),
        })
    }

    /// The name policies use to refer to this issuer (`github`, `gitlab`, …).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The issuer URL, exactly as tokens carry it in `iss`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Where the OpenID Provider Configuration lives (a trailing `/` of the issuer URL is
    /// dropped first, as OpenID Connect Discovery says).
    pub fn discovery_url(&self) -> String {
        format!(
            "{}/.well-known/openid-configuration",
            self.url.trim_end_matches('/')
        )
    }
}

impl fmt::Display for Issuer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.name, self.url)
    }
}

/// Parses one `NAME=URL` (the value of one `--oidc-issuer` flag).
impl FromStr for Issuer {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        let (name, url) = s
            .trim()
            .split_once('=')
            .ok_or_else(|| Error::BadConfig(format!("issuer {s:?} is not of the form NAME=URL")))?;
        Self::new(name.trim(), url.trim())
    }
}

/// The issuers trusted when none are configured: `github` (GitHub Actions on github.com) and
/// `gitlab` (GitLab.com).
pub fn default_issuers() -> Vec<Issuer> {
    vec![
        Issuer {
            name: "github".to_owned(),
            url: GITHUB_ISSUER_URL.to_owned(),
        },
        Issuer {
            name: "gitlab".to_owned(),
            url: GITLAB_ISSUER_URL.to_owned(),
        },
    ]
}

/// Parses a comma-separated list of `NAME=URL` (the value of `WEBFN_OIDC_ISSUERS`). Empty
/// items are skipped; names and URLs must be unique.
pub fn parse_issuers(list: &str) -> Result<Vec<Issuer>> {
    let issuers: Vec<Issuer> = list
        .split(',')
        .filter(|item| !item.trim().is_empty())
        .map(Issuer::from_str)
        .collect::<Result<_>>()?;
    check_unique(&issuers)?;
    Ok(issuers)
}

/// The issuers a CLI should use: the `--oidc-issuer` flags if any were given, else the
/// `WEBFN_OIDC_ISSUERS` list if it is set and not empty, else [`default_issuers`]. Giving any
/// issuer replaces the defaults (list `github=…` again to keep it).
pub fn issuers_from_flags_or_env(flags: &[String], env: Option<&str>) -> Result<Vec<Issuer>> {
    if !flags.is_empty() {
        let issuers: Vec<Issuer> = flags
            .iter()
            .map(|flag| flag.parse())
            .collect::<Result<_>>()?;
        check_unique(&issuers)?;
        return Ok(issuers);
    }
    match env.map(str::trim) {
        Some(list) if !list.is_empty() => parse_issuers(list),
        _ => Ok(default_issuers()),
    }
}

/// Refuses two issuers with the same name or the same URL.
pub(crate) fn check_unique(issuers: &[Issuer]) -> Result<()> {
    for (i, a) in issuers.iter().enumerate() {
        for b in &issuers[..i] {
            if a.name == b.name {
                return Err(Error::BadConfig(format!(
                    "issuer name {} given twice",
                    a.name
                )));
            }
            if a.url == b.url {
                return Err(Error::BadConfig(format!(
                    "issuer URL {} given twice",
                    a.url
                )));
            }
        }
    }
    Ok(())
}

fn check_name(name: &str) -> Result<()> {
    let valid = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if valid {
        Ok(())
    } else {
        Err(Error::BadConfig(format!(
            "issuer name {name:?} must be 1 to 64 of a-z, 0-9, - and _"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_name_url_pairs() {
        let issuers = parse_issuers(
            "github=https://token.actions.githubusercontent.com, ghes=https://ghe.example.com/_services/token,,test=http://127.0.0.1:8080",
        )
        .expect("valid list");
        let names: Vec<&str> = issuers.iter().map(Issuer::name).collect();
        assert_eq!(names, ["github", "ghes", "test"]);
        assert_eq!(issuers[2].url(), "http://127.0.0.1:8080");
        assert_eq!(
            issuers[1].discovery_url(),
            "https://ghe.example.com/_services/token/.well-known/openid-configuration"
        );
    }

    #[test]
    fn refuses_bad_entries() {
        for bad in [
            "github",
            "=https://a.example",
            "Git Hub=https://a.example",
            "plain=http://gitlab.example.com",
            "ftp=ftp://a.example",
            "q=https://a.example/?x=1",
            "a=https://a.example,a=https://b.example",
            "a=https://a.example,b=https://a.example",
        ] {
            assert!(
                matches!(parse_issuers(bad), Err(Error::BadConfig(_))),
                "{bad:?} was accepted"
            );
        }
    }

    #[test]
    fn flags_win_over_env_and_defaults_apply_last() {
        let flags = vec!["test=http://localhost:9000".to_owned()];
        let from_flags =
            issuers_from_flags_or_env(&flags, Some("x=https://x.example")).expect("flags");
        assert_eq!(from_flags[0].name(), "test");
        let from_env = issuers_from_flags_or_env(&[], Some("x=https://x.example")).expect("env");
        assert_eq!(from_env[0].name(), "x");
        let defaults = issuers_from_flags_or_env(&[], Some("  ")).expect("defaults");
        assert_eq!(defaults, default_issuers());
        assert_eq!(
            defaults[0].to_string(),
            format!("github={GITHUB_ISSUER_URL}")
        );
    }
}
