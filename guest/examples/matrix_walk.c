// matrix_walk.c — row-major versus column-major traversal of a matrix.
//
// C stores a 2-D array row by row: m[i][j] and m[i][j+1] are neighbours in
// memory, m[i][j] and m[i+1][j] are N*4 bytes apart.  Walking along a row uses
// every byte of each cache line fetched; walking down a column uses 4 bytes of
// each line and, for a big N, evicts the line before its neighbours are read.
// Same additions, very different cache behaviour.
//
// Usage: matrix_walk [row|col|both [N]]   (defaults: both, N = 256)
//
// rvscope-args: both 256
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>

static uint32_t sum_rows(const int *m, int n)
{
    uint32_t sum = 0;
    for (int i = 0; i < n; i++)          /* for each row    */
        for (int j = 0; j < n; j++)      /*   for each column: consecutive addresses */
            sum += (uint32_t)m[i * n + j];
    return sum;
}

static uint32_t sum_cols(const int *m, int n)
{
    uint32_t sum = 0;
    for (int j = 0; j < n; j++)          /* for each column */
        for (int i = 0; i < n; i++)      /*   for each row: a stride of n ints */
            sum += (uint32_t)m[i * n + j];
    return sum;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "both";
    int n = argc > 2 ? atoi(argv[2]) : 256;
    int do_row = strcmp(mode, "row") == 0 || strcmp(mode, "both") == 0;
    int do_col = strcmp(mode, "col") == 0 || strcmp(mode, "both") == 0;
    if ((!do_row && !do_col) || n < 1 || n > 4096) {
        printf("usage: matrix_walk [row|col|both [N]]  (1 <= N <= 4096)\n");
        return 2;
    }

    int *m = malloc((size_t)n * (size_t)n * sizeof *m);
    if (m == NULL) {
        printf("out of memory\n");
        return 1;
    }
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            m[i * n + j] = (i + 3 * j) % 101;

    printf("N = %d (%d KiB matrix)\n", n, (int)((size_t)n * n * sizeof(int) / 1024));
    if (do_row)
        printf("row-major sum    = %lu\n", (unsigned long)sum_rows(m, n));
    if (do_col)
        printf("column-major sum = %lu\n", (unsigned long)sum_cols(m, n));
    free(m);
    return 0;
}
