// maps_pages.c — a known number of touched and written pages, for `--show-maps` (tests/maps.rs).
//
// A malloc'd buffer of K + 1 pages gives K whole pages after its first page boundary: the
// program reads one byte of each of those K pages and writes one byte of every other one (K/2
// pages). An anonymous mmap of 4 pages gets one page written and one page only read. Nothing
// is printed before the buffers are touched, so stdio's buffer comes after them in the heap.
//
// rvscope-args: 8
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "raw_syscall.h"

enum { SYS_mmap = 222 };
enum { PROT_READ = 1, PROT_WRITE = 2, MAP_PRIVATE = 0x02, MAP_ANONYMOUS = 0x20 };
enum { PAGE = 4096, MMAP_PAGES = 4 };

int main(int argc, char **argv)
{
    unsigned long k = argc > 1 ? strtoul(argv[1], NULL, 10) : 8;
    uint8_t *block = malloc((k + 1) * PAGE);
    if (block == NULL) {
        printf("malloc failed\n");
        return 1;
    }
    volatile uint8_t *pages = (volatile uint8_t *)(((uintptr_t)block + PAGE - 1) & ~(uintptr_t)(PAGE - 1));
    unsigned long sum = 0;
    for (unsigned long i = 0; i < k; i++)
        sum += pages[i * PAGE + 100];
    for (unsigned long i = 0; i < k; i += 2)
        pages[i * PAGE + 200] = (uint8_t)i;

    long m = sys6(SYS_mmap, 0, MMAP_PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m < 0 && m > -4096) {
        printf("mmap failed\n");
        return 1;
    }
    volatile uint8_t *area = (volatile uint8_t *)m;
    area[0] = 1;              // first page: written
    sum += area[2 * PAGE];    // third page: read only

    printf("read %lu heap pages, wrote %lu; wrote 1 and read 1 of %d mmap pages; sum %lu\n", k,
           (k + 1) / 2, MMAP_PAGES, sum);
    return 0;
}
