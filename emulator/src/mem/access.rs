//! The hart's door into memory (DESIGN.md §2, §4, §5): every fetch, load and store is translated
//! by the MMU over the Sv32 page tables in simulated RAM, checked against the page's permissions,
//! looked up in the modelled TLB and caches (when the timing mode models them), counted per
//! region, and served from simulated RAM. Instructions are decoded once into blocks by
//! [`crate::hart::blocks`]; this module tells that cache which frames' code went stale.
//!
//! # Translation
//!
//! The page tables are the truth: the kernel writes PTEs into RAM ([`PageTables`]) and the
//! walker ([`sv32::walk`]) reads them. Walking on every access would be slow, so the results are
//! cached host-side in a flat per-page map ([`PageMap`]), the way QEMU's softmmu caches
//! translations: an entry holds the frame and the accesses the current privilege may make
//! (W only once the PTE's D bit is set, so the first store still walks and sets D). Entries are
//! dropped by `sfence.vma` and by any change of translation context, exactly when a hardware TLB
//! entry would have to be; between those the tables may only change in ways that need a fence.
//!
//! The modelled TLBs ([`Tlbs`]) are looked up on every access besides that (the I-TLB once per
//! block entry and page, see `machine.rs`), so their hits, misses and walks are those of the
//! hardware; the host map only saves the walk's host work, never a modelled lookup.
//!
//! A failed access returns the exception the hart raises; the access has then had no effect, so
//! the kernel can resolve the fault and retry the instruction.
//!
//! # Write watches
//!
//! A bare machine's device registers (HTIF's `tohost`/`fromhost`) are ordinary RAM words that
//! the host must notice being written. [`Memory::watch_writes`] puts a physical range under a
//! watch: host entries of the frames it touches carry [`WATCHED`], which the store fast path
//! tests in the same mask as `DECODED`, so those stores take the slow path at no cost to any
//! other store. The slow path (and AMOs) append each store that overlaps the range, in order and
//! with its bytes, to a log; the interpreter stops at the next block boundary
//! ([`Memory::needs_attention`]) and the machine replays the log ([`Memory::take_watched_stores`]).
//!
//! # Paging
//!
//! The pager (`os/pager.rs`) sees references through the PTE A bit the walker sets: a host
//! entry exists only once A is set, so clearing A and fencing the page
//! ([`Memory::take_accessed`]) makes the next access walk and set it again. Exact LRU needs
//! every reference: [`Memory::track_references`] stops caching translations host-side, so
//! every access takes the slow path and stamps its frame (slower, and only for that policy).
//!
//! # Attention
//!
//! The interpreter looks at one flag per block boundary, [`Memory::needs_attention`]: set
//! whenever decoded code went stale, a watched store was logged or the hart asked the loop to
//! return to its machine ([`Memory::request_stop`]: an interrupt may have become takeable);
//! cleared when all of them were taken.

use crate::hart::trap::{AccessKind, Exception};
use crate::isa::{self, Insn, InsnClass};
use crate::mem::cache::AccessKind as CacheKind;
use crate::mem::hierarchy::Hierarchy;
use crate::mem::phys::{Frame, FrameOwner, PhysMem, PAGE_SHIFT, PAGE_SIZE, RAM_BASE};
use crate::mmu::context::MmuContext;
use crate::mmu::model::{Tlbs, WalkStats};
use crate::mmu::pagemap::{
    entry_frame, entry_ram_offset, entry_region_index, PageMap, Perms, DECODED, EXEC, READ, VALID,
    WATCHED, WRITE,
};
use crate::mmu::sv32::{self, check_leaf, AccessFault, PrivContext, Pte, PteMemory, WalkFault};
use crate::mmu::tlb::{SfenceVma, TlbEntry};
use crate::os::layout::Region;
use crate::os::pagetable::{OutOfFrames, PageTables};

mod traced;
pub use traced::{BlockRunAt, TraceAt};

/// A decoded instruction, ready to execute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CachedInsn {
    /// The (expanded) instruction.
    pub insn: Insn,
    /// Raw encoding (16-bit forms zero-extended).
    pub raw: u32,
    /// Encoded length in bytes (2 or 4).
    pub len: u8,
    /// Instruction class, for the instruction mix.
    pub class: InsnClass,
    /// Byte offset from the start of its block: the instruction's pc is the block's start plus
    /// this, with no dependence on the instructions before it.
    pub offset: u16,
}

impl CachedInsn {
    /// A placeholder slot.
    pub const EMPTY: CachedInsn = CachedInsn {
        insn: Insn::Illegal { raw: 0 },
        raw: 0,
        len: 0,
        class: InsnClass::System,
        offset: 0,
    };

    /// Decodes `raw`.
    pub fn from_raw(raw: u32) -> CachedInsn {
        let d = isa::decode(raw);
        CachedInsn {
            insn: d.insn,
            raw: d.raw,
            len: d.len,
            class: d.insn.class(),
            offset: 0,
        }
    }
}

/// Loads and stores counted per region.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AccessCounts {
    /// Loads (including LR and the read half of AMOs) per [`Region`] index.
    pub loads: [u64; Region::COUNT],
    /// Stores (including SC and the write half of AMOs) per region index.
    pub stores: [u64; Region::COUNT],
}

/// One page's part of an access: its host entry, first address and length in bytes.
type AccessPart = (u32, u32, u32);

/// A store to a watched physical range, as logged for the device behind it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WatchedStore {
    /// Physical address of the first byte stored (the part of the store in one frame).
    pub paddr: u32,
    /// Number of bytes (1 to 4).
    pub len: u8,
    /// The bytes, `bytes[..len]`.
    pub bytes: [u8; 4],
}

impl WatchedStore {
    /// The stored bytes with their physical addresses.
    pub fn bytes(&self) -> impl Iterator<Item = (u32, u8)> + '_ {
        (0..self.len as usize).map(|i| (self.paddr.wrapping_add(i as u32), self.bytes[i]))
    }
}

/// A physical range whose stores are logged (see the module comment).
struct WriteWatch {
    /// First byte watched.
    start: u64,
    /// One past the last.
    end: u64,
    /// Stores since the last [`Memory::take_watched_stores`], oldest first.
    log: Vec<WatchedStore>,
}

