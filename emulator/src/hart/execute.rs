//! The executor: one `match` arm per instruction (unprivileged spec chapters 2, 7, 8, 9, 10).
//!
//! On success the instruction's effects are committed and `pc` advanced; on an exception
//! nothing has changed (loads write `rd` only after the access succeeded, atomics check their
//! address before touching memory), so the kernel can resolve a page fault and simply retry.

use super::csr;
use super::privileged::{CsrOp, PrivMode};
use super::trap::Exception;
use super::Hart;
use crate::isa::{Insn, Reg};
use crate::mem::access::{CachedInsn, Memory, TraceAt};
use crate::trace::Observer;

/// Priv spec §4.1.11: Sv32 ASIDs have 9 bits; `sfence.vma` ignores the rest of rs2.
const ASID_MASK: u32 = (1 << 9) - 1;

/// The exception an `ecall` raises in `mode`.
///
/// Opaque to the optimizer (`black_box`) on purpose: these variants carry no tval, and when
/// the compiler could see that, the undefined payload became a loop-carried value that the
/// interpreter loop stored to the stack after every instruction (about 3% of coremark_like's
/// host instructions). A plain non-inlined function was not enough: the compiler looked into it.
#[cold]
#[inline(never)]
fn ecall_exception(mode: PrivMode) -> Exception {
    std::hint::black_box(match mode {
        PrivMode::User => Exception::EcallFromU,
        PrivMode::Supervisor => Exception::EcallFromS,
        PrivMode::Machine => Exception::EcallFromM,
    })
}

impl Hart {
    /// Executes the decoded instruction `c` located at `base + c.offset`, returning the pc it
    /// transfers control to (a jump, a taken branch to anywhere but the next instruction, an
    /// xRET), or `None` when execution falls through to `pc + len`. `self.pc` is not read or
    /// written: the interpreter loop keeps the pc in a local.
    ///
    /// Written for the loop it is inlined into: `None` is a constant in every arm that falls
    /// through, so the loop's "did we leave the block?" test vanishes from those arms (with a
    /// computed next pc it stayed on every instruction), and the pc, the length and the raw
    /// bits are read only by the arms that use them, not before the dispatch.
    ///
    /// With an enabled observer, memory accesses take the traced paths, which report each
    /// access to `observer` as made by instruction number `insn_no` (instructions retired
    /// before it); with [`crate::trace::NoObserver`] both arguments compile away. `TLBS` and
    /// `CACHES` say whether the memory may have TLB and cache models (fixed for the loop);
    /// false lets untraced loads and stores skip the test for one ([`Memory::load_with`]).
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    pub fn execute<O: Observer, const TLBS: bool, const CACHES: bool>(
        &mut self,
        c: &CachedInsn,
        base: u32,
        mem: &mut Memory,
        observer: &mut O,
        insn_no: u64,
    ) -> Result<Option<u32>, Exception> {
        self.execute_in_block::<O, TLBS, CACHES, false>(
            c,
            &mut [].iter(),
            base,
            mem,
            observer,
            insn_no,
        )
    }

    /// [`Hart::execute`] in a lean run (the traced block loop without retirements,
    /// [`Memory::lean_access_at`]): an access finds its instruction's number and cycle from
    /// the run the memory holds and the slot `c`, so the loop passes none.
    #[inline(always)]
    pub(crate) fn execute_in_lean_run<O: Observer, const TLBS: bool, const CACHES: bool>(
        &mut self,
        c: &CachedInsn,
        base: u32,
        mem: &mut Memory,
        observer: &mut O,
    ) -> Result<Option<u32>, Exception> {
        self.execute_in_block::<O, TLBS, CACHES, true>(c, &mut [].iter(), base, mem, observer, 0)
    }

