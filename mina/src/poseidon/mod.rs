//! Poseidon over the Pallas base field with Mina's two parameter sets, and the sponge as
//! mina-signer drives it: absorb in blocks of the rate (zero-padded), squeeze the first state
//! element; `hash_with_prefix` first absorbs the prefix string as one field element (the salt).
//!
//! The permutation has three implementations with identical results: AVX-512 IFMA vectors on
//! x86-64 processors that have them (`ifma`, detected at run time), 64-bit Montgomery
//! arithmetic (`fp64`) on other native targets, and radix 2^29 in WebAssembly (`wasm`).

#[cfg(target_arch = "x86_64")]
mod ifma;
mod params;
mod wasm;

use std::sync::OnceLock;

use ark_ff::{AdditiveGroup, BigInt};

use crate::curve::{Field, field_from_bytes};
use crate::fp64::{self, Limbs};
use crate::{Error, Result};

/// State width of both parameter sets.
const WIDTH: usize = 3;
/// Rate of both parameter sets.
const RATE: usize = 2;

/// A Poseidon parameter set with full rounds only (`N` rows of round constants are stored).
#[derive(Debug)]
pub(crate) struct PoseidonParams<const N: usize> {
    full_rounds: usize,
    has_initial_round_constant: bool,
    power: u64,
    mds: [[Field; WIDTH]; WIDTH],
    round_constants: [[Field; WIDTH]; N],
}

/// Which of Mina's Poseidon parameter sets to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Poseidon {
    /// x^5, 63 full rounds plus an initial round constant: payments, delegations, messages.
    Legacy,
    /// x^7, 55 full rounds: field signatures and zkApps.
    Kimchi,
}

impl Poseidon {
    /// Applies the permutation to `state` in place.
    pub fn permute(self, state: &mut [Field; WIDTH]) {
        // WebAssembly lacks a 64×64→128-bit multiply: radix 2^29 is much faster there
        if cfg!(target_arch = "wasm32") {
            wasm::permute(wasm::params(self == Poseidon::Kimchi), state);
            return;
        }
        #[cfg(target_arch = "x86_64")]
        if ifma::permute(self == Poseidon::Kimchi, state) {
            return;
        }
        match self {
            Poseidon::Legacy => permute::<_, 5>(&params::LEGACY, state),
            Poseidon::Kimchi => permute::<_, 7>(&params::KIMCHI, state),
        }
    }

    /// Absorbs `input` into `state`: the empty input permutes once; otherwise the input is
    /// zero-padded to a multiple of the rate and each block is added, then permuted.
    pub fn absorb(self, state: &mut [Field; WIDTH], input: &[Field]) {
        if input.is_empty() {
            self.permute(state);
            return;
        }
        for block in input.chunks(RATE) {
            for (slot, value) in state.iter_mut().zip(block) {
                *slot += value;
            }
            self.permute(state);
        }
    }

    /// Hash of `input` from the all-zero state.
    pub fn hash(self, input: &[Field]) -> Field {
        let mut state = [Field::ZERO; WIDTH];
        self.absorb(&mut state, input);
        state[0]
    }

    /// The state after absorbing `prefix` as one field element (mina-signer's `salt`).
    pub fn salt(self, prefix: &str) -> Result<[Field; WIDTH]> {
        let mut state = [Field::ZERO; WIDTH];
        self.absorb(&mut state, &[prefix_to_field(prefix)?]);
        Ok(state)
    }

    /// `hashWithPrefix(prefix, input)`: the first state element after absorbing the salt and
    /// then `input`.
    pub fn hash_with_prefix(self, prefix: &str, input: &[Field]) -> Result<Field> {
        let mut state = self.cached_salt(prefix)?;
        self.absorb(&mut state, input);
        Ok(state[0])
    }

