//! Groth16 proof assembly with our choice of multi-scalar multiplication: ark-groth16 0.6's
//! `create_proof_with_assignment`, step for step, around five MSMs computed
//!
//! - in wasm32 (or natively with the `wasm-msm` feature) by [`crate::msm`], on bases converted
//!   once per key, because arkworks' field arithmetic is slow in WebAssembly;
//! - otherwise by arkworks' `VariableBaseMSM::msm_bigint`;
//!
//! and, with the `threads` feature, side by side on the current rayon pool, each split into
//! one part per thread (ours by windows, arkworks' by bases): the WebAssembly thread pool of
//! `wasm-bindgen-rayon` cannot start threads of its own, while ark-ec 0.6's parallel MSM builds
//! a new rayon pool for every chunk (which panics there). The witness map (FFTs, a few percent
//! of the time) runs on one thread beside the four MSMs that do not need it.

use ark_bls12_381::{Bls12_381, Fr as ScalarField, G1Projective, G2Projective};
use ark_ec::pairing::Pairing;
use ark_ff::{PrimeField, Zero};
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

/// Part `part` of `parts` of an MSM over `bases` (all parts add up to the MSM).
type MsmPart<B, G> = fn(&[B], &[BigInt], usize, usize) -> G;

/// Runs `a` and `b`: side by side on the rayon pool with `threads`, one after the other without.
fn join<A: Send, B: Send>(a: impl FnOnce() -> A + Send, b: impl FnOnce() -> B + Send) -> (A, B) {
    #[cfg(feature = "threads")]
    return rayon::join(a, b);
    #[cfg(not(feature = "threads"))]
    return (a(), b());
}

/// An MSM, with `threads` in one part per thread of the current pool.
fn split<B: Sync, G: Send + Zero>(bases: &[B], scalars: &[BigInt], msm: MsmPart<B, G>) -> G {
    let size = bases.len().min(scalars.len());
    let (bases, scalars) = (&bases[..size], &scalars[..size]);
    #[cfg(feature = "threads")]
    {
        use rayon::prelude::*;
        let parts = rayon::current_num_threads().max(1);
        (0..parts)
            .into_par_iter()
            .map(|part| msm(bases, scalars, part, parts))
            .reduce(G::zero, |a, b| a + b)
    }
    #[cfg(not(feature = "threads"))]
    msm(bases, scalars, 0, 1)
}

/// The five MSMs; H's scalars come from `h` (the witness map), run beside the other four.
#[allow(clippy::too_many_arguments)]
fn sums<G1B: Sync, G2B: Sync>(
    queries: Queries<'_, G1B, G2B>,
    g1: MsmPart<G1B, G1Projective>,
    g2: MsmPart<G2B, G2Projective>,
    h: impl FnOnce() -> Result<Vec<BigInt>, SynthesisError> + Send,
    assignment: &[BigInt],
    aux: &[BigInt],
    with_b_g1: bool,
) -> Result<Sums, SynthesisError> {
    let b_g1 = || {
        if with_b_g1 {
            split(queries.b_g1, assignment, g1)
        } else {
            G1Projective::zero()
        }
    };
    let (h, (l, (a, (b_g1, b_g2)))) = join(
        || h().map(|h| split(queries.h, &h, g1)),
        || {
            join(
                || split(queries.l, aux, g1),
                || {
                    join(
                        || split(queries.a, assignment, g1),
                        || join(b_g1, || split(queries.b_g2, assignment, g2)),
                    )
                },
            )
        },
    );
    Ok(Sums {
        h: h?,
        l,
        a,
        b_g1,
        b_g2,
    })
}

/// The five MSMs on the key's bases converted for WebAssembly ([`crate::msm`]).
#[cfg(any(target_arch = "wasm32", feature = "wasm-msm"))]
fn key_sums(
    key: &ProvingKey,
    h: impl FnOnce() -> Result<Vec<BigInt>, SynthesisError> + Send,
    assignment: &[BigInt],
    aux: &[BigInt],
    r: ScalarField,
) -> Result<Sums, SynthesisError> {
    use crate::msm::{msm_g1_part, msm_g2_part};
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
        msm_g1_part,
        msm_g2_part,
        h,
        assignment,
        aux,
        !r.is_zero(),
    )
}

/// Part `part` of `parts` of arkworks' MSM: a slice of the bases.
#[cfg(not(any(target_arch = "wasm32", feature = "wasm-msm")))]
fn arkworks_part<G: ark_ec::VariableBaseMSM<ScalarField = ScalarField>>(
    bases: &[G::MulBase],
    scalars: &[BigInt],
    part: usize,
    parts: usize,
) -> G {
    let chunk = bases.len().div_ceil(parts).max(1);
    let start = (part * chunk).min(bases.len());
    let end = (start + chunk).min(bases.len());
    G::msm_bigint(&bases[start..end], &scalars[start..end])
}

/// The five MSMs with arkworks.
#[cfg(not(any(target_arch = "wasm32", feature = "wasm-msm")))]
fn key_sums(
    key: &ProvingKey,
    h: impl FnOnce() -> Result<Vec<BigInt>, SynthesisError> + Send,
    assignment: &[BigInt],
    aux: &[BigInt],
    r: ScalarField,
) -> Result<Sums, SynthesisError> {
    let pk = &key.0;
    let queries = Queries {
        h: &pk.h_query,
        l: &pk.l_query,
        a: &pk.a_query[1..],
        b_g1: &pk.b_g1_query[1..],
        b_g2: &pk.b_g2_query[1..],
    };
    let (g1, g2) = (arkworks_part::<G1Projective>, arkworks_part::<G2Projective>);
    sums(queries, g1, g2, h, assignment, aux, !r.is_zero())
}

/// The coefficients of h (ark-groth16's `LibsnarkReduction` witness map): its FFTs on the
/// radix-2^30 `Fr` in wasm32 (or with `wasm-msm`), on arkworks' otherwise.
fn witness_map(
    matrices: &[Matrix<ScalarField>],
    num_inputs: usize,
    num_constraints: usize,
    full_assignment: &[ScalarField],
) -> Result<Vec<ScalarField>, SynthesisError> {
    #[cfg(any(target_arch = "wasm32", feature = "wasm-msm"))]
    return crate::radix30::fft::witness_map(
        matrices,
        num_inputs,
        num_constraints,
        full_assignment,
    );
    #[cfg(not(any(target_arch = "wasm32", feature = "wasm-msm")))]
    {
        use ark_groth16::r1cs_to_qap::{LibsnarkReduction, R1CSToQAP};
        LibsnarkReduction::witness_map_from_matrices::<
            ScalarField,
            ark_poly::GeneralEvaluationDomain<ScalarField>,
        >(matrices, num_inputs, num_constraints, full_assignment)
    }
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
    let bigints = |values: &[ScalarField]| -> Vec<BigInt> {
        values.iter().map(|v| v.into_bigint()).collect()
    };
    let h = || {
        let h = witness_map(matrices, num_inputs, num_constraints, full_assignment)?;
        Ok(bigints(&h))
    };
    let assignment = bigints(&full_assignment[1..]);
    let aux = &assignment[num_inputs - 1..];
    let sums = key_sums(key, h, &assignment, aux, r)?;

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