impl WriteWatch {
    /// True if frame `frame` holds a watched byte.
    fn covers_frame(&self, frame: Frame) -> bool {
        let base = u64::from(frame.paddr());
        base < self.end && self.start < base + u64::from(PAGE_SIZE)
    }
}

/// Number of 4 KiB pages in the 32-bit space.
const PAGES: usize = 1 << 20;
/// Past this many remembered host-map fills, the list is compacted (duplicates and dropped
/// entries removed).
const FILLED_COMPACT_AT: usize = 1 << 16;

/// Memory as the hart sees it.
pub struct Memory {
    /// Simulated RAM.
    pub ram: PhysMem,
    /// Host-side cache of translations for the current context (see the module comment).
    pub map: PageMap,
    /// Pages that may have an entry in `map` (to drop them on a context change).
    filled: Vec<u32>,
    /// The current context lets fetches and data accesses share one host entry per page (not
    /// so under `mstatus.MPRV`, where M-mode fetches are physical and data is translated).
    host_map_usable: bool,
    /// The process's page tables (`None` on a bare machine, whose software builds its own).
    tables: Option<PageTables>,
    /// Region of each user page, as the kernel mapped it (for the per-region counts).
    page_region: Vec<u8>,
    /// Frames holding decoded instructions: a store to one goes the slow way and marks the
    /// frame's blocks stale.
    code_frames: Vec<bool>,
    /// Per-region load/store counts.
    pub counts: AccessCounts,
    /// Frames whose decoded instructions became stale (written, unmapped); the interpreter's
    /// block cache drops their blocks at the next block boundary.
    stale_code: Vec<Frame>,
    /// `fence.i` or a change of address space: every decoded block is stale.
    stale_all_code: bool,
    /// Stale code or a watched store waits for the interpreter (see the module comment).
    attention: bool,
    /// The watched physical range, if any.
    watch: Option<WriteWatch>,
    /// The hart asked the interpreter to return to its machine at the next block boundary.
    stop_requested: bool,
    /// The hart's translation context.
    context: MmuContext,
    /// The modelled TLBs (`None` in the functional timing mode).
    tlbs: Option<Box<Tlbs>>,
    /// The modelled cache hierarchy (`None` unless the timing mode models caches).
    caches: Option<Box<Hierarchy>>,
    /// Page-table walks read PTEs through the caches.
    ptw_through_cache: bool,
    /// Page-table walker counters (modelled walks only).
    pub walks: WalkStats,
    /// Cycles of modelled cache accesses (hits included).
    pub cache_cycles: u64,
    /// Exact LRU paging: the reference count at each frame's last reference (see the module
    /// comment); `None` unless the pager asked.
    references: Option<Vec<u64>>,
    /// References stamped so far.
    reference_clock: u64,
    /// Stall cycles of modelled cache accesses, fetches (`[0]`) and data (`[1]`): each
    /// access's cycles beyond the one its pipeline stage (IF, MEM) covers.
    pub cache_stall_cycles: [u64; 2],
    /// Cycles of a counted PTE read that does not go through the caches (the RAM latency).
    uncached_pte_read_cycles: u64,
    /// Tracing state (`traced.rs`; empty unless tracing).
    trace: traced::TraceState,
}

/// True if a TLB hit on `e` serves an access of `kind` in context `pctx` as it stands: a hit
/// still checks the cached PTE, and a store to a clean page walks again to set D (priv spec
/// §4.3.2 step 7).
#[inline(always)]
fn usable_without_walk(e: &TlbEntry, kind: AccessKind, pctx: PrivContext) -> bool {
    (kind != AccessKind::Store || e.pte.dirty()) && check_leaf(e.pte, kind, pctx).is_ok()
}

impl Memory {
    /// Memory for a user process: `ram`, empty Sv32 page tables (the kernel's linear map
    /// included) and the hart translating through them in U-mode.
    pub fn new(ram: PhysMem) -> Self {
        let mut mem = Self::bare(ram);
        if let Some(tables) = PageTables::new(&mut mem.ram) {
            mem.set_context(MmuContext::user(tables.satp()));
            mem.tables = Some(tables);
        }
        mem
    }

    /// Memory of a bare machine: physical addressing until its software sets `satp`.
    pub fn bare(ram: PhysMem) -> Self {
        let frames = ram.frame_count() as usize;
        Memory {
            ram,
            map: PageMap::new(),
            filled: Vec::new(),
            host_map_usable: true,
            tables: None,
            page_region: vec![0; PAGES],
            code_frames: vec![false; frames],
            counts: AccessCounts::default(),
            stale_code: Vec::new(),
            stale_all_code: false,
            attention: false,
            watch: None,
            stop_requested: false,
            context: MmuContext::PHYSICAL,
            tlbs: None,
            caches: None,
            ptw_through_cache: true,
            walks: WalkStats::default(),
            cache_cycles: 0,
            references: None,
            reference_clock: 0,
            cache_stall_cycles: [0; 2],
            uncached_pte_read_cycles: 0,
            trace: traced::TraceState::default(),
        }
    }

    /// Models TLBs and/or caches from now on.
    pub fn set_models(
        &mut self,
        tlbs: Option<Tlbs>,
        caches: Option<Hierarchy>,
        ptw_through_cache: bool,
    ) {
        self.tlbs = tlbs.map(Box::new);
        self.caches = caches.map(Box::new);
        self.ptw_through_cache = ptw_through_cache;
    }

    /// What a counted PTE read costs when it does not go through the modelled caches (no
    /// caches, or `--ptw-through-cache false`): the RAM latency.
    pub fn set_uncached_pte_read_cycles(&mut self, cycles: u64) {
        self.uncached_pte_read_cycles = cycles;
    }

    /// The sum of [`Memory::stall_cycles`].
    #[inline(always)]
    pub fn stall_cycle_total(&self) -> u64 {
        self.cache_stall_cycles[0] + self.cache_stall_cycles[1] + self.walks.cycles
    }

    /// Memory stall cycles so far: fetch, data, TLB-miss walks (the CPI stack's memory part).
    pub fn stall_cycles(&self) -> [u64; 3] {
        [
            self.cache_stall_cycles[0],
            self.cache_stall_cycles[1],
            self.walks.cycles,
        ]
    }

