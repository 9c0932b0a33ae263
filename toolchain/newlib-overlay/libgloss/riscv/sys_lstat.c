/* rvscope: lstat() as fstatat(AT_FDCWD, name, buf, AT_SYMLINK_NOFOLLOW);
   rv32 Linux has no "lstat" system call (riscv-pk's 1039). */
#include <machine/syscall.h>
#include <string.h>
#include "kernel_stat.h"
#include "internal_syscall.h"
#include "linux_abi.h"

int
_lstat (const char *file, struct stat *st)
{
  struct kernel_stat kst;
  int rv;

  memset (&kst, 0, sizeof kst);
  rv = syscall_errno (SYS_fstatat, RVSCOPE_AT_FDCWD, (long) file, (long) &kst,
                      RVSCOPE_AT_SYMLINK_NOFOLLOW, 0, 0);
  _conv_stat (st, &kst);
  return rv;
}
