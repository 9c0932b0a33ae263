/* rvscope: helpers shared by the libgloss replacement files.
 *
 * The guest talks to the *Linux rv32* system-call ABI (what qemu-riscv32 and
 * rvscope implement).  Stock libgloss/riscv was written for riscv-pk and uses
 * a few calls that rv32 Linux does not have (open=1024, gettimeofday=169, ...)
 * and passes newlib's O_* flag values unchanged.  The files in this overlay
 * fix exactly those places. */
#ifndef _RVSCOPE_LINUX_ABI_H
#define _RVSCOPE_LINUX_ABI_H

#define RVSCOPE_AT_FDCWD            (-100)
#define RVSCOPE_AT_SYMLINK_NOFOLLOW 0x100

/* rv32 Linux numbers that libgloss' machine/syscall.h does not name. */
#define RVSCOPE_SYS_unlinkat         35
#define RVSCOPE_SYS_linkat           37
#define RVSCOPE_SYS_llseek           62   /* same number as SYS_lseek */
#define RVSCOPE_SYS_clock_gettime64  403
#define RVSCOPE_SYS_clock_getres64   406

/* struct __kernel_timespec: both fields are 64-bit on rv32. */
struct rvscope_kernel_timespec
{
  long long tv_sec;
  long long tv_nsec;
};

int __rvscope_linux_open_flags (int newlib_flags);
int __rvscope_linux_clockid (int newlib_clockid);

#endif
