//! A DDSketch (Masson, Rim and Lee, VLDB 2019) with 1% relative accuracy over non-negative
//! values, and its stored form.
//!
//! Values fall into logarithmic bins: bin `k` holds the values in `(γ^(k−1), γ^k]` with
//! `γ = (1 + α) / (1 − α)`, and answers for them with `2γ^k / (γ + 1)`, which is within α of
//! every value in the bin. Two sketches merge by adding their bin counts, so a sketch of an hour
//! merged with the next hour's equals the sketch of both hours built at once: that is what lets
//! rollups answer percentiles for any range of hours.
//!
//! Quantiles interpolate between the two ranks around `q · (n − 1)`, as `percentile_cont` does,
//! so an answer is within α of the exact `percentile_cont` of the values, not just of one of them.
//!
//! ## Stored form, format 1
//! ```text
//! u8      format = 1 (α = 0.01)
//! varint  count (all values, zeros included)
//! -- when count > 0:
//! varint  zero_count (values below 1e-9, answered as 0)
//! f64 LE  min, f64 LE max (exact)
//! varint  number of non-empty bins, then per bin, in increasing key order:
//!         zigzag varint key (the first absolute, the rest as the difference to the previous key)
//!         varint count
//! ```
//! The encoding depends only on the multiset of values added, never on their order, so rebuilt
//! rollups are byte-identical to incrementally maintained ones.

use std::fmt;

/// The relative accuracy every quantile is guaranteed.
pub const RELATIVE_ACCURACY: f64 = 0.01;

/// Values below this count as zero: bins would otherwise go on forever towards 0.
const MIN_POSITIVE: f64 = 1e-9;

const FORMAT: u8 = 1;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SketchError {
    #[error("empty sketch bytes")]
    Empty,
    #[error("unknown sketch format {0} (this build reads format {FORMAT})")]
    UnknownFormat(u8),
    #[error("sketch bytes end too early")]
    Truncated,
    #[error("corrupt sketch: {0}")]
    Corrupt(&'static str),
}

/// The bin mapping, fixed by the format.
#[derive(Debug, Clone, Copy)]
struct Mapping {
    /// `1 / ln γ`
    multiplier: f64,
    gamma: f64,
}

const MAPPING: Mapping = {
    // ln γ cannot be computed in a const, so it is spelled out: ln(1.01 / 0.99).
    let gamma = (1.0 + RELATIVE_ACCURACY) / (1.0 - RELATIVE_ACCURACY);
    Mapping {
        multiplier: 1.0 / 0.020_000_666_706_669_435,
        gamma,
    }
};

impl Mapping {
    fn key(self, value: f64) -> i32 {
        (value.ln() * self.multiplier).ceil() as i32
    }

    fn value(self, key: i32) -> f64 {
        2.0 * self.gamma.powi(key) / (self.gamma + 1.0)
    }
}

/// A mergeable quantile sketch of non-negative values.
#[derive(Clone, Default, PartialEq)]
pub struct Sketch {
    totals: Totals,
    /// The non-empty bins as (key, count), sorted by key. Sparse, because a rollup holds one
    /// sketch per endpoint and hour, most of a few dozen values spread over hundreds of keys.
    bins: Vec<(i32, u64)>,
}

impl fmt::Debug for Sketch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sketch")
            .field("count", &self.totals.count)
            .field("min", &self.totals.min)
            .field("max", &self.totals.max)
            .field("bins", &self.bins.len())
            .finish()
    }
}

impl Sketch {
    pub fn new() -> Sketch {
        Sketch::default()
    }

    /// The number of values added.
    pub fn count(&self) -> u64 {
        self.totals.count
    }

    pub fn is_empty(&self) -> bool {
        self.totals.count == 0
    }

    /// Memory held beyond the struct, for DataFusion's memory accounting.
    pub fn heap_size(&self) -> usize {
        self.bins.capacity() * size_of::<(i32, u64)>()
    }

    /// Adds a value. Negative, infinite and NaN values are not counted: the sketch is defined
    /// for the non-negative measurements it holds (TTFT, throughput), which validation ensures.
    pub fn add(&mut self, value: f64) {
        if let Some(key) = self.totals.add(value) {
            self.add_to_bin(key, 1);
        }
    }

