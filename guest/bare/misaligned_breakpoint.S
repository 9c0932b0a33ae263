// misaligned_breakpoint.S — breakpoints, misaligned atomics and access faults
// in M-mode (priv §3.1.15 mcause, §3.1.16 mtval, §3.5 PMAs; unpriv "A" ch.).
//
//   1-2  ebreak (4 bytes) and c.ebreak (2 bytes): cause 3, mepc = the pc,
//        mtval = 0 — what QEMU 7.2 writes; the spec (§3.1.16) allows either 0
//        or the pc of the ebreak, rvscope follows QEMU.  Stepping over
//        c.ebreak advances by 2.
//   3    ebreak from U-mode traps to M with cause 3 and MPP = U.
//   4    lr.w on a misaligned address: cause 4 (load address misaligned),
//        mtval = the address (an LR is a load; QEMU 7.2 does not trap on a
//        misaligned sc.w whose reservation fails, so sc.w is not tested).
//   5-6  amoadd.w / amoswap.w on a misaligned address: mtval = the address,
//        mepc = the AMO, memory unchanged; the cause must be 6 (store/AMO
//        address misaligned, table 3.6 — what rvscope raises) or 4: QEMU 7.2
//        on one hart runs AMOs as a plain load-op-store and reports the load's
//        misalignment (cause 4).  This is the only either-or assertion.
//   7-9  load, compressed load and store at NO_RAM, a physical address where
//        QEMU's spike machine has nothing (its map: mrom 0x1000-0xffff, aclint
//        0x0200_0000-0x0200_bfff, RAM from 0x8000_0000): load access fault
//        (cause 5) / store access fault (cause 7), mtval = the address.
//   10   jumping to NO_RAM: instruction access fault, cause 1, mtval = mepc =
//        the address.
//
// rvscope-exit: 0
#include "test.h"

#define NO_RAM 0x10000000

/* One M trap at epc with mtval = addr (the cause is checked separately). */
.macro EXPECT_AMO_MISALIGNED addr, epc
    ASSERT_TI TI_S_COUNT, 0
    ASSERT_TI TI_M_COUNT, 1
    ASSERT_TI TI_MTVAL, \addr
    ASSERT_TI TI_MEPC, \epc
    TRAP_RESET
.endm

TEST_BEGIN
    TEST_CASE(1)
    TRAP_RESET
bp_32:
    .option push
    .option norvc
    ebreak
    .option pop
    EXPECT_M_TRAP CAUSE_BREAKPOINT, 0, bp_32

    TEST_CASE(2)
    li a2, 0
bp_16:
    c.ebreak
    c.li a2, 5                      /* runs only if the skip was 2 bytes */
    ASSERT_EQ a2, 5
    EXPECT_M_TRAP CAUSE_BREAKPOINT, 0, bp_16

    TEST_CASE(3)
    M_RESUME 1f, PRV_M
    GOTO_MODE PRV_U, bp_u
bp_u:
    ebreak
    FAIL
1:  ASSERT_TI_BITS TI_MSTATUS, MSTATUS_MPP, PRV_U << MSTATUS_MPP_SHIFT
    EXPECT_M_TRAP CAUSE_BREAKPOINT, 0, bp_u

    TEST_CASE(4)
    la a2, words + 2
    li a3, 0x5a5a
lr_mis:
    lr.w a3, (a2)
    ASSERT_EQ a3, 0x5a5a            /* no value was loaded */
    EXPECT_M_TRAP CAUSE_MISALIGNED_LOAD, words + 2, lr_mis

    TEST_CASE(5)
    la a2, words + 1
    li a3, 0x01010101
amoadd_mis:
    amoadd.w a4, a3, (a2)
    ASSERT_TI_EITHER TI_MCAUSE, CAUSE_MISALIGNED_STORE, CAUSE_MISALIGNED_LOAD
    EXPECT_AMO_MISALIGNED words + 1, amoadd_mis
    la a2, words
    lw a4, 0(a2)
    ASSERT_EQ a4, 0x11223344
    lw a4, 4(a2)
    ASSERT_EQ a4, 0x55667788

    TEST_CASE(6)
    la a2, words + 6
amoswap_mis:
    amoswap.w a4, zero, (a2)
    ASSERT_TI_EITHER TI_MCAUSE, CAUSE_MISALIGNED_STORE, CAUSE_MISALIGNED_LOAD
    EXPECT_AMO_MISALIGNED words + 6, amoswap_mis
    la a2, words
    lw a4, 4(a2)
    ASSERT_EQ a4, 0x55667788

    TEST_CASE(7)
    li a2, NO_RAM + 0x40
ld_noram:
    lw a3, 0(a2)
    EXPECT_M_TRAP CAUSE_LOAD_ACCESS, NO_RAM + 0x40, ld_noram

    TEST_CASE(8)                    /* compressed load: skip 2 bytes */
    li a0, NO_RAM + 0x80
    li a2, 0
cld_noram:
    c.lw a1, 4(a0)
    c.li a2, 7
    ASSERT_EQ a2, 7
    EXPECT_M_TRAP CAUSE_LOAD_ACCESS, NO_RAM + 0x84, cld_noram

    TEST_CASE(9)
    li a2, NO_RAM + 0x100
st_noram:
    sw a2, 8(a2)
    EXPECT_M_TRAP CAUSE_STORE_ACCESS, NO_RAM + 0x108, st_noram

    TEST_CASE(10)
    M_RESUME 1f, PRV_M
    li a2, NO_RAM + 0x200
    jr a2
    FAIL
1:  EXPECT_M_TRAP CAUSE_FETCH_ACCESS, NO_RAM + 0x200, NO_RAM + 0x200

    PASS

    .data
    .align 3
words:
    .word 0x11223344, 0x55667788
