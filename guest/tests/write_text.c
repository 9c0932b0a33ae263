// write_text.c — store into the program's own code: SIGSEGV.
//
// The text segment is mapped read+execute, not writable, so a store to the
// address of a function faults (status 139).
//
// rvscope-exit: 139
#include <stdio.h>
#include <stdint.h>

__attribute__((noinline)) static int victim(int x)
{
    return x * 3 + 1;
}

int main(void)
{
    printf("victim(2) = %d\n", victim(2));
    printf("about to overwrite the first instruction of victim()\n");
    fflush(stdout);
    /* Go through a volatile integer so the compiler cannot see what the
       pointer points at. */
    volatile uintptr_t addr = (uintptr_t)&victim;
    *(volatile uint32_t *)addr = 0x00000013u;   /* a nop */
    printf("not reached: %d\n", victim(2));
    return 0;
}
