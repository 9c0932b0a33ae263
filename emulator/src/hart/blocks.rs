//! The decoded-block cache (DESIGN.md §10, "decode once").
//!
//! Code is decoded once into *blocks*: straight-line runs of instructions that end at a control
//! transfer, a system instruction or the end of the page. The interpreter then runs a block's
//! instructions back to back: the next instruction's slot does not depend on decoding the
//! previous one, and instruction counts are added per block.
//!
//! A block belongs to the physical frame it was decoded from. When that frame's contents change
//! (a store to a page marked as code, the kernel writing it, unmapping, `fence.i`), [`Memory`]
//! reports the frame as stale and the interpreter drops its blocks at the next block boundary.
//! Finishing the current block with the old instructions is what RISC-V allows: without
//! `fence.i`, instruction fetch need not observe earlier stores.

use std::collections::HashMap;

use crate::hart::trap::Exception;
use crate::isa::{Insn, InsnClass};
use crate::mem::access::{CachedInsn, Memory};
use crate::mem::phys::{Frame, PAGE_SIZE};
use crate::mmu::pagemap::{entry_frame, entry_ram_offset, EXEC, VALID};

/// Longest block, in instructions.
const MAX_BLOCK_INSNS: usize = 64;
/// Entries of the direct-mapped pc → block table (power of two).
const LOOKUP_ENTRIES: usize = 1 << 14;
const NO_BLOCK: u32 = u32::MAX;

/// A decoded straight-line run of instructions.
pub struct Block {
    /// Address of the first instruction.
    pub start_pc: u32,
    /// The instructions, in order.
    pub insns: Box<[CachedInsn]>,
    /// Times the whole block ran (its instructions' classes are added to the mix when the
    /// block is dropped or statistics are read).
    pub completed_runs: u64,
    frame: Frame,
    live: bool,
}

/// What [`BlockCache::block_at`] found at a pc.
pub enum Fetched {
    /// A cached block (by id).
    Block(u32),
    /// A single instruction that straddles two pages: executed without caching.
    Uncached(CachedInsn),
}

/// All decoded blocks, looked up by pc.
pub struct BlockCache {
    blocks: Vec<Block>,
    free: Vec<u32>,
    lookup: Vec<u32>,
    by_frame: HashMap<Frame, Vec<u32>>,
    /// Instruction-class counts of blocks already dropped, times their runs.
    retired_mix: [u64; InsnClass::COUNT],
}

impl Default for BlockCache {
    fn default() -> Self {
        Self::new()
    }
}

impl BlockCache {
    /// An empty cache.
    pub fn new() -> Self {
        BlockCache {
            blocks: Vec::new(),
            free: Vec::new(),
            lookup: vec![NO_BLOCK; LOOKUP_ENTRIES],
            by_frame: HashMap::new(),
            retired_mix: [0; InsnClass::COUNT],
        }
    }

    /// The block with id `id`.
    #[inline(always)]
    pub fn block(&self, id: u32) -> &Block {
        &self.blocks[id as usize]
    }

    /// Counts one complete run of block `id`.
    #[inline(always)]
    pub fn count_run(&mut self, id: u32) {
        self.blocks[id as usize].completed_runs += 1;
    }

    /// The live block starting at `pc`, if cached (the fast path).
    #[inline(always)]
    pub fn find(&self, pc: u32) -> Option<u32> {
        let id = self.lookup[(pc as usize >> 1) & (LOOKUP_ENTRIES - 1)];
        let b = self.blocks.get(id as usize)?;
        (b.start_pc == pc && b.live).then_some(id)
    }

