// counters.c — the user-level counter CSRs: cycle, instret and time.
//
// On RV32 each counter is 64 bits wide but a CSR read gives 32 bits, so the
// high half comes from a second CSR (cycleh, instreth, timeh).  The standard
// way to read both halves consistently: read high, low, high again, and retry
// if the high half changed (the low half wrapped in between).
//
// Values depend on the emulator; only monotonicity is printed.
#include <stdio.h>
#include <stdint.h>

#define READ_CSR(name)                                        \
    ({                                                        \
        uint32_t v_;                                          \
        __asm__ volatile("csrr %0, " #name : "=r"(v_));       \
        v_;                                                   \
    })

#define READ64(lo, hi)                                        \
    ({                                                        \
        uint32_t h1_, l_, h2_;                                \
        do {                                                  \
            h1_ = READ_CSR(hi);                               \
            l_ = READ_CSR(lo);                                \
            h2_ = READ_CSR(hi);                               \
        } while (h1_ != h2_);                                 \
        ((uint64_t)h1_ << 32) | l_;                           \
    })

static uint64_t cycles(void) { return READ64(cycle, cycleh); }
static uint64_t instret(void) { return READ64(instret, instreth); }
static uint64_t timer(void) { return READ64(time, timeh); }

static volatile uint32_t sink;

int main(void)
{
    /* The pseudo-instructions rdcycle/rdinstret/rdtime are csrr aliases. */
    uint32_t c, i, t;
    __asm__ volatile("rdcycle %0" : "=r"(c));
    __asm__ volatile("rdinstret %0" : "=r"(i));
    __asm__ volatile("rdtime %0" : "=r"(t));
    printf("rdcycle/rdinstret/rdtime: read\n");
    (void)c, (void)i, (void)t;

    uint64_t c0 = cycles(), i0 = instret(), t0 = timer();
    int mono_c = 1, mono_i = 1, mono_t = 1;
    for (int round = 0; round < 20; round++) {
        for (uint32_t k = 0; k < 10000; k++)
            sink += k;
        uint64_t c1 = cycles(), i1 = instret(), t1 = timer();
        mono_c &= c1 >= c0;
        mono_i &= i1 >= i0;
        mono_t &= t1 >= t0;
        c0 = c1, i0 = i1, t0 = t1;
    }
    printf("cycle (cycleh:cycle) non-decreasing: %s\n", mono_c ? "yes" : "no");
    printf("instret (instreth:instret) non-decreasing: %s\n", mono_i ? "yes" : "no");
    printf("time (timeh:time) non-decreasing: %s\n", mono_t ? "yes" : "no");
    return 0;
}
