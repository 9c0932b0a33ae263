//! Page replacement (DESIGN.md §6): when no frame is free, a user page is evicted to the swap
//! device ([`Swap`]) and brought back by a major fault.
//!
//! # Who may be evicted
//!
//! The frame allocator knows each frame's owner ([`FrameOwner`]); only `User` frames (a page and
//! its virtual address, the reverse map the pager needs) are candidates. Page tables and kernel
//! data are never evicted.
//!
//! # Choosing the victim (`--page-policy`)
//!
//! - `clock` (default): a hand sweeps the frames; a user page whose PTE has A set (the hardware
//!   walker set it) gets a second chance — the hand clears A and fences the page (host
//!   translation and TLB entries go), so the next access walks and sets A again. The first page
//!   found with A clear is the victim.
//! - `fifo`: the page mapped longest ago, whatever its use since.
//! - `lru`: exact least recently used. Every reference must be seen, so under this policy the
//!   memory stops caching translations host-side ([`Memory::track_references`]) and every
//!   access walks and stamps its frame; the other policies do not pay for it. Fetches count
//!   once per block entry (a block is at most 64 instructions of one page), as the modelled
//!   I-TLB sees them; loads and stores each count.
//!
//! # Evicting
//!
//! A page whose PTE has D clear is unchanged since it was filled — from its swap copy, if it
//! has one (the slot is kept while the page is resident, like Linux's swap cache), else from
//! what a fault would rebuild (zeros or the ELF bytes) — so it is dropped without a write: the
//! PTE names the slot, or is emptied. A dirty page is written to its slot (a new one if it has
//! none) at `--swap-latency` cycles. Then [`Memory::swap_out_user_page`] makes the PTE
//! not-present, fences it, drops decoded code and writes back/invalidates the frame's cache
//! lines. When nothing can be evicted (swap full, every page dirty), the caller gets
//! [`FaultCause::OutOfMemory`] and the kernel kills the process with SIGKILL.

use std::collections::VecDeque;

use crate::mem::access::Memory;
use crate::mem::phys::{Frame, FrameOwner};
use crate::mem::swap::{Swap, SwapSlot, DEFAULT_SWAP_BYTES, DEFAULT_SWAP_LATENCY_CYCLES};
use crate::os::process::FaultCause;

/// Fewest resident user pages the pager evicts from. One instruction may need four pages at
/// once (an instruction straddling two text pages, a load straddling two data pages); with
/// fewer frames than that, evicting one to bring in another could go round forever, so the
/// process is out of memory instead.
pub const MIN_RESIDENT_PAGES: u32 = 4;

/// Which user page the pager evicts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PagePolicy {
    /// Second chance by the PTE A bit.
    #[default]
    Clock,
    /// First in, first out.
    Fifo,
    /// Least recently used, exactly (slower: every access walks).
    Lru,
}

impl PagePolicy {
    /// The name used on the command line and in TOML.
    pub fn name(self) -> &'static str {
        match self {
            PagePolicy::Clock => "clock",
            PagePolicy::Fifo => "fifo",
            PagePolicy::Lru => "lru",
        }
    }
}

impl std::str::FromStr for PagePolicy {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [PagePolicy::Clock, PagePolicy::Fifo, PagePolicy::Lru]
            .into_iter()
            .find(|p| p.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| format!("unknown page policy '{s}' (clock, fifo, lru)"))
    }
}

impl std::fmt::Display for PagePolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The paging settings of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PagingConfig {
    /// Victim selection.
    pub policy: PagePolicy,
    /// Swap device size in bytes (0: no swap).
    pub swap_bytes: u64,
    /// Cycles per page moved in or out.
    pub swap_latency_cycles: u64,
}

impl Default for PagingConfig {
    fn default() -> Self {
        PagingConfig {
            policy: PagePolicy::Clock,
            swap_bytes: DEFAULT_SWAP_BYTES,
            swap_latency_cycles: DEFAULT_SWAP_LATENCY_CYCLES,
        }
    }
}

/// Counters of the pager's work.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PagerCounts {
    /// Pages written to swap.
    pub swap_outs: u64,
    /// Pages read back from swap (major faults, the kernel's included).
    pub swap_ins: u64,
    /// Clean pages dropped without a write.
    pub clean_drops: u64,
    /// Resident user pages now.
    pub resident: u32,
    /// Most resident user pages at once.
    pub resident_peak: u32,
    /// Cycles of swap transfers.
    pub swap_cycles: u64,
}

