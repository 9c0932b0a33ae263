//! The kernel's Sv32 page tables, built in simulated physical RAM (DESIGN.md §2, priv spec
//! §4.3). The hart's MMU walks exactly these bytes: what the kernel writes here is what every
//! fetch, load and store is translated by.
//!
//! Layout: one root table (1024 PTEs) and a level-0 table per 4 MiB of user space that has a
//! mapping. User pages are 4 KiB leaves with `U` set and `A`/`D` clear — the walker sets them on
//! first access and first store, as hardware that manages A/D does (the pager reads them).
//! The kernel range `0xC000_0000..` maps RAM linearly with global, supervisor-only megapages
//! (as 32-bit Linux's lowmem map does), so a user access there is a page fault on `U = 0`.

use crate::mem::phys::{Frame, FrameOwner, PhysMem, PAGE_SIZE, RAM_BASE};
use crate::mmu::pagemap::Perms;
use crate::mmu::sv32::{vpn, Pte, Satp, SatpMode, PAGE_SHIFT, PTE_SIZE_BYTES};
use crate::os::layout::KERNEL_BASE;

/// Bytes one megapage (a root-level leaf) maps.
const MEGAPAGE_BYTES: u64 = 1 << SPAN_SHIFT;
/// log2 of the bytes one root PTE spans (a level-0 table's reach, or a megapage).
const SPAN_SHIFT: u32 = 22;
/// PTEs in one table (one 4 KiB frame).
const PTES_PER_TABLE: usize = (PAGE_SIZE as u64 / PTE_SIZE_BYTES) as usize;
/// The ASID the (single) process runs with.
pub const PROCESS_ASID: u16 = 1;
/// Marks a not-present leaf that holds a swap slot (RSW bit 8; V stays 0).
const SWAPPED: u32 = 1 << 8;
/// Where the slot number sits in a swapped leaf (the PPN field).
const SLOT_SHIFT: u32 = 10;
/// Swap slots a not-present leaf can name (22 bits: 16 GiB of 4 KiB pages).
pub const MAX_SWAP_SLOTS: u64 = 1 << (32 - SLOT_SHIFT);

/// No frame was free for a level-0 table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutOfFrames;

/// A process's page tables.
#[derive(Clone, Debug)]
pub struct PageTables {
    root: Frame,
    /// Level-0 tables allocated (the root not included).
    leaf_tables: u32,
}

impl PageTables {
    /// An empty user address space with the kernel's linear map of `ram` above
    /// [`KERNEL_BASE`]; `None` if RAM has no frame for the root table.
    pub fn new(ram: &mut PhysMem) -> Option<PageTables> {
        let root = ram.alloc_zeroed()?;
        ram.set_owner(root, FrameOwner::PageTable);
        let tables = PageTables {
            root,
            leaf_tables: 0,
        };
        let ram_bytes = u64::from(ram.frame_count()) << PAGE_SHIFT;
        let kernel_span = (1u64 << 32) - u64::from(KERNEL_BASE);
        let mut offset = 0;
        while offset < ram_bytes.min(kernel_span) {
            let vaddr = KERNEL_BASE + offset as u32;
            let ppn = ((u64::from(RAM_BASE) + offset) >> PAGE_SHIFT) as u32;
            // Priv spec §4.3.1: A and D may be preset when the kernel does not track them.
            let pte = Pte::new(ppn, Pte::V | Pte::R | Pte::W | Pte::G | Pte::A | Pte::D);
            write_pte(ram, tables.pte_paddr(root, vaddr, 1), pte);
            offset += MEGAPAGE_BYTES;
        }
        Some(tables)
    }

    /// The `satp` value that selects these tables.
    pub fn satp(&self) -> Satp {
        Satp::new(SatpMode::Sv32, PROCESS_ASID, frame_ppn(self.root))
    }

    /// Frames holding page tables (the root and every level-0 table).
    pub fn table_frames(&self) -> u32 {
        1 + self.leaf_tables
    }

    /// Maps the 4 KiB page at `vaddr` (a user address) to `frame` with `perms`, allocating its
    /// level-0 table if needed.
    pub fn map(
        &mut self,
        ram: &mut PhysMem,
        vaddr: u32,
        frame: Frame,
        perms: Perms,
    ) -> Result<(), OutOfFrames> {
        debug_assert!(vaddr < KERNEL_BASE);
        let table = match self.table_of(ram, vaddr) {
            Some(t) => t,
            None => {
                let t = ram.alloc_zeroed().ok_or(OutOfFrames)?;
                ram.set_owner(t, FrameOwner::PageTable);
                self.leaf_tables += 1;
                write_pte(
                    ram,
                    self.pte_paddr(self.root, vaddr, 1),
                    Pte::new(frame_ppn(t), Pte::V),
                );
                t
            }
        };
        write_pte(
            ram,
            self.pte_paddr(table, vaddr, 0),
            Pte::new(frame_ppn(frame), leaf_flags(perms)),
        );
        Ok(())
    }

