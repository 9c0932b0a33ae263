/* rvscope: access() as faccessat(AT_FDCWD, name, mode, 0); rv32 Linux has
   no "access" system call (riscv-pk's 1033). */
#include <machine/syscall.h>
#include "internal_syscall.h"
#include "linux_abi.h"

int
_access (const char *file, int mode)
{
  return syscall_errno (SYS_faccessat, RVSCOPE_AT_FDCWD, (long) file, mode,
                        0, 0, 0);
}
