//! Block runs: the `bin` format's one record for the plain fetches of a block run, however
//! many, with no per-fetch work in the traced interpreter loop.
//!
//! A [fetch run](crate::trace::fetch_run) still costs its writer a check and an update per
//! fetch. A block run costs nothing per fetch: the interpreter knows that a run of a decoded
//! block fetches the next instruction each time, on the page the block entry translated, so
//! while the observer has a run open ([`crate::trace::Observer::in_block_run`]) a fetch that
//! hits the L1I is the run's, and only the sequence number moves. The record is reserved at
//! the run's first fetch and its fetch count written when it closes.
//!
//! # What a block run holds
//! Consecutive plain fetches (a [`PlainFetch`]: the instruction's own address, an L1 hit on
//! each line it touches, nothing unusual) of one run through a decoded block: instruction
//! numbers `insn, insn + 1, …`, each pc (and physical address) the last one's plus its length,
//! the L1I's latency per line each (a fetch across a line boundary is two hits, twice the
//! cycles; the record holds the line size). At most 64 (a block's most instructions).
//! Between them the trace may hold only *plain data accesses*
//! ([`crate::trace::Observer::on_plain_data`]: no page-table walk, no page fault resolved),
//! each of which grew the hart's memory stall by its `cycles` less one and by nothing else.
//! Any other event closes the run; so does the end of the block run (a jump, a taken branch,
//! the block's end or an exception).
//!
//! # How the reader rebuilds each fetch
//! A fetch's cycle is the hart's cycle count: the part outside the memory, fixed during a
//! block run, plus the memory's stall cycles plus one per instruction since the run started.
//! Inside a block run only the plain accesses move the stall, each by its `cycles − 1`. So
//! fetch `k ≥ 1` starts at the cycle the access before it (fetch `k − 1` or a data access of
//! instruction `k − 1`) started plus that access's `cycles`; its seq is that access's plus
//! one. The first fetch's cycle and seq are stored. [`crate::trace::bin::BinReader`] gives each
//! fetch before the first record of its instruction or a later one, as for fetch runs.
//!
//! # Record (tag 11, 64 bytes, little-endian)
//! | bytes | field |
//! |---|---|
//! | 0 | tag 11 |
//! | 1 | region |
//! | 2 | TLB outcome of the first fetch (0 none, 1 hit, 2 miss) |
//! | 3 | TLB outcome of the others |
//! | 4..8 | fetches (u32, at most 64; 0 if the fetch it was opened for was not plain) |
//! | 8..16 | the first fetch's seq |
//! | 16..24 | its instruction number |
//! | 24..32 | its cycle |
//! | 32..36 | its pc (= vaddr) |
//! | 36..40 | its physical address |
//! | 40..44 | cycles of a fetch in the caches per L1I line it touches (the L1I's latency) |
//! | 44..52 | lengths: bit `k` set if fetch `k` is 4 bytes (else 2) |
//! | 52 | the L1I's line size, log2 (a fetch touches the lines its bytes fall in) |

use crate::mem::hierarchy::{CacheJourney, Level};
use crate::os::layout::Region;
use crate::trace::event::{Access, AccessKind, TlbOutcome};
use crate::trace::fetch_run::{tlb_code, tlb_from, PlainFetch};

/// The record tag of a block run.
pub const TAG_BLOCK_RUN: u8 = 11;
/// Bytes of a record (the `bin` format's record size).
const SIZE: usize = 64;
/// Offset of the fetch count.
const COUNT: usize = 4;
/// Offset of the L1I's line size (log2).
const LINE_SHIFT: usize = 52;
/// Most fetches a block run holds.
pub const MAX_FETCHES: u32 = 64;

/// The TLB outcome of a block run's fetches after the first: the I-TLB's most recent page,
/// hits (none without TLBs).
fn tlb_rest(first: TlbOutcome) -> TlbOutcome {
    if first == TlbOutcome::None {
        TlbOutcome::None
    } else {
        TlbOutcome::Hit
    }
}

/// The record of a block run opened by the plain fetch `first` (of one L1I line), with no
/// fetches yet ([`set_count`] fills them in when the run closes); bit `k` of `four_byte` is
/// set if fetch `k` will be 4 bytes long; the L1I's lines are `1 << line_shift` bytes.
#[inline(always)]
pub fn open_record(first: &PlainFetch, four_byte: u64, line_shift: u8) -> [u8; SIZE] {
    let mut r = [0u8; SIZE];
    for (chunk, word) in r
        .chunks_exact_mut(8)
        .zip(open_words(first, four_byte, line_shift))
    {
        chunk.copy_from_slice(&word.to_le_bytes());
    }
    r
}

