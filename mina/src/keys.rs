//! Private keys (`EK…`, a non-zero Pallas scalar) and public keys (`B62…`, a compressed Pallas
//! point), with Mina's base58check encodings.

use std::fmt;
use std::sync::OnceLock;

use ark_ec::CurveGroup;
use ark_ff::{AdditiveGroup, PrimeField};
use rand_core::{CryptoRng, RngCore};
use subtle::ConstantTimeEq;
use zeroize::Zeroize;

use crate::base58::{self, version};
use crate::curve::{self, Affine, Field, Scalar};
use crate::{Error, Result};

/// Version number inside private keys, public keys and signatures.
const VERSION_NUMBER: u8 = 1;

/// A Mina private key: a scalar in `1..q`. Zeroed on drop; `Debug` does not print it. The
/// public point is computed once, on first use (signing needs it for the nonce, the challenge
/// and the `from` check).
#[derive(Clone)]
pub struct PrivateKey {
    scalar: Scalar,
    public: OnceLock<Affine>,
}

impl PrivateKey {
    /// A fresh random key from a cryptographic RNG.
    pub fn generate<R: RngCore + CryptoRng>(rng: &mut R) -> PrivateKey {
        loop {
            let mut wide = [0u8; 64];
            rng.fill_bytes(&mut wide);
            let scalar = Scalar::from_le_bytes_mod_order(&wide);
            wide.zeroize();
            if let Ok(key) = PrivateKey::from_scalar(scalar) {
                return key;
            }
        }
    }

    /// A fresh random key from the operating system (or the browser's `crypto`); an error when
    /// neither gives random bytes.
    pub fn generate_os() -> Result<PrivateKey> {
        let mut probe = [0u8; 1];
        RngCore::try_fill_bytes(&mut rand_core::OsRng, &mut probe)
            .map_err(|e| Error::Randomness(e.to_string()))?;
        Ok(PrivateKey::generate(&mut rand_core::OsRng))
    }

    /// Wraps a scalar; zero is refused.
    pub fn from_scalar(scalar: Scalar) -> Result<PrivateKey> {
        if scalar == Scalar::ZERO {
            return Err(Error::ScalarRange { nonzero: true });
        }
        Ok(PrivateKey {
            scalar,
            public: OnceLock::new(),
        })
    }

    /// Reads 32 little-endian bytes; values ≥ q and zero are refused.
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<PrivateKey> {
        let scalar =
            curve::scalar_from_bytes(bytes).map_err(|_| Error::ScalarRange { nonzero: true })?;
        PrivateKey::from_scalar(scalar)
    }

    /// Decodes `EK…` text.
    pub fn from_base58(text: &str) -> Result<PrivateKey> {
        let payload = base58::decode_check(text, version::PRIVATE_KEY, "private key")?;
        let body = base58::strip_version_number(&payload, VERSION_NUMBER)?;
        let mut bytes = base58::exact::<32>(body)?;
        let key = PrivateKey::from_bytes(&bytes);
        bytes.zeroize();
        key
    }

    /// Encodes as `EK…` text.
    pub fn to_base58(&self) -> String {
        let mut payload = [0u8; 33];
        payload[0] = VERSION_NUMBER;
        payload[1..].copy_from_slice(&curve::scalar_to_bytes(&self.scalar));
        let text = base58::encode_check(version::PRIVATE_KEY, &payload);
        payload.zeroize();
        text
    }

    /// The key's public key.
    pub fn public_key(&self) -> PublicKey {
        PublicKey::from_point(&self.public_point())
    }

    /// The key's public point `sk · G`.
    pub fn public_point(&self) -> Affine {
        *self
            .public
            .get_or_init(|| curve::mul_generator(&self.scalar).into_affine())
    }

    pub(crate) fn scalar(&self) -> &Scalar {
        &self.scalar
    }
}

impl PartialEq for PrivateKey {
    fn eq(&self, other: &PrivateKey) -> bool {
        curve::scalar_to_bytes(&self.scalar)
            .ct_eq(&curve::scalar_to_bytes(&other.scalar))
            .into()
    }
}

