//! Trace writers (DESIGN.md §8): one [`Tracer`] observer, several output formats.
//!
//! Every format streams through a `BufWriter`: memory stays bounded however long the trace,
//! and [`Tracer::finish`] flushes it (the process runner's every exit path ends there: exit,
//! fatal signal, instruction limit).
//!
//! | format | lines |
//! |---|---|
//! | `text` | one aligned line per access, the journey left to right; `#` header; retirements (`--trace-regs`), page and process events as lines with `-` for seq |
//! | `jsonl` | a header object `{"schema":"rvscope-trace/1","config":{…}}`, then one object per event |
//! | `din` | Dinero IV: `LABEL HEXADDR`, 0 read, 1 write, 2 fetch; physical addresses |
//! | `lackey` | Valgrind Lackey: `I  ADDR,SIZE`, ` L ADDR,SIZE`, ` S ADDR,SIZE`, ` M ADDR,SIZE`; virtual addresses |
//! | `commit` | Spike `--log-commits`: `core   0: PRIV 0xPC (0xINSN) xN  0xVAL mem 0xADDR [0xDATA]` |
//!
//! `din` holds exactly the accesses that reached the modelled caches, in order, so replaying
//! it with `rvscope cachesim` and the same cache configuration gives the live run's cache
//! counts: failed accesses (a page fault before the retry) and `kernel` copies (which bypass
//! the modelled caches) are left out; an AMO, one write access in the model, is one write
//! record (label 1); a page-table walker's PTE read is a read record (label 0) when it went
//! through the caches (`--ptw-through-cache true`, the default) and absent otherwise; an access
//! crossing a page is two records, one per physical page. A record is Dinero's 4 bytes at the
//! address rounded down to 4 unless the access is something else (a byte, a half-word, a
//! 2-byte instruction, a word not aligned to 4): then a decimal third field gives its size in
//! bytes and the address is exact. Dinero IV ignores what follows the address; `rvscope
//! cachesim` reads it. Lackey lists the same accesses by virtual address (ptw reads by
//! physical), AMOs as ` M`.

use std::fmt::Write as _;
use std::io::{self, BufWriter, Write};

use serde::Serialize;
use serde_json::json;

use crate::config::Config;
use crate::hart::trap::Exception;
use crate::isa::{self, Decoded};
use crate::mem::hierarchy::{Level, LevelVisit};
use crate::trace::bin;
use crate::trace::block_run;
use crate::trace::event::{
    Access, AccessKind, ClientEvent, Event, PageEvent, PageEventKind, PageFaultKind, ProcessEvent,
    Retire, TlbOutcome,
};
use crate::trace::fetch_run::{FetchRun, NextFetch, PlainFetch};
use crate::trace::filter::Filter;
use crate::trace::run_access::{self, RunAccess, RunWalk};
use crate::trace::Observer;

/// Names of the cache levels, in `CacheJourney::levels` order.
const LEVEL_NAMES: [&str; 3] = ["L1", "L2", "L3"];

/// Version of the `jsonl` schema, in its header line.
pub const JSONL_SCHEMA: &str = "rvscope-trace/1";

/// A trace format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Aligned columns for people.
    Text,
    /// One JSON object per event.
    Jsonl,
    /// Dinero IV.
    Din,
    /// Valgrind Lackey.
    Lackey,
    /// Spike `--log-commits`.
    Commit,
    /// Fixed-size binary records ([`crate::trace::bin`]).
    Bin,
}

impl std::str::FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "text" => Ok(Format::Text),
            "jsonl" => Ok(Format::Jsonl),
            "din" => Ok(Format::Din),
            "lackey" => Ok(Format::Lackey),
            "commit" => Ok(Format::Commit),
            "bin" => Ok(Format::Bin),
            _ => Err(format!(
                "unknown trace format '{s}' (text, jsonl, din, lackey, commit, bin)"
            )),
        }
    }
}

/// The Spike commit log's record of one memory access of the current instruction.
#[derive(Clone, Copy, Debug)]
struct CommitMem {
    vaddr: u32,
    kind: AccessKind,
    size: u8,
    data: Option<u32>,
}

/// An observer writing a trace in one [`Format`], keeping what its [`Filter`] keeps.
pub struct Tracer<W: Write> {
    out: BufWriter<W>,
    format: Format,
    filter: Filter,
    /// The first write error; writing stops there and [`Tracer::finish`] reports it.
    error: Option<io::Error>,
    /// `commit`: the data accesses of the instruction about to retire.
    commit_mem: Vec<CommitMem>,
    /// Reused line buffer.
    line: String,
    /// `bin`: a chunk being filled with records (fixed size: `BIN_CHUNK`, `bin_len` used).
    bin: Vec<u8>,
    /// `bin`: bytes of `bin` filled.
    bin_len: usize,
    /// `bin` with a filter that keeps every access: an access becomes its record directly,
    /// and plain fetches gather into fetch runs.
    bin_all: bool,
    /// `bin`: the open fetch run and the offset in `bin` of the record reserved for it
    /// ([`fetch_run`]: the records made between its fetches follow it).
    run: Option<(usize, FetchRun)>,
    /// `bin`: the open block run ([`block_run`]): the offset in `bin` of its record and its
    /// first fetch's instruction number.
    block_run: Option<(usize, u64)>,
    /// `bin`: the seq of the last access recorded, and the instruction number of the last
    /// record (`u64::MAX` for one without): what a fetch must follow to extend the run.
    last_seq: u64,
    last_insn: u64,
    /// [`Observer::wants_retires`], fixed by the format and the filter.
    retires: bool,
}

/// `bin`: records are handed to the output in chunks of this many bytes (a whole number of
/// records).
const BIN_CHUNK: usize = 1 << 18;
/// The most records an open block run writes: its own and one for each of its instructions
/// (a block holds at most [`block_run::MAX_FETCHES`]).
const RUN_RECORDS: usize = 1 + block_run::MAX_FETCHES as usize;
const _: () = assert!(RUN_RECORDS * bin::RECORD_SIZE <= BIN_CHUNK);
const _: () = assert!(BIN_CHUNK.is_multiple_of(bin::RECORD_SIZE));

impl<W: Write> Tracer<W> {
    /// A tracer writing `format` to `out`; `config` goes into the headers that have one.
    pub fn new(out: W, format: Format, filter: Filter, config: &Config) -> Tracer<W> {
        Tracer::with_config_json(out, format, filter, config_json(config))
    }

