// stack_vs_heap.c — the same array on the stack and on the heap.
//
// Local arrays live in the stack frame of the function that declares them;
// malloc() hands out memory from the heap, which grows up from the end of the
// program's data.  The stack sits near the top of the address space and grows
// down, so stack addresses are much larger than heap addresses.  Summing both
// arrays does the same work; under rvscope compare the page faults and cache
// misses of the two regions.
//
// Usage: stack_vs_heap [N]   (N ints per array, default 65536 = 256 KiB)
//
// rvscope-args: 65536
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>

#define MAX_N (1 << 20)   /* 4 MiB of ints: still fits in an 8 MiB stack */

/* Fill an array with a simple pattern and sum it `passes` times. */
static uint32_t fill_and_sum(int *a, int n, int passes)
{
    uint32_t sum = 0;
    for (int i = 0; i < n; i++)
        a[i] = (i * 7) % 1000;
    for (int p = 0; p < passes; p++)
        for (int i = 0; i < n; i++)
            sum += (uint32_t)a[i];
    return sum;
}

/* The stack array is declared in its own function so it only exists while
   this function runs (its frame is popped on return). */
static uint32_t on_stack(int n, uintptr_t *where)
{
    int a[n];   /* variable-length array: lives in this stack frame */
    *where = (uintptr_t)a;
    return fill_and_sum(a, n, 4);
}

static uint32_t on_heap(int n, uintptr_t *where)
{
    int *a = malloc((size_t)n * sizeof *a);
    if (a == NULL) {
        printf("malloc failed\n");
        exit(1);
    }
    *where = (uintptr_t)a;
    uint32_t sum = fill_and_sum(a, n, 4);
    free(a);
    return sum;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 65536;
    if (n < 1 || n > MAX_N) {
        printf("N must be between 1 and %d\n", MAX_N);
        return 2;
    }

    uintptr_t stack_addr, heap_addr;
    uint32_t s = on_stack(n, &stack_addr);
    uint32_t h = on_heap(n, &heap_addr);

    printf("N = %d ints (%d KiB per array)\n", n, (int)(n * sizeof(int) / 1024));
    printf("stack sum = %lu\n", (unsigned long)s);
    printf("heap sum  = %lu\n", (unsigned long)h);
    printf("sums equal: %s\n", s == h ? "yes" : "no");
    /* Raw addresses depend on the loader, so print only how they compare. */
    printf("stack address > heap address: %s\n", stack_addr > heap_addr ? "yes" : "no");
    return 0;
}
