//! The Groth16 prover's witness map (ark-groth16's `LibsnarkReduction`, step for step) with its
//! seven FFTs over [`Fr30`]: the coefficients of `h(x) = (a(x)·b(x) − c(x)) / z(x)`, which the
//! prover multiplies with the key's H query. In WebAssembly this is about 3× faster than
//! arkworks' FFTs on its `Fr`.

#![cfg_attr(
    not(any(target_arch = "wasm32", feature = "wasm-msm")),
    allow(dead_code)
)]

use std::sync::{Arc, Mutex};

use ark_ff::{FftField, Field, Zero};
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use ark_relations::gr1cs::{Matrix, SynthesisError};

use super::fr::Fr30;
use crate::Fr;

/// A radix-2 domain of `size` points and the coset `g·⟨ω⟩` (g: `Fr`'s multiplicative
/// generator, as arkworks' Groth16 uses), with their powers precomputed.
#[derive(Debug)]
struct Domain {
    size: usize,
    /// ω^i and ω^−i for i < size/2.
    roots: Vec<Fr30>,
    inverse_roots: Vec<Fr30>,
    /// g^i and g^−i / size for i < size (the iFFT's scaling folded into the coset's).
    coset: Vec<Fr30>,
    inverse_coset_scaled: Vec<Fr30>,
    /// 1/size.
    size_inverse: Fr30,
    /// 1/z(g) = 1/(g^size − 1): dividing by the vanishing polynomial on the coset.
    vanishing_inverse: Fr30,
}

impl Domain {
    fn new(size: usize) -> Result<Domain, SynthesisError> {
        let domain = Radix2EvaluationDomain::<Fr>::new(size)
            .filter(|d| d.size() == size)
            .ok_or(SynthesisError::PolynomialDegreeTooLarge)?;
        let powers = |base: Fr, count: usize, scale: Fr| -> Vec<Fr30> {
            let mut power = scale;
            (0..count)
                .map(|_| {
                    let out = Fr30::from_ark(&power);
                    power *= base;
                    out
                })
                .collect()
        };
        let g = Fr::GENERATOR;
        let (g_inverse, size_inverse) = (inverse(g)?, inverse(Fr::from(size as u64))?);
        let vanishing = domain.evaluate_vanishing_polynomial(g);
        Ok(Domain {
            size,
            roots: powers(domain.group_gen(), size / 2, Fr::ONE),
            inverse_roots: powers(domain.group_gen_inv(), size / 2, Fr::ONE),
            coset: powers(g, size, Fr::ONE),
            inverse_coset_scaled: powers(g_inverse, size, size_inverse),
            size_inverse: Fr30::from_ark(&size_inverse),
            vanishing_inverse: Fr30::from_ark(&inverse(vanishing)?),
        })
    }

    /// The domain of `size` points, built once and kept for the next proofs.
    fn cached(size: usize) -> Result<Arc<Domain>, SynthesisError> {
        static LAST: Mutex<Option<Arc<Domain>>> = Mutex::new(None);
        let mut last = LAST.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(domain) = last.as_ref().filter(|d| d.size == size) {
            return Ok(Arc::clone(domain));
        }
        let domain = Arc::new(Domain::new(size)?);
        *last = Some(Arc::clone(&domain));
        Ok(domain)
    }

    /// Values on ⟨ω⟩ → coefficients.
    fn ifft(&self, a: &mut [Fr30]) {
        fft(a, &self.inverse_roots);
        a.iter_mut().for_each(|x| *x = x.mul(&self.size_inverse));
    }

    /// Coefficients → values on the coset.
    fn coset_fft(&self, a: &mut [Fr30]) {
        a.iter_mut()
            .zip(&self.coset)
            .for_each(|(x, g)| *x = x.mul(g));
        fft(a, &self.roots);
    }

    /// Values on the coset → coefficients.
    fn coset_ifft(&self, a: &mut [Fr30]) {
        fft(a, &self.inverse_roots);
        a.iter_mut()
            .zip(&self.inverse_coset_scaled)
            .for_each(|(x, g)| *x = x.mul(g));
    }
}

fn inverse(x: Fr) -> Result<Fr, SynthesisError> {
    x.inverse().ok_or(SynthesisError::DivisionByZero)
}

/// In-place radix-2 FFT (decimation in time) with `roots[i] = w^i`, i < n/2, for a
/// primitive n-th root w, n = `a.len()` a power of two.
fn fft(a: &mut [Fr30], roots: &[Fr30]) {
    let n = a.len();
    if n < 2 {
        return;
    }
    let bits = n.trailing_zeros();
    for i in 0..n {
        let j = i.reverse_bits() >> (usize::BITS - bits);
        if i < j {
            a.swap(i, j);
        }
    }
    let mut half = 1;
    while half < n {
        let stride = n / (2 * half);
        for block in a.chunks_exact_mut(2 * half) {
            let (low, high) = block.split_at_mut(half);
            for (j, (u, v)) in low.iter_mut().zip(high.iter_mut()).enumerate() {
                let t = if j == 0 {
                    *v
                } else {
                    v.mul(&roots[j * stride])
                };
                *v = u.sub(&t);
                *u = u.add(&t);
            }
        }
        half *= 2;
    }
}

