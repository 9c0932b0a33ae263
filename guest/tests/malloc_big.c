// malloc_big.c — malloc/realloc/free with more than 16 MiB live at once.
//
// newlib's malloc gets memory from the kernel with brk (sbrk), so this makes
// the heap grow past 16 MiB.  Every block is filled with a pattern derived
// from its index and checked after the other allocations, reallocs and frees.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>

#define NBLOCKS 48

static uint8_t *block[NBLOCKS];
static size_t size[NBLOCKS];

static void fill(uint8_t *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)((i >> 4) + seed * 13u);
}

/* Returns the number of bytes that do not match the pattern. */
static size_t verify(const uint8_t *p, size_t n, unsigned seed)
{
    size_t bad = 0;
    for (size_t i = 0; i < n; i++)
        bad += p[i] != (uint8_t)((i >> 4) + seed * 13u);
    return bad;
}

int main(void)
{
    size_t live = 0, peak = 0, bad = 0;

    /* 48 blocks of 64 KiB .. 704 KiB: about 18 MiB in total. */
    for (unsigned i = 0; i < NBLOCKS; i++) {
        size[i] = (64u + 64u * (i % 11)) * 1024u;
        block[i] = malloc(size[i]);
        if (block[i] == NULL) {
            printf("malloc(%lu) failed at block %u\n", (unsigned long)size[i], i);
            return 1;
        }
        fill(block[i], size[i], i);
        live += size[i];
    }
    peak = live;
    printf("allocated %d blocks, %lu bytes (> 16 MiB: %s)\n", NBLOCKS,
           (unsigned long)live, live > (16u << 20) ? "yes" : "no");

    for (unsigned i = 0; i < NBLOCKS; i++)
        bad += verify(block[i], size[i], i);
    printf("verify after allocation: %lu bad bytes\n", (unsigned long)bad);

    /* Grow every third block by 50%: the old contents must be preserved. */
    for (unsigned i = 0; i < NBLOCKS; i += 3) {
        size_t bigger = size[i] + size[i] / 2;
        uint8_t *p = realloc(block[i], bigger);
        if (p == NULL) {
            printf("realloc failed at block %u\n", i);
            return 1;
        }
        bad += verify(p, size[i], i);
        live += bigger - size[i];
        block[i] = p;
        size[i] = bigger;
        fill(p, bigger, i);
    }
    if (live > peak)
        peak = live;
    printf("after realloc: %lu bytes live, %lu bad bytes\n", (unsigned long)live,
           (unsigned long)bad);

    /* Shrink some blocks, free the odd ones, allocate new ones in their place. */
    for (unsigned i = 1; i < NBLOCKS; i += 2) {
        live -= size[i];
        free(block[i]);
        size[i] = 4096u * (i + 1);
        block[i] = malloc(size[i]);
        if (block[i] == NULL) {
            printf("malloc failed after free at block %u\n", i);
            return 1;
        }
        fill(block[i], size[i], i + 100u);
        live += size[i];
    }
    for (unsigned i = 0; i < NBLOCKS; i += 4) {
        size_t smaller = size[i] / 4;
        block[i] = realloc(block[i], smaller);   /* shrinking never fails here */
        live -= size[i] - smaller;
        size[i] = smaller;
    }

    /* Final check of every block, then free everything. */
    for (unsigned i = 0; i < NBLOCKS; i++) {
        unsigned seed = (i % 2 == 1) ? i + 100u : i;
        bad += verify(block[i], size[i], seed);
        free(block[i]);
    }
    printf("final: %lu bytes were live, peak %lu bytes, %lu bad bytes\n",
           (unsigned long)live, (unsigned long)peak, (unsigned long)bad);

    /* calloc must return zeroed memory, even when it reuses freed blocks. */
    uint32_t *z = calloc(1u << 20, sizeof *z);
    size_t nonzero = 0;
    if (z == NULL) {
        printf("calloc failed\n");
        return 1;
    }
    for (size_t i = 0; i < (1u << 20); i++)
        nonzero += z[i] != 0;
    free(z);
    printf("calloc 4 MiB: %lu non-zero words\n", (unsigned long)nonzero);
    return bad != 0 || nonzero != 0;
}
