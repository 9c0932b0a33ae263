//! The `bin` trace format: a header, then fixed-size little-endian records, one per event.
//!
//! Header: the magic `RVSCBIN\0` (8 bytes), the format version (u16, [`BIN_VERSION`]), the
//! record size (u16, [`RECORD_SIZE`]), the length of a JSON object (u32), the JSON object
//! `{"config":…,"filter":{"from":…,"to":…},"retires":bool}` (the jsonl header's
//! configuration and window, and whether retirements were asked for: `--trace-regs`; without it
//! the trace holds no retire records).
//!
//! Every record is [`RECORD_SIZE`] bytes; byte 0 is its tag. Unused bytes are zero.
//!
//! | tag | event | layout (byte offset: field) |
//! |---|---|---|
//! | 1 | access | 1 kind (0 fetch 1 load 2 store 3 amo 4 ptw 5 kernel), 2 size, 3 region (0xff none), 4 tlb (0 none 1 hit 2 miss), 5 served level (0 L1 1 L2 2 L3 3 RAM, 0xff none), 6 page fault before (0 none 1 minor 2 major), 7 flags (bit0 paddr, bit1 split, bit2 cache journey, bit3 fault, bit4 data present), 8 seq u64, 16 insn u64, 24 cycle u64, 32 pc, 36 vaddr, 40 paddr, 44 data (or the fault's tval), 48 second part's paddr (split), 52 cycles u32, 56 second part's size, 57 per-level hit bits (2 bits per level, L1 lowest: 0 not reached 1 hit 2 miss), 58 RAM reads, 59 RAM writes, 60..63 per level evictions (low nibble) and writebacks (high nibble), 63 fault cause |
//! | 2 | retire | 1 len, 2 privilege, 3 rd (0: no write), 8 insn u64, 16 pc, 20 raw, 24 value |
//! | 3 | page | 1 kind (0 fault 1 brk 2 brk-shrink 3 mmap 4 munmap 5 swap-out 6 swap-in), 2 region, 3 fault (1 minor 2 major), 8 insn u64, 16 pc, 20 vaddr, 24 len |
//! | 4 | start | 16 entry, 20 sp |
//! | 5 | exit | 1 status, 8 insn u64 |
//! | 6 | signal | 1 signal number, 2 has addr, 8 insn u64, 16 pc, 20 addr |
//! | 7 | limit | 8 insn u64 |
//! | 8 | client request | 1 request (0 trace on 1 trace off 2 mark 3 snapshot), 8 insn u64, 16 cycle u64, 24 pc, 28 label length, 29.. label (UTF-8, cut at 35 bytes) |
//! | 9 | interrupted | 8 insn u64 |
//! | 10 | fetch run: up to 16 consecutive plain fetches (an L1 hit on the instruction's page) | see [`crate::trace::fetch_run`] |
//! | 11 | block run: the plain fetches of one run through a decoded block | see [`crate::trace::block_run`] |
//! | 12 | run access: a plain load or store of the block run before it, or one that walked the page table first (its PTE reads in the record) | see [`crate::trace::run_access`] |
//!
//! A fetch run's or block run's record stands where its first fetch happened, before the
//! records made between its fetches; [`BinReader`] puts each fetch back in its place (by
//! instruction number), and gives a run access the seq, instruction number, cycle and pc its
//! block run implies, so a reader sees exactly the events of the live run, in order.
//!
//! A faulting access carries no data (it had no effect), so its `tval` shares the data field;
//! eviction and writeback counts saturate at 15 per level and cycles at `u32::MAX`.

use crate::hart::trap::Exception;
use crate::mem::hierarchy::{CacheJourney, Level, PackedJourney};
use crate::os::layout::Region;
use crate::os::signal::Signal;
use crate::trace::block_run::{BlockRunFetches, TAG_BLOCK_RUN};
use crate::trace::event::{
    Access, AccessKind, ClientEvent, ClientRequest, Event, PageEvent, PageEventKind, PageFaultKind,
    ProcessEvent, RegWrite, Retire, TlbOutcome,
};
use crate::trace::fetch_run::{RunFetches, TAG_FETCH_RUN};
use crate::trace::run_access::{self, TAG_RUN_ACCESS};

/// The header's first bytes.
pub const BIN_MAGIC: [u8; 8] = *b"RVSCBIN\0";
/// The version of the record layout.
pub const BIN_VERSION: u16 = 6;
/// Bytes per record.
pub const RECORD_SIZE: usize = 64;
/// Little-endian 64-bit words per record.
pub const RECORD_WORDS: usize = RECORD_SIZE / 8;
/// Bytes of the header before its JSON.
pub const HEADER_FIXED: usize = 16;

const TAG_ACCESS: u8 = 1;
const TAG_RETIRE: u8 = 2;
const TAG_PAGE: u8 = 3;
const TAG_START: u8 = 4;
const TAG_EXIT: u8 = 5;
const TAG_SIGNAL: u8 = 6;
const TAG_LIMIT: u8 = 7;
const TAG_CLIENT: u8 = 8;
const TAG_INTERRUPTED: u8 = 9;
/// Bytes of a client request's label a record keeps (from offset 29 to the end).
const LABEL_BYTES: usize = RECORD_SIZE - 29;
/// Page event kinds in code order.
const PAGE_KINDS: [PageEventKind; 7] = [
    PageEventKind::Fault,
    PageEventKind::Brk,
    PageEventKind::BrkShrink,
    PageEventKind::Mmap,
    PageEventKind::Munmap,
    PageEventKind::SwapOut,
    PageEventKind::SwapIn,
];

