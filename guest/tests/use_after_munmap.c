// use_after_munmap.c — a page given back with munmap is gone: touching it is SIGSEGV.
//
// Two pages are mapped anonymously and written; the second is unmapped. The first still
// works; the store to the second faults (the process dies with signal 11, status 139).
//
// rvscope-exit: 139
#include <stdio.h>

static long sys6(long nr, long a0, long a1, long a2, long a3, long a4, long a5)
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