    /// [`Hart::execute`], where `c` may also be a fused pair (hart/fuse.rs), which only the
    /// functional loop's fused blocks hold: `rest` iterates over the block's remaining slots,
    /// and a pair consumes the slot of its second instruction from it, before the second runs
    /// if it can fault (a fault is then the instruction's whose slot was taken last). The
    /// pairs are arms of the one `match` here because a dispatch of their own, in front of
    /// this one, was not merged into it by the compiler: every instruction paid two indirect
    /// jumps.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn execute_in_block<
        O: Observer,
        const TLBS: bool,
        const CACHES: bool,
        const LEAN: bool,
    >(
        &mut self,
        c: &CachedInsn,
        rest: &mut std::slice::Iter<'_, CachedInsn>,
        base: u32,
        mem: &mut Memory,
        observer: &mut O,
        insn_no: u64,
    ) -> Result<Option<u32>, Exception> {
        let insn = &c.insn;
        macro_rules! pc {
            () => {
                base.wrapping_add(c.offset as u32)
            };
        }
        macro_rules! fallthrough {
            () => {
                pc!().wrapping_add(c.len as u32)
            };
        }
        let mut next = None;
        // Where a data access stands in the trace (computed by the accesses themselves, not
        // for every instruction).
        macro_rules! at {
            () => {
                if LEAN {
                    mem.lean_access_at(c)
                } else {
                    TraceAt {
                        pc: pc!(),
                        insn: insn_no,
                        cycle: super::cycle_count(
                            self.instret,
                            self.kernel_cycles,
                            self.swap_cycles,
                            self.pipeline.as_deref(),
                            mem,
                        ) + (insn_no - self.instret),
                    }
                }
            };
        }
        // Indexed by the register number's byte, unmasked: `regs` has a slot for every byte
        // value (`super::REG_SLOTS`), so no bounds check either.
        let r = &mut self.regs;
        macro_rules! x {
            ($reg:expr) => {
                r[usize::from($reg.0)]
            };
        }
        // x0 is put back to zero after every write rather than after every instruction:
        // branches and stores then store nothing to the register file.
        macro_rules! set {
            ($reg:expr, $val:expr) => {{
                let v = $val;
                r[usize::from($reg.0)] = v;
                r[0] = 0;
            }};
        }
        macro_rules! branch {
            ($cond:expr, $offset:expr) => {
                // A taken branch to the next instruction falls through: it does not leave
                // its block.
                if $cond && $offset != c.len as i32 {
                    next = Some(pc!().wrapping_add($offset as u32));
                }
            };
        }
        // The branch of a fused pair, after its first instruction (hart/fuse.rs): fusion
        // leaves out branches to the next instruction, so a taken one always leaves.
        macro_rules! fused_branch {
            ($cond:expr, $target:expr) => {
                rest.next();
                if $cond {
                    next = Some(pc!().wrapping_add($target as i32 as u32));
                }
            };
        }
        macro_rules! load {
            ($rd:expr, $rs1:expr, $offset:expr, $n:literal, $conv:expr) => {{
                let addr = x!($rs1).wrapping_add($offset as u32);
                let bytes = if O::ENABLED && LEAN {
                    mem.load_lean::<$n, O>(addr, c, observer)?
                } else if O::ENABLED {
                    let at = at!();
                    mem.load_traced::<$n, O>(addr, at, observer)?
                } else {
                    mem.load_with::<$n, TLBS, CACHES>(addr)?
                };
                set!($rd, $conv(bytes));
            }};
        }
        macro_rules! store {
            ($rs1:expr, $rs2:expr, $offset:expr, $n:literal) => {{
                let addr = x!($rs1).wrapping_add($offset as u32);
                let val = x!($rs2).to_le_bytes();
                let mut bytes = [0u8; $n];
                bytes.copy_from_slice(&val[..$n]);
                if O::ENABLED && LEAN {
                    mem.store_lean::<$n, O>(addr, bytes, c, observer)?;
                } else if O::ENABLED {
                    let at = at!();
                    mem.store_traced::<$n, O>(addr, bytes, at, observer)?;
                } else {
                    mem.store_with::<$n, TLBS, CACHES>(addr, bytes)?;
                }
            }};
        }
        macro_rules! amo {
            ($rd:expr, $rs1:expr, $rs2:expr, |$old:ident, $src:ident| $new:expr) => {{
                let addr = x!($rs1);
                let $src = x!($rs2);
                let old = if O::ENABLED {
                    let at = at!();
                    mem.amo_traced(addr, |$old| $new, at, observer)?
                } else {
                    mem.amo(addr, |$old| $new)?
                };
                set!($rd, old);
            }};
        }

        match *insn {
            Insn::Lui { rd, imm } => set!(rd, imm),
            Insn::Auipc { rd, imm } => set!(rd, pc!().wrapping_add(imm)),
            Insn::Jal { rd, offset } => {
                set!(rd, fallthrough!());
                next = Some(pc!().wrapping_add(offset as u32));
            }
            Insn::Jalr { rd, rs1, offset } => {
                let target = x!(rs1).wrapping_add(offset as u32) & !1;
                set!(rd, fallthrough!());
                next = Some(target);
            }
            Insn::Beq { rs1, rs2, offset } => branch!(x!(rs1) == x!(rs2), offset),
            Insn::Bne { rs1, rs2, offset } => branch!(x!(rs1) != x!(rs2), offset),
            Insn::Blt { rs1, rs2, offset } => branch!((x!(rs1) as i32) < (x!(rs2) as i32), offset),
            Insn::Bge { rs1, rs2, offset } => branch!((x!(rs1) as i32) >= (x!(rs2) as i32), offset),
            Insn::Bltu { rs1, rs2, offset } => branch!(x!(rs1) < x!(rs2), offset),
            Insn::Bgeu { rs1, rs2, offset } => branch!(x!(rs1) >= x!(rs2), offset),
            Insn::Lb { rd, rs1, offset } => {
                load!(rd, rs1, offset, 1, |b: [u8; 1]| b[0] as i8 as i32 as u32)
            }
            Insn::Lh { rd, rs1, offset } => {
                load!(rd, rs1, offset, 2, |b| i16::from_le_bytes(b) as i32 as u32)
            }
            Insn::Lw { rd, rs1, offset } => load!(rd, rs1, offset, 4, u32::from_le_bytes),
            Insn::Lbu { rd, rs1, offset } => load!(rd, rs1, offset, 1, |b: [u8; 1]| b[0] as u32),
            Insn::Lhu { rd, rs1, offset } => {
                load!(rd, rs1, offset, 2, |b| u16::from_le_bytes(b) as u32)
            }
            Insn::Sb { rs1, rs2, offset } => store!(rs1, rs2, offset, 1),
            Insn::Sh { rs1, rs2, offset } => store!(rs1, rs2, offset, 2),
            Insn::Sw { rs1, rs2, offset } => store!(rs1, rs2, offset, 4),
            Insn::Addi { rd, rs1, imm } => set!(rd, x!(rs1).wrapping_add(imm as u32)),
            Insn::Slti { rd, rs1, imm } => set!(rd, ((x!(rs1) as i32) < imm) as u32),
            Insn::Sltiu { rd, rs1, imm } => set!(rd, (x!(rs1) < imm as u32) as u32),
            Insn::Xori { rd, rs1, imm } => set!(rd, x!(rs1) ^ imm as u32),
            Insn::Ori { rd, rs1, imm } => set!(rd, x!(rs1) | imm as u32),
            Insn::Andi { rd, rs1, imm } => set!(rd, x!(rs1) & imm as u32),
            Insn::Slli { rd, rs1, shamt } => set!(rd, x!(rs1) << (shamt & 31)),
            Insn::Srli { rd, rs1, shamt } => set!(rd, x!(rs1) >> (shamt & 31)),
            Insn::Srai { rd, rs1, shamt } => set!(rd, ((x!(rs1) as i32) >> (shamt & 31)) as u32),
            Insn::Add { rd, rs1, rs2 } => set!(rd, x!(rs1).wrapping_add(x!(rs2))),
            Insn::Sub { rd, rs1, rs2 } => set!(rd, x!(rs1).wrapping_sub(x!(rs2))),
            Insn::Sll { rd, rs1, rs2 } => set!(rd, x!(rs1) << (x!(rs2) & 31)),
            Insn::Slt { rd, rs1, rs2 } => set!(rd, ((x!(rs1) as i32) < (x!(rs2) as i32)) as u32),
            Insn::Sltu { rd, rs1, rs2 } => set!(rd, (x!(rs1) < x!(rs2)) as u32),
            Insn::Xor { rd, rs1, rs2 } => set!(rd, x!(rs1) ^ x!(rs2)),
            Insn::Srl { rd, rs1, rs2 } => set!(rd, x!(rs1) >> (x!(rs2) & 31)),
            Insn::Sra { rd, rs1, rs2 } => set!(rd, ((x!(rs1) as i32) >> (x!(rs2) & 31)) as u32),
            Insn::Or { rd, rs1, rs2 } => set!(rd, x!(rs1) | x!(rs2)),
            Insn::And { rd, rs1, rs2 } => set!(rd, x!(rs1) & x!(rs2)),
            // A single in-order hart with no caches yet: FENCE orders nothing observable.
            Insn::Fence { .. } => {}
            Insn::FenceI => mem.fence_i(),
            Insn::Ecall => return Err(ecall_exception(self.mode)),
            // Priv §3.1.16 lets mtval be 0 or the pc on an ebreak; 0 is what QEMU writes
            // (guest/bare/misaligned_breakpoint.S asserts it).
            Insn::Ebreak => return Err(Exception::Breakpoint(0)),

            // Unpriv §9.1: csrrs/csrrc with rs1 = x0 and csrrsi/csrrci with uimm = 0 do not
            // write (so are legal on read-only CSRs); a nonzero register holding 0 still does.
            Insn::Csrrw { rd, rs1, csr } => {
                let op = CsrOp::Write(x!(rs1));
                self.csr_insn(csr, op, rd, c.raw, mem)?
            }
            Insn::Csrrs { rd, rs1, csr } => {
                let op = if rs1 == Reg::ZERO {
                    CsrOp::Read
                } else {
                    CsrOp::Set(x!(rs1))
                };
                self.csr_insn(csr, op, rd, c.raw, mem)?
            }
            Insn::Csrrc { rd, rs1, csr } => {
                let op = if rs1 == Reg::ZERO {
                    CsrOp::Read
                } else {
                    CsrOp::Clear(x!(rs1))
                };
                self.csr_insn(csr, op, rd, c.raw, mem)?
            }
            Insn::Csrrwi { rd, uimm, csr } => {
                self.csr_insn(csr, CsrOp::Write(uimm.into()), rd, c.raw, mem)?
            }
            Insn::Csrrsi { rd, uimm, csr } => {
                let op = match uimm {
                    0 => CsrOp::Read,
                    _ => CsrOp::Set(uimm.into()),
                };
                self.csr_insn(csr, op, rd, c.raw, mem)?
            }
            Insn::Csrrci { rd, uimm, csr } => {
                let op = match uimm {
                    0 => CsrOp::Read,
                    _ => CsrOp::Clear(uimm.into()),
                };
                self.csr_insn(csr, op, rd, c.raw, mem)?
            }

            Insn::Mul { rd, rs1, rs2 } => set!(rd, x!(rs1).wrapping_mul(x!(rs2))),
            Insn::Mulh { rd, rs1, rs2 } => {
                set!(
                    rd,
                    ((x!(rs1) as i32 as i64 * x!(rs2) as i32 as i64) >> 32) as u32
                )
            }
            Insn::Mulhsu { rd, rs1, rs2 } => {
                set!(
                    rd,
                    ((x!(rs1) as i32 as i64).wrapping_mul(x!(rs2) as i64) >> 32) as u32
                )
            }
            Insn::Mulhu { rd, rs1, rs2 } => {
                set!(rd, ((x!(rs1) as u64 * x!(rs2) as u64) >> 32) as u32)
            }
            // M spec §13.2: division by zero and overflow do not trap.
            Insn::Div { rd, rs1, rs2 } => {
                let (a, b) = (x!(rs1) as i32, x!(rs2) as i32);
                set!(
                    rd,
                    if b == 0 {
                        u32::MAX
                    } else {
                        a.wrapping_div(b) as u32
                    }
                )
            }
            Insn::Divu { rd, rs1, rs2 } => {
                let (a, b) = (x!(rs1), x!(rs2));
                set!(rd, a.checked_div(b).unwrap_or(u32::MAX))
            }
            Insn::Rem { rd, rs1, rs2 } => {
                let (a, b) = (x!(rs1) as i32, x!(rs2) as i32);
                set!(
                    rd,
                    if b == 0 {
                        a as u32
                    } else {
                        a.wrapping_rem(b) as u32
                    }
                )
            }
            Insn::Remu { rd, rs1, rs2 } => {
                let (a, b) = (x!(rs1), x!(rs2));
                set!(rd, a.checked_rem(b).unwrap_or(a))
            }

            Insn::LrW { rd, rs1, .. } => {
                let addr = x!(rs1);
                if addr & 3 != 0 {
                    return Err(Exception::LoadMisaligned(addr));
                }
                let bytes = if O::ENABLED {
                    let at = at!();
                    mem.load_traced::<4, O>(addr, at, observer)?
                } else {
                    mem.load_with::<4, TLBS, CACHES>(addr)?
                };
                let value = u32::from_le_bytes(bytes);
                set!(rd, value);
                self.reservation = Some(addr);
            }
            Insn::ScW { rd, rs1, rs2, .. } => {
                let addr = x!(rs1);
                mem.check_atomic(addr)?;
                // A-spec §8.2: SC fails (rd = 1) unless the reservation covers this address;
                // the reservation is released either way.
                if self.reservation.take() == Some(addr) {
                    let bytes = x!(rs2).to_le_bytes();
                    if O::ENABLED {
                        let at = at!();
                        mem.store_traced::<4, O>(addr, bytes, at, observer)?;
                    } else {
                        mem.store_with::<4, TLBS, CACHES>(addr, bytes)?;
                    }
                    set!(rd, 0);
                } else {
                    set!(rd, 1);
                }
            }
            Insn::AmoswapW { rd, rs1, rs2, .. } => amo!(rd, rs1, rs2, |_old, src| src),
            Insn::AmoaddW { rd, rs1, rs2, .. } => {
                amo!(rd, rs1, rs2, |old, src| old.wrapping_add(src))
            }
            Insn::AmoxorW { rd, rs1, rs2, .. } => amo!(rd, rs1, rs2, |old, src| old ^ src),
            Insn::AmoandW { rd, rs1, rs2, .. } => amo!(rd, rs1, rs2, |old, src| old & src),
            Insn::AmoorW { rd, rs1, rs2, .. } => amo!(rd, rs1, rs2, |old, src| old | src),
            Insn::AmominW { rd, rs1, rs2, .. } => {
                amo!(rd, rs1, rs2, |old, src| (old as i32).min(src as i32) as u32)
            }
            Insn::AmomaxW { rd, rs1, rs2, .. } => {
                amo!(rd, rs1, rs2, |old, src| (old as i32).max(src as i32) as u32)
            }
            Insn::AmominuW { rd, rs1, rs2, .. } => amo!(rd, rs1, rs2, |old, src| old.min(src)),
            Insn::AmomaxuW { rd, rs1, rs2, .. } => amo!(rd, rs1, rs2, |old, src| old.max(src)),

            // All four end their block (blocks.rs `ends_block`): a mode or translation change
            // is seen by the next fetch.
            Insn::Mret | Insn::Sret | Insn::Wfi | Insn::SfenceVma { .. } => {
                next = Some(self.privileged_insn(*insn, c.raw, fallthrough!(), mem)?)
            }
            Insn::Illegal { .. } => return Err(Exception::IllegalInsn(c.raw)),

            // Fused pairs (hart/fuse.rs): the first instruction, then the second, whose slot is
            // consumed (it always exists: a pair is fused only within its block). A branch's
            // target is relative to the first instruction's pc.
            Insn::AddiAddi {
                rd1,
                rd2,
                imm1,
                imm2,
            } => {
                set!(rd1, x!(rd1).wrapping_add(imm1 as i32 as u32));
                set!(rd2, x!(rd2).wrapping_add(imm2 as i32 as u32));
                rest.next();
            }
            Insn::AddiBne {
                rd,
                b1,
                b2,
                imm,
                target,
            } => {
                set!(rd, x!(rd).wrapping_add(imm as i32 as u32));
                fused_branch!(x!(b1) != x!(b2), target);
            }
            Insn::MulAdd {
                rd1,
                a1,
                a2,
                rd2,
                b1,
                b2,
            } => {
                set!(rd1, x!(a1).wrapping_mul(x!(a2)));
                set!(rd2, x!(b1).wrapping_add(x!(b2)));
                rest.next();
            }
            Insn::SlliSrli {
                rd1,
                rs1,
                sh1,
                rd2,
                rs2,
                sh2,
            } => {
                set!(rd1, x!(rs1) << (sh1 & 31));
                set!(rd2, x!(rs2) >> (sh2 & 31));
                rest.next();
            }
            Insn::SlliAdd {
                rd1,
                rs1,
                sh,
                rd2,
                b1,
                b2,
            } => {
                set!(rd1, x!(rs1) << (sh & 31));
                set!(rd2, x!(b1).wrapping_add(x!(b2)));
                rest.next();
            }
            Insn::SlliSlli {
                rd1,
                rs1,
                sh1,
                rd2,
                rs2,
                sh2,
            } => {
                set!(rd1, x!(rs1) << (sh1 & 31));
                set!(rd2, x!(rs2) << (sh2 & 31));
                rest.next();
            }
            Insn::AddiSlli {
                rd1,
                rs1,
                imm,
                rd2,
                rs2,
                sh,
            } => {
                set!(rd1, x!(rs1).wrapping_add(imm as i32 as u32));
                set!(rd2, x!(rs2) << (sh & 31));
                rest.next();
            }
            Insn::SraiXor {
                rd1,
                rs1,
                sh,
                rd2,
                b1,
                b2,
            } => {
                set!(rd1, ((x!(rs1) as i32) >> (sh & 31)) as u32);
                set!(rd2, x!(b1) ^ x!(b2));
                rest.next();
            }
            Insn::SrliBge {
                rd,
                rs,
                sh,
                b1,
                b2,
                target,
            } => {
                set!(rd, x!(rs) >> (sh & 31));
                fused_branch!((x!(b1) as i32) >= (x!(b2) as i32), target);
            }
            Insn::LuiAddi { rd, imm2, imm } => {
                set!(rd, imm.wrapping_add(imm2 as i32 as u32));
                rest.next();
            }
            Insn::AuipcAddi { rd, imm2, imm } => {
                set!(rd, pc!().wrapping_add(imm).wrapping_add(imm2 as i32 as u32));
                rest.next();
            }
            // The second load runs after its slot was consumed: its fault is its own, with the
            // first retired.
            Insn::LhLh {
                rd1,
                rs1,
                rd2,
                rs2,
                off1,
                off2,
            } => {
                load!(rd1, rs1, off1 as i32, 2, |b| i16::from_le_bytes(b) as i32
                    as u32);
                rest.next();
                load!(rd2, rs2, off2 as i32, 2, |b| i16::from_le_bytes(b) as i32
                    as u32);
            }
            Insn::LwLw {
                rd1,
                rs1,
                rd2,
                rs2,
                off1,
                off2,
            } => {
                load!(rd1, rs1, off1 as i32, 4, u32::from_le_bytes);
                rest.next();
                load!(rd2, rs2, off2 as i32, 4, u32::from_le_bytes);
            }
            Insn::LwBeq {
                rd,
                rs1,
                b2,
                off,
                target,
            } => {
                load!(rd, rs1, off as i32, 4, u32::from_le_bytes);
                fused_branch!(x!(rd) == x!(b2), target);
            }
            Insn::LwBne {
                rd,
                rs1,
                b2,
                off,
                target,
            } => {
                load!(rd, rs1, off as i32, 4, u32::from_le_bytes);
                fused_branch!(x!(rd) != x!(b2), target);
            }
            Insn::LhBeq {
                rd,
                rs1,
                b2,
                off,
                target,
            } => {
                load!(rd, rs1, off as i32, 2, |b| i16::from_le_bytes(b) as i32
                    as u32);
                fused_branch!(x!(rd) == x!(b2), target);
            }
            Insn::LhBne {
                rd,
                rs1,
                b2,
                off,
                target,
            } => {
                load!(rd, rs1, off as i32, 2, |b| i16::from_le_bytes(b) as i32
                    as u32);
                fused_branch!(x!(rd) != x!(b2), target);
            }
        }
        Ok(next)
    }
}

