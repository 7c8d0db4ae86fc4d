//! The Grain LFSR of the Poseidon paper (eprint 2019/458, appendix F) and the parameter
//! generation of its reference script `generate_parameters_grain.sage` (hadeshash), for a
//! prime field and the S-box x^α:
//!
//! 1. The 80-bit state is seeded with: field type (2 bits, `1` = GF(p)), S-box (4 bits, `0` =
//!    x^α), field size n (12 bits), width t (12 bits), R_F (10 bits), R_P (10 bits), then 30
//!    one bits, each number most significant bit first.
//! 2. Each clock computes `b = s[62] ⊕ s[51] ⊕ s[38] ⊕ s[23] ⊕ s[13] ⊕ s[0]`, shifts the state
//!    left by one and appends `b`. The first 160 clocks are discarded.
//! 3. Output bits are self-shrunk: clock a pair `(b1, b2)`; output `b2` if `b1 = 1`, else
//!    nothing.
//! 4. Round constants: `(R_F + R_P)·t` values of n bits each (most significant first), each
//!    redrawn while it is not below p (rejection sampling), in round-major order.
//! 5. MDS: from the same stream, `2t` values of n bits reduced mod p, `x = first t`,
//!    `y = last t`; redrawn if they are not distinct or some `x_i + y_j = 0`; then
//!    `M[i][j] = 1 / (x_i + y_j)` (a Cauchy matrix).
//!
//! 6. The reference then checks the matrix against infinitely long subspace trails (its
//!    algorithms 1, 2 and 3) and draws another if it fails. We run the same three checks,
//!    specialised to t = 3 ([`is_secure_mds`]); for the crate's parameters the first matrix
//!    drawn passes, which a test pins.

use ark_ff::{BigInt, BigInteger, Field, One, PrimeField, Zero};

use crate::Fr;

/// The Grain LFSR in self-shrinking mode.
#[derive(Debug, Clone)]
pub(crate) struct Grain {
    state: [bool; 80],
    /// index of `s[0]` in the ring buffer
    head: usize,
}

/// What the LFSR is seeded with.
#[derive(Debug, Clone, Copy)]
pub(crate) struct GrainSeed {
    pub(crate) field_bits: u16,
    pub(crate) width: u16,
    pub(crate) full_rounds: u16,
    pub(crate) partial_rounds: u16,
}

impl Grain {
    /// Seeds the state for GF(p), S-box x^α, and discards the first 160 clocks.
    pub(crate) fn new(seed: GrainSeed) -> Self {
        let mut bits = Vec::with_capacity(80);
        push_bits(&mut bits, 1, 2); // GF(p)
        push_bits(&mut bits, 0, 4); // x^alpha
        push_bits(&mut bits, seed.field_bits.into(), 12);
        push_bits(&mut bits, seed.width.into(), 12);
        push_bits(&mut bits, seed.full_rounds.into(), 10);
        push_bits(&mut bits, seed.partial_rounds.into(), 10);
        bits.resize(80, true);
        let mut state = [false; 80];
        state.copy_from_slice(&bits);
        let mut grain = Grain { state, head: 0 };
        for _ in 0..160 {
            grain.clock();
        }
        grain
    }

    fn at(&self, i: usize) -> bool {
        self.state[(self.head + i) % 80]
    }

    /// One LFSR step: the new bit replaces `s[0]`, which leaves the window.
    fn clock(&mut self) -> bool {
        let bit = self.at(62) ^ self.at(51) ^ self.at(38) ^ self.at(23) ^ self.at(13) ^ self.at(0);
        self.state[self.head] = bit;
        self.head = (self.head + 1) % 80;
        bit
    }

    /// The next self-shrunk output bit.
    fn next_bit(&mut self) -> bool {
        loop {
            let keep = self.clock();
            let bit = self.clock();
            if keep {
                return bit;
            }
        }
    }

    /// `n` output bits, most significant first, as an integer.
    fn next_integer(&mut self, n: u32) -> BigInt<4> {
        let mut value = BigInt::<4>::zero();
        for _ in 0..n {
            value.mul2();
            if self.next_bit() {
                value.add_with_carry(&BigInt::one());
            }
        }
        value
    }

    /// A field element by rejection sampling (round constants).
    pub(crate) fn next_field_rejecting(&mut self) -> Fr {
        loop {
            if let Some(x) = Fr::from_bigint(self.next_integer(Fr::MODULUS_BIT_SIZE)) {
                return x;
            }
        }
    }

    /// A field element reduced mod p (MDS sampling).
    pub(crate) fn next_field_reduced(&mut self) -> Fr {
        Fr::from_be_bytes_mod_order(&self.next_integer(Fr::MODULUS_BIT_SIZE).to_bytes_be())
    }

    /// The next Cauchy matrix candidate, or `None` if the draw must be repeated.
    pub(crate) fn next_cauchy(&mut self) -> Option<[[Fr; 3]; 3]> {
        let drawn: Vec<Fr> = (0..6).map(|_| self.next_field_reduced()).collect();
        let distinct = drawn
            .iter()
            .enumerate()
            .all(|(i, a)| drawn[i + 1..].iter().all(|b| a != b));
        if !distinct {
            return None;
        }
        let (xs, ys) = drawn.split_at(3);
        let mut m = [[Fr::zero(); 3]; 3];
        for (i, x) in xs.iter().enumerate() {
            for (j, y) in ys.iter().enumerate() {
                m[i][j] = (*x + y).inverse()?;
            }
        }
        Some(m)
    }
}