    /// A tracer whose headers carry `config`, the configuration as the jsonl header gives it
    /// (what `rvscope trace convert` takes from a bin trace's header).
    pub fn with_config_json(
        out: W,
        format: Format,
        filter: Filter,
        config: serde_json::Value,
    ) -> Tracer<W> {
        let filter_retires = filter.retires;
        let mut t = Tracer {
            out: BufWriter::with_capacity(1 << 16, out),
            format,
            filter,
            error: None,
            commit_mem: Vec::new(),
            line: String::with_capacity(256),
            bin: if format == Format::Bin {
                vec![0; BIN_CHUNK]
            } else {
                Vec::new()
            },
            bin_len: 0,
            bin_all: false,
            run: None,
            block_run: None,
            last_seq: u64::MAX,
            last_insn: u64::MAX,
            retires: match format {
                Format::Commit => true,
                Format::Text | Format::Jsonl | Format::Bin => filter_retires,
                Format::Din | Format::Lackey => false,
            },
        };
        t.bin_all = t.keeps_every_access_as_bin();
        t.header(config);
        t
    }

    /// Flushes the trace; returns the first write error, if any.
    pub fn finish(mut self) -> io::Result<()> {
        // The interpreter ends every block run it opens; were one open still, its count would
        // be what the trace shows of it.
        debug_assert!(self.block_run.is_none(), "a block run left open");
        self.close_block_run(self.last_insn.wrapping_add(1));
        self.flush_bin();
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        self.out.flush()
    }

    fn header(&mut self, config: serde_json::Value) {
        match self.format {
            Format::Text => {
                // The same widths as `text_access`.
                let _ = writeln!(
                    self.line,
                    "#{:>8} {:>10}  {:<8}  {:<6} {:>4}  {:<8}    {:<8}  {:<6}  {:<4}  {:<7} {:<7} {:<7} {:<6} {:>6}  note",
                    "seq", "insn", "pc", "kind", "size", "vaddr", "paddr", "region", "tlb", "L1",
                    "L2", "L3", "served", "cycles"
                );
            }
            Format::Bin => {
                let header = json!({
                    "config": config,
                    "filter": {
                        "from": self.filter.from,
                        "to": (self.filter.to != u64::MAX).then_some(self.filter.to),
                    },
                    "retires": self.filter.retires,
                });
                let bytes = bin::header(&header.to_string());
                if let Err(e) = self.out.write_all(&bytes) {
                    self.error = Some(e);
                }
            }
            Format::Jsonl => {
                let filter = json!({
                    "from": self.filter.from,
                    "to": (self.filter.to != u64::MAX).then_some(self.filter.to),
                    "pcs": self.filter.pcs,
                    "sample": self.filter.sample,
                    "start": if self.filter.active { "on" } else { "off" },
                });
                let header = json!({
                    "schema": JSONL_SCHEMA,
                    "config": config,
                    "filter": filter,
                });
                let _ = writeln!(self.line, "{header}");
            }
            Format::Din | Format::Lackey | Format::Commit => {}
        }
        self.flush_line();
    }

    /// Writes the pending bin records out (closing the open fetch run). An open block run's
    /// record is not complete yet: it and the records after it move to the chunk's start and
    /// stay (a block run holds at most a block's instructions: if they fill the chunk, the
    /// chunk grows).
    #[inline(never)]
    fn flush_bin(&mut self) {
        self.close_run();
        let keep_from = match &mut self.block_run {
            Some((at, _)) if *at == 0 && self.bin_len == self.bin.len() => {
                let grown = self.bin.len() * 2;
                self.bin.resize(grown, 0);
                return;
            }
            Some((at, _)) => std::mem::replace(at, 0),
            None => self.bin_len,
        };
        if self.error.is_none() && keep_from > 0 {
            // Straight to the output: the chunk is as large as the buffered writer's buffer,
            // so copying it there first would gain nothing.
            let written = self
                .out
                .flush()
                .and_then(|()| self.out.get_mut().write_all(&self.bin[..keep_from]));
            if let Err(e) = written {
                self.error = Some(e);
            }
        }
        self.bin.copy_within(keep_from..self.bin_len, 0);
        self.bin_len -= keep_from;
    }

    /// Writes the line buffer out (once an error happened, nothing more is written).
    fn flush_line(&mut self) {
        if self.error.is_none() && !self.line.is_empty() {
            if let Err(e) = self.out.write_all(self.line.as_bytes()) {
                self.error = Some(e);
            }
        }
        self.line.clear();
    }

    fn write_event(&mut self, event: &Event) {
        match self.format {
            Format::Bin => {
                // Records gather in `bin`, written out 64 KiB at a time.
                match event {
                    Event::Access(a) => self.push_access(a),
                    _ => {
                        self.last_insn = event.insn().unwrap_or(u64::MAX);
                        self.push_bin(bin::encode(event));
                    }
                }
                return;
            }
            Format::Text => text_event(&mut self.line, event),
            Format::Jsonl => jsonl_event(&mut self.line, event),
            Format::Din => {
                if let Event::Access(a) = event {
                    din_access(&mut self.line, a);
                }
            }
            Format::Lackey => {
                if let Event::Access(a) = event {
                    lackey_access(&mut self.line, a);
                }
            }
            Format::Commit => self.commit_event(event),
        }
        self.flush_line();
    }

    /// True if the format is `bin` and the filter keeps every access.
    fn keeps_every_access_as_bin(&self) -> bool {
        self.format == Format::Bin && self.filter.keeps_all_accesses()
    }

    /// Appends one bin record; a full chunk goes out first.
    #[inline(always)]
    fn push_bin(&mut self, record: [u8; bin::RECORD_SIZE]) {
        let at = self.reserve_bin();
        if let Some(r) = self.bin.get_mut(at..at + bin::RECORD_SIZE) {
            r.copy_from_slice(&record);
        }
    }

    /// Appends the record of access `a`, the last one recorded.
    #[inline(always)]
    fn push_access(&mut self, a: &Access) {
        self.last_seq = a.seq;
        self.last_insn = a.insn;
        self.push_words(bin::access_words(a));
    }

    /// Appends one bin record given as its eight words, stored straight into the chunk (an
    /// access's record was put together on the stack and then copied: twice the stores).
    #[inline(always)]
    fn push_words(&mut self, words: [u64; bin::RECORD_WORDS]) -> usize {
        let at = self.reserve_bin();
        self.store_words(at, words);
        at
    }

    /// Stores record `words` at offset `at` of the chunk (reserved by the caller).
    #[inline(always)]
    fn store_words(&mut self, at: usize, words: [u64; bin::RECORD_WORDS]) {
        if let Some(r) = self.bin.get_mut(at..at + bin::RECORD_SIZE) {
            for (chunk, word) in r.chunks_exact_mut(8).zip(words) {
                chunk.copy_from_slice(&word.to_le_bytes());
            }
        }
    }

