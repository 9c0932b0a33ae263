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
use crate::mem::access::Memory;

/// Priv spec §4.1.11: Sv32 ASIDs have 9 bits; `sfence.vma` ignores the rest of rs2.
const ASID_MASK: u32 = (1 << 9) - 1;

impl Hart {
    /// Executes `insn` (encoded in `len` bytes, raw bits `raw`) located at `pc`, returning the
    /// next pc. `self.pc` is not read or written: the interpreter loop keeps the pc in a local.
    #[inline(always)]
    pub fn execute(
        &mut self,
        insn: Insn,
        raw: u32,
        len: u8,
        pc: u32,
        mem: &mut Memory,
    ) -> Result<u32, Exception> {
        let mut next = pc.wrapping_add(len as u32);
        let r = &mut self.regs;
        macro_rules! x {
            ($reg:expr) => {
                r[$reg.idx()]
            };
        }
        macro_rules! set {
            ($reg:expr, $val:expr) => {{
                let v = $val;
                r[$reg.idx()] = v;
            }};
        }
        macro_rules! branch {
            ($cond:expr, $offset:expr) => {
                if $cond {
                    next = pc.wrapping_add($offset as u32);
                }
            };
        }
        macro_rules! load {
            ($rd:expr, $rs1:expr, $offset:expr, $n:literal, $conv:expr) => {{
                let addr = x!($rs1).wrapping_add($offset as u32);
                let bytes = mem.load::<$n>(addr)?;
                set!($rd, $conv(bytes));
            }};
        }
        macro_rules! store {
            ($rs1:expr, $rs2:expr, $offset:expr, $n:literal) => {{
                let addr = x!($rs1).wrapping_add($offset as u32);
                let val = x!($rs2).to_le_bytes();
                let mut bytes = [0u8; $n];
                bytes.copy_from_slice(&val[..$n]);
                mem.store::<$n>(addr, bytes)?;
            }};
        }
        macro_rules! amo {
            ($rd:expr, $rs1:expr, $rs2:expr, |$old:ident, $src:ident| $new:expr) => {{
                let addr = x!($rs1);
                mem.check_atomic(addr)?;
                let $old = u32::from_le_bytes(mem.load::<4>(addr)?);
                let $src = x!($rs2);
                mem.store::<4>(addr, ($new).to_le_bytes())?;
                set!($rd, $old);
            }};
        }

        match insn {
            Insn::Lui { rd, imm } => set!(rd, imm),
            Insn::Auipc { rd, imm } => set!(rd, pc.wrapping_add(imm)),
            Insn::Jal { rd, offset } => {
                set!(rd, next);
                next = pc.wrapping_add(offset as u32);
            }
            Insn::Jalr { rd, rs1, offset } => {
                let target = x!(rs1).wrapping_add(offset as u32) & !1;
                set!(rd, next);
                next = target;
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
            Insn::Ecall => {
                return Err(match self.mode {
                    PrivMode::User => Exception::EcallFromU,
                    PrivMode::Supervisor => Exception::EcallFromS,
                    PrivMode::Machine => Exception::EcallFromM,
                })
            }
            Insn::Ebreak => return Err(Exception::Breakpoint(pc)),

            // Unpriv §9.1: csrrs/csrrc with rs1 = x0 and csrrsi/csrrci with uimm = 0 do not
            // write (so are legal on read-only CSRs); a nonzero register holding 0 still does.
            Insn::Csrrw { rd, rs1, csr } => {
                let op = CsrOp::Write(x!(rs1));
                self.csr_insn(csr, op, rd, raw, mem)?
            }
            Insn::Csrrs { rd, rs1, csr } => {
                let op = if rs1 == Reg::ZERO {
                    CsrOp::Read
                } else {
                    CsrOp::Set(x!(rs1))
                };
                self.csr_insn(csr, op, rd, raw, mem)?
            }
            Insn::Csrrc { rd, rs1, csr } => {
                let op = if rs1 == Reg::ZERO {
                    CsrOp::Read
                } else {
                    CsrOp::Clear(x!(rs1))
                };
                self.csr_insn(csr, op, rd, raw, mem)?
            }
            Insn::Csrrwi { rd, uimm, csr } => {
                self.csr_insn(csr, CsrOp::Write(uimm.into()), rd, raw, mem)?
            }
            Insn::Csrrsi { rd, uimm, csr } => {
                let op = match uimm {
                    0 => CsrOp::Read,
                    _ => CsrOp::Set(uimm.into()),
                };
                self.csr_insn(csr, op, rd, raw, mem)?
            }
            Insn::Csrrci { rd, uimm, csr } => {
                let op = match uimm {
                    0 => CsrOp::Read,
                    _ => CsrOp::Clear(uimm.into()),
                };
                self.csr_insn(csr, op, rd, raw, mem)?
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
                let value = u32::from_le_bytes(mem.load::<4>(addr)?);
                set!(rd, value);
                self.reservation = Some(addr);
            }
            Insn::ScW { rd, rs1, rs2, .. } => {
                let addr = x!(rs1);
                mem.check_atomic(addr)?;
                // A-spec §8.2: SC fails (rd = 1) unless the reservation covers this address;
                // the reservation is released either way.
                if self.reservation.take() == Some(addr) {
                    mem.store::<4>(addr, x!(rs2).to_le_bytes())?;
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
                next = self.privileged_insn(insn, raw, next, mem)?
            }
            Insn::Illegal { .. } => return Err(Exception::IllegalInsn(raw)),
        }
        self.regs[0] = 0;
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
        let counters = self.counters();
        let old = self
            .csrs
            .access(csr, op, self.mode, counters)
            .ok_or(Exception::IllegalInsn(raw))?;
        // satp, or MPRV/MPP/SUM/MXR in mstatus, may have changed how addresses translate.
        if op.writes() && matches!(csr, csr::SATP | csr::MSTATUS | csr::SSTATUS) {
            mem.set_context(self.csrs.mmu_context(self.mode));
        }
        self.regs[rd.idx()] = old;
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
