//! Groth16 proof assembly with our choice of multi-scalar multiplication: ark-groth16 0.6's
//! `create_proof_with_assignment`, step for step, around five MSMs computed
//!
//! - in wasm32 (or natively with the `wasm-msm` feature) by [`crate::msm`], on bases converted
//!   once per key, because arkworks' field arithmetic is slow in WebAssembly;
//! - otherwise by arkworks' `VariableBaseMSM::msm_bigint`;
//!
//! and, with the `threads` feature, side by side on the current rayon pool, each split into
//! one chunk per thread: the WebAssembly thread pool of `wasm-bindgen-rayon` cannot start
//! threads of its own, while ark-ec 0.6's parallel MSM builds a new rayon pool for every chunk
//! (which panics there). The witness map (FFTs, a few percent of the time) stays on one thread.

use ark_bls12_381::{Bls12_381, Fr as ScalarField, G1Projective, G2Projective};
use ark_ec::pairing::Pairing;
use ark_ff::{PrimeField, Zero};
use ark_groth16::r1cs_to_qap::{LibsnarkReduction, R1CSToQAP};
use ark_poly::GeneralEvaluationDomain;
use ark_relations::gr1cs::{Matrix, SynthesisError};

use crate::keys::ProvingKey;

type BigInt = <ScalarField as PrimeField>::BigInt;

/// The bases of the five MSMs (without the first, constant, entry of `a`, `b_g1`, `b_g2`).
struct Queries<'a, G1B, G2B> {
    h: &'a [G1B],
    l: &'a [G1B],
    a: &'a [G1B],
    b_g1: &'a [G1B],
    b_g2: &'a [G2B],
}

/// The five sums: H and L (for C), A, B in G1, B in G2.
struct Sums {
    h: G1Projective,
    l: G1Projective,
    a: G1Projective,
    b_g1: G1Projective,
    b_g2: G2Projective,
}

/// Runs `a` and `b`: side by side on the rayon pool with `threads`, one after the other without.
fn join<A: Send, B: Send>(a: impl FnOnce() -> A + Send, b: impl FnOnce() -> B + Send) -> (A, B) {
    #[cfg(feature = "threads")]
    return rayon::join(a, b);
    #[cfg(not(feature = "threads"))]
    return (a(), b());
}

/// `msm(bases, scalars)`, with `threads` split into one chunk per thread of the current pool.
fn chunked<B: Sync, G: Send + Zero>(
    bases: &[B],
    scalars: &[BigInt],
    msm: fn(&[B], &[BigInt]) -> G,
) -> G {
    let size = bases.len().min(scalars.len());
    #[cfg(feature = "threads")]
    {
        use rayon::prelude::*;
        let chunk = size.div_ceil(rayon::current_num_threads().max(1)).max(1);
        bases[..size]
            .par_chunks(chunk)
            .zip(scalars[..size].par_chunks(chunk))
            .map(|(bases, scalars)| msm(bases, scalars))
            .reduce(G::zero, |a, b| a + b)
    }
    #[cfg(not(feature = "threads"))]
    msm(&bases[..size], &scalars[..size])
}

fn sums<G1B: Sync, G2B: Sync>(
    queries: Queries<'_, G1B, G2B>,
    g1: fn(&[G1B], &[BigInt]) -> G1Projective,
    g2: fn(&[G2B], &[BigInt]) -> G2Projective,
    h: &[BigInt],
    assignment: &[BigInt],
    aux: &[BigInt],
    with_b_g1: bool,
) -> Sums {
    let ((h, l), (a, (b_g1, b_g2))) = join(
        || join(|| chunked(queries.h, h, g1), || chunked(queries.l, aux, g1)),
        || {
            join(
                || chunked(queries.a, assignment, g1),
                || {
                    join(
                        || {
                            if with_b_g1 {
                                chunked(queries.b_g1, assignment, g1)
                            } else {
                                G1Projective::zero()
                            }
                        },
                        || chunked(queries.b_g2, assignment, g2),
                    )
                },
            )
        },
    );
    Sums {
        h,
        l,
        a,
        b_g1,
        b_g2,
    }
}

/// The five MSMs on the key's bases converted for WebAssembly ([`crate::msm`]).
#[cfg(any(target_arch = "wasm32", feature = "wasm-msm"))]
fn key_sums(
    key: &ProvingKey,
    h: &[BigInt],
    assignment: &[BigInt],
    aux: &[BigInt],
    r: ScalarField,
) -> Sums {
    let bases = key.msm_bases();
    let queries = Queries {
        h: &bases.h,
        l: &bases.l,
        a: &bases.a[1..],
        b_g1: &bases.b_g1[1..],
        b_g2: &bases.b_g2[1..],
    };
    sums(
        queries,
        crate::msm::msm_g1,
        crate::msm::msm_g2,
        h,
        assignment,
        aux,
        !r.is_zero(),
    )
}

/// The five MSMs with arkworks.
#[cfg(not(any(target_arch = "wasm32", feature = "wasm-msm")))]
fn key_sums(
    key: &ProvingKey,
    h: &[BigInt],
    assignment: &[BigInt],
    aux: &[BigInt],
    r: ScalarField,
) -> Sums {
    use ark_ec::VariableBaseMSM;
    let pk = &key.0;
    let queries = Queries {
        h: &pk.h_query,
        l: &pk.l_query,
        a: &pk.a_query[1..],
        b_g1: &pk.b_g1_query[1..],
        b_g2: &pk.b_g2_query[1..],
    };
    sums(
        queries,
        G1Projective::msm_bigint,
        G2Projective::msm_bigint,
        h,
        assignment,
        aux,
        !r.is_zero(),
    )
}

/// A Groth16 proof from the R1CS matrices and the full assignment (`1`, inputs, witnesses).
pub(crate) fn create_proof(
    key: &ProvingKey,
    r: ScalarField,
    s: ScalarField,
    matrices: &[Matrix<ScalarField>],
    num_inputs: usize,
    num_constraints: usize,
    full_assignment: &[ScalarField],
) -> Result<ark_groth16::Proof<Bls12_381>, SynthesisError> {
    let h = LibsnarkReduction::witness_map_from_matrices::<
        ScalarField,
        GeneralEvaluationDomain<ScalarField>,
    >(matrices, num_inputs, num_constraints, full_assignment)?;
    let bigints = |values: &[ScalarField]| -> Vec<BigInt> {
        values.iter().map(|v| v.into_bigint()).collect()
    };
    let h = bigints(&h);
    let assignment = bigints(&full_assignment[1..]);
    let aux = &assignment[num_inputs - 1..];
    let sums = key_sums(key, &h, &assignment, aux, r);

    let pk = &key.0;
    let g_a = pk.delta_g1 * r + pk.a_query[0] + sums.a + pk.vk.alpha_g1;
    let g1_b = if r.is_zero() {
        G1Projective::zero()
    } else {
        pk.delta_g1 * s + pk.b_g1_query[0] + sums.b_g1 + pk.beta_g1
    };
    let g2_b = pk.vk.delta_g2 * s + pk.b_g2_query[0] + sums.b_g2 + pk.vk.beta_g2;
    let g_c = g_a * s + g1_b * r - pk.delta_g1 * (r * s) + sums.l + sums.h;
    Ok(ark_groth16::Proof {
        a: <Bls12_381 as Pairing>::G1Affine::from(g_a),
        b: <Bls12_381 as Pairing>::G2Affine::from(g2_b),
        c: <Bls12_381 as Pairing>::G1Affine::from(g_c),
    })
}
