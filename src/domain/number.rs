//! Customer numbers: the decimal ids the eGain door names customers by. Every customer has
//! one, whichever door made it. They are a keyed permutation of a counter shared by all
//! tenants, so they are unique without a per-tenant lock and tell nothing of how many
//! customers this or any other tenant has.

use sha2::{Digest, Sha256};

/// A customer's number with the counter value it was made from. The store keeps both: the
/// number to show, and the counter that makes it unique and finds it again, whose index
/// grows at its end as counters are handed out in order (an index of the permuted numbers
/// takes each new one at a random page, which cost an import half its time).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Numbered {
    pub number: u64,
    pub counter: u64,
}

/// Numbers are 40-bit: up to 13 decimal digits, never 0.
const HALF_BITS: u32 = 20;
const HALF_MASK: u64 = (1 << HALF_BITS) - 1;
const ROUNDS: u8 = 4;

/// A balanced Feistel network over 40 bits, keyed by the installation's secret: a bijection
/// between counter values and numbers. Its round keys are drawn from the secret once; a
/// round is a cheap keyed mix (every create takes a number, so a hash per round would cost
/// more than the rest of the pipeline's arithmetic).
#[derive(Clone)]
pub struct NumberCipher {
    round_keys: [u64; ROUNDS as usize],
}

impl std::fmt::Debug for NumberCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NumberCipher(***)")
    }
}

/// splitmix64's finaliser: every input bit reaches every output bit.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl NumberCipher {
    pub fn new(key: &[u8]) -> Self {
        let digest = Sha256::digest(key);
        let mut round_keys = [0u64; ROUNDS as usize];
        for (i, chunk) in digest.chunks_exact(8).enumerate() {
            round_keys[i] = u64::from_le_bytes(chunk.try_into().expect("8 bytes"));
        }
        Self { round_keys }
    }

    fn round(&self, round: u8, half: u64) -> u64 {
        mix(half ^ self.round_keys[usize::from(round)])
            .wrapping_add(self.round_keys[usize::from(round)])
            & HALF_MASK
    }

    /// The number of counter value `n`; `None` for the one value that maps to 0, and for
    /// counters past the 40 bits.
    pub fn number(&self, n: u64) -> Option<u64> {
        if n >> (2 * HALF_BITS) != 0 {
            return None;
        }
        let (mut left, mut right) = (n >> HALF_BITS, n & HALF_MASK);
        for round in 0..ROUNDS {
            (left, right) = (right, left ^ self.round(round, right));
        }
        let number = (left << HALF_BITS) | right;
        (number != 0).then_some(number)
    }

    /// A number with the counter it was made from; `None` when it is no number at all.
    pub fn numbered(&self, number: u64) -> Option<Numbered> {
        let counter = self.counter(number)?;
        Some(Numbered { number, counter })
    }

    /// The counter value a number was made from; `None` when it is no number at all.
    pub fn counter(&self, number: u64) -> Option<u64> {
        if number == 0 || number >> (2 * HALF_BITS) != 0 {
            return None;
        }
        let (mut left, mut right) = (number >> HALF_BITS, number & HALF_MASK);
        for round in (0..ROUNDS).rev() {
            (left, right) = (right ^ self.round(round, left), left);
        }
        Some((left << HALF_BITS) | right)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn numbers_are_unique_and_invertible() {
        let cipher = NumberCipher::new(b"key");
        let mut seen = HashSet::new();
        for n in 1..20_000u64 {
            if let Some(number) = cipher.number(n) {
                assert!(seen.insert(number), "{number} twice");
                assert_eq!(cipher.counter(number), Some(n));
                assert!(number < 1 << 40);
            }
        }
        assert!(seen.len() >= 19_998);
    }

    #[test]
    fn consecutive_counters_give_unrelated_numbers_under_another_key() {
        let (a, b) = (NumberCipher::new(b"one"), NumberCipher::new(b"two"));
        assert_ne!(a.number(1), b.number(1));
        let (x, y) = (a.number(1).unwrap(), a.number(2).unwrap());
        assert!(x.abs_diff(y) > 1000, "{x} and {y} are too close");
    }

    #[test]
    fn out_of_range_is_no_number() {
        let cipher = NumberCipher::new(b"key");
        assert_eq!(cipher.number(1 << 40), None);
        assert_eq!(cipher.counter(0), None);
        assert_eq!(cipher.counter(1 << 40), None);
    }
}
