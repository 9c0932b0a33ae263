// thrash.c — sweep a big buffer several times (for paging and swap demos).
//
// The buffer is filled once and then read front to back PASSES times.  When
// it is bigger than the simulated RAM (rvscope run --ram 2M ...), every pass
// has to bring pages back in from swap: the page-fault count explodes while
// the checksum stays exactly the same.
//
// Usage: thrash [BYTES [PASSES]]   (defaults: 8 MiB = 8388608, 4 passes)
//
// rvscope-args: 8388608 4
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>

int main(int argc, char **argv)
{
    long bytes = argc > 1 ? atol(argv[1]) : 8L << 20;
    int passes = argc > 2 ? atoi(argv[2]) : 4;
    if (bytes < 4096 || bytes > (1L << 30) || passes < 1) {
        printf("usage: thrash [BYTES [PASSES]]  (4096 <= BYTES <= 1 GiB)\n");
        return 2;
    }
    size_t words = (size_t)bytes / sizeof(uint32_t);
    uint32_t *buf = malloc(words * sizeof *buf);
    if (buf == NULL) {
        printf("cannot allocate %ld bytes\n", bytes);
        return 1;
    }

    /* Fill with a pseudo-random pattern (an LCG), touching every page. */
    uint32_t x = 1;
    for (size_t i = 0; i < words; i++) {
        x = x * 1664525u + 1013904223u;
        buf[i] = x;
    }

    /* Sweep: an order-sensitive checksum over the whole buffer, each pass
       also updating it so the pages are dirty again. */
    uint32_t check = 0;
    for (int p = 0; p < passes; p++) {
        for (size_t i = 0; i < words; i++) {
            check = (check + buf[i]) * 0x9e3779b1u;
            check ^= check >> 15;
            buf[i] += (uint32_t)p;
        }
    }

    printf("buffer = %ld bytes, passes = %d\n", bytes, passes);
    printf("checksum = %08lx\n", (unsigned long)check);
    free(buf);
    return 0;
}
