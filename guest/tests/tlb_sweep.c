// tlb_sweep.c — N pages of a fresh page-aligned buffer read in order, twice, one load per page
// (arg: N, at most 64), for the hand-computed D-TLB and page-walk figures of tests/tlb.rs.
//
// The buffer is an anonymous mmap of 64 pages, whatever N is, so every run builds the same
// address space and no page of it is touched before the sweep (bss would not do: crt0 clears
// it with memset). `sweep` is a leaf function whose pointer, counter and sum live in registers:
// its only data accesses are the 2N loads. Nothing after it touches memory — the program ends
// with a raw exit ecall, status = the sum of fresh zero pages = 0 — so the figures of the sweep
// are those of a whole run with N minus those of a run with 0 (give both the same number of
// digits, e.g. 08 and 00, so that parsing and printing them cost the same).
//
// rvscope-args: 08
#include <stdio.h>
#include <stdlib.h>

#include "raw_syscall.h"

enum { SYS_exit = 93, SYS_mmap = 222 };
enum { PROT_READ = 1, PROT_WRITE = 2, MAP_PRIVATE = 0x02, MAP_ANONYMOUS = 0x20 };
enum { PAGE = 4096, MAX_PAGES = 64, PASSES = 2 };

__attribute__((noinline)) static unsigned long sweep(const volatile unsigned char *buf, unsigned long pages)
{
    unsigned long sum = 0;
    for (int pass = 0; pass < PASSES; pass++)
        for (unsigned long i = 0; i < pages; i++)
            sum += buf[i * PAGE];
    return sum;
}

int main(int argc, char **argv)
{
    const char *arg = argc > 1 ? argv[1] : "08";
    unsigned long n = strtoul(arg, NULL, 10);
    if (n > MAX_PAGES) {
        printf("at most %d pages\n", MAX_PAGES);
        return 2;
    }
    long buf = sys6(SYS_mmap, 0, MAX_PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (buf < 0 && buf > -4096) {
        printf("mmap failed\n");
        return 1;
    }
    printf("sweeping %s pages %d times\n", arg, PASSES);
    fflush(stdout);
    unsigned long sum = sweep((const volatile unsigned char *)buf, n);
    sys6(SYS_exit, (long)sum, 0, 0, 0, 0, 0);
    __builtin_unreachable();
}
