// sv32_ad.S — hardware update of the PTE accessed (A) and dirty (D) bits
// (priv §4.3.1, §4.3.2 step 7).  The spec lets an implementation either
// raise a page fault when A (or D, for a store) is clear or set the bits
// itself; QEMU 7.2 and rvscope set them, and this test asserts that.
//
// S-mode runs the test code in the program's supervisor megapage; 4 KiB
// pages are mapped with A = D = 0 and the PTE is read back in M-mode:
//
//   1    a load sets A, not D.
//   2    a later store sets D (A stays set).
//   3    a store to a fresh page sets both A and D at once.
//   4    a fetch sets A, not D.
//   5    a store that faults (page without W) sets neither: A/D are only
//        updated for an access that is permitted.
//
// rvscope-exit: 0
#include "test.h"

#define VA_A    0x1000
#define VA_B    0x2000
#define VA_CODE 0x3000
#define VA_RO   0x4000

/* map VA, PA, FLAGS -> PTE address in REG */
.macro MAP va, pa, flags, reg
    li a0, \va
    la a1, \pa
    li a2, \flags
    call pt_map4k
    mv \reg, a0
.endm

TEST_BEGIN
    li a0, PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D
    call pt_init
    MAP VA_A, page_a, PTE_V | PTE_R | PTE_W, s4
    MAP VA_B, page_b, PTE_V | PTE_R | PTE_W, s5
    MAP VA_CODE, code_pg, PTE_V | PTE_R | PTE_X, s6
    MAP VA_RO, page_b, PTE_V | PTE_R, s7
    call pt_enable
    TRAP_RESET

    TEST_CASE(1)
    li s0, VA_A
    M_RESUME 1f, PRV_M
    GOTO_MODE PRV_S, s_ld
s_ld:
    lw a2, 0(s0)
s_ld_ecall:
    ecall
    FAIL
1:  EXPECT_M_TRAP CAUSE_SUPERVISOR_ECALL, 0, s_ld_ecall
    ASSERT_EQ a2, 0xa0000000
    lw a3, 0(s4)
    ASSERT_BITS a3, PTE_A | PTE_D, PTE_A

    TEST_CASE(2)
    M_RESUME 1f, PRV_M
    GOTO_MODE PRV_S, s_st
s_st:
    sw zero, 4(s0)
s_st_ecall:
    ecall
    FAIL
1:  EXPECT_M_TRAP CAUSE_SUPERVISOR_ECALL, 0, s_st_ecall
    lw a3, 0(s4)
    ASSERT_BITS a3, PTE_A | PTE_D, PTE_A | PTE_D

    TEST_CASE(3)
    li s0, VA_B
    M_RESUME 1f, PRV_M
    GOTO_MODE PRV_S, s_st_fresh
s_st_fresh:
    sw zero, 4(s0)
s_st_fresh_ecall:
    ecall
    FAIL
1:  EXPECT_M_TRAP CAUSE_SUPERVISOR_ECALL, 0, s_st_fresh_ecall
    lw a3, 0(s5)
    ASSERT_BITS a3, PTE_A | PTE_D, PTE_A | PTE_D

    TEST_CASE(4)
    M_RESUME 1f, PRV_M
    GOTO_MODE PRV_S, VA_CODE
    FAIL
1:  EXPECT_M_TRAP CAUSE_SUPERVISOR_ECALL, 0, VA_CODE
    lw a3, 0(s6)
    ASSERT_BITS a3, PTE_A | PTE_D, PTE_A

    TEST_CASE(5)
    li s0, VA_RO
    M_RESUME 1f, PRV_M
    GOTO_MODE PRV_S, s_st_ro
s_st_ro:
    sw zero, 0(s0)
    FAIL
1:  EXPECT_M_TRAP CAUSE_STORE_PAGE_FAULT, VA_RO, s_st_ro
    lw a3, 0(s7)
    ASSERT_BITS a3, PTE_A | PTE_D, 0

    call pt_disable
    PASS

/* Code at VA_CODE. */
    .align 12
code_pg:
    ecall

    .data
    .align 12
page_a:
    .word 0xa0000000, 0xa0000004
    .align 12
page_b:
    .word 0xb0000000, 0xb0000004
    .align 12