    /// Salts of the two standard signature prefixes are computed once.
    fn cached_salt(self, prefix: &str) -> Result<[Field; WIDTH]> {
        static CACHE: [OnceLock<[Field; WIDTH]>; 4] = [const { OnceLock::new() }; 4];
        let slot = match (self, prefix) {
            (Poseidon::Legacy, crate::network::PREFIX_MAINNET) => 0,
            (Poseidon::Legacy, crate::network::PREFIX_TESTNET) => 1,
            (Poseidon::Kimchi, crate::network::PREFIX_MAINNET) => 2,
            (Poseidon::Kimchi, crate::network::PREFIX_TESTNET) => 3,
            _ => return self.salt(prefix),
        };
        if let Some(state) = CACHE[slot].get() {
            return Ok(*state);
        }
        let state = self.salt(prefix)?;
        Ok(*CACHE[slot].get_or_init(|| state))
    }
}

/// Mina's `prefix_to_field`: the UTF-8 bytes of the prefix, zero-padded to 32 bytes, read
/// little-endian; refused when longer than 32 bytes or not below p.
pub fn prefix_to_field(prefix: &str) -> Result<Field> {
    let bytes = prefix.as_bytes();
    if bytes.len() > 32 {
        return Err(Error::Network(
            prefix.to_owned(),
            "prefix is longer than 32 bytes",
        ));
    }
    let mut padded = [0u8; 32];
    padded[..bytes.len()].copy_from_slice(bytes);
    field_from_bytes(&padded)
        .map_err(|_| Error::Network(prefix.to_owned(), "prefix is not a field element"))
}

/// `x^POWER` for each state element, for the S-box powers of Mina's parameter sets (5 and 7):
/// the three chains of squarings and multiplications interleaved, so that the processor
/// overlaps them.
#[inline(always)]
fn sbox<const POWER: u64>(x: &[Limbs; WIDTH]) -> [Limbs; WIDTH] {
    use ark_ff::Field as _;
    let x = x.map(|w| Field::new_unchecked(BigInt(w)));
    let x2 = [x[0].square(), x[1].square(), x[2].square()];
    let x4 = [x2[0].square(), x2[1].square(), x2[2].square()];
    let out = match POWER {
        5 => [x4[0] * x[0], x4[1] * x[1], x4[2] * x[2]],
        7 => {
            let x6 = [x4[0] * x2[0], x4[1] * x2[1], x4[2] * x2[2]];
            [x6[0] * x[0], x6[1] * x[1], x6[2] * x[2]]
        }
        _ => unreachable!("Mina's Poseidon S-boxes are x^5 and x^7"),
    };
    out.map(|y| y.0.0)
}

