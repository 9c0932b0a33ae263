/* rvscope.h — client requests for programs running under rvscope (DESIGN.md section 9).
 *
 * Like Valgrind's client requests or gem5's m5ops: a program tells the emulator exactly
 * which part of it to trace or measure.
 *
 *     #include "rvscope.h"
 *     rvscope_stats_snapshot_named("before");
 *     for (...) { ... the loop to measure ... }
 *     rvscope_stats_snapshot_named("loop");
 *
 * `rvscope run --stats` then prints a table of the counters between snapshots, and
 * `--stats-file` has them under "snapshots".  `rvscope_trace_on()`/`rvscope_trace_off()`
 * switch the trace (`--trace FILE`; with `--trace-start off` it begins switched off), and
 * `rvscope_mark("phase 2")` writes a labelled line into it.
 *
 * Each call is one `ecall` with the reserved system call number RVSCOPE_SYSCALL in a7, the
 * sub-request in a0 and its argument in a1.  rvscope returns 0 (also when nothing asked for
 * traces or statistics: the calls then do nothing), or -EINVAL for an unknown sub-request.
 * Anywhere else (qemu-riscv32, Linux) the number is unknown and the call returns -ENOSYS
 * (-38) without any other effect, so a program behaves the same with or without rvscope
 * (as long as it does not print the results).
 */
#ifndef RVSCOPE_H
#define RVSCOPE_H

/* The reserved system call: 0x5256, "RV", far from Linux's numbers. */
#define RVSCOPE_SYSCALL 0x5256

/* Sub-requests (in a0). */
#define RVSCOPE_REQ_TRACE_ON 0
#define RVSCOPE_REQ_TRACE_OFF 1
#define RVSCOPE_REQ_MARK 2
#define RVSCOPE_REQ_SNAPSHOT 3

/* One client request: returns 0 under rvscope, -ENOSYS elsewhere. */
static inline long rvscope_request(long request, const void *arg)
{
    register long a0 __asm__("a0") = request;
    register long a1 __asm__("a1") = (long)arg;
    register long a7 __asm__("a7") = RVSCOPE_SYSCALL;
    __asm__ volatile("ecall" : "+r"(a0) : "r"(a1), "r"(a7) : "memory");
    return a0;
}

/* Trace from here on. */
static inline long rvscope_trace_on(void)
{
    return rvscope_request(RVSCOPE_REQ_TRACE_ON, 0);
}

/* Stop tracing accesses from here on (process events and marks are still written). */
static inline long rvscope_trace_off(void)
{
    return rvscope_request(RVSCOPE_REQ_TRACE_OFF, 0);
}

/* A labelled line in the trace (at most 256 bytes of the label are kept). */
static inline long rvscope_mark(const char *label)
{
    return rvscope_request(RVSCOPE_REQ_MARK, label);
}

/* Record the statistics' key counters here (with --stats or --stats-file). */
static inline long rvscope_stats_snapshot(void)
{
    return rvscope_request(RVSCOPE_REQ_SNAPSHOT, 0);
}

/* The same, with a name for the table and the JSON. */
static inline long rvscope_stats_snapshot_named(const char *name)
{
    return rvscope_request(RVSCOPE_REQ_SNAPSHOT, name);
}

#endif /* RVSCOPE_H */
