//! Hand-computed cycle counts of tiny programs assembled in memory and run as processes.
//!
//! Every program ends with `li a7, 93; ecall` (exit). Hazards and memory stalls are checked per
//! CPI-stack component, each computed in the comments from the rules in `timing/mod.rs`.

use crate::config::{Config, TimingMode};
use crate::isa::{encode, Insn, Reg};
use crate::machine::{Machine, Outcome};
use crate::mem::cache_config::LevelConfig;
use crate::mmu::pagemap::Perms;
use crate::os::files::{Files, StdStream};
use crate::os::loader::{ElfImage, Segment};
use crate::os::symbols::Symbols;
use crate::timing::{CpiStack, Forwarding, PredictorKind};

const TEXT: u32 = 0x10000;
/// A zero-filled writable segment (bss), 8 KiB.
const DATA: u32 = 0x20000;
const DATA_BYTES: u32 = 8 << 10;
const ZERO: Reg = Reg::ZERO;
const A0: Reg = Reg(10);
const A1: Reg = Reg(11);
const A2: Reg = Reg(12);
const A3: Reg = Reg(13);
const A4: Reg = Reg(14);
const A7: Reg = Reg(17);

fn addi(rd: Reg, rs1: Reg, imm: i32) -> Insn {
    Insn::Addi { rd, rs1, imm }
}

/// `program` followed by `exit`.
fn machine(program: &[Insn], config: &Config) -> Machine {
    let mut code = program.to_vec();
    code.extend([addi(A7, ZERO, 93), Insn::Ecall]);
    let text: Vec<u8> = code.iter().flat_map(|i| encode(i).to_le_bytes()).collect();
    let image = ElfImage::synthetic(vec![
        Segment::synthetic(TEXT, text.clone(), text.len() as u32, Perms::RX),
        Segment::synthetic(DATA, Vec::new(), DATA_BYTES, Perms::RW),
    ]);
    let files = Files::new(None, StdStream::Null, StdStream::Null, StdStream::Null).unwrap();
    Machine::from_image(config, image, Symbols::none(), &["t".into()], files).unwrap()
}

/// Runs `program` and returns the CPI stack and the mispredictions.
fn run(program: &[Insn], config: &Config) -> (CpiStack, u64) {
    let mut m = machine(program, config);
    assert!(matches!(m.run(), Outcome::Exited(_)));
    let stats = m.stats();
    assert_eq!(stats.cpi_stack.total(), stats.cycles);
    let mispredictions = stats.pipeline.map_or(0, |p| p.mispredictions);
    (stats.cpi_stack, mispredictions)
}

/// The TLB-only model: no caches, so memory costs nothing but page walks; the hazards stand
/// alone.
fn tlb_only() -> Config {
    Config {
        timing: TimingMode::Tlb,
        ..Config::default()
    }
}

fn no_forwarding(mut c: Config) -> Config {
    c.pipeline.forwarding = Forwarding::Off;
    c
}

/// `a1 = TEXT; a0 = *a1; a0 += 1`: the addi reads the load's result in the very next slot.
fn load_use_pair() -> [Insn; 3] {
    [
        Insn::Lui { rd: A1, imm: TEXT },
        Insn::Lw {
            rd: A0,
            rs1: A1,
            offset: 0,
        },
        addi(A0, A0, 1),
    ]
}

/// `a0 = 100; a1 = 7; a2 = a0 / a1`.
fn divide() -> [Insn; 3] {
    [
        addi(A0, ZERO, 100),
        addi(A1, ZERO, 7),
        Insn::Div {
            rd: A2,
            rs1: A0,
            rs2: A1,
        },
    ]
}

#[test]
fn a_dependent_load_use_pair_stalls_one_cycle_with_forwarding_and_two_without() {
    let program = load_use_pair();
    // Forwarding: only lw → addi stalls: LOAD_USE_STALL_CYCLES = 1.
    assert_eq!(run(&program, &tlb_only()).0.load_use, 1);
    // No forwarding: lui → lw (a1, distance 1): 2 bubbles; lw → addi (a0, distance 1): 2.
    // addi a7 and ecall read neither a0 nor a1.
    assert_eq!(run(&program, &no_forwarding(tlb_only())).0.load_use, 2 + 2);

    // One independent instruction between the load and its use.
    let apart = [
        Insn::Lui { rd: A1, imm: TEXT },
        Insn::Lw {
            rd: A0,
            rs1: A1,
            offset: 0,
        },
        addi(A2, ZERO, 5),
        addi(A0, A0, 1),
    ];
    // Forwarding: the value is forwarded from MEM/WB in time: no stall.
    assert_eq!(run(&apart, &tlb_only()).0.load_use, 0);
    // No forwarding: lui → lw 2 bubbles; lw → addi a0 at distance 2 with no bubble between: 1.
    assert_eq!(run(&apart, &no_forwarding(tlb_only())).0.load_use, 2 + 1);
}