    /// The block at `pc`, decoding it if needed. Fails with the fetch page fault the first
    /// instruction raises.
    pub fn block_at(&mut self, pc: u32, mem: &mut Memory) -> Result<Fetched, Exception> {
        if let Some(id) = self.find(pc) {
            return Ok(Fetched::Block(id));
        }
        let entry = mem.map.entry(pc);
        if entry & (VALID | EXEC) != (VALID | EXEC) {
            return Err(Exception::FetchPageFault(pc));
        }
        let page_end = (pc | (PAGE_SIZE - 1)) as u64 + 1;
        let mut insns = Vec::new();
        let mut at = pc;
        loop {
            let off = entry_ram_offset(entry, at);
            let ram = mem.ram.bytes();
            let low = u16::from_le_bytes([ram[off], ram[off + 1]]) as u32;
            let compressed = low & 3 != 3;
            if !compressed && at as u64 + 4 > page_end {
                // A 32-bit instruction straddling two pages.
                if insns.is_empty() {
                    return mem.fetch_uncached(pc).map(Fetched::Uncached);
                }
                break;
            }
            let raw = if compressed {
                low
            } else {
                u32::from_le_bytes([ram[off], ram[off + 1], ram[off + 2], ram[off + 3]])
            };
            let c = CachedInsn { offset: (at - pc) as u16, ..CachedInsn::from_raw(raw) };
            // A CSR access reads counters that are exact only at block boundaries: it always
            // begins its own block.
            if c.class == InsnClass::Csr && !insns.is_empty() {
                break;
            }
            insns.push(c);
            at = at.wrapping_add(c.len as u32);
            if ends_block(&c.insn) || insns.len() == MAX_BLOCK_INSNS || at as u64 >= page_end {
                break;
            }
        }
        let frame = entry_frame(entry);
        let block = Block {
            start_pc: pc,
            insns: insns.into_boxed_slice(),
            completed_runs: 0,
            frame,
            live: true,
        };
        let id = match self.free.pop() {
            Some(id) => {
                self.blocks[id as usize] = block;
                id
            }
            None => {
                self.blocks.push(block);
                (self.blocks.len() - 1) as u32
            }
        };
        self.lookup[(pc as usize >> 1) & (LOOKUP_ENTRIES - 1)] = id;
        self.by_frame.entry(frame).or_default().push(id);
        mem.mark_code_page(pc);
        Ok(Fetched::Block(id))
    }

    /// Drops the blocks whose code went stale (as [`Memory`] reports).
    pub fn drop_stale(&mut self, mem: &mut Memory) {
        let (frames, all) = mem.take_stale_code();
        if all {
            let every: Vec<Frame> = self.by_frame.keys().copied().collect();
            for frame in every {
                self.drop_frame(frame);
            }
        }
        for frame in frames {
            self.drop_frame(frame);
        }
    }

    fn drop_frame(&mut self, frame: Frame) {
        let Some(ids) = self.by_frame.remove(&frame) else {
            return;
        };
        for id in ids {
            let b = &mut self.blocks[id as usize];
            if b.live && b.frame == frame {
                b.live = false;
                for c in b.insns.iter() {
                    self.retired_mix[c.class as usize] += b.completed_runs;
                }
                self.free.push(id);
            }
        }
    }

    /// Instructions retired per class by complete block runs (live and dropped blocks).
    pub fn mix(&self) -> [u64; InsnClass::COUNT] {
        let mut mix = self.retired_mix;
        for b in self.blocks.iter().filter(|b| b.live) {
            for c in b.insns.iter() {
                mix[c.class as usize] += b.completed_runs;
            }
        }
        mix
    }
}

/// True if the block must end after `insn`: control transfers, traps and fences that change
/// what is fetched next.
fn ends_block(insn: &Insn) -> bool {
    use Insn::*;
    matches!(
        insn,
        Jal { .. }
            | Jalr { .. }
            | Beq { .. }
            | Bne { .. }
            | Blt { .. }
            | Bge { .. }
            | Bltu { .. }
            | Bgeu { .. }
            | Ecall
            | Ebreak
            | FenceI
            | Mret
            | Sret
            | Wfi
            | SfenceVma { .. }
            | Illegal { .. }
    )
}
