// write_rodata.c — store into a string constant: SIGSEGV.
//
// This toolchain's default link puts .rodata in the code's R-X segment (riscv ld ignores
// -z separate-code), where a store would be reported as "text". So the constant gets a section
// of its own, placed by the linker at 0x300000 in a separate read-only (R--) segment, as a
// separate-code link would: its page is mapped readable only, a load from it works and a
// store to it faults (status 139).
//
// rvscope-cflags: -O2 -g -Wl,--section-start=.rodata_page=0x00300000
// rvscope-exit: 139
#include <stdint.h>
#include <stdio.h>

__attribute__((section(".rodata_page"), aligned(4096))) static const char greeting[] =
    "hello, read-only world";

int main(void)
{
    printf("%s\n", greeting);
    printf("about to overwrite the first byte of a string constant\n");
    fflush(stdout);
    /* Through a volatile integer, so the compiler cannot see what is written. */
    volatile uintptr_t addr = (uintptr_t)greeting;
    *(volatile char *)addr = 'j';
    printf("not reached: %s\n", greeting);
    return 0;
}