impl Hart {
    /// A Zicsr instruction: `rd` ← the old value, the CSR updated per `op` (priv spec §2.1
    /// access rules in [`super::privileged::Csrs::access`]).
    #[inline(never)]
    fn csr_insn(
        &mut self,
        csr: u16,
        op: CsrOp,
        rd: Reg,
        raw: u32,
        mem: &mut Memory,
    ) -> Result<(), Exception> {
        let counters = self.counters(mem);
        let old = self
            .csrs
            .access(csr, op, self.mode, counters)
            .ok_or(Exception::IllegalInsn(raw))?;
        // satp, or MPRV/MPP/SUM/MXR in mstatus, may have changed how addresses translate.
        if op.writes() && matches!(csr, csr::SATP | csr::MSTATUS | csr::SSTATUS) {
            mem.set_context(self.csrs.mmu_context(self.mode));
        }
        // Priv §3.1.9: after an explicit write to a CSR the interrupt conditions depend on,
        // they are evaluated at once. Such a write ends its block (blocks.rs `ends_block`);
        // the machine takes the interrupt there.
        if op.writes() && csr::affects_interrupts(csr) && self.interrupt_takeable() {
            mem.request_stop();
        }
        self.regs[rd.idx()] = old;
        self.regs[0] = 0;
        Ok(())
    }

