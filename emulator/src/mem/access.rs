//! The hart's door into memory: every fetch, load and store is translated through the page map
//! (standing in for the MMU), checked against the page's permissions, counted per region, and
//! then served from simulated RAM. Instruction fetches go through the decoded-instruction cache
//! (DESIGN.md §10: decode once per physical page, invalidate on stores to a decoded page).
//!
//! A failed check returns the page-fault [`Exception`] the Sv32 MMU would raise; the access has
//! then had no effect, so the kernel can resolve the fault and retry the instruction.

use crate::hart::trap::Exception;
use crate::isa::{self, Insn, InsnClass};
use crate::mem::phys::{Frame, PhysMem, PAGE_SHIFT, PAGE_SIZE};
use crate::mmu::pagemap::{
    entry_frame, entry_ram_offset, entry_region_index, PageMap, DECODED, EXEC, READ, VALID, WRITE,
};
use crate::os::layout::Region;

/// One slot of a decoded page: the instruction at that halfword, ready to execute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CachedInsn {
    /// The (expanded) instruction.
    pub insn: Insn,
    /// Raw encoding (16-bit forms zero-extended).
    pub raw: u32,
    /// Encoded length in bytes; 0 marks a slot not decoded yet.
    pub len: u8,
    /// Instruction class, for the instruction mix.
    pub class: InsnClass,
}

impl CachedInsn {
    const EMPTY: CachedInsn = CachedInsn {
        insn: Insn::Illegal { raw: 0 },
        raw: 0,
        len: 0,
        class: InsnClass::System,
    };

    fn from_raw(raw: u32) -> CachedInsn {
        let d = isa::decode(raw);
        CachedInsn {
            insn: d.insn,
            raw: d.raw,
            len: d.len,
            class: d.insn.class(),
        }
    }
}

const SLOTS_PER_PAGE: usize = (PAGE_SIZE / 2) as usize;
const NO_PAGE: u32 = u32::MAX;

/// Loads and stores counted per region.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AccessCounts {
    /// Loads (including LR and the read half of AMOs) per [`Region`] index.
    pub loads: [u64; Region::COUNT],
    /// Stores (including SC and the write half of AMOs) per region index.
    pub stores: [u64; Region::COUNT],
}

/// Decoded pages, one per frame that has been executed from.
struct DecodeCache {
    /// All decoded pages back to back, `SLOTS_PER_PAGE` slots each (one per halfword).
    slots: Vec<CachedInsn>,
    /// The virtual page number each decoded page was filled through (to clear its DECODED bit).
    page_vpn: Vec<u32>,
    free: Vec<u32>,
    /// Frame index → slot in `pages`, or NO_PAGE.
    by_frame: Vec<u32>,
}

/// User memory as the hart sees it.
pub struct Memory {
    /// Simulated RAM.
    pub ram: PhysMem,
    /// Translation (page map standing in for the MMU).
    pub map: PageMap,
    /// Per-region load/store counts.
    pub counts: AccessCounts,
    decoded: DecodeCache,
    /// The virtual page of the last fetch and the index of its decoded page's first slot: straight-line code within a
    /// page skips translation.
    fetch_vpn: u32,
    fetch_base: usize,
}

impl Memory {
    /// Memory with `ram` and an empty page map.
    pub fn new(ram: PhysMem) -> Self {
        let frames = ram.frame_count() as usize;
        Memory {
            ram,
            map: PageMap::new(),
            counts: AccessCounts::default(),
            decoded: DecodeCache {
                slots: Vec::new(),
                page_vpn: Vec::new(),
                free: Vec::new(),
                by_frame: vec![NO_PAGE; frames],
            },
            fetch_vpn: NO_PAGE,
            fetch_base: 0,
        }
    }

    // ---- instruction fetch ----

    /// The already-decoded instruction at `pc` if it is on the page of the previous fetch: the
    /// interpreter's fast path (no translation, no decode).
    #[inline(always)]
    pub fn fetch_cached(&self, pc: u32) -> Option<&CachedInsn> {
        if pc >> PAGE_SHIFT != self.fetch_vpn {
            return None;
        }
        let c = &self.decoded.slots[self.fetch_base + ((pc as usize & 0xfff) >> 1)];
        (c.len != 0).then_some(c)
    }

