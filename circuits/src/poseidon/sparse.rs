//! The permutation's partial rounds rearranged for speed (the Poseidon paper, eprint 2019/458,
//! appendix B): the same function, with 8 multiplications per partial round instead of 12.
//!
//! 1. Constants. A partial round's S-box touches cell 0 only, so the constants it adds to
//!    cells 1 and 2 can go through the MDS matrix into the next round's constants:
//!    `M·(S(x + c₀) + c') = M·S(x + c₀) + M·c'`. Every partial round then adds one constant,
//!    and the first full round after them absorbs what is left.
//! 2. Matrices. `M = diag(1, M̂)·S` with `S = [[m₀₀, m̂ᵀ], [M̂⁻¹·m̌, I]]` sparse (5
//!    multiplications); `diag(1, M̂)` leaves cell 0 alone, so it commutes with the next
//!    partial round's S-box and constant and is folded into that round's matrix, which is
//!    split again. After the last partial round one 2×2 matrix remains, applied once.

use ark_ff::{Field, Zero};

use super::{FULL_ROUNDS, PARTIAL_ROUNDS, PoseidonParams, WIDTH, mds_mul, sbox};
use crate::Fr;

/// `[[a, uᵀ], [v, I]]`: `x ↦ (a·x₀ + u·(x₁, x₂), v·x₀ + (x₁, x₂))`.
#[derive(Debug, Clone)]
struct Sparse {
    a: Fr,
    u: [Fr; 2],
    v: [Fr; 2],
}

impl Sparse {
    #[inline(always)]
    fn apply(&self, x: &[Fr; WIDTH]) -> [Fr; WIDTH] {
        [
            self.a * x[0] + self.u[0] * x[1] + self.u[1] * x[2],
            self.v[0] * x[0] + x[1],
            self.v[1] * x[0] + x[2],
        ]
    }
}

/// The rounds of [`PoseidonParams`] in the rearranged form.
#[derive(Debug, Clone)]
pub(crate) struct SparseRounds {
    /// Every round's constants: full rounds' as generated (but the first after the partial
    /// rounds), partial rounds' in cell 0 only.
    constants: Vec<[Fr; WIDTH]>,
    /// One matrix per partial round.
    partial: Vec<Sparse>,
    /// Applied to cells 1 and 2 after the last partial round.
    last: [[Fr; 2]; 2],
    mds: [[Fr; WIDTH]; WIDTH],
}

impl SparseRounds {
    pub(crate) fn new(params: &PoseidonParams) -> SparseRounds {
        let m = &params.mds;
        let half = FULL_ROUNDS / 2;
        let mut constants = params.round_constants.clone();
        for r in half..half + PARTIAL_ROUNDS {
            let rest = [Fr::zero(), constants[r][1], constants[r][2]];
            constants[r][1] = Fr::zero();
            constants[r][2] = Fr::zero();
            let moved = mds_mul(m, &rest);
            for (c, moved) in constants[r + 1].iter_mut().zip(moved) {
                *c += moved;
            }
        }
        // round by round: N = M·diag(1, X) = diag(1, N̂)·S, and N̂ is the next X
        let mut x = [[Fr::ONE, Fr::zero()], [Fr::zero(), Fr::ONE]];
        let mut partial = Vec::with_capacity(PARTIAL_ROUNDS);
        for _ in 0..PARTIAL_ROUNDS {
            let n: [[Fr; WIDTH]; WIDTH] = std::array::from_fn(|i| {
                std::array::from_fn(|j| match j {
                    0 => m[i][0],
                    _ => m[i][1] * x[0][j - 1] + m[i][2] * x[1][j - 1],
                })
            });
            let hat = [[n[1][1], n[1][2]], [n[2][1], n[2][2]]];
            partial.push(Sparse {
                a: n[0][0],
                u: [n[0][1], n[0][2]],
                v: solve(&hat, [n[1][0], n[2][0]]),
            });
            x = hat;
        }
        SparseRounds {
            constants,
            partial,
            last: x,
            mds: *m,
        }
    }

    /// The Poseidon permutation, in place.
    pub(crate) fn permute(&self, state: &mut [Fr; WIDTH]) {
        let half = FULL_ROUNDS / 2;
        let full = |state: &mut [Fr; WIDTH], constants: &[Fr; WIDTH]| {
            for (cell, c) in state.iter_mut().zip(constants) {
                *cell = sbox(*cell + c);
            }
            *state = mds_mul(&self.mds, state);
        };
        for constants in &self.constants[..half] {
            full(state, constants);
        }
        let partial_constants = &self.constants[half..half + PARTIAL_ROUNDS];
        for (matrix, constants) in self.partial.iter().zip(partial_constants) {
            state[0] = sbox(state[0] + constants[0]);
            *state = matrix.apply(state);
        }
        let [_, x1, x2] = *state;
        state[1] = self.last[0][0] * x1 + self.last[0][1] * x2;
        state[2] = self.last[1][0] * x1 + self.last[1][1] * x2;
        for constants in &self.constants[half + PARTIAL_ROUNDS..] {
            full(state, constants);
        }
    }
}

/// `h⁻¹·b` for an invertible 2×2 `h`: `h` is `M̂` times earlier `M̂`s, and every square
/// submatrix of an MDS matrix is invertible.
fn solve(h: &[[Fr; 2]; 2], b: [Fr; 2]) -> [Fr; 2] {
    let det = h[0][0] * h[1][1] - h[0][1] * h[1][0];
    let inv = det
        .inverse()
        .expect("the MDS matrix's 2×2 submatrices are invertible");
    [
        (h[1][1] * b[0] - h[0][1] * b[1]) * inv,
        (h[0][0] * b[1] - h[1][0] * b[0]) * inv,
    ]
}
