// stack_overflow.c — unbounded recursion until the 8 MiB stack runs out.
//
// Each call keeps a 1 KiB local array alive, so about 8000 calls fill the
// stack; the next one touches the guard page below it and the process dies
// with SIGSEGV (status 139).
//
// rvscope-cflags: -O0 -g
// rvscope-exit: 139
#include <stdio.h>

/* Infinite recursion is the point of this program. */
#pragma GCC diagnostic ignored "-Winfinite-recursion"

static unsigned long deepest;

static unsigned long recurse(unsigned long depth)
{
    volatile char frame[1024];
    frame[0] = (char)depth;
    frame[1023] = (char)(depth >> 8);
    if (depth > deepest)
        deepest = depth;
    /* Use the result after the call, so this is not a tail call. */
    return recurse(depth + 1) + (unsigned long)frame[0] + (unsigned long)frame[1023];
}

int main(void)
{
    printf("recursing without a base case\n");
    fflush(stdout);
    printf("not reached: %lu\n", recurse(1));
    return 0;
}
