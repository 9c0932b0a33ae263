// exit_code.c — exit with the status given as the first argument (default 42).
//
// The kernel keeps only the low 8 bits: `exit_code 300` exits with 44.
//
// rvscope-exit: 42
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    int code = argc > 1 ? atoi(argv[1]) : 42;
    printf("exiting with %d\n", code);
    exit(code);
}