    /// `mret`, `sret`, `wfi` and `sfence.vma` (priv spec §3.3); returns the next pc.
    #[inline(never)]
    fn privileged_insn(
        &mut self,
        insn: Insn,
        raw: u32,
        next: u32,
        mem: &mut Memory,
    ) -> Result<u32, Exception> {
        let illegal = Exception::IllegalInsn(raw);
        match insn {
            Insn::Mret | Insn::Sret => {
                let ret = match insn {
                    Insn::Mret => self.csrs.mret(self.mode),
                    _ => self.csrs.sret(self.mode),
                };
                let (pc, mode) = ret.ok_or(illegal)?;
                self.switch_mode(mode, mem);
                // Priv §3.1.9: interrupt conditions are evaluated right after an xRET.
                if self.interrupt_takeable() {
                    mem.request_stop();
                }
                Ok(pc)
            }
            // Priv §3.3.3: returning at once is a legal implementation of the wait.
            Insn::Wfi if self.csrs.wfi_allowed(self.mode) => Ok(next),
            Insn::SfenceVma { rs1, rs2 } if self.csrs.sfence_vma_allowed(self.mode) => {
                let vaddr = (rs1 != Reg::ZERO).then(|| self.reg(rs1));
                let asid = (rs2 != Reg::ZERO).then(|| (self.reg(rs2) & ASID_MASK) as u16);
                mem.sfence_vma(vaddr, asid);
                Ok(next)
            }
            _ => Err(illegal),
        }
    }
}