    /// The offset of a new record's bytes in `bin` (writing the chunk out first if it is full).
    #[inline(always)]
    fn reserve_bin(&mut self) -> usize {
        if self.bin_len == self.bin.len() {
            self.flush_bin();
        }
        let at = self.bin_len;
        self.bin_len = at + bin::RECORD_SIZE;
        at
    }

    /// Appends run access `a` of the open block run as its record.
    #[inline(always)]
    fn push_run_access(&mut self, a: &RunAccess) {
        self.push_reserved_words(run_access::record_words(a, self.run_fetch_of(a)));
    }

    /// Appends one record of the open block run, in the room its opening made for the run's
    /// records ([`RUN_RECORDS`]): no test for a full chunk.
    #[inline(always)]
    fn push_reserved_words(&mut self, words: [u64; bin::RECORD_WORDS]) {
        debug_assert!(self.block_run.is_some(), "a run record outside a block run");
        let at = self.bin_len;
        debug_assert!(
            at + bin::RECORD_SIZE <= self.bin.len(),
            "no room left in the run"
        );
        self.bin_len = at + bin::RECORD_SIZE;
        self.store_words(at, words);
    }

    /// Which fetch of the open block run run access `a`'s instruction is.
    #[inline(always)]
    fn run_fetch_of(&self, a: &RunAccess) -> u64 {
        debug_assert!(self.block_run.is_some(), "a run access outside a block run");
        let first = self.block_run.map_or(a.insn, |(_, first)| first);
        a.insn.wrapping_sub(first)
    }

    /// A plain fetch, with a filter that keeps every access: it extends the open fetch run, or
    /// opens one.
    #[inline(always)]
    fn plain_fetch(&mut self, a: &PlainFetch) {
        let (last_seq, last_insn) = (self.last_seq, self.last_insn);
        self.last_seq = a.seq;
        self.last_insn = a.insn;
        if let Some((_, run)) = &mut self.run {
            if run.extend(a, last_seq, last_insn) {
                return;
            }
        }
        self.open_run(a);
    }

    /// Closes the open fetch run and opens one with `a`, its record reserved here.
    #[inline(never)]
    fn open_run(&mut self, a: &PlainFetch) {
        self.close_block_run(a.insn);
        self.close_run();
        let at = self.reserve_bin();
        self.run = Some((at, FetchRun::open(a)));
    }

    /// Writes the open fetch run's record into the place reserved for it. Rarely one is open
    /// (a block run's opening asks every time): the record is written out of line.
    #[inline(always)]
    fn close_run(&mut self) {
        if self.run.is_some() {
            self.write_run_record();
        }
    }

    #[cold]
    #[inline(never)]
    fn write_run_record(&mut self) {
        if let Some((at, run)) = self.run.take() {
            if let Some(r) = self.bin.get_mut(at..at + bin::RECORD_SIZE) {
                r.copy_from_slice(&run.record());
            }
        }
    }

    /// Closes the open block run, if any: its fetches were those of the instructions before
    /// `next_insn`.
    #[inline(always)]
    fn close_block_run(&mut self, next_insn: u64) {
        if let Some((at, first)) = self.block_run.take() {
            let count = u32::try_from(next_insn.wrapping_sub(first)).unwrap_or(u32::MAX);
            if let Some(r) = self.bin.get_mut(at..at + bin::RECORD_SIZE) {
                block_run::set_count(r, count);
            }
        }
    }

    /// Opens a block run with the plain fetch `a`, its record reserved here.
    #[inline(always)]
    fn open_block(&mut self, a: &PlainFetch, four_byte: u64, line_shift: u8) {
        self.close_block_run(a.insn);
        self.open_block_after_runs(a, four_byte, line_shift);
    }

    /// [`Tracer::open_block`] with no block run open.
    #[inline(always)]
    fn open_block_after_runs(&mut self, a: &PlainFetch, four_byte: u64, line_shift: u8) {
        self.close_run();
        // `last_seq` and `last_insn` serve fetch runs only: none is open while a block run
        // is, and the next one opened sets them (`plain_fetch`).
        // Room for the run's record and one per instruction (a run access, or a plain data
        // access's record) is made here, once: the run's records are then stored untested.
        if self.bin.len() - self.bin_len < RUN_RECORDS * bin::RECORD_SIZE {
            self.flush_bin();
        }
        let at = self.bin_len;
        self.block_run = Some((at, a.insn));
        self.push_reserved_words(block_run::open_words(a, four_byte, line_shift));
    }

    fn commit_event(&mut self, event: &Event) {
        match event {
            Event::Access(a)
                if a.completed()
                    && matches!(
                        a.kind,
                        AccessKind::Load | AccessKind::Store | AccessKind::Amo
                    ) =>
            {
                self.commit_mem.push(CommitMem {
                    vaddr: a.vaddr,
                    kind: a.kind,
                    size: a.size,
                    data: a.data,
                });
            }
            Event::Access(a) if a.kind == AccessKind::Fetch => self.commit_mem.clear(),
            Event::Retire(r) => {
                commit_line(&mut self.line, r, &self.commit_mem);
                self.commit_mem.clear();
            }
            _ => {}
        }
    }
}

impl<W: Write> Observer for Tracer<W> {
    const ENABLED: bool = true;

    fn on_event(&mut self, event: &Event) {
        // A block run holds only fetches and plain data accesses (a retirement does not
        // change what its fetches are).
        match event {
            Event::Retire(_) => {}
            Event::Access(a) => self.close_block_run(block_run_end(a)),
            _ => self.close_block_run(event.insn().map_or(0, |i| i.wrapping_add(1))),
        }
        if let Event::Client(_) = event {
            // Tracing may be switched on or off: no run spans that.
            self.close_run();
        }
        let keep = match event {
            // The commit log is made of retirements, whatever the filter says.
            Event::Retire(r) if self.format == Format::Commit => {
                self.filter.active && self.filter.in_window(r.insn) && self.filter.pc_kept(r.pc)
            }
            Event::Access(a) if self.format == Format::Commit => {
                self.filter.active && self.filter.in_window(a.insn)
            }
            _ => self.filter.keeps(event),
        };
        if keep {
            self.write_event(event);
        }
        if let Event::Client(_) = event {
            // Tracing may have been switched on or off.
            self.bin_all = self.keeps_every_access_as_bin();
        }
    }

    #[inline(always)]
    fn on_access(&mut self, access: &Access) {
        if self.bin_all {
            self.close_block_run(block_run_end(access));
            if let Some(fetch) = PlainFetch::of(access) {
                self.plain_fetch(&fetch);
            } else {
                self.push_access(access);
            }
        } else {
            self.on_event(&Event::Access(*access));
        }
    }

    const BLOCK_RUNS: bool = true;

    const RUN_ACCESSES: bool = true;

