//! The functional loop's fused pairs (hart/fuse.rs) against the modelled loop, which runs the
//! original instructions one by one: the same registers, memory, counts, instruction mix and
//! exceptions.

use super::interp::{Core, Stop};
use super::models;
use crate::config::{Config, TimingMode};
use crate::hart::fuse::fuse_block;
use crate::hart::trap::Exception;
use crate::hart::Hart;
use crate::isa::{encode, Insn, InsnClass, Reg};
use crate::mem::access::{CachedInsn, Memory};
use crate::mem::phys::{PhysMem, RAM_BASE};
use crate::trace::NoObserver;

const ZERO: Reg = Reg::ZERO;
const T0: Reg = Reg(5);
const T1: Reg = Reg(6);
const T2: Reg = Reg(7);
const S0: Reg = Reg(8);
const S1: Reg = Reg(9);
const A0: Reg = Reg(10);
const A1: Reg = Reg(11);
const A2: Reg = Reg(12);
const A3: Reg = Reg(13);
const A4: Reg = Reg(14);
const A5: Reg = Reg(15);
const A6: Reg = Reg(16);
const A7: Reg = Reg(17);

/// Where the programs' data is.
const DATA: u32 = RAM_BASE + 0x1000;

/// A core in `timing` mode with `program` at `RAM_BASE` and `data` (words) at `DATA`.
fn core(program: &[Insn], data: &[u32], timing: TimingMode) -> Core {
    let mut ram = PhysMem::new(1 << 20);
    for (i, insn) in program.iter().enumerate() {
        let off = 4 * i;
        ram.bytes_mut()[off..off + 4].copy_from_slice(&encode(insn).to_le_bytes());
    }
    for (i, word) in data.iter().enumerate() {
        let off = (DATA - RAM_BASE) as usize + 4 * i;
        ram.bytes_mut()[off..off + 4].copy_from_slice(&word.to_le_bytes());
    }
    let mut mem = Memory::bare(ram);
    let config = Config {
        timing,
        ..Config::default()
    };
    let (tlbs, caches) = models(&config).unwrap();
    mem.set_models(tlbs, caches, config.ptw_through_cache);
    Core::new(
        Hart::new_machine(RAM_BASE, 1_000_000_000),
        mem,
        Some(100_000),
    )
}

/// Everything a run leaves that fusion must not change.
#[derive(Debug, PartialEq)]
struct Outcome {
    stop: Stop,
    pc: u32,
    instret: u64,
    regs: Vec<u32>,
    mix: [u64; InsnClass::COUNT],
    data: Vec<u8>,
}

fn run(program: &[Insn], data: &[u32], timing: TimingMode) -> Outcome {
    let mut core = core(program, data, timing);
    let stop = core.run_burst(&mut NoObserver);
    let off = (DATA - RAM_BASE) as usize;
    Outcome {
        stop,
        pc: core.hart.pc,
        instret: core.hart.instret,
        regs: core.hart.regs[..32].to_vec(),
        mix: core.instruction_mix(),
        data: core.mem.ram.bytes()[off..off + 64].to_vec(),
    }
}

/// Runs `program` fused (functional) and unfused (TLB model) and checks they agree.
fn assert_fusion_invisible(program: &[Insn], data: &[u32]) -> Outcome {
    let fused = run(program, data, TimingMode::Functional);
    let unfused = run(program, data, TimingMode::Tlb);
    assert_eq!(fused, unfused);
    fused
}

/// The fused slots of `program` decoded as one block.
fn fused_kinds(program: &[Insn]) -> Vec<Insn> {
    let block: Vec<CachedInsn> = program
        .iter()
        .enumerate()
        .map(|(i, insn)| CachedInsn {
            offset: 4 * i as u16,
            ..CachedInsn::from_raw(encode(insn))
        })
        .collect();
    let mut fast = Vec::new();
    fuse_block(&block, &mut fast);
    assert_eq!(fast.len(), block.len(), "slot for slot");
    fast.iter()
        .zip(&block)
        .filter(|(f, c)| f.insn != c.insn)
        .map(|(f, _)| f.insn)
        .collect()
}

fn addi(rd: Reg, rs1: Reg, imm: i32) -> Insn {
    Insn::Addi { rd, rs1, imm }
}

/// A branch at index `at` to index `to` (4-byte instructions).
fn offset(at: usize, to: usize) -> i32 {
    (to as i32 - at as i32) * 4
}