/// `Σ coefficient·z[column]` of one row, in arkworks' `Fr` (few terms per row).
fn evaluate(row: &[(Fr, usize)], z: &[Fr]) -> Fr30 {
    let sum: Fr = row.iter().map(|(c, column)| *c * z[*column]).sum();
    Fr30::from_ark(&sum)
}

/// The coefficients of h, as ark-groth16's `LibsnarkReduction::witness_map_from_matrices`
/// computes them (`matrices` are A, B, C; `z` the full assignment).
pub(crate) fn witness_map(
    matrices: &[Matrix<Fr>],
    num_inputs: usize,
    num_constraints: usize,
    z: &[Fr],
) -> Result<Vec<Fr>, SynthesisError> {
    let [a_rows, b_rows, c_rows] = matrices else {
        return Err(SynthesisError::MissingCS);
    };
    let size = (num_constraints + num_inputs)
        .checked_next_power_of_two()
        .ok_or(SynthesisError::PolynomialDegreeTooLarge)?;
    let domain = Domain::cached(size)?;
    let zero = Fr30::from_ark(&Fr::zero());
    let values = |rows: &[Vec<(Fr, usize)>]| -> Vec<Fr30> {
        let mut out: Vec<Fr30> = rows
            .iter()
            .take(num_constraints)
            .map(|row| evaluate(row, z))
            .collect();
        out.resize(size, zero);
        out
    };
    let mut a = values(a_rows);
    for (slot, x) in a[num_constraints..].iter_mut().zip(&z[..num_inputs]) {
        *slot = Fr30::from_ark(x);
    }
    let mut b = values(b_rows);
    let mut c = values(c_rows);
    for x in [&mut a, &mut b, &mut c] {
        domain.ifft(x);
        domain.coset_fft(x);
    }
    for ((a, b), c) in a.iter_mut().zip(&b).zip(&c) {
        *a = a.mul(b).sub(c).mul(&domain.vanishing_inverse);
    }
    domain.coset_ifft(&mut a);
    Ok(a.into_iter().map(Fr30::to_ark).collect())
}

#[cfg(test)]
mod tests {
    use ark_groth16::r1cs_to_qap::{LibsnarkReduction, R1CSToQAP};
    use ark_poly::GeneralEvaluationDomain;
    use ark_std::UniformRand;
    use ark_std::rand::{SeedableRng, rngs::StdRng};

    use super::*;
    use crate::r1cs::Shape;

    /// The credential circuit's matrices with random assignments (the map does not need a
    /// satisfying one): the same coefficients as arkworks'.
    #[test]
    fn the_witness_map_is_arkworks() {
        let shape = Shape::get().expect("shape");
        let mut rng = StdRng::seed_from_u64(10);
        let variables = shape.num_instance_variables + shape.num_witness_variables;
        for _ in 0..2 {
            let mut z: Vec<Fr> = (0..variables).map(|_| Fr::rand(&mut rng)).collect();
            z[0] = Fr::from(1u8);
            let expected =
                LibsnarkReduction::witness_map_from_matrices::<Fr, GeneralEvaluationDomain<Fr>>(
                    &shape.matrices,
                    shape.num_instance_variables,
                    shape.num_constraints,
                    &z,
                )
                .expect("arkworks");
            let got = witness_map(
                &shape.matrices,
                shape.num_instance_variables,
                shape.num_constraints,
                &z,
            )
            .expect("ours");
            assert_eq!(got, expected);
        }
    }

    #[test]
    fn fft_and_inverse_round_trip_on_small_domains() {
        let mut rng = StdRng::seed_from_u64(11);
        for size in [1usize, 2, 4, 8, 64] {
            let domain = Domain::new(size).expect("domain");
            let ark = Radix2EvaluationDomain::<Fr>::new(size).expect("domain");
            let coefficients: Vec<Fr> = (0..size).map(|_| Fr::rand(&mut rng)).collect();
            let mut ours: Vec<Fr30> = coefficients.iter().map(Fr30::from_ark).collect();
            fft(&mut ours, &domain.roots);
            let values: Vec<Fr> = ours.iter().map(|x| x.to_ark()).collect();
            assert_eq!(values, ark.fft(&coefficients), "size {size}");
            domain.ifft(&mut ours);
            let back: Vec<Fr> = ours.iter().map(|x| x.to_ark()).collect();
            assert_eq!(back, coefficients, "size {size}");
        }
    }
}
