//! Sv32 page-table entries, `satp`, and the two-level page-table walk of the RISC-V privileged
//! spec (§4.3 "Sv32: Page-Based 32-bit Virtual-Memory Systems"; the walk is §4.3.2, "Virtual
//! Address Translation Process", steps 1–8).
//!
//! `mem::access` walks with it on a host-map miss (the host map in [`super::pagemap`] caches
//! the results).
//!
//! Physical addresses are 34 bits in Sv32 (a 22-bit PPN and a 12-bit offset), so every physical
//! address here is a `u64`; virtual addresses are `u32`.
//!
//! The walk reads and writes PTEs only through [`PteMemory`], one call site each, so that those
//! accesses can later go through the cache hierarchy as memory accesses of kind `ptw`
//! (DESIGN.md §4).
//!
//! # Privileged test plan (the `guest/bare/` tests, run with `rvscope run --bare`)
//!
//! Each is a small M-mode program in the riscv-tests style (`tohost` ends the run) that builds
//! Sv32 tables in RAM, sets `satp`, drops to S or U with `mret`/`sret` and checks `scause`,
//! `stval` and `sepc` in a trap handler (with `medeleg` delegating page faults to S, and once
//! without delegation to check the M-mode path):
//!
//! - translation: 4 KiB page and 4 MiB megapage, loads/stores/fetches reach the expected frame;
//!   the same frame mapped at two virtual addresses sees its own stores (aliasing).
//! - invalid PTE (V=0) at either level → fault of the access's type (12/13/15), tval = vaddr.
//! - reserved encodings: W without R (leaf) and D/A/U set in a non-leaf PTE → page fault.
//! - a level-0 PTE that is a pointer → page fault.
//! - misaligned megapage (`PPN[0]` ≠ 0) → page fault.
//! - U-mode access to an S page → fault; S-mode load/store to a U page faults with SUM=0 and
//!   succeeds with SUM=1; an S-mode fetch from a U page faults even with SUM=1.
//! - MXR: a load from an execute-only page faults with MXR=0 and succeeds with MXR=1; a fetch from
//!   a read-only page faults; a store to a read-only page → 15; an AMO is a store (15).
//! - A/D: after a load the leaf PTE has A set, after a store A and D; a faulting access sets
//!   neither; M-mode reads the PTE back to check.
//! - fetch faults: tval is the address of the instruction, or of its second half when a 32-bit
//!   instruction straddles into an unmapped page.
//! - PTE read outside RAM (satp.PPN pointing past the end) → access fault 1/5/7, not a page fault.
//! - `sfence.vma`: after changing a PTE and fencing (all, by address, by ASID), the new mapping is
//!   seen; a global mapping survives an ASID-only fence; two ASIDs mapping the same vaddr to
//!   different frames do not see each other's translations.
//! - delegation: page faults delegated to S reach `stvec`; an undelegated one reaches `mtvec`.
//! - MPRV: an M-mode load with MPRV=1, MPP=U is translated and checked as a U-mode access.

use crate::hart::trap::AccessKind;

/// Bits of the page offset (4 KiB pages).
pub const PAGE_SHIFT: u32 = 12;
/// Bits of one VPN field (1024 PTEs per table).
pub const VPN_BITS: u32 = 10;
/// Size of one PTE in bytes (Sv32 PTESIZE).
pub const PTE_SIZE_BYTES: u64 = 4;
/// Number of page-table levels in Sv32 (LEVELS).
pub const LEVELS: u8 = 2;

/// An Sv32 page-table entry (priv spec §4.3.1, Figure "Sv32 page table entry").
///
/// Layout: `PPN[1]` (31:20, 12 bits) | `PPN[0]` (19:10) | RSW (9:8) | D A G U X W R V (7:0).
#[derive(Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct Pte(pub u32);

