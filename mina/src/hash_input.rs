//! Hash inputs in Mina's legacy form: a list of field elements and a list of bits. The bits
//! are packed into field elements 254 at a time for Poseidon, and everything is laid out as
//! 255-bit little-endian chunks for the blake2b nonce.

use ark_ff::{BigInteger, PrimeField};

use crate::curve::Field;

/// Bits in a serialized field element.
pub(crate) const FIELD_BITS: usize = 255;
/// Bits packed into one field element by the legacy packing.
const PACK_BITS: usize = FIELD_BITS - 1;

/// A legacy hash input (`Random_oracle_input.Legacy`): fields, then bits.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LegacyInput {
    /// Field elements, absorbed as they are.
    pub fields: Vec<Field>,
    /// Bits, least significant first within each integer, packed 254 to a field element.
    pub bits: Vec<bool>,
}

impl LegacyInput {
    /// Appends a field element.
    pub fn field(&mut self, x: Field) -> &mut Self {
        self.fields.push(x);
        self
    }

    /// Appends the `width` low bits of `value`, least significant first.
    pub fn uint(&mut self, value: u64, width: usize) -> &mut Self {
        self.bits.extend((0..width).map(|i| value >> i & 1 == 1));
        self
    }

    /// Appends one bit.
    pub fn bit(&mut self, bit: bool) -> &mut Self {
        self.bits.push(bit);
        self
    }

    /// Appends the bits of each byte, least significant first.
    pub fn bytes_lsb_first(&mut self, bytes: &[u8]) -> &mut Self {
        for byte in bytes {
            self.uint(u64::from(*byte), 8);
        }
        self
    }

    /// `packToFieldsLegacy`: the fields followed by the bits cut into 254-bit chunks, each read
    /// little-endian.
    pub fn pack_to_fields(&self) -> Vec<Field> {
        let mut out = self.fields.clone();
        out.extend(self.bits.chunks(PACK_BITS).map(field_from_bits));
        out
    }

    /// `inputToBitsLegacy`, packed into bytes: each field as 255 little-endian bits, then the
    /// bits; eight bits to a byte, least significant first, the last byte zero-padded.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut writer = BitWriter::default();
        for x in &self.fields {
            writer.field(x);
        }
        for bit in &self.bits {
            writer.bit(*bit);
        }
        writer.finish()
    }
}

/// Packs bits into bytes, least significant bit first.
#[derive(Debug, Default)]
pub(crate) struct BitWriter {
    bytes: Vec<u8>,
    used: usize,
}

impl BitWriter {
    pub(crate) fn bit(&mut self, bit: bool) {
        if self.used.is_multiple_of(8) {
            self.bytes.push(0);
        }
        if let (true, Some(last)) = (bit, self.bytes.last_mut()) {
            *last |= 1 << (self.used % 8);
        }
        self.used += 1;
    }

    /// Writes the first `count` bits of little-endian `bytes`.
    pub(crate) fn bits_le(&mut self, bytes: &[u8], count: usize) {
        for i in 0..count {
            self.bit(bytes[i / 8] >> (i % 8) & 1 == 1);
        }
    }

    /// Writes a field element as 255 little-endian bits.
    pub(crate) fn field(&mut self, x: &Field) {
        let bits = x.into_bigint().to_bits_le();
        for bit in bits.iter().take(FIELD_BITS) {
            self.bit(*bit);
        }
    }

    pub(crate) fn finish(self) -> Vec<u8> {
        self.bytes
    }
}

fn field_from_bits(bits: &[bool]) -> Field {
    let mut bytes = [0u8; 32];
    for (i, bit) in bits.iter().enumerate() {
        bytes[i / 8] |= u8::from(*bit) << (i % 8);
    }
    Field::from_le_bytes_mod_order(&bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packs_254_bits_per_field() {
        let input = LegacyInput {
            bits: vec![true; 300],
            ..LegacyInput::default()
        };
        let packed = input.pack_to_fields();
        assert_eq!(packed.len(), 2);
        assert_eq!(packed[1], Field::from((1u64 << 46) - 1));
    }

    #[test]
    fn bytes_are_lsb_first_and_fields_255_bits() {
        let mut input = LegacyInput::default();
        input.field(Field::from(3u8)).bit(true);
        let bytes = input.to_bytes();
        assert_eq!(bytes.len(), 32);
        assert_eq!(bytes[0], 3);
        // bit 255 (the first bit after the field) is the top bit of byte 31
        assert_eq!(bytes[31], 0x80);
    }
}
