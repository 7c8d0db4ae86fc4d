//! Montgomery arithmetic in radix 2^30, shaped for WebAssembly: the engine of the MSM's `Fq`
//! (thirteen limbs, [`crate::msm`]) and of [`fr::Fr30`] (nine limbs, Poseidon's field in
//! WebAssembly).
//!
//! WebAssembly has no 64×64→128-bit multiply, so arkworks' 64-bit limbs emulate each limb
//! product. Here an element is 30-bit limbs in `u64` words, in Montgomery form with R = 2^(30·n)
//! (> 4·modulus): limb products fit in 60 bits, so a column of the product (at most 13 of them,
//! plus a carry below 2^35) sums below 13·2^60 + 2^35 < 2^64 without carries, and so does its
//! column of the reduction; the two are added by halves (30 low bits, the rest) so that nothing
//! overflows. This is the scheme of `mina/src/radix29.rs` for the Pasta field and of the ZPrize
//! 2022 WebAssembly MSM entries. Values are kept canonical (below the modulus), so equality is
//! limb equality.

pub(crate) mod fft;
pub(crate) mod fr;

pub(crate) const BITS: usize = 30;
pub(crate) const MASK: u64 = (1 << BITS) - 1;

/// Runs `$body` once for each listed index, with `$i` a constant: straight-line code (a field
/// module defines `each!` with its limb indices on top of it).
macro_rules! unroll {
    ($i:ident, $body:block, $($n:literal)*) => {
        $({
            #[allow(non_upper_case_globals)]
            const $i: usize = $n;
            $body
        })*
    };
}
pub(crate) use unroll;

/// `a < b`, for conditions on `each!`'s constants (folded by the compiler).
pub(crate) const fn below(a: usize, b: usize) -> bool {
    a < b
}

/// Generates, in the calling module, the Montgomery product of its field: `gap`,
/// `product_column` and `montgomery_columns`, for the module's `LIMBS`, modulus `P` (limbs),
/// `INV` (−P⁻¹ mod 2^30) and `each!` (a block per limb index, by [`unroll!`]).
macro_rules! montgomery {
    () => {
        /// `k − i` as a limb index where the condition around it holds
        /// (`i ≤ k < i + LIMBS`), and some index in bounds in the branches the compiler drops.
        const fn gap(k: usize, i: usize) -> usize {
            k.wrapping_sub(i) % LIMBS
        }

        /// Column `c` of the product a·b, or of a² if `SQUARE` (each cross product once,
        /// doubled). `c` is a constant where this is inlined, and the conditions fold away.
        #[inline(always)]
        fn product_column<const SQUARE: bool>(a: &[u64; LIMBS], b: &[u64; LIMBS], c: usize) -> u64 {
            use $crate::radix30::below;
            let mut sum = 0u64;
            if SQUARE {
                each!(i, {
                    if below(2 * i, c) && below(c - i, LIMBS) {
                        sum += a[i] * a[gap(c, i)];
                    }
                });
                sum <<= 1;
                if c.is_multiple_of(2) && below(c / 2, LIMBS) {
                    sum += a[c / 2] * a[c / 2];
                }
            } else {
                each!(i, {
                    if below(c.wrapping_sub(i), LIMBS) {
                        sum += a[i] * b[gap(c, i)];
                    }
                });
            }
            sum
        }

        /// Montgomery reduction, by product scanning, of the value whose column `c` (of
        /// weight 2^(30·c), for c < 2·LIMBS) is `column(c)` (each below LIMBS·2^60, the whole
        /// below P·R), to canonical limbs: the column and column k of m·P (m chosen limb by
        /// limb so that the low columns vanish) are summed in separate accumulators, then
        /// shifted into the next column. Unrolled by `each!`: LLVM keeps loops of this size,
        /// and their memory traffic costs wasm32 more than the multiplications.
        #[inline(always)]
        fn montgomery_columns(column: impl Fn(usize) -> u64) -> [u64; LIMBS] {
            use $crate::radix30::{BITS, MASK, below};
            let mut m = [0u64; LIMBS];
            let mut r = [0u64; LIMBS];
            let mut carry = 0u64;
            each!(k, {
                let mut mp = 0u64;
                each!(i, {
                    if below(i, k) {
                        mp += m[i] * P[gap(k, i)];
                    }
                });
                let ab = carry + column(k);
                m[k] = ab.wrapping_add(mp).wrapping_mul(INV) & MASK;
                // ab + mp + m[k]·P[0] ≡ 0 mod 2^30; its high part without overflowing 64 bits
                let low = (ab & MASK) + (mp & MASK) + m[k] * P[0];
                carry = (ab >> BITS) + (mp >> BITS) + (low >> BITS);
            });
            each!(j, {
                // column LIMBS + j (the last, 2·LIMBS − 1, has no m·P part)
                if below(j, LIMBS - 1) {
                    let mut mp = 0u64;
                    each!(i, {
                        if below(j, i) {
                            mp += m[i] * P[gap(LIMBS + j, i)];
                        }
                    });
                    let ab = carry + column(LIMBS + j);
                    let low = (ab & MASK) + (mp & MASK);
                    r[j] = low & MASK;
                    carry = (ab >> BITS) + (mp >> BITS) + (low >> BITS);
                }
            });
            r[LIMBS - 1] = carry + column(2 * LIMBS - 1);
            $crate::radix30::reduce_once(r, &P)
        }
    };
}
pub(crate) use montgomery;

