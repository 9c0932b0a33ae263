// illegal_insn.c — a privileged instruction (mret) in user mode is an illegal instruction:
// the process dies with SIGILL (exit status 132).
//
// rvscope-exit: 132
#include <stdio.h>

int main(void)
{
    printf("executing mret in user mode\n");
    fflush(stdout);
    __asm__ volatile("mret");
    printf("still alive?\n");
    return 0;
}
