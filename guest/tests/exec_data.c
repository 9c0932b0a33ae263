// exec_data.c — jump into a data array: data pages are not executable, so the fetch faults
// (SIGSEGV), as on Linux with its no-execute data mappings.
//
// rvscope-exit: 139
#include <stdio.h>

static unsigned int not_code[4] = {0x00000513u, 0x00008067u, 0, 0}; // "li a0,0; ret" as data

int main(void)
{
    int (*fn)(void) = (int (*)(void))(void *)not_code;
    printf("calling into .data\n");
    fflush(stdout);
    return fn();
}