/// [`open_record`] as eight little-endian words (word `i` holds bytes `8i..8i+8`): the writer
/// stores these straight into its buffer, once per block run.
#[inline(always)]
pub fn open_words(first: &PlainFetch, four_byte: u64, line_shift: u8) -> [u64; SIZE / 8] {
    [
        u64::from(TAG_BLOCK_RUN)
            | u64::from(first.region as u8) << 8
            | u64::from(tlb_code(first.tlb)) << 16
            | u64::from(tlb_code(tlb_rest(first.tlb))) << 24,
        first.seq,
        first.insn,
        first.cycle,
        u64::from(first.pc) | u64::from(first.paddr) << 32,
        u64::from(first.cycles) | (four_byte & 0xffff_ffff) << 32,
        four_byte >> 32 | u64::from(line_shift) << 32,
        0,
    ]
}

/// Writes the fetch count into block-run record `r`.
pub fn set_count(r: &mut [u8], count: u32) {
    r[COUNT..COUNT + 4].copy_from_slice(&count.to_le_bytes());
}

/// A block run's fetches, as the reader gives them back one by one.
#[derive(Clone, Debug)]
pub struct BlockRunFetches {
    /// The next fetch (its seq and cycle are set when it is given, bar the first's).
    next: Access,
    /// Fetches given.
    k: u32,
    count: u32,
    tlb_rest: TlbOutcome,
    four_byte: u64,
    /// The L1I's line size (log2) and latency: a fetch's cycles are the latency per line.
    line_shift: u8,
    line_cycles: u64,
    /// The first fetch's instruction number and pc.
    first_insn: u64,
    first_pc: u32,
}

