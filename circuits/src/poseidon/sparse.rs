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
//!
//! The rounds run on a [`Cell`] field: arkworks' `Fr` natively, [`Fr30`] in WebAssembly.

use ark_ff::{Field, Zero};

use super::{FULL_ROUNDS, PARTIAL_ROUNDS, PoseidonParams, WIDTH, mds_mul, sbox};
use crate::Fr;
use crate::radix30::fr::Fr30;

/// What the permutation needs of its field.
pub(crate) trait Cell: Copy {
    fn from_fr(x: &Fr) -> Self;
    fn to_fr(self) -> Fr;
    fn add(self, other: Self) -> Self;
    fn mul(self, other: Self) -> Self;
    fn square(self) -> Self;
}

impl Cell for Fr {
    fn from_fr(x: &Fr) -> Fr {
        *x
    }
    fn to_fr(self) -> Fr {
        self
    }
    #[inline(always)]
    fn add(self, other: Fr) -> Fr {
        self + other
    }
    #[inline(always)]
    fn mul(self, other: Fr) -> Fr {
        self * other
    }
    #[inline(always)]
    fn square(self) -> Fr {
        Field::square(&self)
    }
}

impl Cell for Fr30 {
    fn from_fr(x: &Fr) -> Fr30 {
        Fr30::from_ark(x)
    }
    fn to_fr(self) -> Fr {
        self.to_ark()
    }
    #[inline(always)]
    fn add(self, other: Fr30) -> Fr30 {
        Fr30::add(&self, &other)
    }
    #[inline(always)]
    fn mul(self, other: Fr30) -> Fr30 {
        Fr30::mul(&self, &other)
    }
    #[inline(always)]
    fn square(self) -> Fr30 {
        Fr30::square(&self)
    }
}

/// `[[a, uᵀ], [v, I]]`: `x ↦ (a·x₀ + u·(x₁, x₂), v·x₀ + (x₁, x₂))`.
#[derive(Debug, Clone)]
struct Sparse<F> {
    a: F,
    u: [F; 2],
    v: [F; 2],
}

impl<F: Cell> Sparse<F> {
    #[inline(always)]
    fn apply(&self, x: &[F; WIDTH]) -> [F; WIDTH] {
        [
            self.a
                .mul(x[0])
                .add(self.u[0].mul(x[1]))
                .add(self.u[1].mul(x[2])),
            self.v[0].mul(x[0]).add(x[1]),
            self.v[1].mul(x[0]).add(x[2]),
        ]
    }
}

/// The rounds of [`PoseidonParams`] in the rearranged form, on the field `F`.
#[derive(Debug, Clone)]
pub(crate) struct SparseRounds<F> {
    /// Every round's constants: full rounds' as generated (but the first after the partial
    /// rounds), partial rounds' in cell 0 only.
    constants: Vec<[F; WIDTH]>,
    /// One matrix per partial round.
    partial: Vec<Sparse<F>>,
    /// Applied to cells 1 and 2 after the last partial round.
    last: [[F; 2]; 2],
    mds: [[F; WIDTH]; WIDTH],
}

impl<F: Cell> SparseRounds<F> {
    pub(crate) fn new(params: &PoseidonParams) -> SparseRounds<F> {
        let m = &params.mds;
        let constants = constants_in_cell_zero(params);
        let (partial, x) = sparse_matrices(m);
        let cells = |row: &[Fr; WIDTH]| row.map(|x| F::from_fr(&x));
        let pair = |row: [Fr; 2]| row.map(|x| F::from_fr(&x));
        SparseRounds {
            constants: constants.iter().map(cells).collect(),
            partial: partial
                .into_iter()
                .map(|s| Sparse {
                    a: F::from_fr(&s.a),
                    u: pair(s.u),
                    v: pair(s.v),
                })
                .collect(),
            last: x.map(pair),
            mds: m.map(|row| cells(&row)),
        }
    }

    /// The Poseidon permutation, in place.
    pub(crate) fn permute(&self, state: &mut [Fr; WIDTH]) {
        let half = FULL_ROUNDS / 2;
        let mut cells = state.map(|x| F::from_fr(&x));
        let full = |cells: &mut [F; WIDTH], constants: &[F; WIDTH]| {
            for (cell, c) in cells.iter_mut().zip(constants) {
                *cell = sbox(cell.add(*c));
            }
            *cells = mds_mul(&self.mds, cells);
        };
        for constants in &self.constants[..half] {
            full(&mut cells, constants);
        }
        let partial_constants = &self.constants[half..half + PARTIAL_ROUNDS];
        for (matrix, constants) in self.partial.iter().zip(partial_constants) {
            cells[0] = sbox(cells[0].add(constants[0]));
            cells = matrix.apply(&cells);
        }
        let [_, x1, x2] = cells;
        cells[1] = self.last[0][0].mul(x1).add(self.last[0][1].mul(x2));
        cells[2] = self.last[1][0].mul(x1).add(self.last[1][1].mul(x2));
        for constants in &self.constants[half + PARTIAL_ROUNDS..] {
            full(&mut cells, constants);
        }
        *state = cells.map(F::to_fr);
    }
}

/// The round constants with every partial round's cells 1 and 2 moved, through the MDS, into
/// the next round's (step 1 of the module docs).
fn constants_in_cell_zero(params: &PoseidonParams) -> Vec<[Fr; WIDTH]> {
    let half = FULL_ROUNDS / 2;
    let mut constants = params.round_constants.clone();
    for r in half..half + PARTIAL_ROUNDS {
        let rest = [Fr::zero(), constants[r][1], constants[r][2]];
        constants[r][1] = Fr::zero();
        constants[r][2] = Fr::zero();
        let moved = mds_mul(&params.mds, &rest);
        for (c, moved) in constants[r + 1].iter_mut().zip(moved) {
            *c += moved;
        }
    }
    constants
}

/// The partial rounds' sparse matrices and the 2×2 matrix left after the last (step 2):
/// round by round, N = M·diag(1, X) = diag(1, N̂)·S, and N̂ is the next X.
fn sparse_matrices(m: &[[Fr; WIDTH]; WIDTH]) -> (Vec<Sparse<Fr>>, [[Fr; 2]; 2]) {
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
    (partial, x)
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
