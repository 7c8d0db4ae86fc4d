//! The claims of a token whose signature verified, and the checks of the registered claims:
//! `aud`, `exp`, `nbf`, `iat` (with leeway) and `jti`.

use serde_json::{Map, Value};

use crate::error::{Error, Result};

/// Longest `jti` accepted (replay stores keep it).
const MAX_JTI_LEN: usize = 256;

/// The claims of a verified token: signature, issuer, audience and times checked. The
/// platform's own claims (`repository`, `project_path`, …) are read with [`Claims::get_str`]
/// or matched with a [`crate::TrustedPublisher`].
#[derive(Clone, Debug, PartialEq)]
pub struct Claims {
    issuer_name: String,
    jti: String,
    exp: u64,
    all: Map<String, Value>,
}

impl Claims {
    /// The configured name of the issuer that signed the token (`github`, `gitlab`, …).
    pub fn issuer_name(&self) -> &str {
        &self.issuer_name
    }

    /// `iss`, the issuer URL.
    pub fn issuer(&self) -> &str {
        self.get_str("iss").unwrap_or_default()
    }

    /// `sub`, e.g. `repo:octo/app:ref:refs/heads/main` on GitHub.
    pub fn subject(&self) -> Option<&str> {
        self.get_str("sub")
    }

    /// `jti`, the token's unique id.
    pub fn jti(&self) -> &str {
        &self.jti
    }

    /// `exp`, in seconds since the Unix epoch.
    pub fn expires_at(&self) -> u64 {
        self.exp
    }

    /// Any claim.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.all.get(name)
    }

    /// A claim that is a string; `None` if it is absent or of another type.
    pub fn get_str(&self, name: &str) -> Option<&str> {
        self.all.get(name).and_then(Value::as_str)
    }

    /// All claims, as the token carried them.
    pub fn as_map(&self) -> &Map<String, Value> {
        &self.all
    }

    /// Claims taken as they are, without any check: for tests of policies.
    #[cfg(test)]
    pub(crate) fn unchecked(issuer_name: &str, all: Map<String, Value>) -> Self {
        Self {
            issuer_name: issuer_name.to_owned(),
            jti: String::new(),
            exp: 0,
            all,
        }
    }
}

/// What the registered claims are checked against.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ClaimRules<'a> {
    pub(crate) audience: &'a str,
    pub(crate) now: u64,
    pub(crate) leeway: u64,
}

/// Checks `exp`, `nbf`, `iat`, `aud` and `jti` of claims whose signature was verified by the
/// issuer named `issuer_name`.
pub(crate) fn check(
    all: Map<String, Value>,
    issuer_name: &str,
    rules: ClaimRules<'_>,
) -> Result<Claims> {
    let ClaimRules {
        audience,
        now,
        leeway,
    } = rules;
    let exp = numeric_date(&all, "exp")?.ok_or(Error::MissingClaim("exp"))?;
    if now > exp.saturating_add(leeway) {
        return Err(Error::Expired { exp, now, leeway });
    }
    if let Some(nbf) = numeric_date(&all, "nbf")?
        && nbf > now.saturating_add(leeway)
    {
        return Err(Error::NotYetValid { nbf, now, leeway });
    }
    let iat = numeric_date(&all, "iat")?.ok_or(Error::MissingClaim("iat"))?;
    if iat > now.saturating_add(leeway) {
        return Err(Error::IssuedInFuture { iat, now, leeway });
    }
    check_audience(all.get("aud"), audience)?;
    let jti = match all.get("jti") {
        None => return Err(Error::MissingClaim("jti")),
        Some(Value::String(jti)) if !jti.is_empty() && jti.len() <= MAX_JTI_LEN => jti.clone(),
        Some(_) => {
            return Err(Error::MalformedToken(format!(
                "\"jti\" must be a string of 1 to {MAX_JTI_LEN} bytes"
            )));
        }
    };
    Ok(Claims {
        issuer_name: issuer_name.to_owned(),
        jti,
        exp,
        all,
    })
}