    /// The modelled TLBs, if any.
    pub fn tlbs(&self) -> Option<&Tlbs> {
        self.tlbs.as_deref()
    }

    /// The modelled caches, if any.
    pub fn caches(&self) -> Option<&Hierarchy> {
        self.caches.as_deref()
    }

    /// The modelled caches, if any (for flushes).
    pub fn caches_mut(&mut self) -> Option<&mut Hierarchy> {
        self.caches.as_deref_mut()
    }

    /// True when fetches go through the modelled I-TLB and L1I (the interpreter then reports
    /// every block entry and instruction fetch).
    #[inline(always)]
    pub fn models_fetch(&self) -> bool {
        self.tlbs.is_some() || self.caches.is_some()
    }

    // ---- the kernel's side: page tables ----

    /// The process's page tables.
    pub fn page_tables(&self) -> Option<&PageTables> {
        self.tables.as_ref()
    }

    /// Maps user page `vaddr` to `frame` in the page tables (the kernel's page-fault handler).
    pub fn map_user_page(
        &mut self,
        vaddr: u32,
        frame: Frame,
        perms: Perms,
        region: Region,
    ) -> Result<(), OutOfFrames> {
        let tables = self.tables.as_mut().expect("a process has page tables");
        tables.map(&mut self.ram, vaddr, frame, perms)?;
        self.ram.set_owner(frame, FrameOwner::User(vaddr));
        self.page_region[(vaddr >> PAGE_SHIFT) as usize] = region as u8;
        self.note_reference(frame);
        Ok(())
    }

    /// Unmaps user page `vaddr` and fences its translation, as Linux's `flush_tlb_page` does;
    /// returns the frame it mapped (which the caller frees). Its decoded code is stale.
    pub fn unmap_user_page(&mut self, vaddr: u32) -> Option<Frame> {
        let tables = self.tables.as_mut()?;
        let frame = tables.unmap(&mut self.ram, vaddr)?;
        self.fence_page(vaddr);
        self.frame_released(frame);
        Some(frame)
    }

    /// The frame user page `vaddr` is mapped to, per the page tables.
    pub fn user_frame(&self, vaddr: u32) -> Option<Frame> {
        self.tables.as_ref()?.frame_of(&self.ram, vaddr)
    }

    /// User pages mapped in the page tables (the resident set).
    pub fn resident_user_pages(&self) -> u32 {
        self.tables
            .as_ref()
            .map_or(0, |t| t.resident_pages(&self.ram))
    }

    /// The region the kernel mapped user page `vaddr` for.
    pub fn page_region(&self, vaddr: u32) -> Region {
        Region::from_index(self.page_region[(vaddr >> PAGE_SHIFT) as usize] as usize)
    }

    /// The kernel is about to write user page `vaddr` (a system call filling a buffer): the
    /// page is dirty as if the program had stored to it, and code decoded from it is stale.
    pub fn user_page_written(&mut self, vaddr: u32) {
        if let Some(tables) = self.tables.as_mut() {
            tables.mark_dirty(&mut self.ram, vaddr);
        }
        if let Some(frame) = self.user_frame(vaddr) {
            self.frame_written(frame);
        }
    }

    /// The leaf PTE of user page `vaddr`, if mapped.
    pub fn user_pte(&self, vaddr: u32) -> Option<Pte> {
        self.tables
            .as_ref()?
            .leaf(&self.ram, vaddr)
            .map(|(_, pte)| pte)
    }

    /// The kernel's `sfence.vma vaddr, asid` after changing one PTE: the TLB entries and the
    /// host translation of that page go.
    fn fence_page(&mut self, vaddr: u32) {
        let asid = self.context.satp.asid();
        if let Some(t) = self.tlbs.as_deref_mut() {
            let fence = SfenceVma::AddrAsid(vaddr, asid);
            t.itlb.sfence(fence);
            t.dtlb.sfence(fence);
        }
        self.map.unmap(vaddr);
    }

    // ---- the pager's side ----

    /// True if mapping user page `vaddr` needs a frame for a new level-0 table.
    pub fn needs_page_table(&self, vaddr: u32) -> bool {
        self.tables
            .as_ref()
            .is_some_and(|t| t.needs_table(&self.ram, vaddr))
    }

    /// Evicts user page `vaddr`: its PTE becomes not-present (naming swap `slot`, if any), the
    /// TLB entries and host translation go, code decoded from it is stale and every cache
    /// level's lines of the frame are written back and invalidated. Returns the frame, which
    /// the caller frees.
    pub fn swap_out_user_page(&mut self, vaddr: u32, slot: Option<u32>) -> Option<Frame> {
        let tables = self.tables.as_mut()?;
        let frame = tables.swap_out(&mut self.ram, vaddr, slot)?;
        self.fence_page(vaddr);
        self.frame_released(frame);
        if let Some(c) = self.caches.as_deref_mut() {
            c.write_back_invalidate(frame.paddr(), PAGE_SIZE);
        }
        Some(frame)
    }

    /// The swap slot the not-present PTE of user page `vaddr` names, if it is in swap.
    pub fn swap_slot(&self, vaddr: u32) -> Option<u32> {
        self.tables.as_ref()?.swap_slot(&self.ram, vaddr)
    }

    /// Empties the swapped PTE of `vaddr` (the page is unmapped); returns its slot.
    pub fn take_swap_slot(&mut self, vaddr: u32) -> Option<u32> {
        self.tables.as_mut()?.take_swap_slot(&mut self.ram, vaddr)
    }

    /// The clock hand's look at user page `vaddr`: clears its PTE's A bit and, if it was set,
    /// fences the page so that the next access walks and sets A again. Returns the old A.
    pub fn take_accessed(&mut self, vaddr: u32) -> bool {
        let Some(tables) = self.tables.as_mut() else {
            return false;
        };
        let was = tables.take_accessed(&mut self.ram, vaddr);
        if was {
            self.fence_page(vaddr);
        }
        was
    }