    /// Fetches (decoding if needed) the instruction at `pc`.
    #[inline(always)]
    pub fn fetch(&mut self, pc: u32) -> Result<CachedInsn, Exception> {
        match self.fetch_cached(pc) {
            Some(c) => Ok(*c),
            None => self.fetch_slow(pc),
        }
    }

    /// Translates, checks and decodes the instruction at `pc` (fills the decoded page).
    #[inline(never)]
    pub fn fetch_slow(&mut self, pc: u32) -> Result<CachedInsn, Exception> {
        let entry = self.map.entry(pc);
        if entry & (VALID | EXEC) != (VALID | EXEC) {
            return Err(Exception::FetchPageFault(pc));
        }
        let off = entry_ram_offset(entry, pc);
        let low = u16::from_le_bytes([self.ram.bytes()[off], self.ram.bytes()[off + 1]]) as u32;
        let page_off = pc & 0xfff;
        if page_off == 0xffe && low & 3 == 3 {
            // A 32-bit instruction straddling two pages: decode it every time rather than cache
            // it under one page and miss an invalidation of the other.
            let next = pc.wrapping_add(2);
            let next_entry = self.map.entry(next);
            if next_entry & (VALID | EXEC) != (VALID | EXEC) {
                return Err(Exception::FetchPageFault(next));
            }
            let noff = entry_ram_offset(next_entry, next);
            let high = u16::from_le_bytes([self.ram.bytes()[noff], self.ram.bytes()[noff + 1]]);
            return Ok(CachedInsn::from_raw(low | (high as u32) << 16));
        }
        let raw = if page_off == 0xffe {
            low
        } else {
            u32::from_le_bytes(self.ram.bytes()[off..off + 4].try_into().expect("4 bytes"))
        };
        let slot = self.decoded_page_for(entry, pc);
        let c = CachedInsn::from_raw(raw);
        let base = slot as usize * SLOTS_PER_PAGE;
        self.decoded.slots[base + (page_off as usize >> 1)] = c;
        self.fetch_vpn = pc >> PAGE_SHIFT;
        self.fetch_base = base;
        Ok(c)
    }

    /// The decoded-page slot of the frame `entry` maps, creating it (and marking the page map
    /// entry DECODED so stores to it invalidate) on first use.
    fn decoded_page_for(&mut self, entry: u32, vaddr: u32) -> u32 {
        let frame = entry_frame(entry);
        let existing = self.decoded.by_frame[frame.0 as usize];
        if existing != NO_PAGE {
            return existing;
        }
        let slot = match self.decoded.free.pop() {
            Some(slot) => {
                let base = slot as usize * SLOTS_PER_PAGE;
                self.decoded.slots[base..base + SLOTS_PER_PAGE].fill(CachedInsn::EMPTY);
                slot
            }
            None => {
                let slot = self.decoded.page_vpn.len() as u32;
                self.decoded
                    .slots
                    .extend(std::iter::repeat_n(CachedInsn::EMPTY, SLOTS_PER_PAGE));
                self.decoded.page_vpn.push(0);
                slot
            }
        };
        self.decoded.page_vpn[slot as usize] = vaddr >> PAGE_SHIFT;
        self.decoded.by_frame[frame.0 as usize] = slot;
        self.map.set_decoded(vaddr, true);
        slot
    }

    /// Drops the decoded instructions of `frame` (its contents changed or it is being freed).
    pub fn invalidate_decoded_frame(&mut self, frame: Frame) {
        let slot = std::mem::replace(&mut self.decoded.by_frame[frame.0 as usize], NO_PAGE);
        if slot == NO_PAGE {
            return;
        }
        let vpn = self.decoded.page_vpn[slot as usize];
        let vaddr = vpn << PAGE_SHIFT;
        if self.map.entry(vaddr) & VALID != 0 && entry_frame(self.map.entry(vaddr)) == frame {
            self.map.set_decoded(vaddr, false);
        }
        self.decoded.free.push(slot);
        self.fetch_vpn = NO_PAGE;
    }

    /// `fence.i`: forget every decoded instruction.
    pub fn invalidate_all_decoded(&mut self) {
        for frame in 0..self.decoded.by_frame.len() {
            if self.decoded.by_frame[frame] != NO_PAGE {
                self.invalidate_decoded_frame(Frame(frame as u32));
            }
        }
        self.fetch_vpn = NO_PAGE;
    }

