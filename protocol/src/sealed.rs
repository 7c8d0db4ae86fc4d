//! Secrets sealed end to end to the provider that runs a call, with HPKE (RFC 9180, base
//! mode, suite DHKEM(X25519, HKDF-SHA256) + HKDF-SHA256 + ChaCha20-Poly1305).
//!
//! A provider's HPKE key pair is derived from its Mina private key (so it has one secret to
//! keep), and its public key is vouched for by a Mina signature of [`hpke_key_statement`], so
//! a caller can check that the key the relay quoted belongs to the payout address. Secrets
//! are a map of names to values; the `info` string fixes the protocol and the `aad` is the job
//! id, so a sealed box opens only for the job it was made for.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hpke::aead::ChaCha20Poly1305;
use hpke::kdf::HkdfSha256;
use hpke::kem::X25519HkdfSha256;
use hpke::{Deserializable, Kem as _, OpModeR, OpModeS, Serializable};
use rand_core::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use webfn_mina::PrivateKey;

use crate::auth::{sign_statement, verify_statement};
use crate::{JobId, ProtocolError, SignatureJson};

/// The HPKE `info` of sealed secrets.
pub const SECRETS_INFO: &[u8] = b"webfn secrets v1";
/// Most secrets one call may carry.
pub const MAX_SECRETS: usize = 32;
/// Largest sealed plaintext (the secrets' JSON), bytes.
pub const MAX_SECRETS_BYTES: usize = 64 << 10;
/// Longest secret name.
pub const MAX_SECRET_NAME: usize = 64;
/// The request header prefix under which a provider hands each secret to the guest.
pub const SECRET_HEADER_PREFIX: &str = "webfn-secret-";

type Kem = X25519HkdfSha256;

/// Named secrets: names are 1–64 characters of `a-z`, `0-9` and `-`; values are header-safe
/// text (no control characters).
pub type Secrets = BTreeMap<String, String>;

/// A provider's HPKE key pair, derived from its Mina key.
pub struct HpkeKeyPair {
    secret: <Kem as hpke::Kem>::PrivateKey,
    public: <Kem as hpke::Kem>::PublicKey,
}

impl std::fmt::Debug for HpkeKeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HpkeKeyPair({})", self.public_hex())
    }
}

impl HpkeKeyPair {
    /// The key pair of the provider whose Mina key is `key` (RFC 9180 `DeriveKeyPair` of a
    /// SHA-256 of the key, under a label of its own).
    pub fn derive(key: &PrivateKey) -> HpkeKeyPair {
        let mut ikm = Sha256::new();
        ikm.update(b"webfn hpke key v1\n");
        ikm.update(key.to_base58().as_bytes());
        let (secret, public) = Kem::derive_keypair(&ikm.finalize());
        HpkeKeyPair { secret, public }
    }

    /// The public key, 64 lowercase hex digits.
    pub fn public_hex(&self) -> String {
        hex::encode(self.public.to_bytes())
    }

    /// The public key with the provider's signature vouching for it.
    pub fn announce(&self, key: &PrivateKey) -> Result<HpkeKey, ProtocolError> {
        let public_key = self.public_hex();
        let signature = sign_statement(&hpke_key_statement(&public_key), key)?;
        Ok(HpkeKey {
            public_key,
            signature,
        })
    }

    /// Opens secrets sealed to this key for `job`.
    pub fn open(&self, job: &JobId, sealed: &SealedSecrets) -> Result<Secrets, ProtocolError> {
        let refuse = |reason: &str| ProtocolError::Invalid {
            field: "sealed",
            reason: reason.to_owned(),
        };
        let enc = STANDARD
            .decode(&sealed.enc)
            .map_err(|_| refuse("enc is not base64"))?;
        let ciphertext = STANDARD
            .decode(&sealed.ciphertext)
            .map_err(|_| refuse("ciphertext is not base64"))?;
        if ciphertext.len() > MAX_SECRETS_BYTES + 16 {
            return Err(refuse("ciphertext too large"));
        }
        let enc = <Kem as hpke::Kem>::EncappedKey::from_bytes(&enc)
            .map_err(|_| refuse("enc is not an X25519 public key"))?;
        let plaintext = hpke::single_shot_open::<ChaCha20Poly1305, HkdfSha256, Kem>(
            &OpModeR::Base,
            &self.secret,
            &enc,
            SECRETS_INFO,
            &ciphertext,
            job.as_str().as_bytes(),
        )
        .map_err(|_| refuse("cannot be opened with this provider's key for this job"))?;
        let secrets: Secrets = serde_json::from_slice(&plaintext)
            .map_err(|_| refuse("the opened secrets are not a JSON object of strings"))?;
        validate_secrets(&secrets)?;
        Ok(secrets)
    }
}

/// The text a provider signs to vouch for its HPKE public key.
pub fn hpke_key_statement(public_hex: &str) -> String {
    format!("webfn hpke key v1\n{public_hex}")
}

/// A provider's HPKE public key and its Mina signature of [`hpke_key_statement`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HpkeKey {
    /// X25519 public key, 64 lowercase hex digits.
    pub public_key: String,
    /// The provider's signature of [`hpke_key_statement`].
    pub signature: SignatureJson,
}

impl HpkeKey {
    /// Whether `provider` (`B62…`) signed this key.
    pub fn verify(&self, provider: &str) -> bool {
        self.public_key.len() == 64
            && self
                .public_key
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
            && verify_statement(
                &hpke_key_statement(&self.public_key),
                &self.signature,
                provider,
            )
    }
}

