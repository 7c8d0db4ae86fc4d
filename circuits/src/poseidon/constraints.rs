//! The R1CS gadget of [`super`]: the same permutation and sponge over `FpVar`s.
//!
//! An S-box costs 3 constraints (`x²`, `x⁴`, `x⁴·x`); round constants and the MDS are linear
//! and free. Cells that are still constants (the capacity, zero padding) cost nothing until
//! they mix with a variable, so a permutation costs 243 constraints minus 3 per constant cell
//! in the first round.

use ark_r1cs_std::fields::{FieldVar, fp::FpVar};
use ark_relations::gr1cs::SynthesisError;

use super::{FULL_ROUNDS, PARTIAL_ROUNDS, WIDTH, domain_tag, params};
use crate::Fr;

/// The permutation over variables.
pub fn permute_var(state: &mut [FpVar<Fr>; WIDTH]) -> Result<(), SynthesisError> {
    let params = params();
    let half = FULL_ROUNDS / 2;
    for (round, constants) in params.round_constants.iter().enumerate() {
        for (cell, c) in state.iter_mut().zip(constants) {
            *cell += *c;
        }
        if round < half || round >= half + PARTIAL_ROUNDS {
            for cell in state.iter_mut() {
                *cell = sbox_var(cell)?;
            }
        } else {
            state[0] = sbox_var(&state[0])?;
        }
        *state = std::array::from_fn(|i| {
            params.mds[i]
                .iter()
                .zip(state.iter())
                .map(|(m, s)| s * *m)
                .sum::<FpVar<Fr>>()
        });
    }
    Ok(())
}

fn sbox_var(x: &FpVar<Fr>) -> Result<FpVar<Fr>, SynthesisError> {
    let x4 = x.square()?.square()?;
    Ok(x4 * x)
}

/// The sponge hash over variables (twin of [`super::hash`]).
pub fn hash_var(inputs: &[FpVar<Fr>]) -> Result<FpVar<Fr>, SynthesisError> {
    let zero = FpVar::Constant(Fr::from(0u64));
    let mut state = [
        FpVar::Constant(domain_tag(inputs.len())),
        zero.clone(),
        zero,
    ];
    if inputs.is_empty() {
        permute_var(&mut state)?;
    }
    for block in inputs.chunks(WIDTH - 1) {
        for (cell, x) in state[1..].iter_mut().zip(block) {
            *cell += x;
        }
        permute_var(&mut state)?;
    }
    let [_, out, _] = state;
    Ok(out)
}

/// `hash1` over variables.
pub fn hash1_var(x: &FpVar<Fr>) -> Result<FpVar<Fr>, SynthesisError> {
    hash_var(std::slice::from_ref(x))
}

/// `hash2` over variables.
pub fn hash2_var(a: &FpVar<Fr>, b: &FpVar<Fr>) -> Result<FpVar<Fr>, SynthesisError> {
    hash_var(&[a.clone(), b.clone()])
}
