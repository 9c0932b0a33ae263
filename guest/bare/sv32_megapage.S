// sv32_megapage.S — 4 MiB superpages (priv §4.3.1: a leaf PTE at level 1;
// §4.3.2 step 6: a misaligned superpage is a page fault; step 8: the low
// 22 bits of the address pass through).
//
// S-mode runs the test code in the program's supervisor megapage; added:
//     root[1] VA 0x0040_0000 -> PA 0x8000_0000  RWX  (aligned: PPN[0] = 0)
//     root[2] VA 0x0080_0000 -> PA 0x8000_1000  RWX  (misaligned: PPN[0] = 1)
//
//   1    load through the megapage reads the word at the same offset of RAM.
//   2    a store through it lands in RAM; the last word of the megapage
//        (offset 0x3F_FFFC) maps to PA 0x803F_FFFC.
//   3    fetch through it: an ecall run at its alias reports that VA as mepc.
//   4-6  the misaligned megapage: load 13, store 15, fetch 12, each with
//        mtval = the virtual address.
//
// rvscope-exit: 0
#include "test.h"

#define VA_MEGA 0x00400000
#define VA_BAD  0x00800000
#define RAM     0x80000000

TEST_BEGIN
    li a0, PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D
    call pt_init
    li a0, VA_MEGA
    li a1, RAM
    li a2, PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D
    call pt_map_mega
    li a0, VA_BAD
    li a1, RAM + PAGE_SIZE
    li a2, PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D
    call pt_map_mega
    call pt_enable
    TRAP_RESET

    TEST_CASE(1)
    la s0, mega_data
    li t0, RAM
    sub s0, s0, t0
    li t0, VA_MEGA
    add s0, s0, t0                  /* s0 = alias of mega_data */
    li a2, 0
    M_RESUME 1f, PRV_M
    GOTO_MODE PRV_S, s_ld_mega
s_ld_mega:
    lw a2, 4(s0)
s_ld_mega_ecall:
    ecall
    FAIL
1:  EXPECT_M_TRAP CAUSE_SUPERVISOR_ECALL, 0, s_ld_mega_ecall
    ASSERT_EQ a2, 0xd0000004

    TEST_CASE(2)
    li t0, RAM + MEGAPAGE_SIZE - 4
    li t1, 0x1a57
    sw t1, 0(t0)                    /* M writes the last word physically */
    li s1, VA_MEGA + MEGAPAGE_SIZE - 4
    M_RESUME 1f, PRV_M
    GOTO_MODE PRV_S, s_st_mega
s_st_mega:
    li a3, 0x600d
    sw a3, 8(s0)
    lw a2, 0(s1)
s_st_mega_ecall:
    ecall
    FAIL
1:  EXPECT_M_TRAP CAUSE_SUPERVISOR_ECALL, 0, s_st_mega_ecall
    la t0, mega_data
    lw a3, 8(t0)
    ASSERT_EQ a3, 0x600d
    ASSERT_EQ a2, 0x1a57

    TEST_CASE(3)
    la t0, alias_ecall
    li t1, RAM
    sub t0, t0, t1
    li t1, VA_MEGA
    add s2, t0, t1                  /* s2 = alias of alias_ecall */
    M_RESUME 1f, PRV_M
    GOTO_MODE PRV_S, s_jmp_mega
s_jmp_mega:
    jr s2
    FAIL
1:  ASSERT_TI TI_MCAUSE, CAUSE_SUPERVISOR_ECALL
    la t5, trap_info
    lw t5, TI_MEPC(t5)
    ASSERT_EQ_REG t5, s2
    TRAP_RESET

    TEST_CASE(4)
    li s0, VA_BAD + 0x10
    M_RESUME 1f, PRV_M
    GOTO_MODE PRV_S, s_ld_bad
s_ld_bad:
    lw a2, 0(s0)
    FAIL
1:  EXPECT_M_TRAP CAUSE_LOAD_PAGE_FAULT, VA_BAD + 0x10, s_ld_bad

    TEST_CASE(5)
    M_RESUME 1f, PRV_M
    GOTO_MODE PRV_S, s_st_bad
s_st_bad:
    sw zero, 4(s0)
    FAIL
1:  EXPECT_M_TRAP CAUSE_STORE_PAGE_FAULT, VA_BAD + 0x14, s_st_bad

    TEST_CASE(6)
    M_RESUME 1f, PRV_M
    GOTO_MODE PRV_S, s_jmp_bad
s_jmp_bad:
    jr s0
    FAIL
1:  EXPECT_M_TRAP CAUSE_FETCH_PAGE_FAULT, VA_BAD + 0x10, VA_BAD + 0x10

    call pt_disable
    PASS

/* Run through the megapage alias. */
alias_ecall:
    ecall
    FAIL

    .data
    .align 4
mega_data:
    .word 0xd0000000, 0xd0000004, 0xd0000008, 0xd000000c
