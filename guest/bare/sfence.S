// sfence.S — sfence.vma makes page-table changes visible (priv §4.2.1).
//
// Whether a stale translation is still used before the fence is up to the
// implementation and is not asserted; only the state after the fence is.
// S-mode edits the level-0 PTE of VA 0x1000 itself (the tables are reachable
// through the program's identity megapage) and reads through it:
//
//   1    VA 0x1000 -> page_1: the load reads page_1.
//   2    PTE -> page_2, sfence.vma x0, x0 (everything): reads page_2.
//   3    PTE -> page_1, sfence.vma a0, x0 (that address): reads page_1.
//   4    PTE -> page_2, sfence.vma a0, a1 (that address, ASID 0): page_2.
//   5    PTE invalid, sfence.vma a0, x0: the load page-faults (13).
//
// rvscope-exit: 0
#include "test.h"

#define VA 0x1000
#define LEAF (PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)

TEST_BEGIN
    li a0, PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D
    call pt_init
    li a0, VA
    la a1, page_1
    li a2, LEAF
    call pt_map4k
    mv s4, a0                       /* s4 = address of the PTE */
    call pt_enable
    TRAP_RESET

    /* PTE values for page_1 and page_2 */
    la s5, page_1
    srli s5, s5, 12
    slli s5, s5, PTE_PPN_SHIFT
    ori s5, s5, LEAF
    la s6, page_2
    srli s6, s6, 12
    slli s6, s6, PTE_PPN_SHIFT
    ori s6, s6, LEAF
    li s0, VA

    TEST_CASE(1)
    M_RESUME 1f, PRV_M
    GOTO_MODE PRV_S, s_case1
s_case1:
    lw a2, 0(s0)
s_case1_ecall:
    ecall
    FAIL
1:  EXPECT_M_TRAP CAUSE_SUPERVISOR_ECALL, 0, s_case1_ecall
    ASSERT_EQ a2, 0x11111111

    TEST_CASE(2)
    M_RESUME 1f, PRV_M
    GOTO_MODE PRV_S, s_case2
s_case2:
    lw a2, 0(s0)                    /* make sure a translation is cached */
    sw s6, 0(s4)
    sfence.vma zero, zero
    lw a2, 0(s0)
s_case2_ecall:
    ecall
    FAIL
1:  EXPECT_M_TRAP CAUSE_SUPERVISOR_ECALL, 0, s_case2_ecall
    ASSERT_EQ a2, 0x22222222

    TEST_CASE(3)
    M_RESUME 1f, PRV_M
    GOTO_MODE PRV_S, s_case3
s_case3:
    lw a2, 0(s0)
    sw s5, 0(s4)
    mv a0, s0
    sfence.vma a0, zero
    lw a2, 0(s0)
s_case3_ecall:
    ecall
    FAIL
1:  EXPECT_M_TRAP CAUSE_SUPERVISOR_ECALL, 0, s_case3_ecall
    ASSERT_EQ a2, 0x11111111

    TEST_CASE(4)
    M_RESUME 1f, PRV_M
    GOTO_MODE PRV_S, s_case4
s_case4:
    lw a2, 0(s0)
    sw s6, 0(s4)
    mv a0, s0
    li a1, 0
    sfence.vma a0, a1
    lw a2, 0(s0)
s_case4_ecall:
    ecall
    FAIL
1:  EXPECT_M_TRAP CAUSE_SUPERVISOR_ECALL, 0, s_case4_ecall
    ASSERT_EQ a2, 0x22222222

    TEST_CASE(5)
    M_RESUME 1f, PRV_M
    GOTO_MODE PRV_S, s_case5
s_case5:
    lw a2, 0(s0)
    sw zero, 0(s4)
    mv a0, s0
    sfence.vma a0, zero
s_case5_load:
    lw a2, 0(s0)
    FAIL
1:  EXPECT_M_TRAP CAUSE_LOAD_PAGE_FAULT, VA, s_case5_load

    call pt_disable
    PASS

    .data
    .align 12
page_1:
    .word 0x11111111
    .align 12
page_2:
    .word 0x22222222
    .align 12
