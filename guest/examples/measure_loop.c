// measure_loop.c — client requests (guest/include/rvscope.h): measure exactly one loop.
//
//     rvscope run --stats target/guest/examples/measure_loop.elf
//
// prints, after the usual tables, the counters between the snapshots: the row/column sums
// below differ only in the order they walk the matrix, and the "column" row shows the
// L1D misses that order costs. With --trace FILE --trace-start off, only the two loops are
// traced, each preceded by a mark line. Under qemu-riscv32 the requests return -ENOSYS and
// the program prints the same. An optional argument repeats the work (the tests use a large
// count to get a long run they can interrupt).
#include <stdio.h>
#include <stdlib.h>

#include "rvscope.h"

#define N 128

static int grid[N][N];

static long sum_rows(void)
{
    long s = 0;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            s += grid[i][j];
    return s;
}

static long sum_columns(void)
{
    long s = 0;
    for (int j = 0; j < N; j++)
        for (int i = 0; i < N; i++)
            s += grid[i][j];
    return s;
}

int main(int argc, char **argv)
{
    long repeat = argc > 1 ? atol(argv[1]) : 1;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            grid[i][j] = i ^ j;
    rvscope_stats_snapshot_named("setup");

    long rows = 0, columns = 0;
    rvscope_trace_on();
    rvscope_mark("rows");
    for (long r = 0; r < repeat; r++)
        rows += sum_rows();
    rvscope_stats_snapshot_named("rows");
    rvscope_mark("columns");
    for (long r = 0; r < repeat; r++)
        columns += sum_columns();
    rvscope_stats_snapshot_named("columns");
    rvscope_trace_off();

    printf("rows %ld columns %ld %s\n", rows, columns, rows == columns ? "equal" : "DIFFER");
    return 0;
}