/// Splits little-endian 64-bit words into `L` 30-bit limbs.
pub(crate) const fn split<const W: usize, const L: usize>(words: &[u64; W]) -> [u64; L] {
    let mut out = [0u64; L];
    let mut i = 0;
    while i < L {
        let bit = i * BITS;
        let (word, offset) = (bit / 64, bit % 64);
        let mut value = if word < W { words[word] >> offset } else { 0 };
        if offset + BITS > 64 && word + 1 < W {
            value |= words[word + 1] << (64 - offset);
        }
        out[i] = value & MASK;
        i += 1;
    }
    out
}

/// Joins 30-bit limbs (a value below 2^(64·W)) into `W` little-endian 64-bit words.
pub(crate) fn join<const L: usize, const W: usize>(limbs: &[u64; L]) -> [u64; W] {
    let mut words = [0u64; W];
    for (i, limb) in limbs.iter().enumerate() {
        let bit = i * BITS;
        let (word, offset) = (bit / 64, bit % 64);
        if word < W {
            words[word] |= limb << offset;
        }
        if offset + BITS > 64 && word + 1 < W {
            words[word + 1] |= limb >> (64 - offset);
        }
    }
    words
}

/// `a + b` with carries, unreduced.
#[inline(always)]
pub(crate) fn add<const L: usize>(a: &[u64; L], b: &[u64; L]) -> [u64; L] {
    let mut r = [0u64; L];
    let mut carry = 0u64;
    for (k, slot) in r.iter_mut().enumerate() {
        let v = a[k] + b[k] + carry;
        *slot = v & MASK;
        carry = v >> BITS;
    }
    r
}

/// `a + b mod p` for canonical `a`, `b`.
#[inline(always)]
pub(crate) fn add_mod<const L: usize>(a: &[u64; L], b: &[u64; L], p: &[u64; L]) -> [u64; L] {
    reduce_once(add(a, b), p)
}

/// `a − b mod p` for canonical `a`, `b`.
#[inline(always)]
pub(crate) fn sub_mod<const L: usize>(a: &[u64; L], b: &[u64; L], p: &[u64; L]) -> [u64; L] {
    let mut r = [0u64; L];
    let mut borrow = 0u64;
    for (k, slot) in r.iter_mut().enumerate() {
        let d = a[k].wrapping_sub(b[k]).wrapping_sub(borrow);
        *slot = d & MASK;
        borrow = d >> 63;
    }
    // below zero: add p back (the carry out of the top limb cancels the borrow), without a
    // branch (it would be taken half the time, unpredictably)
    let mask = 0u64.wrapping_sub(borrow);
    let mut carry = 0u64;
    for (k, slot) in r.iter_mut().enumerate() {
        let v = *slot + (p[k] & mask) + carry;
        *slot = v & MASK;
        carry = v >> BITS;
    }
    r
}

/// Subtracts p once if the value (below 2p) is at least p.
#[inline(always)]
pub(crate) fn reduce_once<const L: usize>(x: [u64; L], p: &[u64; L]) -> [u64; L] {
    let mut s = [0u64; L];
    let mut borrow = 0u64;
    for (k, slot) in s.iter_mut().enumerate() {
        let d = x[k].wrapping_sub(p[k]).wrapping_sub(borrow);
        *slot = d & MASK;
        borrow = d >> 63;
    }
    if borrow == 0 { s } else { x }
}