const F_PADDR: u8 = 1;
const F_SPLIT: u8 = 2;
const F_CACHE: u8 = 4;
const F_FAULT: u8 = 8;
const F_DATA: u8 = 16;

/// The header bytes for a JSON description.
pub fn header(json: &str) -> Vec<u8> {
    let mut h = Vec::with_capacity(HEADER_FIXED + json.len());
    h.extend_from_slice(&BIN_MAGIC);
    h.extend_from_slice(&BIN_VERSION.to_le_bytes());
    h.extend_from_slice(&(RECORD_SIZE as u16).to_le_bytes());
    h.extend_from_slice(&(json.len() as u32).to_le_bytes());
    h.extend_from_slice(json.as_bytes());
    h
}

/// Checks the fixed part of a header; returns the JSON length. The error names the byte offset.
pub fn parse_header_fixed(h: &[u8]) -> Result<usize, (u64, String)> {
    if h.len() < 8 || h[..8] != BIN_MAGIC {
        return Err((0, "not an rvscope bin trace (bad magic)".into()));
    }
    if h.len() < HEADER_FIXED {
        return Err((h.len() as u64, "truncated header".into()));
    }
    let version = u16::from_le_bytes([h[8], h[9]]);
    if version != BIN_VERSION {
        return Err((
            8,
            format!("bin trace version {version}, this rvscope reads version {BIN_VERSION}"),
        ));
    }
    let size = u16::from_le_bytes([h[10], h[11]]) as usize;
    if size != RECORD_SIZE {
        return Err((10, format!("record size {size}, expected {RECORD_SIZE}")));
    }
    Ok(u32::from_le_bytes([h[12], h[13], h[14], h[15]]) as usize)
}

fn put32(r: &mut [u8; RECORD_SIZE], at: usize, v: u32) {
    r[at..at + 4].copy_from_slice(&v.to_le_bytes());
}
fn put64(r: &mut [u8; RECORD_SIZE], at: usize, v: u64) {
    r[at..at + 8].copy_from_slice(&v.to_le_bytes());
}
fn get32(r: &[u8; RECORD_SIZE], at: usize) -> u32 {
    u32::from_le_bytes([r[at], r[at + 1], r[at + 2], r[at + 3]])
}
fn get64(r: &[u8; RECORD_SIZE], at: usize) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&r[at..at + 8]);
    u64::from_le_bytes(b)
}

fn kind_code(k: AccessKind) -> u8 {
    match k {
        AccessKind::Fetch => 0,
        AccessKind::Load => 1,
        AccessKind::Store => 2,
        AccessKind::Amo => 3,
        AccessKind::Ptw => 4,
        AccessKind::Kernel => 5,
    }
}

pub(crate) fn level_code(l: Level) -> u8 {
    match l {
        Level::L1 => 0,
        Level::L2 => 1,
        Level::L3 => 2,
        Level::Ram => 3,
    }
}

fn pf_code(p: Option<PageFaultKind>) -> u8 {
    match p {
        None => 0,
        Some(PageFaultKind::Minor) => 1,
        Some(PageFaultKind::Major) => 2,
    }
}

fn pf_from(c: u8) -> Result<Option<PageFaultKind>, String> {
    match c {
        0 => Ok(None),
        1 => Ok(Some(PageFaultKind::Minor)),
        2 => Ok(Some(PageFaultKind::Major)),
        _ => Err(format!("bad page-fault code {c}")),
    }
}

fn region_from(c: u8) -> Result<Region, String> {
    if (c as usize) < Region::COUNT {
        Ok(Region::from_index(c as usize))
    } else {
        Err(format!("bad region code {c}"))
    }
}

/// The exception with cause `cause` and `tval`.
fn exception_from(cause: u8, tval: u32) -> Result<Exception, String> {
    Ok(match cause {
        0 => Exception::InsnMisaligned(tval),
        1 => Exception::InsnAccessFault(tval),
        2 => Exception::IllegalInsn(tval),
        3 => Exception::Breakpoint(tval),
        4 => Exception::LoadMisaligned(tval),
        5 => Exception::LoadAccessFault(tval),
        6 => Exception::StoreMisaligned(tval),
        7 => Exception::StoreAccessFault(tval),
        8 => Exception::EcallFromU,
        9 => Exception::EcallFromS,
        11 => Exception::EcallFromM,
        12 => Exception::FetchPageFault(tval),
        13 => Exception::LoadPageFault(tval),
        15 => Exception::StorePageFault(tval),
        _ => return Err(format!("bad exception cause {cause}")),
    })
}

fn signal_from(n: u8) -> Result<Signal, String> {
    Ok(match n {
        4 => Signal::Ill,
        5 => Signal::Trap,
        7 => Signal::Bus,
        9 => Signal::Kill,
        11 => Signal::Segv,
        13 => Signal::Pipe,
        _ => return Err(format!("bad signal number {n}")),
    })
}

