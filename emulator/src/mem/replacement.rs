//! Replacement policies of a set-associative cache — LRU, FIFO, random (seeded xorshift) and
//! tree-PLRU — behind one trait, in the manner of gem5's `replacement_policies`: the policy only
//! keeps per-line bookkeeping and names a victim; the cache decides hits, fills and invalid ways.

use serde::{Deserialize, Serialize};

/// Which replacement policy a cache level uses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Policy {
    /// Least recently used (exact).
    #[default]
    Lru,
    /// First in, first out (oldest fill is replaced; hits do not matter).
    Fifo,
    /// Uniformly random way from a seeded xorshift generator (deterministic per seed).
    Random,
    /// Tree pseudo-LRU: one bit per inner node of a binary tree over the ways.
    TreePlru,
}

impl Policy {
    /// Every policy, in the order the CLI lists them.
    pub const ALL: [Policy; 4] = [Policy::Lru, Policy::Fifo, Policy::Random, Policy::TreePlru];

    /// The name used on the command line and in TOML/JSON.
    pub fn name(self) -> &'static str {
        match self {
            Policy::Lru => "lru",
            Policy::Fifo => "fifo",
            Policy::Random => "random",
            Policy::TreePlru => "tree-plru",
        }
    }
}

impl std::str::FromStr for Policy {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Policy::ALL
            .into_iter()
            .find(|p| p.name().eq_ignore_ascii_case(s) || (s == "plru" && *p == Policy::TreePlru))
            .ok_or_else(|| {
                format!("unknown replacement policy '{s}' (lru, fifo, random, tree-plru)")
            })
    }
}

impl std::fmt::Display for Policy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The interface every policy implements. Ways are indices within a set; the cache calls
/// `victim` only when every way of the set is valid (an invalid way is always filled first).
pub trait Replacement {
    /// A hit on `way` of `set`.
    fn touch(&mut self, set: usize, way: usize);
    /// `way` of `set` was just filled with a new line.
    fn insert(&mut self, set: usize, way: usize);
    /// The way of a full `set` to replace next. May advance internal state (the random policy's
    /// generator), never the per-line bookkeeping.
    fn victim(&mut self, set: usize) -> usize;
}

/// Exact LRU: each line carries the time of its last use; the victim has the oldest.
#[derive(Clone, Debug)]
pub struct Lru {
    ways: usize,
    last_use: Vec<u64>,
    clock: u64,
}

impl Lru {
    /// Bookkeeping for `sets` × `ways` lines.
    pub fn new(sets: usize, ways: usize) -> Self {
        Lru {
            ways,
            last_use: vec![0; sets * ways],
            clock: 0,
        }
    }
}

/// Index of the smallest stamp of a set (the first one on ties).
fn oldest(stamps: &[u64]) -> usize {
    let mut best = 0;
    for (i, &s) in stamps.iter().enumerate().skip(1) {
        if s < stamps[best] {
            best = i;
        }
    }
    best
}

impl Replacement for Lru {
    #[inline]
    fn touch(&mut self, set: usize, way: usize) {
        self.clock += 1;
        self.last_use[set * self.ways + way] = self.clock;
    }

    #[inline]
    fn insert(&mut self, set: usize, way: usize) {
        self.touch(set, way);
    }

    fn victim(&mut self, set: usize) -> usize {
        oldest(&self.last_use[set * self.ways..(set + 1) * self.ways])
    }
}

/// FIFO: each line carries the time it was filled; hits change nothing.
#[derive(Clone, Debug)]
pub struct Fifo {
    ways: usize,
    filled_at: Vec<u64>,
    clock: u64,
}

impl Fifo {
    /// Bookkeeping for `sets` × `ways` lines.
    pub fn new(sets: usize, ways: usize) -> Self {
        Fifo {
            ways,
            filled_at: vec![0; sets * ways],
            clock: 0,
        }
    }
}

impl Replacement for Fifo {
    #[inline]
    fn touch(&mut self, _set: usize, _way: usize) {}

    #[inline]
    fn insert(&mut self, set: usize, way: usize) {
        self.clock += 1;
        self.filled_at[set * self.ways + way] = self.clock;
    }

    fn victim(&mut self, set: usize) -> usize {
        oldest(&self.filled_at[set * self.ways..(set + 1) * self.ways])
    }
}

