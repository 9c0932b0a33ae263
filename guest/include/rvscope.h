/* rvscope.h — client requests for programs running under rvscope.
 *
 * Placeholder.  Client requests (DESIGN.md section 9) will live here:
 * small inline functions such as rvscope_trace_on(), rvscope_trace_off(),
 * rvscope_mark("phase 2") and rvscope_stats_snapshot() that issue a
 * reserved system call so a program can tell the emulator exactly which
 * part of it to measure.  Under qemu-riscv32 those calls will return
 * -ENOSYS and do nothing.
 *
 * Nothing is defined yet.
 */
#ifndef RVSCOPE_H
#define RVSCOPE_H

#endif /* RVSCOPE_H */