impl Pte {
    /// Valid.
    pub const V: u32 = 1 << 0;
    /// Readable.
    pub const R: u32 = 1 << 1;
    /// Writable.
    pub const W: u32 = 1 << 2;
    /// Executable.
    pub const X: u32 = 1 << 3;
    /// Accessible to U-mode.
    pub const U: u32 = 1 << 4;
    /// Global mapping (present in all address spaces).
    pub const G: u32 = 1 << 5;
    /// Accessed.
    pub const A: u32 = 1 << 6;
    /// Dirty.
    pub const D: u32 = 1 << 7;
    const RSW_SHIFT: u32 = 8;
    const RSW_MASK: u32 = 0x3;
    const PPN_SHIFT: u32 = 10;
    const PPN0_MASK: u32 = (1 << VPN_BITS) - 1;
    /// PPN is 22 bits: `PPN[1]` is 12 bits wide, which is why Sv32 reaches 34-bit physical space.
    const PPN_MASK: u32 = (1 << 22) - 1;

    /// A PTE pointing at physical page `ppn` (22 bits) with the given flag bits (`V`, `R`, …).
    pub fn new(ppn: u32, flags: u32) -> Pte {
        Pte(((ppn & Self::PPN_MASK) << Self::PPN_SHIFT) | (flags & 0x3ff))
    }

    /// The raw 32-bit word.
    pub fn bits(self) -> u32 {
        self.0
    }

    /// This PTE with `flags` also set.
    #[must_use]
    pub fn with(self, flags: u32) -> Pte {
        Pte(self.0 | flags)
    }

    fn has(self, flag: u32) -> bool {
        self.0 & flag != 0
    }

    /// V: the entry is valid.
    pub fn valid(self) -> bool {
        self.has(Self::V)
    }

    /// R: readable.
    pub fn readable(self) -> bool {
        self.has(Self::R)
    }

    /// W: writable.
    pub fn writable(self) -> bool {
        self.has(Self::W)
    }

    /// X: executable.
    pub fn executable(self) -> bool {
        self.has(Self::X)
    }

    /// U: accessible to U-mode.
    pub fn user(self) -> bool {
        self.has(Self::U)
    }

    /// G: global mapping.
    pub fn global(self) -> bool {
        self.has(Self::G)
    }

    /// A: accessed.
    pub fn accessed(self) -> bool {
        self.has(Self::A)
    }

    /// D: dirty.
    pub fn dirty(self) -> bool {
        self.has(Self::D)
    }

    /// The two software-reserved bits (the pager keeps swap bookkeeping there).
    pub fn rsw(self) -> u32 {
        (self.0 >> Self::RSW_SHIFT) & Self::RSW_MASK
    }

    /// The full 22-bit physical page number.
    pub fn ppn(self) -> u32 {
        self.0 >> Self::PPN_SHIFT
    }

    /// `PPN[0]`, the low 10 bits of the PPN.
    pub fn ppn0(self) -> u32 {
        self.ppn() & Self::PPN0_MASK
    }

    /// `PPN[1]`, the high 12 bits of the PPN.
    pub fn ppn1(self) -> u32 {
        self.ppn() >> VPN_BITS
    }

    /// A leaf maps memory (R or X set); otherwise a valid PTE points to the next table (§4.3.1).
    pub fn is_leaf(self) -> bool {
        self.has(Self::R | Self::X)
    }

    /// W without R is reserved for future use (§4.3.1, Table "Encoding of PTE R/W/X fields").
    pub fn is_reserved_rwx(self) -> bool {
        self.writable() && !self.readable()
    }
}

impl std::fmt::Debug for Pte {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let flags: String = "DAGUXWRV"
            .chars()
            .enumerate()
            .map(|(i, c)| if self.0 & (1 << (7 - i)) != 0 { c } else { '-' })
            .collect();
        write!(f, "Pte(ppn={:#x} rsw={} {flags})", self.ppn(), self.rsw())
    }
}

/// The `satp` translation mode (§4.1.11: one bit in RV32).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SatpMode {
    /// No translation.
    Bare,
    /// Sv32 page-based translation.
    Sv32,
}

/// The RV32 `satp` register: MODE (bit 31), ASID (30:22), PPN of the root table (21:0).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Satp(pub u32);

impl Satp {
    const MODE_BIT: u32 = 1 << 31;
    const ASID_SHIFT: u32 = 22;
    /// RV32 has 9 ASID bits (ASIDMAX); an implementation may hardwire fewer.
    const ASID_MASK: u32 = (1 << 9) - 1;
    const PPN_MASK: u32 = (1 << 22) - 1;