    /// Removes the mapping of the page at `vaddr`; returns the frame it mapped.
    pub fn unmap(&mut self, ram: &mut PhysMem, vaddr: u32) -> Option<Frame> {
        let (paddr, pte) = self.leaf(ram, vaddr)?;
        write_pte(ram, paddr, Pte(0));
        ppn_frame(pte.ppn())
    }

    /// True if mapping `vaddr` needs a new level-0 table (one more frame).
    pub fn needs_table(&self, ram: &PhysMem, vaddr: u32) -> bool {
        self.table_of(ram, vaddr).is_none()
    }

    /// Makes the mapped page at `vaddr` not present, remembering swap `slot` in its leaf (or
    /// leaving it empty, for a page a fault can rebuild); returns the frame it mapped.
    pub fn swap_out(&mut self, ram: &mut PhysMem, vaddr: u32, slot: Option<u32>) -> Option<Frame> {
        let (paddr, pte) = self.leaf(ram, vaddr)?;
        let entry = slot.map_or(0, |s| {
            debug_assert!(u64::from(s) < MAX_SWAP_SLOTS);
            s << SLOT_SHIFT | SWAPPED
        });
        write_pte(ram, paddr, Pte(entry));
        ppn_frame(pte.ppn())
    }

    /// The swap slot named by the not-present leaf of `vaddr`, if the page is in swap.
    pub fn swap_slot(&self, ram: &PhysMem, vaddr: u32) -> Option<u32> {
        let table = self.table_of(ram, vaddr)?;
        let pte = read_pte(ram, self.pte_paddr(table, vaddr, 0));
        (!pte.valid() && pte.0 & SWAPPED != 0).then_some(pte.0 >> SLOT_SHIFT)
    }

    /// Empties the not-present leaf of `vaddr` if it names a swap slot; returns the slot.
    pub fn take_swap_slot(&mut self, ram: &mut PhysMem, vaddr: u32) -> Option<u32> {
        let slot = self.swap_slot(ram, vaddr)?;
        let table = self.table_of(ram, vaddr)?;
        write_pte(ram, self.pte_paddr(table, vaddr, 0), Pte(0));
        Some(slot)
    }

    /// Clears A in the leaf of `vaddr`; returns whether it was set (the clock hand's look).
    pub fn take_accessed(&mut self, ram: &mut PhysMem, vaddr: u32) -> bool {
        match self.leaf(ram, vaddr) {
            Some((paddr, pte)) if pte.accessed() => {
                write_pte(ram, paddr, Pte(pte.0 & !Pte::A));
                true
            }
            _ => false,
        }
    }

    /// The not-present user leaves in `[start, end)` that name a swap slot (for
    /// `--show-maps`), read without side effects like [`PageTables::user_leaves`].
    pub fn swapped_pages(&self, ram: &PhysMem, start: u32, end: u64) -> u32 {
        let end = end.min(u64::from(KERNEL_BASE));
        let mut count = 0;
        let mut page = u64::from(start);
        while page < end {
            let vaddr = page as u32;
            match self.table_of(ram, vaddr) {
                Some(_) => {
                    count += u32::from(self.swap_slot(ram, vaddr).is_some());
                    page += u64::from(PAGE_SIZE);
                }
                // No level-0 table: nothing in this 4 MiB span.
                None => page = ((page >> SPAN_SHIFT) + 1) << SPAN_SHIFT,
            }
        }
        count
    }

    /// Sets A and D in the leaf of `vaddr`, if mapped (the kernel wrote the page on the
    /// program's behalf).
    pub fn mark_dirty(&mut self, ram: &mut PhysMem, vaddr: u32) {
        if let Some((paddr, pte)) = self.leaf(ram, vaddr) {
            write_pte(ram, paddr, pte.with(Pte::A | Pte::D));
        }
    }

    /// Number of valid user leaves (pages below [`KERNEL_BASE`]).
    pub fn resident_pages(&self, ram: &PhysMem) -> u32 {
        let mut count = 0;
        for top in 0..(KERNEL_BASE >> 22) {
            let vaddr = top << 22;
            if let Some(table) = self.table_of(ram, vaddr) {
                let bytes = ram.frame(table);
                count += bytes
                    .chunks_exact(4)
                    .filter(|pte| pte[0] & Pte::V as u8 != 0)
                    .count() as u32;
            }
        }
        count
    }