    fn add_to_bin(&mut self, key: i32, count: u64) {
        // Values arrive roughly in order of magnitude per endpoint: the last bin is the usual hit.
        match self.bins.last_mut() {
            Some(last) if last.0 == key => last.1 += count,
            Some(last) if last.0 < key => self.bins.push((key, count)),
            None => self.bins.push((key, count)),
            _ => match self.bins.binary_search_by_key(&key, |&(k, _)| k) {
                Ok(i) => self.bins[i].1 += count,
                Err(i) => self.bins.insert(i, (key, count)),
            },
        }
    }

    /// Adds every value of `other`: the result is the sketch of both sets of values.
    pub fn merge(&mut self, other: &Sketch) {
        if other.is_empty() {
            return;
        }
        self.totals.merge(&other.totals);
        // Both bin lists are sorted: one linear merge.
        let mut merged = Vec::with_capacity(self.bins.len().max(other.bins.len()));
        let (mut mine, mut theirs) = (self.bins.iter().peekable(), other.bins.iter().peekable());
        loop {
            let next = match (mine.peek(), theirs.peek()) {
                (Some(&&(a, n)), Some(&&(b, m))) if a == b => {
                    mine.next();
                    theirs.next();
                    (a, n + m)
                }
                (Some(&&a), Some(&&b)) if a.0 < b.0 => *mine.next().unwrap_or(&a),
                (_, Some(_)) => *theirs.next().unwrap_or(&(0, 0)),
                (Some(_), None) => *mine.next().unwrap_or(&(0, 0)),
                (None, None) => break,
            };
            merged.push(next);
        }
        self.bins = merged;
    }

    /// The `q`-quantile, `q` in [0, 1], interpolated like `percentile_cont`; `None` when the
    /// sketch is empty or `q` is out of range.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        if self.is_empty() || !(0.0..=1.0).contains(&q) {
            return None;
        }
        let mut ranks = RankBins::new(&self.totals, q);
        for &(key, count) in &self.bins {
            ranks.see(key, count);
        }
        Some(ranks.quantile())
    }

    /// The stored form (format 1, see the module documentation).
    pub fn to_bytes(&self) -> Vec<u8> {
        write_stored(&self.totals, self.bins.len(), self.bins.iter().copied())
    }

    /// Reads the stored form, checking that it is complete and consistent.
    pub fn from_bytes(bytes: &[u8]) -> Result<Sketch, SketchError> {
        let mut bins = Vec::new();
        let Some(header) = read_stored(bytes, |_, key, count| bins.push((key, count)))? else {
            return Ok(Sketch::default());
        };
        Ok(Sketch {
            totals: header,
            bins,
        })
    }
}

/// The number of values of a stored sketch, with the bytes checked as [`Sketch::from_bytes`]
/// checks them, without building the sketch.
pub fn stored_count(bytes: &[u8]) -> Result<u64, SketchError> {
    Ok(read_stored(bytes, |_, _, _| {})?.map_or(0, |totals| totals.count))
}

/// `Sketch::from_bytes(bytes)?.quantile(q)` in one pass over the stored bins, building nothing:
/// a view reads a few quantiles from each of hundreds of sketches.
pub fn stored_quantile(bytes: &[u8], q: f64) -> Result<Option<f64>, SketchError> {
    if !(0.0..=1.0).contains(&q) {
        return Ok(None);
    }
    let mut ranks: Option<RankBins> = None;
    let totals = read_stored(bytes, |totals, key, count| {
        ranks
            .get_or_insert_with(|| RankBins::new(totals, q))
            .see(key, count);
    })?;
    // A sketch of zeros alone has no bins.
    Ok(totals.map(|totals| {
        ranks
            .unwrap_or_else(|| RankBins::new(&totals, q))
            .quantile()
    }))
}

/// The two neighbouring ranks around `q · (n − 1)` that a quantile interpolates between, and
/// the bins they fall in, found in one pass over the bins in key order.
struct RankBins {
    totals: Totals,
    /// The lower rank (0-based); the upper is the next.
    low: u64,
    /// The weight of the upper rank.
    fraction: f64,
    /// Values in the bins seen so far, zeros included.
    seen: u64,
    low_key: Option<i32>,
    high_key: Option<i32>,
}

impl RankBins {
    /// For a sketch of `totals`, which holds at least one value.
    fn new(totals: &Totals, q: f64) -> RankBins {
        let rank = q * totals.count.saturating_sub(1) as f64;
        let low = rank.floor();
        RankBins {
            totals: *totals,
            low: low as u64,
            fraction: rank - low,
            seen: totals.zero_count,
            low_key: None,
            high_key: None,
        }
    }

