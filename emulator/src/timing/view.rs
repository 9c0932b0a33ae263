//! `--pipeline-view FROM:COUNT`: the classic stage-by-cycle diagram (instructions as rows,
//! cycles as columns) of a window of retired instructions, drawn from the pipeline model's own
//! rules so that a student can check a hand-drawn diagram against it.
//!
//! [`PipelineView`] is an [`Observer`]: from the events of each instruction (its fetch, its
//! page-table reads, its data access, its retirement) it works out the cycles the model charges
//! to that instruction, by cause, with the model's rules and constants ([`super`]'s table):
//! IF stall (`icache`: the fetch's cycles beyond the one IF covers; I-TLB walk), data hazard
//! (`load_use`), EX occupancy (`mul_div`), MEM stall (`dcache`, D-TLB walk), the flush after a
//! mispredicted or redirected branch (`branch`), and kernel time for a page fault. It follows
//! the whole run (the hazards and the predictor depend on what came before the window) and
//! keeps rows only for the window, so memory stays bounded by `COUNT`.
//!
//! The model adds stalls up (each is counted as if the others did not happen), so the diagram
//! is drawn for the pipeline that behaves that way: a cache miss, a TLB walk, a multi-cycle
//! EX or a page fault **freezes the whole pipeline** (every instruction in flight holds its
//! stage); a load-use or RAW stall holds the consumer and those behind it in ID/IF while the
//! older instructions go on (a bubble); a flush replaces the next fetches with bubbles. Then
//! the last instruction's WB comes exactly `COUNT + 4 + Σ stalls` cycles after the first IF:
//! the same cycles the model's CPI stack charges to the window, plus the 4 of filling the pipe.

use std::fmt::Write as _;

use super::hazard::RegUse;
use super::predictor::Bimodal;
use super::{
    Forwarding, PipelineConfig, PredictorKind, JALR_PENALTY_CYCLES, JAL_PENALTY_CYCLES,
    LOAD_USE_STALL_CYCLES, MISPREDICT_PENALTY_CYCLES, RAW_READY_DISTANCE, TAKEN_REDIRECT_CYCLES,
};
use crate::isa::{decode, disasm, Insn, InsnClass};
use crate::os::kernel::MINOR_FAULT_CYCLES;
use crate::trace::{AccessKind, Event, Observer, PageEventKind};

/// Most instructions a view may show.
pub const MAX_VIEW_INSNS: u64 = 1_000;
/// A run of columns in which nothing enters a stage, longer than this, is drawn as one column.
const COMPRESS_AFTER_COLUMNS: usize = 8;

/// The window `FROM:COUNT` of `--pipeline-view`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ViewWindow {
    /// Instructions retired before the first one shown.
    pub from: u64,
    /// Instructions shown.
    pub count: u64,
}

impl std::str::FromStr for ViewWindow {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let (from, count) = s
            .split_once(':')
            .ok_or_else(|| format!("'{s}' is not FROM:COUNT"))?;
        let number = |what: &str, t: &str| {
            t.trim()
                .parse::<u64>()
                .map_err(|_| format!("{what} '{t}' is not a number"))
        };
        let (from, count) = (number("FROM", from)?, number("COUNT", count)?);
        if count == 0 || count > MAX_VIEW_INSNS {
            return Err(format!(
                "COUNT {count} is out of range (1..{MAX_VIEW_INSNS})"
            ));
        }
        Ok(ViewWindow { from, count })
    }
}

/// The cycles the model charges to one instruction, by cause.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct InsnCycles {
    /// IF beyond its one cycle: the fetch's cache cycles and any I-TLB walk.
    pub fetch: u64,
    /// Bubbles waiting in ID for an operand (load-use; RAW without forwarding).
    pub hazard: u64,
    /// EX beyond its one cycle (multiply, divide).
    pub execute: u64,
    /// MEM beyond its one cycle: the data access's cache cycles and any D-TLB walk.
    pub memory: u64,
    /// Fetch slots flushed after it (a mispredicted or redirected branch, a jump).
    pub flush: u64,
    /// Kernel time resolving its page faults.
    pub kernel: u64,
    /// The page fault was an instruction fetch's (drawn in IF; a data access's is in MEM).
    pub kernel_in_fetch: bool,
}

