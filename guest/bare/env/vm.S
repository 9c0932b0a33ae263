/* vm.S — a tiny Sv32 page table for the bare tests (priv §4.3).
 *
 * One root table (level 1) and one level-0 table, both in .pagetables:
 *
 *   root[0x200]  VA 0x8000_0000-0x803F_FFFF -> PA the same: a 4 MiB megapage
 *                (§4.3.1: a leaf at level 1) covering the whole program, with
 *                the flags given to pt_init.  M-mode handlers, test code and
 *                trap_info keep working in S/U-mode through it.
 *   root[0]      pointer to the level-0 table: VA 0x0000_0000-0x003F_FFFF in
 *                4 KiB pages, installed by pt_map4k.
 *   root[n]      other megapages, installed by pt_map_mega.
 *
 * A PTE is (PA >> 12) << 10 | flags (figure 4.18); a non-leaf PTE has only V
 * set (A, D, U must be 0, §4.3.1).  Flags passed to pt_map4k/pt_map_mega are
 * stored as given (include PTE_V yourself), so tests can build invalid or
 * A=0/D=0 entries.  Every function ends with sfence.vma (§4.2.1) so the
 * change is visible to the next translation.  Call them from M-mode (the
 * tables are addressed physically).  Clobber: a0-a3, t0-t2.
 */
#include "encoding.h"

    .text
    .align 2

/* pt_init(a0 = flags of the identity megapage, e.g. PTE_V|PTE_R|PTE_W|PTE_X|
 * PTE_A|PTE_D [|PTE_U]): clear both tables, install root[0x200] and root[0].
 */
    .globl pt_init
pt_init:
    la t0, pt_root
    li t1, 2 * PAGE_SIZE             /* pt_root and pt_l0 are adjacent */
    add t1, t1, t0
1:  sw zero, 0(t0)
    addi t0, t0, 4
    bltu t0, t1, 1b

    la t0, pt_root
    li t1, (0x80000000 >> 12) << PTE_PPN_SHIFT
    or t1, t1, a0
    li t2, 0x200 * 4                 /* root[0x200]: offset 0x800 > 12-bit */
    add t2, t2, t0
    sw t1, 0(t2)
    la t1, pt_l0
    srli t1, t1, 12
    slli t1, t1, PTE_PPN_SHIFT
    ori t1, t1, PTE_V
    sw t1, 0(t0)
    sfence.vma
    ret

/* pt_map4k(a0 = va < 4 MiB, a1 = pa, a2 = flags) -> a0 = address of the PTE */
    .globl pt_map4k
pt_map4k:
    srli a0, a0, 12
    andi a0, a0, 0x3ff
    slli a0, a0, 2
    la t0, pt_l0
    add a0, a0, t0
    srli a1, a1, 12
    slli a1, a1, PTE_PPN_SHIFT
    or a1, a1, a2
    sw a1, 0(a0)
    sfence.vma
    ret

/* pt_map_mega(a0 = va, a1 = pa, a2 = flags) -> a0 = address of the root PTE.
 * pa need not be 4 MiB aligned: a misaligned superpage is a page fault
 * (§4.3.2 step 6), which sv32_megapage tests. */
    .globl pt_map_mega
pt_map_mega:
    srli a0, a0, 22
    slli a0, a0, 2
    la t0, pt_root
    add a0, a0, t0
    srli a1, a1, 12
    slli a1, a1, PTE_PPN_SHIFT
    or a1, a1, a2
    sw a1, 0(a0)
    sfence.vma
    ret

/* pt_enable: satp = Sv32 | root PPN (ASID 0), sfence.vma (§4.1.11).
 * Translation applies from the next S/U-mode access; M-mode stays physical
 * (MPRV = 0). */
    .globl pt_enable
pt_enable:
    la t0, pt_root
    srli t0, t0, 12
    li t1, SATP_MODE_SV32
    or t0, t0, t1
    csrw satp, t0
    sfence.vma
    ret

/* pt_disable: satp = 0 (Bare). */
    .globl pt_disable
pt_disable:
    csrw satp, zero
    sfence.vma
    ret

    .section .pagetables, "aw", @nobits
    .align 12
    .globl pt_root, pt_l0
pt_root: .space PAGE_SIZE
pt_l0:   .space PAGE_SIZE
