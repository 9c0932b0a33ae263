// kernel_access.c — user accesses to the kernel's range (0xC0000000 and up), each a SIGSEGV
// (status 139) reported as a kernel address: the kernel's linear map of RAM is mapped with
// supervisor-only megapages (U clear), and above the end of RAM nothing is mapped at all.
//
// arg: store (default: a store into the first megapage), ram-end (a load from the last mapped
// megapage of 128 MiB RAM), top (a load from 0xfffffffc, past the linear map) or fetch (a
// jump to 0xc0000000) — tests/faults.rs runs them all.
//
// rvscope-args: store
// rvscope-exit: 139
#include <stdint.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    const char *what = argc > 1 ? argv[1] : "store";
    printf("kernel range: %s\n", what);
    fflush(stdout);
    volatile uintptr_t addr = 0xc0000040u;
    if (strcmp(what, "ram-end") == 0) {
        addr = 0xc7fffff0u;
        return (int)*(volatile uint32_t *)addr;
    }
    if (strcmp(what, "top") == 0) {
        addr = 0xfffffffcu;
        return (int)*(volatile uint32_t *)addr;
    }
    if (strcmp(what, "fetch") == 0) {
        addr = 0xc0000000u;
        return ((int (*)(void))addr)();
    }
    *(volatile uint32_t *)addr = 0;
    return 0;
}
