/* start.S — M-mode reset, trap handlers, HTIF console and pass/fail for the
 * bare-metal tests.
 *
 * The hart enters _start in M-mode (priv §3.4 "Reset": privilege M, mstatus.MIE
 * = 0, everything else unspecified), so this code sets up every register the
 * tests rely on instead of trusting reset values.  The test proper is the
 * function `test_main`; if it returns, a0 is the result (0 = pass, n = failed
 * at case n).  Assembly tests never return: they end in PASS or FAIL.
 *
 * Register conventions shared with test.h:
 *   gp      current test-case number (TEST_CASE), reported on failure
 *   t5, t6  scratch of the assertion macros
 *   mscratch / sscratch  point at the M / S trap handlers' save areas; a test
 *           that changes one must restore it before the next trap.
 */
#include "encoding.h"
#include "test.h"

/* ------------------------------------------------------------------------ */
/* HTIF words.  QEMU's spike machine and rvscope --bare watch `tohost`:
 *   tohost = (code << 1) | 1      end of run, exit status `code` (1 = pass)
 *   tohost = 1 << 56 | 1 << 48 | c device 1 (console), command 1 (putchar)
 * A 64-bit word on RV32 is written as two 32-bit stores, low word first:
 * QEMU latches the low half and acts when the high half is written, then
 * clears tohost and answers in fromhost. */
    .section .tohost, "aw", @progbits
    .align 3
    .globl tohost
tohost: .dword 0
    .size tohost, 8
    .align 3
    .globl fromhost
fromhost: .dword 0
    .size fromhost, 8

/* ------------------------------------------------------------------------ */
    .section .text.init, "ax", @progbits
    .globl _start
_start:
    /* Zero x1..x31 (x0 is zero). */
    .irp r, 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    li x\r, 0
    .endr

    /* Until the real handler is installed, any trap lands on the next step
     * (mtvec must be 4-byte aligned, §3.1.7): the PMP write below traps as an
     * illegal instruction on a hart without PMP, and that is fine. */
    la t0, 1f
    csrw mtvec, t0

    /* PMP (§3.7.1): with PMP implemented and no entry matching, S- and U-mode
     * accesses fail.  Entry 0 = NAPOT over the whole address space, RWX. */
    li t0, -1
    csrw pmpaddr0, t0
    li t0, 0x1f                 /* A=NAPOT (3 << 3) | X | W | R */
    csrw pmpcfg0, t0
    .align 2
1:
    /* Bare translation, no delegation, no interrupts (§3.1.8, §3.1.9,
     * §4.1.11).  Clearing mstatus leaves MPP = U and MPRV/SUM/MXR/TSR/TW/TVM
     * off. */
    la t0, 1f
    csrw mtvec, t0
    csrw satp, zero
    .align 2
1:
    csrw mstatus, zero
    csrw mie, zero
    csrw medeleg, zero
    csrw mideleg, zero

    /* Real trap vectors (direct mode) and their save areas. */
    la t0, trap_m
    csrw mtvec, t0
    la t0, save_m
    csrw mscratch, t0
    la t0, trap_s
    csrw stvec, t0
    la t0, save_s
    csrw sscratch, t0

    /* Zero .bss (the ELF loader need not). */
    la t0, __bss_start
    la t1, __bss_end
2:  bgeu t0, t1, 3f
    sw zero, 0(t0)
    addi t0, t0, 4
    j 2b
3:
    la sp, stack_top
    call test_main
    /* A C test returns its result: 0 = pass, otherwise the failing case. */
    beqz a0, test_pass
    mv gp, a0
    j test_fail

/* ------------------------------------------------------------------------ */
/* M-mode trap handler (§3.1.7 mtvec, §3.3.1 trap entry).
 *
 * Records mcause, mtval, mepc and mstatus (whose MPP/MPIE describe the
 * trapped context) in trap_info and counts the trap.  Then:
 *   - if trap_info.m_resume_pc is set, returns there (once: the field is
 *     cleared) in privilege trap_info.m_resume_mode (via mstatus.MPP);
 *   - otherwise returns to the instruction after the trapping one, in the
 *     privilege it trapped from.  The length (2 or 4, §1.5) comes from the
 *     low bits of the instruction at mepc, read physically — so skipping is
 *     only for traps taken with translation off or from M-mode; the handler
 *     fails the test rather than guess in other cases or for fetch faults.
 * Interrupts are not expected (mie = 0): one fails the test.  Only t0..t3
 * are used, saved in save_m; sp is swapped with mscratch. */
    .text
    .align 2
    .globl trap_m
