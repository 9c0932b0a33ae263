// kernel_read.c — load from 0xC0000000, the start of the kernel's part of the
// address space: user code may not touch it, the process dies with SIGSEGV.
//
// rvscope-exit: 139
#include <stdio.h>
#include <stdint.h>

int main(void)
{
    printf("about to read address 0xc0000000\n");
    fflush(stdout);
    volatile uintptr_t addr = 0xc0000000u;
    uint32_t v = *(volatile uint32_t *)addr;
    printf("not reached: %lu\n", (unsigned long)v);
    return 0;
}
