// console_hello.c — the HTIF console: print a line with device 1 / command 1
// (putchar) one byte at a time, then pass.
//
// rvscope-exit: 0
// rvscope-stdout: hello from bare metal
#include "bare.h"

int test_main(void)
{
    htif_puts("hello from bare metal\n");
    return 0;
}