    #[inline(always)]
    fn on_run_access(&mut self, access: &RunAccess) {
        self.push_run_access(access);
    }

    #[inline(always)]
    fn on_walked_run_access(&mut self, access: &RunAccess, walk: &RunWalk) {
        let k = self.run_fetch_of(access);
        self.push_reserved_words(run_access::walked_record_words(access, k, walk));
    }

    #[inline(always)]
    fn lean_block_run<const TLBS: bool, const CACHES: bool>(
        &mut self,
        hart: &mut crate::hart::Hart,
        mem: &mut crate::mem::access::Memory,
        insns: &[crate::mem::access::CachedInsn],
        start: u32,
    ) -> crate::machine::LeanExit {
        crate::machine::lean_block_run::<Self, TLBS, CACHES>(hart, mem, self, insns, start)
    }

    #[inline(always)]
    fn in_block_run(&self) -> bool {
        self.block_run.is_some()
    }

    #[inline(always)]
    fn open_block_run(&mut self, fetch: &PlainFetch, four_byte: u64, line_shift: u8) {
        if !self.bin_all {
            self.on_plain_fetch(fetch);
            return;
        }
        self.open_block(fetch, four_byte, line_shift);
    }

    #[inline(always)]
    fn begin_block_run(&mut self, first: &PlainFetch, four_byte: u64, line_shift: u8) {
        // The interpreter ended the block run before (`end_block_run`).
        debug_assert!(
            self.block_run.is_none(),
            "a block run begins inside another"
        );
        if self.bin_all {
            self.open_block_after_runs(first, four_byte, line_shift);
        }
    }

    #[inline(always)]
    fn end_block_run(&mut self, next_insn: u64) {
        self.close_block_run(next_insn);
    }

    #[inline(always)]
    fn on_plain_data(&mut self, access: &Access) {
        if self.bin_all {
            self.push_access(access);
        } else {
            self.on_event(&Event::Access(*access));
        }
    }

    #[inline(always)]
    fn on_plain_fetch(&mut self, fetch: &PlainFetch) {
        if self.bin_all {
            self.plain_fetch(fetch);
        } else {
            self.on_event(&Event::Access(fetch.access()));
        }
    }

    #[inline(always)]
    fn continue_fetch_run(&mut self, fetch: &NextFetch) -> bool {
        let Some((_, run)) = &mut self.run else {
            return false;
        };
        if !run.push(fetch, self.last_seq, self.last_insn) {
            return false;
        }
        self.last_seq = fetch.seq;
        self.last_insn = fetch.insn;
        true
    }

    /// Retirements are made into lines by `commit` always, and by `text`, `jsonl` and `bin`
    /// with `--trace-regs`; `din` and `lackey` have no line for them.
    fn wants_retires(&self) -> bool {
        self.retires
    }
}

/// Where an open block run ends when access `a` comes that it cannot hold: before `a`'s
/// instruction if `a` is that instruction's fetch, else after it (its fetch came first).
fn block_run_end(a: &Access) -> u64 {
    a.insn.wrapping_add(u64::from(a.kind != AccessKind::Fetch))
}

/// The configuration as the jsonl and bin headers give it.
pub fn config_json(config: &Config) -> serde_json::Value {
    toml::from_str::<toml::Value>(&config.to_toml())
        .ok()
        .and_then(|v| serde_json::to_value(v).ok())
        .unwrap_or(serde_json::Value::Null)
}

// ---- din and lackey ----

/// True if `a` reached the modelled caches (or, without caches, would have): what `din` and
/// `lackey` hold.
fn cache_visible(a: &Access) -> bool {
    a.completed()
        && a.kind != AccessKind::Kernel
        && (a.kind != AccessKind::Ptw || a.cache.is_some())
        && a.paddr.is_some()
}

/// The physical parts of `a`: address and size of each access the caches saw.
fn parts(a: &Access) -> impl Iterator<Item = (u32, u32)> {
    let paddr = a.paddr.unwrap_or(0);
    let (first, second) = match a.split {
        Some((p2, n2)) => ((paddr, a.size as u32 - n2 as u32), Some((p2, n2 as u32))),
        None => ((paddr, a.size as u32), None),
    };
    std::iter::once(first).chain(second)
}

/// Calls `f(label, paddr, size)` for each din record of `a` (none if it did not reach the
/// caches): what `--trace-format din` writes, for tools replaying other formats.
pub fn din_records(a: &Access, mut f: impl FnMut(u8, u32, u32)) {
    if !cache_visible(a) {
        return;
    }
    let label = din_label(a.kind);
    for (addr, size) in parts(a) {
        f(label, addr, size);
    }
}

fn din_label(kind: AccessKind) -> u8 {
    match kind {
        AccessKind::Fetch => 2,
        AccessKind::Store | AccessKind::Amo => 1,
        AccessKind::Load | AccessKind::Ptw | AccessKind::Kernel => 0,
    }
}

fn din_access(line: &mut String, a: &Access) {
    if !cache_visible(a) {
        return;
    }
    let label = char::from(b'0' + din_label(a.kind));
    // Hand-formatted: din is the format of long traces, and `write!` cost more than the
    // cache model per access.
    for (addr, size) in parts(a) {
        line.push(label);
        line.push(' ');
        push_hex(line, addr, 1);
        if size != 4 || addr & 3 != 0 {
            line.push(' ');
            push_decimal(line, size);
        }
        line.push('\n');
    }
}

/// Appends `value` in lowercase hex, at least `min_digits` digits (zero-padded).
fn push_hex(line: &mut String, value: u32, min_digits: u32) {
    let digits = (32 - value.leading_zeros()).div_ceil(4).max(min_digits);
    for i in (0..digits).rev() {
        let nibble = (value >> (4 * i)) & 0xf;
        line.push(char::from_digit(nibble, 16).expect("a nibble is a hex digit"));
    }
}

/// Appends `value` in decimal.
fn push_decimal(line: &mut String, value: u32) {
    push_decimal_right(line, u64::from(value), 0);
}

fn lackey_access(line: &mut String, a: &Access) {
    if !cache_visible(a) {
        return;
    }
    let tag = match a.kind {
        AccessKind::Fetch => "I ",
        AccessKind::Load | AccessKind::Ptw | AccessKind::Kernel => " L",
        AccessKind::Store => " S",
        AccessKind::Amo => " M",
    };
    line.push_str(tag);
    line.push(' ');
    push_hex(line, a.vaddr, 8);
    line.push(',');
    push_decimal(line, u32::from(a.size));
    line.push('\n');
}

// ---- commit ----

/// Spike prints a value of `bits` bits as `0x` and bits/4 hex digits.
fn spike_hex(line: &mut String, bits: u32, value: u32) {
    let digits = (bits / 4) as usize;
    let _ = write!(line, "0x{value:0digits$x}");
}

