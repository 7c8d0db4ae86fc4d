//! Parsing a compact JWS (`header.payload.signature`, base64url without padding) into its
//! parts, and the algorithm allowlist. Nothing here is trusted yet: the payload is read only
//! to find the issuer, and the signature is checked by [`crate::keys`].

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};

use crate::error::{Error, Result};

/// The only two signature algorithms accepted. GitHub signs with RS256; GitLab with RS256;
/// ES256 is the common alternative of other issuers. Every other `alg` (`none`, the `HS*`
/// family, `RS384`/`RS512`, `PS*`, `ES384`, `EdDSA`, …) is refused before any key is looked
/// at, so no key can ever be used with an algorithm it was not published for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Algorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    Rs256,
    /// ECDSA on P-256 with SHA-256, signature as the 64-byte `r || s`.
    Es256,
}

impl Algorithm {
    /// The JOSE name.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Rs256 => "RS256",
            Self::Es256 => "ES256",
        }
    }

    fn from_header(alg: &str) -> Result<Self> {
        match alg {
            "RS256" => Ok(Self::Rs256),
            "ES256" => Ok(Self::Es256),
            other => Err(Error::UnsupportedAlgorithm(shorten(other))),
        }
    }
}

/// A token split into its parts; not verified.
#[derive(Debug)]
pub(crate) struct UnverifiedToken<'a> {
    /// `header.payload`, the bytes the signature covers.
    pub(crate) signing_input: &'a [u8],
    pub(crate) alg: Algorithm,
    pub(crate) kid: String,
    pub(crate) claims: Map<String, Value>,
    pub(crate) signature: Vec<u8>,
}

/// Splits and decodes `token`, refusing it if it is larger than `max_bytes`, not three
/// base64url parts, not JSON objects, uses an algorithm other than RS256/ES256, has critical
/// header extensions, or has no `kid`.
pub(crate) fn parse(token: &str, max_bytes: usize) -> Result<UnverifiedToken<'_>> {
    if token.len() > max_bytes {
        return Err(Error::TokenTooLarge {
            size: token.len(),
            limit: max_bytes,
        });
    }
    let mut parts = token.split('.');
    let (Some(header_b64), Some(payload_b64), Some(signature_b64), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(malformed("a token has exactly three dot-separated parts"));
    };
    let header = json_object(header_b64, "header")?;
    let alg = header
        .get("alg")
        .and_then(Value::as_str)
        .ok_or_else(|| malformed("the header has no \"alg\" string"))?;
    let alg = Algorithm::from_header(alg)?;
    if header.contains_key("crit") {
        return Err(malformed(
            "critical header extensions (\"crit\") are not supported",
        ));
    }
    let kid = header
        .get("kid")
        .and_then(Value::as_str)
        .ok_or_else(|| malformed("the header has no \"kid\" string"))?
        .to_owned();
    let claims = json_object(payload_b64, "payload")?;
    let signature = decode(signature_b64, "signature")?;
    let signing_input_len = header_b64.len() + 1 + payload_b64.len();
    Ok(UnverifiedToken {
        signing_input: &token.as_bytes()[..signing_input_len],
        alg,
        kid,
        claims,
        signature,
    })
}

/// Decodes base64url without padding (the only encoding JWS allows).
pub(crate) fn decode(part: &str, what: &str) -> Result<Vec<u8>> {
    URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|e| malformed(&format!("the {what} is not base64url: {e}")))
}

fn json_object(part: &str, what: &str) -> Result<Map<String, Value>> {
    let bytes = decode(part, what)?;
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(malformed(&format!("the {what} is not a JSON object"))),
        Err(e) => Err(malformed(&format!("the {what} is not JSON: {e}"))),
    }
}

fn malformed(reason: &str) -> Error {
    Error::MalformedToken(reason.to_owned())
}

/// Attacker-chosen text put into an error message: at most 32 characters.
pub(crate) fn shorten(text: &str) -> String {
    shorten_to(text, 32)
}

/// `text`, cut to at most `max` characters (an ellipsis marks the cut).
pub(crate) fn shorten_to(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(json: &str) -> String {
        URL_SAFE_NO_PAD.encode(json)
    }

    fn token(header: &str, payload: &str) -> String {
        format!(
            "{}.{}.{}",
            b64(header),
            b64(payload),
            URL_SAFE_NO_PAD.encode([1u8, 2, 3])
        )
    }

    #[test]
    fn splits_a_well_formed_token() {
        let text = token(
            r#"{"alg":"ES256","kid":"k1","typ":"JWT"}"#,
            r#"{"iss":"x"}"#,
        );
        let parsed = parse(&text, 4096).expect("well formed");
        assert_eq!(parsed.alg, Algorithm::Es256);
        assert_eq!(parsed.kid, "k1");
        assert_eq!(parsed.claims["iss"], "x");
        assert_eq!(parsed.signature, [1, 2, 3]);
        let dot = text.rfind('.').expect("dot");
        assert_eq!(parsed.signing_input, &text.as_bytes()[..dot]);
    }

    #[test]
    fn refuses_other_algorithms_first() {
        for alg in ["none", "HS256", "RS512", "PS256", "ES384", "EdDSA", "rs256"] {
            let text = token(&format!(r#"{{"alg":"{alg}"}}"#), "{}");
            assert!(
                matches!(parse(&text, 4096), Err(Error::UnsupportedAlgorithm(a)) if a == alg),
                "{alg}"
            );
        }
    }

    #[test]
    fn refuses_malformed_shapes() {
        let good_header = r#"{"alg":"RS256","kid":"k"}"#;
        for text in [
            String::new(),
            "a.b".to_owned(),
            "a.b.c.d".to_owned(),
            format!("{}.{}.{}=", b64(good_header), b64("{}"), "AQ"),
            format!("{}.{}.AQ", b64("[1]"), b64("{}")),
            format!("{}.{}.AQ", b64(good_header), b64("\"s\"")),
            format!("{}.{}.AQ", b64(r#"{"alg":"RS256"}"#), b64("{}")),
            format!(
                "{}.{}.AQ",
                b64(r#"{"alg":"RS256","kid":"k","crit":["b64"]}"#),
                b64("{}")
            ),
        ] {
            assert!(
                matches!(parse(&text, 4096), Err(Error::MalformedToken(_))),
                "{text:?} accepted"
            );
        }
    }

    #[test]
    fn refuses_oversized_tokens_before_parsing() {
        let text = "x".repeat(5000);
        assert!(matches!(
            parse(&text, 4096),
            Err(Error::TokenTooLarge {
                size: 5000,
                limit: 4096
            })
        ));
    }

    #[test]
    fn shortens_long_text() {
        assert_eq!(shorten("abc"), "abc");
        assert_eq!(shorten(&"é".repeat(40)).chars().count(), 33);
    }
}