    fn see(&mut self, key: i32, count: u64) {
        // Saturating: corrupt stored counts are caught after the bins are read.
        self.seen = self.seen.saturating_add(count);
        if self.low_key.is_none() && self.low < self.seen {
            self.low_key = Some(key);
        }
        if self.high_key.is_none() && self.low + 1 < self.seen {
            self.high_key = Some(key);
        }
    }

    fn quantile(&self) -> f64 {
        let low = self.value_at_rank(self.low, self.low_key);
        if self.fraction == 0.0 {
            return low;
        }
        let high = self.value_at_rank(self.low + 1, self.high_key);
        low + self.fraction * (high - low)
    }

    /// The value of the `rank`-th smallest value, whose bin is `key`, within α; the extremes
    /// are exact.
    fn value_at_rank(&self, rank: u64, key: Option<i32>) -> f64 {
        let Totals {
            count,
            zero_count,
            min,
            max,
        } = self.totals;
        if rank == 0 {
            return min;
        }
        if rank + 1 >= count {
            return max;
        }
        if rank < zero_count {
            return 0.0;
        }
        key.map_or(max, |key| MAPPING.value(key).clamp(min, max))
    }
}

/// A sketch whose bins are a dense array of counts indexed by key, for `sketch_merge`: merging a
/// stored sketch adds its bin counts in place, with no allocation per sketch merged and no
/// list merge. Few groups take many merges there (an endpoint's hours over a week), and a dense
/// array spans at most the keys between the smallest and largest value (about 230 for values
/// from 0.1 to 10).
#[derive(Clone, Debug, Default)]
pub struct DenseSketch {
    totals: Totals,
    /// The key of `counts[0]`.
    offset: i32,
    counts: Vec<u64>,
}

impl DenseSketch {
    pub fn new() -> DenseSketch {
        DenseSketch::default()
    }

    pub fn is_empty(&self) -> bool {
        self.totals.count == 0
    }

    /// Memory held beyond the struct, for DataFusion's memory accounting.
    pub fn heap_size(&self) -> usize {
        self.counts.capacity() * size_of::<u64>()
    }

    /// Adds every value of a stored sketch. On an error the sketch is left part-merged: the
    /// query that fed it fails.
    pub fn merge_stored(&mut self, bytes: &[u8]) -> Result<(), SketchError> {
        let (offset, counts) = (&mut self.offset, &mut self.counts);
        let header = read_stored(
            bytes,
            #[inline(always)]
            |totals, key, count| match counts.get_mut(key.wrapping_sub(*offset) as usize) {
                Some(slot) => *slot += count,
                None => grow_to_stored(offset, counts, totals, key, count),
            },
        )?;
        if let Some(header) = header {
            self.totals.merge(&header);
        }
        Ok(())
    }

    /// Adds a value, as [`Sketch::add`] does.
    pub fn add(&mut self, value: f64) {
        if let Some(key) = self.totals.add(value) {
            add_dense(&mut self.offset, &mut self.counts, key, 1);
        }
    }

    /// The stored form, the same bytes as [`Sketch::to_bytes`] of the same values, written from
    /// the dense bins without building that sketch.
    pub fn to_bytes(&self) -> Vec<u8> {
        let filled = self.counts.iter().filter(|&&count| count > 0).count();
        write_stored(&self.totals, filled, self.bins())
    }

    /// The same values as a [`Sketch`]: the tests compare the two kinds by it.
    #[cfg(test)]
    fn to_sketch(&self) -> Sketch {
        if self.is_empty() {
            return Sketch::default();
        }
        Sketch {
            totals: self.totals,
            bins: self.bins().collect(),
        }
    }

    /// The filled bins, as (key, count) in key order.
    fn bins(&self) -> impl Iterator<Item = (i32, u64)> + '_ {
        (self.offset..)
            .zip(&self.counts)
            .filter(|&(_, &count)| count > 0)
            .map(|(key, &count)| (key, count))
    }
}

/// [`add_dense`] for a stored sketch's bin outside the dense bins. The stored bins run up to the
/// bin of their exact maximum, so the dense bins grow to span that too: the sketch's other bins
/// then fall inside, and merging stays a plain add per bin.
#[cold]
fn grow_to_stored(offset: &mut i32, counts: &mut Vec<u64>, totals: &Totals, key: i32, count: u64) {
    add_dense(offset, counts, key, count);
    add_dense(offset, counts, MAPPING.key(totals.max).max(key), 0);
}

