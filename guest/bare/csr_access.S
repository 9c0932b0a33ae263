// csr_access.S — CSR access rules (priv §2.1, §2.4; Zicsr, unpriv ch. 9).
//
//   1-2  misa (§3.1.1): MXL = 1 (RV32), I M A C S U present; writing back
//        the value read (WARL) changes nothing and does not trap.
//   3-5  mscratch and mstatus are read/write in M-mode: values read back,
//        csrrw/csrrs/csrrc return the old value.
//   6    mhartid reads (0 on a one-hart machine) without trapping.
//   7-9  writing a read-only CSR (address bits 11:10 = 11, §2.1) is an
//        illegal instruction even in M-mode: cause 2, mtval = the instruction
//        bits, mepc = its address; csrrs with rs1 != x0 counts as a write.
//   10-11 S-mode access to an M-mode CSR (bits 9:8 = 11) is illegal; S-mode
//        may read sstatus.
//   12-14 U-mode access to S-mode CSRs and M-mode CSRs is illegal.
//
// rvscope-exit: 0
#include "test.h"

#define MISA_WANT ((1 << MISA_MXL_SHIFT) | MISA_EXT('I') | MISA_EXT('M') | \
                   MISA_EXT('A') | MISA_EXT('C') | MISA_EXT('S') | MISA_EXT('U'))
#define MISA_MASK (0xc0000000 | MISA_WANT)
/* mstatus fields every S+U hart has as read/write (§3.1.6); MPP = S. */
#define RW_FIELDS (MSTATUS_SUM | MSTATUS_MXR | MSTATUS_TSR | MSTATUS_TW | \
                   MSTATUS_TVM | MSTATUS_MPIE | (PRV_S << MSTATUS_MPP_SHIFT))

TEST_BEGIN
    TEST_CASE(1)
    csrr a2, misa
    ASSERT_BITS a2, MISA_MASK, MISA_WANT

    TEST_CASE(2)
    TRAP_RESET
    csrw misa, a2
    csrr a3, misa
    ASSERT_EQ_REG a3, a2
    EXPECT_NO_TRAP

    TEST_CASE(3)                    /* mscratch: the M handler's save area */
    csrr s0, mscratch
    li a2, 0x12345678
    csrrw a3, mscratch, a2
    ASSERT_EQ_REG a3, s0
    csrr a3, mscratch
    ASSERT_EQ a3, 0x12345678
    li a2, 0x80000001
    csrrs a3, mscratch, a2
    ASSERT_EQ a3, 0x12345678
    csrrc a3, mscratch, 0x10        /* csrrci: 5-bit immediate */
    ASSERT_EQ a3, 0x92345679
    csrr a3, mscratch
    ASSERT_EQ a3, 0x92345669
    csrw mscratch, s0

    TEST_CASE(4)                    /* mstatus fields read back as written */
    li a2, RW_FIELDS
    csrs mstatus, a2
    csrr a3, mstatus
    ASSERT_BITS a3, RW_FIELDS, RW_FIELDS

    TEST_CASE(5)
    csrrc a3, mstatus, a2
    ASSERT_BITS a3, RW_FIELDS, RW_FIELDS
    csrr a3, mstatus
    ASSERT_BITS a3, RW_FIELDS, 0

    TEST_CASE(6)
    TRAP_RESET
    csrr a2, mhartid
    ASSERT_EQ a2, 0
    EXPECT_NO_TRAP

    TEST_CASE(7)
    TRAP_RESET
w_mhartid:
    csrw mhartid, zero
    EXPECT_M_ILLEGAL w_mhartid

    TEST_CASE(8)
w_mvendorid:
    csrwi mvendorid, 1
    EXPECT_M_ILLEGAL w_mvendorid

    TEST_CASE(9)
    li a2, 1
s_marchid:
    csrrs a3, marchid, a2
    EXPECT_M_ILLEGAL s_marchid

    TEST_CASE(10)                   /* S reads mstatus */
    M_RESUME 1f, PRV_M
    GOTO_MODE PRV_S, s_r_mstatus
s_r_mstatus:
    csrr a2, mstatus
    FAIL
1:  EXPECT_M_ILLEGAL s_r_mstatus

    TEST_CASE(11)                   /* S writes mscratch; S reads sstatus */
    M_RESUME 1f, PRV_M
    GOTO_MODE PRV_S, s_w_mscratch
s_w_mscratch:
    csrw mscratch, zero
    FAIL
1:  EXPECT_M_ILLEGAL s_w_mscratch
    M_RESUME 1f, PRV_M
    GOTO_MODE PRV_S, s_r_sstatus
s_r_sstatus:
    csrr a2, sstatus
s_r_sstatus_ecall:
    ecall
    FAIL
1:  EXPECT_M_TRAP CAUSE_SUPERVISOR_ECALL, 0, s_r_sstatus_ecall

    TEST_CASE(12)                   /* U reads sstatus */
    M_RESUME 1f, PRV_M
    GOTO_MODE PRV_U, u_r_sstatus
u_r_sstatus:
    csrr a2, sstatus
    FAIL
1:  EXPECT_M_ILLEGAL u_r_sstatus

    TEST_CASE(13)                   /* U writes sscratch */
    M_RESUME 1f, PRV_M
    GOTO_MODE PRV_U, u_w_sscratch
u_w_sscratch:
    csrw sscratch, zero
    FAIL
1:  EXPECT_M_ILLEGAL u_w_sscratch

    TEST_CASE(14)                   /* U reads satp and mstatus */
    M_RESUME 1f, PRV_M
    GOTO_MODE PRV_U, u_r_satp
u_r_satp:
    csrr a2, satp
    FAIL
1:  EXPECT_M_ILLEGAL u_r_satp
    M_RESUME 1f, PRV_M
    GOTO_MODE PRV_U, u_r_mstatus
u_r_mstatus:
    csrr a2, mstatus
    FAIL
1:  EXPECT_M_ILLEGAL u_r_mstatus

    PASS