/// The page replacement state of one process.
#[derive(Clone, Debug)]
pub struct Pager {
    policy: PagePolicy,
    swap: Swap,
    swap_bytes: u64,
    latency_cycles: u64,
    /// Per frame: the swap slot holding a copy of the resident page in it.
    slot_of: Vec<Option<SwapSlot>>,
    /// FIFO order: frames with the map number they got; stale entries (unmapped or remapped
    /// since) are skipped.
    fifo: VecDeque<(Frame, u64)>,
    /// Per frame: the number of the map that put its page there.
    map_number: Vec<u64>,
    maps: u64,
    /// The clock hand: the next frame to look at.
    hand: u32,
    /// Most pages of address space a process may reserve (RAM + swap; `None`: no limit).
    commit_limit_pages: Option<u64>,
    /// Cycles of swap transfers not yet charged to the hart.
    pending_cycles: u64,
    /// Counters.
    pub counts: PagerCounts,
}

impl Default for Pager {
    /// No swap, clock, no commit limit (what a process gets before the machine configures it).
    fn default() -> Self {
        Pager::new(
            PagingConfig {
                swap_bytes: 0,
                ..PagingConfig::default()
            },
            None,
        )
    }
}

impl Pager {
    /// A pager for `config`; `ram_frames`, if given, sets the commit limit to RAM plus swap.
    pub fn new(config: PagingConfig, ram_frames: Option<u32>) -> Pager {
        let swap = Swap::new(config.swap_bytes);
        Pager {
            policy: config.policy,
            commit_limit_pages: ram_frames.map(|f| u64::from(f) + u64::from(swap.capacity())),
            swap,
            swap_bytes: config.swap_bytes,
            latency_cycles: config.swap_latency_cycles,
            slot_of: Vec::new(),
            fifo: VecDeque::new(),
            map_number: Vec::new(),
            maps: 0,
            hand: 0,
            pending_cycles: 0,
            counts: PagerCounts::default(),
        }
    }

    /// The victim selection in use.
    pub fn policy(&self) -> PagePolicy {
        self.policy
    }

    /// The swap device.
    pub fn swap(&self) -> &Swap {
        &self.swap
    }

    /// Configured swap size in bytes.
    pub fn swap_bytes(&self) -> u64 {
        self.swap_bytes
    }

    /// Most pages the process may reserve (heap, mmap and image together), if limited.
    pub fn commit_limit_pages(&self) -> Option<u64> {
        self.commit_limit_pages
    }

    /// Takes the swap cycles spent since the last call (the kernel charges them to the hart).
    pub fn take_pending_cycles(&mut self) -> u64 {
        std::mem::take(&mut self.pending_cycles)
    }

    /// A zeroed frame for a user page or page table: a free one, or one freed by evicting.
    pub fn alloc_frame(&mut self, mem: &mut Memory) -> Result<Frame, FaultCause> {
        loop {
            if let Some(frame) = mem.ram.alloc_zeroed() {
                return Ok(frame);
            }
            self.evict_one(mem)?;
        }
    }

    /// Evicts until `frames` frames are free (a page table about to be allocated).
    pub fn reserve(&mut self, mem: &mut Memory, frames: u32) -> Result<(), FaultCause> {
        while mem.ram.free_frames() < frames {
            self.evict_one(mem)?;
        }
        Ok(())
    }

    /// Fills `frame` from swap `slot` (a major fault).
    pub fn swap_in(&mut self, mem: &mut Memory, slot: SwapSlot, frame: Frame) {
        self.swap.read(slot, mem.ram.frame_mut(frame));
        self.counts.swap_ins += 1;
        self.charge(self.latency_cycles);
    }

    /// A user page was mapped into `frame`; `slot` holds a copy of it (it came from swap).
    pub fn page_mapped(&mut self, mem: &Memory, frame: Frame, slot: Option<SwapSlot>) {
        self.size_for(mem);
        let f = frame.0 as usize;
        self.slot_of[f] = slot;
        self.maps += 1;
        self.map_number[f] = self.maps;
        if self.policy == PagePolicy::Fifo {
            if self.fifo.len() >= 2 * self.slot_of.len() {
                let numbers = &self.map_number;
                self.fifo.retain(|&(fr, n)| numbers[fr.0 as usize] == n);
            }
            self.fifo.push_back((frame, self.maps));
        }
        self.counts.resident += 1;
        self.counts.resident_peak = self.counts.resident_peak.max(self.counts.resident);
    }