    /// A `satp` value from its fields (ASID truncated to 9 bits, PPN to 22).
    pub fn new(mode: SatpMode, asid: u16, root_ppn: u32) -> Satp {
        let mode_bit = match mode {
            SatpMode::Bare => 0,
            SatpMode::Sv32 => Self::MODE_BIT,
        };
        Satp(
            mode_bit
                | ((u32::from(asid) & Self::ASID_MASK) << Self::ASID_SHIFT)
                | (root_ppn & Self::PPN_MASK),
        )
    }

    /// MODE: Bare or Sv32.
    pub fn mode(self) -> SatpMode {
        if self.0 & Self::MODE_BIT != 0 {
            SatpMode::Sv32
        } else {
            SatpMode::Bare
        }
    }

    /// ASID: the address-space identifier.
    pub fn asid(self) -> u16 {
        ((self.0 >> Self::ASID_SHIFT) & Self::ASID_MASK) as u16
    }

    /// PPN of the root page table.
    pub fn root_ppn(self) -> u32 {
        self.0 & Self::PPN_MASK
    }

    /// Physical address of the root page table (34-bit).
    pub fn root_paddr(self) -> u64 {
        u64::from(self.root_ppn()) << PAGE_SHIFT
    }
}

/// The privilege an access is checked at (M-mode is never translated; with MPRV the caller
/// passes the effective U or S).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Privilege {
    /// User mode.
    User,
    /// Supervisor mode.
    Supervisor,
}

/// Effective privilege and the `mstatus` bits that change page permissions (§4.3.1, §3.1.6.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PrivContext {
    /// Effective privilege of the access (for fetches, the current mode).
    pub privilege: Privilege,
    /// SUM: S-mode may load/store (never fetch) U pages.
    pub sum: bool,
    /// MXR: loads from executable pages succeed even without R.
    pub mxr: bool,
}

impl PrivContext {
    /// A U-mode context (SUM and MXR clear).
    pub const USER: PrivContext = PrivContext {
        privilege: Privilege::User,
        sum: false,
        mxr: false,
    };
    /// An S-mode context (SUM and MXR clear).
    pub const SUPERVISOR: PrivContext = PrivContext {
        privilege: Privilege::Supervisor,
        sum: false,
        mxr: false,
    };
}

/// A physical access the memory system refused (no RAM there, or a PMA/PMP violation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AccessFault {
    /// The physical address that could not be accessed (34-bit).
    pub paddr: u64,
}

/// Where the walk reads and writes PTEs: simulated RAM directly, or later the data-cache
/// hierarchy with accesses of kind `ptw`.
pub trait PteMemory {
    /// Reads the 32-bit PTE at physical address `paddr` (4-byte aligned).
    fn read_pte(&mut self, paddr: u64) -> Result<u32, AccessFault>;
    /// Writes the 32-bit PTE at physical address `paddr` (the walker's A/D update).
    fn write_pte(&mut self, paddr: u64, pte: u32) -> Result<(), AccessFault>;
}

/// Size of the page a translation falls in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PageSize {
    /// A 4 KiB page (leaf at level 0).
    Page4K,
    /// A 4 MiB megapage (leaf at level 1).
    Mega4M,
}

impl PageSize {
    /// Bits of the offset within a page of this size.
    pub fn shift(self) -> u32 {
        match self {
            PageSize::Page4K => PAGE_SHIFT,
            PageSize::Mega4M => PAGE_SHIFT + VPN_BITS,
        }
    }

    /// Size in bytes.
    pub fn bytes(self) -> u64 {
        1 << self.shift()
    }

    /// The page size of a leaf found at `level` (0 or 1).
    fn at_level(level: u8) -> PageSize {
        if level == 0 {
            PageSize::Page4K
        } else {
            PageSize::Mega4M
        }
    }
}

