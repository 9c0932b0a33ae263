// mret_sret.S — trap return instructions and the mstatus trap-virtualization
// bits (priv §3.3.2 mret/sret, §3.1.6.1 stack, §3.1.6.5 TW/TSR, §3.3.3 wfi).
//
//   1-2  mret with MPP = M: MIE = old MPIE, then MPIE = 1, MPP = U (the
//        least-privileged mode).
//   3-4  mret with MPP = S lands in S (ecall there is cause 9, recorded MPP =
//        S) with MIE = old MPIE.  Not asserted: priv 1.12 §3.1.6.3 says an
//        mret/sret to a mode below M also clears MPRV, but QEMU 7.2 leaves
//        MPRV set (checked: mstatus read 0x00020880 after mret to S).
//   5    mret with MPP = U lands in U (ecall: cause 8, MPP = U).
//   6-7  sret from S with SPP = U lands in U: SIE = old SPIE, SPIE = 1,
//        SPP = U; sret with SPP = S stays in S.
//   8    sret in U-mode is illegal (cause 2, mtval = instruction bits).
//   9    sret in S-mode with mstatus.TSR = 1 is illegal.
//   10   mret in S-mode and in U-mode is illegal.
//   11   wfi in U-mode is illegal (TW = 0).
//   12   wfi in S-mode with TW = 1 is illegal.
// (The spec lets wfi complete instead of trapping if it finishes within a
// bounded time; with no interrupt enabled, QEMU and rvscope trap at once.)
//
// rvscope-exit: 0
#include "test.h"

#define STACK_BITS (MSTATUS_MPP | MSTATUS_MPIE | MSTATUS_MIE)
#define SSTACK_BITS (MSTATUS_SPP | MSTATUS_SPIE | MSTATUS_SIE)

TEST_BEGIN
    TEST_CASE(1)                    /* mret to M, MPIE = 0 */
    TRAP_RESET
    li a2, MSTATUS_MPIE | MSTATUS_MIE
    csrc mstatus, a2
    GOTO_MODE PRV_M, 1f
    FAIL
1:  csrr a3, mstatus
    ASSERT_BITS a3, STACK_BITS, (PRV_U << MSTATUS_MPP_SHIFT) | MSTATUS_MPIE

    TEST_CASE(2)                    /* mret to M, MPIE = 1 */
    li a2, MSTATUS_MPIE
    csrs mstatus, a2
    csrci mstatus, MSTATUS_MIE
    GOTO_MODE PRV_M, 1f
    FAIL
1:  csrr a3, mstatus
    ASSERT_BITS a3, STACK_BITS, (PRV_U << MSTATUS_MPP_SHIFT) | MSTATUS_MPIE | MSTATUS_MIE
    csrci mstatus, MSTATUS_MIE
    EXPECT_NO_TRAP

    TEST_CASE(3)                    /* mret to S, MPIE = 1 */
    M_RESUME 1f, PRV_M
    li a2, MSTATUS_MPIE
    csrs mstatus, a2
    GOTO_MODE PRV_S, s_ecall_3
s_ecall_3:
    ecall
    FAIL
1:  ASSERT_TI_BITS TI_MSTATUS, STACK_BITS, (PRV_S << MSTATUS_MPP_SHIFT) | MSTATUS_MPIE
    EXPECT_M_TRAP CAUSE_SUPERVISOR_ECALL, 0, s_ecall_3
    csrci mstatus, MSTATUS_MIE      /* the handler's mret set it from MPIE */

    TEST_CASE(4)                    /* mret to S, MPIE = 0 */
    li a2, MSTATUS_MPIE
    csrc mstatus, a2
    M_RESUME 1f, PRV_M
    GOTO_MODE PRV_S, s_ecall_4
s_ecall_4:
    ecall
    FAIL
1:  ASSERT_TI_BITS TI_MSTATUS, STACK_BITS, PRV_S << MSTATUS_MPP_SHIFT
    EXPECT_M_TRAP CAUSE_SUPERVISOR_ECALL, 0, s_ecall_4

    TEST_CASE(5)                    /* mret to U */
    M_RESUME 1f, PRV_M
    GOTO_MODE PRV_U, u_ecall_5
