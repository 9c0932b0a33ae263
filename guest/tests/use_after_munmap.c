// use_after_munmap.c — a page given back with munmap is gone: touching it is SIGSEGV.
//
// Two pages are mapped anonymously and written; the second is unmapped. The first still
// works; the store to the second faults (the process dies with signal 11, status 139).
//
// rvscope-exit: 139
#include <stdio.h>

#include "raw_syscall.h"

enum { SYS_munmap = 215, SYS_mmap = 222, PAGE = 4096 };

__attribute__((noinline)) static void poke(volatile int *p, int v) { *p = v; }

int main(void)
{
    long m = sys6(SYS_mmap, 0, 2 * PAGE, 3 /* RW */, 0x22 /* PRIVATE|ANONYMOUS */, -1, 0);
    if (m < 0 && m > -4096) {
        printf("mmap failed: %ld\n", m);
        return 1;
    }
    volatile int *first = (volatile int *)m;
    volatile int *second = (volatile int *)(m + PAGE);
    poke(first, 1);
    poke(second, 2);
    printf("both pages written: %d %d\n", *first, *second);
    printf("munmap second page: %ld\n", sys6(SYS_munmap, m + PAGE, PAGE, 0, 0, 0, 0));
    poke(first, 3);
    printf("first page still usable: %d\n", *first);
    fflush(stdout);
    poke(second, 4);
    printf("not reached\n");
    return 0;
}