    /// Stamps every reference from now on (exact LRU; see the module comment).
    pub fn track_references(&mut self) {
        self.references = Some(vec![0; self.ram.frame_count() as usize]);
        self.drop_host_map();
    }

    /// The stamp of `frame`'s last reference (0: never, or references are not tracked).
    pub fn last_reference(&self, frame: Frame) -> u64 {
        self.references.as_ref().map_or(0, |r| r[frame.0 as usize])
    }

    /// Records a reference to `frame` (the kernel touching a user page counts too).
    pub fn note_reference(&mut self, frame: Frame) {
        if let Some(r) = self.references.as_mut() {
            self.reference_clock += 1;
            r[frame.0 as usize] = self.reference_clock;
        }
    }

    // ---- the privileged interface (satp, mode changes, sfence.vma) ----

    /// The hart's translation context changed (a `satp` or `mstatus` write, a trap, `mret` or
    /// `sret`): translations cached for the old context must not be used.
    pub fn set_context(&mut self, ctx: MmuContext) {
        if ctx == self.context {
            return;
        }
        self.context = ctx;
        self.host_map_usable = ctx.fetch.is_some() == ctx.data.is_some();
        self.drop_host_map();
        if let Some(t) = self.tlbs.as_deref_mut() {
            t.itlb.forget_mru();
            t.dtlb.forget_mru();
        }
        // Blocks are found by virtual pc without a permission check: a new context may give
        // the same pc another frame or another right to execute.
        self.stale_all_code = true;
        self.attention = true;
    }

    /// The current translation context.
    pub fn context(&self) -> MmuContext {
        self.context
    }

    /// `sfence.vma vaddr, asid` (`None` for `x0`): drops the matching TLB entries and cached
    /// translations.
    pub fn sfence_vma(&mut self, vaddr: Option<u32>, asid: Option<u16>) {
        let fence = SfenceVma::from_operands(vaddr, asid);
        if let Some(t) = self.tlbs.as_deref_mut() {
            t.itlb.sfence(fence);
            t.dtlb.sfence(fence);
        }
        self.drop_host_map();
        self.stale_all_code = true;
        self.attention = true;
    }

    fn drop_host_map(&mut self) {
        for &vpn in &self.filled {
            self.map.unmap(vpn << PAGE_SHIFT);
        }
        self.filled.clear();
    }

    // ---- translation ----

    /// Translates `vaddr` for `kind` the slow way (a modelled TLB lookup and walk when
    /// `counted` and TLBs are modelled, else a functional walk) and caches the result in the
    /// host map. Returns a host-map-style entry for the page.
    fn translate(&mut self, vaddr: u32, kind: AccessKind, counted: bool) -> Result<u32, Exception> {
        let ctx = if kind == AccessKind::Fetch {
            self.context.fetch
        } else {
            self.context.data
        };
        let (frame, perms) = match ctx {
            None => {
                let frame = ram_frame(u64::from(vaddr), self.ram.frame_count())
                    .ok_or(access_fault(kind, vaddr))?;
                (frame, READ | WRITE | EXEC)
            }
            Some(pctx) => {
                let (paddr, pte) = self.translate_sv32(vaddr, kind, pctx, counted)?;
                let frame =
                    ram_frame(paddr, self.ram.frame_count()).ok_or(access_fault(kind, vaddr))?;
                (frame, host_perms(pte, self.context))
            }
        };
        let vpn = vaddr >> PAGE_SHIFT;
        let mut entry = (frame.0 << PAGE_SHIFT)
            | (u32::from(self.page_region[vpn as usize]) << 8)
            | VALID
            | perms;
        if self.code_frames[frame.0 as usize] {
            entry |= DECODED;
        }
        if self.watch.as_ref().is_some_and(|w| w.covers_frame(frame)) {
            entry |= WATCHED;
        }
        if self.references.is_some() {
            // Exact LRU sees every reference: nothing is cached host-side (module comment).
            self.note_reference(frame);
        } else if self.host_map_usable {
            if self.map.entry(vaddr) & VALID == 0 {
                if self.filled.len() >= FILLED_COMPACT_AT {
                    self.compact_filled();
                }
                self.filled.push(vpn);
            }
            self.map.set_entry(vaddr, entry);
        }
        Ok(entry)
    }

    /// The Sv32 part of [`Memory::translate`]: physical address and leaf PTE.
    fn translate_sv32(
        &mut self,
        vaddr: u32,
        kind: AccessKind,
        pctx: PrivContext,
        counted: bool,
    ) -> Result<(u64, Pte), Exception> {
        let satp = self.context.satp;
        let asid = satp.asid();
        if counted {
            if let Some(t) = self.tlbs.as_deref_mut() {
                let tlb = if kind == AccessKind::Fetch {
                    &mut t.itlb
                } else {
                    &mut t.dtlb
                };
                if let Some(e) = tlb.lookup(vaddr, asid) {
                    if usable_without_walk(&e, kind, pctx) {
                        return Ok((e.paddr(vaddr), e.pte));
                    }
                }
                let t = self.walk(vaddr, kind, pctx, true)?;
                let tlbs = self.tlbs.as_deref_mut().expect("modelled");
                let tlb = if kind == AccessKind::Fetch {
                    &mut tlbs.itlb
                } else {
                    &mut tlbs.dtlb
                };
                tlb.insert(vaddr, asid, &t);
                return Ok((t.paddr, t.pte));
            }
        }
        let t = self.walk(vaddr, kind, pctx, false)?;
        Ok((t.paddr, t.pte))
    }

    /// One page-table walk; `counted` walks are the modelled hardware's (statistics, PTE reads
    /// through the caches), the others the host's own lookups.
    fn walk(
        &mut self,
        vaddr: u32,
        kind: AccessKind,
        pctx: PrivContext,
        counted: bool,
    ) -> Result<sv32::Translation, Exception> {
        let caches = if counted && self.ptw_through_cache {
            self.caches.as_deref_mut()
        } else {
            None
        };
        let mut port = PtwPort {
            ram: &mut self.ram,
            caches,
            stats: WalkStats::default(),
            uncached_read_cycles: self.uncached_pte_read_cycles,
            journal: if counted {
                self.trace.journal.as_mut()
            } else {
                None
            },
        };
        let result = sv32::walk(&mut port, self.context.satp, vaddr, kind, pctx);
        if counted {
            let s = port.stats;
            self.walks.walks += 1;
            self.walks.pte_reads += s.pte_reads;
            self.walks.pte_writes += s.pte_writes;
            self.walks.cycles += s.cycles;
            self.walks.faults += u64::from(result.is_err());
        }
        result.map_err(walk_exception)
    }