/// `aud` is required and is a string or an array of strings; one of them must be ours.
fn check_audience(aud: Option<&Value>, expected: &str) -> Result<()> {
    let matches = match aud {
        None => return Err(Error::MissingClaim("aud")),
        Some(Value::String(aud)) => aud == expected,
        Some(Value::Array(auds)) => auds.iter().any(|aud| aud.as_str() == Some(expected)),
        Some(_) => {
            return Err(Error::MalformedToken(
                "\"aud\" must be a string or an array of strings".to_owned(),
            ));
        }
    };
    if matches {
        Ok(())
    } else {
        Err(Error::WrongAudience {
            expected: expected.to_owned(),
        })
    }
}

/// A NumericDate claim (seconds since the epoch; fractions are dropped).
fn numeric_date(all: &Map<String, Value>, name: &'static str) -> Result<Option<u64>> {
    let Some(value) = all.get(name) else {
        return Ok(None);
    };
    let seconds = value.as_u64().or_else(|| {
        value
            .as_f64()
            .filter(|s| s.is_finite() && *s >= 0.0 && *s < 1e15)
            .map(|s| s.trunc() as u64)
    });
    match seconds {
        Some(seconds) => Ok(Some(seconds)),
        None => Err(Error::MalformedToken(format!(
            "\"{name}\" must be a non-negative number of seconds"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const NOW: u64 = 1_700_000_000;

    fn rules() -> ClaimRules<'static> {
        ClaimRules {
            audience: "webfn",
            now: NOW,
            leeway: 60,
        }
    }

    fn claims(extra: Value) -> Map<String, Value> {
        let mut base = json!({"aud": "webfn", "exp": NOW + 300, "iat": NOW, "jti": "j1"});
        if let (Some(base), Value::Object(extra)) = (base.as_object_mut(), extra) {
            base.extend(extra);
        }
        match base {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }

    #[test]
    fn accepts_times_within_leeway() {
        let ok = check(
            claims(json!({"exp": NOW - 59, "nbf": NOW + 59, "iat": NOW + 59})),
            "github",
            rules(),
        )
        .expect("within leeway");
        assert_eq!(ok.jti(), "j1");
        assert_eq!(ok.expires_at(), NOW - 59);
        assert_eq!(ok.issuer_name(), "github");
        let fractional = check(
            claims(json!({"exp": (NOW + 10) as f64 + 0.5})),
            "g",
            rules(),
        );
        assert_eq!(fractional.expect("float exp").expires_at(), NOW + 10);
    }

    #[test]
    fn refuses_times_beyond_leeway() {
        let err = |extra| check(claims(extra), "g", rules()).expect_err("refused");
        assert!(matches!(
            err(json!({"exp": NOW - 61})),
            Error::Expired { .. }
        ));
        assert!(matches!(
            err(json!({"nbf": NOW + 61})),
            Error::NotYetValid { .. }
        ));
        assert!(matches!(
            err(json!({"iat": NOW + 61})),
            Error::IssuedInFuture { .. }
        ));
        assert!(matches!(err(json!({"exp": -1})), Error::MalformedToken(_)));
        assert!(matches!(
            err(json!({"exp": "soon"})),
            Error::MalformedToken(_)
        ));
    }

    #[test]
    fn audience_is_required_and_may_be_a_list() {
        let list = check(claims(json!({"aud": ["other", "webfn"]})), "g", rules());
        assert!(list.is_ok());
        let err = |extra| check(claims(extra), "g", rules()).expect_err("refused");
        assert!(matches!(
            err(json!({"aud": "other"})),
            Error::WrongAudience { .. }
        ));
        assert!(matches!(
            err(json!({"aud": []})),
            Error::WrongAudience { .. }
        ));
        assert!(matches!(err(json!({"aud": 5})), Error::MalformedToken(_)));
        let mut no_aud = claims(json!({}));
        no_aud.remove("aud");
        assert!(matches!(
            check(no_aud, "g", rules()),
            Err(Error::MissingClaim("aud"))
        ));
    }

    #[test]
    fn jti_is_required() {
        let mut no_jti = claims(json!({}));
        no_jti.remove("jti");
        assert!(matches!(
            check(no_jti, "g", rules()),
            Err(Error::MissingClaim("jti"))
        ));
        let long = "j".repeat(MAX_JTI_LEN + 1);
        assert!(matches!(
            check(claims(json!({"jti": long})), "g", rules()),
            Err(Error::MalformedToken(_))
        ));
    }
}
