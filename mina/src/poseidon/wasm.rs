//! The Poseidon permutation in radix 2^29 (see [`crate::radix29`]), used on wasm32 where it
//! is several times faster than arkworks' arithmetic.

use std::sync::OnceLock;

use super::{PoseidonParams, WIDTH};
use crate::curve::Field;
use crate::radix29::Fe;

/// A parameter set converted to radix 2^29.
#[derive(Debug)]
pub(crate) struct Params29 {
    mds: [[Fe; WIDTH]; WIDTH],
    round_constants: Vec<[Fe; WIDTH]>,
    full_rounds: usize,
    has_initial_round_constant: bool,
    power: u64,
}

impl Params29 {
    pub(crate) fn convert<const N: usize>(params: &PoseidonParams<N>) -> Params29 {
        let row = |r: &[Field; WIDTH]| r.map(|x| Fe::from_field(&x));
        Params29 {
            mds: params.mds.each_ref().map(row),
            round_constants: params.round_constants.iter().map(row).collect(),
            full_rounds: params.full_rounds,
            has_initial_round_constant: params.has_initial_round_constant,
            power: params.power,
        }
    }
}

/// The converted legacy and kimchi parameters, built on first use.
pub(crate) fn params(kimchi: bool) -> &'static Params29 {
    static LEGACY: OnceLock<Params29> = OnceLock::new();
    static KIMCHI: OnceLock<Params29> = OnceLock::new();
    if kimchi {
        KIMCHI.get_or_init(|| Params29::convert(&super::params::KIMCHI))
    } else {
        LEGACY.get_or_init(|| Params29::convert(&super::params::LEGACY))
    }
}

/// The same permutation as `super::permute`, in radix 2^29.
pub(crate) fn permute(params: &Params29, state: &mut [Field; WIDTH]) {
    let mut s = state.map(|x| Fe::from_field(&x));
    let mut offset = 0;
    if params.has_initial_round_constant {
        for (slot, constant) in s.iter_mut().zip(&params.round_constants[0]) {
            *slot = slot.add(constant);
        }
        offset = 1;
    }
    for round in 0..params.full_rounds {
        let powered = s.map(|x| x.pow(params.power));
        let constants = &params.round_constants[round + offset];
        for (i, slot) in s.iter_mut().enumerate() {
            let row = &params.mds[i];
            *slot = row[0]
                .mul(&powered[0])
                .add(&row[1].mul(&powered[1]))
                .add(&row[2].mul(&powered[2]))
                .add(&constants[i]);
        }
    }
    *state = s.map(Fe::to_field);
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::{AdditiveGroup, UniformRand};

    #[test]
    fn permutations_agree_with_arkworks() {
        let mut rng = ark_std::test_rng();
        for kimchi in [false, true] {
            for _ in 0..8 {
                let state = [Field::rand(&mut rng), Field::rand(&mut rng), Field::ZERO];
                let mut ours = state;
                permute(params(kimchi), &mut ours);
                let mut theirs = state;
                if kimchi {
                    super::super::permute::<_, 7>(&super::super::params::KIMCHI, &mut theirs);
                } else {
                    super::super::permute::<_, 5>(&super::super::params::LEGACY, &mut theirs);
                }
                assert_eq!(ours, theirs, "kimchi = {kimchi}");
            }
        }
    }
}