    /// The valid user leaves in `[start, end)` with their page addresses, in address order
    /// (for `--show-maps`). A read-only look at the kernel's own tables: it skips 4 MiB spans
    /// without a level-0 table, and neither walks, sets A/D nor touches a modelled TLB or cache.
    pub fn user_leaves<'a>(
        &'a self,
        ram: &'a PhysMem,
        start: u32,
        end: u64,
    ) -> impl Iterator<Item = (u32, Pte)> + 'a {
        let end = end.min(u64::from(KERNEL_BASE));
        let first_span = u64::from(start) >> SPAN_SHIFT;
        let spans = first_span..end.div_ceil(1 << SPAN_SHIFT).max(first_span);
        spans
            .filter_map(move |span| {
                let base = (span << SPAN_SHIFT) as u32;
                self.table_of(ram, base).map(|table| (base, table))
            })
            .flat_map(move |(base, table)| {
                let bytes = ram.frame(table);
                (0..PTES_PER_TABLE).filter_map(move |i| {
                    let vaddr = base + ((i as u32) << PAGE_SHIFT);
                    let off = i * PTE_SIZE_BYTES as usize;
                    let pte = Pte(u32::from_le_bytes(
                        bytes[off..off + 4].try_into().expect("4 bytes"),
                    ));
                    let inside = vaddr >= start && u64::from(vaddr) < end;
                    (inside && pte.valid()).then_some((vaddr, pte))
                })
            })
    }

    /// Valid megapage leaves of the kernel's linear map (root entries at or above
    /// [`KERNEL_BASE`]).
    pub fn kernel_megapages(&self, ram: &PhysMem) -> u32 {
        (KERNEL_BASE >> SPAN_SHIFT..=u32::MAX >> SPAN_SHIFT)
            .filter(|&span| {
                let pte = read_pte(ram, self.pte_paddr(self.root, span << SPAN_SHIFT, 1));
                pte.valid() && pte.is_leaf()
            })
            .count() as u32
    }

    /// The valid 4 KiB leaf PTE of `vaddr` and its physical address, if the page is mapped.
    pub fn leaf(&self, ram: &PhysMem, vaddr: u32) -> Option<(u64, Pte)> {
        let table = self.table_of(ram, vaddr)?;
        let paddr = self.pte_paddr(table, vaddr, 0);
        let pte = read_pte(ram, paddr);
        pte.valid().then_some((paddr, pte))
    }

    /// The frame the page at `vaddr` is mapped to.
    pub fn frame_of(&self, ram: &PhysMem, vaddr: u32) -> Option<Frame> {
        self.leaf(ram, vaddr)
            .and_then(|(_, pte)| ppn_frame(pte.ppn()))
    }

    /// The level-0 table covering `vaddr`, if allocated.
    fn table_of(&self, ram: &PhysMem, vaddr: u32) -> Option<Frame> {
        let pointer = read_pte(ram, self.pte_paddr(self.root, vaddr, 1));
        (pointer.valid() && !pointer.is_leaf())
            .then(|| ppn_frame(pointer.ppn()))
            .flatten()
    }

    /// Physical address of the PTE for `vaddr` at `level` in `table`.
    fn pte_paddr(&self, table: Frame, vaddr: u32, level: u8) -> u64 {
        u64::from(table.paddr()) + u64::from(vpn(vaddr, level)) * PTE_SIZE_BYTES
    }
}

/// PTE flags of a user leaf with `perms` (Linux maps write-only as read-write: W without R is
/// reserved, §4.3.1).
fn leaf_flags(perms: Perms) -> u32 {
    let mut flags = Pte::V | Pte::U;
    if perms.read || perms.write {
        flags |= Pte::R;
    }
    if perms.write {
        flags |= Pte::W;
    }
    if perms.exec {
        flags |= Pte::X;
    }
    flags
}

/// The PPN of a RAM frame.
fn frame_ppn(frame: Frame) -> u32 {
    frame.paddr() >> PAGE_SHIFT
}

/// The RAM frame of a PPN, if it is in RAM.
fn ppn_frame(ppn: u32) -> Option<Frame> {
    ppn.checked_sub(RAM_BASE >> PAGE_SHIFT).map(Frame)
}

fn ram_offset(paddr: u64) -> usize {
    (paddr - u64::from(RAM_BASE)) as usize
}

fn read_pte(ram: &PhysMem, paddr: u64) -> Pte {
    let off = ram_offset(paddr);
    Pte(u32::from_le_bytes(
        ram.bytes()[off..off + 4].try_into().expect("4 bytes"),
    ))
}

fn write_pte(ram: &mut PhysMem, paddr: u64, pte: Pte) {
    let off = ram_offset(paddr);
    ram.bytes_mut()[off..off + 4].copy_from_slice(&pte.0.to_le_bytes());
}

