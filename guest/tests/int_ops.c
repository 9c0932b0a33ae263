// int_ops.c — integer arithmetic edge cases, 32- and 64-bit.
//
// In C, INT_MIN / -1 and x / 0 are undefined behaviour, so those cases use the
// RISC-V M-extension instructions directly (inline asm), whose results the ISA
// defines: x / 0 = -1 (all ones), x % 0 = x, INT_MIN / -1 = INT_MIN,
// INT_MIN % -1 = 0.  Everything else is ordinary C with volatile operands so
// the compiler cannot fold it away.  64-bit arithmetic on RV32 goes through
// register pairs and libgcc helpers (__divdi3, __udivdi3, ...).
//
// int_ops_rv32im.c is the same program built with -march=rv32im.
#include <stdio.h>
#include <stdint.h>
#include <limits.h>

#define RTYPE(op)                                                    \
    static int32_t op##_insn(int32_t a, int32_t b)                   \
    {                                                                \
        int32_t r;                                                   \
        __asm__ volatile(#op " %0, %1, %2" : "=r"(r) : "r"(a), "r"(b)); \
        return r;                                                    \
    }
RTYPE(div)
RTYPE(divu)
RTYPE(rem)
RTYPE(remu)
RTYPE(mul)
RTYPE(mulh)
RTYPE(mulhu)
RTYPE(mulhsu)

static uint32_t hash;
static void mix(uint64_t v)
{
    hash = (hash ^ (uint32_t)v) * 16777619u;
    hash = (hash ^ (uint32_t)(v >> 32)) * 16777619u;
}

int main(void)
{
    /* The edge cases of division, straight from the instructions. */
    const int32_t a[] = { 7, -7, INT32_MIN, INT32_MAX, 0, -1 };
    const int32_t b[] = { 2, -2, -1, 0, 1, INT32_MIN };
    for (unsigned i = 0; i < sizeof a / sizeof a[0]; i++) {
        for (unsigned j = 0; j < sizeof b / sizeof b[0]; j++) {
            int32_t x = a[i], y = b[j];
            printf("%11ld,%11ld: div %11ld rem %11ld divu %10lu remu %10lu\n", (long)x,
                   (long)y, (long)div_insn(x, y), (long)rem_insn(x, y),
                   (unsigned long)(uint32_t)divu_insn(x, y),
                   (unsigned long)(uint32_t)remu_insn(x, y));
        }
    }

    /* High halves of products. */
    const int32_t m[] = { 3, -3, INT32_MAX, INT32_MIN, -1, 0x12345678 };
    for (unsigned i = 0; i < sizeof m / sizeof m[0]; i++) {
        int32_t x = m[i], y = m[(i + 2) % 6];
        printf("mul %08lx mulh %08lx mulhu %08lx mulhsu %08lx\n",
               (unsigned long)(uint32_t)mul_insn(x, y), (unsigned long)(uint32_t)mulh_insn(x, y),
               (unsigned long)(uint32_t)mulhu_insn(x, y),
               (unsigned long)(uint32_t)mulhsu_insn(x, y));
    }

    /* Ordinary (defined) C division and remainder: truncation toward zero. */
    volatile int32_t p = -17, q = 5;
    printf("C: -17/5=%ld -17%%5=%ld 17/-5=%ld 17%%-5=%ld\n", (long)(p / q), (long)(p % q),
           (long)(-p / -q), (long)(-p % -q));

    /* 64-bit arithmetic. */
    volatile int64_t big = 0x123456789abcdefLL, neg = -987654321012345LL;
    volatile uint64_t ubig = 0xfedcba9876543210ULL;
    printf("64: add %lld sub %lld mul %lld\n", big + neg, big - neg, big * 3);
    printf("64: div %lld rem %lld udiv %llu urem %llu\n", big / 1000003, neg % 1000003,
           ubig / 12345, ubig % 12345);
    printf("64: neg/pos %lld, neg%%pos %lld, square (wraps) %016llx\n", neg / big, neg % big,
           (unsigned long long)(ubig * ubig));
    printf("64: cmp %d %d %d %d\n", big > neg, (uint64_t)neg > ubig, big == big, neg < 0);
    printf("64: INT64_MIN/2 %lld, UINT64_MAX/3 %llu\n", (long long)(INT64_MIN / 2),
           (unsigned long long)(UINT64_MAX / 3));

    /* Shifts by every amount: logical, arithmetic, 32 and 64 bits. */
    volatile uint32_t u = 0x80000001u;
    volatile int32_t s = INT32_MIN + 5;
    volatile uint64_t u64 = 0x8000000000000001ULL;
    volatile int64_t s64 = INT64_MIN + 5;
    hash = 2166136261u;
    for (volatile int k = 0; k < 32; k++) {
        mix(u << k);
        mix(u >> k);
        mix((uint32_t)(s >> k));   /* GCC: >> on negative values is arithmetic */
    }
    printf("32-bit shifts hash %08lx\n", (unsigned long)hash);
    hash = 2166136261u;
    for (volatile int k = 0; k < 64; k++) {
        mix(u64 << k);
        mix(u64 >> k);
        mix((uint64_t)(s64 >> k));
    }
    printf("64-bit shifts hash %08lx\n", (unsigned long)hash);

    /* Overflowing unsigned arithmetic wraps (defined); conversions. */
    volatile uint32_t umax = UINT32_MAX;
    volatile int32_t minus_one = -1;
    printf("wrap: %lu %lu\n", (unsigned long)(umax + 1u), (unsigned long)(umax * umax));
    printf("convert: (uint8_t)300=%u (int8_t)200=%d (int16_t)40000=%d (uint32_t)-1=%lu "
           "sext=%lld zext=%llu\n",
           (unsigned)(uint8_t)300, (int)(int8_t)200, (int)(int16_t)40000,
           (unsigned long)(uint32_t)minus_one, (long long)minus_one,
           (unsigned long long)(uint32_t)minus_one);

    /* A loop mixing multiply/divide, so a wrong result anywhere shows up. */
    hash = 2166136261u;
    uint32_t x = 1;
    uint64_t y = 1;
    for (int i = 1; i <= 2000; i++) {
        x = x * 2654435761u + (uint32_t)i;
        y = y * 6364136223846793005ULL + 1442695040888963407ULL;
        mix(x / (uint32_t)i);
        mix(x % (uint32_t)(i + 7));
        mix((uint64_t)((int64_t)y / (int64_t)(i * 1000 + 1)));
        mix(y % (uint64_t)(i * 77 + 3));
    }
    printf("mixed loop hash %08lx\n", (unsigned long)hash);
    return 0;
}
