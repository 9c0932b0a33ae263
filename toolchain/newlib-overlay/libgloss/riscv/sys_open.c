/* rvscope: open() as openat(AT_FDCWD, ...) -- rv32 Linux has no "open"
   system call (riscv-pk's number 1024 is unknown to qemu-riscv32). */
#include "linux_abi.h"

extern int _openat (int dirfd, const char *name, int flags, int mode);

int
_open (const char *name, int flags, int mode)
{
  return _openat (RVSCOPE_AT_FDCWD, name, flags, mode);
}