/// Secrets sealed to one provider for one job: the HPKE encapsulated key and ciphertext,
/// both standard base64.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SealedSecrets {
    /// The encapsulated key (32 bytes).
    pub enc: String,
    /// The sealed JSON object of the secrets.
    pub ciphertext: String,
}

/// Seals `secrets` for `job` to the provider's HPKE public key (hex).
pub fn seal<R: RngCore + CryptoRng>(
    provider_hpke_hex: &str,
    job: &JobId,
    secrets: &Secrets,
    rng: &mut R,
) -> Result<SealedSecrets, ProtocolError> {
    validate_secrets(secrets)?;
    let refuse = |reason: &str| ProtocolError::Invalid {
        field: "hpke_public_key",
        reason: reason.to_owned(),
    };
    let bytes = hex::decode(provider_hpke_hex).map_err(|_| refuse("not hex"))?;
    let public = <Kem as hpke::Kem>::PublicKey::from_bytes(&bytes)
        .map_err(|_| refuse("not an X25519 public key"))?;
    let plaintext =
        serde_json::to_vec(secrets).map_err(|e| ProtocolError::Malformed(e.to_string()))?;
    let (enc, ciphertext) = hpke::single_shot_seal::<ChaCha20Poly1305, HkdfSha256, Kem, R>(
        &OpModeS::Base,
        &public,
        SECRETS_INFO,
        &plaintext,
        job.as_str().as_bytes(),
        rng,
    )
    .map_err(|e| refuse(&format!("sealing failed: {e}")))?;
    Ok(SealedSecrets {
        enc: STANDARD.encode(enc.to_bytes()),
        ciphertext: STANDARD.encode(ciphertext),
    })
}

/// Checks names, values, count and total size of secrets.
pub fn validate_secrets(secrets: &Secrets) -> Result<(), ProtocolError> {
    let refuse = |reason: String| ProtocolError::Invalid {
        field: "secrets",
        reason,
    };
    if secrets.len() > MAX_SECRETS {
        return Err(refuse(format!("at most {MAX_SECRETS} secrets")));
    }
    for (name, value) in secrets {
        let name_ok = (1..=MAX_SECRET_NAME).contains(&name.len())
            && name
                .bytes()
                .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'-'));
        if !name_ok {
            return Err(refuse(format!(
                "secret name {:?}: 1 to {MAX_SECRET_NAME} characters of a-z, 0-9 and -",
                name.chars().take(80).collect::<String>()
            )));
        }
        if value.chars().any(char::is_control) {
            return Err(refuse(format!("secret {name} has a control character")));
        }
    }
    // the sealed plaintext is the JSON, escapes included
    let size = serde_json::to_vec(secrets).map_or(usize::MAX, |json| json.len());
    if size > MAX_SECRETS_BYTES {
        return Err(refuse(format!(
            "the secrets take {size} bytes as JSON, more than {MAX_SECRETS_BYTES}"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_core::OsRng;

    fn job(id: &str) -> JobId {
        JobId::try_from(id.to_owned()).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn sealed_secrets_open_only_for_their_provider_and_job() -> Result<(), ProtocolError> {
        let provider =
            PrivateKey::generate_os().map_err(|e| ProtocolError::Malformed(e.to_string()))?;
        let other =
            PrivateKey::generate_os().map_err(|e| ProtocolError::Malformed(e.to_string()))?;
        let keys = HpkeKeyPair::derive(&provider);
        assert_eq!(
            keys.public_hex(),
            HpkeKeyPair::derive(&provider).public_hex()
        );
        let secrets = Secrets::from([("api-key".to_owned(), "s3cr3t".to_owned())]);
        let sealed = seal(&keys.public_hex(), &job("job1"), &secrets, &mut OsRng)?;
        assert_eq!(keys.open(&job("job1"), &sealed)?, secrets);
        assert!(keys.open(&job("job2"), &sealed).is_err());
        assert!(
            HpkeKeyPair::derive(&other)
                .open(&job("job1"), &sealed)
                .is_err()
        );
        let mut tampered = sealed.clone();
        tampered.ciphertext = STANDARD.encode([0u8; 40]);
        assert!(keys.open(&job("job1"), &tampered).is_err());
        let mut garbage = sealed;
        garbage.enc = "***".into();
        assert!(keys.open(&job("job1"), &garbage).is_err());
        Ok(())
    }

    #[test]
    fn announced_keys_verify_for_their_provider_only() -> Result<(), ProtocolError> {
        let provider =
            PrivateKey::generate_os().map_err(|e| ProtocolError::Malformed(e.to_string()))?;
        let other =
            PrivateKey::generate_os().map_err(|e| ProtocolError::Malformed(e.to_string()))?;
        let announced = HpkeKeyPair::derive(&provider).announce(&provider)?;
        assert!(announced.verify(&provider.public_key().to_base58()));
        assert!(!announced.verify(&other.public_key().to_base58()));
        let mut swapped = announced;
        swapped.public_key = HpkeKeyPair::derive(&other).public_hex();
        assert!(!swapped.verify(&provider.public_key().to_base58()));
        Ok(())
    }

    #[test]
    fn secret_names_and_values_are_checked() {
        for (name, value) in [("", "x"), ("Upper", "x"), ("a_b", "x"), ("ok", "a\nb")] {
            let secrets = Secrets::from([(name.to_owned(), value.to_owned())]);
            assert!(validate_secrets(&secrets).is_err(), "{name:?}");
        }
    }
}