/// Mina's rotated round structure: `SBOX → MDS → ARK` per round, with an optional round
/// constant addition before the first round. `POWER` must equal `params.power`. The MDS rows
/// and the round constants use `fp64`'s product-scanning dot product, one reduction per row.
fn permute<const N: usize, const POWER: u64>(
    params: &PoseidonParams<N>,
    state: &mut [Field; WIDTH],
) {
    debug_assert_eq!(params.power, POWER);
    let words = |x: &Field| x.0.0;
    let mds = [0, 1, 2].map(|i| [0, 1, 2].map(|j| words(&params.mds[i][j])));
    let mut offset = 0;
    if params.has_initial_round_constant {
        for (slot, constant) in state.iter_mut().zip(&params.round_constants[0]) {
            *slot += constant;
        }
        offset = 1;
    }
    for constants in &params.round_constants[offset..offset + params.full_rounds] {
        let powered = sbox::<POWER>(&state.map(|x| words(&x)));
        for (i, slot) in state.iter_mut().enumerate() {
            *slot = Field::new_unchecked(BigInt(fp64::dot3_plus(
                &mds[i],
                &powered,
                &words(&constants[i]),
            )));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_counts_fit_the_stored_constants() {
        assert!(params::LEGACY.full_rounds < params::LEGACY.round_constants.len());
        assert_eq!(
            params::KIMCHI.full_rounds,
            params::KIMCHI.round_constants.len()
        );
    }

    fn field(decimal: &str) -> Field {
        decimal
            .parse()
            .unwrap_or_else(|_| panic!("bad test constant {decimal}"))
    }

    /// Salted states published in mina-signer's `prefixHashes` / `prefixHashesLegacy` tables
    /// (generated there from the OCaml implementation).
    #[test]
    fn salts_match_mina_known_answers() {
        let cases = [
            (
                Poseidon::Kimchi,
                "MinaSignatureMainnet",
                [
                    "28597293842583882050529337819282358444728515448690248936274177901465134844489",
                    "13029865398778858891320837481651890827971447635226272051516204921834229015884",
                    "2324960771278703080070347074343683653953770644553957353754880132143131569147",
                ],
            ),
            (
                Poseidon::Kimchi,
                "CodaSignature*******",
                [
                    "6547874669265470003564181123405173756111990160585052594027544303901364349512",
                    "22191763046611062479784309793717481299019591714391827084400612211604078633201",
                    "15360317550574394687602808211901764964514686767298144053612144955373862517277",
                ],
            ),
            (
                Poseidon::Kimchi,
                "MinaZkappMemo*******",
                [
                    "2662735671148484138098041239517130399444285195614926917304994766121342901330",
                    "1889560324711062089177091328630260720221153765601231238715650562289804935970",
                    "4150523804923664151142435309968051550133270766858171566059780615187901817023",
                ],
            ),
            (
                Poseidon::Legacy,
                "MinaSignatureMainnet",
                [
                    "25220214331362653986409717908235786107802222826119905443072293294098933388948",
                    "7563646774167489166725044360539949525624365058064455335567047240620397351731",
                    "171774671134240704318655896509797243441784148630375331692878460323037832932",
                ],
            ),
            (
                Poseidon::Legacy,
                "CodaSignature*******",
                [
                    "28132119227444686413214523693400847740858213284875453355294308721084881982354",
                    "24895072146662946646133617369498198544578131474807621989761680811592073367193",
                    "3216013753133880902260672769141972972810073620591719805178695684388949134646",
                ],
            ),
        ];
        for (poseidon, prefix, expected) in cases {
            let expected = expected.map(field);
            assert_eq!(
                poseidon.salt(prefix).ok(),
                Some(expected),
                "{poseidon:?} {prefix}"
            );
            assert_eq!(
                poseidon.cached_salt(prefix).ok(),
                Some(expected),
                "{poseidon:?} {prefix}"
            );
        }
    }

    /// The permutation written plainly with arkworks' arithmetic.
    fn reference_permute<const N: usize>(params: &PoseidonParams<N>, state: &mut [Field; WIDTH]) {
        use ark_ff::Field as _;
        let mut offset = 0;
        if params.has_initial_round_constant {
            for (slot, constant) in state.iter_mut().zip(&params.round_constants[0]) {
                *slot += constant;
            }
            offset = 1;
        }
        for round in 0..params.full_rounds {
            let powered = state.map(|x| x.pow([params.power]));
            let constants = &params.round_constants[round + offset];
            *state = std::array::from_fn(|i| {
                (0..WIDTH)
                    .map(|j| params.mds[i][j] * powered[j])
                    .sum::<Field>()
                    + constants[i]
            });
        }
    }

    #[test]
    fn permutation_agrees_with_arkworks_arithmetic() {
        use ark_ff::{Field as _, UniformRand};
        let mut rng = ark_std::test_rng();
        let mut states = vec![[Field::ZERO; WIDTH], [-Field::ONE; WIDTH]];
        states.extend((0..200).map(|_| std::array::from_fn(|_| Field::rand(&mut rng))));
        for state in states {
            for poseidon in [Poseidon::Legacy, Poseidon::Kimchi] {
                let (mut ours, mut reference) = (state, state);
                poseidon.permute(&mut ours);
                match poseidon {
                    Poseidon::Legacy => reference_permute(&params::LEGACY, &mut reference),
                    Poseidon::Kimchi => reference_permute(&params::KIMCHI, &mut reference),
                }
                assert_eq!(ours, reference, "{poseidon:?}");
            }
        }
    }

    #[test]
    fn prefix_limits() {
        assert!(prefix_to_field("CodaSignature*******").is_ok());
        assert!(prefix_to_field(&"a".repeat(33)).is_err());
        // 32 bytes whose top byte is >= 0x40 exceed p
        assert!(prefix_to_field(&"z".repeat(32)).is_err());
        assert!(prefix_to_field(&"*".repeat(32)).is_ok());
    }
}