/// Adds `count` to bin `key` of dense bins starting at key `offset`, growing them to reach it.
fn add_dense(offset: &mut i32, counts: &mut Vec<u64>, key: i32, count: u64) {
    if counts.is_empty() {
        *offset = key;
    }
    if key < *offset {
        // Merging, only a stored sketch's first (smallest) key can fall below the range.
        let grow = (*offset - key) as usize;
        counts.splice(0..0, std::iter::repeat_n(0, grow));
        *offset = key;
    }
    let index = (key - *offset) as usize;
    if index >= counts.len() {
        counts.resize(index + 1, 0);
    }
    counts[index] += count;
}

/// The keys a stored bin may have: those of values from `MIN_POSITIVE` to `f64::MAX` (-1036 to
/// 35488, checked by a test), with a margin. Bounding them keeps a corrupt key from sizing a
/// [`DenseSketch`].
const STORED_KEYS: std::ops::RangeInclusive<i64> = -1100..=36000;

/// What a sketch knows besides its bins; a stored sketch's header.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Totals {
    /// All values, zeros included.
    count: u64,
    /// Values below `MIN_POSITIVE`, which have no bin.
    zero_count: u64,
    min: f64,
    max: f64,
}

impl Default for Totals {
    fn default() -> Self {
        Totals {
            count: 0,
            zero_count: 0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
        }
    }
}

impl Totals {
    /// Counts a value and returns the key of the bin it goes in; `None` when it needs no bin:
    /// a zero, or a negative, infinite or NaN value, which no sketch counts (they are defined
    /// for the non-negative measurements validation lets through).
    fn add(&mut self, value: f64) -> Option<i32> {
        if !value.is_finite() || value < 0.0 {
            return None;
        }
        self.count += 1;
        self.min = self.min.min(value);
        self.max = self.max.max(value);
        if value < MIN_POSITIVE {
            self.zero_count += 1;
            return None;
        }
        Some(MAPPING.key(value))
    }

    fn merge(&mut self, other: &Totals) {
        self.count += other.count;
        self.zero_count += other.zero_count;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
    }
}

/// The stored form (format 1, see the module documentation) of a sketch of `totals` whose
/// `filled` non-empty bins are `bins`, in increasing key order.
fn write_stored(totals: &Totals, filled: usize, bins: impl Iterator<Item = (i32, u64)>) -> Vec<u8> {
    let mut out = Vec::with_capacity(24 + 3 * filled);
    out.push(FORMAT);
    put_varint(&mut out, totals.count);
    if totals.count == 0 {
        return out;
    }
    put_varint(&mut out, totals.zero_count);
    out.extend_from_slice(&totals.min.to_le_bytes());
    out.extend_from_slice(&totals.max.to_le_bytes());
    put_varint(&mut out, filled as u64);
    let mut previous = 0i64;
    for (key, count) in bins {
        let key = i64::from(key);
        put_varint(&mut out, zigzag(key - previous));
        put_varint(&mut out, count);
        previous = key;
    }
    out
}

/// Reads the stored form, handing each bin to `on_bin` in increasing key order, with the
/// header's totals; `None` for the empty sketch. Checks that the bytes are complete and
/// consistent.
#[inline(always)] // into each caller with its `on_bin`: the loop is the hot path of `sketch_merge`
fn read_stored(
    bytes: &[u8],
    mut on_bin: impl FnMut(&Totals, i32, u64),
) -> Result<Option<Totals>, SketchError> {
    let (&format, mut rest) = bytes.split_first().ok_or(SketchError::Empty)?;
    if format != FORMAT {
        return Err(SketchError::UnknownFormat(format));
    }
    let count = take_varint(&mut rest)?;
    if count == 0 {
        return if rest.is_empty() {
            Ok(None)
        } else {
            Err(SketchError::Corrupt("bytes after an empty sketch"))
        };
    }
    let zero_count = take_varint(&mut rest)?;
    let min = take_f64(&mut rest)?;
    let max = take_f64(&mut rest)?;
    if !(min.is_finite() && max.is_finite() && min <= max) {
        return Err(SketchError::Corrupt("min and max"));
    }
    let filled = take_varint(&mut rest)?;
    // Each bin takes at least two bytes: a count beyond that is corrupt.
    if filled > rest.len() as u64 / 2 {
        return Err(SketchError::Truncated);
    }
    let totals = Totals {
        count,
        zero_count,
        min,
        max,
    };
    let mut key = 0i64;
    let mut total = zero_count;
    for index in 0..filled {
        let (delta, bin_count) = take_bin(&mut rest)?;
        if index > 0 && delta <= 0 {
            return Err(SketchError::Corrupt("bin keys out of order"));
        }
        key = key
            .checked_add(delta)
            .filter(|key| STORED_KEYS.contains(key))
            .ok_or(SketchError::Corrupt("bin key"))?;
        if bin_count == 0 {
            return Err(SketchError::Corrupt("empty bin"));
        }
        // In range by the check above.
        on_bin(&totals, key as i32, bin_count);
        total = total
            .checked_add(bin_count)
            .ok_or(SketchError::Corrupt("count overflow"))?;
    }
    if total != count {
        return Err(SketchError::Corrupt(
            "bin counts do not add up to the count",
        ));
    }
    if !rest.is_empty() {
        return Err(SketchError::Corrupt("bytes after the last bin"));
    }
    Ok(Some(totals))
}