u_ecall_5:
    ecall
    FAIL
1:  ASSERT_TI_BITS TI_MSTATUS, MSTATUS_MPP, PRV_U << MSTATUS_MPP_SHIFT
    EXPECT_M_TRAP CAUSE_USER_ECALL, 0, u_ecall_5

    TEST_CASE(6)                    /* sret S -> U, SPIE = 1 */
    M_RESUME 1f, PRV_M
    GOTO_MODE PRV_S, s_to_u
s_to_u:
    la t0, u_ecall_6
    csrw sepc, t0
    li t0, MSTATUS_SPP | MSTATUS_SIE
    csrc sstatus, t0
    li t0, MSTATUS_SPIE
    csrs sstatus, t0
    sret
    FAIL
u_ecall_6:
    ecall
    FAIL
1:  ASSERT_TI_BITS TI_MSTATUS, SSTACK_BITS | MSTATUS_MPP, (PRV_U << MSTATUS_MPP_SHIFT) | MSTATUS_SPIE | MSTATUS_SIE
    EXPECT_M_TRAP CAUSE_USER_ECALL, 0, u_ecall_6
    csrci mstatus, MSTATUS_SIE

    TEST_CASE(7)                    /* sret S -> S, SPIE = 0 */
    M_RESUME 1f, PRV_M
    GOTO_MODE PRV_S, s_to_s
s_to_s:
    la t0, s_ecall_7
    csrw sepc, t0
    li t0, MSTATUS_SPIE | MSTATUS_SIE
    csrc sstatus, t0
    li t0, MSTATUS_SPP
    csrs sstatus, t0
    sret
    FAIL
s_ecall_7:
    ecall
    FAIL
1:  ASSERT_TI_BITS TI_MSTATUS, SSTACK_BITS | MSTATUS_MPP, (PRV_S << MSTATUS_MPP_SHIFT) | MSTATUS_SPIE
    EXPECT_M_TRAP CAUSE_SUPERVISOR_ECALL, 0, s_ecall_7

    TEST_CASE(8)                    /* sret in U */
    M_RESUME 1f, PRV_M
    GOTO_MODE PRV_U, u_sret
u_sret:
    sret
    FAIL
1:  EXPECT_M_ILLEGAL u_sret

    TEST_CASE(9)                    /* sret in S with TSR */
    li a2, MSTATUS_TSR
    csrs mstatus, a2
    M_RESUME 1f, PRV_M
    GOTO_MODE PRV_S, s_sret_tsr
s_sret_tsr:
    sret
    FAIL
1:  EXPECT_M_ILLEGAL s_sret_tsr
    li a2, MSTATUS_TSR
    csrc mstatus, a2

    TEST_CASE(10)                   /* mret in S, mret in U */
    M_RESUME 1f, PRV_M
    GOTO_MODE PRV_S, s_mret
s_mret:
    mret
    FAIL
1:  EXPECT_M_ILLEGAL s_mret
    M_RESUME 1f, PRV_M
    GOTO_MODE PRV_U, u_mret
u_mret:
    mret
    FAIL
1:  EXPECT_M_ILLEGAL u_mret

    TEST_CASE(11)                   /* wfi in U */
    M_RESUME 1f, PRV_M
    GOTO_MODE PRV_U, u_wfi
u_wfi:
    wfi
    FAIL
1:  EXPECT_M_ILLEGAL u_wfi

    TEST_CASE(12)                   /* wfi in S with TW */
    li a2, MSTATUS_TW
    csrs mstatus, a2
    M_RESUME 1f, PRV_M
    GOTO_MODE PRV_S, s_wfi_tw
s_wfi_tw:
    wfi
    FAIL
1:  EXPECT_M_ILLEGAL s_wfi_tw
    li a2, MSTATUS_TW
    csrc mstatus, a2

    PASS
