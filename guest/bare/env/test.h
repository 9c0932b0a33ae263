/* test.h — macros for the bare-metal tests (assembly).
 *
 * A test is an assembly file of this shape:
 *
 *     #include "test.h"
 *     TEST_BEGIN
 *         TEST_CASE(1)
 *         ...              M-mode code and assertions
 *         PASS
 *
 * It starts in M-mode with mtvec = trap_m, stvec = trap_s, satp = 0,
 * medeleg = mideleg = 0, mstatus = 0 and sp on a 4 KiB stack (start.S).
 * Every failing assertion ends the run with exit status = current case
 * number and prints "FAIL: case N got X want Y" on the HTIF console.
 *
 * Traps are recorded in `trap_info` (layout below) by the M handler
 * (fields M*) or, for delegated exceptions, by the S handler (fields S*).
 * After recording, a handler resumes at the label set with M_RESUME/S_RESUME,
 * or else steps over the trapping instruction (2 or 4 bytes).
 *
 * t5 and t6 belong to the macros (EXPECT_M_ILLEGAL also uses t4); gp holds
 * the case number.
 */
#ifndef BARE_TEST_H
#define BARE_TEST_H

#include "encoding.h"

/* trap_info layout (byte offsets of 32-bit words). */
#define TI_M_COUNT        0   /* traps taken by the M handler */
#define TI_MCAUSE         4
#define TI_MTVAL          8
#define TI_MEPC          12
#define TI_MSTATUS       16   /* mstatus on handler entry (MPP, MPIE...) */
#define TI_S_COUNT       20   /* traps taken by the S handler */
#define TI_SCAUSE        24
#define TI_STVAL         28
#define TI_SEPC          32
#define TI_SSTATUS       36   /* sstatus on handler entry (SPP, SPIE...) */
#define TI_M_RESUME_PC   40   /* 0: step over the instruction */
#define TI_M_RESUME_MODE 44   /* PRV_U/S/M to resume in */
#define TI_S_RESUME_PC   48
#define TI_S_RESUME_MODE 52   /* PRV_U or PRV_S */
#define TI_SIZE          56

#ifdef __ASSEMBLER__

#define TEST_BEGIN \
    .text; .align 2; .globl test_main; test_main:

/* Start case n: failures from here on report n. */
#define TEST_CASE(n) li gp, n
#define PASS j test_pass
#define FAIL j test_fail

/* ASSERT_EQ reg, value — value is a constant or a symbol (loaded with la). */
.macro ASSERT_EQ reg, val
    la t6, \val
    beq \reg, t6, .Lassert_ok\@
    mv a0, \reg
    mv a1, t6
    j test_fail_value
.Lassert_ok\@:
.endm

/* ASSERT_EQ_REG a, b — two registers; a must not be t6. */
.macro ASSERT_EQ_REG a, b
    beq \a, \b, .Lassert_ok\@
    mv t6, \b
    mv a0, \a
    mv a1, t6
    j test_fail_value
.Lassert_ok\@:
.endm

/* ASSERT_BITS reg, mask, value — (reg & mask) == value. */
.macro ASSERT_BITS reg, mask, val
    la t6, \mask
    and t5, \reg, t6
    ASSERT_EQ t5, \val
.endm

/* ASSERT_TI field, value — a trap_info word equals value. */
.macro ASSERT_TI field, val
    la t5, trap_info
    lw t5, \field(t5)
    ASSERT_EQ t5, \val
.endm

/* ASSERT_TI_EITHER field, a, b — a trap_info word equals a or b.  Only for
 * documented oracle deviations where the spec's answer (a) and QEMU's (b)
 * differ; everything else is asserted exactly. */
.macro ASSERT_TI_EITHER field, a, b
    la t5, trap_info
    lw t5, \field(t5)
    la t6, \b
    beq t5, t6, .Leither_ok\@
    ASSERT_EQ t5, \a
.Leither_ok\@:
.endm

/* ASSERT_TI_BITS field, mask, value — (trap_info word & mask) == value. */
.macro ASSERT_TI_BITS field, mask, val
    la t5, trap_info
    lw t5, \field(t5)
    ASSERT_BITS t5, \mask, \val