    /// Must be called after the page map changes for a page (unmap, remap): the fetch shortcut
    /// may hold it.
    pub fn forget_fetch_page(&mut self) {
        self.fetch_vpn = NO_PAGE;
    }

    // ---- loads ----

    /// Loads `N` bytes at `vaddr` (any alignment; plain loads that are misaligned are completed
    /// as Linux's trap handler would, so user code sees them work).
    #[inline(always)]
    pub fn load<const N: usize>(&mut self, vaddr: u32) -> Result<[u8; N], Exception> {
        let entry = self.map.entry(vaddr);
        if entry & READ != 0 && (vaddr & 0xfff) as usize <= 0x1000 - N {
            let off = entry_ram_offset(entry, vaddr);
            self.counts.loads[entry_region_index(entry)] += 1;
            return Ok(self.ram.bytes()[off..off + N].try_into().expect("N bytes"));
        }
        self.load_slow(vaddr)
    }

    #[inline(never)]
    fn load_slow<const N: usize>(&mut self, vaddr: u32) -> Result<[u8; N], Exception> {
        let first = self.map.entry(vaddr);
        if first & READ == 0 {
            return Err(Exception::LoadPageFault(vaddr));
        }
        // Only reached for an access straddling two pages.
        let second_addr = (vaddr | 0xfff).wrapping_add(1);
        if self.map.entry(second_addr) & READ == 0 {
            return Err(Exception::LoadPageFault(second_addr));
        }
        let mut out = [0u8; N];
        for (i, byte) in out.iter_mut().enumerate() {
            let a = vaddr.wrapping_add(i as u32);
            *byte = self.ram.bytes()[entry_ram_offset(self.map.entry(a), a)];
        }
        self.counts.loads[entry_region_index(first)] += 1;
        Ok(out)
    }

    // ---- stores ----

    /// Stores `bytes` at `vaddr` (any alignment, like loads).
    #[inline(always)]
    pub fn store<const N: usize>(&mut self, vaddr: u32, bytes: [u8; N]) -> Result<(), Exception> {
        let entry = self.map.entry(vaddr);
        if entry & (WRITE | DECODED) == WRITE && (vaddr & 0xfff) as usize <= 0x1000 - N {
            let off = entry_ram_offset(entry, vaddr);
            self.counts.stores[entry_region_index(entry)] += 1;
            self.ram.bytes_mut()[off..off + N].copy_from_slice(&bytes);
            return Ok(());
        }
        self.store_slow(vaddr, bytes)
    }

    #[inline(never)]
    fn store_slow<const N: usize>(&mut self, vaddr: u32, bytes: [u8; N]) -> Result<(), Exception> {
        let last = vaddr.wrapping_add(N as u32 - 1);
        self.check_writable(vaddr, last)?;
        for (i, byte) in bytes.iter().enumerate() {
            let a = vaddr.wrapping_add(i as u32);
            let entry = self.map.entry(a);
            if entry & DECODED != 0 {
                // Self-modifying code: the decoded copy of this page is stale from now on.
                self.invalidate_decoded_frame(entry_frame(entry));
            }
            let entry = self.map.entry(a);
            self.ram.bytes_mut()[entry_ram_offset(entry, a)] = *byte;
        }
        self.counts.stores[entry_region_index(self.map.entry(vaddr))] += 1;
        Ok(())
    }

    /// Checks that both ends of an access are writable, returning the store page fault a write
    /// would raise otherwise.
    fn check_writable(&self, first: u32, last: u32) -> Result<(), Exception> {
        if self.map.entry(first) & WRITE == 0 {
            return Err(Exception::StorePageFault(first));
        }
        if self.map.entry(last) & WRITE == 0 {
            return Err(Exception::StorePageFault(last & !0xfff));
        }
        Ok(())
    }

    /// Checks an atomic's address: aligned (else a misaligned exception, which Linux turns into
    /// SIGBUS) and writable (else a store page fault), before the atomic touches memory.
    #[inline]
    pub fn check_atomic(&self, vaddr: u32) -> Result<(), Exception> {
        if vaddr & 3 != 0 {
            return Err(Exception::StoreMisaligned(vaddr));
        }
        self.check_writable(vaddr, vaddr)
    }
}