/// A successful walk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Translation {
    /// The physical address (34-bit, hence `u64`).
    pub paddr: u64,
    /// Page or megapage.
    pub page_size: PageSize,
    /// The leaf PTE as it is in memory after the walk (A, and D for a store, set).
    pub pte: Pte,
    /// Physical address of the leaf PTE.
    pub pte_paddr: u64,
    /// Level of the leaf: 1 for a megapage, 0 for a 4 KiB page.
    pub level: u8,
    /// The mapping is global: G set in the leaf or in the pointer above it (§4.3.1).
    pub global: bool,
    /// Number of PTEs read (2 for a 4 KiB page, 1 for a megapage).
    pub pte_reads: u8,
    /// The walker wrote the leaf PTE back to set A and/or D.
    pub pte_written: bool,
}

/// Which rule of §4.3.2 a page fault came from (for tests and fault reports).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageFaultReason {
    /// Step 3: V = 0.
    Invalid,
    /// Step 3: W = 1 with R = 0.
    WriteWithoutRead,
    /// Step 3: D, A or U set in a non-leaf PTE (reserved for future standard use, §4.3.1).
    NonLeafReservedBits,
    /// Step 4: a pointer PTE at level 0.
    PointerAtLevel0,
    /// Step 5: a U-mode access to a page without U.
    SupervisorPage,
    /// Step 5: an S-mode access to a U page (a fetch, or a load/store with SUM = 0).
    UserPage,
    /// Step 5: R/W/X do not allow this access (with MXR taken into account).
    Permission,
    /// Step 6: a megapage whose `PPN[0]` is not zero.
    MisalignedMegapage,
}

/// Why a walk failed. Both kinds take the exception type of the original access.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WalkFault {
    /// A page fault (cause 12, 13 or 15).
    Page {
        /// The original access.
        kind: AccessKind,
        /// The virtual address being translated (becomes tval).
        vaddr: u32,
        /// The rule that failed.
        reason: PageFaultReason,
    },
    /// Reading or writing a PTE failed (cause 1, 5 or 7).
    Access {
        /// The original access.
        kind: AccessKind,
        /// The virtual address being translated (becomes tval).
        vaddr: u32,
        /// The PTE address that could not be accessed.
        pte_paddr: u64,
    },
}

impl WalkFault {
    /// The `scause`/`mcause` exception code (§3.1.15).
    pub fn cause(self) -> u32 {
        match self {
            WalkFault::Page { kind, .. } => match kind {
                AccessKind::Fetch => 12,
                AccessKind::Load => 13,
                AccessKind::Store => 15,
            },
            WalkFault::Access { kind, .. } => match kind {
                AccessKind::Fetch => 1,
                AccessKind::Load => 5,
                AccessKind::Store => 7,
            },
        }
    }

    /// The `stval`/`mtval` value: the faulting virtual address, also for PTE access faults.
    pub fn tval(self) -> u32 {
        match self {
            WalkFault::Page { vaddr, .. } | WalkFault::Access { vaddr, .. } => vaddr,
        }
    }
}

/// `VPN[i]` of a virtual address (i = 0 or 1).
pub fn vpn(vaddr: u32, level: u8) -> u32 {
    (vaddr >> (PAGE_SHIFT + VPN_BITS * u32::from(level))) & ((1 << VPN_BITS) - 1)
}

/// Step 5: does leaf `pte` allow `kind` at `ctx`? Also the check a TLB hit repeats.
pub fn check_leaf(pte: Pte, kind: AccessKind, ctx: PrivContext) -> Result<(), PageFaultReason> {
    // §4.3.1: U pages are for U-mode; S-mode may load/store them only with SUM, and may never
    // execute from them. Pages without U are inaccessible to U-mode.
    match (ctx.privilege, pte.user()) {
        (Privilege::User, false) => return Err(PageFaultReason::SupervisorPage),
        (Privilege::Supervisor, true) if kind == AccessKind::Fetch || !ctx.sum => {
            return Err(PageFaultReason::UserPage)
        }
        _ => {}
    }
    let allowed = match kind {
        AccessKind::Fetch => pte.executable(),
        // §3.1.6.3 MXR: loads from pages marked either readable or executable succeed.
        AccessKind::Load => pte.readable() || (ctx.mxr && pte.executable()),
        AccessKind::Store => pte.writable(),
    };
    if allowed {
        Ok(())
    } else {
        Err(PageFaultReason::Permission)
    }
}

