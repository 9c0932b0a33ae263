// nx_fetch.c — copy a two-instruction function ("li a0,0; ret") into a page the program can
// write and call it: heap, stack and mmap pages are mapped without execute permission (the
// PTE's X bit is clear), so the fetch faults and the process dies with SIGSEGV (status 139),
// as on Linux with its no-execute data mappings. The page is already resident (written just
// before), so this is the permission check of a valid PTE, not demand paging.
//
// arg: heap (default), stack or mmap — tests/faults.rs runs all three.
//
// rvscope-args: heap
// rvscope-exit: 139
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "raw_syscall.h"

enum { SYS_mmap = 222 };
enum { PROT_READ = 1, PROT_WRITE = 2, MAP_PRIVATE = 0x02, MAP_ANONYMOUS = 0x20 };

static const uint32_t code[2] = {0x00000513u, 0x00008067u}; // li a0,0; ret

static int call(void *where)
{
    memcpy(where, code, sizeof code);
    __asm__ volatile("fence.i" ::: "memory");
    int (*fn)(void) = (int (*)(void))where;
    return fn();
}

int main(int argc, char **argv)
{
    const char *where = argc > 1 ? argv[1] : "heap";
    printf("calling code copied to the %s\n", where);
    fflush(stdout);
    if (strcmp(where, "stack") == 0) {
        volatile uint32_t on_stack[4];
        return call((void *)on_stack);
    }
    if (strcmp(where, "mmap") == 0) {
        long m = sys6(SYS_mmap, 0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        return call((void *)m);
    }
    return call(malloc(64));
}
