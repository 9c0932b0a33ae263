// string_funcs.c — the <string.h> and <stdlib.h> string functions.
//
// newlib's memcpy/memset/strcmp are hand-written RISC-V assembly that use
// word accesses when the pointers allow it, so they are tried at every
// alignment and length.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <errno.h>
#include <limits.h>

/* The truncating snprintf calls below are on purpose. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

static int sign(int x)
{
    return (x > 0) - (x < 0);
}

static uint32_t hash(const unsigned char *p, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

int main(void)
{
    char buf[64];

    /* strlen, strcpy, strcat */
    printf("strlen: %lu %lu\n", (unsigned long)strlen(""), (unsigned long)strlen("hello"));
    strcpy(buf, "foo");
    strcat(buf, "bar");
    strcat(buf, "");
    strcat(buf, "baz");
    printf("strcpy/strcat: \"%s\" (%lu)\n", buf, (unsigned long)strlen(buf));

    /* strcmp, strncmp: print only the sign, which is what the standard fixes */
    printf("strcmp: %d %d %d %d %d\n", sign(strcmp("abc", "abc")), sign(strcmp("abc", "abd")),
           sign(strcmp("abd", "abc")), sign(strcmp("ab", "abc")), sign(strcmp("\xff", "a")));
    printf("strncmp: %d %d %d\n", sign(strncmp("abcX", "abcY", 3)),
           sign(strncmp("abcX", "abcY", 4)), sign(strncmp("a", "b", 0)));

    /* strchr, strrchr, strstr */
    const char *s = "the quick brown fox jumps over the lazy dog";
    printf("strchr 'q': %ld, 'z': %ld, '\\0': %ld, 'Z': %s\n", (long)(strchr(s, 'q') - s),
           (long)(strchr(s, 'z') - s), (long)(strchr(s, '\0') - s),
           strchr(s, 'Z') ? "found" : "NULL");
    printf("strrchr 'o': %ld, 't': %ld\n", (long)(strrchr(s, 'o') - s),
           (long)(strrchr(s, 't') - s));
    printf("strstr \"the\": %ld, \"lazy\": %ld, \"\": %ld, \"cat\": %s\n",
           (long)(strstr(s, "the") - s), (long)(strstr(s, "lazy") - s),
           (long)(strstr(s, "") - s), strstr(s, "cat") ? "found" : "NULL");

    /* memset, memcpy, memcmp at every alignment and many lengths */
    static unsigned char src[300], dst[300];
    for (int i = 0; i < 300; i++)
        src[i] = (unsigned char)(i * 7 + 1);
    uint32_t h = 0;
    int mismatches = 0;
    for (int sa = 0; sa < 4; sa++) {
        for (int da = 0; da < 4; da++) {
            for (int len = 0; len < 70; len += 3) {
                memset(dst, 0xAA, sizeof dst);
                memcpy(dst + da, src + sa, (size_t)len);
                if (memcmp(dst + da, src + sa, (size_t)len) != 0)
                    mismatches++;
                if (len > 0 && dst[da + len] != 0xAA)
                    mismatches++;   /* wrote past the end */
                h = h * 31u + hash(dst, sizeof dst);
            }
        }
    }
    printf("memcpy/memcmp: %d mismatches, hash %08lx\n", mismatches, (unsigned long)h);
    memset(dst + 3, 'x', 17);
    printf("memset: %lu x's, memcmp sign %d %d %d\n", (unsigned long)strspn((char *)dst + 3, "x"),
           sign(memcmp("abc", "abd", 3)), sign(memcmp("abd", "abc", 3)),
           sign(memcmp("\x80", "\x01", 1)));

    /* memmove with overlapping regions, both directions */
    char m[32] = "0123456789abcdef";
    memmove(m + 2, m, 10);
    printf("memmove right: %s\n", m);
    strcpy(m, "0123456789abcdef");
    memmove(m, m + 3, 10);
    printf("memmove left:  %s\n", m);

    /* strtol: bases, end pointer, overflow */
    char *end;
    printf("strtol: %ld %ld %ld %ld\n", strtol("  -1234xyz", &end, 10), strtol("ff", NULL, 16),
           strtol("0x1F", NULL, 0), strtol("0755", NULL, 0));
    printf("strtol end: \"%s\"\n", end);
    errno = 0;
    long big = strtol("99999999999999", NULL, 10);
    printf("strtol overflow: %ld errno=ERANGE:%s\n", big, errno == ERANGE ? "yes" : "no");
    printf("strtoul: %lu, strtoll: %lld\n", strtoul("4294967295", NULL, 10),
           strtoll("-9223372036854775807", NULL, 10));

    /* atoi */
    printf("atoi: %d %d %d %d\n", atoi("42"), atoi("  -17"), atoi("3.9"), atoi("abc"));

    /* sprintf, snprintf */
    int n = sprintf(buf, "%s=%d;%c", "x", -5, '!');
    printf("sprintf: \"%s\" (%d)\n", buf, n);
    n = snprintf(buf, 6, "%s", "truncated string");
    printf("snprintf: \"%s\" (%d)\n", buf, n);
    n = snprintf(NULL, 0, "%d", INT_MIN);
    printf("snprintf(NULL, 0): %d\n", n);

    /* sscanf */
    int a = 0, b = 0;
    unsigned x = 0;
    char word[16] = "";
    double d = 0.0;
    n = sscanf("12 -34 beef hello 2.5", "%d %d %x %15s %lf", &a, &b, &x, word, &d);
    printf("sscanf: n=%d a=%d b=%d x=%u word=%s d=%.2f\n", n, a, b, x, word, d);
    n = sscanf("7,8", "%d,%d", &a, &b);
    printf("sscanf comma: n=%d %d %d\n", n, a, b);
    n = sscanf("nothing", "%d", &a);
    printf("sscanf fail: n=%d\n", n);
    return 0;
}