fn commit_line(line: &mut String, r: &Retire, mem: &[CommitMem]) {
    let _ = write!(line, "core   0: {} ", r.privilege);
    spike_hex(line, 32, r.pc);
    line.push_str(" (");
    spike_hex(line, u32::from(r.len) * 8, r.raw);
    line.push(')');
    if let Some(w) = r.write {
        let _ = write!(line, " x{:<2} ", w.reg);
        spike_hex(line, 32, w.value);
    }
    // Spike lists the reads, then the writes: an AMO is both.
    for m in mem.iter().filter(|m| m.kind != AccessKind::Store) {
        line.push_str(" mem ");
        spike_hex(line, 32, m.vaddr);
    }
    for m in mem.iter().filter(|m| m.kind != AccessKind::Load) {
        line.push_str(" mem ");
        spike_hex(line, 32, m.vaddr);
        line.push(' ');
        let bits = u32::from(m.size) * 8;
        let mask = if bits >= 32 {
            u32::MAX
        } else {
            (1 << bits) - 1
        };
        spike_hex(line, bits, m.data.unwrap_or(0) & mask);
    }
    line.push('\n');
}

// ---- text ----

fn tlb_name(t: TlbOutcome) -> &'static str {
    match t {
        TlbOutcome::None => "-",
        TlbOutcome::Hit => "hit",
        TlbOutcome::Miss => "miss",
    }
}

fn level_name(l: Level) -> &'static str {
    match l {
        Level::L1 => "L1",
        Level::L2 => "L2",
        Level::L3 => "L3",
        Level::Ram => "RAM",
    }
}

/// One level's cell: `hit`, `miss`, `-` (not reached), with `+ev` when it evicted a clean
/// line and `+wb` when it evicted a dirty one (written back below).
fn level_cell(v: &LevelVisit) -> &'static str {
    match (v.hit, v.writebacks > 0, v.evictions > 0) {
        (None, false, false) => "-",
        (None, true, _) => "-+wb",
        (None, false, true) => "-+ev",
        (Some(true), false, false) => "hit",
        (Some(true), true, _) => "hit+wb",
        (Some(true), false, true) => "hit+ev",
        (Some(false), false, false) => "miss",
        (Some(false), true, _) => "miss+wb",
        (Some(false), false, true) => "miss+ev",
    }
}

