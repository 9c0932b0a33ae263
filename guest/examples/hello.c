// hello.c — the first program to try: print a greeting and echo the arguments.
//
//   toolchain/rv32-cc -O2 guest/examples/hello.c -o hello.elf
//   rvscope run hello.elf from rvscope
//
// rvscope-args: from rvscope
#include <stdio.h>

int main(int argc, char **argv)
{
    printf("Hello, world!\n");
    printf("argc = %d\n", argc);
    /* argv[0] is the program path as it was given, which differs from run to
       run, so only the real arguments are echoed. */
    for (int i = 1; i < argc; i++)
        printf("argv[%d] = \"%s\"\n", i, argv[i]);
    return 0;
}
