//! An identity: a random secret `s` and its public commitment `C = hash1(s)`.

use ark_ff::UniformRand;
use rand_core::{CryptoRng, RngCore};
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::Fr;
use crate::poseidon::{hash1, hash2};

/// An identity secret; the commitment is what groups hold. Its `Debug` hides the secret and
/// the secret is wiped from memory on drop.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Identity {
    secret: Fr,
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Identity")
            .field("commitment", &crate::to_decimal(&self.commitment()))
            .finish_non_exhaustive()
    }
}

impl Identity {
    /// A new identity from a cryptographic RNG.
    pub fn generate<R: RngCore + CryptoRng>(rng: &mut R) -> Self {
        Identity {
            secret: Fr::rand(rng),
        }
    }

    /// The identity of a known secret.
    pub fn from_secret(secret: Fr) -> Self {
        Identity { secret }
    }

    /// The secret `s`.
    pub fn secret(&self) -> Fr {
        self.secret
    }

    /// The commitment `hash1(s)`: the leaf of this identity in a group.
    pub fn commitment(&self) -> Fr {
        hash1(self.secret)
    }

    /// The nullifier `hash2(scope, s)` of this identity in `scope`.
    pub fn nullifier(&self, scope: Fr) -> Fr {
        hash2(scope, self.secret)
    }
}

#[cfg(test)]
mod tests {
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    use super::*;

    #[test]
    fn debug_hides_the_secret() {
        let identity = Identity::generate(&mut ChaCha20Rng::seed_from_u64(1));
        let text = format!("{identity:?}");
        assert!(!text.contains(&crate::to_decimal(&identity.secret())));
        assert!(text.contains(&crate::to_decimal(&identity.commitment())));
    }

    #[test]
    fn nullifiers_depend_on_scope_and_secret() {
        let mut rng = ChaCha20Rng::seed_from_u64(2);
        let (a, b) = (Identity::generate(&mut rng), Identity::generate(&mut rng));
        let scope = Fr::from(7u64);
        assert_eq!(a.nullifier(scope), a.nullifier(scope));
        assert_ne!(a.nullifier(scope), a.nullifier(scope + Fr::from(1u64)));
        assert_ne!(a.nullifier(scope), b.nullifier(scope));
    }
}