impl BlockRunFetches {
    /// The fetches of run record `r` (tag [`TAG_BLOCK_RUN`]); the error says what is wrong.
    pub fn decode(r: &[u8; SIZE]) -> Result<BlockRunFetches, String> {
        let word32 = |at: usize| u32::from_le_bytes([r[at], r[at + 1], r[at + 2], r[at + 3]]);
        let word64 = |at: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&r[at..at + 8]);
            u64::from_le_bytes(b)
        };
        // A run opened before its first fetch that was then not plain holds none.
        let count = word32(COUNT);
        if count > MAX_FETCHES {
            return Err(format!(
                "a block run of {count} fetches (at most {MAX_FETCHES})"
            ));
        }
        let four_byte = word64(44);
        if (r[1] as usize) >= Region::COUNT {
            return Err(format!("bad region code {}", r[1]));
        }
        let line_shift = r[LINE_SHIFT];
        if line_shift > 31 {
            return Err(format!("an L1I line of 2^{line_shift} bytes"));
        }
        let line_cycles = u64::from(word32(40));
        let pc = word32(32);
        Ok(BlockRunFetches {
            next: Access {
                seq: word64(8),
                insn: word64(16),
                cycle: word64(24),
                pc,
                kind: AccessKind::Fetch,
                size: if four_byte & 1 != 0 { 4 } else { 2 },
                vaddr: pc,
                paddr: Some(word32(36)),
                split: None,
                region: Some(Region::from_index(r[1] as usize)),
                tlb: tlb_from(r[2])?,
                cache: Some(CacheJourney::L1_HIT),
                served_by: Some(Level::L1),
                page_fault: None,
                fault: None,
                data: None,
                cycles: line_cycles,
            },
            k: 0,
            count,
            tlb_rest: tlb_from(r[3])?,
            four_byte,
            line_shift,
            line_cycles,
            first_insn: word64(16),
            first_pc: pc,
        })
    }

    /// The instruction number and pc of fetch `k` of the run (`k` instructions after the
    /// first, at the first's pc plus their lengths); `None` past the run's fetches.
    pub fn position(&self, k: u32) -> Option<(u64, u32)> {
        if k >= self.count {
            return None;
        }
        let four = (self.four_byte & ((1u64 << k) - 1)).count_ones();
        Some((
            self.first_insn.wrapping_add(u64::from(k)),
            self.first_pc.wrapping_add(2 * k + 2 * four),
        ))
    }

    /// The instruction number of the next fetch; `None` once all were given.
    pub fn next_insn(&self) -> Option<u64> {
        (self.k < self.count).then_some(self.next.insn)
    }

    /// The next fetch; `prev` is the access given just before it, `(seq, cycle + cycles)`
    /// (`None` if there was none). Call only while [`BlockRunFetches::next_insn`] is `Some`.
    pub fn take(&mut self, prev: Option<(u64, u64)>) -> Access {
        let mut a = self.next;
        if self.k > 0 {
            let (seq, end) = prev.unwrap_or((u64::MAX, 0));
            a.seq = seq.wrapping_add(1);
            a.cycle = end;
        }
        // The L1I's latency for each line the fetch touches.
        let paddr = a.paddr.unwrap_or(0);
        let last = paddr.wrapping_add(u32::from(a.size) - 1);
        let lines = (last >> self.line_shift).wrapping_sub(paddr >> self.line_shift) + 1;
        a.cycles = self.line_cycles.wrapping_mul(u64::from(lines));
        self.k += 1;
        let n = &mut self.next;
        n.pc = a.pc.wrapping_add(u32::from(a.size));
        n.vaddr = n.pc;
        n.paddr = a.paddr.map(|p| p.wrapping_add(u32::from(a.size)));
        n.size = if self.four_byte >> (self.k % 64) & 1 != 0 {
            4
        } else {
            2
        };
        n.insn = a.insn.wrapping_add(1);
        n.tlb = self.tlb_rest;
        a
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A block run's first fetch: instruction 20 at 0x10100, seq 7, cycle 300.
    pub(crate) fn first() -> PlainFetch {
        PlainFetch {
            seq: 7,
            insn: 20,
            cycle: 300,
            pc: 0x1_0100,
            paddr: 0x8000_3100,
            size: 4,
            region: Region::Text,
            tlb: TlbOutcome::Miss,
            cycles: 4,
        }
    }

    #[test]
    fn fetches_follow_the_access_before_each() {
        // 4, 2 and 4 bytes.
        let mut r = open_record(&first(), 0b101, 6);
        set_count(&mut r, 3);
        let mut run = BlockRunFetches::decode(&r).unwrap();
        assert_eq!(run.next_insn(), Some(20));
        let a0 = run.take(Some((6, 0)));
        assert_eq!(a0, first().access());
        // Fetch 1 follows fetch 0 (cycle 300, 4 cycles): cycle 304, seq 8.
        let a1 = run.take(Some((a0.seq, a0.cycle + a0.cycles)));
        assert_eq!((a1.seq, a1.insn, a1.cycle, a1.pc), (8, 21, 304, 0x1_0104));
        assert_eq!((a1.paddr, a1.tlb), (Some(0x8000_3104), TlbOutcome::Hit));
        assert_eq!(a1.size, 2);
        // A load of instruction 21 (seq 9, cycle 307, 3 cycles) came between: fetch 2 at 310.
        let a2 = run.take(Some((9, 310)));
        assert_eq!((a2.seq, a2.insn, a2.cycle, a2.pc), (10, 22, 310, 0x1_0106));
        assert_eq!((a2.size, a2.paddr), (4, Some(0x8000_3106)));
        assert_eq!(run.next_insn(), None);
    }

    #[test]
    fn a_fetch_across_a_line_boundary_costs_a_hit_per_line() {
        // 8-byte lines: fetch 2 (4 bytes at 0x8000_3106) ends in the next line, two hits.
        let mut r = open_record(&first(), 0b101, 3);
        set_count(&mut r, 3);
        let mut run = BlockRunFetches::decode(&r).unwrap();
        let a0 = run.take(None);
        let a1 = run.take(Some((a0.seq, a0.cycle + a0.cycles)));
        let a2 = run.take(Some((a1.seq, a1.cycle + a1.cycles)));
        assert_eq!((a0.cycles, a1.cycles, a2.cycles), (4, 4, 8));
        assert_eq!(a2.cycle, 308);
        assert_eq!((a2.cache, a2.served_by), (a0.cache, Some(Level::L1)));
        // 2-byte lines: a 4-byte fetch touches two, an aligned 2-byte one one.
        let mut r = open_record(&first(), 0b101, 1);
        set_count(&mut r, 2);
        let mut run = BlockRunFetches::decode(&r).unwrap();
        let a0 = run.take(None);
        let a1 = run.take(Some((a0.seq, a0.cycle + a0.cycles)));
        assert_eq!((a0.cycles, a1.cycles, a1.cycle), (8, 4, 308));
    }

    #[test]
    fn bad_records_are_errors() {
        // A run that holds no fetch gives none.
        let r = open_record(&first(), 1, 6);
        assert_eq!(BlockRunFetches::decode(&r).unwrap().next_insn(), None);
        let mut r = open_record(&first(), 1, 6);
        set_count(&mut r, 65);
        assert!(BlockRunFetches::decode(&r)
            .unwrap_err()
            .contains("at most 64"));
        let mut r = open_record(&first(), 1, 6);
        set_count(&mut r, 1);
        r[1] = 200;
        assert!(BlockRunFetches::decode(&r).unwrap_err().contains("region"));
        let mut r = open_record(&first(), 1, 6);
        set_count(&mut r, 1);
        r[3] = 9;
        assert!(BlockRunFetches::decode(&r).unwrap_err().contains("tlb"));
        let mut r = open_record(&first(), 1, 32);
        set_count(&mut r, 1);
        let err = BlockRunFetches::decode(&r).unwrap_err();
        assert!(err.contains("L1I line of 2^32"), "{err}");
    }
}
