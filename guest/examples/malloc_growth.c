// malloc_growth.c — how a heap grows, fragments and gets reused.
//
// Phase 1 allocates many blocks of assorted sizes (the heap grows with brk).
// Phase 2 frees every other block, leaving holes.  Phase 3 allocates smaller
// blocks that fit in those holes (reuse: the heap need not grow).  Phase 4
// grows one buffer with realloc, which may move it.  Every block is filled
// with a pattern and checked, and checksums are printed.
//
// Usage: malloc_growth [BLOCKS]   (default 2000)
//
// rvscope-args: 2000
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>

static uint32_t lcg_state = 2024;
static uint32_t lcg(void)
{
    lcg_state = lcg_state * 1664525u + 1013904223u;
    return lcg_state >> 8;
}

static void fill(uint8_t *p, size_t n, uint32_t seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(seed + i * 31);
}

/* Checksum a block and verify the fill pattern at the same time. */
static uint32_t check(const uint8_t *p, size_t n, uint32_t seed, int *bad)
{
    uint32_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] != (uint8_t)(seed + i * 31))
            (*bad)++;
        sum = sum * 33 + p[i];
    }
    return sum;
}

int main(int argc, char **argv)
{
    int nblocks = argc > 1 ? atoi(argv[1]) : 2000;
    if (nblocks < 2 || nblocks > 100000) {
        printf("BLOCKS must be between 2 and 100000\n");
        return 2;
    }
    uint8_t **block = calloc((size_t)nblocks, sizeof *block);
    size_t *size = calloc((size_t)nblocks, sizeof *size);
    if (!block || !size) {
        printf("out of memory\n");
        return 1;
    }
    unsigned long requested = 0;
    int bad = 0;
    uint32_t sum = 0;

    /* Phase 1: grow. Sizes from 8 bytes to 4 KiB, with a few 64 KiB blocks. */
    for (int i = 0; i < nblocks; i++) {
        size[i] = (i % 97 == 0) ? 65536 : 8 + lcg() % 4089;
        block[i] = malloc(size[i]);
        if (!block[i]) {
            printf("malloc failed at block %d\n", i);
            return 1;
        }
        fill(block[i], size[i], (uint32_t)i);
        requested += size[i];
    }
    printf("phase 1: %d blocks, %lu bytes requested\n", nblocks, requested);

    /* Phase 2: fragment. Free every other block. */
    unsigned long freed = 0;
    for (int i = 0; i < nblocks; i += 2) {
        sum += check(block[i], size[i], (uint32_t)i, &bad);
        freed += size[i];
        free(block[i]);
        block[i] = NULL;
    }
    printf("phase 2: freed %lu bytes in %d holes\n", freed, (nblocks + 1) / 2);

    /* Phase 3: reuse. Allocate half-size blocks into the holes. */
    unsigned long reused = 0;
    for (int i = 0; i < nblocks; i += 2) {
        size[i] = size[i] / 2 + 1;
        block[i] = malloc(size[i]);
        if (!block[i]) {
            printf("malloc failed in phase 3\n");
            return 1;
        }
        fill(block[i], size[i], (uint32_t)i * 7u);
        reused += size[i];
    }
    printf("phase 3: %lu bytes allocated again\n", reused);

    /* Phase 4: realloc growth. Double a buffer up to 1 MiB; the old contents
       must survive every move. */
    size_t cap = 16;
    uint8_t *buf = malloc(cap);
    if (!buf) {
        printf("out of memory\n");
        return 1;
    }
    fill(buf, cap, 99);
    int reallocs = 0;
    while (cap < (1u << 20)) {
        uint8_t *bigger = realloc(buf, cap * 2);
        if (!bigger) {
            printf("realloc failed at %lu bytes\n", (unsigned long)cap * 2);
            return 1;
        }
        buf = bigger;
        /* Check the old part, then extend the pattern. */
        sum += check(buf, cap, 99, &bad);
        fill(buf, cap * 2, 99);
        cap *= 2;
        reallocs++;
    }
    printf("phase 4: %d reallocs up to %lu bytes\n", reallocs, (unsigned long)cap);

    /* Verify everything still live, then free it all. */
    for (int i = 0; i < nblocks; i++) {
        uint32_t seed = (i % 2 == 0) ? (uint32_t)i * 7u : (uint32_t)i;
        sum += check(block[i], size[i], seed, &bad);
        free(block[i]);
    }
    sum += check(buf, cap, 99, &bad);
    free(buf);
    free(block);
    free(size);

    printf("total requested: %lu bytes\n", requested + reused + 2 * cap);
    printf("checksum = %08lx\n", (unsigned long)sum);
    printf("corrupted bytes: %d\n", bad);
    return bad != 0;
}