const _: () = assert!(PAGE_SIZE == 1 << PAGE_SHIFT);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hart::trap::AccessKind;
    use crate::mmu::sv32::{walk, AccessFault, PageFaultReason, PrivContext, PteMemory, WalkFault};

    /// The hardware's view: the walker reading the same RAM.
    struct Ram<'a>(&'a mut PhysMem);

    impl PteMemory for Ram<'_> {
        fn read_pte(&mut self, paddr: u64) -> Result<u32, AccessFault> {
            Ok(read_pte(self.0, paddr).0)
        }
        fn write_pte(&mut self, paddr: u64, pte: u32) -> Result<(), AccessFault> {
            write_pte(self.0, paddr, Pte(pte));
            Ok(())
        }
    }

    const RW: Perms = Perms::RW;

    #[test]
    fn the_walker_translates_what_the_kernel_mapped() {
        let mut ram = PhysMem::new(1 << 20);
        let mut pt = PageTables::new(&mut ram).unwrap();
        let frame = ram.alloc_zeroed().unwrap();
        pt.map(&mut ram, 0x1234_5000, frame, RW).unwrap();
        assert_eq!(pt.table_frames(), 2);
        let satp = pt.satp();
        let t = walk(
            &mut Ram(&mut ram),
            satp,
            0x1234_5678,
            AccessKind::Store,
            PrivContext::USER,
        )
        .unwrap();
        assert_eq!(t.paddr, u64::from(frame.paddr()) + 0x678);
        assert!(t.pte.accessed() && t.pte.dirty(), "the walker set A and D");
        // The kernel sees the walker's A/D update in its own table.
        let (_, pte) = pt.leaf(&ram, 0x1234_5000).unwrap();
        assert!(pte.dirty() && pte.user() && !pte.executable());
        assert_eq!(pt.unmap(&mut ram, 0x1234_5000), Some(frame));
        let fault = walk(
            &mut Ram(&mut ram),
            satp,
            0x1234_5678,
            AccessKind::Load,
            PrivContext::USER,
        )
        .unwrap_err();
        assert!(matches!(
            fault,
            WalkFault::Page {
                reason: PageFaultReason::Invalid,
                ..
            }
        ));
    }

    #[test]
    fn user_leaves_lists_mapped_pages_of_a_range_without_side_effects() {
        let mut ram = PhysMem::new(8 << 20);
        let mut pt = PageTables::new(&mut ram).unwrap();
        // Two pages in one 4 MiB span, one in another, one outside the range asked for.
        for vaddr in [0x0001_0000, 0x0001_2000, 0x0040_1000, 0x0080_0000] {
            let frame = ram.alloc_zeroed().unwrap();
            pt.map(&mut ram, vaddr, frame, RW).unwrap();
        }
        pt.mark_dirty(&mut ram, 0x0001_2000);
        let before = ram.bytes().to_vec();
        let leaves: Vec<(u32, bool)> = pt
            .user_leaves(&ram, 0x0001_0000, 0x0080_0000)
            .map(|(vaddr, pte)| (vaddr, pte.dirty()))
            .collect();
        assert_eq!(
            leaves,
            [
                (0x0001_0000, false),
                (0x0001_2000, true),
                (0x0040_1000, false)
            ]
        );
        assert_eq!(pt.user_leaves(&ram, 0x0001_1000, 0x0001_2000).count(), 0);
        assert_eq!(pt.user_leaves(&ram, 0, 1 << 32).count(), 4);
        assert_eq!(ram.bytes(), &before[..], "looking changed nothing");
        // 8 MiB of RAM: two megapages of the linear map.
        assert_eq!(pt.kernel_megapages(&ram), 2);
    }

    #[test]
    fn the_kernel_range_is_supervisor_only_and_linear() {
        let mut ram = PhysMem::new(8 << 20);
        let pt = PageTables::new(&mut ram).unwrap();
        let user = walk(
            &mut Ram(&mut ram),
            pt.satp(),
            KERNEL_BASE + 0x10,
            AccessKind::Load,
            PrivContext::USER,
        );
        assert!(matches!(
            user,
            Err(WalkFault::Page {
                reason: PageFaultReason::SupervisorPage,
                ..
            })
        ));
        let kernel = walk(
            &mut Ram(&mut ram),
            pt.satp(),
            KERNEL_BASE + (4 << 20) + 0x10,
            AccessKind::Load,
            PrivContext::SUPERVISOR,
        )
        .unwrap();
        assert_eq!(kernel.paddr, u64::from(RAM_BASE) + (4 << 20) + 0x10);
        assert!(kernel.global);
    }
}