/// `a0 = 0; a1 = 10; do { a0 += 3; a1 -= 1 } while (a1 != 0)`: the backward `bne` is taken 9
/// times, then falls through once.
fn ten_trip_loop() -> Vec<Insn> {
    vec![
        addi(A0, ZERO, 0),
        addi(A1, ZERO, 10),
        addi(A0, A0, 3),
        addi(A1, A1, -1),
        Insn::Bne {
            rs1: A1,
            rs2: ZERO,
            offset: -8,
        },
    ]
}

#[test]
fn a_ten_trip_loop_under_each_predictor() {
    let with = |predictor| {
        let mut c = tlb_only();
        c.pipeline.predictor = predictor;
        let (stack, mispredictions) = run(&ten_trip_loop(), &c);
        (stack.branch, mispredictions)
    };
    // Not taken: each of the 9 taken branches is mispredicted, 2 cycles each (resolved in EX).
    assert_eq!(with(PredictorKind::StaticNotTaken), (9 * 2, 9));
    // BTFN: backward → predicted taken: 9 × 1 (redirect from ID) + the exit mispredicted (2).
    assert_eq!(with(PredictorKind::Btfn), (9 + 2, 1));
    // Bimodal, counters starting weakly not taken: the first taken is mispredicted (2; the
    // counter becomes weakly taken), the next 8 predicted taken (8 × 1), the final fall-through
    // mispredicted (2).
    assert_eq!(with(PredictorKind::Bimodal { entries: 16 }), (2 + 8 + 2, 2));
}

#[test]
fn a_divide_chain_costs_latency_minus_one_per_divide() {
    // a0 = 1000 / 3 / 3 / 3, each divide waiting on the last, then one multiply.
    let program = [
        addi(A0, ZERO, 1000),
        addi(A1, ZERO, 3),
        Insn::Div {
            rd: A0,
            rs1: A0,
            rs2: A1,
        },
        Insn::Div {
            rd: A0,
            rs1: A0,
            rs2: A1,
        },
        Insn::Div {
            rd: A0,
            rs1: A0,
            rs2: A1,
        },
        Insn::Mul {
            rd: A0,
            rs1: A0,
            rs2: A1,
        },
    ];
    // Defaults: div 34, mul 3 → 3 × 33 + 2; the forwarded results add nothing.
    let (stack, _) = run(&program, &tlb_only());
    assert_eq!((stack.mul_div, stack.load_use), (3 * 33 + 2, 0));
    let mut c = tlb_only();
    c.pipeline.div_latency_cycles = 10;
    c.pipeline.mul_latency_cycles = 1;
    assert_eq!(run(&program, &c).0.mul_div, 3 * 9);
    // Without forwarding each divide also waits for the previous result's WB: 2 bubbles each
    // after the first (the first reads a1, written 1 instruction earlier: 2 as well), and
    // the multiply 2 more.
    assert_eq!(run(&program, &no_forwarding(c)).0.load_use, 4 * 2);
}

/// Two passes over `lines` cache lines of the data segment, one `lw` per line.
fn two_passes(lines: i32) -> Vec<Insn> {
    vec![
        Insn::Lui { rd: A1, imm: DATA },
        addi(A3, ZERO, 2),
        // outer:
        addi(A2, ZERO, lines),
        addi(A4, A1, 0),
        // inner:
        Insn::Lw {
            rd: A0,
            rs1: A4,
            offset: 0,
        },
        addi(A4, A4, 64),
        addi(A2, A2, -1),
        Insn::Bne {
            rs1: A2,
            rs2: ZERO,
            offset: -12,
        },
        addi(A3, A3, -1),
        Insn::Bne {
            rs1: A3,
            rs2: ZERO,
            offset: -28,
        },
    ]
}

#[test]
fn a_loop_that_fits_in_l1_versus_one_that_streams_from_ram() {
    // L1D 1 KiB: 8 sets × 2 ways × 64 B (16 lines), latency 4; no L2 or L3; RAM 100 cycles.
    // PTE reads bypass the caches, so only the program's own loads touch the L1D.
    let mut c = Config::default();
    c.caches.l1d = LevelConfig::lru_write_back(8, 2, 64, 4);
    c.caches.l2 = None;
    c.caches.l3 = None;
    c.caches.ram_latency_cycles = 100;
    c.ptw_through_cache = false;
    // 8 lines fit: pass 1 misses each (4 + 100 cycles, MEM covers one: stall 103), pass 2
    // hits each (4, stall 3).
    let fits = run(&two_passes(8), &c).0.dcache;
    assert_eq!(fits, 8 * (4 + 100 - 1) + 8 * (4 - 1));
    // 64 lines (4 KiB) cycle through 16: LRU evicts every line before its reuse, so both
    // passes miss every time.
    let streams = run(&two_passes(64), &c).0.dcache;
    assert_eq!(streams, 2 * 64 * (4 + 100 - 1));
}

