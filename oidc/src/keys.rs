//! An issuer's JSON Web Key Set, reduced to the keys this verifier can use, and signature
//! verification with ring.
//!
//! Only two kinds of key are kept: RSA keys of 2048 to 8192 bits (for RS256) and EC keys on
//! P-256 (for ES256). Symmetric (`oct`) keys, other curves, keys marked for encryption
//! (`"use": "enc"`) and keys whose `alg` names anything else are dropped when the set is
//! parsed, so they can never verify anything.

use std::collections::HashMap;

use ring::signature::{
    ECDSA_P256_SHA256_FIXED, RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents, UnparsedPublicKey,
};
use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::jwt::{Algorithm, decode};

/// Most keys read from one JWKS (GitHub publishes two or three).
const MAX_KEYS: usize = 64;

/// A public key usable for exactly one algorithm.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum PublicKey {
    /// RSA modulus and exponent, big-endian without leading zeros.
    Rsa { n: Vec<u8>, e: Vec<u8> },
    /// An uncompressed P-256 point, `04 || x || y`.
    P256 { point: Vec<u8> },
}

impl PublicKey {
    /// Checks `signature` over `input` for `alg`; a key only ever verifies its own algorithm.
    pub(crate) fn verify(
        &self,
        kid: &str,
        alg: Algorithm,
        input: &[u8],
        signature: &[u8],
    ) -> Result<()> {
        let verified = match (self, alg) {
            (Self::Rsa { n, e }, Algorithm::Rs256) => RsaPublicKeyComponents { n, e }
                .verify(&RSA_PKCS1_2048_8192_SHA256, input, signature)
                .is_ok(),
            (Self::P256 { point }, Algorithm::Es256) => {
                UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, point)
                    .verify(input, signature)
                    .is_ok()
            }
            _ => {
                return Err(Error::KeyAlgorithmMismatch {
                    kid: crate::jwt::shorten(kid),
                    alg: alg.name(),
                });
            }
        };
        if verified {
            Ok(())
        } else {
            Err(Error::BadSignature)
        }
    }
}

/// The usable keys of one JWKS, by `kid`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct KeySet {
    keys: HashMap<String, PublicKey>,
}

impl KeySet {
    /// The key with this `kid`, if the set has a usable one.
    pub(crate) fn get(&self, kid: &str) -> Option<&PublicKey> {
        self.keys.get(kid)
    }

    /// How many usable keys the set has.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.keys.len()
    }
}

/// Parses a JWKS document (`{"keys": [...]}`). Unusable entries are skipped; a document that
/// is not such an object, or has more than 64 keys, is refused.
pub(crate) fn parse_jwks(bytes: &[u8]) -> std::result::Result<KeySet, String> {
    let document: Value =
        serde_json::from_slice(bytes).map_err(|e| format!("the JWKS is not JSON: {e}"))?;
    let entries = document
        .get("keys")
        .and_then(Value::as_array)
        .ok_or("the JWKS has no \"keys\" array")?;
    if entries.len() > MAX_KEYS {
        return Err(format!(
            "the JWKS has {} keys, more than {MAX_KEYS}",
            entries.len()
        ));
    }
    let mut keys = HashMap::new();
    for entry in entries.iter().filter_map(Value::as_object) {
        if let Some((kid, key)) = usable_key(entry) {
            keys.entry(kid).or_insert(key);
        }
    }
    Ok(KeySet { keys })
}

/// The entry's `kid` and key, if it is an RSA or P-256 signing key for RS256 or ES256.
fn usable_key(jwk: &Map<String, Value>) -> Option<(String, PublicKey)> {
    let text = |name: &str| jwk.get(name).and_then(Value::as_str);
    let kid = text("kid")?;
    if text("use").is_some_and(|usage| usage != "sig") {
        return None;
    }
    let key = match text("kty")? {
        "RSA" => rsa_key(text("n")?, text("e")?)?,
        "EC" if text("crv")? == "P-256" => p256_key(text("x")?, text("y")?)?,
        _ => return None,
    };
    let expected_alg = match key {
        PublicKey::Rsa { .. } => Algorithm::Rs256,
        PublicKey::P256 { .. } => Algorithm::Es256,
    };
    if text("alg").is_some_and(|alg| alg != expected_alg.name()) {
        return None;
    }
    Some((kid.to_owned(), key))
}

