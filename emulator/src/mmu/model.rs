//! The modelled TLBs of the hart (DESIGN.md §4): an I-TLB and a D-TLB, each counting every
//! access exactly.
//!
//! Every fetch, load and store is a lookup. A lookup of the page the previous lookup of the same
//! TLB used is a hit that changes no replacement state (the entry is already the most recent),
//! so it is counted without searching (DESIGN.md §10: a fast path may skip re-walking but must
//! count hits exactly). Anything else searches the TLB and, on a miss, walks.

use serde::Serialize;

use crate::mmu::sv32::{PageSize, Translation};
use crate::mmu::tlb::{SfenceVma, Tlb, TlbConfig, TlbEntry, TlbStats};

/// A page number no 4 KiB page has (VPNs are 20 bits).
const NO_VPN: u32 = u32::MAX;

/// One TLB with its MRU shortcut.
#[derive(Clone, Debug)]
pub struct TlbModel {
    tlb: Tlb,
    /// 4 KiB page number of the last lookup that hit or filled, or `NO_VPN`.
    mru_vpn: u32,
    /// Hits on `mru_vpn`, not counted in `tlb`'s own statistics.
    mru_hits: u64,
}

impl TlbModel {
    /// An empty TLB of the given shape.
    pub fn new(config: TlbConfig) -> TlbModel {
        TlbModel {
            tlb: Tlb::new(config),
            mru_vpn: NO_VPN,
            mru_hits: 0,
        }
    }

    /// Counts a hit if `vaddr` is on the page of the last lookup; false means "look it up".
    #[inline(always)]
    pub fn hit_mru(&mut self, vaddr: u32) -> bool {
        if vaddr >> PageSize::Page4K.shift() == self.mru_vpn {
            self.mru_hits += 1;
            true
        } else {
            false
        }
    }

    /// Counts `n` more hits on the MRU page (fetches the interpreter knows are on it).
    #[inline(always)]
    pub fn add_mru_hits(&mut self, n: u64) {
        self.mru_hits += n;
    }

    /// A counted lookup; a hit becomes the MRU page.
    pub fn lookup(&mut self, vaddr: u32, asid: u16) -> Option<TlbEntry> {
        let hit = self.tlb.lookup(vaddr, asid);
        self.mru_vpn = if hit.is_some() {
            vaddr >> PageSize::Page4K.shift()
        } else {
            NO_VPN
        };
        hit
    }

    /// [`TlbModel::lookup`] if it hits an entry `accept` takes (counted as that hit); else
    /// nothing is counted, and false is returned.
    pub fn lookup_hit_if(
        &mut self,
        vaddr: u32,
        asid: u16,
        accept: impl FnOnce(&TlbEntry) -> bool,
    ) -> bool {
        let hit = self.tlb.lookup_hit_if(vaddr, asid, accept);
        if hit {
            self.mru_vpn = vaddr >> PageSize::Page4K.shift();
        }
        hit
    }

    /// Caches a walk's result; the page becomes the MRU page.
    pub fn insert(&mut self, vaddr: u32, asid: u16, t: &Translation) {
        self.tlb.insert(vaddr, asid, t);
        self.mru_vpn = vaddr >> PageSize::Page4K.shift();
    }

    /// Applies an `sfence.vma`.
    pub fn sfence(&mut self, fence: SfenceVma) {
        self.tlb.sfence(fence);
        self.mru_vpn = NO_VPN;
    }

    /// Forgets the MRU page (the ASID or privilege changed).
    pub fn forget_mru(&mut self) {
        self.mru_vpn = NO_VPN;
    }

    /// Counters, MRU hits included.
    pub fn stats(&self) -> TlbStats {
        let mut s = self.tlb.stats();
        s.hits += self.mru_hits;
        s
    }

    /// The shape.
    pub fn config(&self) -> TlbConfig {
        self.tlb.config()
    }

    /// Side-effect-free lookup.
    pub fn probe(&self, vaddr: u32, asid: u16) -> Option<TlbEntry> {
        self.tlb.probe(vaddr, asid)
    }
}

/// Counters of the page-table walker.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct WalkStats {
    /// Walks started (each TLB miss, and each re-walk to set D).
    pub walks: u64,
    /// PTEs read.
    pub pte_reads: u64,
    /// Leaf PTEs written back to set A or D.
    pub pte_writes: u64,
    /// Walks that ended in a page or access fault.
    pub faults: u64,
    /// Cycles of the PTE reads (through the cache hierarchy, or RAM latency).
    pub cycles: u64,
}

/// The hart's two TLBs.
#[derive(Clone, Debug)]
pub struct Tlbs {
    /// Instruction TLB.
    pub itlb: TlbModel,
    /// Data TLB.
    pub dtlb: TlbModel,
}

impl Tlbs {
    /// Empty TLBs of the given shapes.
    pub fn new(itlb: TlbConfig, dtlb: TlbConfig) -> Tlbs {
        Tlbs {
            itlb: TlbModel::new(itlb),
            dtlb: TlbModel::new(dtlb),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mmu::sv32::Pte;

    fn translation(vaddr: u32) -> Translation {
        Translation {
            paddr: u64::from(vaddr),
            page_size: PageSize::Page4K,
            pte: Pte::new(vaddr >> 12, Pte::V | Pte::R | Pte::A),
            pte_paddr: 0,
            level: 0,
            global: false,
            pte_reads: 2,
            pte_written: false,
        }
    }

    #[test]
    fn mru_hits_count_like_lookups_and_keep_lru_order() {
        // Two 1-entry-per-set shapes would be trivial; use 2 entries fully associative and the
        // sequence A A A B A C: with exact LRU, C evicts B (A was used after B).
        let mut shortcut = TlbModel::new(TlbConfig::new(2, 2).unwrap());
        let mut plain = Tlb::new(TlbConfig::new(2, 2).unwrap());
        let pages = [
            0x1000, 0x1004, 0x1ff8, 0x2000, 0x1000, 0x3000, 0x2000, 0x1000,
        ];
        for vaddr in pages {
            if !shortcut.hit_mru(vaddr) && shortcut.lookup(vaddr, 0).is_none() {
                shortcut.insert(vaddr, 0, &translation(vaddr & !0xfff));
            }
            if plain.lookup(vaddr, 0).is_none() {
                plain.insert(vaddr, 0, &translation(vaddr & !0xfff));
            }
        }
        let (s, p) = (shortcut.stats(), plain.stats());
        assert_eq!((s.hits, s.misses), (p.hits, p.misses));
        // Hand count: 0x1000 miss, 2 hits, 0x2000 miss, 0x1000 hit, 0x3000 miss (evicts
        // 0x2000), 0x2000 miss (evicts 0x1000), 0x1000 miss.
        assert_eq!((s.hits, s.misses), (3, 5));
    }
}