/// Appends `value` in decimal, right-aligned in `width` columns (`{:>width}`).
fn push_decimal_right(line: &mut String, value: u64, width: usize) {
    let mut digits = [0u8; 20];
    let (mut n, mut rest) = (0, value);
    loop {
        digits[n] = b'0' + (rest % 10) as u8;
        n += 1;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    for _ in n..width {
        line.push(' ');
    }
    line.extend(digits[..n].iter().rev().map(|&d| char::from(d)));
}

/// Appends the ASCII `text` left-aligned in `width` columns (`{:<width}`).
fn push_left(line: &mut String, text: &str, width: usize) {
    line.push_str(text);
    for _ in text.len()..width {
        line.push(' ');
    }
}

fn text_event(line: &mut String, event: &Event) {
    match event {
        Event::Access(a) => text_access(line, a),
        Event::Retire(r) => {
            let text = disasm(r);
            let _ = write!(
                line,
                "{:>9} {:>10}  {:08x}  retire  {text}",
                "-", r.insn, r.pc
            );
            if let Some(w) = r.write {
                let _ = write!(line, "  {} = 0x{:08x}", isa::Reg(w.reg).abi_name(), w.value);
            }
            line.push('\n');
        }
        Event::Page(p) => text_page(line, p),
        Event::Process(p) => text_process(line, p),
        Event::Client(c) => text_client(line, c),
    }
}

/// A client request: `mark "phase 2"`, `snapshot "loop"`, `trace-on`, `trace-off`, with the
/// cycle count.
fn text_client(line: &mut String, c: &ClientEvent) {
    let _ = write!(
        line,
        "{:>9} {:>10}  {:08x}  {:<7}",
        "-",
        c.insn,
        c.pc,
        c.request.name()
    );
    if let Some(label) = c.request.label() {
        let _ = write!(line, " {label:?}");
    }
    let _ = writeln!(line, "  cycle {}", c.cycle);
}

fn disasm(r: &Retire) -> String {
    let d = isa::decode(r.raw);
    isa::disasm(
        &Decoded {
            insn: d.insn,
            raw: r.raw,
            len: r.len,
        },
        r.pc,
    )
    .replace('\t', " ")
}

/// An access's line, written field by field: `seq insn  pc  kind size  vaddr -> paddr  region
/// tlb  L1 L2 L3 served cycles`, each in its column as `{:>9} {:>10}  {:08x}  {:<6} {:>4}  …`
/// would pad it (the commonest line; `format!` with padding was most of a text trace's time).
fn text_access(line: &mut String, a: &Access) {
    push_decimal_right(line, a.seq, 9);
    line.push(' ');
    push_decimal_right(line, a.insn, 10);
    line.push_str("  ");
    push_hex(line, a.pc, 8);
    line.push_str("  ");
    push_left(line, a.kind.name(), 6);
    line.push(' ');
    push_decimal_right(line, u64::from(a.size), 4);
    line.push_str("  ");
    push_hex(line, a.vaddr, 8);
    line.push_str(" -> ");
    match a.paddr {
        Some(p) => push_hex(line, p, 8),
        None => line.push_str("--------"),
    }
    line.push_str("  ");
    push_left(line, a.region.map_or("-", |r| r.name()), 6);
    line.push_str("  ");
    push_left(line, tlb_name(a.tlb), 4);
    line.push_str("  ");
    let levels = a.cache.as_ref().map(|j| &j.levels);
    for i in 0..3 {
        let cell = levels.map_or("-", |l| level_cell(&l[i]));
        push_left(line, cell, 7);
        line.push(' ');
    }
    push_left(line, a.served_by.map_or("-", level_name), 6);
    line.push(' ');
    push_decimal_right(line, a.cycles, 6);
    let mut notes = Vec::new();
    if let Some(pf) = a.page_fault {
        notes.push(format!("{pf:?} page fault before").to_lowercase());
    }
    if let Some((p2, n2)) = a.split {
        notes.push(format!("{n2} bytes at {p2:08x}"));
    }
    if let Some(e) = a.fault {
        notes.push(format!("FAULT: {}", exception_text(e)));
    }
    if !notes.is_empty() {
        line.push_str("  ");
        line.push_str(&notes.join("; "));
    }
    // No trailing spaces on lines without a note.
    let trimmed = line.trim_end().len();
    line.truncate(trimmed);
    line.push('\n');
}

fn exception_text(e: Exception) -> String {
    format!("{} at {:#010x}", e.name(), e.tval())
}

fn text_page(line: &mut String, p: &PageEvent) {
    if p.kind != PageEventKind::Fault {
        return text_page_change(line, p);
    }
    let _ = writeln!(
        line,
        "{:>9} {:>10}  {:08x}  page    {} fault at {:08x} ({}): page mapped",
        "-",
        p.insn,
        p.pc,
        format!("{:?}", p.fault).to_lowercase(),
        p.vaddr,
        p.region.name()
    );
}

/// A page event other than a resolved fault: a range that changed or a swap transfer.
fn text_page_change(line: &mut String, p: &PageEvent) {
    let what = match p.kind {
        PageEventKind::SwapOut if p.fault == PageFaultKind::Major => "written to swap",
        PageEventKind::SwapOut => "dropped clean (a copy is in swap or it was never written)",
        PageEventKind::SwapIn => "read back from swap",
        _ => "",
    };
    let _ = write!(
        line,
        "{:>9} {:>10}  {:08x}  page    {} {:08x}..{:08x} ({})",
        "-",
        p.insn,
        p.pc,
        p.kind.name(),
        p.vaddr,
        u64::from(p.vaddr) + u64::from(p.len),
        p.region.name()
    );
    if what.is_empty() {
        let _ = writeln!(line, " {} bytes", p.len);
    } else {
        let _ = writeln!(line, ": {what}");
    }
}

fn text_process(line: &mut String, p: &ProcessEvent) {
    let _ = match *p {
        ProcessEvent::Start { entry, sp } => writeln!(
            line,
            "{:>9} {:>10}  {entry:08x}  start   sp={sp:08x}",
            "-", 0
        ),
        ProcessEvent::Exit { insn, status } => {
            writeln!(
                line,
                "{:>9} {insn:>10}  {:8}  exit    status {status}",
                "-", ""
            )
        }
        ProcessEvent::Signal {
            insn,
            pc,
            signal,
            addr,
        } => writeln!(
            line,
            "{:>9} {insn:>10}  {pc:08x}  signal  {} ({}){}",
            "-",
            signal.name(),
            signal.description(),
            addr.map_or(String::new(), |a| format!(" at {a:08x}"))
        ),
        ProcessEvent::Limit { insn } => {
            writeln!(line, "{:>9} {insn:>10}  {:8}  limit   --max-insns", "-", "")
        }
        ProcessEvent::Interrupted { insn } => writeln!(
            line,
            "{:>9} {insn:>10}  {:8}  interrupted (Ctrl-C)",
            "-", ""
        ),
    };
}

// ---- jsonl ----

fn jsonl_event(line: &mut String, event: &Event) {
    let value = match event {
        Event::Access(a) => return jsonl_access(line, a),
        Event::Retire(r) => json!({
            "event": "retire",
            "insn": r.insn,
            "pc": r.pc,
            "raw": r.raw,
            "len": r.len,
            "disasm": disasm(r),
            "privilege": r.privilege,
            "write": r.write.map(|w| json!({"reg": w.reg, "value": w.value})),
        }),
        Event::Page(p) => json!({
            "event": "page",
            "kind": p.kind,
            "insn": p.insn,
            "pc": p.pc,
            "vaddr": p.vaddr,
            "len": p.len,
            "region": p.region.name(),
            "fault": p.fault,
        }),
        Event::Client(c) => json!({
            "event": c.request.name(),
            "insn": c.insn,
            "cycle": c.cycle,
            "pc": c.pc,
            "name": c.request.label(),
        }),
        Event::Process(p) => match *p {
            ProcessEvent::Start { entry, sp } => {
                json!({"event": "start", "entry": entry, "sp": sp})
            }
            ProcessEvent::Exit { insn, status } => {
                json!({"event": "exit", "insn": insn, "status": status})
            }
            ProcessEvent::Signal {
                insn,
                pc,
                signal,
                addr,
            } => json!({
                "event": "signal",
                "insn": insn,
                "pc": pc,
                "signal": signal.name(),
                "addr": addr,
            }),
            ProcessEvent::Limit { insn } => json!({"event": "limit", "insn": insn}),
            ProcessEvent::Interrupted { insn } => {
                json!({"event": "interrupted", "insn": insn})
            }
        },
    };
    let _ = writeln!(line, "{value}");
}

/// An access's jsonl line (the commonest), written from a struct: no map built per event.
fn jsonl_access(line: &mut String, a: &Access) {
    if let Ok(text) = serde_json::to_string(&JsonlAccess::of(a)) {
        line.push_str(&text);
        line.push('\n');
    }
}

/// An access's jsonl object: its fields in the order of their keys, which is how
/// `serde_json` writes a map (so the line is the same as the map's, without building one).
#[derive(Serialize)]
struct JsonlAccess {
    cycle: u64,
    cycles: u64,
    data: Option<u32>,
    event: &'static str,
    fault: Option<String>,
    insn: u64,
    kind: AccessKind,
    levels: JsonlLevels,
    paddr: Option<u32>,
    page_fault: Option<PageFaultKind>,
    pc: u32,
    ram_reads: Option<u8>,
    ram_writes: Option<u8>,
    region: Option<&'static str>,
    seq: u64,
    served_by: Option<&'static str>,
    size: u8,
    split: Option<JsonlSplit>,
    tlb: TlbOutcome,
    vaddr: u32,
}

impl JsonlAccess {
    fn of(a: &Access) -> JsonlAccess {
        JsonlAccess {
            cycle: a.cycle,
            cycles: a.cycles,
            data: a.data,
            event: "access",
            fault: a.fault.map(exception_text),
            insn: a.insn,
            kind: a.kind,
            levels: JsonlLevels(a.cache.map(|j| j.levels)),
            paddr: a.paddr,
            page_fault: a.page_fault,
            pc: a.pc,
            ram_reads: a.cache.map(|j| j.ram_reads),
            ram_writes: a.cache.map(|j| j.ram_writes),
            region: a.region.map(|r| r.name()),
            seq: a.seq,
            served_by: a.served_by.map(level_name),
            size: a.size,
            split: a.split.map(|(paddr, size)| JsonlSplit { paddr, size }),
            tlb: a.tlb,
            vaddr: a.vaddr,
        }
    }
}

/// A split access's second part in jsonl.
#[derive(Serialize)]
struct JsonlSplit {
    paddr: u32,
    size: u8,
}

/// The levels an access reached, in jsonl: `[{"evictions":…,"hit":…,"level":…,
/// "writebacks":…}, …]`, none without caches.
struct JsonlLevels(Option<[LevelVisit; 3]>);

impl Serialize for JsonlLevels {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct JsonlLevel {
            evictions: u8,
            hit: Option<bool>,
            level: &'static str,
            writebacks: u8,
        }
        let levels = self.0.unwrap_or_default();
        let visited = levels.iter().enumerate().filter(|(_, v)| v.hit.is_some());
        serializer.collect_seq(visited.map(|(i, v)| JsonlLevel {
            evictions: v.evictions,
            hit: v.hit,
            level: LEVEL_NAMES[i],
            writebacks: v.writebacks,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mem::hierarchy::CacheJourney;
    use crate::os::layout::Region;
    use crate::trace::bin::BinReader;

    /// A block run's live events, as the interpreter makes them: each of `fetches` fetches
    /// (4 bytes, 4 cycles in the L1I) followed by `loads` plain loads (2 cycles in the L1D).
    fn block_run_events(seq: u64, insn: u64, cycle: u64, fetches: u64, loads: u64) -> Vec<Access> {
        let mut events = Vec::new();
        let (mut seq, mut cycle) = (seq, cycle);
        for k in 0..fetches {
            let fetch = PlainFetch {
                seq,
                insn: insn + k,
                cycle,
                pc: 0x1_0000 + 4 * k as u32,
                paddr: 0x8000_2000 + 4 * k as u32,
                size: 4,
                region: Region::Text,
                tlb: TlbOutcome::Hit,
                cycles: 4,
            }
            .access();
            events.push(fetch);
            (seq, cycle) = (seq + 1, cycle + 3);
            for _ in 0..loads {
                events.push(Access {
                    seq,
                    cycle,
                    kind: AccessKind::Load,
                    vaddr: 0x2_0000,
                    paddr: Some(0x8001_0000),
                    region: Some(Region::Data),
                    cycles: 2,
                    ..fetch
                });
                (seq, cycle) = (seq + 1, cycle + 1);
            }
            cycle += 1;
        }
        events
    }

    /// Feeds `events` (one block run's) to `t` as the interpreter does: the run begun before
    /// its first fetch, the later fetches not reported, the loads as plain data.
    fn feed_block_run(t: &mut Tracer<&mut Vec<u8>>, events: &[Access]) {
        let first = PlainFetch::of(&events[0]).unwrap();
        t.begin_block_run(&first, u64::MAX, 6);
        for a in events {
            if a.kind != AccessKind::Fetch {
                t.on_plain_data(a);
            }
        }
        let last = events.last().unwrap();
        t.end_block_run(last.insn + 1);
    }

    fn read_back(bytes: &[u8]) -> Vec<Access> {
        let mut reader = BinReader::new(bytes).unwrap();
        let mut got = Vec::new();
        while let Some(e) = reader.next_event().unwrap() {
            let Event::Access(a) = e else {
                panic!("only accesses were traced");
            };
            got.push(a);
        }
        got
    }

    /// A block run whose records reach past a chunk: its record, not yet complete, stays for
    /// the next chunk with the records after it; a run holding more than a chunk grows it; a
    /// run opened with less room left than a run can fill writes the chunk out first. Read
    /// back, every event is the live one.
    #[test]
    fn block_runs_survive_chunk_flushes() {
        let mut out = Vec::new();
        let mut t = Tracer::new(&mut out, Format::Bin, Filter::default(), &Config::default());
        let chunk = BIN_CHUNK as u64 / bin::RECORD_SIZE as u64;
        let mut live: Vec<Access> = Vec::new();
        // `loads` loads alone, or a block run of `fetches` instructions with `loads` loads
        // each, after the events so far; fed to `t` and added to `live`.
        fn feed(t: &mut Tracer<&mut Vec<u8>>, live: &mut Vec<Access>, fetches: u64, loads: u64) {
            let (seq, insn, cycle) = live
                .last()
                .map_or((0, 0, 0), |a| (a.seq + 1, a.insn + 1, a.cycle + 10));
            let events = block_run_events(seq, insn, cycle, fetches.max(1), loads);
            if fetches == 0 {
                for a in &events[1..] {
                    t.on_access(a);
                }
                live.extend_from_slice(&events[1..]);
            } else {
                feed_block_run(t, &events);
                live.extend_from_slice(&events);
            }
        }
        // Loads alone up to 100 records before the chunk's end, then a run of 40 instructions
        // with 3 loads each (121 records) across it.
        feed(&mut t, &mut live, 0, chunk - 100);
        feed(&mut t, &mut live, 40, 3);
        // The run and its records moved to the chunk's start (121 records); loads alone up to
        // 10 records before its end, then a run of 3 instructions opens: the chunk goes first.
        feed(&mut t, &mut live, 0, chunk - 121 - 10);
        feed(&mut t, &mut live, 3, 1);
        // A run of 2 instructions with more loads than a chunk holds.
        feed(&mut t, &mut live, 2, chunk + 500);
        t.finish().unwrap();
        assert_eq!(read_back(&out), live);
    }

    /// A block run's run accesses are stored without a test for a full chunk: the run's
    /// opening made room for one per instruction. Opened 10 records before the chunk's end,
    /// a run of 40 instructions that each load keeps every record.
    #[test]
    fn a_block_run_opens_with_room_for_its_run_accesses() {
        use crate::mem::hierarchy::PackedJourney;
        let mut out = Vec::new();
        let mut t = Tracer::new(&mut out, Format::Bin, Filter::default(), &Config::default());
        let chunk = BIN_CHUNK / bin::RECORD_SIZE;
        let lone = block_run_events(0, 0, 0, 1, chunk as u64 - 10);
        for a in &lone[1..] {
            t.on_access(a);
        }
        let last = lone.last().unwrap();
        let run = block_run_events(last.seq + 1, 1, last.cycle + 10, 40, 0);
        t.begin_block_run(&PlainFetch::of(&run[0]).unwrap(), u64::MAX, 6);
        for fetch in &run {
            t.on_run_access(&RunAccess {
                insn: fetch.insn,
                kind: AccessKind::Load,
                size: 4,
                region: Region::Data,
                tlb: TlbOutcome::Hit,
                vaddr: 0x2_0000 + 4 * fetch.insn as u32,
                paddr: 0x8001_0000 + 4 * fetch.insn as u32,
                data: None,
                cycles: 4,
                journey: PackedJourney::L1_HIT,
                served_by: Level::L1,
            });
        }
        t.end_block_run(41);
        t.finish().unwrap();
        let back = read_back(&out);
        assert_eq!(back.len(), lone.len() - 1 + 2 * run.len());
        let ran = &back[lone.len() - 1..];
        for (pair, fetch) in ran.chunks_exact(2).zip(&run) {
            assert_eq!(pair[0].kind, AccessKind::Fetch);
            assert_eq!((pair[0].insn, pair[0].pc), (fetch.insn, fetch.pc));
            assert_eq!((pair[1].kind, pair[1].insn), (AccessKind::Load, fetch.insn));
            assert_eq!(pair[1].vaddr, 0x2_0000 + 4 * fetch.insn as u32);
        }
    }

    /// A plain fetch that is not (an L1 miss) closes the run begun for it: the run holds no
    /// fetch, and the miss is its own record.
    #[test]
    fn a_run_begun_for_a_fetch_that_missed_holds_none() {
        let mut out = Vec::new();
        let mut t = Tracer::new(&mut out, Format::Bin, Filter::default(), &Config::default());
        let events = block_run_events(0, 0, 100, 3, 0);
        let first = PlainFetch::of(&events[0]).unwrap();
        t.begin_block_run(&first, u64::MAX, 6);
        let mut miss = events[0];
        miss.cache = Some(CacheJourney::default());
        miss.served_by = Some(Level::L2);
        miss.cycles = 14;
        t.on_access(&miss);
        let mut live = vec![miss];
        // The rest of the block: a run opened at its next fetch.
        let rest = block_run_events(1, 1, 114, 2, 0);
        t.open_block_run(&PlainFetch::of(&rest[0]).unwrap(), u64::MAX, 6);
        t.end_block_run(3);
        live.extend_from_slice(&rest);
        t.finish().unwrap();
        assert_eq!(read_back(&out), live);
    }

    /// The jsonl object of `a` built as a map, as `jsonl_event` built every line before it
    /// wrote accesses from [`JsonlAccess`]: the reference that struct must match.
    fn jsonl_access_as_map(a: &Access) -> String {
        let levels: Vec<_> = a
            .cache
            .map(|j| {
                j.levels
                    .iter()
                    .enumerate()
                    .filter(|(_, v)| v.hit.is_some())
                    .map(|(i, v)| {
                        json!({
                            "level": LEVEL_NAMES[i],
                            "hit": v.hit,
                            "evictions": v.evictions,
                            "writebacks": v.writebacks,
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        let value = json!({
            "event": "access",
            "seq": a.seq,
            "insn": a.insn,
            "cycle": a.cycle,
            "pc": a.pc,
            "kind": a.kind,
            "size": a.size,
            "vaddr": a.vaddr,
            "paddr": a.paddr,
            "split": a.split.map(|(p, n)| json!({"paddr": p, "size": n})),
            "region": a.region.map(|r| r.name()),
            "tlb": a.tlb,
            "levels": levels,
            "served_by": a.served_by.map(level_name),
            "ram_reads": a.cache.map(|j| j.ram_reads),
            "ram_writes": a.cache.map(|j| j.ram_writes),
            "page_fault": a.page_fault,
            "fault": a.fault.map(exception_text),
            "data": a.data,
            "cycles": a.cycles,
        });
        format!("{value}\n")
    }

    /// Every kind of access gives the line the map gave: hits, misses at every level with
    /// evictions and writebacks, split and faulting accesses, no caches, no region.
    #[test]
    fn jsonl_access_line_is_the_map_line() {
        let hit = Access {
            seq: 7,
            insn: 3,
            cycle: 99,
            pc: 0x1_0074,
            kind: AccessKind::Load,
            size: 4,
            vaddr: 0x2_0010,
            paddr: Some(0x8002_0010),
            split: None,
            region: Some(Region::Data),
            tlb: TlbOutcome::Hit,
            cache: Some(CacheJourney::L1_HIT),
            served_by: Some(Level::L1),
            page_fault: None,
            fault: None,
            data: None,
            cycles: 4,
        };
        let mut miss = CacheJourney::default();
        for (i, l) in miss.levels.iter_mut().enumerate() {
            *l = LevelVisit {
                hit: Some(i == 2),
                evictions: i as u8 + 1,
                writebacks: i as u8,
            };
        }
        miss.ram_reads = 1;
        miss.ram_writes = 2;
        let accesses = [
            hit,
            Access {
                kind: AccessKind::Store,
                data: Some(0xdead_beef),
                cache: Some(miss),
                served_by: Some(Level::L3),
                tlb: TlbOutcome::Miss,
                page_fault: Some(PageFaultKind::Major),
                cycles: 250,
                ..hit
            },
            Access {
                size: 4,
                vaddr: 0x2_0ffe,
                split: Some((0x8003_0000, 2)),
                ..hit
            },
            Access {
                kind: AccessKind::Fetch,
                paddr: None,
                region: None,
                cache: None,
                served_by: None,
                fault: Some(Exception::FetchPageFault(0x1_0074)),
                cycles: 0,
                ..hit
            },
            Access {
                kind: AccessKind::Ptw,
                tlb: TlbOutcome::None,
                region: Some(Region::Kernel),
                ..hit
            },
        ];
        for a in &accesses {
            let mut line = String::new();
            jsonl_event(&mut line, &Event::Access(*a));
            assert_eq!(line, jsonl_access_as_map(a), "{a:?}");
        }
    }

    /// The text line's hand-made columns pad as `format!` does, and a level's cell says what
    /// the level did.
    #[test]
    fn hand_padded_columns_match_format() {
        for v in [
            0u64,
            7,
            10,
            99,
            12345,
            999_999,
            1_000_000,
            123_456_789_012,
            u64::MAX,
        ] {
            for width in [0, 4, 6, 9, 10] {
                let mut s = String::new();
                push_decimal_right(&mut s, v, width);
                assert_eq!(s, format!("{v:>width$}"));
            }
        }
        for text in ["", "-", "hit", "miss+wb", "kernel", "longer than seven"] {
            let mut s = String::new();
            push_left(&mut s, text, 7);
            assert_eq!(s, format!("{text:<7}"));
        }
        let cell = |hit, evictions, writebacks| {
            level_cell(&LevelVisit {
                hit,
                evictions,
                writebacks,
            })
        };
        assert_eq!(cell(None, 0, 0), "-");
        assert_eq!(cell(Some(true), 0, 0), "hit");
        assert_eq!(cell(Some(false), 1, 0), "miss+ev");
        assert_eq!(cell(Some(false), 2, 1), "miss+wb");
        assert_eq!(cell(Some(true), 1, 1), "hit+wb");
    }

    #[test]
    fn hand_formatted_numbers_match_format() {
        for v in [
            0u32,
            1,
            9,
            10,
            15,
            16,
            255,
            4096,
            0x8000_0000,
            0xdead_beef,
            u32::MAX,
        ] {
            let mut s = String::new();
            push_hex(&mut s, v, 1);
            assert_eq!(s, format!("{v:x}"));
            s.clear();
            push_hex(&mut s, v, 8);
            assert_eq!(s, format!("{v:08x}"));
            s.clear();
            push_decimal(&mut s, v);
            assert_eq!(s, v.to_string());
        }
    }
}