impl InsnCycles {
    /// Every stall cycle.
    pub fn stalls(&self) -> u64 {
        self.fetch + self.hazard + self.execute + self.memory + self.flush + self.kernel
    }
}

/// One row of the diagram.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Row {
    insn: u64,
    pc: u32,
    text: String,
    cycles: InsnCycles,
}

/// The instruction being accumulated (its events so far).
#[derive(Clone, Copy, Debug, Default)]
struct Current {
    cycles: InsnCycles,
    /// A PTE read seen since the last data access or fetch: the walk is for what follows.
    walk: u64,
}

/// A branch or jump whose direction is known when the next instruction shows up.
#[derive(Clone, Copy, Debug)]
struct Unresolved {
    pc: u32,
    fallthrough: u32,
    insn: Insn,
    /// Index of its row, if it is in the window.
    row: Option<usize>,
}

/// The observer behind `--pipeline-view` (module comment).
#[derive(Clone, Debug)]
pub struct PipelineView {
    window: ViewWindow,
    config: PipelineConfig,
    bimodal: Option<Bimodal>,
    /// Destination of the previous instruction if it loaded from memory (forwarding on).
    prev_load_rd: u8,
    raw_last: u8,
    raw_before_last: u8,
    current: Current,
    branch: Option<Unresolved>,
    rows: Vec<Row>,
    /// Hazard cycles of the whole run (branch, load-use, mul/div): equal to the model's.
    totals: [u64; 3],
    /// The hart's cycle counter at the window's first fetch.
    start_cycle: Option<u64>,
}

impl PipelineView {
    /// A view of `window` for a pipeline with `config`.
    pub fn new(window: ViewWindow, config: PipelineConfig) -> PipelineView {
        let bimodal = match config.predictor {
            PredictorKind::Bimodal { entries } => Some(Bimodal::new(entries)),
            _ => None,
        };
        PipelineView {
            window,
            config,
            bimodal,
            prev_load_rd: 0,
            raw_last: 0,
            raw_before_last: 0,
            current: Current::default(),
            branch: None,
            rows: Vec::new(),
            totals: [0; 3],
            start_cycle: None,
        }
    }

    /// The hazard cycles seen over the whole run: control (`branch`), data (`load_use`) and
    /// `mul_div`, as the model's CPI stack counts them.
    pub fn hazard_totals(&self) -> [u64; 3] {
        self.totals
    }

    /// The per-instruction cycles of the window's instructions, in order.
    pub fn window_cycles(&self) -> Vec<InsnCycles> {
        self.rows.iter().map(|r| r.cycles).collect()
    }

    fn in_window(&self, insn: u64) -> bool {
        insn >= self.window.from && insn - self.window.from < self.window.count
    }

    /// The hazards in flight are gone (a trap drains the pipeline, as the model's
    /// `Pipeline::drain`).
    fn drain(&mut self) {
        self.prev_load_rd = 0;
        self.raw_last = 0;
        self.raw_before_last = 0;
    }

    /// The flush cost of the pending branch or jump, now that the next pc is known.
    fn resolve_branch(&mut self, next_pc: Option<u32>) {
        let Some(b) = self.branch.take() else {
            return;
        };
        let taken = next_pc.is_some_and(|n| n != b.fallthrough);
        let flush = match b.insn {
            Insn::Jal { .. } if taken => JAL_PENALTY_CYCLES,
            Insn::Jalr { .. } if taken => JALR_PENALTY_CYCLES,
            Insn::Jal { .. } | Insn::Jalr { .. } => 0,
            Insn::Beq { offset, .. }
            | Insn::Bne { offset, .. }
            | Insn::Blt { offset, .. }
            | Insn::Bge { offset, .. }
            | Insn::Bltu { offset, .. }
            | Insn::Bgeu { offset, .. } => {
                let predicted_taken = match self.bimodal.as_mut() {
                    Some(p) => p.predict_and_train(b.pc, taken),
                    None => self.config.predictor.static_taken(offset),
                };
                match (predicted_taken, taken) {
                    (false, false) => 0,
                    (true, true) => TAKEN_REDIRECT_CYCLES,
                    _ => MISPREDICT_PENALTY_CYCLES,
                }
            }
            _ => 0,
        };
        self.totals[0] += u64::from(flush);
        if let Some(row) = b.row {
            self.rows[row].cycles.flush = u64::from(flush);
        }
    }

