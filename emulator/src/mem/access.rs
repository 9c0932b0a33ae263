//! The hart's door into memory: every fetch, load and store is translated through the page map
//! (standing in for the MMU), checked against the page's permissions, counted per region, and
//! then served from simulated RAM. Instructions are decoded once into blocks by
//! [`crate::hart::blocks`]; this module tells that cache which frames' code went stale.
//!
//! A failed check returns the page-fault [`Exception`] the Sv32 MMU would raise; the access has
//! then had no effect, so the kernel can resolve the fault and retry the instruction.

use crate::hart::trap::Exception;
use crate::isa::{self, Insn, InsnClass};
use crate::mem::phys::{Frame, PhysMem};
use crate::mmu::context::MmuContext;
use crate::mmu::pagemap::{
    entry_frame, entry_ram_offset, entry_region_index, PageMap, DECODED, EXEC, READ, VALID, WRITE,
};
use crate::os::layout::Region;

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

/// User memory as the hart sees it.
pub struct Memory {
    /// Simulated RAM.
    pub ram: PhysMem,
    /// Translation (page map standing in for the MMU).
    pub map: PageMap,
    /// Per-region load/store counts.
    pub counts: AccessCounts,
    /// Frames whose decoded instructions became stale (written, unmapped); the interpreter's
    /// block cache drops their blocks at the next block boundary.
    stale_code: Vec<Frame>,
    /// `fence.i` was executed: every decoded block is stale.
    stale_all_code: bool,
    /// The hart's translation context.
    context: MmuContext,
}

impl Memory {
    /// Memory with `ram` and an empty page map.
    pub fn new(ram: PhysMem) -> Self {
        Memory {
            ram,
            map: PageMap::new(),
            counts: AccessCounts::default(),
            stale_code: Vec::new(),
            stale_all_code: false,
            context: MmuContext::PHYSICAL,
        }
    }

    // ---- the privileged interface (satp, mode changes, sfence.vma) ----

    /// The hart's translation context changed (a `satp` or `mstatus` write, a trap, `mret` or
    /// `sret`): translations cached for the old context must not be used.
    pub fn set_context(&mut self, ctx: MmuContext) {
        self.context = ctx;
    }

    /// The current translation context.
    pub fn context(&self) -> MmuContext {
        self.context
    }

    /// `sfence.vma vaddr, asid` (`None` for `x0`): drops the matching TLB entries and cached
    /// translations.
    pub fn sfence_vma(&mut self, vaddr: Option<u32>, asid: Option<u16>) {
        let _ = (vaddr, asid);
    }

    // ---- instruction fetch ----

    /// Reads and decodes the instruction at `pc` if its page(s) are mapped executable, without
    /// caching anything (the block cache does the caching).
    pub fn fetch_uncached(&self, pc: u32) -> Result<CachedInsn, Exception> {
        let entry = self.map.entry(pc);
        if entry & (VALID | EXEC) != (VALID | EXEC) {
            return Err(Exception::FetchPageFault(pc));
        }
        let off = entry_ram_offset(entry, pc);
        let low = u16::from_le_bytes([self.ram.bytes()[off], self.ram.bytes()[off + 1]]) as u32;
        if low & 3 != 3 {
            return Ok(CachedInsn::from_raw(low));
        }
        let next = pc.wrapping_add(2);
        let next_entry = self.map.entry(next);
        if next_entry & (VALID | EXEC) != (VALID | EXEC) {
            return Err(Exception::FetchPageFault(next));
        }
        let noff = entry_ram_offset(next_entry, next);
        let high = u16::from_le_bytes([self.ram.bytes()[noff], self.ram.bytes()[noff + 1]]);
        Ok(CachedInsn::from_raw(low | (high as u32) << 16))
    }

    /// Marks the page at `vaddr` as holding decoded code: stores to it take the slow path, which
    /// reports the frame as stale.
    pub fn mark_code_page(&mut self, vaddr: u32) {
        self.map.set_decoded(vaddr, true);
    }

    /// The page at `vaddr` is about to be written by the kernel (or was written by a store): if
    /// it holds decoded code, that code is stale.
    pub fn code_written(&mut self, vaddr: u32) {
        let entry = self.map.entry(vaddr);
        if entry & DECODED != 0 {
            self.map.set_decoded(vaddr, false);
            self.stale_code.push(entry_frame(entry));
        }
    }

    /// `frame` is being unmapped or freed: any code decoded from it is stale.
    pub fn frame_released(&mut self, frame: Frame) {
        self.stale_code.push(frame);
    }

    /// `fence.i`: every decoded instruction is stale.
    pub fn fence_i(&mut self) {
        self.stale_all_code = true;
    }

    /// True if decoded code went stale since the last [`Memory::take_stale_code`].
    #[inline(always)]
    pub fn has_stale_code(&self) -> bool {
        self.stale_all_code || !self.stale_code.is_empty()
    }

    /// Hands the stale frames (and the fence.i flag) to the block cache.
    pub fn take_stale_code(&mut self) -> (Vec<Frame>, bool) {
        (
            std::mem::take(&mut self.stale_code),
            std::mem::take(&mut self.stale_all_code),
        )
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
            // Self-modifying code: the decoded copy of this page is stale from now on (the
            // hart may keep running the current block: without fence.i, RISC-V does not
            // promise that fetches see the store).
            self.code_written(a);
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