#[cfg(test)]
mod tests {
    //! The privileged instructions through their real encodings.

    use super::*;
    use crate::hart::csr::*;
    use crate::hart::privileged::{irq, mstatus, INTERRUPT};
    use crate::isa::encode;
    use crate::mem::phys::PhysMem;
    use crate::mmu::context::MmuContext;
    use crate::mmu::sv32::{Privilege, Satp, SatpMode};
    use crate::trace::NoObserver;

    const A0: Reg = Reg(10);
    const A1: Reg = Reg(11);
    const PC: u32 = 0x8000_0000;

    fn rig(mode: PrivMode) -> (Hart, Memory) {
        let mut hart = Hart::new_machine(PC, 1_000_000_000);
        hart.mode = mode;
        (hart, Memory::new(PhysMem::new(1 << 20)))
    }

    /// Executes `insn` at `hart.pc`; on success moves the pc on and counts it retired.
    fn step(hart: &mut Hart, mem: &mut Memory, insn: Insn) -> Result<(), Exception> {
        let c = CachedInsn::from_raw(encode(&insn));
        assert_eq!(c.insn, insn);
        let next = hart.execute::<_, false, false>(&c, hart.pc, mem, &mut NoObserver, 0)?;
        hart.pc = next.unwrap_or(hart.pc.wrapping_add(4));
        hart.instret += 1;
        Ok(())
    }