/// Random: a 64-bit xorshift generator picks the way, so a seed fixes every choice.
#[derive(Clone, Debug)]
pub struct Random {
    ways: u64,
    state: u64,
}

impl Random {
    /// Replaces `ways`-way sets using a generator started from `seed` (0 is mapped to a fixed
    /// non-zero value: xorshift has no zero state).
    pub fn new(ways: usize, seed: u64) -> Self {
        const NONZERO_SEED: u64 = 0x9E37_79B9_7F4A_7C15;
        Random {
            ways: ways as u64,
            state: if seed == 0 { NONZERO_SEED } else { seed },
        }
    }

    /// Marsaglia's xorshift64 (13, 7, 17).
    fn next(&mut self) -> u64 {
        let mut x = self.state;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.state = x;
        x
    }
}

impl Replacement for Random {
    #[inline]
    fn touch(&mut self, _set: usize, _way: usize) {}

    #[inline]
    fn insert(&mut self, _set: usize, _way: usize) {}

    fn victim(&mut self, _set: usize) -> usize {
        (self.next() % self.ways) as usize
    }
}

/// Tree-PLRU over a power-of-two number of ways (at most 64): each inner node of the tree (heap
/// order, the root is node 1) holds one bit saying which half the next victim is in; a use points
/// every node on the way's path away from it.
#[derive(Clone, Debug)]
pub struct TreePlru {
    levels: u32,
    bits: Vec<u64>,
}

impl TreePlru {
    /// Bookkeeping for `sets` sets of `ways` ways (`ways` a power of two, ≤ 64).
    pub fn new(sets: usize, ways: usize) -> Self {
        debug_assert!(ways.is_power_of_two() && ways <= 64);
        TreePlru {
            levels: ways.trailing_zeros(),
            bits: vec![0; sets],
        }
    }
}

impl Replacement for TreePlru {
    #[inline]
    fn touch(&mut self, set: usize, way: usize) {
        let mut bits = self.bits[set];
        let mut node = 1usize;
        for level in (0..self.levels).rev() {
            let right = (way >> level) & 1;
            // Point the node at the other half: that is where the victim is now.
            if right == 1 {
                bits &= !(1 << node);
            } else {
                bits |= 1 << node;
            }
            node = 2 * node + right;
        }
        self.bits[set] = bits;
    }

    #[inline]
    fn insert(&mut self, set: usize, way: usize) {
        self.touch(set, way);
    }

    fn victim(&mut self, set: usize) -> usize {
        let bits = self.bits[set];
        let mut node = 1usize;
        let mut way = 0usize;
        for _ in 0..self.levels {
            let right = ((bits >> node) & 1) as usize;
            way = (way << 1) | right;
            node = 2 * node + right;
        }
        way
    }
}

/// One of the policies, chosen at run time; an enum rather than `dyn` so the hot path is a
/// predictable `match` the compiler can inline.
#[derive(Clone, Debug)]
pub enum Replacer {
    /// See [`Lru`].
    Lru(Lru),
    /// See [`Fifo`].
    Fifo(Fifo),
    /// See [`Random`].
    Random(Random),
    /// See [`TreePlru`].
    TreePlru(TreePlru),
}

impl Replacer {
    /// State for `policy` over `sets` × `ways` lines; `seed` matters to the random policy only.
    pub fn new(policy: Policy, sets: usize, ways: usize, seed: u64) -> Self {
        match policy {
            Policy::Lru => Replacer::Lru(Lru::new(sets, ways)),
            Policy::Fifo => Replacer::Fifo(Fifo::new(sets, ways)),
            Policy::Random => Replacer::Random(Random::new(ways, seed)),
            Policy::TreePlru => Replacer::TreePlru(TreePlru::new(sets, ways)),
        }
    }
}

impl Replacement for Replacer {
    #[inline]
    fn touch(&mut self, set: usize, way: usize) {
        match self {
            Replacer::Lru(p) => p.touch(set, way),
            Replacer::Fifo(p) => p.touch(set, way),
            Replacer::Random(p) => p.touch(set, way),
            Replacer::TreePlru(p) => p.touch(set, way),
        }
    }

    #[inline]
    fn insert(&mut self, set: usize, way: usize) {
        match self {
            Replacer::Lru(p) => p.insert(set, way),
            Replacer::Fifo(p) => p.insert(set, way),
            Replacer::Random(p) => p.insert(set, way),
            Replacer::TreePlru(p) => p.insert(set, way),
        }
    }