/// One bin's key difference and count. Both nearly always fit in a byte each, and then they
/// are read as two bytes, without the varint loop.
#[inline(always)]
fn take_bin(bytes: &mut &[u8]) -> Result<(i64, u64), SketchError> {
    if let [delta, count, ref rest @ ..] = **bytes
        && (delta | count) < 0x80
    {
        *bytes = rest;
        return Ok((unzigzag(u64::from(delta)), u64::from(count)));
    }
    let delta = unzigzag(take_varint(bytes)?);
    Ok((delta, take_varint(bytes)?))
}

fn zigzag(value: i64) -> u64 {
    ((value << 1) ^ (value >> 63)) as u64
}

fn unzigzag(value: u64) -> i64 {
    ((value >> 1) as i64) ^ -((value & 1) as i64)
}

/// LEB128, as Protocol Buffers and Parquet spell unsigned varints.
fn put_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

fn take_varint(bytes: &mut &[u8]) -> Result<u64, SketchError> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let (&byte, rest) = bytes.split_first().ok_or(SketchError::Truncated)?;
        *bytes = rest;
        value |= u64::from(byte & 0x7f) << shift;
        if byte < 0x80 {
            return Ok(value);
        }
    }
    Err(SketchError::Corrupt("varint longer than 64 bits"))
}

