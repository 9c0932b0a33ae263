/* rvscope: link() as linkat(AT_FDCWD, old, AT_FDCWD, new, 0); rv32 Linux has
   no "link" system call (riscv-pk's 1025), and newlib's rename() is link()
   followed by unlink(), so without this rename() fails under qemu-riscv32. */
#include "internal_syscall.h"
#include "linux_abi.h"

int
_link (const char *old_name, const char *new_name)
{
  return syscall_errno (RVSCOPE_SYS_linkat, RVSCOPE_AT_FDCWD, (long) old_name,
                        RVSCOPE_AT_FDCWD, (long) new_name, 0, 0);
}
