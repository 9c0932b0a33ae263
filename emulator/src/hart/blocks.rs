//! The decoded-block cache (DESIGN.md §10, "decode once").
//!
//! Code is decoded once into *blocks*: straight-line runs of instructions that end at a jump, a
//! system instruction or the end of the page. A block continues past a conditional branch
//! (a *superblock*): when the branch is taken the block is left early, at a *side exit*. The
//! interpreter runs a block's instructions back to back: the next instruction's slot does not
//! depend on decoding the previous one, and instruction counts are added per block exit.
//!
//! Counting stays exact with one counter per instruction slot, `exits`: a run of a block that
//! leaves after its `i`-th instruction (a taken branch, or the last instruction) adds one to
//! the `i`-th slot's counter. The number of times an instruction retired is then the sum of the
//! exit counters from its slot to the block's end.
//!
//! A block belongs to the physical frame it was decoded from. When that frame's contents change
//! (a store to a page marked as code, the kernel writing it, unmapping, `fence.i`), [`Memory`]
//! reports the frame as stale and the interpreter drops its blocks at the next block boundary.
//! Finishing the current block with the old instructions is what RISC-V allows: without
//! `fence.i`, instruction fetch need not observe earlier stores.

use std::cell::Cell;
use std::collections::HashMap;

use crate::hart::fuse;
use crate::hart::trap::Exception;
use crate::isa::{Insn, InsnClass};
use crate::mem::access::{CachedInsn, Memory};
use crate::mem::phys::{Frame, PAGE_SIZE};
use crate::mmu::pagemap::{entry_frame, entry_ram_offset};

/// Longest block, in instructions.
const MAX_BLOCK_INSNS: usize = 64;
const _: () = assert!(
    MAX_BLOCK_INSNS <= 64,
    "instruction lengths are a u64 bit set"
);
/// Entries of the direct-mapped pc → block table (power of two).
const LOOKUP_ENTRIES: usize = 1 << 14;
/// A lookup tag no pc can have (pcs are even).
const NO_PC: u32 = u32::MAX;
/// Dropped blocks leave holes in the arena; past this many slots of garbage the arena is
/// rebuilt empty (every block is decoded again on demand).
const MAX_ARENA_GARBAGE: usize = 1 << 20;

/// Where a block's instructions are: what the interpreter needs to run it, in one 16-byte
/// load from the lookup table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockSlot {
    /// The block's first pc (the lookup tag).
    pub pc: u32,
    /// Index of its first instruction in the arena.
    pub start: u32,
    /// Number of instructions.
    pub len: u32,
    /// Block id (for counting runs).
    pub id: u32,
}

impl BlockSlot {
    const EMPTY: BlockSlot = BlockSlot {
        pc: NO_PC,
        start: 0,
        len: 0,
        id: 0,
    };
}

/// Bookkeeping of one block.
struct BlockInfo {
    slot: BlockSlot,
    frame: Frame,
    live: bool,
    /// Bit `k` set if the block's instruction `k` is 4 bytes long (else 2).
    four_byte: u64,
}

/// What [`BlockCache::block_at`] found at a pc.
pub enum Fetched {
    /// A cached block.
    Block(BlockSlot),
    /// A single instruction that straddles two pages: fetched and executed without caching
    /// ([`Memory::fetch_straddling`]).
    Uncached,
}

