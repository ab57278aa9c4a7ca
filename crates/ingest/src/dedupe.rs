//! Which ids were already ingested, per UTC date.
//!
//! A generation id names one generation, and one generation has one `created_at`, so a repeated
//! record always lands on the same date: the set of seen ids is kept per date and only the dates
//! an input touches are loaded. Ids are kept as 128-bit hashes, 16 bytes each whatever their
//! length; a collision between two distinct ids is as unlikely as a UUID collision.

use std::collections::{HashMap, HashSet};
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
pub struct SeenIds {
    by_date: HashMap<i32, KeySet>,
}

impl SeenIds {
    pub fn is_loaded(&self, date_days: i32) -> bool {
        self.by_date.contains_key(&date_days)
    }

    pub fn load(&mut self, date_days: i32, keys: Vec<u128>) {
        let set = self.by_date.entry(date_days).or_default();
        set.reserve(keys.len());
        set.extend(keys);
    }

    pub fn contains(&self, date_days: i32, key: u128) -> bool {
        self.by_date
            .get(&date_days)
            .is_some_and(|keys| keys.contains(&key))
    }

    /// Records the id and returns true if it was not seen before.
    pub fn insert(&mut self, date_days: i32, key: u128) -> bool {
        self.by_date.entry(date_days).or_default().insert(key)
    }
}