    /// Removes duplicates and dropped pages from `filled`.
    fn compact_filled(&mut self) {
        let map = &self.map;
        self.filled.sort_unstable();
        self.filled.dedup();
        self.filled
            .retain(|&vpn| map.entry(vpn << PAGE_SHIFT) & VALID != 0);
    }

    /// The modelled D-TLB lookup of an access whose host translation is cached but whose page
    /// is not the D-TLB's MRU page.
    #[inline(never)]
    fn dtlb_lookup(&mut self, vaddr: u32, kind: AccessKind) -> Result<(), Exception> {
        let pctx = self
            .context
            .data
            .expect("a cached translation of a translated context");
        self.translate_sv32(vaddr, kind, pctx, true).map(|_| ())
    }

    /// The counted D-TLB lookup of a load or store (`kind`) at `vaddr` off the D-TLB's most
    /// recent page, if it hits without a walk (a translated context): the same lookup, hit and
    /// counts as [`Memory::dtlb_access`] makes. False, having counted nothing, if it would miss
    /// or walk again (a store to a clean page).
    #[inline(never)]
    pub(super) fn dtlb_hit_without_walk(&mut self, vaddr: u32, kind: AccessKind) -> bool {
        let asid = self.context.satp.asid();
        let (Some(t), Some(pctx)) = (self.tlbs.as_deref_mut(), self.context.data) else {
            return false;
        };
        t.dtlb
            .lookup_hit_if(vaddr, asid, |e| usable_without_walk(e, kind, pctx))
    }

    /// Counts the modelled D-TLB access of a load or store whose host entry allowed it.
    #[inline(always)]
    fn dtlb_access(&mut self, vaddr: u32, kind: AccessKind) -> Result<(), Exception> {
        let lookup = match self.tlbs.as_deref_mut() {
            Some(t) if self.context.data.is_some() => !t.dtlb.hit_mru(vaddr),
            _ => false,
        };
        if lookup {
            self.dtlb_lookup(vaddr, kind)
        } else {
            Ok(())
        }
    }

    /// Counts the modelled cache access of `size` bytes at RAM offset `off`.
    #[inline(always)]
    fn cache_access(&mut self, off: usize, size: u32, kind: CacheKind) {
        if let Some(c) = self.caches.as_deref_mut() {
            let cycles = c.access_fast(RAM_BASE.wrapping_add(off as u32), size, kind);
            self.count_cache_cycles(kind, cycles);
        }
    }

    /// Adds one modelled cache access's cycles to the totals and to the stall of its stage.
    #[inline(always)]
    fn count_cache_cycles(&mut self, kind: CacheKind, cycles: u64) {
        self.cache_cycles += cycles;
        // The pipeline model's rule (timing/mod.rs): IF or MEM covers one cycle.
        self.cache_stall_cycles[(kind != CacheKind::Fetch) as usize] += cycles.saturating_sub(1);
    }

    // ---- instruction fetch ----

    /// The host entry of the page holding `pc` for executing it, translating (without
    /// modelled accounting) if it is not cached: the block cache decodes from it.
    pub fn fetch_entry(&mut self, pc: u32) -> Result<u32, Exception> {
        let entry = self.map.entry(pc);
        if entry & EXEC != 0 {
            return Ok(entry);
        }
        let entry = self.translate(pc, AccessKind::Fetch, false)?;
        if entry & EXEC == 0 {
            return Err(Exception::FetchPageFault(pc));
        }
        Ok(entry)
    }

    /// The modelled I-TLB access for entering a block at `pc` (once per block run, as every
    /// later fetch of the block is on the same page, the I-TLB's MRU page); returns the RAM
    /// offset of `pc`'s page for the I-cache accesses.
    #[inline(always)]
    pub fn fetch_block(&mut self, pc: u32) -> Result<usize, Exception> {
        let entry = self.map.entry(pc);
        let mru = match self.tlbs.as_deref_mut() {
            Some(t) if self.context.fetch.is_some() => t.itlb.hit_mru(pc),
            _ => true,
        };
        if entry & EXEC != 0 && mru {
            return Ok(entry_ram_offset(entry, pc & !(PAGE_SIZE - 1)));
        }
        self.fetch_block_slow(pc)
    }

    #[inline(never)]
    fn fetch_block_slow(&mut self, pc: u32) -> Result<usize, Exception> {
        let entry = self.translate(pc, AccessKind::Fetch, true)?;
        if entry & EXEC == 0 {
            return Err(Exception::FetchPageFault(pc));
        }
        Ok(entry_ram_offset(entry, pc & !(PAGE_SIZE - 1)))
    }

    /// Counts `n` fetches on the I-TLB's MRU page (the rest of a block after its first fetch).
    #[inline(always)]
    pub fn itlb_same_page_fetches(&mut self, n: u64) {
        if let Some(t) = self.tlbs.as_deref_mut() {
            if self.context.fetch.is_some() {
                t.itlb.add_mru_hits(n);
            }
        }
    }

    /// The modelled L1I access of fetching `len` bytes at RAM offset `off`.
    #[inline(always)]
    pub fn fetch_line(&mut self, off: usize, len: u32) {
        if let Some(c) = self.caches.as_deref_mut() {
            let cycles = c.fetch_fast(RAM_BASE.wrapping_add(off as u32), len as u8);
            self.count_cache_cycles(CacheKind::Fetch, cycles);
        }
    }

