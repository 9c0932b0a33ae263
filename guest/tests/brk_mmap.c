// brk_mmap.c — the memory system calls, made directly with ecall (no malloc in between).
//
// brk: brk(0) is stable; a request below the start returns the current break; growing by
// 1 MiB returns the new break and every new page is zero and writable; shrinking keeps the
// bytes below the new break, and pages grown again are zero. mmap/munmap: anonymous private
// mappings are page-rounded, zero, writable and disjoint; munmap of the middle page keeps the
// pages around it; bad arguments are -EINVAL; a 16 MiB mapping is touched page by page. The
// kernel copies into pages never touched before (read() into fresh heap and mmap pages).
//
// Only differences between addresses are printed: absolute addresses differ between kernels.
//
// rvscope-stdin: tests/data/words.txt
#include <stdint.h>
#include <stdio.h>

#include "raw_syscall.h"

enum { SYS_read = 63, SYS_brk = 214, SYS_munmap = 215, SYS_mmap = 222 };
enum { PROT_READ = 1, PROT_WRITE = 2, MAP_PRIVATE = 0x02, MAP_ANONYMOUS = 0x20 };
enum { PAGE = 4096, EINVAL = 22 };

static uintptr_t brk_(uintptr_t addr) { return (uintptr_t)sys6(SYS_brk, (long)addr, 0, 0, 0, 0, 0); }

