/* rvscope: unlink() as unlinkat(AT_FDCWD, name, 0); rv32 Linux has no
   "unlink" system call (riscv-pk's 1026). */
#include "internal_syscall.h"
#include "linux_abi.h"

int
_unlink (const char *name)
{
  return syscall_errno (RVSCOPE_SYS_unlinkat, RVSCOPE_AT_FDCWD, (long) name,
                        0, 0, 0, 0);
}