fn push_bits(bits: &mut Vec<bool>, value: u32, width: u32) {
    bits.extend((0..width).rev().map(|i| (value >> i) & 1 == 1));
}

/// The reference script's checks against infinitely long subspace trails (its
/// `algorithm_1`, `algorithm_2` and `algorithm_3`), specialised to t = 3 and s = 1 (one S-box
/// per partial round), where they reduce to a few vector identities:
///
/// - algorithm 1, `i = 1, 2`: `M^i` is not a scalar matrix; with `S_1 = {x : x_0 = 0}` and
///   `S_2 = span(u)`, `u = (0, M[0][2], -M[0][1])`, no eigenvector of `M^i` lies in `S_i`
///   (`M·u ∦ u`, `M²·u ∦ u`) and `S_i` is not invariant under `M^j`, `j ≤ i` (`M[0][1]` and
///   `M[0][2]` not both zero; `M·u ∦ u`, `M²·u ∦ u`);
/// - algorithms 2 and 3, `r = 1..=12`: the Krylov space of `e_0` under `M^r` is the whole
///   space, i.e. `e_0, M^r·e_0, M^2r·e_0` are independent.
pub(crate) fn is_secure_mds(m: &[[Fr; 3]; 3]) -> bool {
    let m2 = mat_mul(m, m);
    if is_scalar(m) || is_scalar(&m2) {
        return false;
    }
    if m[0][1].is_zero() && m[0][2].is_zero() {
        return false;
    }
    let u = [Fr::zero(), m[0][2], -m[0][1]];
    if parallel(&mat_vec(m, &u), &u) || parallel(&mat_vec(&m2, &u), &u) {
        return false;
    }
    let e0 = [Fr::one(), Fr::zero(), Fr::zero()];
    let mut power = *m;
    for _ in 1..=12 {
        let v1 = mat_vec(&power, &e0);
        let v2 = mat_vec(&power, &v1);
        if det(&e0, &v1, &v2).is_zero() {
            return false;
        }
        power = mat_mul(&power, m);
    }
    true
}

fn mat_mul(a: &[[Fr; 3]; 3], b: &[[Fr; 3]; 3]) -> [[Fr; 3]; 3] {
    let mut out = [[Fr::zero(); 3]; 3];
    for (i, row) in out.iter_mut().enumerate() {
        for (j, cell) in row.iter_mut().enumerate() {
            *cell = (0..3).map(|k| a[i][k] * b[k][j]).sum();
        }
    }
    out
}

fn mat_vec(a: &[[Fr; 3]; 3], v: &[Fr; 3]) -> [Fr; 3] {
    std::array::from_fn(|i| (0..3).map(|k| a[i][k] * v[k]).sum())
}

fn is_scalar(a: &[[Fr; 3]; 3]) -> bool {
    (0..3).all(|i| {
        (0..3).all(|j| {
            if i == j {
                a[i][i] == a[0][0]
            } else {
                a[i][j].is_zero()
            }
        })
    })
}

/// Whether `a` and `b` are linearly dependent (their cross product is zero).
fn parallel(a: &[Fr; 3], b: &[Fr; 3]) -> bool {
    (0..3).all(|i| {
        let (j, k) = ((i + 1) % 3, (i + 2) % 3);
        a[j] * b[k] == a[k] * b[j]
    })
}

fn det(a: &[Fr; 3], b: &[Fr; 3], c: &[Fr; 3]) -> Fr {
    a[0] * (b[1] * c[2] - b[2] * c[1]) - a[1] * (b[0] * c[2] - b[2] * c[0])
        + a[2] * (b[0] * c[1] - b[1] * c[0])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_like_matrices_are_not_secure() {
        let one = Fr::one();
        let zero = Fr::zero();
        let identity = [[one, zero, zero], [zero, one, zero], [zero, zero, one]];
        assert!(!is_secure_mds(&identity));
        // first row (1, 0, 0): the subspace x_0 = 0 is invariant
        let block = [[one, zero, zero], [one, one, one], [one, one + one, one]];
        assert!(!is_secure_mds(&block));
    }

    #[test]
    fn dependence_helpers() {
        let v = |a: u64, b: u64, c: u64| [Fr::from(a), Fr::from(b), Fr::from(c)];
        assert!(parallel(&v(1, 2, 3), &v(2, 4, 6)));
        assert!(!parallel(&v(1, 2, 3), &v(2, 4, 7)));
        assert!(det(&v(1, 0, 0), &v(0, 1, 0), &v(0, 0, 1)) == Fr::one());
        assert!(det(&v(1, 2, 3), &v(2, 4, 6), &v(0, 0, 1)).is_zero());
    }

    #[test]
    fn seed_bits_follow_the_reference_layout() {
        let mut bits = Vec::new();
        push_bits(&mut bits, 255, 12);
        let text: String = bits.iter().map(|b| if *b { '1' } else { '0' }).collect();
        assert_eq!(text, "000011111111");
    }
}
