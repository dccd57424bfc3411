//! Deterministic bucketing: MurmurHash3 x86 32-bit over `salt + ":" + unit`, mod 10000.
//!
//! Written here rather than taken from a crate because evaluation must not allocate: the hash
//! runs over the salt, the separator and the unit as separate slices, with no joined string.
//! The conformance vectors pin it to `murmur3_x86_32` with seed 0.

const C1: u32 = 0xcc9e_2d51;
const C2: u32 = 0x1b87_3593;

/// Number of buckets; rollouts and experiments compare against thresholds in `0..=BUCKETS`.
pub const BUCKETS: u32 = 10_000;

/// Incremental MurmurHash3 x86 32-bit. Cloning a hasher that has consumed a fixed prefix
/// (a rollout's `salt + ":"`) lets evaluation hash only the unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Murmur3 {
    h: u32,
    tail: [u8; 4],
    filled: usize,
    len: usize,
}

impl Murmur3 {
    pub fn new(seed: u32) -> Murmur3 {
        Murmur3 { h: seed, tail: [0; 4], filled: 0, len: 0 }
    }

    fn block(&mut self, k: u32) {
        self.h ^= mix_k(k);
        self.h = self.h.rotate_left(13).wrapping_mul(5).wrapping_add(0xe654_6b64);
    }

    pub fn update(&mut self, mut bytes: &[u8]) {
        self.len += bytes.len();
        while self.filled > 0 && self.filled < 4 {
            let Some((&b, rest)) = bytes.split_first() else { return };
            self.tail[self.filled] = b;
            self.filled += 1;
            bytes = rest;
        }
        if self.filled == 4 {
            self.block(u32::from_le_bytes(self.tail));
            self.filled = 0;
        }
        let mut chunks = bytes.chunks_exact(4);
        for chunk in &mut chunks {
            self.block(u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]));
        }
        for &b in chunks.remainder() {
            self.tail[self.filled] = b;
            self.filled += 1;
        }
    }

    pub fn finish(mut self) -> u32 {
        if self.filled > 0 {
            let mut k = 0u32;
            for i in (0..self.filled).rev() {
                k = (k << 8) | u32::from(self.tail[i]);
            }
            self.h ^= mix_k(k);
        }
        self.h ^= self.len as u32;
        fmix32(self.h)
    }
}

/// MurmurHash3 x86 32-bit of the concatenation of `parts`.
pub fn murmur3_x86_32(parts: &[&[u8]], seed: u32) -> u32 {
    let mut hasher = Murmur3::new(seed);
    for part in parts {
        hasher.update(part);
    }
    hasher.finish()
}

/// The hasher state after `salt + ":"`, to finish with a unit via [`bucket_from`].
pub fn salted(salt: &str) -> Murmur3 {
    let mut hasher = Murmur3::new(0);
    hasher.update(salt.as_bytes());
    hasher.update(b":");
    hasher
}

/// The longest unit [`bucket_from`] hashes from one stack buffer (ids are short).
const SHORT_UNIT: usize = 60;

/// `bucket(salt, unit)` from a [`salted`] prefix.
pub fn bucket_from(prefix: &Murmur3, unit: &str) -> u32 {
    let bytes = unit.as_bytes();
    if bytes.len() > SHORT_UNIT || prefix.filled > 3 {
        let mut hasher = *prefix;
        hasher.update(bytes);
        return hasher.finish() % BUCKETS;
    }
    // The prefix's pending bytes and the unit laid end to end once, then hashed a word at a
    // time: a rollout runs this per visitor, and byte-wise carrying was most of its cost.
    let mut stream = [0u8; SHORT_UNIT + 3];
    let pending = prefix.filled;
    stream[..pending].copy_from_slice(&prefix.tail[..pending]);
    stream[pending..pending + bytes.len()].copy_from_slice(bytes);
    let mut chunks = stream[..pending + bytes.len()].chunks_exact(4);
    let mut h = prefix.h;
    for chunk in &mut chunks {
        h ^= mix_k(u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]));
        h = h.rotate_left(13).wrapping_mul(5).wrapping_add(0xe654_6b64);
    }
    let tail = chunks.remainder();
    if !tail.is_empty() {
        let k = tail.iter().rev().fold(0u32, |k, &b| (k << 8) | u32::from(b));
        h ^= mix_k(k);
    }
    h ^= (prefix.len + bytes.len()) as u32;
    fmix32(h) % BUCKETS
}

fn mix_k(k: u32) -> u32 {
    k.wrapping_mul(C1).rotate_left(15).wrapping_mul(C2)
}

fn fmix32(mut h: u32) -> u32 {
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^= h >> 16;
    h
}

/// `bucket(salt, unit) = murmur3(salt + ":" + unit) mod 10000`.
pub fn bucket(salt: &str, unit: &str) -> u32 {
    murmur3_x86_32(&[salt.as_bytes(), b":", unit.as_bytes()], 0) % BUCKETS
}

/// `bucket` with a two-part salt (`"holdout:" + key`), without joining strings.
pub fn bucket_prefixed(prefix: &str, salt: &str, unit: &str) -> u32 {
    murmur3_x86_32(&[prefix.as_bytes(), salt.as_bytes(), b":", unit.as_bytes()], 0) % BUCKETS
}