trap_m:
    csrrw sp, mscratch, sp
    sw t0, 0(sp)
    sw t1, 4(sp)
    sw t2, 8(sp)
    sw t3, 12(sp)

    la t0, trap_info
    lw t1, TI_M_COUNT(t0)
    addi t1, t1, 1
    sw t1, TI_M_COUNT(t0)
    li t2, 64
    bgeu t1, t2, env_err_runaway     /* a trap loop: stop it */
    csrr t1, mcause
    sw t1, TI_MCAUSE(t0)
    bltz t1, env_err_interrupt
    csrr t2, mtval
    sw t2, TI_MTVAL(t0)
    csrr t2, mepc
    sw t2, TI_MEPC(t0)
    csrr t2, mstatus
    sw t2, TI_MSTATUS(t0)

    lw t2, TI_M_RESUME_PC(t0)
    beqz t2, .Lm_skip
    sw zero, TI_M_RESUME_PC(t0)
    csrw mepc, t2
    lw t2, TI_M_RESUME_MODE(t0)
    li t3, MSTATUS_MPP
    csrc mstatus, t3
    slli t2, t2, MSTATUS_MPP_SHIFT
    and t2, t2, t3
    csrs mstatus, t2
    j .Lm_out

.Lm_skip:
    /* Cannot step over an instruction that could not be fetched. */
    li t2, CAUSE_MISALIGNED_FETCH
    beq t1, t2, env_err_skip
    li t2, CAUSE_FETCH_ACCESS
    beq t1, t2, env_err_skip
    li t2, CAUSE_FETCH_PAGE_FAULT
    beq t1, t2, env_err_skip
    /* mepc is virtual if the trapped mode (MPP) was S/U with satp on. */
    csrr t2, mstatus
    li t3, MSTATUS_MPP
    and t2, t2, t3
    beq t2, t3, 1f                   /* from M: physical */
    csrr t2, satp
    bltz t2, env_err_skip            /* satp.MODE = Sv32 */
1:  csrr t1, mepc
    lhu t2, 0(t1)
    andi t2, t2, 3
    li t3, 3
    addi t1, t1, 2                   /* compressed: 2 bytes */
    bne t2, t3, 2f
    addi t1, t1, 2                   /* low bits 11: 4 bytes */
2:  csrw mepc, t1

.Lm_out:
    lw t0, 0(sp)
    lw t1, 4(sp)
    lw t2, 8(sp)
    lw t3, 12(sp)
    csrrw sp, mscratch, sp
    mret

/* S-mode trap handler (§4.1.2 stvec, §4.1.7-4.1.9), reached only for the
 * exceptions a test delegates through medeleg (§3.1.8).  Same protocol with
 * scause/stval/sepc/sstatus, s_resume_pc/s_resume_mode (U or S, via SPP) and
 * sscratch.  Skipping reads the instruction at sepc through S-mode's own
 * view of memory (identity-mapped or bare in these tests). */
    .align 2
    .globl trap_s
trap_s:
    csrrw sp, sscratch, sp
    sw t0, 0(sp)
    sw t1, 4(sp)
    sw t2, 8(sp)
    sw t3, 12(sp)

    la t0, trap_info
    lw t1, TI_S_COUNT(t0)
    addi t1, t1, 1
    sw t1, TI_S_COUNT(t0)
    li t2, 64
    bgeu t1, t2, env_err_runaway
    csrr t1, scause
    sw t1, TI_SCAUSE(t0)
    bltz t1, env_err_interrupt
    csrr t2, stval
    sw t2, TI_STVAL(t0)
    csrr t2, sepc
    sw t2, TI_SEPC(t0)
    csrr t2, sstatus
    sw t2, TI_SSTATUS(t0)

    lw t2, TI_S_RESUME_PC(t0)
    beqz t2, .Ls_skip
    sw zero, TI_S_RESUME_PC(t0)
    csrw sepc, t2
    lw t2, TI_S_RESUME_MODE(t0)
    li t3, MSTATUS_SPP
    csrc sstatus, t3
    beqz t2, .Ls_out                 /* resume in U: SPP = 0 */
    csrs sstatus, t3                 /* resume in S: SPP = 1 */
    j .Ls_out

.Ls_skip:
    li t2, CAUSE_MISALIGNED_FETCH
    beq t1, t2, env_err_skip
    li t2, CAUSE_FETCH_ACCESS
    beq t1, t2, env_err_skip
    li t2, CAUSE_FETCH_PAGE_FAULT
    beq t1, t2, env_err_skip
    csrr t1, sepc
    lhu t2, 0(t1)
    andi t2, t2, 3
    li t3, 3
    addi t1, t1, 2
    bne t2, t3, 2f
    addi t1, t1, 2
2:  csrw sepc, t1

.Ls_out:
    lw t0, 0(sp)
    lw t1, 4(sp)
    lw t2, 8(sp)
    lw t3, 12(sp)
    csrrw sp, sscratch, sp
    sret

/* Environment errors: report and fail the current case (gp).  They run in
 * the handler's privilege; tohost is reachable in M and, in these tests,
 * through S-mode's identity mapping. */
env_err_runaway:
    la a0, msg_runaway
    j env_err
env_err_interrupt:
    la a0, msg_interrupt
    j env_err
env_err_skip:
    la a0, msg_skip
