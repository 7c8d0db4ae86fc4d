//! Field elements of BLS12-381's scalar field as text: canonical decimal strings.
//!
//! A canonical decimal is ASCII digits only, no sign, no leading zero (except `"0"` itself),
//! and a value below the modulus r. Every JSON form of this crate writes field elements this
//! way and refuses anything else, so one element has exactly one text.

use std::str::FromStr;

use ark_ff::{BigInt, PrimeField};

use crate::{Error, Fr, Result};

/// The most digits a value below r can have (r has 77 decimal digits).
const MAX_DIGITS: usize = 77;

/// Writes `x` as a canonical decimal string.
pub fn to_decimal(x: &Fr) -> String {
    x.into_bigint().to_string()
}

/// Parses a canonical decimal string; `what` names the value in the error.
pub fn from_decimal(text: &str, what: &str) -> Result<Fr> {
    let refuse = |reason: &'static str| Error::FieldElement {
        what: what.to_owned(),
        reason,
    };
    if text.is_empty() {
        return Err(refuse("empty string"));
    }
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(refuse("only the digits 0-9 are allowed"));
    }
    if text.len() > 1 && text.starts_with('0') {
        return Err(refuse("leading zero"));
    }
    if text.len() > MAX_DIGITS {
        return Err(refuse("not below the field modulus"));
    }
    let value = BigInt::<4>::from_str(text).map_err(|()| refuse("not below the field modulus"))?;
    Fr::from_bigint(value).ok_or_else(|| refuse("not below the field modulus"))
}

/// Serde helpers: `#[serde(with = "webfn_circuits::decimal")]` on an `Fr` field.
pub mod decimal {
    use serde::{Deserialize, Deserializer, Serializer, de};

    use crate::Fr;

    /// Serializes as a canonical decimal string.
    pub fn serialize<S: Serializer>(x: &Fr, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&super::to_decimal(x))
    }

    /// Deserializes a canonical decimal string.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Fr, D::Error> {
        let text = String::deserialize(deserializer)?;
        super::from_decimal(&text, "value").map_err(de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use ark_ff::{BigInteger, UniformRand};
    use proptest::prelude::*;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    use super::*;

    const R: &str = "52435875175126190479447740508185965837690552500527637822603658699938581184513";

    #[test]
    fn modulus_and_neighbours() {
        assert_eq!(R.len(), MAX_DIGITS);
        assert!(from_decimal(R, "r").is_err());
        let r_minus_1 = from_decimal(
            "52435875175126190479447740508185965837690552500527637822603658699938581184512",
            "r-1",
        )
        .expect("r - 1 is an element");
        assert_eq!(r_minus_1, -Fr::from(1u64));
        assert_eq!(from_decimal("0", "zero").expect("zero"), Fr::from(0u64));
    }

    #[test]
    fn refuses_non_canonical_text() {
        for bad in [
            "", "-1", "+1", "01", "00", "1_000", " 1", "1 ", "0x10", "1e3", "١",
        ] {
            assert!(from_decimal(bad, "x").is_err(), "{bad:?} accepted");
        }
        let long = "1".repeat(78);
        assert!(from_decimal(&long, "x").is_err());
    }

    proptest! {
        #[test]
        fn decimal_round_trips(seed in any::<u64>()) {
            let x = Fr::rand(&mut ChaCha20Rng::seed_from_u64(seed));
            let text = to_decimal(&x);
            prop_assert_eq!(from_decimal(&text, "x").expect("round trip"), x);
            prop_assert!(!text.starts_with('0') || text == "0");
        }

        #[test]
        fn any_text_is_refused_or_round_trips(text in "[0-9]{0,80}|.{0,20}") {
            if let Ok(x) = from_decimal(&text, "x") {
                prop_assert_eq!(to_decimal(&x), text);
            }
        }

        #[test]
        fn values_at_or_above_r_are_refused(add in any::<u64>()) {
            let mut value = Fr::MODULUS;
            value.add_with_carry(&BigInt::from(add));
            prop_assert!(from_decimal(&value.to_string(), "x").is_err());
        }
    }
}
