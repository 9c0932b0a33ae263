// atomics.c — GCC atomic builtins on int.
//
// Built for rv32imac, these compile to the A extension: fetch-and-op builtins
// become single AMO instructions (amoadd.w, amoswap.w, amoand.w, amoor.w,
// amoxor.w) and compare-and-swap becomes an lr.w/sc.w retry loop.
// (8/16/64-bit atomics would need libatomic, which is not linked.)
#include <stdio.h>

static int counter;
static unsigned flags;
static int lock;
static int shared_total;

/* A spinlock built from test-and-set (amoswap.w.aq) and release (a store
   with a fence, "amoswap"/"sw" depending on the compiler). */
static void spin_lock(int *l)
{
    while (__sync_lock_test_and_set(l, 1) != 0) {
        /* single-threaded: never spins */
    }
}

static void spin_unlock(int *l)
{
    __sync_lock_release(l);
}

int main(void)
{
    /* __atomic_* builtins, sequentially consistent. */
    int old = __atomic_fetch_add(&counter, 5, __ATOMIC_SEQ_CST);
    printf("fetch_add: old %d new %d\n", old, counter);
    old = __atomic_fetch_sub(&counter, 2, __ATOMIC_SEQ_CST);
    printf("fetch_sub: old %d new %d\n", old, counter);
    int now = __atomic_add_fetch(&counter, 10, __ATOMIC_RELAXED);
    printf("add_fetch: %d\n", now);
    old = __atomic_exchange_n(&counter, 100, __ATOMIC_ACQ_REL);
    printf("exchange: old %d new %d\n", old, __atomic_load_n(&counter, __ATOMIC_ACQUIRE));

    flags = 0xf0f0u;
    unsigned u = __atomic_fetch_and(&flags, 0xff00u, __ATOMIC_SEQ_CST);
    printf("fetch_and: old %04x new %04x\n", u, flags);
    u = __atomic_fetch_or(&flags, 0x000fu, __ATOMIC_SEQ_CST);
    printf("fetch_or: old %04x new %04x\n", u, flags);
    u = __atomic_fetch_xor(&flags, 0xffffu, __ATOMIC_SEQ_CST);
    printf("fetch_xor: old %04x new %04x\n", u, flags);

    /* Compare-and-swap: succeeds when the expected value matches, otherwise
       fails and reports the value it found. */
    int expected = 100;
    int ok = __atomic_compare_exchange_n(&counter, &expected, 200, 0, __ATOMIC_SEQ_CST,
                                         __ATOMIC_SEQ_CST);
    printf("cas 100->200: %s, counter %d\n", ok ? "success" : "failure", counter);
    expected = 100;
    ok = __atomic_compare_exchange_n(&counter, &expected, 300, 0, __ATOMIC_SEQ_CST,
                                     __ATOMIC_SEQ_CST);
    printf("cas 100->300: %s, found %d, counter %d\n", ok ? "success" : "failure", expected,
           counter);

    /* Legacy __sync_* builtins. */
    printf("sync_fetch_and_add: %d\n", __sync_fetch_and_add(&counter, 1));
    printf("sync_add_and_fetch: %d\n", __sync_add_and_fetch(&counter, 1));
    printf("sync_val_cas: %d\n", __sync_val_compare_and_swap(&counter, 202, 7));
    printf("sync_bool_cas: %d %d\n", __sync_bool_compare_and_swap(&counter, 7, 8),
           __sync_bool_compare_and_swap(&counter, 7, 9));
    printf("counter: %d\n", counter);

    /* An atomic increment loop (a CAS loop, the way lock-free code does it). */
    for (int i = 0; i < 1000; i++) {
        int cur = __atomic_load_n(&counter, __ATOMIC_RELAXED);
        while (!__atomic_compare_exchange_n(&counter, &cur, cur + i, 1, __ATOMIC_ACQ_REL,
                                            __ATOMIC_RELAXED)) {
            /* cur was updated with the current value; retry */
        }
    }
    printf("after cas loop: %d\n", counter);

    /* A critical section under the spinlock. */
    for (int i = 1; i <= 100; i++) {
        spin_lock(&lock);
        shared_total += i;
        spin_unlock(&lock);
    }
    printf("spinlock total: %d, lock now %d\n", shared_total, lock);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    return 0;
}
