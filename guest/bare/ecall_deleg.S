// ecall_deleg.S — environment calls and exception delegation (priv §3.1.8
// medeleg, §3.3.1 ecall, §3.1.6.1 trap entry stacking, §4.1.1 sstatus).
//
//   1-2  ecall from U without delegation: the M handler runs; mcause 8,
//        mtval 0, mepc = the ecall; mstatus.MPP = U; MPIE = MIE of the U
//        context (1, then 0), MIE = 0 in the handler.
//   3-4  ecall from U with medeleg[8] = 1: the S handler runs instead, M does
//        not; scause 8, stval 0, sepc = the ecall; sstatus.SPP = U; SPIE = the
//        SIE of the U context (1, then 0), SIE = 0 in the handler.
//   5    ecall from S without delegation: M, cause 9, MPP = S.
//   6    ecall from S with medeleg[9] = 1: S, cause 9, SPP = S.
//   7    ecall from M: cause 11, MPP = M, and it stays in M even with
//        medeleg bits 8, 9, 11 set (traps never go to a less privileged mode).
//
// A delegated test returns to M-mode by resuming in S at `ebreak`, which is
// not delegated.
//
// rvscope-exit: 0
#include "test.h"

TEST_BEGIN
    TEST_CASE(1)                    /* U ecall -> M, MPIE = 1 */
    TRAP_RESET
    li a2, MSTATUS_MPIE
    csrs mstatus, a2
    M_RESUME 1f, PRV_M
    GOTO_MODE PRV_U, u_ecall_1
u_ecall_1:
    ecall
    FAIL
1:  ASSERT_TI_BITS TI_MSTATUS, MSTATUS_MPP | MSTATUS_MPIE | MSTATUS_MIE, (PRV_U << MSTATUS_MPP_SHIFT) | MSTATUS_MPIE
    EXPECT_M_TRAP CAUSE_USER_ECALL, 0, u_ecall_1

    TEST_CASE(2)                    /* U ecall -> M, MPIE = 0 */
    csrci mstatus, MSTATUS_MIE
    li a2, MSTATUS_MPIE
    csrc mstatus, a2
    M_RESUME 1f, PRV_M
    GOTO_MODE PRV_U, u_ecall_2
u_ecall_2:
    ecall
    FAIL
1:  ASSERT_TI_BITS TI_MSTATUS, MSTATUS_MPP | MSTATUS_MPIE | MSTATUS_MIE, (PRV_U << MSTATUS_MPP_SHIFT)
    EXPECT_M_TRAP CAUSE_USER_ECALL, 0, u_ecall_2

    TEST_CASE(3)                    /* U ecall delegated -> S, SPIE = 1 */
    li a2, 1 << CAUSE_USER_ECALL
    csrw medeleg, a2
    csrr a3, medeleg
    ASSERT_EQ a3, 1 << CAUSE_USER_ECALL
    csrsi mstatus, MSTATUS_SIE
    S_RESUME s_ebreak, PRV_S
    M_RESUME 1f, PRV_M
    GOTO_MODE PRV_U, u_ecall_3
u_ecall_3:
    ecall
    FAIL
1:  ASSERT_TI TI_S_COUNT, 1
    ASSERT_TI TI_SCAUSE, CAUSE_USER_ECALL
    ASSERT_TI TI_STVAL, 0
    ASSERT_TI TI_SEPC, u_ecall_3
    ASSERT_TI_BITS TI_SSTATUS, MSTATUS_SPP | MSTATUS_SPIE | MSTATUS_SIE, MSTATUS_SPIE
    /* ...and M only saw the ebreak S used to come back */
    ASSERT_TI TI_M_COUNT, 1
    ASSERT_TI TI_MCAUSE, CAUSE_BREAKPOINT
    TRAP_RESET

    TEST_CASE(4)                    /* U ecall delegated -> S, SPIE = 0 */
    csrci mstatus, MSTATUS_SIE
    S_RESUME s_ebreak, PRV_S
    M_RESUME 1f, PRV_M
    GOTO_MODE PRV_U, u_ecall_4
u_ecall_4:
    ecall
    FAIL
1:  ASSERT_TI TI_S_COUNT, 1
    ASSERT_TI TI_SCAUSE, CAUSE_USER_ECALL
    ASSERT_TI TI_STVAL, 0
    ASSERT_TI TI_SEPC, u_ecall_4
    ASSERT_TI_BITS TI_SSTATUS, MSTATUS_SPP | MSTATUS_SPIE | MSTATUS_SIE, 0
    ASSERT_TI TI_M_COUNT, 1
    ASSERT_TI TI_MCAUSE, CAUSE_BREAKPOINT
    TRAP_RESET

    TEST_CASE(5)                    /* S ecall, not delegated -> M */
    csrw medeleg, zero
    M_RESUME 1f, PRV_M
    GOTO_MODE PRV_S, s_ecall_5
s_ecall_5:
    ecall
    FAIL
1:  ASSERT_TI_BITS TI_MSTATUS, MSTATUS_MPP, PRV_S << MSTATUS_MPP_SHIFT
    EXPECT_M_TRAP CAUSE_SUPERVISOR_ECALL, 0, s_ecall_5

    TEST_CASE(6)                    /* S ecall delegated -> S */
    li a2, 1 << CAUSE_SUPERVISOR_ECALL
    csrw medeleg, a2
    csrr a3, medeleg
    ASSERT_EQ a3, 1 << CAUSE_SUPERVISOR_ECALL
    S_RESUME s_ebreak, PRV_S
    M_RESUME 1f, PRV_M
    GOTO_MODE PRV_S, s_ecall_6
s_ecall_6:
    ecall
    FAIL
1:  ASSERT_TI TI_S_COUNT, 1
    ASSERT_TI TI_SCAUSE, CAUSE_SUPERVISOR_ECALL
    ASSERT_TI TI_STVAL, 0
    ASSERT_TI TI_SEPC, s_ecall_6
    ASSERT_TI_BITS TI_SSTATUS, MSTATUS_SPP, MSTATUS_SPP
    ASSERT_TI TI_M_COUNT, 1
    ASSERT_TI TI_MCAUSE, CAUSE_BREAKPOINT
    TRAP_RESET

    TEST_CASE(7)                    /* M ecall stays in M */
    li a2, (1 << CAUSE_USER_ECALL) | (1 << CAUSE_SUPERVISOR_ECALL) | (1 << CAUSE_MACHINE_ECALL)
    csrw medeleg, a2
m_ecall:
    ecall
    ASSERT_TI_BITS TI_MSTATUS, MSTATUS_MPP, PRV_M << MSTATUS_MPP_SHIFT
    EXPECT_M_TRAP CAUSE_MACHINE_ECALL, 0, m_ecall
    csrw medeleg, zero

    PASS

/* Delegated tests resume here in S-mode; ebreak is not delegated, so the M
 * handler takes it and returns to the test's M_RESUME label. */
s_ebreak:
    ebreak
    FAIL
