/* encoding.h — privileged-architecture constants used by the bare tests.
 *
 * Numbers are from the RISC-V Privileged Specification, version 20211203
 * ("priv 1.12"); section numbers below refer to it.  Usable from C and from
 * assembly (.S files go through the C preprocessor).
 */
#ifndef BARE_ENCODING_H
#define BARE_ENCODING_H

/* Privilege levels (§1.2, table 1.1). */
#define PRV_U 0
#define PRV_S 1
#define PRV_M 3

/* mstatus / sstatus fields, RV32 (§3.1.6, figure 3.7; §4.1.1). */
#define MSTATUS_SIE  0x00000002
#define MSTATUS_MIE  0x00000008
#define MSTATUS_SPIE 0x00000020
#define MSTATUS_MPIE 0x00000080
#define MSTATUS_SPP  0x00000100
#define MSTATUS_MPP  0x00001800
#define MSTATUS_MPP_SHIFT 11
#define MSTATUS_MPRV 0x00020000
#define MSTATUS_SUM  0x00040000
#define MSTATUS_MXR  0x00080000
#define MSTATUS_TVM  0x00100000
#define MSTATUS_TW   0x00200000
#define MSTATUS_TSR  0x00400000

/* misa (§3.1.1): MXL in bits 31:30 (1 = 32-bit), one bit per letter. */
#define MISA_MXL_SHIFT 30
#define MISA_EXT(letter) (1 << ((letter) - 'A'))

/* Exception codes, mcause/scause with the interrupt bit clear (§3.1.15,
 * table 3.6). */
#define CAUSE_MISALIGNED_FETCH    0
#define CAUSE_FETCH_ACCESS        1
#define CAUSE_ILLEGAL_INSTRUCTION 2
#define CAUSE_BREAKPOINT          3
#define CAUSE_MISALIGNED_LOAD     4
#define CAUSE_LOAD_ACCESS         5
#define CAUSE_MISALIGNED_STORE    6   /* store/AMO address misaligned */
#define CAUSE_STORE_ACCESS        7
#define CAUSE_USER_ECALL          8
#define CAUSE_SUPERVISOR_ECALL    9
#define CAUSE_MACHINE_ECALL       11
#define CAUSE_FETCH_PAGE_FAULT    12
#define CAUSE_LOAD_PAGE_FAULT     13
#define CAUSE_STORE_PAGE_FAULT    15

/* Sv32 (§4.3): satp.MODE is bit 31, the root PPN bits 21:0. */
#define SATP_MODE_SV32 0x80000000

/* Sv32 page-table entry bits (§4.3.1, figure 4.18). */
#define PTE_V 0x001
#define PTE_R 0x002
#define PTE_W 0x004
#define PTE_X 0x008
#define PTE_U 0x010
#define PTE_G 0x020
#define PTE_A 0x040
#define PTE_D 0x080
#define PTE_PPN_SHIFT 10

#define PAGE_SIZE     0x1000
#define MEGAPAGE_SIZE 0x400000

#endif /* BARE_ENCODING_H */
