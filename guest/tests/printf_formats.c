// printf_formats.c — printf conversions, including 64-bit integers and
// soft-float doubles (RV32IMAC has no FPU: every double operation below runs
// as integer code from libgcc/newlib).
#include <stdio.h>
#include <stdint.h>
#include <stddef.h>
#include <limits.h>

/* The truncating snprintf at the end is on purpose. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

int main(void)
{
    /* int and unsigned */
    printf("[%d] [%i] [%d] [%d]\n", 0, 42, -42, INT_MIN);
    printf("[%u] [%u] [%x] [%X] [%o] [%#x] [%#o]\n",
           0u, UINT_MAX, 0xdeadbeefu, 0xcafeu, 8u, 255u, 8u);
    printf("[%5d] [%-5d] [%05d] [%+d] [% d] [%.3d]\n", 42, 42, 42, 42, 42, 7);
    printf("[%*d] [%-*d] [%.*d]\n", 6, 12, 6, 12, 4, 5);

    /* char, short, long, long long */
    printf("[%c%c%c] [%hd] [%hu] [%hhd] [%hhu]\n", 'a', 'b', 'c',
           (short)-1234, (unsigned short)65535, (signed char)-5, (unsigned char)250);
    printf("[%ld] [%lu] [%lx]\n", -123456789L, 4000000000UL, 0xfedcba98UL);
    printf("[%lld] [%lld] [%llu]\n", LLONG_MIN, LLONG_MAX, ULLONG_MAX);
    printf("[%llx] [%llX] [%#llx] [%20lld] [%-20lld]|\n",
           0x0123456789abcdefULL, 0xfedcba9876543210ULL, 1ULL << 40,
           -9876543210LL, 9876543210LL);

    /* C99 length modifiers (newlib built with --enable-newlib-io-c99-formats) */
    printf("[%zu] [%td] [%jd] [%ju]\n", sizeof(long long), (ptrdiff_t)-3,
           (intmax_t)-1234567890123LL, (uintmax_t)1234567890123ULL);

    /* double: %f %e %g with widths and precisions */
    double v[] = { 0.0, 1.0, -1.5, 3.14159265358979, 2.0 / 3.0, 1e-5, 123456789.125,
                   1e100, -2.5e-300 };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        printf("[%f] [%.2f] [%e] [%.3e] [%g] [%10.4g]\n", v[i], v[i], v[i], v[i], v[i], v[i]);
    printf("[%8.3f] [%-8.3f] [%+.1f] [%08.2f] [%.0f] [%.0f] [%#.0f]\n",
           3.14159, 3.14159, 2.25, -1.5, 0.5, 1.5, 2.0);
    printf("[%G] [%E] [%g] [%g]\n", 1e-10, 12345.678, 100000.0, 1000000.0);

    /* strings */
    printf("[%s] [%10s] [%-10s] [%.3s] [%*.*s]\n", "hello", "right", "left", "truncate",
           8, 2, "xyz");
    printf("[%%] [%s]\n", "");

    /* snprintf return value counts what would have been written */
    char small[8];
    int n = snprintf(small, sizeof small, "%d-%d-%d", 1000, 2000, 3000);
    printf("snprintf: \"%s\" wanted %d\n", small, n);
    return 0;
}