/// Encodes one access into `r` (every byte is written).
pub fn encode_access(r: &mut [u8; RECORD_SIZE], a: &Access) {
    *r = access_record(a);
}

/// The record of one access. It is put together as eight little-endian words: the writer
/// makes one for nearly every event, and field-by-field byte stores cost a traced run about a
/// tenth of its time.
#[inline(always)]
pub fn access_record(a: &Access) -> [u8; RECORD_SIZE] {
    let mut r = [0u8; RECORD_SIZE];
    for (chunk, word) in r.chunks_exact_mut(8).zip(access_words(a)) {
        chunk.copy_from_slice(&word.to_le_bytes());
    }
    r
}

/// The words of an access record (word `i` holds bytes `8i..8i+8`): what the writer stores
/// straight into its buffer.
#[inline(always)]
pub fn access_words(a: &Access) -> [u64; RECORD_WORDS] {
    let mut flags = 0u64;
    let region = a.region.map_or(0xff, |g| g as u64);
    let tlb = match a.tlb {
        TlbOutcome::None => 0u64,
        TlbOutcome::Hit => 1,
        TlbOutcome::Miss => 2,
    };
    let served = a.served_by.map_or(0xff, |l| u64::from(level_code(l)));
    let paddr = match a.paddr {
        Some(p) => {
            flags |= u64::from(F_PADDR);
            u64::from(p)
        }
        None => 0,
    };
    // Bytes 44..48 hold the data, or a fault's tval; byte 63 the fault's cause.
    let mut value = 0u64;
    let mut cause = 0u64;
    if let Some(e) = a.fault {
        flags |= u64::from(F_FAULT);
        value = u64::from(e.tval());
        cause = u64::from(e.cause() as u8);
    }
    if let Some(d) = a.data {
        flags |= u64::from(F_DATA);
        value = u64::from(d);
    }
    let (split_paddr, split_size) = match a.split {
        Some((p2, n2)) => {
            flags |= u64::from(F_SPLIT);
            (u64::from(p2), u64::from(n2))
        }
        None => (0, 0),
    };
    let cycles = u64::from(u32::try_from(a.cycles).unwrap_or(u32::MAX));
    // Bytes 57..63: per-level hit bits, RAM reads and writes, per-level evictions/writebacks.
    let mut journey = 0u64;
    if let Some(j) = &a.cache {
        flags |= u64::from(F_CACHE);
        journey = PackedJourney::of(j).0;
    }
    [
        u64::from(TAG_ACCESS)
            | u64::from(kind_code(a.kind)) << 8
            | u64::from(a.size) << 16
            | region << 24
            | tlb << 32
            | served << 40
            | u64::from(pf_code(a.page_fault)) << 48
            | flags << 56,
        a.seq,
        a.insn,
        a.cycle,
        u64::from(a.pc) | u64::from(a.vaddr) << 32,
        paddr | value << 32,
        split_paddr | cycles << 32,
        split_size | journey << 8 | cause << 56,
    ]
}

/// The cache journey of the six bytes `b` (the low 48 bits of a [`PackedJourney`],
/// little-endian); the error says what is wrong.
pub(crate) fn journey_from(b: &[u8]) -> Result<CacheJourney, String> {
    if (0..3).any(|i| (b[0] >> (2 * i)) & 3 == 3) {
        return Err("bad hit bits".into());
    }
    let mut word = [0u8; 8];
    word[..6].copy_from_slice(&b[..6]);
    Ok(PackedJourney(u64::from_le_bytes(word)).unpack())
}

/// The level of code `c` ([`level_code`]); 0xff is none.
pub(crate) fn level_from_code(c: u8) -> Result<Option<Level>, String> {
    Ok(match c {
        0xff => None,
        0 => Some(Level::L1),
        1 => Some(Level::L2),
        2 => Some(Level::L3),
        3 => Some(Level::Ram),
        c => return Err(format!("bad level code {c}")),
    })
}

/// Encodes one event.
pub fn encode(event: &Event) -> [u8; RECORD_SIZE] {
    let mut r = [0u8; RECORD_SIZE];
    encode_into(&mut r, event);
    r
}

