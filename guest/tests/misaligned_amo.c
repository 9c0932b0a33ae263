// misaligned_amo.c — an atomic on a misaligned address cannot be emulated: SIGBUS (exit 135).
// (Plain misaligned loads and stores work, as under Linux; the program checks that first.)
//
// rvscope-exit: 135
#include <stdio.h>
#include <string.h>

static unsigned char buf[16];

int main(void)
{
    volatile unsigned int *odd = (volatile unsigned int *)(buf + 1);
    *odd = 0x11223344u;
    printf("misaligned plain store/load: %#x\n", *odd);
    fflush(stdout);
    unsigned int old;
    __asm__ volatile("amoadd.w %0, %2, (%1)" : "=r"(old) : "r"(odd), "r"(1u) : "memory");
    printf("misaligned amoadd returned %#x?\n", old);
    return 0;
}