    /// Reads and decodes the instruction at `pc` for an instruction that straddles two pages
    /// (never cached in a block): both halves are fetched, with the modelled accesses counted.
    pub fn fetch_straddling(&mut self, pc: u32) -> Result<CachedInsn, Exception> {
        // The caller counted the I-TLB access of the first page (it is the block entry).
        let first = entry_ram_offset(self.fetch_entry(pc)?, pc);
        self.fetch_line_logged(pc, first, 2);
        let low = u16::from_le_bytes([self.ram.bytes()[first], self.ram.bytes()[first + 1]]);
        if low & 3 != 3 {
            return Ok(CachedInsn::from_raw(u32::from(low)));
        }
        let next = pc.wrapping_add(2);
        let second = self.fetch_block(next)? + (next & (PAGE_SIZE - 1)) as usize;
        self.fetch_line_logged(next, second, 2);
        let high = u16::from_le_bytes([self.ram.bytes()[second], self.ram.bytes()[second + 1]]);
        Ok(CachedInsn::from_raw(u32::from(low) | u32::from(high) << 16))
    }

    /// Reads and decodes the instruction at `pc` if its page(s) are mapped executable and
    /// translated already, changing nothing (for reports and tools).
    pub fn peek_insn(&self, pc: u32) -> Option<CachedInsn> {
        let entry = self.map.entry(pc);
        if entry & EXEC == 0 {
            return None;
        }
        let off = entry_ram_offset(entry, pc);
        let low = u16::from_le_bytes([self.ram.bytes()[off], self.ram.bytes()[off + 1]]) as u32;
        if low & 3 != 3 {
            return Some(CachedInsn::from_raw(low));
        }
        let next = pc.wrapping_add(2);
        let next_entry = self.map.entry(next);
        if next_entry & EXEC == 0 {
            return None;
        }
        let noff = entry_ram_offset(next_entry, next);
        let high = u16::from_le_bytes([self.ram.bytes()[noff], self.ram.bytes()[noff + 1]]);
        Some(CachedInsn::from_raw(low | (high as u32) << 16))
    }

    /// Marks the frame of host entry `entry` as holding decoded code: stores to it take the
    /// slow path, which reports the frame as stale.
    pub fn mark_code_frame(&mut self, entry: u32) {
        let frame = entry_frame(entry);
        self.code_frames[frame.0 as usize] = true;
        self.set_decoded_mark(frame, true);
    }

    /// Sets or clears the DECODED mark of every host entry mapping `frame`.
    fn set_decoded_mark(&mut self, frame: Frame, decoded: bool) {
        for &vpn in &self.filled {
            let vaddr = vpn << PAGE_SHIFT;
            let e = self.map.entry(vaddr);
            if e & VALID != 0 && entry_frame(e) == frame {
                self.map.set_decoded(vaddr, decoded);
            }
        }
    }

    /// `frame` is about to be written by the kernel (or was written by a store): if it holds
    /// decoded code, that code is stale.
    pub fn frame_written(&mut self, frame: Frame) {
        if self.code_frames[frame.0 as usize] {
            self.code_frames[frame.0 as usize] = false;
            self.set_decoded_mark(frame, false);
            self.stale_code.push(frame);
            self.attention = true;
        }
    }

    /// `frame` is being unmapped or freed: any code decoded from it is stale.
    pub fn frame_released(&mut self, frame: Frame) {
        self.frame_written(frame);
    }

    /// `fence.i`: every decoded instruction is stale.
    pub fn fence_i(&mut self) {
        self.stale_all_code = true;
        self.attention = true;
    }

    /// True if decoded code went stale or a watched store was logged: the interpreter's one
    /// test per block boundary.
    #[inline(always)]
    pub fn needs_attention(&self) -> bool {
        self.attention
    }

    /// True if decoded code went stale since the last [`Memory::take_stale_code`].
    #[inline(always)]
    pub fn has_stale_code(&self) -> bool {
        self.stale_all_code || !self.stale_code.is_empty()
    }

    /// Hands the stale frames (and the everything-is-stale flag) to the block cache.
    pub fn take_stale_code(&mut self) -> (Vec<Frame>, bool) {
        let all = std::mem::take(&mut self.stale_all_code);
        if all {
            self.code_frames.fill(false);
            for &vpn in &self.filled {
                self.map.set_decoded(vpn << PAGE_SHIFT, false);
            }
        }
        let stale = std::mem::take(&mut self.stale_code);
        self.refresh_attention();
        (stale, all)
    }

    // ---- write watches ----

    /// Logs every store to the `size_bytes` bytes at physical address `paddr` from now on (one
    /// range per memory; a new call replaces the old one). Cached translations go, so the
    /// watched frames' host entries are rebuilt with [`WATCHED`].
    pub fn watch_writes(&mut self, paddr: u32, size_bytes: u32) {
        let start = u64::from(paddr);
        self.watch = Some(WriteWatch {
            start,
            end: start + u64::from(size_bytes),
            log: Vec::new(),
        });
        self.drop_host_map();
    }

    /// True if stores to the watched range wait in the log.
    pub fn has_watched_stores(&self) -> bool {
        self.watch.as_ref().is_some_and(|w| !w.log.is_empty())
    }

    /// Takes the logged stores to the watched range, oldest first, into `out` (cleared first;
    /// passing the same vector each time saves allocations).
    pub fn take_watched_stores(&mut self, out: &mut Vec<WatchedStore>) {
        out.clear();
        if let Some(w) = self.watch.as_mut() {
            std::mem::swap(out, &mut w.log);
        }
        self.refresh_attention();
    }

    /// Asks the interpreter to return to its machine at the next block boundary (the hart
    /// calls this when an interrupt may have become pending and enabled).
    pub fn request_stop(&mut self) {
        self.stop_requested = true;
        self.attention = true;
    }

    /// True (once) if [`Memory::request_stop`] was called since the last time.
    pub fn take_stop_request(&mut self) -> bool {
        let requested = std::mem::take(&mut self.stop_requested);
        self.refresh_attention();
        requested
    }

    /// Recomputes the attention flag after something was taken.
    fn refresh_attention(&mut self) {
        self.attention = self.has_stale_code() || self.has_watched_stores() || self.stop_requested;
    }