/// Encodes one event into `r`, which must be zeroed (accesses overwrite every byte).
pub fn encode_into(r: &mut [u8; RECORD_SIZE], event: &Event) {
    match *event {
        Event::Access(ref a) => encode_access(r, a),
        Event::Retire(ref t) => {
            r[0] = TAG_RETIRE;
            r[1] = t.len;
            r[2] = t.privilege;
            if let Some(w) = t.write {
                r[3] = w.reg;
                put32(r, 24, w.value);
            }
            put64(r, 8, t.insn);
            put32(r, 16, t.pc);
            put32(r, 20, t.raw);
        }
        Event::Page(ref p) => {
            r[0] = TAG_PAGE;
            r[1] = PAGE_KINDS
                .iter()
                .position(|&k| k == p.kind)
                .expect("every kind has a code") as u8;
            r[2] = p.region as u8;
            r[3] = pf_code(Some(p.fault));
            put64(r, 8, p.insn);
            put32(r, 16, p.pc);
            put32(r, 20, p.vaddr);
            put32(r, 24, p.len);
        }
        Event::Client(ref c) => {
            r[0] = TAG_CLIENT;
            let label = match &c.request {
                ClientRequest::TraceOn => {
                    r[1] = 0;
                    ""
                }
                ClientRequest::TraceOff => {
                    r[1] = 1;
                    ""
                }
                ClientRequest::Mark(l) => {
                    r[1] = 2;
                    l.as_str()
                }
                ClientRequest::Snapshot(l) => {
                    r[1] = 3;
                    l.as_str()
                }
            };
            put64(r, 8, c.insn);
            put64(r, 16, c.cycle);
            put32(r, 24, c.pc);
            // A label longer than the record keeps is cut at a character boundary.
            let mut n = label.len().min(LABEL_BYTES);
            while !label.is_char_boundary(n) {
                n -= 1;
            }
            r[28] = n as u8;
            r[29..29 + n].copy_from_slice(&label.as_bytes()[..n]);
        }
        Event::Process(ProcessEvent::Interrupted { insn }) => {
            r[0] = TAG_INTERRUPTED;
            put64(r, 8, insn);
        }
        Event::Process(ProcessEvent::Start { entry, sp }) => {
            r[0] = TAG_START;
            put32(r, 16, entry);
            put32(r, 20, sp);
        }
        Event::Process(ProcessEvent::Exit { insn, status }) => {
            r[0] = TAG_EXIT;
            r[1] = status;
            put64(r, 8, insn);
        }
        Event::Process(ProcessEvent::Signal {
            insn,
            pc,
            signal,
            addr,
        }) => {
            r[0] = TAG_SIGNAL;
            r[1] = signal.number();
            r[2] = u8::from(addr.is_some());
            put64(r, 8, insn);
            put32(r, 16, pc);
            put32(r, 20, addr.unwrap_or(0));
        }
        Event::Process(ProcessEvent::Limit { insn }) => {
            r[0] = TAG_LIMIT;
            put64(r, 8, insn);
        }
    }
}

/// Decodes one record; the error says what is wrong with it.
pub fn decode(r: &[u8; RECORD_SIZE]) -> Result<Event, String> {
    Ok(match r[0] {
        TAG_ACCESS => {
            let kind = *AccessKind::ALL
                .get(r[1] as usize)
                .ok_or_else(|| format!("bad access kind {}", r[1]))?;
            let flags = r[7];
            let region = match r[3] {
                0xff => None,
                c => Some(region_from(c)?),
            };
            let tlb = match r[4] {
                0 => TlbOutcome::None,
                1 => TlbOutcome::Hit,
                2 => TlbOutcome::Miss,
                c => return Err(format!("bad tlb code {c}")),
            };
            let served_by = level_from_code(r[5])?;
            let cache = if flags & F_CACHE != 0 {
                Some(journey_from(&r[57..63])?)
            } else {
                None
            };
            Event::Access(Access {
                seq: get64(r, 8),
                insn: get64(r, 16),
                cycle: get64(r, 24),
                pc: get32(r, 32),
                kind,
                size: r[2],
                vaddr: get32(r, 36),
                paddr: (flags & F_PADDR != 0).then(|| get32(r, 40)),
                split: (flags & F_SPLIT != 0).then(|| (get32(r, 48), r[56])),
                region,
                tlb,
                cache,
                served_by,
                page_fault: pf_from(r[6])?,
                fault: if flags & F_FAULT != 0 {
                    Some(exception_from(r[63], get32(r, 44))?)
                } else {
                    None
                },
                data: (flags & F_DATA != 0).then(|| get32(r, 44)),
                cycles: u64::from(get32(r, 52)),
            })
        }
        TAG_RETIRE => Event::Retire(Retire {
            insn: get64(r, 8),
            pc: get32(r, 16),
            raw: get32(r, 20),
            len: r[1],
            privilege: r[2],
            write: (r[3] != 0).then(|| RegWrite {
                reg: r[3],
                value: get32(r, 24),
            }),
        }),
        TAG_PAGE => Event::Page(PageEvent {
            kind: *PAGE_KINDS
                .get(r[1] as usize)
                .ok_or_else(|| format!("bad page event kind {}", r[1]))?,
            insn: get64(r, 8),
            pc: get32(r, 16),
            vaddr: get32(r, 20),
            len: get32(r, 24),
            region: region_from(r[2])?,
            fault: pf_from(r[3])?.ok_or("page event without a fault kind")?,
        }),
        TAG_START => Event::Process(ProcessEvent::Start {
            entry: get32(r, 16),
            sp: get32(r, 20),
        }),
        TAG_EXIT => Event::Process(ProcessEvent::Exit {
            insn: get64(r, 8),
            status: r[1],
        }),
        TAG_SIGNAL => Event::Process(ProcessEvent::Signal {
            insn: get64(r, 8),
            pc: get32(r, 16),
            signal: signal_from(r[1])?,
            addr: (r[2] != 0).then(|| get32(r, 20)),
        }),
        TAG_LIMIT => Event::Process(ProcessEvent::Limit { insn: get64(r, 8) }),
        TAG_INTERRUPTED => Event::Process(ProcessEvent::Interrupted { insn: get64(r, 8) }),
        TAG_CLIENT => {
            let n = (r[28] as usize).min(LABEL_BYTES);
            let label = String::from_utf8(r[29..29 + n].to_vec())
                .map_err(|_| "a client request's label is not UTF-8".to_string())?;
            let request = match r[1] {
                0 => ClientRequest::TraceOn,
                1 => ClientRequest::TraceOff,
                2 => ClientRequest::Mark(label),
                3 => ClientRequest::Snapshot(label),
                c => return Err(format!("bad client request {c}")),
            };
            Event::Client(ClientEvent {
                insn: get64(r, 8),
                cycle: get64(r, 16),
                pc: get32(r, 24),
                request,
            })
        }
        TAG_FETCH_RUN | TAG_BLOCK_RUN => {
            return Err("a fetch or block run holds several events (read it with BinReader)".into())
        }
        TAG_RUN_ACCESS => {
            return Err("a run access needs its block run (read it with BinReader)".into())
        }
        t => return Err(format!("unknown record tag {t}")),
    })
}