    fn csrw(hart: &mut Hart, mem: &mut Memory, csr: u16, value: u32) {
        hart.regs[A1.idx()] = value;
        let insn = Insn::Csrrw {
            rd: Reg::ZERO,
            rs1: A1,
            csr,
        };
        step(hart, mem, insn).unwrap();
    }

    fn csrr(hart: &mut Hart, mem: &mut Memory, csr: u16) -> Result<u32, Exception> {
        let insn = Insn::Csrrs {
            rd: A0,
            rs1: Reg::ZERO,
            csr,
        };
        step(hart, mem, insn).map(|()| hart.regs[A0.idx()])
    }

    #[test]
    fn all_six_csr_forms() {
        let (mut hart, mut mem) = rig(PrivMode::Machine);
        csrw(&mut hart, &mut mem, MSCRATCH, 0xF0);
        let forms = [
            (
                Insn::Csrrwi {
                    rd: A0,
                    uimm: 5,
                    csr: MSCRATCH,
                },
                0xF0,
                5,
            ),
            (
                Insn::Csrrsi {
                    rd: A0,
                    uimm: 0x1A,
                    csr: MSCRATCH,
                },
                5,
                0x1F,
            ),
            (
                Insn::Csrrci {
                    rd: A0,
                    uimm: 3,
                    csr: MSCRATCH,
                },
                0x1F,
                0x1C,
            ),
            (
                Insn::Csrrs {
                    rd: A0,
                    rs1: A1,
                    csr: MSCRATCH,
                },
                0x1C,
                0x1C | 0x300,
            ),
            (
                Insn::Csrrc {
                    rd: A0,
                    rs1: A1,
                    csr: MSCRATCH,
                },
                0x31C,
                0x1C,
            ),
            (
                Insn::Csrrw {
                    rd: A0,
                    rs1: A1,
                    csr: MSCRATCH,
                },
                0x1C,
                0x300,
            ),
        ];
        hart.regs[A1.idx()] = 0x300;
        for (insn, old, new) in forms {
            step(&mut hart, &mut mem, insn).unwrap();
            assert_eq!(hart.regs[A0.idx()], old, "{insn:?} reads the old value");
            assert_eq!(csrr(&mut hart, &mut mem, MSCRATCH), Ok(new), "{insn:?}");
        }
    }