fn rsa_key(n: &str, e: &str) -> Option<PublicKey> {
    let n = strip_leading_zeros(decode(n, "modulus").ok()?);
    let e = strip_leading_zeros(decode(e, "exponent").ok()?);
    let modulus_ok = (256..=1024).contains(&n.len());
    let exponent_ok = (1..=4).contains(&e.len());
    (modulus_ok && exponent_ok).then_some(PublicKey::Rsa { n, e })
}

fn p256_key(x: &str, y: &str) -> Option<PublicKey> {
    let x = decode(x, "x coordinate").ok()?;
    let y = decode(y, "y coordinate").ok()?;
    if x.len() != 32 || y.len() != 32 {
        return None;
    }
    let mut point = Vec::with_capacity(65);
    point.push(0x04);
    point.extend_from_slice(&x);
    point.extend_from_slice(&y);
    Some(PublicKey::P256 { point })
}

fn strip_leading_zeros(mut bytes: Vec<u8>) -> Vec<u8> {
    let zeros = bytes.iter().take_while(|&&b| b == 0).count();
    bytes.drain(..zeros);
    bytes
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    use super::*;

    fn b64(bytes: &[u8]) -> String {
        URL_SAFE_NO_PAD.encode(bytes)
    }

    fn rsa_jwk(kid: &str, extra: &str) -> String {
        let mut n = vec![0u8];
        n.extend(std::iter::repeat_n(0xC5u8, 256));
        format!(
            r#"{{"kty":"RSA","kid":"{kid}","n":"{}","e":"AQAB"{extra}}}"#,
            b64(&n)
        )
    }

    fn ec_jwk(kid: &str, crv: &str) -> String {
        format!(
            r#"{{"kty":"EC","kid":"{kid}","crv":"{crv}","x":"{}","y":"{}"}}"#,
            b64(&[1; 32]),
            b64(&[2; 32])
        )
    }

    #[test]
    fn keeps_only_signing_keys_for_rs256_and_es256() {
        let jwks = format!(
            r#"{{"keys":[{},{},{},{},{},{},{},{},{}]}}"#,
            rsa_jwk("rsa", r#","use":"sig","alg":"RS256""#),
            ec_jwk("ec", "P-256"),
            rsa_jwk("rsa-enc", r#","use":"enc""#),
            rsa_jwk("rsa-512", r#","alg":"RS512""#),
            ec_jwk("ec-384", "P-384"),
            r#"{"kty":"oct","kid":"hmac","k":"c2VjcmV0"}"#,
            r#"{"kty":"RSA","n":"AQAB","e":"AQAB"}"#,
            r#"{"kty":"RSA","kid":"short","n":"AQAB","e":"AQAB"}"#,
            "17",
        );
        let set = parse_jwks(jwks.as_bytes()).expect("valid JWKS");
        assert_eq!(set.len(), 2);
        match set.get("rsa") {
            Some(PublicKey::Rsa { n, e }) => {
                assert_eq!(n.len(), 256, "leading zero stripped");
                assert_eq!(e, &[1, 0, 1]);
            }
            other => panic!("rsa key: {other:?}"),
        }
        assert!(matches!(set.get("ec"), Some(PublicKey::P256 { point }) if point.len() == 65));
    }

    #[test]
    fn refuses_documents_that_are_not_key_sets() {
        for bad in ["", "[]", r#"{"keys":{}}"#, "{", r#"{"key":[]}"#] {
            assert!(parse_jwks(bad.as_bytes()).is_err(), "{bad:?}");
        }
        let many = format!(r#"{{"keys":[{}]}}"#, vec!["{}"; 65].join(","));
        assert!(parse_jwks(many.as_bytes()).is_err());
    }

    #[test]
    fn a_key_verifies_only_its_own_algorithm() {
        let set = parse_jwks(format!(r#"{{"keys":[{}]}}"#, ec_jwk("ec", "P-256")).as_bytes())
            .expect("valid");
        let key = set.get("ec").expect("ec key");
        assert!(matches!(
            key.verify("ec", Algorithm::Rs256, b"x", &[0; 64]),
            Err(Error::KeyAlgorithmMismatch { alg: "RS256", .. })
        ));
        assert!(matches!(
            key.verify("ec", Algorithm::Es256, b"x", &[0; 64]),
            Err(Error::BadSignature)
        ));
    }
}
