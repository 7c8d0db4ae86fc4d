//! Integers as mina-signer reads them: JSON numbers, or strings as JavaScript's `BigInt()`
//! reads them (surrounding whitespace ignored, `""` is 0, `0x`/`0o`/`0b` prefixes, an optional
//! sign on decimals), then range-checked for Mina's unsigned types.

use serde_json::Value;

use crate::{Error, Result};

/// JavaScript's `StrWhiteSpaceChar`: white space and line terminators.
fn is_js_space(c: char) -> bool {
    matches!(
        c,
        '\u{9}' | '\u{a}' | '\u{b}' | '\u{c}' | '\u{d}' | ' ' | '\u{a0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200a}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202f}'
                | '\u{205f}'
                | '\u{3000}'
                | '\u{feff}'
    )
}

/// A non-negative integer of up to 256 bits, little-endian 64-bit limbs.
pub(crate) type U256 = [u64; 4];

/// Parses text as `BigInt(text)` does, for a non-negative result of at most 256 bits.
/// `Ok(None)` means the value is larger than 256 bits.
pub(crate) fn parse_js_u256(text: &str) -> Result<Option<U256>> {
    let trimmed = text.trim_matches(is_js_space);
    let not_integer = || Error::NotAnInteger(text.to_owned());
    if trimmed.is_empty() {
        return Ok(Some([0; 4]));
    }
    let (radix, digits, negative) = match trimmed.get(..2) {
        Some("0x" | "0X") => (16, &trimmed[2..], false),
        Some("0o" | "0O") => (8, &trimmed[2..], false),
        Some("0b" | "0B") => (2, &trimmed[2..], false),
        _ => match trimmed.strip_prefix('-') {
            Some(rest) => (10, rest, true),
            None => (10, trimmed.strip_prefix('+').unwrap_or(trimmed), false),
        },
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return Err(not_integer());
    }
    let mut value: U256 = [0; 4];
    let mut overflow = false;
    for c in digits.chars() {
        let digit = u64::from(c.to_digit(radix).ok_or_else(not_integer)?);
        overflow |= mul_add(&mut value, u64::from(radix), digit);
    }
    if negative && (overflow || value != [0; 4]) {
        return Err(Error::Negative(trimmed.to_owned()));
    }
    Ok((!overflow).then_some(value))
}

/// `value = value * factor + addend`; returns whether it overflowed 256 bits.
fn mul_add(value: &mut U256, factor: u64, addend: u64) -> bool {
    let mut carry = u128::from(addend);
    for limb in value.iter_mut() {
        let wide = u128::from(*limb) * u128::from(factor) + carry;
        *limb = wide as u64;
        carry = wide >> 64;
    }
    carry != 0
}

/// Decimal text of a 256-bit value.
pub(crate) fn u256_to_decimal(value: &U256) -> String {
    let mut limbs = *value;
    let mut digits = Vec::new();
    loop {
        let mut remainder = 0u128;
        for limb in limbs.iter_mut().rev() {
            let wide = (remainder << 64) | u128::from(*limb);
            *limb = (wide / 10) as u64;
            remainder = wide % 10;
        }
        digits.push(b'0' + remainder as u8);
        if limbs == [0; 4] {
            break;
        }
    }
    digits.reverse();
    String::from_utf8(digits).unwrap_or_default()
}

/// Parses text as `BigInt(text)` does and checks `0 ≤ value ≤ max`.
pub(crate) fn parse_js_uint(text: &str, max: u64) -> Result<u64> {
    let overflow = |value: String| Error::Overflow { value, max };
    match parse_js_u256(text)? {
        None => Err(overflow(text.trim_matches(is_js_space).to_owned())),
        Some([low, 0, 0, 0]) if low <= max => Ok(low),
        Some(value) => Err(overflow(u256_to_decimal(&value))),
    }
}