    /// The instruction retired: its data hazard and EX cycles, and its row if in the window.
    fn retire(&mut self, insn_no: u64, pc: u32, raw: u32) {
        self.resolve_branch(Some(pc));
        let d = decode(raw);
        let regs = RegUse::of(&d.insn);
        let mut cycles = std::mem::take(&mut self.current).cycles;
        let is_ecall = matches!(d.insn, Insn::Ecall);
        if !is_ecall {
            cycles.hazard = u64::from(if self.config.forwarding == Forwarding::On {
                if RegUse::reads_reg(regs.reads, self.prev_load_rd) {
                    LOAD_USE_STALL_CYCLES
                } else {
                    0
                }
            } else {
                let bubbles = if RegUse::reads_reg(regs.reads, self.raw_last) {
                    RAW_READY_DISTANCE - 1
                } else if RegUse::reads_reg(regs.reads, self.raw_before_last) {
                    RAW_READY_DISTANCE - 2
                } else {
                    0
                };
                self.raw_before_last = if bubbles == 0 { self.raw_last } else { 0 };
                self.raw_last = regs.rd;
                bubbles
            });
            cycles.execute = u64::from(match d.insn.class() {
                InsnClass::Mul => self.config.mul_latency_cycles - 1,
                InsnClass::Div => self.config.div_latency_cycles - 1,
                _ => 0,
            });
            self.prev_load_rd = if regs.from_memory { regs.rd } else { 0 };
        }
        self.totals[1] += cycles.hazard;
        self.totals[2] += cycles.execute;
        let row = if self.in_window(insn_no) {
            self.rows.push(Row {
                insn: insn_no,
                pc,
                text: one_line(&disasm(&d, pc)),
                cycles,
            });
            Some(self.rows.len() - 1)
        } else {
            None
        };
        let is_control = matches!(
            d.insn,
            Insn::Jal { .. }
                | Insn::Jalr { .. }
                | Insn::Beq { .. }
                | Insn::Bne { .. }
                | Insn::Blt { .. }
                | Insn::Bge { .. }
                | Insn::Bltu { .. }
                | Insn::Bgeu { .. }
        );
        if is_control {
            self.branch = Some(Unresolved {
                pc,
                fallthrough: pc.wrapping_add(u32::from(d.len)),
                insn: d.insn,
                row,
            });
        }
        if is_ecall {
            // The ecall traps: the model drains the pipeline and charges it nothing.
            self.drain();
        }
    }

    /// The diagram (empty when the run ended before the window).
    pub fn render(&self) -> String {
        let mut out = String::new();
        if self.rows.is_empty() {
            let _ = writeln!(
                out,
                "pipeline view: the run retired no instruction in {}:{}",
                self.window.from, self.window.count
            );
            return out;
        }
        let layout = Layout::of(&self.rows);
        layout.write(&self.rows, self.start_cycle, &mut out);
        out
    }
}

impl Observer for PipelineView {
    const ENABLED: bool = true;

    fn on_event(&mut self, event: &Event) {
        match event {
            Event::Access(a) => {
                let parts = if a.split.is_some() { 2 } else { 1 };
                let stall = a.cycles.saturating_sub(parts);
                if a.fault.is_some() {
                    self.current.cycles.kernel_in_fetch = a.kind == AccessKind::Fetch;
                }
                match a.kind {
                    AccessKind::Ptw => self.current.walk += a.cycles,
                    AccessKind::Fetch => {
                        if self.in_window(a.insn) && self.start_cycle.is_none() {
                            self.start_cycle = Some(a.cycle);
                        }
                        let walk = std::mem::take(&mut self.current.walk);
                        if a.completed() {
                            self.current.cycles.fetch += stall;
                        }
                        self.current.cycles.fetch += walk;
                    }
                    AccessKind::Load | AccessKind::Store | AccessKind::Amo => {
                        let walk = std::mem::take(&mut self.current.walk);
                        if a.completed() {
                            self.current.cycles.memory += stall;
                        }
                        self.current.cycles.memory += walk;
                    }
                    AccessKind::Kernel => {}
                }
            }
            Event::Retire(r) => self.retire(r.insn, r.pc, r.raw),
            Event::Page(p) if p.kind == PageEventKind::Fault => {
                // A page fault the kernel resolved; the access is retried after the trap.
                // (Swap transfers are kernel time too, but not drawn: see README.)
                self.current.cycles.kernel += MINOR_FAULT_CYCLES;
                self.drain();
            }
            Event::Page(_) | Event::Client(_) => {}
            Event::Process(_) => self.resolve_branch(None),
        }
    }
}