    /// Logs the part of a store at RAM offset `off` that has host entry `entry`, if the entry
    /// is watched and the part overlaps the range.
    fn log_if_watched(&mut self, entry: u32, off: usize, bytes: &[u8]) {
        if entry & WATCHED == 0 {
            return;
        }
        let Some(w) = self.watch.as_mut() else {
            return;
        };
        let paddr = RAM_BASE.wrapping_add(off as u32);
        let start = u64::from(paddr);
        if start < w.end && w.start < start + bytes.len() as u64 {
            let mut store = WatchedStore {
                paddr,
                len: bytes.len() as u8,
                bytes: [0; 4],
            };
            store.bytes[..bytes.len()].copy_from_slice(bytes);
            w.log.push(store);
            self.attention = true;
        }
    }

    // ---- loads ----

    /// Loads `N` bytes at `vaddr` (any alignment; plain loads that are misaligned are completed
    /// as Linux's trap handler would, so user code sees them work).
    #[inline(always)]
    pub fn load<const N: usize>(&mut self, vaddr: u32) -> Result<[u8; N], Exception> {
        self.load_with::<N, true, true>(vaddr)
    }

    /// [`Memory::load`] where `TLBS` or `CACHES` false says the memory has no modelled TLBs or
    /// no modelled caches: the fast path then skips the test for them (the interpreter knows
    /// this once per burst).
    #[inline(always)]
    pub fn load_with<const N: usize, const TLBS: bool, const CACHES: bool>(
        &mut self,
        vaddr: u32,
    ) -> Result<[u8; N], Exception> {
        debug_assert!((TLBS || self.tlbs.is_none()) && (CACHES || self.caches.is_none()));
        let entry = self.map.entry(vaddr);
        if entry & READ != 0 && (vaddr & 0xfff) as usize <= 0x1000 - N {
            let off = entry_ram_offset(entry, vaddr);
            if TLBS {
                self.dtlb_access(vaddr, AccessKind::Load)?;
            }
            if CACHES {
                self.cache_access(off, N as u32, CacheKind::Load);
            }
            self.counts.loads[entry_region_index(entry)] += 1;
            return Ok(self.ram.bytes()[off..off + N].try_into().expect("N bytes"));
        }
        self.load_slow(vaddr)
    }

    #[inline(never)]
    fn load_slow<const N: usize>(&mut self, vaddr: u32) -> Result<[u8; N], Exception> {
        let parts = self.translate_parts(vaddr, N as u32, AccessKind::Load)?;
        let mut out = [0u8; N];
        let mut i = 0;
        for &(entry, start, len) in parts.iter().flatten() {
            let off = entry_ram_offset(entry, start);
            self.cache_access(off, len, CacheKind::Load);
            out[i..i + len as usize].copy_from_slice(&self.ram.bytes()[off..off + len as usize]);
            i += len as usize;
        }
        self.counts.loads[self.page_region[(vaddr >> PAGE_SHIFT) as usize] as usize & 7] += 1;
        Ok(out)
    }

    /// Translates the one or two pages an access of `size` bytes at `vaddr` touches (all of
    /// them before any byte moves, so a fault leaves no partial effect): per part, its entry,
    /// first address and length.
    fn translate_parts(
        &mut self,
        vaddr: u32,
        size: u32,
        kind: AccessKind,
    ) -> Result<[Option<AccessPart>; 2], Exception> {
        let in_first = (PAGE_SIZE - (vaddr & (PAGE_SIZE - 1))).min(size);
        let needed = if kind == AccessKind::Store {
            WRITE
        } else {
            READ
        };
        let part = |m: &mut Memory, addr: u32| -> Result<u32, Exception> {
            let entry = m.translate(addr, kind, true)?;
            if entry & needed == 0 {
                // Only a stale D bit can get here: the walk just set it, so walk again.
                let again = m.translate(addr, kind, true)?;
                if again & needed == 0 {
                    return Err(page_fault(kind, addr));
                }
                return Ok(again);
            }
            Ok(entry)
        };
        let first = part(self, vaddr)?;
        if in_first == size {
            return Ok([Some((first, vaddr, size)), None]);
        }
        let next = (vaddr | (PAGE_SIZE - 1)).wrapping_add(1);
        let second = part(self, next)?;
        Ok([
            Some((first, vaddr, in_first)),
            Some((second, next, size - in_first)),
        ])
    }

    // ---- stores ----

    /// Stores `bytes` at `vaddr` (any alignment, like loads).
    #[inline(always)]
    pub fn store<const N: usize>(&mut self, vaddr: u32, bytes: [u8; N]) -> Result<(), Exception> {
        self.store_with::<N, true, true>(vaddr, bytes)
    }

    /// [`Memory::store`]; `TLBS` and `CACHES` as for [`Memory::load_with`].
    #[inline(always)]
    pub fn store_with<const N: usize, const TLBS: bool, const CACHES: bool>(
        &mut self,
        vaddr: u32,
        bytes: [u8; N],
    ) -> Result<(), Exception> {
        debug_assert!((TLBS || self.tlbs.is_none()) && (CACHES || self.caches.is_none()));
        let entry = self.map.entry(vaddr);
        // One mask test keeps stores to decoded code and to watched frames off the fast path.
        if entry & (WRITE | DECODED | WATCHED) == WRITE && (vaddr & 0xfff) as usize <= 0x1000 - N {
            let off = entry_ram_offset(entry, vaddr);
            if TLBS {
                self.dtlb_access(vaddr, AccessKind::Store)?;
            }
            if CACHES {
                self.cache_access(off, N as u32, CacheKind::Store);
            }
            self.counts.stores[entry_region_index(entry)] += 1;
            self.ram.bytes_mut()[off..off + N].copy_from_slice(&bytes);
            return Ok(());
        }
        self.store_slow(vaddr, bytes, CacheKind::Store)
    }

    #[inline(never)]
    fn store_slow<const N: usize>(
        &mut self,
        vaddr: u32,
        bytes: [u8; N],
        cache_kind: CacheKind,
    ) -> Result<(), Exception> {
        let parts = self.translate_parts(vaddr, N as u32, AccessKind::Store)?;
        let mut i = 0;
        for &(entry, start, len) in parts.iter().flatten() {
            // Self-modifying code: the decoded copy of this frame is stale from now on (the
            // hart may keep running the current block: without fence.i, RISC-V does not
            // promise that fetches see the store).
            self.frame_written(entry_frame(entry));
            let off = entry_ram_offset(entry, start);
            self.cache_access(off, len, cache_kind);
            self.ram.bytes_mut()[off..off + len as usize]
                .copy_from_slice(&bytes[i..i + len as usize]);
            self.log_if_watched(entry, off, &bytes[i..i + len as usize]);
            i += len as usize;
        }
        self.counts.stores[self.page_region[(vaddr >> PAGE_SHIFT) as usize] as usize & 7] += 1;
        Ok(())
    }

