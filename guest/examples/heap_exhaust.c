// heap_exhaust.c — grow the heap until malloc says no.
//
// Allocates 256 KiB blocks with malloc and writes every page of each, until malloc returns
// NULL or LIMIT_MIB MiB are reached, then checks the blocks and frees them. rvscope backs the
// heap with RAM and then swap: malloc returns NULL only when the heap would outgrow RAM +
// swap (or the address space), never because RAM alone is full:
//
//   rvscope run --ram 1M --swap 2M heap_exhaust.elf 0     # 0: no limit
//   got 2 MiB before malloc returned NULL (limit none)
//
// With a limit (the default, 8 MiB) the program's output is the same everywhere, qemu-riscv32
// included.
//
// Usage: heap_exhaust [LIMIT_MIB]   (0: until NULL)
//
// rvscope-args: 8
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define BLOCK (256 * 1024)
#define MAX_BLOCKS 16384

static uint8_t *blocks[MAX_BLOCKS];

int main(int argc, char **argv)
{
    long limit_mib = argc > 1 ? atol(argv[1]) : 8;
    long limit_blocks = limit_mib > 0 ? limit_mib * (1024 * 1024 / BLOCK) : MAX_BLOCKS;
    if (limit_blocks > MAX_BLOCKS)
        limit_blocks = MAX_BLOCKS;
    long n = 0;
    int got_null = 0;
    while (n < limit_blocks) {
        uint8_t *p = malloc(BLOCK);
        if (p == NULL) {
            got_null = 1;
            break;
        }
        for (long i = 0; i < BLOCK; i += 4096)
            p[i] = (uint8_t)(n + i / 4096);
        blocks[n++] = p;
    }
    long bad = 0;
    for (long b = 0; b < n; b++) {
        for (long i = 0; i < BLOCK; i += 4096)
            bad += blocks[b][i] != (uint8_t)(b + i / 4096);
        free(blocks[b]);
    }
    long mib = n * BLOCK / (1024 * 1024);
    if (limit_mib > 0)
        printf("got %ld MiB %s (limit %ld MiB), %ld bad pages\n", mib,
               got_null ? "before malloc returned NULL" : "without a NULL", limit_mib, bad);
    else
        printf("got %ld MiB before malloc returned NULL (limit none), %ld bad pages\n", mib, bad);
    return 0;
}
