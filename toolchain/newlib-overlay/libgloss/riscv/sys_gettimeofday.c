/* rvscope: gettimeofday() via clock_gettime64(CLOCK_REALTIME); rv32 Linux
   has no gettimeofday system call (169 exists only on 64-bit). */
#include <sys/time.h>
#include "internal_syscall.h"
#include "linux_abi.h"

int
_gettimeofday (struct timeval *tp, void *tzp)
{
  struct rvscope_kernel_timespec kts;
  long rv = __internal_syscall (RVSCOPE_SYS_clock_gettime64, 0 /* REALTIME */,
                                (long) &kts, 0, 0, 0, 0);
  (void) tzp;
  if (rv < 0)
    return __syscall_error (rv);
  if (tp)
    {
      tp->tv_sec = (time_t) kts.tv_sec;
      tp->tv_usec = (suseconds_t) (kts.tv_nsec / 1000);
    }
  return 0;
}
