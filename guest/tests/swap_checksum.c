// swap_checksum.c — a checksum over a buffer several times larger than a small RAM.
//
// The buffer (3 MiB by default) is filled with an LCG pattern, then read and updated in
// three orders — sequential, a large stride, and pseudo-random pages — so every page
// replacement policy has to evict and bring back pages in a different order. The output
// must be identical at any --ram size and under qemu-riscv32 (DESIGN.md §6): only cycles
// and fault counts may differ (tests/swap.rs runs it with --ram 1M, 4M and 1G).
//
// Usage: swap_checksum [BYTES]
//
// rvscope-args: 3145728
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    long bytes = argc > 1 ? atol(argv[1]) : 3L << 20;
    if (bytes < 65536 || bytes > (64L << 20)) {
        printf("usage: swap_checksum [BYTES]  (64K <= BYTES <= 64M)\n");
        return 2;
    }
    size_t words = (size_t)bytes / sizeof(uint32_t);
    uint32_t *buf = malloc(words * sizeof *buf);
    if (buf == NULL) {
        printf("cannot allocate %ld bytes\n", bytes);
        return 1;
    }
    uint32_t x = 12345;
    for (size_t i = 0; i < words; i++) {
        x = x * 1664525u + 1013904223u;
        buf[i] = x;
    }

    uint32_t sum = 0;
    /* Sequential read. */
    for (size_t i = 0; i < words; i++)
        sum = (sum ^ buf[i]) * 0x01000193u;
    /* Stride of 4 KiB + 4 bytes: a new page on every access, updating as it goes. */
    size_t stride = 1025;
    for (size_t k = 0, i = 0; k < words; k++) {
        buf[i] += (uint32_t)k;
        sum = (sum + buf[i]) * 0x9e3779b1u;
        i += stride;
        if (i >= words)
            i -= words;
    }
    /* Pseudo-random pages, a few words each. */
    size_t pages = words / 1024;
    for (int r = 0; r < 4096; r++) {
        x = x * 1664525u + 1013904223u;
        size_t base = (size_t)(x >> 8) % pages * 1024;
        for (size_t j = 0; j < 16; j++) {
            sum = (sum ^ buf[base + j * 61]) * 0x01000193u;
            if (j & 1)
                buf[base + j * 61] ^= sum;
        }
    }
    /* Sequential again, seeing every update. */
    for (size_t i = 0; i < words; i++)
        sum = (sum ^ buf[i]) * 0x01000193u;

    printf("bytes = %ld\n", bytes);
    printf("checksum = %08lx\n", (unsigned long)sum);
    free(buf);
    return 0;
}