/// Translates `vaddr` for an access of `kind` at `ctx` by walking the Sv32 tables rooted at
/// `satp`, setting A/D in the leaf PTE (priv spec §4.3.2, with hardware A/D update).
///
/// The caller decides that translation applies (MODE = Sv32 and effective privilege S or U,
/// step 1) and checks the resulting physical address against PMA/PMP.
pub fn walk<M: PteMemory>(
    mem: &mut M,
    satp: Satp,
    vaddr: u32,
    kind: AccessKind,
    ctx: PrivContext,
) -> Result<Translation, WalkFault> {
    let page_fault = |reason| WalkFault::Page {
        kind,
        vaddr,
        reason,
    };
    // Step 1: a = satp.ppn × PAGESIZE, i = LEVELS − 1.
    let mut table = satp.root_paddr();
    let mut level = LEVELS - 1;
    let mut pte_reads = 0u8;
    let mut global = false;
    loop {
        // Step 2: pte = the PTE at a + va.vpn[i] × PTESIZE; a failed read is an access fault.
        let pte_paddr = table + u64::from(vpn(vaddr, level)) * PTE_SIZE_BYTES;
        let pte = Pte(mem.read_pte(pte_paddr).map_err(|_| WalkFault::Access {
            kind,
            vaddr,
            pte_paddr,
        })?);
        pte_reads += 1;
        // Step 3: invalid, or a reserved encoding. Sv32 has no reserved high bits; the
        // reserved R/W/X encoding is W without R, and for a pointer D, A and U are reserved
        // (§4.3.1) — we fault on them, as step 3 says for reserved bits that are set.
        if !pte.valid() {
            return Err(page_fault(PageFaultReason::Invalid));
        }
        if pte.is_reserved_rwx() {
            return Err(page_fault(PageFaultReason::WriteWithoutRead));
        }
        // §4.3.1: G in a pointer makes every mapping below it global.
        global |= pte.global();
        if !pte.is_leaf() {
            if pte.0 & (Pte::D | Pte::A | Pte::U) != 0 {
                return Err(page_fault(PageFaultReason::NonLeafReservedBits));
            }
            // Step 4: a pointer to the next level; none exists below level 0.
            if level == 0 {
                return Err(page_fault(PageFaultReason::PointerAtLevel0));
            }
            level -= 1;
            table = u64::from(pte.ppn()) << PAGE_SHIFT;
            continue;
        }
        // Step 5: the leaf's permissions, privilege, SUM and MXR.
        check_leaf(pte, kind, ctx).map_err(page_fault)?;
        // Step 6: a megapage must be aligned: PPN[0] = 0.
        if level > 0 && pte.ppn0() != 0 {
            return Err(page_fault(PageFaultReason::MisalignedMegapage));
        }
        // Step 7 (Svadu-style hardware update): set A, and D for a store, if not yet set.
        // The spec's compare-and-swap is trivially atomic here: one hart, and the walk reads
        // and writes with no other agent in between.
        let mut leaf = pte.with(Pte::A);
        if kind == AccessKind::Store {
            leaf = leaf.with(Pte::D);
        }
        let pte_written = leaf != pte;
        if pte_written {
            mem.write_pte(pte_paddr, leaf.0)
                .map_err(|_| WalkFault::Access {
                    kind,
                    vaddr,
                    pte_paddr,
                })?;
        }
        // Step 8: pa.pgoff = va.pgoff; for a megapage pa.ppn[0] = va.vpn[0];
        // pa.ppn[1] = pte.ppn[1].
        let page_size = PageSize::at_level(level);
        let offset_mask = page_size.bytes() - 1;
        let paddr = ((u64::from(leaf.ppn()) << PAGE_SHIFT) & !offset_mask)
            | (u64::from(vaddr) & offset_mask);
        return Ok(Translation {
            paddr,
            page_size,
            pte: leaf,
            pte_paddr,
            level,
            global,
            pte_reads,
            pte_written,
        });
    }
}

#[cfg(test)]
mod tests;
