// self_modify.c — code written at run time, then executed: the decoded-instruction cache must
// notice the new code (after fence.i, as RISC-V requires) and never run stale instructions.
//
// The program maps an anonymous read/write/execute page with the mmap system call, writes a
// tiny function "li a0, N; ret" into it, calls it, rewrites the immediate, executes fence.i,
// and calls it again — many times, so a cache that kept the old decoding would show it.
#include <stdint.h>
#include <stdio.h>

static long raw_syscall6(long nr, long a0, long a1, long a2, long a3, long a4, long a5)
{
    register long x10 __asm__("a0") = a0;
    register long x11 __asm__("a1") = a1;
    register long x12 __asm__("a2") = a2;
    register long x13 __asm__("a3") = a3;
    register long x14 __asm__("a4") = a4;
    register long x15 __asm__("a5") = a5;
    register long x17 __asm__("a7") = nr;
    __asm__ volatile("ecall"
                     : "+r"(x10)
                     : "r"(x11), "r"(x12), "r"(x13), "r"(x14), "r"(x15), "r"(x17)
                     : "memory");
    return x10;
}

enum { SYS_munmap = 215, SYS_mmap = 222 };
enum { PROT_RWX = 7, MAP_PRIVATE_ANON = 0x22 };

// addi a0, zero, imm  (I-type: imm[11:0] rs1=0 funct3=0 rd=10 opcode=0x13)
static uint32_t li_a0(int imm) { return ((uint32_t)(imm & 0xfff) << 20) | (10u << 7) | 0x13u; }
static const uint32_t RET = 0x00008067u; // jalr zero, 0(ra)

int main(void)
{
    long page = raw_syscall6(SYS_mmap, 0, 4096, PROT_RWX, MAP_PRIVATE_ANON, -1, 0);
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
    printf("munmap: %ld\n", raw_syscall6(SYS_munmap, page, 4096, 0, 0, 0, 0));
    return 0;
}
