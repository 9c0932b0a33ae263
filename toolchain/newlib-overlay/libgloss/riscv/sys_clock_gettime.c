/* rvscope: clock_gettime()/clock_getres() (absent from stock libgloss) via
   rv32 Linux's 64-bit-time calls clock_gettime64 (403) / clock_getres_time64
   (406).  newlib numbers its clocks differently from Linux, so translate. */
#include <errno.h>
#include <time.h>
#include "internal_syscall.h"
#include "linux_abi.h"

int
__rvscope_linux_clockid (int id)
{
  switch (id)
    {
    case 0: return 5;   /* CLOCK_REALTIME_COARSE */
    case 1: return 0;   /* CLOCK_REALTIME */
    case 2: return 2;   /* CLOCK_PROCESS_CPUTIME_ID */
    case 3: return 3;   /* CLOCK_THREAD_CPUTIME_ID */
    case 4: return 1;   /* CLOCK_MONOTONIC */
    case 5: return 4;   /* CLOCK_MONOTONIC_RAW */
    case 6: return 6;   /* CLOCK_MONOTONIC_COARSE */
    case 7: return 7;   /* CLOCK_BOOTTIME */
    default: return -1;
    }
}

static int
clock_call (long nr, clockid_t clock_id, struct timespec *tp)
{
  struct rvscope_kernel_timespec kts;
  int linux_id = __rvscope_linux_clockid ((int) clock_id);
  long rv;

  if (linux_id < 0)
    {
      errno = EINVAL;
      return -1;
    }
  rv = __internal_syscall (nr, linux_id, (long) &kts, 0, 0, 0, 0);
  if (rv < 0)
    return __syscall_error (rv);
  if (tp)
    {
      tp->tv_sec = (time_t) kts.tv_sec;
      tp->tv_nsec = (long) kts.tv_nsec;
    }
  return 0;
}

int
clock_gettime (clockid_t clock_id, struct timespec *tp)
{
  return clock_call (RVSCOPE_SYS_clock_gettime64, clock_id, tp);
}

int
clock_getres (clockid_t clock_id, struct timespec *res)
{
  return clock_call (RVSCOPE_SYS_clock_getres64, clock_id, res);
}