/// All decoded blocks, looked up by pc.
pub struct BlockCache {
    /// Every block's instructions, back to back.
    arena: Vec<CachedInsn>,
    /// The blocks' fused forms for the functional loop, slot for slot beside `arena`
    /// ([`fuse`]).
    fast: Vec<CachedInsn>,
    /// Per arena slot: runs of its block that left after this instruction (see the module
    /// comment). The instruction mix is derived from these when a block is dropped or the mix
    /// is read.
    exits: Vec<Cell<u64>>,
    garbage: usize,
    infos: Vec<BlockInfo>,
    free_ids: Vec<u32>,
    /// The direct-mapped pc → block table: a fixed-size array, so the masked index needs no
    /// bounds check on the per-block fast path.
    lookup: Box<[BlockSlot; LOOKUP_ENTRIES]>,
    by_pc: HashMap<u32, u32>,
    by_frame: HashMap<Frame, Vec<u32>>,
    /// Instructions retired per class by the runs of dropped blocks.
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
            arena: Vec::new(),
            fast: Vec::new(),
            exits: Vec::new(),
            garbage: 0,
            infos: Vec::new(),
            free_ids: Vec::new(),
            lookup: vec![BlockSlot::EMPTY; LOOKUP_ENTRIES]
                .into_boxed_slice()
                .try_into()
                .expect("LOOKUP_ENTRIES slots"),
            by_pc: HashMap::new(),
            by_frame: HashMap::new(),
            retired_mix: [0; InsnClass::COUNT],
        }
    }

    /// The instructions of the block in `slot`.
    #[inline(always)]
    pub fn insns(&self, slot: BlockSlot) -> &[CachedInsn] {
        &self.arena[slot.start as usize..(slot.start + slot.len) as usize]
    }

    /// The lengths of the block in `slot`'s instructions: bit `k` is set if instruction `k`
    /// is 4 bytes long, clear if it is 2 (blocks hold at most 64 instructions).
    #[inline(always)]
    pub fn four_byte_mask(&self, slot: BlockSlot) -> u64 {
        self.infos.get(slot.id as usize).map_or(0, |i| i.four_byte)
    }

    /// The fused form of the block in `slot` (as many slots as [`BlockCache::insns`]).
    #[inline(always)]
    pub fn fused_insns(&self, slot: BlockSlot) -> &[CachedInsn] {
        &self.fast[slot.start as usize..(slot.start + slot.len) as usize]
    }

    /// Counts one run of the block in `slot` that retired its first `done` instructions and
    /// left after the last of them (`1 ≤ done ≤ slot.len`). Through a shared borrow, so the
    /// interpreter can count a run while it holds the block's instructions to run it again.
    #[inline(always)]
    pub fn count_exit(&self, slot: BlockSlot, done: usize) {
        let exits = &self.exits[slot.start as usize + done - 1];
        exits.set(exits.get() + 1);
    }

    /// The block starting at `pc`, if it is in the lookup table (the fast path).
    #[inline(always)]
    pub fn find(&self, pc: u32) -> Option<BlockSlot> {
        let slot = self.lookup[lookup_index(pc)];
        (slot.pc == pc).then_some(slot)
    }

    /// The block at `pc`, decoding it if needed. Fails with the fetch page fault the first
    /// instruction raises.
    pub fn block_at(&mut self, pc: u32, mem: &mut Memory) -> Result<Fetched, Exception> {
        if let Some(slot) = self.find(pc) {
            return Ok(Fetched::Block(slot));
        }
        if let Some(&id) = self.by_pc.get(&pc) {
            // Decoded before, evicted from the direct-mapped table by another block.
            let slot = self.infos[id as usize].slot;
            self.lookup[lookup_index(pc)] = slot;
            return Ok(Fetched::Block(slot));
        }
        let entry = mem.fetch_entry(pc)?;
        if self.garbage > MAX_ARENA_GARBAGE {
            self.drop_all();
        }
        let page_end = (pc | (PAGE_SIZE - 1)) as u64 + 1;
        let start = self.arena.len();
        let mut at = pc;
        loop {
            let off = entry_ram_offset(entry, at);
            let ram = mem.ram.bytes();
            let low = u16::from_le_bytes([ram[off], ram[off + 1]]) as u32;
            let compressed = low & 3 != 3;
            if !compressed && at as u64 + 4 > page_end {
                // A 32-bit instruction straddling two pages.
                if self.arena.len() == start {
                    return Ok(Fetched::Uncached);
                }
                break;
            }
            let raw = if compressed {
                low
            } else {
                u32::from_le_bytes([ram[off], ram[off + 1], ram[off + 2], ram[off + 3]])
            };
            let c = CachedInsn {
                offset: (at - pc) as u16,
                ..CachedInsn::from_raw(raw)
            };
            // A CSR access reads counters that are exact only at block boundaries: it always
            // begins its own block.
            if c.class == InsnClass::Csr && self.arena.len() > start {
                break;
            }
            self.arena.push(c);
            at = at.wrapping_add(c.len as u32);
            let len = self.arena.len() - start;
            // Measured on coremark_like: 36% of basic blocks ended at a branch that was not
            // taken; running on through it removes those block lookups.
            if ends_block(&c.insn) || len == MAX_BLOCK_INSNS || at as u64 >= page_end {
                break;
            }
        }
        let frame = entry_frame(entry);
        let id = self.free_ids.pop().unwrap_or(self.infos.len() as u32);
        let slot = BlockSlot {
            pc,
            start: start as u32,
            len: (self.arena.len() - start) as u32,
            id,
        };
        self.exits.resize(self.arena.len(), Cell::new(0));
        fuse::fuse_block(&self.arena[start..], &mut self.fast);
        let four_byte = self.arena[start..]
            .iter()
            .enumerate()
            .fold(0u64, |m, (k, c)| m | u64::from(c.len == 4) << k);
        let info = BlockInfo {
            slot,
            frame,
            live: true,
            four_byte,
        };
        match self.infos.get_mut(id as usize) {
            Some(old) => *old = info,
            None => self.infos.push(info),
        }
        self.lookup[lookup_index(pc)] = slot;
        self.by_pc.insert(pc, id);
        self.by_frame.entry(frame).or_default().push(id);
        mem.mark_code_frame(entry);
        Ok(Fetched::Block(slot))
    }

    /// Drops the blocks whose code went stale (as [`Memory`] reports).
    pub fn drop_stale(&mut self, mem: &mut Memory) {
        let (frames, all) = mem.take_stale_code();
        if all {
            self.drop_all();
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
            let info = &mut self.infos[id as usize];
            if !info.live || info.frame != frame {
                continue;
            }
            info.live = false;
            let slot = info.slot;
            add_block_mix(&mut self.retired_mix, &self.arena, &self.exits, slot);
            self.garbage += slot.len as usize;
            if self.by_pc.get(&slot.pc) == Some(&id) {
                self.by_pc.remove(&slot.pc);
            }
            let entry = &mut self.lookup[lookup_index(slot.pc)];
            if entry.id == id && entry.pc == slot.pc {
                *entry = BlockSlot::EMPTY;
            }
            self.free_ids.push(id);
        }
    }

    /// Drops every block and empties the arena.
    fn drop_all(&mut self) {
        let frames: Vec<Frame> = self.by_frame.keys().copied().collect();
        for frame in frames {
            self.drop_frame(frame);
        }
        self.arena.clear();
        self.fast.clear();
        self.exits.clear();
        self.garbage = 0;
    }

    /// Instructions retired per class by block runs (live and dropped blocks).
    pub fn mix(&self) -> [u64; InsnClass::COUNT] {
        let mut mix = self.retired_mix;
        for info in self.infos.iter().filter(|i| i.live) {
            add_block_mix(&mut mix, &self.arena, &self.exits, info.slot);
        }
        mix
    }
}

