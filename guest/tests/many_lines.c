// many_lines.c — a lot of output (100,000 numbered lines, ~1.5 MB): exercises buffered stdout
// through the write system call, and, with a reader that stops early (`| head`), SIGPIPE.
#include <stdio.h>

int main(void)
{
    for (long i = 0; i < 100000; i++)
        printf("line %ld of many\n", i);
    printf("done\n");
    return 0;
}