/// A loop with every fused pair, second halves reading the first's result, branches taken
/// and not taken (side exits from fused branches), a loop back edge through a fused branch.
fn every_pair() -> Vec<Insn> {
    use Insn::*;
    vec![
        /* 0 */ Lui { rd: S0, imm: DATA },
        /* 1 */ addi(S0, S0, 0), // LuiAddi
        /* 2 */ Auipc { rd: S1, imm: 0 },
        /* 3 */ addi(S1, S1, 12), // AuipcAddi
        /* 4 */ addi(A0, ZERO, 3),
        /* 5 */ addi(A5, A5, 7),
        // loop:
        /* 6 */
        Lw {
            rd: A1,
            rs1: S0,
            offset: 0,
        },
        /* 7 */
        Beq {
            rs1: A1,
            rs2: ZERO,
            offset: offset(7, 9),
        }, // LwBeq, not taken
        /* 8 */ Lh {
            rd: A2,
            rs1: S0,
            offset: 4,
        },
        /* 9 */
        Bne {
            rs1: A2,
            rs2: A1,
            offset: offset(9, 11),
        }, // LhBne, taken
        /* 10 */ addi(A6, A6, 1),
        /* 11 */ Mul {
            rd: A3,
            rs1: A1,
            rs2: A0,
        },
        /* 12 */
        Add {
            rd: A4,
            rs1: A3,
            rs2: A4,
        }, // MulAdd
        /* 13 */ Slli {
            rd: A3,
            rs1: A4,
            shamt: 3,
        },
        /* 14 */
        Srli {
            rd: A3,
            rs1: A3,
            shamt: 5,
        }, // SlliSrli
        /* 15 */ Slli {
            rd: A7,
            rs1: A3,
            shamt: 2,
        },
        /* 16 */
        Add {
            rd: A7,
            rs1: A7,
            rs2: S0,
        }, // SlliAdd
        /* 17 */ Slli {
            rd: T0,
            rs1: A4,
            shamt: 1,
        },
        /* 18 */
        Slli {
            rd: T1,
            rs1: A4,
            shamt: 16,
        }, // SlliSlli
        /* 19 */ addi(T2, T0, 0),
        /* 20 */
        Slli {
            rd: T2,
            rs1: T2,
            shamt: 16,
        }, // AddiSlli
        /* 21 */
        Srai {
            rd: T1,
            rs1: T1,
            shamt: 16,
        },
        /* 22 */
        Xor {
            rd: T0,
            rs1: T0,
            rs2: T1,
        }, // SraiXor
        /* 23 */
        Srli {
            rd: T2,
            rs1: T2,
            shamt: 16,
        },
        /* 24 */
        Bge {
            rs1: T1,
            rs2: ZERO,
            offset: offset(24, 26),
        }, // SrliBge
        /* 25 */
        Sw {
            rs1: S0,
            rs2: T0,
            offset: 12,
        },
        /* 26 */ addi(A6, A6, 3),
        /* 27 */ addi(A5, A5, 1), // AddiAddi
        /* 28 */ addi(A0, A0, -1),
        /* 29 */
        Bne {
            rs1: A0,
            rs2: ZERO,
            offset: offset(29, 6),
        }, // AddiBne, back edge
        /* 30 */ Lw {
            rd: A1,
            rs1: S0,
            offset: 8,
        },
        /* 31 */
        Bne {
            rs1: A1,
            rs2: ZERO,
            offset: offset(31, 33),
        }, // LwBne, not taken
        /* 32 */ Lh {
            rd: A2,
            rs1: S0,
            offset: 4,
        },
        /* 33 */
        Beq {
            rs1: A2,
            rs2: A2,
            offset: offset(33, 35),
        }, // LhBeq, taken
        /* 34 */ addi(A6, A6, 100),
        /* 35 */ Ebreak,
    ]
}

#[test]
fn every_pair_kind_is_fused() {
    let kinds = fused_kinds(&every_pair());
    let names: Vec<String> = kinds
        .iter()
        .map(|k| format!("{k:?}").split(' ').next().unwrap().to_string())
        .collect();
    for want in [
        "LuiAddi",
        "AuipcAddi",
        "LwBeq",
        "LhBne",
        "MulAdd",
        "SlliSrli",
        "SlliAdd",
        "SlliSlli",
        "AddiSlli",
        "SraiXor",
        "SrliBge",
        "AddiAddi",
        "AddiBne",
        "LwBne",
        "LhBeq",
    ] {
        assert!(names.iter().any(|n| n == want), "{want} not in {names:?}");
    }
}