    /// The user page in `frame` was unmapped (munmap, brk shrink): its swap copy goes too.
    pub fn page_unmapped(&mut self, frame: Frame) {
        let f = frame.0 as usize;
        if let Some(slot) = self.slot_of.get_mut(f).and_then(Option::take) {
            self.swap.free(slot);
        }
        if let Some(n) = self.map_number.get_mut(f) {
            *n = 0;
        }
        self.counts.resident -= 1;
    }

    /// A page that was in swap `slot` was unmapped.
    pub fn slot_discarded(&mut self, slot: SwapSlot) {
        self.swap.free(slot);
    }

    fn charge(&mut self, cycles: u64) {
        self.pending_cycles += cycles;
        self.counts.swap_cycles += cycles;
    }

    /// Grows the per-frame tables to the RAM's size (the first time they are needed).
    fn size_for(&mut self, mem: &Memory) {
        let frames = mem.ram.frame_count() as usize;
        if self.slot_of.len() < frames {
            self.slot_of.resize(frames, None);
            self.map_number.resize(frames, 0);
        }
    }

    /// Frees one frame by evicting a user page, or says memory is exhausted.
    fn evict_one(&mut self, mem: &mut Memory) -> Result<(), FaultCause> {
        self.size_for(mem);
        if self.counts.resident < MIN_RESIDENT_PAGES {
            return Err(FaultCause::OutOfMemory);
        }
        let (frame, vaddr) = self.choose_victim(mem).ok_or(FaultCause::OutOfMemory)?;
        let f = frame.0 as usize;
        let dirty = mem.user_pte(vaddr).is_some_and(|pte| pte.dirty());
        let kept = self.slot_of[f].take();
        let slot = if dirty {
            let slot = kept
                .or_else(|| self.swap.alloc())
                .ok_or(FaultCause::OutOfMemory)?;
            self.swap.write(slot, mem.ram.frame(frame));
            self.counts.swap_outs += 1;
            self.charge(self.latency_cycles);
            Some(slot)
        } else {
            self.counts.clean_drops += 1;
            kept
        };
        mem.swap_out_user_page(vaddr, slot.map(|s| s.0));
        mem.ram.free(frame);
        self.map_number[f] = 0;
        self.counts.resident -= 1;
        Ok(())
    }

    /// True if the page in `frame` at `vaddr` can go now: clean, or dirty with a slot to go to.
    fn evictable(&self, mem: &Memory, frame: Frame, vaddr: u32) -> bool {
        let dirty = mem.user_pte(vaddr).is_some_and(|pte| pte.dirty());
        !dirty || self.slot_of[frame.0 as usize].is_some() || self.swap.has_free_slot()
    }