/// `mnemonic<TAB>operands` as `mnemonic operands`, the mnemonic padded for alignment.
fn one_line(disassembly: &str) -> String {
    match disassembly.split_once('\t') {
        Some((mnemonic, operands)) => format!("{mnemonic:<7} {operands}"),
        None => disassembly.to_owned(),
    }
}

/// When each row enters each stage, and which columns are drawn.
struct Layout {
    /// Per row: the cycle (from 0) it enters IF, ID, EX, MEM, WB, and the cycle after WB.
    enter: Vec<[u64; 6]>,
    /// Per row: the cycles of its own stall in each stage (IF, ID, EX, MEM), and kernel time.
    own: Vec<[u64; 4]>,
    /// Per row: the flush bubbles after it (cycles whose fetch is discarded).
    flush: Vec<(u64, u64)>,
    /// The last cycle + 1.
    end: u64,
}

impl Layout {
    /// Schedules the rows: a base pipeline (row i enters IF at cycle i) and then every stall
    /// in program order, each delaying what comes after it (module comment).
    fn of(rows: &[Row]) -> Layout {
        let n = rows.len();
        let mut enter: Vec<[u64; 6]> = (0..n as u64)
            .map(|i| [i, i + 1, i + 2, i + 3, i + 4, i + 5])
            .collect();
        let mut own = vec![[0u64; 4]; n];
        let mut flush = vec![(0, 0); n];
        // Shifts every stage entry of rows `from..` at or after cycle `at` by `k`; a row that
        // leaves WB by `at` is gone and keeps its times.
        let shift = |enter: &mut Vec<[u64; 6]>, from: usize, at: u64, k: u64| {
            for e in enter.iter_mut().skip(from) {
                if e[5] <= at {
                    continue;
                }
                for t in e.iter_mut() {
                    if *t >= at {
                        *t += k;
                    }
                }
            }
        };
        for (i, r) in rows.iter().enumerate() {
            let c = r.cycles;
            let (fetch_kernel, memory_kernel) = if c.kernel_in_fetch {
                (c.kernel, 0)
            } else {
                (0, c.kernel)
            };
            // Freeze while IF waits (from the cycle after it entered IF).
            let fetch = c.fetch + fetch_kernel;
            if fetch > 0 {
                let at = enter[i][0] + 1;
                shift(&mut enter, 0, at, fetch);
                own[i][0] = fetch;
            }
            // A bubble: this row and the younger ones hold; older ones go on.
            if c.hazard > 0 {
                let at = enter[i][1] + 1;
                shift(&mut enter, i, at, c.hazard);
                own[i][1] = c.hazard;
            }
            if c.execute > 0 {
                let at = enter[i][2] + 1;
                shift(&mut enter, 0, at, c.execute);
                own[i][2] = c.execute;
            }
            let memory = c.memory + memory_kernel;
            if memory > 0 {
                let at = enter[i][3] + 1;
                shift(&mut enter, 0, at, memory);
                own[i][3] = memory;
            }
            if c.flush > 0 && i + 1 < n {
                // The next fetches are discarded: younger rows start `flush` cycles later.
                let at = enter[i + 1][0];
                shift(&mut enter, i + 1, at, c.flush);
            }
            flush[i] = (enter[i][0] + 1, c.flush);
        }
        let end = enter.iter().map(|e| e[5]).max().unwrap_or(0);
        Layout {
            enter,
            own,
            flush,
            end,
        }
    }