#[test]
fn rdcycle_reads_the_models_total() {
    // Work, then a0 = cycle; the block from csrr on retires 3 instructions (csrr, li a7,
    // ecall) with no hazard and no memory cost (no caches), so the total is 3 more.
    let mut program = ten_trip_loop();
    program.push(Insn::Csrrs {
        rd: A0,
        rs1: ZERO,
        csr: crate::hart::csr::CYCLE,
    });
    let mut m = machine(&program, &tlb_only());
    assert!(matches!(m.run(), Outcome::Exited(_)));
    let stats = m.stats();
    assert_eq!(u64::from(m.hart.regs[10]), stats.cycles - 3);
    assert!(stats.cycles > stats.instructions + stats.cpi_stack.page_faults);
}

#[test]
fn the_functional_mode_charges_one_cycle_per_instruction_plus_kernel_time() {
    let c = Config {
        timing: TimingMode::Functional,
        ..Config::default()
    };
    let mut m = machine(&ten_trip_loop(), &c);
    m.run();
    let s = m.stats();
    assert!(s.pipeline.is_none());
    assert_eq!(s.cycles, s.instructions + s.cpi_stack.page_faults);
}

/// Runs `program` under `--pipeline-view 0:1000` (the whole program) and checks the view
/// against the model: the same hazard totals, and a diagram whose rows add up to the run's
/// cycles. Returns the diagram.
fn view_agrees_with_the_model(program: &[Insn], config: &Config) -> String {
    use crate::timing::view::{PipelineView, ViewWindow};
    let mut m = machine(program, config);
    let window = ViewWindow {
        from: 0,
        count: 1000,
    };
    let mut view = PipelineView::new(window, config.pipeline);
    assert!(matches!(m.run_with(&mut view), Outcome::Exited(_)));
    let stats = m.stats();
    let stack = stats.cpi_stack;
    assert_eq!(
        view.hazard_totals(),
        [stack.branch, stack.load_use, stack.mul_div],
        "{program:?}"
    );
    let rows = view.window_cycles();
    assert_eq!(rows.len() as u64, stats.instructions);
    let drawn: u64 = rows.iter().map(|r| 1 + r.stalls()).sum();
    assert_eq!(drawn, stats.cycles, "{program:?}");
    view.render()
}

#[test]
fn the_pipeline_view_charges_what_the_model_charges() {
    let load_use = load_use_pair();
    let divide = divide();
    let mut bimodal = tlb_only();
    bimodal.pipeline.predictor = PredictorKind::Bimodal { entries: 16 };
    let mut btfn = tlb_only();
    btfn.pipeline.predictor = PredictorKind::Btfn;
    for config in [
        tlb_only(),
        no_forwarding(tlb_only()),
        bimodal,
        btfn,
        Config::default(),
    ] {
        view_agrees_with_the_model(&load_use, &config);
        view_agrees_with_the_model(&ten_trip_loop(), &config);
        view_agrees_with_the_model(&divide, &config);
    }
}

#[test]
fn the_pipeline_view_draws_the_textbook_cases() {
    // lui; lw a0; addi a0,a0,1 (uses the load): one bubble, the addi waits in ID.
    let load_use = load_use_pair();
    let diagram = view_agrees_with_the_model(&load_use, &tlb_only());
    let addi_row = diagram
        .lines()
        .find(|l| l.contains("a0,a0,1"))
        .unwrap_or_else(|| panic!("{diagram}"));
    // IF, ID, a bubble, then EX (the walks of the lw's data page freeze the pipe after it).
    let cells = |row: &str| -> Vec<String> {
        let (_, cells) = row.split_once('|').expect("a diagram row");
        cells.split_whitespace().map(str::to_owned).collect()
    };
    assert_eq!(cells(addi_row)[..4], ["IF", "ID", "**", "EX"], "{diagram}");
    // The static not-taken predictor mispredicts the taken bne: 2 flushed fetches each time.
    let diagram = view_agrees_with_the_model(&ten_trip_loop(), &tlb_only());
    assert_eq!(diagram.matches("(flushed)").count(), 9, "{diagram}");
    let flushed: usize = diagram
        .lines()
        .filter(|l| l.contains("(flushed)"))
        .map(|l| l.matches("xx").count())
        .sum();
    assert_eq!(flushed, 9 * 2, "{diagram}");
    // A divide holds EX for div-latency cycles; everything behind it waits.
    let divide = divide();
    let diagram = view_agrees_with_the_model(&divide, &tlb_only());
    let div_row = diagram
        .lines()
        .find(|l| l.contains("div "))
        .expect("the div row");
    let div = cells(div_row);
    let ex = div.iter().position(|c| c == "EX").expect("EX");
    // div-latency 34: EX and 33 more cycles (drawn compressed when long: "ex", "~" gap, "ex").
    assert_eq!(div[ex + 1], "ex", "{diagram}");
    assert_eq!(div.last().map(String::as_str), Some("WB"), "{diagram}");
}
