// sv32_basic.S — U-mode through Sv32 4 KiB pages (priv §4.3: PTE bits
// §4.3.1, the translation algorithm §4.3.2, page faults §4.1.9 stval).
//
// The program's megapage (0x8000_0000) is mapped U|RWX so U-mode can run the
// test code; these 4 KiB pages are added (flags; all with A set, D where W):
//     0x1000 -> page_a   U R W          0x4000 -> page_b   R W X (supervisor)
//     0x3000 -> code_pg  U R X          0x5000 -> page_a   U R   (read-only)
//     0x6000 -> invalid (V = 0)
//
//   1    U load and store through a U page work (the store lands in page_a).
//   2    U fetch from a U|X page works: the ecall there reports mepc = its
//        virtual address.
//   3-5  U load / store / fetch on a supervisor page: load page fault (13),
//        store page fault (15), instruction page fault (12); mtval = the
//        virtual address (mepc too for the fetch).
//   6    store to a read-only page: 15; a load from it works.
//   7    fetch from a page without X: 12.
//   8    load through an invalid PTE: 13.
//
// rvscope-exit: 0
#include "test.h"

#define VA_A    0x1000
#define VA_CODE 0x3000
#define VA_B    0x4000
#define VA_RO   0x5000
#define VA_INV  0x6000

/* map VA, PA, FLAGS (from M-mode; clobbers a0-a3, t0-t2) */
.macro MAP va, pa, flags
    li a0, \va
    la a1, \pa
    li a2, \flags
    call pt_map4k
.endm

TEST_BEGIN
    li a0, PTE_V | PTE_R | PTE_W | PTE_X | PTE_U | PTE_A | PTE_D
    call pt_init
    MAP VA_A, page_a, PTE_V | PTE_U | PTE_R | PTE_W | PTE_A | PTE_D
    MAP VA_CODE, code_pg, PTE_V | PTE_U | PTE_R | PTE_X | PTE_A
    MAP VA_B, page_b, PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D
    MAP VA_RO, page_a, PTE_V | PTE_U | PTE_R | PTE_A
    call pt_enable
    TRAP_RESET

    TEST_CASE(1)
    li s0, VA_A
    M_RESUME 1f, PRV_M
    GOTO_MODE PRV_U, u_ldst
u_ldst:
    lw a2, 4(s0)
    li a3, 0xcafe
    sw a3, 8(s0)
u_ldst_ecall:
    ecall
    FAIL
1:  EXPECT_M_TRAP CAUSE_USER_ECALL, 0, u_ldst_ecall
    ASSERT_EQ a2, 0xa0000004
    la t0, page_a
    lw a3, 8(t0)
    ASSERT_EQ a3, 0xcafe

    TEST_CASE(2)
    li a2, 0
    M_RESUME 1f, PRV_M
    GOTO_MODE PRV_U, VA_CODE
    FAIL
1:  EXPECT_M_TRAP CAUSE_USER_ECALL, 0, VA_CODE + 4
    ASSERT_EQ a2, 42

    TEST_CASE(3)
    li s0, VA_B
    M_RESUME 1f, PRV_M
    GOTO_MODE PRV_U, u_ld_sup
u_ld_sup:
    lw a2, 4(s0)
    FAIL
1:  EXPECT_M_TRAP CAUSE_LOAD_PAGE_FAULT, VA_B + 4, u_ld_sup

    TEST_CASE(4)
    M_RESUME 1f, PRV_M
    GOTO_MODE PRV_U, u_st_sup
u_st_sup:
    sw zero, 8(s0)
    FAIL
1:  EXPECT_M_TRAP CAUSE_STORE_PAGE_FAULT, VA_B + 8, u_st_sup
    la t0, page_b
    lw a3, 8(t0)
    ASSERT_EQ a3, 0xb0000008

    TEST_CASE(5)
    M_RESUME 1f, PRV_M
    GOTO_MODE PRV_U, u_jmp_sup
u_jmp_sup:
    jr s0
    FAIL
1:  EXPECT_M_TRAP CAUSE_FETCH_PAGE_FAULT, VA_B, VA_B

    TEST_CASE(6)
    li s0, VA_RO
    M_RESUME 1f, PRV_M
    GOTO_MODE PRV_U, u_st_ro
u_st_ro:
    sw zero, 12(s0)
    FAIL
1:  EXPECT_M_TRAP CAUSE_STORE_PAGE_FAULT, VA_RO + 12, u_st_ro
    M_RESUME 1f, PRV_M
    GOTO_MODE PRV_U, u_ld_ro
u_ld_ro:
    lw a2, 12(s0)
u_ld_ro_ecall:
    ecall
    FAIL
1:  EXPECT_M_TRAP CAUSE_USER_ECALL, 0, u_ld_ro_ecall
    ASSERT_EQ a2, 0xa000000c

    TEST_CASE(7)
    li s0, VA_A
    M_RESUME 1f, PRV_M
    GOTO_MODE PRV_U, u_jmp_nx
u_jmp_nx:
    jr s0
    FAIL
1:  EXPECT_M_TRAP CAUSE_FETCH_PAGE_FAULT, VA_A, VA_A

    TEST_CASE(8)
    li s0, VA_INV
    M_RESUME 1f, PRV_M
    GOTO_MODE PRV_U, u_ld_inv
u_ld_inv:
    lw a2, 0(s0)
    FAIL
1:  EXPECT_M_TRAP CAUSE_LOAD_PAGE_FAULT, VA_INV, u_ld_inv

    call pt_disable
    PASS

/* Code run at VA_CODE (position-independent; fixed 4-byte encodings so the
 * ecall is at offset 4). */
    .align 12
code_pg:
    .option push
    .option norvc
    addi a2, zero, 42
    ecall
    .option pop

    .data
    .align 12
page_a:
    .word 0xa0000000, 0xa0000004, 0xa0000008, 0xa000000c
    .align 12
page_b:
    .word 0xb0000000, 0xb0000004, 0xb0000008, 0xb000000c
    .align 12