/// Adds the instructions the block in `slot` retired to `mix`: the instruction in slot `i` ran
/// once for every exit at `i` or later.
fn add_block_mix(
    mix: &mut [u64; InsnClass::COUNT],
    arena: &[CachedInsn],
    exits: &[Cell<u64>],
    slot: BlockSlot,
) {
    let range = slot.start as usize..(slot.start + slot.len) as usize;
    let mut runs = 0;
    for (c, out) in arena[range.clone()].iter().zip(&exits[range]).rev() {
        runs += out.get();
        mix[c.class as usize] += runs;
    }
}

#[inline(always)]
fn lookup_index(pc: u32) -> usize {
    (pc as usize >> 1) & (LOOKUP_ENTRIES - 1)
}

/// True if the block must end after `insn`: jumps, every system-class instruction except
/// `fence` (traps, `fence.i`, privileged and illegal instructions change what is fetched next or
/// need the kernel), and CSR instructions on a CSR that decides whether an interrupt is taken
/// (priv §3.1.9 evaluates that right after the write). Conditional branches do not end a
/// block: they are side exits.
fn ends_block(insn: &Insn) -> bool {
    match insn.class() {
        InsnClass::Jump => true,
        InsnClass::System => !matches!(insn, Insn::Fence { .. }),
        InsnClass::Csr => match *insn {
            Insn::Csrrw { csr, .. }
            | Insn::Csrrs { csr, .. }
            | Insn::Csrrc { csr, .. }
            | Insn::Csrrwi { csr, .. }
            | Insn::Csrrsi { csr, .. }
            | Insn::Csrrci { csr, .. } => crate::hart::csr::affects_interrupts(csr),
            _ => false,
        },
        _ => false,
    }
}