/// The text of a numeric unit: an integer with `|n| <= 2^53 - 1`, in plain decimal.
/// Writes into `buf` and returns the written part; `None` for a fraction or an unsafe integer.
pub fn number_unit_text(n: f64, buf: &mut [u8; 24]) -> Option<&str> {
    const MAX_SAFE: f64 = 9_007_199_254_740_991.0;
    if !n.is_finite() || n.fract() != 0.0 || n.abs() > MAX_SAFE {
        return None;
    }
    let mut v = n as i64;
    let negative = v < 0;
    let mut pos = buf.len();
    if v == 0 {
        pos -= 1;
        buf[pos] = b'0';
    }
    while v != 0 {
        pos -= 1;
        buf[pos] = b'0' + (v % 10).unsigned_abs() as u8;
        v /= 10;
    }
    if negative {
        pos -= 1;
        buf[pos] = b'-';
    }
    std::str::from_utf8(&buf[pos..]).ok()
}

/// A rollout or holdout percentage (0..=100, at most two decimals) as a bucket threshold.
pub fn percent_threshold(percent: f64) -> Option<u32> {
    if !(0.0..=100.0).contains(&percent) {
        return None;
    }
    let scaled = (percent * 100.0).round();
    // At most two decimals: the scaled value must be (within float error) an integer.
    if (percent * 100.0 - scaled).abs() > 1e-6 {
        return None;
    }
    Some(scaled as u32)
}

/// One arm of an experiment, for [`assign`].
pub trait Weighted {
    fn weight(&self) -> u32;
}

impl Weighted for u32 {
    fn weight(&self) -> u32 {
        *self
    }
}

/// Where bucketing put a unit in an experiment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Assignment {
    Holdout,
    Arm(usize),
}

/// Experiment assignment exactly as `conformance/README.md` documents it.
/// `None` when the weights sum to zero.
pub fn assign<W: Weighted>(key: &str, unit: &str, holdout_threshold: u32, arms: &[W]) -> Option<Assignment> {
    if bucket_prefixed("holdout:", key, unit) < holdout_threshold {
        return Some(Assignment::Holdout);
    }
    let total: u64 = arms.iter().map(|a| u64::from(a.weight())).sum();
    if total == 0 {
        return None;
    }
    let b = u64::from(bucket(key, unit));
    let mut prefix = 0u64;
    for (i, arm) in arms.iter().enumerate() {
        prefix += u64::from(arm.weight());
        if b < u64::from(BUCKETS) * prefix / total {
            return Some(Assignment::Arm(i));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_salted_prefix_buckets_every_unit_length_as_the_whole_text_does() {
        let text = "u-0123456789abcdefghijklmnopqrstuvwxyzäöü-0123456789abcdefghijklmnopqrstuvwxyz";
        for salt in ["", "a", "ab", "abc", "rollout-7", "exp-home-hero-copy"] {
            let prefix = salted(salt);
            for end in (0..=text.len()).filter(|&end| text.is_char_boundary(end)) {
                let unit = &text[..end];
                assert_eq!(bucket_from(&prefix, unit), bucket(salt, unit), "salt {salt:?}, unit {unit:?}");
            }
        }
    }

    #[test]
    fn reference_vectors_from_the_contract() {
        assert_eq!(murmur3_x86_32(&[b""], 0), 0);
        assert_eq!(murmur3_x86_32(&[b"hello"], 0), 0x248b_fa47);
        assert_eq!(murmur3_x86_32(&[b"The quick brown fox jumps over the lazy dog"], 0), 0x2e4f_f723);
    }

    #[test]
    fn split_input_hashes_like_joined_input() {
        assert_eq!(murmur3_x86_32(&[b"The qu", b"ick brown", b" fox jumps over the lazy dog"], 0), 0x2e4f_f723);
    }

    #[test]
    fn salted_prefix_hashes_like_the_whole_input() {
        for (salt, unit) in [("", ""), ("exp", "user-42"), ("abc", "d"), ("holdout:exp-1", "\u{1F600}x")] {
            assert_eq!(bucket_from(&salted(salt), unit), bucket(salt, unit), "{salt}:{unit}");
        }
    }

    #[test]
    fn number_units_are_plain_integers() {
        let mut buf = [0u8; 24];
        assert_eq!(number_unit_text(42.0, &mut buf), Some("42"));
        assert_eq!(number_unit_text(-0.0, &mut buf), Some("0"));
        assert_eq!(number_unit_text(-17.0, &mut buf), Some("-17"));
        assert_eq!(number_unit_text(9_007_199_254_740_991.0, &mut buf), Some("9007199254740991"));
        assert_eq!(number_unit_text(9_007_199_254_740_992.0, &mut buf), None);
        assert_eq!(number_unit_text(1.5, &mut buf), None);
    }

    #[test]
    fn percent_thresholds_round_two_decimals() {
        assert_eq!(percent_threshold(33.33), Some(3333));
        assert_eq!(percent_threshold(100.0), Some(10_000));
        assert_eq!(percent_threshold(12.345), None);
        assert_eq!(percent_threshold(-1.0), None);
    }
}
