//! Groth16 proving on an existing rayon pool without arkworks' `parallel` features (feature
//! `threads`): the WebAssembly thread pool of `wasm-bindgen-rayon` cannot start threads of its
//! own, while ark-ec 0.6's parallel MSM builds a new rayon pool for every chunk (which panics
//! there). Here arkworks runs single-threaded and the five multi-scalar multiplications are
//! split into one chunk per thread of the current pool and run side by side; the witness map
//! (FFTs, a few percent of the time) stays on one thread.
//!
//! The arithmetic is ark-groth16 0.6's `create_proof_with_assignment`, step for step.

use ark_bls12_381::{Bls12_381, Fr as ScalarField, G1Projective, G2Projective};
use ark_ec::VariableBaseMSM;
use ark_ec::pairing::Pairing;
use ark_ff::{PrimeField, Zero};
use ark_groth16::r1cs_to_qap::{LibsnarkReduction, R1CSToQAP};
use ark_poly::GeneralEvaluationDomain;
use ark_relations::gr1cs::{Matrix, SynthesisError};
use rayon::prelude::*;

type BigInt = <ScalarField as PrimeField>::BigInt;

/// `Σ scalars[i]·bases[i]`, one chunk per thread of the current pool.
fn msm<G: VariableBaseMSM<ScalarField = ScalarField> + Send>(
    bases: &[G::MulBase],
    scalars: &[BigInt],
) -> G {
    let size = bases.len().min(scalars.len());
    let chunk = size.div_ceil(rayon::current_num_threads().max(1)).max(1);
    bases[..size]
        .par_chunks(chunk)
        .zip(scalars[..size].par_chunks(chunk))
        .map(|(bases, scalars)| G::msm_bigint(bases, scalars))
        .reduce(G::zero, |a, b| a + b)
}

/// A Groth16 proof from the R1CS matrices and the full assignment (`1`, inputs, witnesses).
pub(crate) fn create_proof(
    pk: &ark_groth16::ProvingKey<Bls12_381>,
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
        values.par_iter().map(|v| v.into_bigint()).collect()
    };
    let h = bigints(&h);
    let assignment = bigints(&full_assignment[1..]);
    let aux = &assignment[num_inputs - 1..];

    // the five MSMs side by side: H and L (for C), A, B in G1, B in G2
    let ((h_acc, l_aux_acc), (a_acc, (b_g1_acc, b_g2_acc))) = rayon::join(
        || {
            rayon::join(
                || msm::<G1Projective>(&pk.h_query, &h),
                || msm::<G1Projective>(&pk.l_query, aux),
            )
        },
        || {
            rayon::join(
                || msm::<G1Projective>(&pk.a_query[1..], &assignment),
                || {
                    rayon::join(
                        || {
                            if r.is_zero() {
                                G1Projective::zero()
                            } else {
                                msm::<G1Projective>(&pk.b_g1_query[1..], &assignment)
                            }
                        },
                        || msm::<G2Projective>(&pk.b_g2_query[1..], &assignment),
                    )
                },
            )
        },
    );

    let g_a = pk.delta_g1 * r + pk.a_query[0] + a_acc + pk.vk.alpha_g1;
    let g1_b = if r.is_zero() {
        G1Projective::zero()
    } else {
        pk.delta_g1 * s + pk.b_g1_query[0] + b_g1_acc + pk.beta_g1
    };
    let g2_b = pk.vk.delta_g2 * s + pk.b_g2_query[0] + b_g2_acc + pk.vk.beta_g2;
    let g_c = g_a * s + g1_b * r - pk.delta_g1 * (r * s) + l_aux_acc + h_acc;
    Ok(ark_groth16::Proof {
        a: <Bls12_381 as Pairing>::G1Affine::from(g_a),
        b: <Bls12_381 as Pairing>::G2Affine::from(g2_b),
        c: <Bls12_381 as Pairing>::G1Affine::from(g_c),
    })
}
