/* Ordinary integer code for the objdump-agreement test: loops, calls, switch tables, 64-bit and
   M-extension arithmetic, bit tricks, struct copies. Compiled freestanding, never linked. */

typedef unsigned int u32;
typedef unsigned long long u64;

struct point { int x, y, z; char tag[13]; };

extern void sink(void *p);
extern int (*callbacks[4])(int);

void sort(int *a, int n)
{
    for (int i = 1; i < n; i++) {
        int v = a[i], j = i - 1;
        while (j >= 0 && a[j] > v) {
            a[j + 1] = a[j];
            j--;
        }
        a[j + 1] = v;
    }
}

u32 crc32(const unsigned char *p, u32 n)
{
    u32 c = 0xffffffffu;
    while (n--) {
        c ^= *p++;
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xedb88320u & -(c & 1));
    }
    return ~c;
}

int classify(int c)
{
    switch (c) {
    case 0: return 11;
    case 1: return 23;
    case 2: return -7;
    case 3: return 1000;
    case 4: return callbacks[c & 3](c);
    case 5: return c * 3;
    case 7: return 1 << c;
    case 9: return c ^ 0x5a5a;
    default: return -1;
    }
}

u64 mix64(u64 a, u64 b, int s)
{
    u64 r = a * b + (a >> (s & 63)) - (b << 3);
    return r ^ (r >> 33);
}

int divmod(int a, int b, unsigned ua, unsigned ub, int *rem)
{
    *rem = a % b + (int)(ua % ub);
    return a / b + (int)(ua / ub);
}

int mulhi(int a, int b, unsigned c, unsigned d)
{
    long long p = (long long)a * b;
    unsigned long long q = (unsigned long long)c * d;
    long long r = (long long)a * (long long)(unsigned long long)c;
    return (int)(p >> 32) + (int)(q >> 32) + (int)(r >> 32);
}

int bits(u32 x, int y)
{
    int n = 0;
    n += x < 10;
    n += y < 0;
    n += y > 0;
    n += x != 0;
    n += x == 0;
    n += (int)x >= y;
    n -= y;
    return n + (int)(~x) + (int)(x >> 7) + (y >> 3) + (int)(x << 5);
}

void copy(struct point *d, const struct point *s, int n)
{
    for (int i = 0; i < n; i++)
        d[i] = s[i];
    sink(d);
}

int fib(int n)
{
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

static char big_buffer[100000];

char *bigframe(int i)
{
    char local[5000];
    for (int k = 0; k < (int)sizeof local; k++)
        local[k] = (char)(k * i);
    sink(local);
    return &big_buffer[i + 70000];
}

int strcmp_(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return (unsigned char)*a - (unsigned char)*b;
}

short halves(short *p, unsigned short *q, signed char *r, unsigned char *s)
{
    *p += 1;
    *q += 2;
    *r += 3;
    *s += 4;
    return *p + *q + *r + *s;
}

u32 consts(void)
{
    return 0x12345678u + 0xfffff800u + 0x800u + 0x7ffu;
}