/// What a record holds: one event, a fetch run's or block run's, or a run access and the PTE
/// reads of its walk, if it walked (their seqs and cycles filled in when they are given).
enum Record {
    Event(Event),
    Run(Run),
    RunAccess(Access, Vec<Access>),
}

/// A run of fetches being given back.
enum Run {
    Fetches(RunFetches),
    Block(BlockRunFetches),
}

impl Run {
    fn next_insn(&self) -> Option<u64> {
        match self {
            Run::Fetches(r) => r.next_insn(),
            Run::Block(r) => r.next_insn(),
        }
    }

    /// The next fetch; `last` is the access given just before it: `(seq, cycle + cycles)`.
    fn take(&mut self, last: Option<(u64, u64)>) -> Access {
        match self {
            Run::Fetches(r) => r.take(last.map(|l| l.0)),
            Run::Block(r) => r.take(last),
        }
    }
}

/// Reads a bin trace: its header JSON, then events one by one, a fetch run's fetches each in
/// its place among the other records. Errors name the byte offset.
pub struct BinReader<R: std::io::Read> {
    input: R,
    offset: u64,
    /// The header's JSON object.
    pub header: serde_json::Value,
    /// The fetch run or block run whose fetches are being given back.
    run: Option<Run>,
    /// The record read after the run's record, held until the run's fetches before it are
    /// given (`None` inside: the end of the trace).
    ahead: Option<Result<Option<Record>, (u64, String)>>,
    /// The last access given: its seq, and its cycle plus its cycles (a walked run access's
    /// end is after its walk's cycles too: the cycle the next fetch starts at).
    last: Option<(u64, u64)>,
    /// A walked run access's events not given yet (its PTE reads came first).
    queued: std::collections::VecDeque<Access>,
}

impl<R: std::io::Read> BinReader<R> {
    /// Reads and checks the header. The error is `(byte offset, what is wrong)`.
    pub fn new(mut input: R) -> Result<BinReader<R>, (u64, String)> {
        let mut fixed = [0u8; HEADER_FIXED];
        let got = read_full(&mut input, &mut fixed).map_err(|e| (0, e.to_string()))?;
        let len = parse_header_fixed(&fixed[..got])?;
        let mut json = vec![0u8; len];
        let n = read_full(&mut input, &mut json).map_err(|e| (16, e.to_string()))?;
        if n < len {
            return Err(((HEADER_FIXED + n) as u64, "truncated header".into()));
        }
        let header = serde_json::from_slice(&json)
            .map_err(|e| (HEADER_FIXED as u64, format!("bad header JSON: {e}")))?;
        Ok(BinReader {
            input,
            offset: (HEADER_FIXED + len) as u64,
            header,
            run: None,
            ahead: None,
            last: None,
            queued: std::collections::VecDeque::new(),
        })
    }

    /// The next event, `None` at the end. The error is `(byte offset, what is wrong)`.
    pub fn next_event(&mut self) -> Result<Option<Event>, (u64, String)> {
        if let Some(a) = self.queued.pop_front() {
            return Ok(Some(Event::Access(a)));
        }
        loop {
            if let Some(insn) = self.run.as_ref().and_then(Run::next_insn) {
                if self.ahead.is_none() {
                    self.ahead = Some(self.read_record());
                }
                // The run's next fetch comes before a record of its instruction or a later
                // one, and before the end, the next run or a bad record.
                let fetch_first = match &self.ahead {
                    Some(Ok(Some(Record::Event(e)))) => e.insn().is_none_or(|r| insn <= r),
                    Some(Ok(Some(Record::RunAccess(a, _)))) => insn <= a.insn,
                    _ => true,
                };
                if let (true, Some(run)) = (fetch_first, self.run.as_mut()) {
                    let a = run.take(self.last);
                    self.last = Some((a.seq, a.cycle.wrapping_add(a.cycles)));
                    return Ok(Some(Event::Access(a)));
                }
            }
            let next = match self.ahead.take() {
                Some(held) => held,
                None => self.read_record(),
            };
            match next? {
                None => return Ok(None),
                Some(Record::Run(run)) => self.run = Some(run),
                Some(Record::RunAccess(mut a, walk)) => {
                    // It follows the access before it (its instruction's fetch), after its
                    // walk's PTE reads, which started at its cycle.
                    let (mut seq, end) = self.last.unwrap_or((u64::MAX, 1));
                    let cycle = end.wrapping_sub(1);
                    let mut walk_cycles = 0u64;
                    for mut read in walk {
                        seq = seq.wrapping_add(1);
                        read.seq = seq;
                        read.cycle = cycle;
                        walk_cycles = walk_cycles.wrapping_add(read.cycles);
                        self.queued.push_back(read);
                    }
                    a.seq = seq.wrapping_add(1);
                    a.cycle = cycle;
                    let end = cycle.wrapping_add(a.cycles).wrapping_add(walk_cycles);
                    self.last = Some((a.seq, end));
                    self.queued.push_back(a);
                    return Ok(self.queued.pop_front().map(Event::Access));
                }
                Some(Record::Event(e)) => {
                    if let Event::Access(a) = &e {
                        self.last = Some((a.seq, a.cycle.wrapping_add(a.cycles)));
                    }
                    return Ok(Some(e));
                }
            }
        }
    }