static long mmap_anon(unsigned long len)
{
    return sys6(SYS_mmap, 0, (long)len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

static long munmap_(long addr, unsigned long len) { return sys6(SYS_munmap, addr, (long)len, 0, 0, 0, 0); }

static int is_err(long r) { return r < 0 && r > -4096; }

static const char *yes(int b) { return b ? "yes" : "no"; }

/* True if [p, p+len) is all zero. */
static int all_zero(const volatile uint8_t *p, unsigned long len)
{
    for (unsigned long i = 0; i < len; i++)
        if (p[i] != 0)
            return 0;
    return 1;
}

static uint8_t pat(unsigned long i, unsigned seed) { return (uint8_t)(i * 31u + seed + (i >> 12)); }

static void fill(volatile uint8_t *p, unsigned long len, unsigned seed)
{
    for (unsigned long i = 0; i < len; i++)
        p[i] = pat(i, seed);
}

static int check(const volatile uint8_t *p, unsigned long len, unsigned seed)
{
    for (unsigned long i = 0; i < len; i++)
        if (p[i] != pat(i, seed))
            return 0;
    return 1;
}

static uintptr_t page_up(uintptr_t a) { return (a + PAGE - 1) & ~(uintptr_t)(PAGE - 1); }

static void test_brk(void)
{
    uintptr_t b0 = brk_(0);
    printf("brk(0) twice equal: %s\n", yes(brk_(0) == b0));
    printf("brk below the start returns the break: %s\n", yes(brk_(b0 - 64 * PAGE) == b0));

    const unsigned long mib = 1ul << 20;
    uintptr_t r = brk_(b0 + mib);
    printf("grow by 1 MiB: new break - old = %lu\n", (unsigned long)(r - b0));
    printf("brk(0) after grow - old = %lu\n", (unsigned long)(brk_(0) - b0));
    volatile uint8_t *heap = (volatile uint8_t *)b0;
    printf("new heap zero: %s\n", yes(all_zero(heap, mib)));
    fill(heap, mib, 1);
    printf("1 MiB written and read back: %s\n", yes(check(heap, mib, 1)));

    const unsigned long quarter = mib / 4;
    r = brk_(b0 + quarter);
    printf("shrink to 256 KiB: new break - old = %lu\n", (unsigned long)(r - b0));
    printf("bytes below the break kept: %s\n", yes(check(heap, quarter, 1)));
    r = brk_(b0 + mib / 2);
    printf("grow to 512 KiB: new break - old = %lu\n", (unsigned long)(r - b0));
    uintptr_t z = page_up(b0 + quarter + 1);
    printf("pages grown again are zero: %s\n", yes(all_zero((volatile uint8_t *)z, b0 + mib / 2 - z)));
    printf("bytes below still kept: %s\n", yes(check(heap, quarter, 1)));

    // The kernel writing into a heap page nobody touched yet.
    r = brk_(b0 + mib / 2 + 4 * PAGE);
    char *fresh = (char *)(b0 + mib / 2 + PAGE + 100);
    long n = sys6(SYS_read, 0, (long)fresh, 40, 0, 0, 0);
    printf("read into a fresh heap page: %ld bytes: %.*s|\n", n, n > 0 ? (int)n : 0, fresh);
    printf("back to the start: %s\n", yes(brk_(b0) == b0));
}

static void test_mmap(void)
{
    long a = mmap_anon(3 * PAGE + 1);
    printf("mmap 3 pages + 1 byte ok: %s\n", yes(!is_err(a)));
    if (is_err(a))
        return;
    printf("page aligned: %s\n", yes((a & (PAGE - 1)) == 0));
    volatile uint8_t *pa = (volatile uint8_t *)a;
    printf("zero, rounded to 4 pages: %s\n", yes(all_zero(pa, 4 * PAGE)));
    fill(pa, 4 * PAGE, 2);

    long b = mmap_anon(2 * PAGE);
    printf("second mmap ok: %s\n", yes(!is_err(b)));
    if (is_err(b))
        return;
    int disjoint = b + 2 * PAGE <= a || a + 4 * PAGE <= b;
    printf("disjoint: %s\n", yes(disjoint));
    volatile uint8_t *pb = (volatile uint8_t *)b;
    printf("second zero: %s\n", yes(all_zero(pb, 2 * PAGE)));
    fill(pb, 2 * PAGE, 3);
    printf("both intact: %s %s\n", yes(check(pa, 4 * PAGE, 2)), yes(check(pb, 2 * PAGE, 3)));

    printf("munmap middle page: %ld\n", munmap_(a + PAGE, PAGE));
    {
        // The first page, and the third and fourth, against the original pattern.
        int ok = 1;
        for (unsigned long i = 0; i < 4 * PAGE; i++)
            if ((i < PAGE || i >= 2 * PAGE) && pa[i] != pat(i, 2))
                ok = 0;
        printf("pages around it kept: %s\n", yes(ok));
    }

    long c = mmap_anon(PAGE);
    printf("one more page ok: %s\n", yes(!is_err(c)));
    if (!is_err(c)) {
        int clash = (c < a + 4 * PAGE && c + PAGE > a && c != a + PAGE) || (c < b + 2 * PAGE && c + PAGE > b);
        printf("does not clash with live pages: %s\n", yes(!clash));
        char *buf = (char *)c + PAGE - 20; // the last 20 bytes of the page
        long n = sys6(SYS_read, 0, (long)buf, 20, 0, 0, 0);
        printf("read into a fresh mmap page: %ld bytes: %.*s|\n", n, n > 0 ? (int)n : 0, buf);
        printf("munmap it: %ld\n", munmap_(c, PAGE));
    }

    printf("munmap unaligned: %ld\n", munmap_(a + 1, PAGE));
    printf("munmap length 0: %ld\n", munmap_(a, 0));
    printf("mmap length 0: %ld\n", mmap_anon(0));
    printf("munmap the rest: %ld %ld\n", munmap_(a, 4 * PAGE), munmap_(b, 2 * PAGE));
    printf("munmap again (nothing there): %ld\n", munmap_(a, 4 * PAGE));

    const unsigned long big = 16ul << 20;
    long m = mmap_anon(big);
    printf("16 MiB mmap ok: %s\n", yes(!is_err(m)));
    if (!is_err(m)) {
        volatile uint8_t *pm = (volatile uint8_t *)m;
        unsigned long sum = 0;
        for (unsigned long off = 0; off < big; off += PAGE)
            pm[off] = (uint8_t)(off >> 12);
        for (unsigned long off = 0; off < big; off += PAGE)
            sum += pm[off] + pm[off + 1];
        printf("16 MiB touched, checksum %lu\n", sum);
        printf("munmap 16 MiB: %ld\n", munmap_(m, big));
    }
}

int main(void)
{
    // stdio mallocs its buffer (from the brk heap) at the first printf: do that before taking
    // the heap over, so shrinking the break back to b0 leaves newlib's memory alone.
    printf("brk and mmap system calls\n");
    fflush(stdout);
    test_brk();
    test_mmap();
    return 0;
}
