/* A-extension code generation: AMOs, LR/SC loops for compare-and-swap and sub-word atomics, and
   the fences of the various memory orders. */

#include <stdatomic.h>

int counter;
_Atomic int flag;
_Atomic short small;

int add(int v) { return __atomic_fetch_add(&counter, v, __ATOMIC_SEQ_CST); }
int sub_relaxed(int v) { return __atomic_fetch_sub(&counter, v, __ATOMIC_RELAXED); }
int and_acq(int v) { return __atomic_fetch_and(&counter, v, __ATOMIC_ACQUIRE); }
int or_rel(int v) { return __atomic_fetch_or(&counter, v, __ATOMIC_RELEASE); }
int xor_acqrel(int v) { return __atomic_fetch_xor(&counter, v, __ATOMIC_ACQ_REL); }
int swap(int v) { return __atomic_exchange_n(&counter, v, __ATOMIC_SEQ_CST); }
int nand(int v) { return __atomic_fetch_nand(&counter, v, __ATOMIC_SEQ_CST); }

int cas(int *p, int expected, int desired)
{
    return __atomic_compare_exchange_n(p, &expected, desired, 0, __ATOMIC_SEQ_CST,
                                       __ATOMIC_SEQ_CST);
}

int cas_weak(int *p, int expected, int desired)
{
    return __atomic_compare_exchange_n(p, &expected, desired, 1, __ATOMIC_ACQUIRE,
                                       __ATOMIC_RELAXED);
}

int max_loop(int v)
{
    int old = atomic_load(&flag);
    while (old < v && !atomic_compare_exchange_weak(&flag, &old, v))
        ;
    return old;
}

short sub_word(short v) { return atomic_fetch_add(&small, v); }

int load_store(int v)
{
    atomic_store_explicit(&flag, v, memory_order_release);
    atomic_thread_fence(memory_order_seq_cst);
    atomic_thread_fence(memory_order_acquire);
    atomic_thread_fence(memory_order_release);
    return atomic_load_explicit(&flag, memory_order_seq_cst);
}

int sync_builtins(int *p, int v)
{
    __sync_synchronize();
    return __sync_fetch_and_add(p, v) + __sync_val_compare_and_swap(p, v, v + 1);
}