impl Eq for PrivateKey {}

impl Drop for PrivateKey {
    fn drop(&mut self) {
        self.scalar.0.0.zeroize();
    }
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PrivateKey(..)")
    }
}

/// A Mina public key: the x coordinate of a non-zero Pallas point and the parity of its y.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PublicKey {
    x: Field,
    is_odd: bool,
}

impl PublicKey {
    /// Compresses a point (which must not be the identity).
    pub fn from_point(point: &Affine) -> PublicKey {
        PublicKey {
            x: point.x,
            is_odd: curve::is_odd(&point.y),
        }
    }

    /// Builds a public key from its parts, checking that it is on the curve.
    pub fn from_parts(x: Field, is_odd: bool) -> Result<PublicKey> {
        if !curve::is_x_coordinate(&x) {
            return Err(Error::NotOnCurve);
        }
        Ok(PublicKey { x, is_odd })
    }

    /// The x coordinate.
    pub fn x(&self) -> Field {
        self.x
    }

    /// Whether y is odd.
    pub fn is_odd(&self) -> bool {
        self.is_odd
    }

    /// The full point.
    pub fn to_point(&self) -> Result<Affine> {
        curve::decompress(&self.x, self.is_odd)
    }

    /// Decodes `B62…` text: checksum, version byte and number, x < p, parity byte 0 or 1,
    /// and x on the curve.
    pub fn from_base58(text: &str) -> Result<PublicKey> {
        let payload = base58::decode_check(text, version::PUBLIC_KEY, "public key")?;
        let body = base58::strip_version_number(&payload, VERSION_NUMBER)?;
        let body = base58::strip_version_number(body, VERSION_NUMBER)?;
        let bytes = base58::exact::<33>(body)?;
        let mut x_bytes = [0u8; 32];
        x_bytes.copy_from_slice(&bytes[..32]);
        let x = curve::field_from_bytes(&x_bytes)?;
        let is_odd = match bytes[32] {
            0 => false,
            1 => true,
            other => return Err(Error::Parity(other)),
        };
        PublicKey::from_parts(x, is_odd)
    }

    /// Encodes as `B62…` text.
    pub fn to_base58(&self) -> String {
        let mut payload = [0u8; 35];
        payload[0] = VERSION_NUMBER;
        payload[1] = VERSION_NUMBER;
        payload[2..34].copy_from_slice(&curve::field_to_bytes(&self.x));
        payload[34] = u8::from(self.is_odd);
        base58::encode_check(version::PUBLIC_KEY, &payload)
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.to_base58())
    }
}

impl fmt::Display for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_base58())
    }
}

impl std::str::FromStr for PublicKey {
    type Err = Error;
    fn from_str(text: &str) -> Result<PublicKey> {
        PublicKey::from_base58(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::Field as _;

    #[test]
    fn key_one_is_the_generator() {
        let one = PrivateKey::from_scalar(Scalar::ONE).unwrap_or_else(|e| panic!("{e}"));
        let pk = one.public_key();
        assert_eq!(pk.x(), Field::ONE);
        assert!(pk.is_odd());
        let minus_one = PrivateKey::from_scalar(-Scalar::ONE).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(minus_one.public_key().x(), Field::ONE);
        assert!(!minus_one.public_key().is_odd());
    }

    #[test]
    fn encodings_round_trip() {
        let key = PrivateKey::generate_os().unwrap_or_else(|e| panic!("{e}"));
        let text = key.to_base58();
        assert!(text.starts_with("EK"), "{text}");
        assert_eq!(PrivateKey::from_base58(&text).ok(), Some(key.clone()));
        let pk = key.public_key();
        let text = pk.to_base58();
        assert!(text.starts_with("B62q"), "{text}");
        assert_eq!(text.len(), 55);
        assert_eq!(PublicKey::from_base58(&text).ok(), Some(pk));
    }

    #[test]
    fn zero_key_is_refused() {
        assert_eq!(
            PrivateKey::from_bytes(&[0; 32]),
            Err(Error::ScalarRange { nonzero: true })
        );
    }
}
