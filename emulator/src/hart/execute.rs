//! The executor: one `match` arm per instruction (unprivileged spec chapters 2, 7, 8, 9, 10).
//!
//! On success the instruction's effects are committed and `pc` advanced; on an exception
//! nothing has changed (loads write `rd` only after the access succeeded, atomics check their
//! address before touching memory), so the kernel can resolve a page fault and simply retry.

use super::csr;
use super::trap::Exception;
use super::Hart;
use crate::isa::Insn;
use crate::mem::access::Memory;

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
                let $src = x!($rs2);
                let old = mem.amo(addr, |$old| $new)?;
                set!($rd, old);
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
            Insn::Ecall => return Err(Exception::EcallFromU),
            Insn::Ebreak => return Err(Exception::Breakpoint(pc)),

            Insn::Csrrw { rd, rs1, csr } => {
                // Every U-mode CSR is a read-only counter: any write is illegal (priv §2.1).
                let _ = (rd, rs1, csr);
                return Err(Exception::IllegalInsn(raw));
            }
            Insn::Csrrs { rd, rs1, csr } | Insn::Csrrc { rd, rs1, csr } => {
                if rs1.0 != 0 && csr::is_read_only(csr) {
                    return Err(Exception::IllegalInsn(raw));
                }
                let value = self.read_csr(csr).ok_or(Exception::IllegalInsn(raw))?;
                self.regs[rd.idx()] = value;
            }
            Insn::Csrrwi { .. } => return Err(Exception::IllegalInsn(raw)),
            Insn::Csrrsi { rd, uimm, csr } | Insn::Csrrci { rd, uimm, csr } => {
                if uimm != 0 && csr::is_read_only(csr) {
                    return Err(Exception::IllegalInsn(raw));
                }
                let value = self.read_csr(csr).ok_or(Exception::IllegalInsn(raw))?;
                self.regs[rd.idx()] = value;
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

            // Privileged instructions are illegal in U-mode (priv spec §3.3); WFI too, since
            // S-mode exists (§3.3.3).
            Insn::Mret | Insn::Sret | Insn::Wfi | Insn::SfenceVma { .. } | Insn::Illegal { .. } => {
                return Err(Exception::IllegalInsn(raw))
            }
        }
        self.regs[0] = 0;
        Ok(next)
    }
}
