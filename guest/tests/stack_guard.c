// stack_guard.c — single accesses around the bottom of the 8 MiB stack (DESIGN.md §2: top
// 0xbffff000, so the limit is 0xbf7ff000, with a 1 MiB guard gap below it).
//
// arg: gap (default: a store 4 bytes below the limit, in the guard gap: "stack overflow") or
// below-gap (a load 4 bytes below the gap, where nothing is mapped: "unmapped") —
// tests/faults.rs runs both. Both fault under qemu-riscv32 as well (its stack is elsewhere).
//
// rvscope-args: gap
// rvscope-exit: 139
#include <stdint.h>
#include <stdio.h>
#include <string.h>

enum { STACK_LIMIT = 0xbf7ff000u, GUARD_GAP = 256 * 4096 };

int main(int argc, char **argv)
{
    const char *what = argc > 1 ? argv[1] : "gap";
    printf("stack guard: %s\n", what);
    fflush(stdout);
    if (strcmp(what, "below-gap") == 0) {
        volatile uintptr_t addr = STACK_LIMIT - GUARD_GAP - 4;
        return (int)*(volatile uint32_t *)addr;
    }
    volatile uintptr_t addr = STACK_LIMIT - 4;
    *(volatile uint32_t *)addr = 1;
    return 0;
}
