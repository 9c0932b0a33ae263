// self_modify.c — code written at run time, then executed: the decoded-instruction cache must
// notice the new code (after fence.i, as RISC-V requires) and never run stale instructions.
//
// The program maps an anonymous read/write/execute page with the mmap system call, writes a
// tiny function "li a0, N; ret" into it, calls it, rewrites the immediate, executes fence.i,
// and calls it again — many times, so a cache that kept the old decoding would show it.
#include <stdint.h>
#include <stdio.h>

#include "raw_syscall.h"

enum { SYS_munmap = 215, SYS_mmap = 222 };
enum { PROT_RWX = 7, MAP_PRIVATE_ANON = 0x22 };

// addi a0, zero, imm  (I-type: imm[11:0] rs1=0 funct3=0 rd=10 opcode=0x13)
static uint32_t li_a0(int imm) { return ((uint32_t)(imm & 0xfff) << 20) | (10u << 7) | 0x13u; }
static const uint32_t RET = 0x00008067u; // jalr zero, 0(ra)

int main(void)
{
    long page = sys6(SYS_mmap, 0, 4096, PROT_RWX, MAP_PRIVATE_ANON, -1, 0);
    if (page < 0 && page > -4096) {
        printf("mmap failed: %ld\n", page);
        return 1;
    }
    volatile uint32_t *code = (volatile uint32_t *)page;
    int (*fn)(void) = (int (*)(void))page;
    long total = 0;
    for (int round = 0; round < 200; round++) {
        code[0] = li_a0(round);
        code[1] = RET;
        __asm__ volatile("fence.i" ::: "memory");
        int got = fn();
        if (got != round) {
            printf("round %d: generated code returned %d (stale instructions)\n", round, got);
            return 1;
        }
        total += got;
    }
    printf("200 rewrites executed, sum %ld\n", total);
    printf("munmap: %ld\n", sys6(SYS_munmap, page, 4096, 0, 0, 0, 0));
    return 0;
}
