/* rvscope: openat with newlib O_* flags translated to Linux values. */
#include <machine/syscall.h>
#include <fcntl.h>
#include "internal_syscall.h"
#include "linux_abi.h"

/* newlib (sys/_default_fcntl.h) and Linux (asm-generic/fcntl.h) agree only
   on the access mode (O_RDONLY/O_WRONLY/O_RDWR); every other bit moves. */
int
__rvscope_linux_open_flags (int flags)
{
  int out = flags & O_ACCMODE;

  if (flags & O_CREAT)     out |= 0x40;      /* Linux O_CREAT     0100     */
  if (flags & O_EXCL)      out |= 0x80;      /* Linux O_EXCL      0200     */
  if (flags & O_NOCTTY)    out |= 0x100;     /* Linux O_NOCTTY    0400     */
  if (flags & O_TRUNC)     out |= 0x200;     /* Linux O_TRUNC     01000    */
  if (flags & O_APPEND)    out |= 0x400;     /* Linux O_APPEND    02000    */
  if (flags & O_NONBLOCK)  out |= 0x800;     /* Linux O_NONBLOCK  04000    */
  if (flags & O_SYNC)      out |= 0x101000;  /* Linux O_SYNC      04010000 */
  if (flags & O_DIRECT)    out |= 0x4000;    /* Linux O_DIRECT    040000   */
  if (flags & O_DIRECTORY) out |= 0x10000;   /* Linux O_DIRECTORY 0200000  */
  if (flags & O_NOFOLLOW)  out |= 0x20000;   /* Linux O_NOFOLLOW  0400000  */
  if (flags & O_CLOEXEC)   out |= 0x80000;   /* Linux O_CLOEXEC   02000000 */
  return out;
}

int
_openat (int dirfd, const char *name, int flags, int mode)
{
  return syscall_errno (SYS_openat, dirfd, (long) name,
                        __rvscope_linux_open_flags (flags), mode, 0, 0);
}