    /// The victim's frame and page address, by the policy.
    fn choose_victim(&mut self, mem: &mut Memory) -> Option<(Frame, u32)> {
        let frames = mem.ram.frame_count();
        let user = |mem: &Memory, f: Frame| match mem.ram.owner(f) {
            FrameOwner::User(vaddr) => Some(vaddr),
            _ => None,
        };
        match self.policy {
            PagePolicy::Clock => {
                // Two sweeps: the first may only clear A bits; the second then finds a page
                // with A clear unless none is evictable.
                for _ in 0..2 * frames + 1 {
                    let frame = Frame(self.hand);
                    self.hand = (self.hand + 1) % frames;
                    let Some(vaddr) = user(mem, frame) else {
                        continue;
                    };
                    if mem.take_accessed(vaddr) {
                        continue;
                    }
                    if self.evictable(mem, frame, vaddr) {
                        return Some((frame, vaddr));
                    }
                }
                None
            }
            PagePolicy::Fifo => {
                // Oldest first; a page that cannot go now (dirty, swap full) keeps its place.
                let pos = self.fifo.iter().position(|&(frame, n)| {
                    self.map_number[frame.0 as usize] == n
                        && user(mem, frame).is_some_and(|v| self.evictable(mem, frame, v))
                })?;
                let (frame, _) = self.fifo.remove(pos)?;
                user(mem, frame).map(|v| (frame, v))
            }
            PagePolicy::Lru => (0..frames)
                .map(Frame)
                .filter_map(|f| user(mem, f).map(|v| (f, v)))
                .filter(|&(f, v)| self.evictable(mem, f, v))
                .min_by_key(|&(f, _)| mem.last_reference(f)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mem::phys::{PhysMem, PAGE_SIZE};
    use crate::mmu::pagemap::Perms;
    use crate::os::layout::Region;

    const RW: Perms = Perms {
        read: true,
        write: true,
        exec: false,
    };

    #[test]
    fn policy_names_round_trip() {
        for p in [PagePolicy::Clock, PagePolicy::Fifo, PagePolicy::Lru] {
            assert_eq!(p.name().parse::<PagePolicy>(), Ok(p));
        }
        assert!("lfu".parse::<PagePolicy>().is_err());
    }

    /// Maps a page holding `fill` bytes (dirty, as if the program stored them).
    fn map_dirty(pager: &mut Pager, mem: &mut Memory, vaddr: u32, fill: &[u8]) -> Frame {
        let frame = pager.alloc_frame(mem).unwrap();
        mem.ram.frame_mut(frame).copy_from_slice(fill);
        mem.map_user_page(vaddr, frame, RW, Region::Heap).unwrap();
        mem.user_page_written(vaddr);
        pager.page_mapped(mem, frame, None);
        frame
    }

    #[test]
    fn a_page_survives_swap_out_and_in_exactly() {
        // 8 frames: root table, one level-0 table, six user pages.
        let mut mem = Memory::new(PhysMem::new(8 * u64::from(PAGE_SIZE)));
        let config = PagingConfig {
            policy: PagePolicy::Fifo,
            swap_bytes: 16 * u64::from(PAGE_SIZE),
            swap_latency_cycles: 10,
        };
        let mut pager = Pager::new(config, None);
        let pattern = |seed: u32| -> Vec<u8> {
            (0..PAGE_SIZE)
                .map(|i| (i.wrapping_mul(31) ^ seed) as u8)
                .collect()
        };
        for i in 0..6 {
            map_dirty(&mut pager, &mut mem, 0x10_0000 + i * PAGE_SIZE, &pattern(i));
        }
        assert_eq!(mem.ram.free_frames(), 0);
        // A seventh page evicts the oldest (FIFO) to swap.
        map_dirty(&mut pager, &mut mem, 0x20_0000 - PAGE_SIZE, &pattern(99));
        assert_eq!(mem.user_frame(0x10_0000), None);
        let slot = mem.swap_slot(0x10_0000).expect("the PTE names a slot");
        assert_eq!(pager.counts.swap_outs, 1);
        assert_eq!(pager.take_pending_cycles(), 10);
        // Bring it back: the bytes are exactly those stored.
        let frame = pager.alloc_frame(&mut mem).unwrap();
        pager.swap_in(&mut mem, SwapSlot(slot), frame);
        assert_eq!(mem.ram.frame(frame), &pattern(0)[..]);
        mem.map_user_page(0x10_0000, frame, RW, Region::Heap)
            .unwrap();
        pager.page_mapped(&mem, frame, Some(SwapSlot(slot)));
        // Clean now, with its swap copy: evicting it again writes nothing.
        let outs = pager.counts.swap_outs;
        for i in 0..6 {
            map_dirty(&mut pager, &mut mem, 0x30_0000 + i * PAGE_SIZE, &pattern(7));
        }
        assert_eq!(mem.swap_slot(0x10_0000), Some(slot), "same slot, kept");
        assert!(pager.counts.clean_drops >= 1);
        assert_eq!(
            pager.counts.swap_outs - outs,
            6 - pager.counts.clean_drops,
            "only the dirty pages were written"
        );
    }

    #[test]
    fn no_swap_and_no_free_frame_is_out_of_memory() {
        let mut mem = Memory::new(PhysMem::new(8 * u64::from(PAGE_SIZE)));
        let mut pager = Pager::default();
        for i in 0..6 {
            map_dirty(&mut pager, &mut mem, 0x10_0000 + i * PAGE_SIZE, &[1; 4096]);
        }
        assert_eq!(pager.alloc_frame(&mut mem), Err(FaultCause::OutOfMemory));
    }
}
