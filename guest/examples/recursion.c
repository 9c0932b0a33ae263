// recursion.c — deep recursion and the stack.
//
// Every call pushes a stack frame (return address, saved registers, locals).
// With depth 10000 and a 64-byte local array per call this uses a bit under
// 1 MiB of stack; watch the stack grow page by page under rvscope.  A much
// larger depth would overflow the 8 MiB stack (see tests/stack_overflow.c).
//
// Usage: recursion [DEPTH]   (default 10000)
//
// rvscope-args: 10000
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>

/* Sum of f(k) for k = depth..1, computed recursively.  The local array keeps
   the frame a realistic size, and the work done *after* the recursive call
   stops the compiler from turning the recursion into a loop. */
static uint32_t descend(int depth)
{
    volatile uint8_t scratch[64];
    if (depth == 0)
        return 0;
    for (int i = 0; i < 64; i++)
        scratch[i] = (uint8_t)(depth + i);
    uint32_t below = descend(depth - 1);
    return below + scratch[depth % 64] + (uint32_t)depth;
}

int main(int argc, char **argv)
{
    int depth = argc > 1 ? atoi(argv[1]) : 10000;
    if (depth < 0 || depth > 100000) {
        printf("DEPTH must be between 0 and 100000\n");
        return 2;
    }
    printf("depth = %d\n", depth);
    printf("result = %lu\n", (unsigned long)descend(depth));
    return 0;
}