    /// The next record, `None` at the end of the trace.
    fn read_record(&mut self) -> Result<Option<Record>, (u64, String)> {
        let mut r = [0u8; RECORD_SIZE];
        let at = self.offset;
        let n = read_full(&mut self.input, &mut r).map_err(|e| (at, e.to_string()))?;
        if n == 0 {
            return Ok(None);
        }
        if n < RECORD_SIZE {
            return Err((at, format!("truncated record ({n} of {RECORD_SIZE} bytes)")));
        }
        self.offset += RECORD_SIZE as u64;
        let record = match r[0] {
            TAG_FETCH_RUN => RunFetches::decode(&r).map(|f| Record::Run(Run::Fetches(f))),
            TAG_BLOCK_RUN => BlockRunFetches::decode(&r).map(|b| Record::Run(Run::Block(b))),
            TAG_RUN_ACCESS => match &self.run {
                Some(Run::Block(run)) => run_access::decode(&r, run).and_then(|a| {
                    let walk = run_access::decode_walk(&r, &a)?;
                    Ok(Record::RunAccess(a, walk))
                }),
                _ => Err("a run access outside a block run".into()),
            },
            _ => decode(&r).map(Record::Event),
        };
        record.map(Some).map_err(|e| (at, e))
    }
}

/// Reads until `buf` is full or the input ends; returns the bytes read.
fn read_full(input: &mut impl std::io::Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match input.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mem::hierarchy::LevelVisit;
    use proptest::prelude::*;

    fn exception() -> impl Strategy<Value = Option<Exception>> {
        prop_oneof![
            Just(None),
            any::<u32>().prop_map(|v| Some(Exception::LoadPageFault(v))),
            any::<u32>().prop_map(|v| Some(Exception::StorePageFault(v))),
            any::<u32>().prop_map(|v| Some(Exception::FetchPageFault(v))),
            any::<u32>().prop_map(|v| Some(Exception::StoreMisaligned(v))),
        ]
    }

    fn visit() -> impl Strategy<Value = LevelVisit> {
        (
            prop_oneof![Just(None), any::<bool>().prop_map(Some)],
            0u8..16,
            0u8..16,
        )
            .prop_map(|(hit, evictions, writebacks)| LevelVisit {
                hit,
                evictions,
                writebacks,
            })
    }

    prop_compose! {
        fn access()(
            seq: u64, insn: u64, cycle: u64, pc: u32, k in 0usize..6, size: u8, vaddr: u32,
            paddr: Option<u32>, split: Option<(u32, u8)>, region in prop::option::of(0usize..8),
            tlb in 0u8..3, levels in [visit(), visit(), visit()], ram: (u8, u8), journey: bool,
            served in prop::option::of(0u8..4), pf in 0u8..3, fault in exception(),
            data: Option<u32>, cycles: u32,
        ) -> Access {
            Access {
                seq, insn, cycle, pc, kind: AccessKind::ALL[k], size, vaddr, paddr, split,
                region: region.map(Region::from_index),
                tlb: [TlbOutcome::None, TlbOutcome::Hit, TlbOutcome::Miss][tlb as usize],
                cache: journey.then_some(CacheJourney { levels, ram_reads: ram.0, ram_writes: ram.1 }),
                served_by: served.map(|l| [Level::L1, Level::L2, Level::L3, Level::Ram][l as usize]),
                page_fault: pf_from(pf).unwrap(),
                // A faulting access has no data (the field is shared).
                data: if fault.is_some() { None } else { data },
                fault,
                cycles: u64::from(cycles),
            }
        }
    }

    proptest! {
        #[test]
        fn access_round_trips(a in access()) {
            let e = Event::Access(a);
            prop_assert_eq!(decode(&encode(&e)), Ok(e));
        }

        #[test]
        fn other_events_round_trip(insn: u64, pc: u32, raw: u32, reg in 0u8..32, value: u32,
                                   status: u8, addr: Option<u32>, r in 0usize..8, major: bool) {
            let events = [
                Event::Retire(Retire {
                    insn, pc, raw, len: 4, privilege: 0,
                    write: (reg != 0).then_some(RegWrite { reg, value }),
                }),
                Event::Page(PageEvent {
                    kind: PAGE_KINDS[status as usize % PAGE_KINDS.len()], insn, pc, vaddr: raw,
                    region: Region::from_index(r), len: value,
                    fault: if major { PageFaultKind::Major } else { PageFaultKind::Minor },
                }),
                Event::Process(ProcessEvent::Start { entry: pc, sp: raw }),
                Event::Process(ProcessEvent::Exit { insn, status }),
                Event::Process(ProcessEvent::Signal { insn, pc, signal: Signal::Segv, addr }),
                Event::Process(ProcessEvent::Limit { insn }),
                Event::Process(ProcessEvent::Interrupted { insn }),
                Event::Client(ClientEvent {
                    insn, cycle: u64::from(value), pc,
                    request: [
                        ClientRequest::TraceOn,
                        ClientRequest::TraceOff,
                        ClientRequest::Mark(format!("phase {raw}")),
                        ClientRequest::Snapshot("loop é".into()),
                    ][r % 4].clone(),
                }),
            ];
            for e in events {
                prop_assert_eq!(decode(&encode(&e)), Ok(e));
            }
        }
    }

    #[test]
    fn bad_headers_and_records_are_errors() {
        let h = header("{}");
        assert_eq!(parse_header_fixed(&h), Ok(2));
        assert_eq!(parse_header_fixed(b"RVSC").unwrap_err().0, 0);
        let mut v = h.clone();
        v[8] = 1;
        assert_eq!(parse_header_fixed(&v).unwrap_err().0, 8);
        let mut r = [0u8; RECORD_SIZE];
        r[0] = 99;
        assert!(decode(&r).unwrap_err().contains("tag 99"));
        let mut stream = h.clone();
        stream.extend_from_slice(&encode(&Event::Process(ProcessEvent::Limit { insn: 5 })));
        stream.extend_from_slice(&[1, 2, 3]);
        let mut reader = BinReader::new(&stream[..]).unwrap();
        assert!(reader.next_event().unwrap().is_some());
        let (at, why) = reader.next_event().unwrap_err();
        assert_eq!(at, 18 + RECORD_SIZE as u64);
        assert!(why.contains("truncated"), "{why}");
    }

    /// A fetch run's fetches come back each before the first record of its instruction or a
    /// later one, with the seqs the accesses between them left; a bad record after the run
    /// comes after the run's remaining fetches.
    #[test]
    fn a_fetch_run_is_read_back_in_program_order() {
        use crate::trace::fetch_run::{FetchRun, PlainFetch};
        let fetch = |seq, insn, pc| PlainFetch {
            seq,
            insn,
            cycle: 100 + 4 * insn,
            pc,
            paddr: 0x8000_3000 | (pc & 0xfff),
            size: 4,
            region: Region::Text,
            tlb: TlbOutcome::Hit,
            cycles: 4,
        };
        let load = |seq, insn| Access {
            kind: AccessKind::Load,
            vaddr: 0x2_0000,
            paddr: Some(0x8001_0000),
            region: Some(Region::Data),
            ..fetch(seq, insn, 0x1_0000).access()
        };
        // Live order: fetch 10, its load, fetch 11, fetch 12, its load.
        let live = [
            fetch(0, 10, 0x1_0000).access(),
            load(1, 10),
            fetch(2, 11, 0x1_0004).access(),
            fetch(3, 12, 0x1_0008).access(),
            load(4, 12),
        ];
        let mut run = FetchRun::open(&fetch(0, 10, 0x1_0000));
        assert!(run.extend(&fetch(2, 11, 0x1_0004), 1, 10));
        assert!(run.extend(&fetch(3, 12, 0x1_0008), 2, 11));
        let mut stream = header("{}");
        stream.extend_from_slice(&run.record());
        stream.extend_from_slice(&encode(&Event::Access(live[1])));
        stream.extend_from_slice(&encode(&Event::Access(live[4])));
        let mut reader = BinReader::new(&stream[..]).unwrap();
        for a in live {
            assert_eq!(reader.next_event().unwrap(), Some(Event::Access(a)));
        }
        assert_eq!(reader.next_event().unwrap(), None);

        // Cut after the run: its fetches, then the error.
        let mut cut = header("{}");
        cut.extend_from_slice(&run.record());
        cut.extend_from_slice(&[9; 7]);
        let mut reader = BinReader::new(&cut[..]).unwrap();
        for a in [live[0], live[2], live[3]] {
            let Event::Access(got) = reader.next_event().unwrap().unwrap() else {
                panic!("an access");
            };
            // With no load between them, each fetch's seq follows the one before.
            assert_eq!((got.insn, got.pc), (a.insn, a.pc));
        }
        assert!(reader.next_event().unwrap_err().1.contains("truncated"));
    }

    /// A block run's run accesses come back each right after its instruction's fetch, with
    /// the seq, instruction number, cycle and pc the run implies; the fetch after an access
    /// starts where the access ended. A run access with no block run before it is an error.
    #[test]
    fn run_accesses_are_read_back_after_their_fetches() {
        use crate::trace::block_run::{open_record, set_count};
        use crate::trace::fetch_run::PlainFetch;
        use crate::trace::run_access::{record_words, RunAccess};
        let first = PlainFetch {
            seq: 40,
            insn: 7,
            cycle: 1000,
            pc: 0x1_0200,
            paddr: 0x8000_5200,
            size: 4,
            region: Region::Text,
            tlb: TlbOutcome::Hit,
            cycles: 4,
        };
        // Three 4-byte fetches; instruction 8 loads (3 cycles), instruction 9 stores (5).
        let mut run = open_record(&first, 0b111, 6);
        set_count(&mut run, 3);
        let data = |insn, kind, data, cycles| RunAccess {
            insn,
            kind,
            size: 4,
            region: Region::Stack,
            tlb: TlbOutcome::Hit,
            vaddr: 0x7fff_fff0,
            paddr: 0x8010_0ff0,
            data,
            cycles,
            journey: PackedJourney::L1_HIT,
            served_by: Level::L1,
        };
        let load = data(8, AccessKind::Load, None, 3);
        let store = data(9, AccessKind::Store, Some(0xdead_beef), 5);
        let push = |stream: &mut Vec<u8>, a: &RunAccess, k| {
            for w in record_words(a, k) {
                stream.extend_from_slice(&w.to_le_bytes());
            }
        };
        let mut stream = header("{}");
        stream.extend_from_slice(&run);
        push(&mut stream, &load, 1);
        push(&mut stream, &store, 2);
        let mut reader = BinReader::new(&stream[..]).unwrap();
        let mut next = || match reader.next_event().unwrap() {
            Some(Event::Access(a)) => a,
            e => panic!("{e:?}"),
        };
        let f0 = next();
        assert_eq!((f0.seq, f0.insn, f0.cycle), (40, 7, 1000));
        let f1 = next();
        assert_eq!((f1.seq, f1.insn, f1.cycle, f1.pc), (41, 8, 1004, 0x1_0204));
        let l = next();
        assert_eq!(
            (l.kind, l.seq, l.insn, l.pc),
            (AccessKind::Load, 42, 8, 0x1_0204)
        );
        // It starts as its fetch ends, less one.
        assert_eq!((l.cycle, l.cycles, l.data), (1007, 3, None));
        assert_eq!(
            (l.vaddr, l.paddr, l.region),
            (0x7fff_fff0, Some(0x8010_0ff0), Some(Region::Stack))
        );
        assert_eq!(
            (l.served_by, l.cache),
            (Some(Level::L1), Some(CacheJourney::L1_HIT))
        );
        let f2 = next();
        assert_eq!((f2.seq, f2.insn, f2.cycle, f2.pc), (43, 9, 1010, 0x1_0208));
        let st = next();
        assert_eq!(
            (st.kind, st.seq, st.insn, st.cycle),
            (AccessKind::Store, 44, 9, 1013)
        );
        assert_eq!((st.data, st.cycles), (Some(0xdead_beef), 5));
        assert_eq!(reader.next_event().unwrap(), None);

        // A walked load (instruction 8, 3 cycles) after two PTE reads (14 and 4 cycles): the
        // reads come first, at the load's cycle, and the next fetch starts after all three.
        use crate::trace::run_access::{walked_record_words, PteRead, RunWalk};
        let walk = RunWalk {
            reads: [
                PteRead {
                    paddr: 0x8000_1ffc,
                    cycles: 14,
                    cache: Some((PackedJourney::L1_HIT, Level::L1)),
                },
                PteRead {
                    paddr: 0x8000_2040,
                    cycles: 4,
                    cache: None,
                },
            ],
            count: 2,
        };
        let walked = RunAccess {
            tlb: TlbOutcome::Miss,
            ..load
        };
        let mut stream = header("{}");
        stream.extend_from_slice(&run);
        for w in walked_record_words(&walked, 1, &walk) {
            stream.extend_from_slice(&w.to_le_bytes());
        }
        let mut reader = BinReader::new(&stream[..]).unwrap();
        let mut next = || match reader.next_event().unwrap() {
            Some(Event::Access(a)) => a,
            e => panic!("{e:?}"),
        };
        let (f0, f1) = (next(), next());
        assert_eq!((f0.seq, f1.seq, f1.cycle), (40, 41, 1004));
        let (r0, r1, l) = (next(), next(), next());
        assert_eq!(
            (r0.kind, r0.seq, r0.insn, r0.cycle, r0.paddr, r0.cycles),
            (AccessKind::Ptw, 42, 8, 1007, Some(0x8000_1ffc), 14)
        );
        assert_eq!(
            (r1.kind, r1.seq, r1.cycle, r1.served_by, r1.cycles),
            (AccessKind::Ptw, 43, 1007, None, 4)
        );
        assert_eq!(
            (l.kind, l.seq, l.cycle, l.tlb),
            (AccessKind::Load, 44, 1007, TlbOutcome::Miss)
        );
        let f2 = next();
        assert_eq!((f2.seq, f2.insn, f2.cycle), (45, 9, 1007 + 3 + 14 + 4));

        // Without its block run.
        let mut lone = header("{}");
        push(&mut lone, &load, 0);
        let mut reader = BinReader::new(&lone[..]).unwrap();
        let (at, why) = reader.next_event().unwrap_err();
        assert_eq!(at, 18);
        assert!(why.contains("outside a block run"), "{why}");
    }
}