    #[test]
    fn read_only_csrs_allow_reads_that_do_not_write() {
        let (mut hart, mut mem) = rig(PrivMode::Machine);
        hart.regs[A1.idx()] = 0; // a register holding 0 still means "write"
        let cases = [
            (
                Insn::Csrrs {
                    rd: A0,
                    rs1: Reg::ZERO,
                    csr: MHARTID,
                },
                true,
            ),
            (
                Insn::Csrrs {
                    rd: A0,
                    rs1: A1,
                    csr: MHARTID,
                },
                false,
            ),
            (
                Insn::Csrrc {
                    rd: A0,
                    rs1: A1,
                    csr: CYCLE,
                },
                false,
            ),
            (
                Insn::Csrrsi {
                    rd: A0,
                    uimm: 0,
                    csr: CYCLE,
                },
                true,
            ),
            (
                Insn::Csrrci {
                    rd: A0,
                    uimm: 1,
                    csr: CYCLE,
                },
                false,
            ),
            (
                Insn::Csrrwi {
                    rd: Reg::ZERO,
                    uimm: 0,
                    csr: TIME,
                },
                false,
            ),
        ];
        for (insn, legal) in cases {
            let result = step(&mut hart, &mut mem, insn);
            let expected = if legal {
                Ok(())
            } else {
                Err(Exception::IllegalInsn(encode(&insn)))
            };
            assert_eq!(result, expected, "{insn:?}");
        }
    }

    #[test]
    fn u_mode_keeps_the_process_behaviour() {
        let (mut hart, mut mem) = rig(PrivMode::User);
        hart.instret = 41;
        assert_eq!(csrr(&mut hart, &mut mem, INSTRET), Ok(41));
        assert_eq!(csrr(&mut hart, &mut mem, CYCLE), Ok(42));
        for insn in [
            Insn::Csrrs {
                rd: A0,
                rs1: Reg::ZERO,
                csr: MSTATUS,
            },
            Insn::Csrrs {
                rd: A0,
                rs1: Reg::ZERO,
                csr: SSTATUS,
            },
            Insn::Csrrwi {
                rd: A0,
                uimm: 1,
                csr: CYCLE,
            },
            Insn::Mret,
            Insn::Sret,
            Insn::Wfi,
            Insn::SfenceVma {
                rs1: Reg::ZERO,
                rs2: Reg::ZERO,
            },
        ] {
            let illegal = Err(Exception::IllegalInsn(encode(&insn)));
            assert_eq!(step(&mut hart, &mut mem, insn), illegal, "{insn:?}");
        }
        assert_eq!(
            step(&mut hart, &mut mem, Insn::Ecall),
            Err(Exception::EcallFromU)
        );
    }

    #[test]
    fn ecall_names_the_current_mode() {
        for (mode, exc) in [
            (PrivMode::User, Exception::EcallFromU),
            (PrivMode::Supervisor, Exception::EcallFromS),
            (PrivMode::Machine, Exception::EcallFromM),
        ] {
            let (mut hart, mut mem) = rig(mode);
            assert_eq!(step(&mut hart, &mut mem, Insn::Ecall), Err(exc));
        }
    }

