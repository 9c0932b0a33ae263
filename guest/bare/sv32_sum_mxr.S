// sv32_sum_mxr.S — S-mode access to user pages and execute-only pages:
// mstatus.SUM and mstatus.MXR (priv §3.1.6.3, §4.1.1.2, §4.3.2 step 5).
//
// The program's megapage is supervisor RWX (S-mode runs the test code);
// added 4 KiB pages (A set, D where W):
//     0x1000 -> page_a   U R W
//     0x2000 -> page_x   X only (supervisor)
//     0x3000 -> code_pg  U R X
//
//   1-2  SUM = 0: S load / store on a U page: page faults 13 / 15,
//        mtval = the virtual address.
//   3    SUM = 1: the load and the store work.
//   4    SUM = 1: S fetch from a U page still faults (12; mtval = mepc = VA).
//   5    MXR = 0: load from an execute-only page: 13.
//   6    MXR = 1: the load works.
//   7    MXR = 1, SUM = 0: a U page stays unreadable from S (13).
//
// rvscope-exit: 0
#include "test.h"

#define VA_A    0x1000
#define VA_X    0x2000
#define VA_CODE 0x3000

.macro MAP va, pa, flags
    li a0, \va
    la a1, \pa
    li a2, \flags
    call pt_map4k
.endm

/* set or clear mstatus bits from M-mode */
.macro MSTATUS_SET bits
    li t0, \bits
    csrs mstatus, t0
.endm
.macro MSTATUS_CLEAR bits
    li t0, \bits
    csrc mstatus, t0
.endm

TEST_BEGIN
    li a0, PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D
    call pt_init
    MAP VA_A, page_a, PTE_V | PTE_U | PTE_R | PTE_W | PTE_A | PTE_D
    MAP VA_X, page_x, PTE_V | PTE_X | PTE_A
    MAP VA_CODE, code_pg, PTE_V | PTE_U | PTE_R | PTE_X | PTE_A
    call pt_enable
    TRAP_RESET
    li s0, VA_A
    li s1, VA_X

    TEST_CASE(1)
    MSTATUS_CLEAR MSTATUS_SUM | MSTATUS_MXR
    M_RESUME 1f, PRV_M
    GOTO_MODE PRV_S, s_ld_u
s_ld_u:
    lw a2, 4(s0)
    FAIL
1:  EXPECT_M_TRAP CAUSE_LOAD_PAGE_FAULT, VA_A + 4, s_ld_u

    TEST_CASE(2)
    M_RESUME 1f, PRV_M
    GOTO_MODE PRV_S, s_st_u
s_st_u:
    sw zero, 8(s0)
    FAIL
1:  EXPECT_M_TRAP CAUSE_STORE_PAGE_FAULT, VA_A + 8, s_st_u

    TEST_CASE(3)
    MSTATUS_SET MSTATUS_SUM
    M_RESUME 1f, PRV_M
    GOTO_MODE PRV_S, s_ldst_sum
s_ldst_sum:
    lw a2, 4(s0)
    li a3, 0x5ab
    sw a3, 8(s0)
s_ldst_sum_ecall:
    ecall
    FAIL
1:  EXPECT_M_TRAP CAUSE_SUPERVISOR_ECALL, 0, s_ldst_sum_ecall
    ASSERT_EQ a2, 0xa0000004
    la t0, page_a
    lw a3, 8(t0)
    ASSERT_EQ a3, 0x5ab

    TEST_CASE(4)
    M_RESUME 1f, PRV_M
    GOTO_MODE PRV_S, VA_CODE
    FAIL
1:  EXPECT_M_TRAP CAUSE_FETCH_PAGE_FAULT, VA_CODE, VA_CODE
    MSTATUS_CLEAR MSTATUS_SUM

    TEST_CASE(5)
    M_RESUME 1f, PRV_M
    GOTO_MODE PRV_S, s_ld_x
s_ld_x:
    lw a2, 4(s1)
    FAIL
1:  EXPECT_M_TRAP CAUSE_LOAD_PAGE_FAULT, VA_X + 4, s_ld_x

    TEST_CASE(6)
    MSTATUS_SET MSTATUS_MXR
    li a2, 0
    M_RESUME 1f, PRV_M
    GOTO_MODE PRV_S, s_ld_x_mxr
s_ld_x_mxr:
    lw a2, 4(s1)
s_ld_x_mxr_ecall:
    ecall
    FAIL
1:  EXPECT_M_TRAP CAUSE_SUPERVISOR_ECALL, 0, s_ld_x_mxr_ecall
    ASSERT_EQ a2, 0xc0000004

    TEST_CASE(7)
    M_RESUME 1f, PRV_M
    GOTO_MODE PRV_S, s_ld_u_mxr
s_ld_u_mxr:
    lw a2, 0(s0)
    FAIL
1:  EXPECT_M_TRAP CAUSE_LOAD_PAGE_FAULT, VA_A, s_ld_u_mxr
    MSTATUS_CLEAR MSTATUS_MXR

    call pt_disable
    PASS

/* Code at VA_CODE: never runs (S may not fetch from a U page). */
    .align 12
code_pg:
    ecall

    .data
    .align 12
page_a:
    .word 0xa0000000, 0xa0000004, 0xa0000008, 0xa000000c
    .align 12
page_x:
    .word 0xc0000000, 0xc0000004, 0xc0000008, 0xc000000c
    .align 12
