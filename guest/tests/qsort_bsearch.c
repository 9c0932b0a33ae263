// qsort_bsearch.c — qsort on several kinds of arrays, then bsearch.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>

static uint32_t lcg_state = 7;
static uint32_t lcg(void)
{
    lcg_state = lcg_state * 1103515245u + 12345u;
    return (lcg_state >> 8) & 0xffffff;
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);   /* no overflow, unlike x - y */
}

static int cmp_int_desc(const void *a, const void *b)
{
    return cmp_int(b, a);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

struct person {
    const char *name;
    int age;
};

/* Sort by age, then by name. */
static int cmp_person(const void *a, const void *b)
{
    const struct person *p = a, *q = b;
    if (p->age != q->age)
        return (p->age > q->age) - (p->age < q->age);
    return strcmp(p->name, q->name);
}

static int is_sorted(const int *a, int n)
{
    for (int i = 1; i < n; i++)
        if (a[i - 1] > a[i])
            return 0;
    return 1;
}

static uint32_t checksum(const int *a, int n)
{
    uint32_t h = 0;
    for (int i = 0; i < n; i++)
        h = h * 31u + (uint32_t)a[i];
    return h;
}

#define N 5000
static int data[N];

int main(void)
{
    /* 1. random ints, including negatives and duplicates */
    for (int i = 0; i < N; i++)
        data[i] = (int)(lcg() % 20001) - 10000;
    qsort(data, N, sizeof data[0], cmp_int);
    printf("random: sorted=%d min=%d max=%d median=%d sum=%08lx\n", is_sorted(data, N),
           data[0], data[N - 1], data[N / 2], (unsigned long)checksum(data, N));

    /* 2. bsearch for values that are and are not present */
    int found = 0, missing = 0;
    for (int key = -10000; key <= 10000; key += 7) {
        if (bsearch(&key, data, N, sizeof data[0], cmp_int))
            found++;
        else
            missing++;
    }
    int absent = 20000;
    printf("bsearch: %d found, %d missing, 20000 present: %s\n", found, missing,
           bsearch(&absent, data, N, sizeof data[0], cmp_int) ? "yes" : "no");

    /* 3. already sorted input, then reverse order */
    qsort(data, N, sizeof data[0], cmp_int);
    printf("sorted again: sorted=%d sum=%08lx\n", is_sorted(data, N),
           (unsigned long)checksum(data, N));
    qsort(data, N, sizeof data[0], cmp_int_desc);
    printf("descending: first=%d last=%d sum=%08lx\n", data[0], data[N - 1],
           (unsigned long)checksum(data, N));

    /* 4. all equal, and tiny arrays */
    for (int i = 0; i < N; i++)
        data[i] = 5;
    qsort(data, N, sizeof data[0], cmp_int);
    printf("all equal: sorted=%d\n", is_sorted(data, N));
    int one[1] = { 9 }, two[2] = { 2, 1 };
    qsort(one, 1, sizeof one[0], cmp_int);
    qsort(two, 2, sizeof two[0], cmp_int);
    qsort(NULL, 0, sizeof(int), cmp_int);
    printf("tiny: %d | %d %d\n", one[0], two[0], two[1]);

    /* 5. strings */
    const char *words[] = { "pear", "apple", "fig", "banana", "cherry", "apple",
                            "date", "elderberry", "grape", "Apple" };
    int nw = (int)(sizeof words / sizeof words[0]);
    qsort(words, (size_t)nw, sizeof words[0], cmp_str);
    printf("words:");
    for (int i = 0; i < nw; i++)
        printf(" %s", words[i]);
    printf("\n");
    const char *key = "cherry";
    const char **hit = bsearch(&key, words, (size_t)nw, sizeof words[0], cmp_str);
    printf("bsearch \"cherry\": index %d\n", hit ? (int)(hit - words) : -1);

    /* 6. structs with a two-level key */
    struct person people[] = { { "Mia", 30 }, { "Ada", 36 }, { "Bob", 30 },
                               { "Eve", 25 }, { "Cy", 36 },  { "Al", 25 } };
    int np = (int)(sizeof people / sizeof people[0]);
    qsort(people, (size_t)np, sizeof people[0], cmp_person);
    printf("people:");
    for (int i = 0; i < np; i++)
        printf(" %s(%d)", people[i].name, people[i].age);
    printf("\n");
    return 0;
}
