// null_deref.c — read through a null pointer: the process dies with SIGSEGV.
//
// Page 0 (in fact the whole first 64 KiB) is never mapped, so the load faults.
// rvscope names the faulting instruction, function and source line;
// qemu-riscv32 just dies with signal 11 (a shell reports status 139).
//
// rvscope-exit: 139
#include <stdio.h>

/* The pointer is volatile so the compiler really emits the load: a plain
   *(int *)0 is undefined behaviour that GCC may replace by a trap. */
__attribute__((noinline)) static int read_through_null(void)
{
    int *volatile p = 0;
    return *p;
}

int main(void)
{
    printf("about to read address 0\n");
    fflush(stdout);
    int v = read_through_null();
    printf("not reached: %d\n", v);
    return 0;
}