    // ---- atomics ----

    /// An AMO on the word at `vaddr`: one store-permission translation and one cache access of
    /// kind AMO; `op` maps the old value to the new. Returns the old value.
    pub fn amo(&mut self, vaddr: u32, op: impl FnOnce(u32) -> u32) -> Result<u32, Exception> {
        if vaddr & 3 != 0 {
            return Err(Exception::StoreMisaligned(vaddr));
        }
        let [Some((entry, _, _)), _] = self.translate_parts(vaddr, 4, AccessKind::Store)? else {
            unreachable!("an access has a first part");
        };
        self.frame_written(entry_frame(entry));
        let off = entry_ram_offset(entry, vaddr);
        self.cache_access(off, 4, CacheKind::Amo);
        let old = u32::from_le_bytes(self.ram.bytes()[off..off + 4].try_into().expect("4"));
        let new = op(old).to_le_bytes();
        self.ram.bytes_mut()[off..off + 4].copy_from_slice(&new);
        self.log_if_watched(entry, off, &new);
        let region = self.page_region[(vaddr >> PAGE_SHIFT) as usize] as usize & 7;
        self.counts.loads[region] += 1;
        self.counts.stores[region] += 1;
        Ok(old)
    }

    /// Checks an SC's address: aligned (else a misaligned exception, which Linux turns into
    /// SIGBUS) and writable (else a store page fault), before the SC decides to store.
    pub fn check_atomic(&mut self, vaddr: u32) -> Result<(), Exception> {
        if vaddr & 3 != 0 {
            return Err(Exception::StoreMisaligned(vaddr));
        }
        if self.map.entry(vaddr) & WRITE != 0 {
            return Ok(());
        }
        self.translate_parts(vaddr, 4, AccessKind::Store)
            .map(|_| ())
    }
}

/// The walker's port to memory: PTE reads and A/D writes in RAM, reads counted and (when
/// modelled) sent through the cache hierarchy as accesses of kind `ptw` — the one call site
/// DESIGN.md §4 asks for. The A/D write goes to the line the read just brought into the L1D, so
/// it is not modelled as a separate access.
struct PtwPort<'a> {
    ram: &'a mut PhysMem,
    caches: Option<&'a mut Hierarchy>,
    stats: WalkStats,
    /// Cycles of a read when `caches` is `None`.
    uncached_read_cycles: u64,
    /// While tracing: where the PTE reads are journaled.
    journal: Option<&'a mut Vec<traced::Journaled>>,
}

impl PteMemory for PtwPort<'_> {
    fn read_pte(&mut self, paddr: u64) -> Result<u32, AccessFault> {
        let off = ram_offset(paddr, self.ram.frame_count()).ok_or(AccessFault { paddr })?;
        self.stats.pte_reads += 1;
        self.cache_read(paddr as u32);
        Ok(u32::from_le_bytes(
            self.ram.bytes()[off..off + 4].try_into().expect("4 bytes"),
        ))
    }

    fn write_pte(&mut self, paddr: u64, pte: u32) -> Result<(), AccessFault> {
        let off = ram_offset(paddr, self.ram.frame_count()).ok_or(AccessFault { paddr })?;
        self.stats.pte_writes += 1;
        self.ram.bytes_mut()[off..off + 4].copy_from_slice(&pte.to_le_bytes());
        Ok(())
    }
}

/// Offset in the RAM array of physical address `paddr`, if RAM holds 4 bytes there.
fn ram_offset(paddr: u64, frames: u32) -> Option<usize> {
    let off = paddr.checked_sub(u64::from(RAM_BASE))?;
    (off + 4 <= u64::from(frames) << PAGE_SHIFT).then_some(off as usize)
}

/// The RAM frame holding physical address `paddr`.
fn ram_frame(paddr: u64, frames: u32) -> Option<Frame> {
    let frame = paddr.checked_sub(u64::from(RAM_BASE))? >> PAGE_SHIFT;
    (frame < u64::from(frames)).then_some(Frame(frame as u32))
}

/// The host-map rights a leaf PTE gives in `ctx`: each kind's step-5 check, A required, and W
/// only once D is set (so the first store walks and sets D).
fn host_perms(pte: Pte, ctx: MmuContext) -> u32 {
    if !pte.accessed() {
        return 0;
    }
    let allows = |kind, c: Option<PrivContext>| c.is_some_and(|c| check_leaf(pte, kind, c).is_ok());
    let mut perms = 0;
    if allows(AccessKind::Load, ctx.data) {
        perms |= READ;
    }
    if pte.dirty() && allows(AccessKind::Store, ctx.data) {
        perms |= WRITE;
    }
    if allows(AccessKind::Fetch, ctx.fetch) {
        perms |= EXEC;
    }
    perms
}

/// The page fault of an access of `kind` at `vaddr`.
fn page_fault(kind: AccessKind, vaddr: u32) -> Exception {
    match kind {
        AccessKind::Fetch => Exception::FetchPageFault(vaddr),
        AccessKind::Load => Exception::LoadPageFault(vaddr),
        AccessKind::Store => Exception::StorePageFault(vaddr),
    }
}

/// The access fault of an access of `kind` at `vaddr` (no RAM there).
fn access_fault(kind: AccessKind, vaddr: u32) -> Exception {
    match kind {
        AccessKind::Fetch => Exception::InsnAccessFault(vaddr),
        AccessKind::Load => Exception::LoadAccessFault(vaddr),
        AccessKind::Store => Exception::StoreAccessFault(vaddr),
    }
}

/// The exception a failed walk raises.
fn walk_exception(fault: WalkFault) -> Exception {
    match fault {
        WalkFault::Page { kind, vaddr, .. } => page_fault(kind, vaddr),
        WalkFault::Access { kind, vaddr, .. } => access_fault(kind, vaddr),
    }
}