/// Reads a JSON value (number or string) as a 256-bit integer, as `BigInt(value)` would.
pub(crate) fn u256_from_json(value: &Value) -> Result<U256> {
    match value {
        Value::String(text) => parse_js_u256(text)?.ok_or_else(|| Error::Overflow {
            value: text.clone(),
            max: u64::MAX,
        }),
        other => uint_from_json(other, u64::MAX).map(|v| [v, 0, 0, 0]),
    }
}

/// Reads a JSON value (number or string) as an unsigned integer no larger than `max`.
pub(crate) fn uint_from_json(value: &Value, max: u64) -> Result<u64> {
    match value {
        Value::String(text) => parse_js_uint(text, max),
        Value::Number(number) => {
            if let Some(v) = number.as_u64() {
                if v <= max {
                    return Ok(v);
                }
                return Err(Error::Overflow {
                    value: v.to_string(),
                    max,
                });
            }
            if number.as_i64().is_some() {
                return Err(Error::Negative(number.to_string()));
            }
            if number
                .as_f64()
                .is_some_and(|f| f.fract() == 0.0 && f.abs() >= 9007199254740992.0)
            {
                return Err(Error::Imprecise(number.to_string()));
            }
            // integral doubles such as 16.0, exact below 2^53
            if let Some(f) = number
                .as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9007199254740992.0)
            {
                if f < 0.0 {
                    return Err(Error::Negative(number.to_string()));
                }
                return uint_from_json(&Value::from(f as u64), max);
            }
            Err(Error::NotAnInteger(number.to_string()))
        }
        other => Err(Error::JsonType {
            expected: "an integer as a number or a string",
            found: json_type(other),
        }),
    }
}

/// The JSON type of a value, for error messages.
pub(crate) fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_like_javascript_bigint() {
        for (text, expected) in [
            ("16", 16),
            (" 16 ", 16),
            ("0x10", 16),
            ("0b10000", 16),
            ("0o20", 16),
            ("", 0),
            ("+16", 16),
            ("-0", 0),
            ("\n\t7\u{a0}", 7),
        ] {
            assert_eq!(parse_js_uint(text, u64::MAX), Ok(expected), "{text:?}");
        }
        for text in ["1.5", "abc", "0x", "- 1", "1_000", "0x-1", "1e3"] {
            assert!(
                matches!(parse_js_uint(text, u64::MAX), Err(Error::NotAnInteger(_))),
                "{text:?}"
            );
        }
        assert!(matches!(
            parse_js_uint("-1", u64::MAX),
            Err(Error::Negative(_))
        ));
    }

    #[test]
    fn enforces_ranges() {
        assert_eq!(
            parse_js_uint("18446744073709551615", u64::MAX),
            Ok(u64::MAX)
        );
        assert!(matches!(
            parse_js_uint("18446744073709551616", u64::MAX),
            Err(Error::Overflow { .. })
        ));
        assert!(matches!(
            parse_js_uint("4294967296", u32::MAX.into()),
            Err(Error::Overflow { .. })
        ));
        assert!(matches!(
            parse_js_uint(&"9".repeat(60), u64::MAX),
            Err(Error::Overflow { .. })
        ));
        assert!(matches!(
            parse_js_uint(&"9".repeat(90), u64::MAX),
            Err(Error::Overflow { .. })
        ));
        let big = "57896044618658097711785492504343953926634992332820282019728792003956564819967";
        assert_eq!(
            parse_js_u256(big)
                .ok()
                .flatten()
                .map(|v| u256_to_decimal(&v))
                .as_deref(),
            Some(big)
        );
        assert!(matches!(
            uint_from_json(&serde_json::json!(1.5), u64::MAX),
            Err(Error::NotAnInteger(_))
        ));
        assert!(matches!(
            uint_from_json(&serde_json::json!(-3), u64::MAX),
            Err(Error::Negative(_))
        ));
        assert!(matches!(
            uint_from_json(&serde_json::json!(null), u64::MAX),
            Err(Error::JsonType { .. })
        ));
    }
}
