/* rvscope: lseek() through rv32 Linux's llseek (number 62):
     llseek(fd, offset_high, offset_low, loff_t *result, whence) -> 0
   riscv-pk used number 62 as a 3-argument lseek; Linux rv32 does not. */
#include <sys/types.h>
#include "internal_syscall.h"
#include "linux_abi.h"

off_t
_lseek (int file, off_t ptr, int dir)
{
  long long wide = ptr;
  long long result = 0;
  long rv = __internal_syscall (RVSCOPE_SYS_llseek, file,
                                (long) (wide >> 32), (long) wide,
                                (long) &result, dir, 0);
  if (rv < 0)
    return __syscall_error (rv);
  return (off_t) result;
}