    #[test]
    fn firmware_enters_u_mode_and_a_delegated_ecall_reaches_s_mode() {
        let (mut hart, mut mem) = rig(PrivMode::Machine);
        let satp = Satp::new(SatpMode::Sv32, 1, 0x80100);
        csrw(&mut hart, &mut mem, SATP, satp.0);
        assert_eq!(
            mem.context(),
            MmuContext {
                satp,
                fetch: None,
                data: None
            }
        );
        csrw(&mut hart, &mut mem, STVEC, 0x8000_4000);
        csrw(&mut hart, &mut mem, MEDELEG, 1 << 8);
        csrw(&mut hart, &mut mem, MEPC, 0x1_0000);
        // MPP ← U, then mret.
        csrw(&mut hart, &mut mem, MSTATUS, 0);
        step(&mut hart, &mut mem, Insn::Mret).unwrap();
        assert_eq!((hart.pc, hart.mode), (0x1_0000, PrivMode::User));
        assert_eq!(mem.context(), MmuContext::user(satp));

        // The user program's ecall: the bare-metal runner hands it to take_trap.
        let exc = step(&mut hart, &mut mem, Insn::Ecall).unwrap_err();
        hart.take_trap(exc, &mut mem);
        assert_eq!((hart.pc, hart.mode), (0x8000_4000, PrivMode::Supervisor));
        assert_eq!(csrr(&mut hart, &mut mem, SCAUSE), Ok(8));
        assert_eq!(csrr(&mut hart, &mut mem, SEPC), Ok(0x1_0000));
        assert_eq!(
            mem.context().fetch.map(|c| c.privilege),
            Some(Privilege::Supervisor)
        );

        // The handler skips the ecall and returns.
        csrw(&mut hart, &mut mem, SEPC, 0x1_0004);
        step(&mut hart, &mut mem, Insn::Sret).unwrap();
        assert_eq!((hart.pc, hart.mode), (0x1_0004, PrivMode::User));
        assert_eq!(mem.context(), MmuContext::user(satp));
    }

    #[test]
    fn sret_tsr_wfi_tw_and_sfence_tvm_in_s_mode() {
        let (mut hart, mut mem) = rig(PrivMode::Machine);
        csrw(
            &mut hart,
            &mut mem,
            MSTATUS,
            mstatus::TSR | mstatus::TW | mstatus::TVM,
        );
        hart.mode = PrivMode::Supervisor;
        let sfence = Insn::SfenceVma { rs1: A0, rs2: A1 };
        for insn in [Insn::Sret, Insn::Wfi, sfence] {
            let illegal = Err(Exception::IllegalInsn(encode(&insn)));
            assert_eq!(step(&mut hart, &mut mem, insn), illegal, "{insn:?}");
        }
        assert_eq!(
            csrr(&mut hart, &mut mem, SATP),
            Err(Exception::IllegalInsn(encode(&Insn::Csrrs {
                rd: A0,
                rs1: Reg::ZERO,
                csr: SATP
            })))
        );
        hart.mode = PrivMode::Machine;
        let pc = hart.pc;
        step(&mut hart, &mut mem, Insn::Wfi).unwrap();
        step(&mut hart, &mut mem, sfence).unwrap();
        assert_eq!(hart.pc, pc + 8, "wfi and sfence.vma fall through");
    }

    #[test]
    fn software_interrupt_set_in_m_is_taken_in_s() {
        let (mut hart, mut mem) = rig(PrivMode::Machine);
        csrw(&mut hart, &mut mem, MIDELEG, 1 << irq::SSI);
        csrw(&mut hart, &mut mem, MIE, 1 << irq::SSI);
        csrw(&mut hart, &mut mem, STVEC, 0x8000_8001);
        step(
            &mut hart,
            &mut mem,
            Insn::Csrrsi {
                rd: Reg::ZERO,
                uimm: 1 << irq::SSI,
                csr: MIP,
            },
        )
        .unwrap();
        assert!(
            !hart.take_interrupt(&mut mem),
            "delegated interrupts wait while in M"
        );
        hart.mode = PrivMode::User;
        hart.reservation = Some(0x100);
        let pc = hart.pc;
        assert!(hart.take_interrupt(&mut mem));
        assert_eq!(
            (hart.pc, hart.mode),
            (0x8000_8000 + 4 * irq::SSI, PrivMode::Supervisor)
        );
        assert_eq!(hart.reservation, None);
        assert_eq!(csrr(&mut hart, &mut mem, SCAUSE), Ok(INTERRUPT | irq::SSI));
        assert_eq!(csrr(&mut hart, &mut mem, SEPC), Ok(pc));
    }

    #[test]
    fn minstret_write_is_seen_by_the_next_instruction() {
        let (mut hart, mut mem) = rig(PrivMode::Machine);
        hart.instret = 1000;
        csrw(&mut hart, &mut mem, MINSTRET, 7);
        assert_eq!(csrr(&mut hart, &mut mem, MINSTRET), Ok(7));
        assert_eq!(csrr(&mut hart, &mut mem, INSTRET), Ok(8));
        assert_eq!(hart.instret, 1003, "the hart's own count is untouched");
    }
}
