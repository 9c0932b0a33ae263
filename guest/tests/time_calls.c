// time_calls.c — the clock functions.
//
// Real values differ between emulators (rvscope's time is simulated from the
// cycle count), so only success and "time does not run backwards" are
// printed.
#include <stdio.h>
#include <time.h>
#include <sys/time.h>
#include <sys/times.h>

static volatile unsigned sink;

static void busy(void)
{
    for (unsigned i = 0; i < 200000; i++)
        sink += i;
}

static long long ns(const struct timespec *t)
{
    return (long long)t->tv_sec * 1000000000LL + t->tv_nsec;
}

int main(void)
{
    struct timespec a, b, res;
    int ok;

    ok = clock_gettime(CLOCK_REALTIME, &a) == 0;
    printf("clock_gettime(CLOCK_REALTIME): %s\n", ok ? "ok" : "failed");
    printf("  tv_nsec in range: %s\n", a.tv_nsec >= 0 && a.tv_nsec < 1000000000L ? "yes" : "no");

    ok = clock_gettime(CLOCK_MONOTONIC, &a) == 0;
    busy();
    ok &= clock_gettime(CLOCK_MONOTONIC, &b) == 0;
    printf("clock_gettime(CLOCK_MONOTONIC) twice: %s\n", ok ? "ok" : "failed");
    printf("  non-decreasing: %s\n", ns(&b) >= ns(&a) ? "yes" : "no");
    printf("clock_getres(CLOCK_MONOTONIC): %s\n",
           clock_getres(CLOCK_MONOTONIC, &res) == 0 ? "ok" : "failed");

    struct timeval t1, t2;
    ok = gettimeofday(&t1, NULL) == 0;
    busy();
    ok &= gettimeofday(&t2, NULL) == 0;
    printf("gettimeofday twice: %s\n", ok ? "ok" : "failed");
    printf("  tv_usec in range: %s\n", t1.tv_usec >= 0 && t1.tv_usec < 1000000 ? "yes" : "no");
    printf("  non-decreasing: %s\n",
           t2.tv_sec > t1.tv_sec || (t2.tv_sec == t1.tv_sec && t2.tv_usec >= t1.tv_usec)
               ? "yes"
               : "no");

    struct tms tm1, tm2;
    clock_t r1 = times(&tm1);
    busy();
    clock_t r2 = times(&tm2);
    printf("times twice: %s\n", r1 != (clock_t)-1 && r2 != (clock_t)-1 ? "ok" : "failed");
    printf("  user time non-decreasing: %s\n", tm2.tms_utime >= tm1.tms_utime ? "yes" : "no");

    clock_t c1 = clock();
    busy();
    clock_t c2 = clock();
    printf("clock twice: %s\n", c1 != (clock_t)-1 && c2 != (clock_t)-1 ? "ok" : "failed");
    printf("  non-decreasing: %s\n", c2 >= c1 ? "yes" : "no");

    time_t s1 = time(NULL);
    time_t s2 = time(NULL);
    printf("time twice: %s, non-decreasing: %s\n",
           s1 != (time_t)-1 && s2 != (time_t)-1 ? "ok" : "failed", s2 >= s1 ? "yes" : "no");
    return 0;
}