fn take_f64(bytes: &mut &[u8]) -> Result<f64, SketchError> {
    let (head, rest) = bytes.split_at_checked(8).ok_or(SketchError::Truncated)?;
    *bytes = rest;
    let mut word = [0u8; 8];
    word.copy_from_slice(head);
    Ok(f64::from_le_bytes(word))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_distr::{Distribution, LogNormal};

    /// `percentile_cont` on sorted values, computed directly.
    fn exact(sorted: &[f64], q: f64) -> f64 {
        let rank = q * (sorted.len() - 1) as f64;
        let below = rank.floor() as usize;
        let fraction = rank - below as f64;
        if fraction == 0.0 {
            sorted[below]
        } else {
            sorted[below] + fraction * (sorted[below + 1] - sorted[below])
        }
    }

    fn assert_within_accuracy(sketch: &Sketch, values: &[f64]) {
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        let stored = sketch.to_bytes();
        for q in [0.0, 0.01, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999, 1.0] {
            let truth = exact(&sorted, q);
            let answer = sketch.quantile(q).unwrap_or(f64::NAN);
            let from_stored = stored_quantile(&stored, q).ok().flatten();
            for answer in [answer, from_stored.unwrap_or(f64::NAN)] {
                let error = (answer - truth).abs();
                assert!(
                    error <= RELATIVE_ACCURACY * truth + 1e-9,
                    "q={q}: sketch {answer}, exact {truth}"
                );
            }
        }
        assert_eq!(stored_count(&stored), Ok(values.len() as u64));
    }

    #[test]
    fn stored_sketches_answer_without_being_built() {
        let stored = |values: &[f64]| {
            let mut sketch = Sketch::new();
            values.iter().for_each(|&v| sketch.add(v));
            sketch.to_bytes()
        };
        let empty = stored(&[]);
        assert_eq!(stored_quantile(&empty, 0.5), Ok(None));
        assert_eq!(stored_count(&empty), Ok(0));
        // Zeros alone have no bins.
        let zeros = stored(&[0.0, 0.0, 0.0]);
        assert_eq!(stored_quantile(&zeros, 0.5), Ok(Some(0.0)));
        assert_eq!(stored_quantile(&zeros, 1.0), Ok(Some(0.0)));
        // Ranks 0-1 are zeros, 2-4 are 10, 20, 30: exact at the extremes, rank 2 within 1%, and
        // the 0.375-quantile (rank 1.5) halfway between 0 and rank 2's answer.
        let mixed = stored(&[30.0, 0.0, 10.0, 0.0, 20.0]);
        assert_eq!(stored_count(&mixed), Ok(5));
        assert_eq!(stored_quantile(&mixed, 0.0), Ok(Some(0.0)));
        assert_eq!(stored_quantile(&mixed, 0.25), Ok(Some(0.0)));
        assert_eq!(stored_quantile(&mixed, 1.0), Ok(Some(30.0)));
        let median = stored_quantile(&mixed, 0.5)
            .ok()
            .flatten()
            .unwrap_or(f64::NAN);
        assert!((median - 10.0).abs() <= 0.1, "{median}");
        let between = stored_quantile(&mixed, 0.375)
            .ok()
            .flatten()
            .unwrap_or(f64::NAN);
        assert!((between - median / 2.0).abs() < 1e-9, "{between} {median}");
        assert_eq!(stored_quantile(&mixed, 1.5), Ok(None));
        // Bytes are checked as `from_bytes` checks them.
        let cut = &mixed[..mixed.len() - 1];
        assert_eq!(stored_quantile(cut, 0.5), Err(SketchError::Truncated));
        assert_eq!(stored_count(cut), Err(SketchError::Truncated));
    }

    #[test]
    fn bins_answer_within_the_accuracy() {
        // Every value in a bin, at both of its edges, is within α of the bin's answer.
        for key in [-500, -1, 0, 1, 7, 350, 1200] {
            let upper = MAPPING.gamma.powi(key);
            let answer = MAPPING.value(key);
            assert!(((answer - upper) / upper).abs() <= RELATIVE_ACCURACY + 1e-12);
            let lower = upper / MAPPING.gamma;
            assert!(((answer - lower) / lower).abs() <= RELATIVE_ACCURACY + 1e-12);
        }
        assert!((MAPPING.multiplier - 1.0 / MAPPING.gamma.ln()).abs() < 1e-9);
    }

    #[test]
    fn small_sets_by_hand() {
        let mut sketch = Sketch::new();
        assert_eq!(sketch.quantile(0.5), None);
        for v in [100.0, 200.0] {
            sketch.add(v);
        }
        // percentile_cont(0.5) of {100, 200} is 150; the extremes are exact.
        assert_eq!(sketch.quantile(0.5), Some(150.0));
        assert_eq!(sketch.quantile(0.0), Some(100.0));
        assert_eq!(sketch.quantile(1.0), Some(200.0));
        assert_eq!(sketch.quantile(1.5), None);

        let mut sketch = Sketch::new();
        for v in [0.0, 0.0, 10.0, 20.0, 30.0] {
            sketch.add(v);
        }
        sketch.add(-1.0);
        sketch.add(f64::NAN);
        assert_eq!(sketch.count(), 5);
        assert_eq!(sketch.quantile(0.25), Some(0.0));
        // Rank 2 of 0..4 is 10, answered by its bin within 1%.
        let median = sketch.quantile(0.5).unwrap_or(f64::NAN);
        assert!((median - 10.0).abs() <= 0.1, "{median}");
    }

    #[test]
    fn log_normal_latencies_within_accuracy() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let distribution = LogNormal::new(6.0, 1.2).unwrap_or_else(|_| unreachable!());
        let values: Vec<f64> = (0..50_000).map(|_| distribution.sample(&mut rng)).collect();
        let mut sketch = Sketch::new();
        values.iter().for_each(|&v| sketch.add(v));
        assert_within_accuracy(&sketch, &values);
        // Integral milliseconds with many ties, and a wide spread.
        let values: Vec<f64> = (0..20_000)
            .map(|_| rng.random_range(0..5_000u32) as f64)
            .collect();
        let mut sketch = Sketch::new();
        values.iter().for_each(|&v| sketch.add(v));
        assert_within_accuracy(&sketch, &values);
    }

    #[test]
    fn merging_equals_building_at_once_in_any_order() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        let values: Vec<f64> = (0..10_000)
            .map(|_| rng.random_range(0.0..1e5f64).powf(1.3))
            .collect();
        let mut whole = Sketch::new();
        values.iter().for_each(|&v| whole.add(v));
        let mut merged = Sketch::new();
        for part in values.chunks(777).rev() {
            let mut sketch = Sketch::new();
            part.iter().rev().for_each(|&v| sketch.add(v));
            merged.merge(&sketch);
        }
        assert_eq!(merged.to_bytes(), whole.to_bytes());
        assert_within_accuracy(&merged, &values);
    }

    #[test]
    fn stored_form_round_trips_and_rejects_damage() {
        let mut sketch = Sketch::new();
        for v in [0.0, 0.5, 3.0, 250.0, 251.0, 90_000.0] {
            sketch.add(v);
        }
        let bytes = sketch.to_bytes();
        assert_eq!(Sketch::from_bytes(&bytes), Ok(sketch.clone()));
        assert_eq!(
            Sketch::from_bytes(&Sketch::new().to_bytes()),
            Ok(Sketch::new())
        );
        assert_eq!(Sketch::from_bytes(&[]), Err(SketchError::Empty));
        assert_eq!(
            Sketch::from_bytes(&[9, 0]),
            Err(SketchError::UnknownFormat(9))
        );
        for cut in 1..bytes.len() {
            assert!(Sketch::from_bytes(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(Sketch::from_bytes(&longer).is_err());
        // The count says 7 values, the bins hold 6.
        let mut wrong_count = bytes;
        wrong_count[1] = 7;
        assert_eq!(
            Sketch::from_bytes(&wrong_count),
            Err(SketchError::Corrupt(
                "bin counts do not add up to the count"
            ))
        );
    }

    #[test]
    fn dense_merging_equals_sparse_merging() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        let mut sparse = Sketch::new();
        let mut dense = DenseSketch::new();
        assert!(dense.to_sketch().is_empty());
        assert_eq!(dense.to_bytes(), [FORMAT, 0]);
        // Parts with shifting ranges, so the dense bins grow at both ends; an empty one too.
        // Every fifth has bins of more than 127 values, whose counts take two bytes.
        for part in 0..40 {
            let mut sketch = Sketch::new();
            let scale = [1.0, 1e-3, 1e4, 0.0][part % 4];
            for _ in 0..(part * 7 % 50) {
                sketch.add(rng.random_range(0.0..10.0f64) * scale);
            }
            if part % 5 == 0 {
                (0..300).for_each(|_| sketch.add(4.0 * scale));
            }
            sparse.merge(&sketch);
            assert_eq!(dense.merge_stored(&sketch.to_bytes()), Ok(()));
        }
        assert_eq!(dense.to_sketch(), sparse);
        for v in [0.0, 5e-4, 2e5, 3.5] {
            sparse.add(v);
            dense.add(v);
        }
        assert_eq!(dense.to_sketch().to_bytes(), sparse.to_bytes());
        assert_eq!(dense.to_bytes(), sparse.to_bytes());
        assert!(dense.merge_stored(&[1, 9]).is_err());
    }

    #[test]
    fn stored_keys_cover_every_value() {
        assert!(STORED_KEYS.contains(&i64::from(MAPPING.key(MIN_POSITIVE))));
        assert!(STORED_KEYS.contains(&i64::from(MAPPING.key(f64::MAX))));
        // A key beyond them is corrupt rather than a reason to allocate.
        let mut bytes = vec![FORMAT, 1, 0];
        bytes.extend_from_slice(&1.0f64.to_le_bytes());
        bytes.extend_from_slice(&1.0f64.to_le_bytes());
        bytes.push(1);
        put_varint(&mut bytes, zigzag(1_000_000));
        bytes.push(1);
        assert_eq!(
            DenseSketch::new().merge_stored(&bytes),
            Err(SketchError::Corrupt("bin key"))
        );
    }

    #[test]
    fn varints_round_trip() {
        for value in [0u64, 1, 127, 128, 300, u64::from(u32::MAX), u64::MAX] {
            let mut out = Vec::new();
            put_varint(&mut out, value);
            let mut slice = out.as_slice();
            assert_eq!(take_varint(&mut slice), Ok(value));
            assert!(slice.is_empty());
        }
        for value in [0i64, -1, 1, -300, i64::from(i32::MIN), i64::MAX] {
            assert_eq!(unzigzag(zigzag(value)), value);
        }
    }
}
