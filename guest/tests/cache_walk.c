// cache_walk.c — memory walks whose L1D misses can be computed by hand (tests/cache_guests.rs).
//
//   cache_walk walk BYTES STRIDE PASSES   PASSES times, one 4-byte load every STRIDE bytes over
//                                         the first BYTES bytes of `arena`
//   cache_walk rows N | cols N            sum of an N x N int matrix (N <= 256) held in `arena`,
//                                         row by row or column by column
//
// Every load of a measured walk is a volatile 4-byte load from `arena`; everything else the
// loop needs stays in registers. `arena` and `scrub` come from one anonymous mmap, made with a
// raw system call: page-aligned (so aligned to any line size, and a set index taken from the
// low 12 address bits is the same for the virtual and the physical address), zero, and never
// written, so the sums print 0 and their lines are never touched before a walk reads them —
// its first misses are compulsory. (A static array would not do: crt0's memset of .bss touches
// every line of it first.)
//
// To isolate a walk, a test runs the program twice with arguments of the same length (numbers
// zero-padded, e.g. PASSES 000001 against 000000) and subtracts: start-up, argument parsing and
// the printf are then identical access for access. After the walk, `drain` reads all of
// `scrub` (64 KiB, twice the default L1D), which leaves an LRU L1D of up to 64 KiB in the same
// state whatever the walk did (the last lines of `scrub` in every way of every set), so the
// rest of the program misses the same in both runs; `drain`'s own misses are all compulsory in
// both (its lines were never touched before). The difference is the walk alone.
//
// rvscope-args: walk 008192 000004 000002
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "raw_syscall.h"

enum { ARENA_BYTES = 256 * 1024, SCRUB_BYTES = 64 * 1024, MATRIX_MAX = 256 };

enum { SYS_mmap = 222, PROT_READ_WRITE = 3, MAP_PRIVATE_ANON = 0x22 };


static uint32_t load(const unsigned char *base, uint32_t offset)
{
    return *(const volatile uint32_t *)(base + offset);
}

__attribute__((noinline)) static uint32_t walk(const unsigned char *arena, uint32_t bytes, uint32_t stride, uint32_t passes)
{
    uint32_t sum = 0;
    for (uint32_t p = 0; p < passes; p++)
        for (uint32_t off = 0; off < bytes; off += stride)
            sum += load(arena, off);
    return sum;
}

__attribute__((noinline)) static uint32_t sum_rows(const unsigned char *arena, uint32_t n)
{
    uint32_t sum = 0;
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t j = 0; j < n; j++)
            sum += load(arena, (i * n + j) * 4);
    return sum;
}

__attribute__((noinline)) static uint32_t sum_cols(const unsigned char *arena, uint32_t n)
{
    uint32_t sum = 0;
    for (uint32_t j = 0; j < n; j++)
        for (uint32_t i = 0; i < n; i++)
            sum += load(arena, (i * n + j) * 4);
    return sum;
}

// Reads every 4 bytes of `scrub` (see the header).
__attribute__((noinline)) static uint32_t drain(const unsigned char *scrub)
{
    uint32_t sum = 0;
    for (uint32_t off = 0; off < SCRUB_BYTES; off += 4)
        sum += load(scrub, off);
    return sum;
}

static int usage(void)
{
    printf("usage: cache_walk walk BYTES STRIDE PASSES | rows N | cols N\n");
    return 2;
}

int main(int argc, char **argv)
{
    if (argc < 3)
        return usage();
    long map = sys6(SYS_mmap, 0, ARENA_BYTES + SCRUB_BYTES, PROT_READ_WRITE, MAP_PRIVATE_ANON, -1, 0);
    if (map < 0 && map > -4096) {
        printf("mmap failed: %ld\n", map);
        return 1;
    }
    // The kernels take the base as an argument so that it stays in a register.
    const unsigned char *arena = (const unsigned char *)map;
    const unsigned char *scrub = arena + ARENA_BYTES;
    uint32_t sum;
    if (strcmp(argv[1], "walk") == 0 && argc == 5) {
        uint32_t bytes = (uint32_t)strtoul(argv[2], NULL, 10);
        uint32_t stride = (uint32_t)strtoul(argv[3], NULL, 10);
        uint32_t passes = (uint32_t)strtoul(argv[4], NULL, 10);
        if (bytes > ARENA_BYTES || stride < 4 || stride % 4 != 0)
            return usage();
        sum = walk(arena, bytes, stride, passes);
    } else if ((strcmp(argv[1], "rows") == 0 || strcmp(argv[1], "cols") == 0) && argc == 3) {
        uint32_t n = (uint32_t)strtoul(argv[2], NULL, 10);
        if (n > MATRIX_MAX)
            return usage();
        sum = argv[1][0] == 'r' ? sum_rows(arena, n) : sum_cols(arena, n);
    } else {
        return usage();
    }
    sum += drain(scrub);
    printf("%s: sum %lu\n", argv[1], (unsigned long)sum);
    return 0;
}