#[test]
fn fused_runs_match_unfused_ones() {
    // Data: a word, a negative halfword, a zero word, room for a store.
    for data in [[0x1234_5678, 0xfff0, 0, 0], [0, 0x7ff0, 5, 0], [7, 7, 0, 0]] {
        let out = assert_fusion_invisible(&every_pair(), &data);
        assert_eq!(
            out.stop,
            Stop::Exception(Exception::Breakpoint(0)),
            "{data:?}"
        );
        assert_eq!(out.pc, RAM_BASE + 35 * 4);
    }
}

#[test]
fn a_fault_in_a_fused_load_stops_at_the_load() {
    use Insn::*;
    // The load's address has no RAM: the pair's first half faults before anything changed.
    let program = [
        addi(A0, A0, 1),
        addi(A1, A1, 2), // AddiAddi: retired before the fault
        Lui {
            rd: S0,
            imm: 0x1000,
        },
        Lw {
            rd: A2,
            rs1: S0,
            offset: 0,
        },
        Beq {
            rs1: A2,
            rs2: ZERO,
            offset: 8,
        },
        Ebreak,
    ];
    let out = assert_fusion_invisible(&program, &[]);
    assert!(matches!(out.stop, Stop::Exception(_)), "{:?}", out.stop);
    assert_eq!(out.pc, RAM_BASE + 3 * 4, "at the load");
    assert_eq!(out.instret, 3);
}

#[test]
fn pairs_that_would_change_what_is_seen_are_not_fused() {
    use Insn::*;
    for pair in [
        // A taken branch to the next instruction falls through: left unfused.
        [
            addi(A0, A0, 1),
            Bne {
                rs1: A0,
                rs2: ZERO,
                offset: 4,
            },
        ],
        // Load pairs only with offsets that fit the fused form.
        [
            Lh {
                rd: A1,
                rs1: S0,
                offset: 0,
            },
            Lh {
                rd: A2,
                rs1: S0,
                offset: 200,
            },
        ],
        // The first leaves the block when taken.
        [
            Bne {
                rs1: A0,
                rs2: ZERO,
                offset: 8,
            },
            addi(A0, A0, 1),
        ],
        // The branch does not test the loaded register.
        [
            Lw {
                rd: A1,
                rs1: S0,
                offset: 0,
            },
            Bne {
                rs1: A2,
                rs2: A3,
                offset: 8,
            },
        ],
    ] {
        assert_eq!(fused_kinds(&pair), vec![], "{pair:?}");
    }
}

#[test]
fn fused_load_pairs_match_unfused_ones() {
    use Insn::*;
    // A pointer chase (the second load's address is the first's result) and two halfwords.
    let program = [
        Lui { rd: S0, imm: DATA },
        addi(S0, S0, 0), // LuiAddi
        Lw {
            rd: A1,
            rs1: S0,
            offset: 0,
        },
        Lw {
            rd: A2,
            rs1: A1,
            offset: 0,
        }, // LwLw, dependent
        Lh {
            rd: A3,
            rs1: S0,
            offset: 8,
        },
        Lh {
            rd: A4,
            rs1: S0,
            offset: -2,
        }, // LhLh
        Ebreak,
    ];
    let kinds = fused_kinds(&program);
    assert!(
        kinds.iter().any(|k| matches!(k, Insn::LwLw { .. })),
        "{kinds:?}"
    );
    assert!(
        kinds.iter().any(|k| matches!(k, Insn::LhLh { .. })),
        "{kinds:?}"
    );
    let data = [DATA + 12, 0, 0xffff_8001, 0x1234_5678, 0];
    let out = assert_fusion_invisible(&program, &data);
    assert_eq!(out.regs[A2.idx()], 0x1234_5678);
    assert_eq!(out.regs[A3.idx()], 0xffff_8001);
}

#[test]
fn a_fault_in_the_second_load_of_a_pair_stops_there_with_the_first_retired() {
    use Insn::*;
    let program = [
        Lui { rd: S0, imm: DATA },
        addi(S0, S0, 0), // LuiAddi
        Lui {
            rd: S1,
            imm: 0x1000,
        },
        Lh {
            rd: A1,
            rs1: S0,
            offset: 4,
        },
        Lh {
            rd: A2,
            rs1: S1,
            offset: 0,
        }, // LhLh: the second faults
        Ebreak,
    ];
    assert!(fused_kinds(&program)
        .iter()
        .any(|k| matches!(k, Insn::LhLh { .. })));
    let out = assert_fusion_invisible(&program, &[0, 0x7777]);
    assert!(matches!(out.stop, Stop::Exception(_)), "{:?}", out.stop);
    assert_eq!(out.pc, RAM_BASE + 4 * 4, "at the second load");
    assert_eq!(out.instret, 4);
    assert_eq!(out.regs[A1.idx()], 0x7777, "the first load retired");
}