env_err:
    la sp, stack_top
    call htif_puts
    j test_fail

/* ------------------------------------------------------------------------ */
/* Pass / fail (test.h PASS, FAIL, ASSERT_*). */
    .globl test_pass
test_pass:
    li a0, 0
    j htif_exit

/* test_fail_value(a0 = got, a1 = want): remember the values, then fail. */
    .globl test_fail_value
test_fail_value:
    la t0, fail_info
    sw a0, 0(t0)
    sw a1, 4(t0)
    li t1, 1
    sw t1, 8(t0)
    /* fall through */

/* test_fail: print "FAIL: case N[ got 0x.. want 0x..]\n" on the HTIF
 * console, then end the run with exit status N = gp.  gp = 0 (failure before
 * the first TEST_CASE) would read as a pass, so it is reported as 1. */
    .globl test_fail
test_fail:
    la sp, stack_top
    la a0, msg_fail
    call htif_puts
    mv a0, gp
    call print_dec
    la t0, fail_info
    lw t1, 8(t0)
    beqz t1, 1f
    la a0, msg_got
    call htif_puts
    la t0, fail_info
    lw a0, 0(t0)
    call print_hex
    la a0, msg_want
    call htif_puts
    la t0, fail_info
    lw a0, 4(t0)
    call print_hex
1:  li a0, '\n'
    call htif_putc
    mv a0, gp
    bnez a0, htif_exit
    li a0, 1
    /* fall through */

/* htif_exit(a0 = status): tohost = (status << 1) | 1, then wait forever. */
    .globl htif_exit
htif_exit:
    slli a0, a0, 1
    ori a0, a0, 1
    la t0, tohost
1:  lw t1, 0(t0)                     /* wait for a previous command to drain */
    lw t2, 4(t0)
    or t1, t1, t2
    bnez t1, 1b
    sw a0, 0(t0)
    sw zero, 4(t0)
2:  j 2b

/* htif_putc(a0 = byte): console device 1, command 1 (putchar).
 * Clobbers t0..t2. */
    .globl htif_putc
htif_putc:
    la t0, tohost
1:  lw t1, 0(t0)
    lw t2, 4(t0)
    or t1, t1, t2
    bnez t1, 1b
    andi t1, a0, 0xff
    sw t1, 0(t0)
    li t1, 0x01010000                /* high word: device 1 << 24 | cmd 1 << 16 */
    sw t1, 4(t0)
    /* The host answers in fromhost; acknowledge by clearing it. */
    la t0, fromhost
    sw zero, 0(t0)
    sw zero, 4(t0)
    ret

/* htif_puts(a0 = NUL-terminated string).  Clobbers a0, t0..t3. */
    .globl htif_puts
htif_puts:
    mv t3, ra
    mv a1, a0
1:  lbu a0, 0(a1)
    beqz a0, 2f
    call htif_putc
    addi a1, a1, 1
    j 1b
2:  mv ra, t3
    ret

/* print_hex(a0): "0x" and 8 hex digits.  Clobbers a0..a2, t0..t4. */
print_hex:
    mv t4, ra
    mv a2, a0
    li a0, '0'
    call htif_putc
    li a0, 'x'
    call htif_putc
    li a1, 28
1:  srl a0, a2, a1
    andi a0, a0, 0xf
    li t0, 10
    blt a0, t0, 2f
    addi a0, a0, 'a' - '0' - 10
2:  addi a0, a0, '0'
    call htif_putc
    addi a1, a1, -4
    bgez a1, 1b
    mv ra, t4
    ret

/* print_dec(a0): unsigned decimal.  Clobbers a0..a3, t0..t4. */
print_dec:
    mv t4, ra
    li a1, 1
    li a3, 10
1:  mul a2, a1, a3                   /* a1 = largest power of 10 <= a0 */
    bltu a0, a2, 2f
    divu t0, a2, a3                  /* stop before overflow */
    bne t0, a1, 2f
    mv a1, a2
    j 1b
2:  mv a2, a0
3:  divu a0, a2, a1
    remu a2, a2, a1
    addi a0, a0, '0'
    call htif_putc
    divu a1, a1, a3
    bnez a1, 3b
    mv ra, t4
    ret

/* ------------------------------------------------------------------------ */
    .section .rodata
msg_fail:      .asciz "FAIL: case "
msg_got:       .asciz " got "
msg_want:      .asciz " want "
msg_runaway:   .asciz "env: more than 63 traps, giving up\n"
msg_interrupt: .asciz "env: unexpected interrupt\n"
msg_skip:      .asciz "env: cannot skip this trap (fetch fault or translated epc), set a resume label\n"

    .data
    .align 2
    .globl trap_info
trap_info: .space TI_SIZE
    .size trap_info, TI_SIZE
fail_info: .space 12                 /* got, want, valid */

    .section .stack, "aw", @nobits
    .align 4
save_m: .space 16
save_s: .space 16
    .space 4096
    .globl stack_top
stack_top:
