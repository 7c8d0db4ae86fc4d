//! Poseidon over the Pallas base field with Mina's two parameter sets, and the sponge as
//! mina-signer drives it: absorb in blocks of the rate (zero-padded), squeeze the first state
//! element; `hash_with_prefix` first absorbs the prefix string as one field element (the salt).

mod lazy;
mod params;
mod wasm;

use std::sync::OnceLock;

use ark_ff::{AdditiveGroup, Field as _};

use crate::curve::{Field, field_from_bytes};
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

#[inline(always)]
fn sbox<const POWER: u64>(x: Field) -> Field {
    match POWER {
        5 => {
            let x2 = x.square();
            x2.square() * x
        }
        7 => {
            let x2 = x.square();
            let x4 = x2.square();
            x4 * x2 * x
        }
        _ => x.pow([POWER]),
    }
}

/// Mina's rotated round structure: `SBOX → MDS → ARK` per round, with an optional round
/// constant addition before the first round. `POWER` must equal `params.power`.
fn permute<const N: usize, const POWER: u64>(
    params: &PoseidonParams<N>,
    state: &mut [Field; WIDTH],
) {
    debug_assert_eq!(params.power, POWER);
    let mut offset = 0;
    if params.has_initial_round_constant {
        for (slot, constant) in state.iter_mut().zip(&params.round_constants[0]) {
            *slot += constant;
        }
        offset = 1;
    }
    for round in 0..params.full_rounds {
        let powered = state.map(sbox::<POWER>);
        let constants = &params.round_constants[round + offset];
        for (i, slot) in state.iter_mut().enumerate() {
            *slot = lazy::dot3(&params.mds[i], &powered) + constants[i];
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

    #[test]
    fn prefix_limits() {
        assert!(prefix_to_field("CodaSignature*******").is_ok());
        assert!(prefix_to_field(&"a".repeat(33)).is_err());
        // 32 bytes whose top byte is >= 0x40 exceed p
        assert!(prefix_to_field(&"z".repeat(32)).is_err());
        assert!(prefix_to_field(&"*".repeat(32)).is_ok());
    }
}
