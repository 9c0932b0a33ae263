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
//! [`FaultCause::OutOfMemory`] and the kernel kills the process with SIGKILL. So does a RAM
//! too small for the pages one instruction needs at once (the kernel notices the same
//! instruction faulting over and over, `os/kernel.rs`): never a hang.

use std::collections::VecDeque;

use crate::mem::access::Memory;
use crate::mem::phys::{Frame, FrameOwner};
use crate::mem::swap::{Swap, SwapSlot, DEFAULT_SWAP_BYTES, DEFAULT_SWAP_LATENCY_CYCLES};
use crate::os::process::FaultCause;

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

/// A user page the pager evicted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Eviction {
    /// The page's virtual address.
    pub vaddr: u32,
    /// It was dirty and written to swap (else dropped: clean, its copy in swap if any).
    pub written: bool,
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
    /// While tracing: the evictions since the machine last took them ([`Pager::take_evictions`]).
    evictions: Option<Vec<Eviction>>,
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
            evictions: None,
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

    /// Starts logging evictions (for the trace's `swap-out` events).
    pub fn log_evictions(&mut self) {
        self.evictions.get_or_insert_with(Vec::new);
    }

    /// The evictions since the last call, oldest first (empty unless logging).
    pub fn take_evictions(&mut self) -> Vec<Eviction> {
        self.evictions
            .as_mut()
            .map(std::mem::take)
            .unwrap_or_default()
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
        let (frame, vaddr) = self.choose_victim(mem).ok_or(FaultCause::OutOfMemory)?;
        let f = frame.0 as usize;
        let dirty = mem.user_pte(vaddr).is_some_and(|pte| pte.dirty());
        if let Some(log) = self.evictions.as_mut() {
            log.push(Eviction {
                vaddr,
                written: dirty,
            });
        }
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

    const RW: Perms = Perms::RW;

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

    // ---- hand-computed fault counts through the hardware path ----
    //
    // A process whose pages are touched with real stores (translate, walk, A/D, host map), and
    // whose page faults go to the kernel's handler, as the interpreter does. RAM is sized in
    // frames: the root table (allocated by `Memory::new`), one level-0 table (every heap page
    // below is in the same 4 MiB span) and `user_frames` frames for user pages. Nothing else is
    // resident: the text and stack are never touched here, so the user frames are the heap's.

    use crate::hart::trap::{AccessKind, Exception};
    use crate::os::layout::DEFAULT_STACK_LIMIT;
    use crate::os::loader::{ElfImage, Segment};
    use crate::os::process::{PagingStats, Process};

    /// First heap page of the synthetic image (text at 0x10000, one page).
    const HEAP: u32 = 0x11000;

    fn rig(policy: PagePolicy, user_frames: u64) -> (Process, Memory) {
        let text = Segment::synthetic(0x10000, vec![0x13; 0x100], 0x100, Perms::RX);
        let image = ElfImage::synthetic(vec![text]);
        let frames = 2 + user_frames;
        let mut mem = Memory::new(PhysMem::new(frames * u64::from(PAGE_SIZE)));
        let mut process = Process::new(image, DEFAULT_STACK_LIMIT);
        process.pager = Pager::new(
            PagingConfig {
                policy,
                swap_bytes: 1 << 20,
                swap_latency_cycles: 1,
            },
            None,
        );
        if policy == PagePolicy::Lru {
            mem.track_references();
        }
        let top = HEAP + 64 * PAGE_SIZE;
        assert_eq!(process.sys_brk(&mut mem, top), top);
        (process, mem)
    }

    /// Stores one byte to heap page `page`, serving page faults like the kernel: returns the
    /// faults it took.
    fn touch(p: &mut Process, mem: &mut Memory, page: u32) -> u32 {
        let vaddr = HEAP + page * PAGE_SIZE + 8;
        let mut faults = 0;
        loop {
            match mem.store::<1>(vaddr, [page as u8 + 1]) {
                Ok(()) => return faults,
                Err(Exception::StorePageFault(a)) => {
                    faults += 1;
                    p.handle_page_fault(mem, a, AccessKind::Store).unwrap();
                    assert!(faults < 3, "one fault per touch at most");
                }
                Err(e) => panic!("{e:?}"),
            }
        }
    }

    /// Faults of a reference string (page numbers) under `policy` with `user_frames`.
    /// Returns the faults per reference and the counters after the string (before the check
    /// that reads every page back, which faults pages in again).
    fn faults_of(
        policy: PagePolicy,
        user_frames: u64,
        refs: &[u32],
    ) -> (Vec<u32>, PagingStats, PagerCounts) {
        let (mut p, mut mem) = rig(policy, user_frames);
        let per_ref = refs.iter().map(|&r| touch(&mut p, &mut mem, r)).collect();
        let (paging, counts) = (p.paging.clone(), p.pager.counts);
        // Every page still holds its byte, in RAM or in swap.
        for &r in refs {
            let mut buf = [0u8; 1];
            crate::os::uaccess::UserMemory::copy_from_user(
                &mut crate::os::process::KernelAccess {
                    process: &mut p,
                    mem: &mut mem,
                },
                HEAP + r * PAGE_SIZE + 8,
                &mut buf,
            )
            .unwrap();
            assert_eq!(buf[0], r as u8 + 1, "page {r}");
        }
        (per_ref, paging, counts)
    }

    const ALL: [PagePolicy; 3] = [PagePolicy::Clock, PagePolicy::Fifo, PagePolicy::Lru];

    #[test]
    fn n_pages_touched_once_in_enough_ram_are_n_minor_faults() {
        // 8 pages, 8 user frames: each first touch is one minor fault, nothing is evicted.
        let refs: Vec<u32> = (0..8).collect();
        for policy in ALL {
            let (faults, paging, counts) = faults_of(policy, 8, &refs);
            assert_eq!(faults, vec![1; 8], "{policy}");
            let heap = Region::Heap as usize;
            assert_eq!(paging.minor_faults[heap], 8, "{policy}");
            assert_eq!(paging.major_faults[heap], 0, "{policy}");
            assert_eq!(counts.swap_outs, 0, "{policy}");
        }
    }

    #[test]
    fn a_cyclic_sweep_over_one_page_more_than_fits_faults_on_every_access() {
        // Pages 0..=4 three times round with 4 user frames. FIFO evicts the page mapped
        // longest ago, which is always the one the sweep needs next: 15 references, 15 faults
        // (5 minor on the first round, then 10 major). LRU evicts the least recent, the same
        // page; clock finds every A bit set, clears them all and so degenerates to FIFO.
        let refs: Vec<u32> = (0..3).flat_map(|_| 0..5).collect();
        for policy in ALL {
            let (faults, paging, counts) = faults_of(policy, 4, &refs);
            assert_eq!(faults, vec![1; 15], "{policy}");
            let heap = Region::Heap as usize;
            assert_eq!(paging.minor_faults[heap], 5, "{policy}");
            assert_eq!(paging.major_faults[heap], 10, "{policy}");
            // Every fault after the first 4 evicts, 11 evictions. The 5 pages of round one are
            // dirty (stored to, no swap copy): written out. A page swapped in is clean until
            // the retried store sets D again, so the later evictions write it out again too.
            assert_eq!(counts.swap_outs, 11, "{policy}");
            assert_eq!(counts.clean_drops, 0, "{policy}");
        }
    }

    #[test]
    fn fifo_shows_beladys_anomaly() {
        // The textbook string: 9 faults with 3 frames, 10 with 4 under FIFO; LRU (a stack
        // algorithm) cannot get worse with more frames: 10 with 3, 8 with 4.
        let refs = [1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5];
        let total = |policy, frames| -> u32 { faults_of(policy, frames, &refs).0.iter().sum() };
        assert_eq!(total(PagePolicy::Fifo, 3), 9);
        assert_eq!(total(PagePolicy::Fifo, 4), 10);
        assert_eq!(total(PagePolicy::Lru, 3), 10);
        assert_eq!(total(PagePolicy::Lru, 4), 8);
    }
}
