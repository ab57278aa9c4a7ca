//! Which ids were already ingested, per UTC date.
//!
//! A generation id names one generation, and one generation has one `created_at`, so a repeated
//! record always lands on the same date: the set of seen ids is kept per date and only the dates
//! an input touches are loaded. Ids are kept as 128-bit hashes, 16 bytes each whatever their
//! length; a collision between two distinct ids is as unlikely as a UUID collision.
//!
//! Memory follows the dates in use, not the input: past a budget of ids, the dates least
//! recently used are dropped, and read back from the table if the input returns to them.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

pub fn id_key(id: &str) -> u128 {
    xxhash_rust::xxh3::xxh3_128(id.as_bytes())
}

/// The keys are already uniform hashes: hashing them again would be wasted work.
#[derive(Debug, Default)]
pub struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.0 ^= u64::from_le_bytes(word);
        }
    }
    fn write_u128(&mut self, key: u128) {
        self.0 = key as u64;
    }
}

pub type KeySet = HashSet<u128, BuildHasherDefault<KeyHasher>>;

#[derive(Debug, Default)]
struct DateIds {
    keys: KeySet,
    /// When the date was last loaded or inserted into, on the [`SeenIds::clock`].
    last_used: u64,
}

#[derive(Debug)]
pub struct SeenIds {
    by_date: HashMap<i32, DateIds>,
    /// Ids kept before the least recently used dates are dropped.
    budget: usize,
    /// Dates dropped while this run still held ids of them that the table had not.
    dropped: HashSet<i32>,
    clock: u64,
}

impl Default for SeenIds {
    /// No budget: every date loaded stays.
    fn default() -> Self {
        SeenIds::with_budget(usize::MAX)
    }
}

impl SeenIds {
    pub fn with_budget(budget: usize) -> SeenIds {
        SeenIds {
            by_date: HashMap::new(),
            budget,
            dropped: HashSet::new(),
            clock: 0,
        }
    }

    pub fn is_loaded(&self, date_days: i32) -> bool {
        self.by_date.contains_key(&date_days)
    }

    /// Whether the date was dropped: its ids must then be read back from the table as this run
    /// left it, not as it was before the run.
    pub fn was_dropped(&self, date_days: i32) -> bool {
        self.dropped.contains(&date_days)
    }

    pub fn load(&mut self, date_days: i32, keys: Vec<u128>) {
        if self.dropped.remove(&date_days) {
            // Input that keeps returning to old dates would read them back again and again:
            // a larger budget trades memory for those reads, up to keeping every date.
            self.budget = self.budget.saturating_mul(2);
        }
        let date = self.use_date(date_days);
        date.keys.reserve(keys.len());
        date.keys.extend(keys);
    }

    pub fn contains(&self, date_days: i32, key: u128) -> bool {
        self.by_date
            .get(&date_days)
            .is_some_and(|date| date.keys.contains(&key))
    }

    /// Records the id and returns true if it was not seen before.
    pub fn insert(&mut self, date_days: i32, key: u128) -> bool {
        self.use_date(date_days).keys.insert(key)
    }

    /// The number of ids held.
    pub fn held(&self) -> usize {
        self.by_date.values().map(|date| date.keys.len()).sum()
    }

    /// Drops the least recently used dates while more ids than the budget are held, except
    /// `in_use` (dates with rows not yet committed, whose ids the table cannot give back).
    pub fn drop_over_budget(&mut self, in_use: &BTreeSet<i32>) {
        let mut held = self.held();
        while held > self.budget {
            let oldest = self
                .by_date
                .iter()
                .filter(|(date, _)| !in_use.contains(date))
                .min_by_key(|(_, ids)| ids.last_used)
                .map(|(date, _)| *date);
            let Some(date) = oldest else { return };
            if let Some(ids) = self.by_date.remove(&date) {
                held -= ids.keys.len();
                self.dropped.insert(date);
                tracing::debug!(date, ids = ids.keys.len(), "dropped a date's seen ids");
            }
        }
    }

    fn use_date(&mut self, date_days: i32) -> &mut DateIds {
        self.clock += 1;
        let date = self.by_date.entry(date_days).or_default();
        date.last_used = self.clock;
        date
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn least_recently_used_dates_go_first_and_dates_in_use_stay() {
        let mut seen = SeenIds::with_budget(3);
        assert!(seen.insert(1, 10));
        assert!(seen.insert(1, 11));
        assert!(seen.insert(2, 20));
        assert!(seen.insert(3, 30));
        assert!(!seen.insert(1, 10));
        // Four ids: date 2 was used least recently.
        seen.drop_over_budget(&BTreeSet::new());
        assert!(!seen.is_loaded(2) && seen.was_dropped(2));
        assert!(seen.is_loaded(1) && seen.is_loaded(3));
        assert_eq!(seen.held(), 3);

        assert!(seen.insert(4, 40));
        // Date 1 is older than 3, but in use.
        seen.drop_over_budget(&BTreeSet::from([1]));
        assert!(seen.is_loaded(1) && !seen.is_loaded(3) && seen.is_loaded(4));
        assert!(seen.contains(1, 11) && !seen.contains(3, 30));

        // Nothing but dates in use: they stay, over budget.
        seen.drop_over_budget(&BTreeSet::from([1, 4]));
        assert_eq!(seen.held(), 3);
    }

    #[test]
    fn reading_a_dropped_date_back_doubles_the_budget() {
        let mut seen = SeenIds::with_budget(1);
        seen.insert(1, 10);
        seen.insert(2, 20);
        seen.drop_over_budget(&BTreeSet::new());
        assert!(seen.was_dropped(1));
        seen.load(1, vec![10]);
        assert!(!seen.was_dropped(1) && seen.contains(1, 10));
        // Budget 2 now: both dates stay.
        seen.drop_over_budget(&BTreeSet::new());
        assert!(seen.is_loaded(1) && seen.is_loaded(2));
    }
}