.endm

/* LOAD_INSN reg, label — the 32-bit instruction at label, read as two
 * halfwords (labels are only 2-byte aligned with the C extension). */
.macro LOAD_INSN reg, label
    la t6, \label
    lhu \reg, 2(t6)
    slli \reg, \reg, 16
    lhu t6, 0(t6)
    or \reg, \reg, t6
.endm

/* TRAP_RESET — forget recorded traps and resume labels. */
.macro TRAP_RESET
    la t6, trap_info
    .irp off, 0,4,8,12,16,20,24,28,32,36,40,44,48,52
    sw zero, \off(t6)
    .endr
.endm

/* M_RESUME label, mode — the next M-handled trap returns to label in mode. */
.macro M_RESUME label, mode
    la t6, trap_info
    la t5, \label
    sw t5, TI_M_RESUME_PC(t6)
    li t5, \mode
    sw t5, TI_M_RESUME_MODE(t6)
.endm

/* S_RESUME label, mode — the next S-handled trap returns to label in mode
 * (PRV_U or PRV_S). */
.macro S_RESUME label, mode
    la t6, trap_info
    la t5, \label
    sw t5, TI_S_RESUME_PC(t6)
    li t5, \mode
    sw t5, TI_S_RESUME_MODE(t6)
.endm

/* GOTO_MODE mode, label — from M-mode: mstatus.MPP = mode, mepc = label,
 * mret (§3.3.2).  Other mstatus fields (MPIE, SUM, MXR, ...) are the test's
 * business.  label may be a virtual address (a constant) if satp is on. */
.macro GOTO_MODE mode, label
    li t6, MSTATUS_MPP
    csrc mstatus, t6
    li t6, (\mode) << MSTATUS_MPP_SHIFT
    csrs mstatus, t6
    la t6, \label
    csrw mepc, t6
    mret
.endm

/* EXPECT_M_TRAP cause, tval, epc — exactly one trap since TRAP_RESET, taken
 * by the M handler, with these mcause/mtval/mepc; then TRAP_RESET. */
.macro EXPECT_M_TRAP cause, tval, epc
    ASSERT_TI TI_S_COUNT, 0
    ASSERT_TI TI_M_COUNT, 1
    ASSERT_TI TI_MCAUSE, \cause
    ASSERT_TI TI_MTVAL, \tval
    ASSERT_TI TI_MEPC, \epc
    TRAP_RESET
.endm

/* EXPECT_S_TRAP cause, tval, epc — the same for one delegated trap
 * (and no M trap). */
.macro EXPECT_S_TRAP cause, tval, epc
    ASSERT_TI TI_M_COUNT, 0
    ASSERT_TI TI_S_COUNT, 1
    ASSERT_TI TI_SCAUSE, \cause
    ASSERT_TI TI_STVAL, \tval
    ASSERT_TI TI_SEPC, \epc
    TRAP_RESET
.endm

/* EXPECT_M_ILLEGAL label — one M trap: illegal instruction at label, mtval =
 * the instruction's bits (§3.1.16 allows 0 or the bits; QEMU 7.2 writes the
 * bits, so rvscope must too). */
.macro EXPECT_M_ILLEGAL label
    LOAD_INSN t4, \label
    ASSERT_TI TI_S_COUNT, 0
    ASSERT_TI TI_M_COUNT, 1
    ASSERT_TI TI_MCAUSE, CAUSE_ILLEGAL_INSTRUCTION
    la t5, trap_info
    lw t5, TI_MTVAL(t5)
    ASSERT_EQ_REG t5, t4
    ASSERT_TI TI_MEPC, \label
    TRAP_RESET
.endm

/* EXPECT_NO_TRAP — nothing trapped since TRAP_RESET. */
.macro EXPECT_NO_TRAP
    ASSERT_TI TI_M_COUNT, 0
    ASSERT_TI TI_S_COUNT, 0
.endm

#endif /* __ASSEMBLER__ */
#endif /* BARE_TEST_H */