    fn victim(&mut self, set: usize) -> usize {
        match self {
            Replacer::Lru(p) => p.victim(set),
            Replacer::Fifo(p) => p.victim(set),
            Replacer::Random(p) => p.victim(set),
            Replacer::TreePlru(p) => p.victim(set),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fills ways 0..4 of set 1 in order, then applies `hits`, then returns the victim.
    fn victim_after(policy: Policy, hits: &[usize]) -> usize {
        let mut r = Replacer::new(policy, 2, 4, 1);
        for w in 0..4 {
            r.insert(1, w);
        }
        for &w in hits {
            r.touch(1, w);
        }
        r.victim(1)
    }

    #[test]
    fn lru_replaces_least_recently_used() {
        assert_eq!(victim_after(Policy::Lru, &[]), 0);
        assert_eq!(victim_after(Policy::Lru, &[0]), 1);
        assert_eq!(victim_after(Policy::Lru, &[0, 1, 3]), 2);
        assert_eq!(victim_after(Policy::Lru, &[2, 1, 0, 3, 2]), 1);
    }

    #[test]
    fn fifo_ignores_hits() {
        assert_eq!(victim_after(Policy::Fifo, &[]), 0);
        assert_eq!(victim_after(Policy::Fifo, &[0, 0, 1]), 0);
        let mut r = Replacer::new(Policy::Fifo, 1, 4, 0);
        for w in [2, 0, 3, 1] {
            r.insert(0, w);
        }
        assert_eq!(r.victim(0), 2);
        r.insert(0, 2); // refilled: now the youngest
        assert_eq!(r.victim(0), 0);
    }

    #[test]
    fn tree_plru_hand_worked() {
        // 4 ways: the root picks the half {0,1} or {2,3}, node 2 picks within {0,1}, node 3
        // within {2,3}. Filling 0,1,2,3 in order leaves every node pointing left → way 0.
        assert_eq!(victim_after(Policy::TreePlru, &[]), 0);
        // A hit on 0 points the root right and node 3 still points at 2; LRU would say 1.
        assert_eq!(victim_after(Policy::TreePlru, &[0]), 2);
        assert_eq!(victim_after(Policy::Lru, &[0]), 1);
        assert_eq!(victim_after(Policy::TreePlru, &[0, 1]), 2);
        // Agrees with LRU here: after 3, 0, 2 both pick 1.
        assert_eq!(victim_after(Policy::TreePlru, &[3, 0, 2]), 1);
        // After 2, 0, 1, 3: root left, node 2 left → 0, while the true LRU line is 2.
        assert_eq!(victim_after(Policy::TreePlru, &[2, 0, 1, 3]), 0);
        assert_eq!(victim_after(Policy::Lru, &[2, 0, 1, 3]), 2);
    }

    #[test]
    fn tree_plru_one_way_and_64_ways() {
        let mut one = Replacer::new(Policy::TreePlru, 4, 1, 0);
        one.insert(3, 0);
        assert_eq!(one.victim(3), 0);
        let mut wide = TreePlru::new(1, 64);
        for w in 0..64 {
            wide.insert(0, w);
        }
        // Filling in order leaves every node pointing left of the last-used path → way 0.
        assert_eq!(wide.victim(0), 0);
        wide.touch(0, 0);
        assert_eq!(wide.victim(0), 32);
    }

    #[test]
    fn random_is_deterministic_per_seed_and_in_range() {
        let picks = |seed| {
            let mut r = Replacer::new(Policy::Random, 1, 8, seed);
            (0..64).map(|_| r.victim(0)).collect::<Vec<_>>()
        };
        assert_eq!(picks(7), picks(7));
        assert_ne!(picks(7), picks(8));
        assert!(picks(0).iter().all(|&w| w < 8));
        // Every way gets picked eventually.
        let p = picks(3);
        assert!((0..8).all(|w| p.contains(&w)), "{p:?}");
    }

    #[test]
    fn policy_names_round_trip() {
        for p in Policy::ALL {
            assert_eq!(p.name().parse::<Policy>(), Ok(p));
        }
        assert_eq!(
            "PLRU".to_lowercase().parse::<Policy>(),
            Ok(Policy::TreePlru)
        );
        assert!("mru".parse::<Policy>().is_err());
    }
}
