/* rvscope replacement for libgloss/riscv/kernel_stat.h.
 *
 * The buffer that fstat/fstatat fill: rv32 Linux's `struct stat64`
 * (asm-generic/stat.h), 104 bytes.  The stock header declared the three
 * timestamps as newlib `struct timespec` (16 bytes each with 64-bit time_t),
 * which does not match what an rv32 kernel writes, so st_mtime etc. came out
 * wrong.  Offsets (bytes): dev 0, ino 8, mode 16, nlink 20, uid 24, gid 28,
 * rdev 32, size 48, blksize 56, blocks 64, atime 72, mtime 80, ctime 88. */
#ifndef _RISCV_KERNEL_STAT_H
#define _RISCV_KERNEL_STAT_H

#include <sys/types.h>
#include <sys/stat.h>

struct kernel_stat
{
  unsigned long long st_dev;
  unsigned long long st_ino;
  unsigned int st_mode;
  unsigned int st_nlink;
  unsigned int st_uid;
  unsigned int st_gid;
  unsigned long long st_rdev;
  unsigned long long __pad1;
  long long st_size;
  int st_blksize;
  int __pad2;
  long long st_blocks;
  int st_atime_sec;
  unsigned int st_atime_nsec;
  int st_mtime_sec;
  unsigned int st_mtime_nsec;
  int st_ctime_sec;
  unsigned int st_ctime_nsec;
  unsigned int __unused4;
  unsigned int __unused5;
  /* Slack, in case a kernel writes a larger structure. */
  unsigned int __rvscope_spare[6];
};

void _conv_stat (struct stat *, struct kernel_stat *);

#endif /* _RISCV_KERNEL_STAT_H */