    /// The stage row `i` is in at cycle `t`: (stage index, first cycle of it?) or `None`.
    fn stage_at(&self, i: usize, t: u64) -> Option<(usize, bool)> {
        let e = &self.enter[i];
        (0..5)
            .find(|&s| e[s] <= t && t < e[s + 1])
            .map(|s| (s, t == e[s]))
    }

    /// The cell of row `i` at cycle `t` (4 characters, padded to the column width when drawn).
    fn cell(&self, i: usize, t: u64) -> &'static str {
        match self.stage_at(i, t) {
            None => "    ",
            Some((s, true)) => ["IF  ", "ID  ", "EX  ", "MEM ", "WB  "][s],
            Some((s, false)) => {
                // Own stall cycles come right after entering the stage; the rest is holding
                // for someone else.
                let own = if s < 4 { self.own[i][s] } else { 0 };
                if t < self.enter[i][s] + 1 + own {
                    match s {
                        0 => "if  ",
                        1 => "**  ",
                        2 => "ex  ",
                        _ => "mem ",
                    }
                } else {
                    "--  "
                }
            }
        }
    }

    fn write(&self, rows: &[Row], start_cycle: Option<u64>, out: &mut String) {
        // Columns: every cycle, except long runs in which no row enters a stage.
        let entries: std::collections::BTreeSet<u64> =
            self.enter.iter().flat_map(|e| e.iter().copied()).collect();
        let mut columns: Vec<(u64, u64)> = Vec::new(); // (first cycle, cycles covered)
        let mut t = 0;
        while t < self.end {
            let next_entry = entries.range(t + 1..).next().copied().unwrap_or(self.end);
            let quiet = next_entry - t;
            if quiet > COMPRESS_AFTER_COLUMNS as u64 {
                // Draw 2 columns, a gap column standing for the middle, and the last 2.
                columns.push((t, 1));
                columns.push((t + 1, 1));
                columns.push((t + 2, quiet - 4));
                columns.push((next_entry - 2, 1));
                columns.push((next_entry - 1, 1));
            } else {
                for c in t..next_entry {
                    columns.push((c, 1));
                }
            }
            t = next_entry;
        }
        let label_width = rows.iter().map(|r| r.text.len()).max().unwrap_or(0).max(12);
        let first = rows.first().map_or(0, |r| r.insn);
        let _ = writeln!(
            out,
            "pipeline view: instructions {}..{} (retired before the first: {first}){}",
            first,
            first + rows.len() as u64,
            start_cycle.map_or(String::new(), |c| format!(
                ", cycle 1 = the cycle counter at {c}"
            )),
        );
        // A column is wide enough for its cycle number and a space.
        let width = (self.end.to_string().len() + 1).max(4);
        let _ = write!(out, "{:>10} {:<label_width$} |", "pc", "instruction");
        for &(c, span) in &columns {
            if span == 1 {
                let _ = write!(out, "{:<width$}", c + 1);
            } else {
                let _ = write!(out, "{:<width$}", "~");
            }
        }
        out.truncate(out.trim_end().len());
        out.push('\n');
        for (i, r) in rows.iter().enumerate() {
            let _ = write!(
                out,
                "{:>10} {:<label_width$} |",
                format!("{:08x}", r.pc),
                r.text
            );
            for &(c, span) in &columns {
                let cell = self.cell(i, c).trim_end();
                let cell = if span > 1 {
                    &cell[..cell.len().min(2)]
                } else {
                    cell
                };
                let _ = write!(out, "{cell:<width$}");
            }
            out.truncate(out.trim_end().len());
            out.push('\n');
            let (at, n) = self.flush[i];
            if n > 0 && i + 1 < rows.len() {
                let _ = write!(out, "{:>10} {:<label_width$} |", "", "(flushed)");
                for &(c, span) in &columns {
                    let cell = if span == 1 && c >= at && c < at + n {
                        "xx"
                    } else {
                        ""
                    };
                    let _ = write!(out, "{cell:<width$}");
                }
                out.truncate(out.trim_end().len());
                out.push('\n');
            }
        }
        out.push('\n');
        let gaps: Vec<String> = columns
            .iter()
            .filter(|(_, span)| *span > 1)
            .map(|(c, span)| format!("cycles {}-{}", c + 1, c + span))
            .collect();
        let _ = writeln!(
            out,
            "legend: IF ID EX MEM WB  the stage the instruction enters"
        );
        let _ = writeln!(
            out,
            "        if ex mem       its own stall there: a cache miss or TLB walk (IF, MEM), a page fault's kernel time (IF, MEM), a multi-cycle EX"
        );
        let _ = writeln!(
            out,
            "        **              waiting in ID for an operand (load-use; any RAW with --no-forwarding)"
        );
        let _ = writeln!(
            out,
            "        --              holding while another instruction stalls"
        );
        let _ = writeln!(
            out,
            "        xx              a fetch flushed after a branch or jump"
        );
        if !gaps.is_empty() {
            let _ = writeln!(
                out,
                "        ~               {} (nothing enters a stage)",
                gaps.join(", ")
            );
        }
        let stalls: u64 = rows.iter().map(|r| r.cycles.stalls()).sum();
        let trailing = rows.last().map_or(0, |r| r.cycles.flush);
        let n = rows.len();
        let _ = writeln!(
            out,
            "{n} instructions cost {} cycles ({n} + {stalls} stall){}; last WB in cycle {} = {n} + 4 (filling) + {}",
            n as u64 + stalls,
            if trailing > 0 {
                format!(", {trailing} of them the flush after the last, not drawn")
            } else {
                String::new()
            },
            self.end,
            stalls - trailing,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cycles: InsnCycles) -> Row {
        Row {
            insn: 0,
            pc: 0x1_0000,
            text: "addi a0,a0,1".into(),
            cycles,
        }
    }

    #[test]
    fn windows_parse_and_refuse_nonsense() {
        assert_eq!(
            "10:5".parse::<ViewWindow>(),
            Ok(ViewWindow { from: 10, count: 5 })
        );
        for bad in ["5", "x:3", "3:x", "1:0", "1:1001", ":"] {
            assert!(bad.parse::<ViewWindow>().is_err(), "{bad}");
        }
    }

    #[test]
    fn without_stalls_each_row_is_one_cycle_behind() {
        let l = Layout::of(&[row(InsnCycles::default()), row(InsnCycles::default())]);
        assert_eq!(l.enter[0], [0, 1, 2, 3, 4, 5]);
        assert_eq!(l.enter[1], [1, 2, 3, 4, 5, 6]);
        assert_eq!(l.end, 6);
    }

    #[test]
    fn a_load_use_bubble_holds_the_consumer_in_id() {
        let stall = InsnCycles {
            hazard: 1,
            ..InsnCycles::default()
        };
        let l = Layout::of(&[row(InsnCycles::default()), row(stall)]);
        // The load goes on; the consumer spends two cycles in ID.
        assert_eq!(l.enter[0], [0, 1, 2, 3, 4, 5]);
        assert_eq!(l.enter[1], [1, 2, 4, 5, 6, 7]);
        assert_eq!(l.cell(1, 3), "**  ");
        assert_eq!(l.end, 2 + 4 + 1);
    }

    #[test]
    fn a_cache_miss_freezes_everything_and_stalls_add_up() {
        let miss = InsnCycles {
            memory: 3,
            ..InsnCycles::default()
        };
        let div = InsnCycles {
            execute: 2,
            ..InsnCycles::default()
        };
        let l = Layout::of(&[
            row(miss),
            row(InsnCycles::default()),
            row(div),
            row(InsnCycles::default()),
        ]);
        // Row 0 in MEM from cycle 3 for 4 cycles; row 1, in EX, holds.
        assert_eq!(l.enter[0], [0, 1, 2, 3, 7, 8]);
        assert_eq!(l.enter[1][3], 7);
        assert_eq!(l.cell(1, 4), "--  ");
        assert_eq!(l.cell(0, 4), "mem ");
        assert_eq!(l.end, 4 + 4 + 3 + 2);
    }

    #[test]
    fn a_flush_delays_the_next_fetch() {
        let branch = InsnCycles {
            flush: 2,
            ..InsnCycles::default()
        };
        let l = Layout::of(&[row(branch), row(InsnCycles::default())]);
        assert_eq!(l.enter[1][0], 3);
        assert_eq!(l.flush[0], (1, 2));
        assert_eq!(l.end, 2 + 4 + 2);
    }
}
