//! Poseidon over BLS12-381's scalar field: width 3, S-box x^5, 8 full and 57 partial rounds.
//!
//! The round numbers are the Poseidon paper's (eprint 2019/458, table 2 and the reference
//! `poseidonperm_x5_255_3`) for t = 3, α = 5, a 255-bit field and 128-bit security. Round
//! constants and the MDS matrix are generated when first used by the paper's Grain LFSR
//! ([`grain`]); their canonical serialization is pinned by digest ([`constants_digest`]) and
//! the permutation by the reference's known-answer vector.
//!
//! The permutation: for each of the 65 rounds, add the round's 3 constants, apply x^5 to all
//! cells (4 first and 4 last rounds) or to cell 0 only (57 middle rounds), multiply by the MDS.
//! It is computed in an equivalent form with cheaper partial rounds ([`sparse`]), in
//! WebAssembly on a radix-2^30 `Fr` (`crate::radix30`).
//!
//! The sponge ([`hash`]): rate 2, capacity 1 (cell 0). Fixed-length hashing of `ℓ` inputs
//! starts from the capacity `ℓ·2^64` (domain separation by input length, after the paper's
//! section 4.2), absorbs the inputs two at a time by adding them to cells 1 and 2, permutes
//! after each block (a last odd input is padded with zero; zero inputs make one block of
//! zeros), and outputs cell 1. So `hash1(x) = P([2^64, x, 0])[1]` and
//! `hash2(a, b) = P([2^65, a, b])[1]`.

use std::sync::OnceLock;

use ark_ff::{BigInteger, PrimeField, Zero};
use sha2::{Digest, Sha256};

use crate::Fr;

pub(crate) mod constraints;
pub(crate) mod grain;
mod sparse;

use sparse::{Cell, SparseRounds};

/// Width of the permutation (rate 2 + capacity 1).
pub const WIDTH: usize = 3;
/// Full rounds (half before, half after the partial rounds).
pub const FULL_ROUNDS: usize = 8;
/// Partial rounds.
pub const PARTIAL_ROUNDS: usize = 57;
/// The S-box exponent.
pub const ALPHA: u64 = 5;

/// Round constants and MDS matrix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoseidonParams {
    /// `FULL_ROUNDS + PARTIAL_ROUNDS` rows of `WIDTH` constants, in round order.
    pub round_constants: Vec<[Fr; WIDTH]>,
    /// The MDS matrix, row-major: `new[i] = Σ_j mds[i][j]·old[j]`.
    pub mds: [[Fr; WIDTH]; WIDTH],
    /// How many MDS candidates were drawn before one passed the security condition.
    pub mds_draws: usize,
}

impl PoseidonParams {
    /// Generates the parameters with the Grain LFSR (a few milliseconds).
    pub fn generate() -> Self {
        let mut lfsr = grain::Grain::new(grain::GrainSeed {
            field_bits: Fr::MODULUS_BIT_SIZE as u16,
            width: WIDTH as u16,
            full_rounds: FULL_ROUNDS as u16,
            partial_rounds: PARTIAL_ROUNDS as u16,
        });
        let round_constants = (0..FULL_ROUNDS + PARTIAL_ROUNDS)
            .map(|_| std::array::from_fn(|_| lfsr.next_field_rejecting()))
            .collect();
        let mut mds_draws = 0;
        let mds = loop {
            mds_draws += 1;
            if let Some(m) = lfsr.next_cauchy()
                && grain::is_secure_mds(&m)
            {
                break m;
            }
        };
        PoseidonParams {
            round_constants,
            mds,
            mds_draws,
        }
    }

    /// Canonical serialization: every round constant in round order, then the MDS
    /// row-major, each as 32 bytes big-endian.
    pub fn to_bytes(&self) -> Vec<u8> {
        let cells = self
            .round_constants
            .iter()
            .flatten()
            .chain(self.mds.iter().flatten());
        cells.flat_map(|x| x.into_bigint().to_bytes_be()).collect()
    }
}

/// The parameters, generated once per process.
pub fn params() -> &'static PoseidonParams {
    static PARAMS: OnceLock<PoseidonParams> = OnceLock::new();
    PARAMS.get_or_init(PoseidonParams::generate)
}

/// SHA-256 of [`PoseidonParams::to_bytes`], as raw bytes.
pub fn constants_digest() -> [u8; 32] {
    Sha256::digest(params().to_bytes()).into()
}

/// The Poseidon permutation, in place (computed as [`sparse`] rearranges it).
pub fn permute(state: &mut [Fr; WIDTH]) {
    static ROUNDS: OnceLock<SparseRounds<CellField>> = OnceLock::new();
    ROUNDS
        .get_or_init(|| SparseRounds::new(params()))
        .permute(state);
}

/// The field the permutation runs on: arkworks' natively, the radix-2^30 one in WebAssembly
/// (about 2.5× faster there, where arkworks emulates 64×64→128-bit products).
#[cfg(not(target_arch = "wasm32"))]
type CellField = Fr;
#[cfg(target_arch = "wasm32")]
type CellField = crate::radix30::fr::Fr30;

fn sbox<F: Cell>(x: F) -> F {
    x.square().square().mul(x)
}

fn mds_mul<F: Cell>(mds: &[[F; WIDTH]; WIDTH], state: &[F; WIDTH]) -> [F; WIDTH] {
    std::array::from_fn(|i| {
        let [a, b, c] = mds[i];
        a.mul(state[0]).add(b.mul(state[1])).add(c.mul(state[2]))
    })
}

/// The capacity cell's initial value for `len` inputs: `len·2^64`.
pub(crate) fn domain_tag(len: usize) -> Fr {
    Fr::from(len as u64) * Fr::from(1u128 << 64)
}

/// Fixed-length sponge hash of `inputs` (see the module docs).
pub fn hash(inputs: &[Fr]) -> Fr {
    let mut state = [domain_tag(inputs.len()), Fr::zero(), Fr::zero()];
    let mut blocks = inputs.chunks(WIDTH - 1).peekable();
    if blocks.peek().is_none() {
        permute(&mut state);
    }
    for block in blocks {
        for (cell, x) in state[1..].iter_mut().zip(block) {
            *cell += x;
        }
        permute(&mut state);
    }
    state[1]
}

/// Poseidon of one element: identity commitments, `C = hash1(s)`.
pub fn hash1(x: Fr) -> Fr {
    hash(&[x])
}

/// Poseidon of two elements: Merkle nodes and nullifiers.
pub fn hash2(a: Fr, b: Fr) -> Fr {
    hash(&[a, b])
}

#[cfg(test)]
mod tests;
