//! Batch verification of credential proofs: one multi-Miller loop and one final
//! exponentiation for the whole batch instead of three Miller loops and a final
//! exponentiation per proof.
//!
//! Proof `i` (points `A_i`, `B_i`, `C_i`, public inputs `x_i`) is valid when
//! `e(A_i, B_i) · e(L_i, −γ) · e(C_i, −δ) · e(α, −β) = 1`, with `L_i = IC_0 + Σ_j x_ij · IC_j`.
//! With coefficients `r_i` drawn at random after the proofs are fixed (128 bits each), the
//! batch checks the product of the `r_i`-th powers of those equations:
//!
//! ```text
//! Π_i e(r_i·A_i, B_i) · e(Σ_i r_i·L_i, −γ) · e(Σ_i r_i·C_i, −δ) · e((Σ_i r_i)·α, −β) = 1
//! ```
//!
//! That is `n + 3` Miller loops and one final exponentiation for `n` proofs (a single proof
//! is checked by [`crate::verify`], three and one). `Σ_i r_i·L_i`
//! costs five scalar multiplications whatever `n`: it is `IC_0·Σ_i r_i + Σ_j IC_j·(Σ_i r_i·x_ij)`,
//! the sums taken in the scalar field. Soundness (small-exponent batching, Bellare, Garay and
//! Rabin 1998): each equation's quotient lies in the prime-order group GT (the proof's points
//! are checked to be in their subgroups when decoded), so if proof `k` is bad the batch passes
//! only when `r_k` hits the one residue that cancels the others: probability at most 2^-128.
//! A batch that fails says only that some proof is bad; verify them one by one to find it.

use ark_bls12_381::{Bls12_381, G1Affine, G1Projective, G2Affine};
use ark_ec::pairing::Pairing;
use ark_ec::{AffineRepr, CurveGroup, VariableBaseMSM};
use ark_ff::{PrimeField, Zero};
use rand_core::{CryptoRng, OsRng, RngCore};

use crate::groth16::CredentialProof;
use crate::keys::PreparedVerifyingKey;
use crate::{Fr, Result};

/// Checks every proof of `proofs` at once with coefficients from the operating system's
/// RNG: `Ok(true)` if all verify (an empty batch does), `Ok(false)` if any does not
/// (except with probability at most 2^-128).
pub fn verify_batch(key: &PreparedVerifyingKey, proofs: &[CredentialProof]) -> Result<bool> {
    verify_batch_with_rng(key, proofs, &mut OsRng)
}

/// [`verify_batch`] with coefficients from `rng`, which must be a cryptographic RNG whose
/// output the provers cannot predict (a seeded one lets whoever knows the seed pass bad
/// proofs).
pub fn verify_batch_with_rng<R: RngCore + CryptoRng>(
    key: &PreparedVerifyingKey,
    proofs: &[CredentialProof],
    rng: &mut R,
) -> Result<bool> {
    match proofs {
        [] => return Ok(true),
        [proof] => return crate::verify(key, proof),
        _ => {}
    }
    let coefficients: Vec<u128> = proofs
        .iter()
        .map(|_| u128::from(rng.next_u64()) << 64 | u128::from(rng.next_u64()))
        .collect();
    Ok(verify_combined(key, proofs, &coefficients))
}

/// The batch equation for the given coefficients (one per proof). Not generic, so that it
/// is compiled, optimized, in this crate.
fn verify_combined(
    key: &PreparedVerifyingKey,
    proofs: &[CredentialProof],
    coefficients: &[u128],
) -> bool {
    #[cfg(not(target_arch = "wasm32"))]
    let native = &key.native;
    let key = &key.ark;
    let r: Vec<Fr> = coefficients.iter().map(|&c| Fr::from(c)).collect();
    // Σ r_i and, per public input j, Σ_i r_i·x_ij
    let mut r_sum = Fr::zero();
    let mut input_sums = [Fr::zero(); 4];
    for (proof, &r_i) in proofs.iter().zip(&r) {
        r_sum += r_i;
        for (sum, x) in input_sums.iter_mut().zip(proof.public_inputs.to_vec()) {
            *sum += r_i * x;
        }
    }
    // natively from the fixed-base tables: IC_0 + Σ_j IC_j·s_j, then IC_0·(Σ r_i − 1) added
    #[cfg(not(target_arch = "wasm32"))]
    let inputs =
        native.fold_inputs(&input_sums) + key.vk.gamma_abc_g1[0] * (r_sum - Fr::from(1u64));
    #[cfg(target_arch = "wasm32")]
    let inputs = {
        let mut inputs = key.vk.gamma_abc_g1[0] * r_sum;
        for (ic, sum) in key.vk.gamma_abc_g1.iter().skip(1).zip(input_sums) {
            inputs += *ic * sum;
        }
        inputs
    };
    let cs: Vec<G1Affine> = proofs.iter().map(|p| p.proof.0.c).collect();
    let r_bigints: Vec<_> = r.iter().map(|r_i| r_i.into_bigint()).collect();
    let c_sum = G1Projective::msm_bigint(&cs, &r_bigints);
    // r_i·A_i (128-bit scalars), then all G1 points in affine form
    let mut g1: Vec<G1Projective> = proofs
        .iter()
        .zip(coefficients)
        .map(|(p, &c)| p.proof.0.a.mul_bigint([c as u64, (c >> 64) as u64]))
        .collect();
    g1.push(inputs);
    g1.push(c_sum);
    g1.push(key.vk.alpha_g1 * r_sum);
    let g1 = G1Projective::normalize_batch(&g1);
    let bs: Vec<G2Affine> = proofs.iter().map(|p| p.proof.0.b).collect();
    #[cfg(not(target_arch = "wasm32"))]
    if let Some(verdict) = native.product_is_one(&g1, &bs) {
        return verdict;
    }
    let mut g2: Vec<<Bls12_381 as Pairing>::G2Prepared> = bs.into_iter().map(Into::into).collect();
    g2.push(key.gamma_g2_neg_pc.clone());
    g2.push(key.delta_g2_neg_pc.clone());
    g2.push((-key.vk.beta_g2).into());
    // the final exponentiation fails only on a zero Miller loop output, which no points give
    Bls12_381::final_exponentiation(Bls12_381::multi_miller_loop(g1, g2))
        .is_some_and(|product| product.is_zero())
}
