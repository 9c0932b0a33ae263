// list_vs_array.c — walking a linked list versus walking an array.
//
// Both hold the same N numbers.  The array is one contiguous block, so a walk
// touches consecutive addresses and every cache line brought in is fully used.
// The list's nodes are separate malloc() blocks linked in a shuffled order, as
// happens in a long-running program after lots of malloc/free churn: each
// step jumps to an unrelated address, so most steps miss in the cache, and the
// next address is only known once the current node has been loaded.
//
// Usage: list_vs_array [N [PASSES [array|list|both]]]   (defaults 4096 nodes, 50 passes, both)
//
// The third argument runs one walk only, so that `rvscope run --stats` shows the cache figures
// of that walk (plus the set-up, which is the same for both).
//
// rvscope-args: 4096 50
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

struct node {
    struct node *next;
    int value;
    int padding[6];   /* make a node 32 bytes, like a small real record */
};

/* A small linear congruential generator: the same "random" numbers on every
   machine and every run. */
static uint32_t lcg_state = 12345;
static uint32_t lcg(void)
{
    lcg_state = lcg_state * 1103515245u + 12345u;
    return lcg_state >> 8;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 4096;
    int passes = argc > 2 ? atoi(argv[2]) : 50;
    const char *phase = argc > 3 ? argv[3] : "both";
    int do_array = strcmp(phase, "array") == 0 || strcmp(phase, "both") == 0;
    int do_list = strcmp(phase, "list") == 0 || strcmp(phase, "both") == 0;
    if (n < 1 || passes < 1 || (!do_array && !do_list)) {
        printf("usage: list_vs_array [N [PASSES [array|list|both]]]\n");
        return 2;
    }

    int *array = malloc((size_t)n * sizeof *array);
    struct node **nodes = malloc((size_t)n * sizeof *nodes);
    int *order = malloc((size_t)n * sizeof *order);
    if (!array || !nodes || !order) {
        printf("out of memory\n");
        return 1;
    }

    /* Allocate the nodes one by one (they end up roughly in address order)... */
    for (int i = 0; i < n; i++) {
        nodes[i] = malloc(sizeof(struct node));
        if (!nodes[i]) {
            printf("out of memory\n");
            return 1;
        }
        nodes[i]->value = i % 1000;
        array[i] = i % 1000;
        order[i] = i;
    }
    /* ...then link them in a shuffled order (Fisher-Yates shuffle). */
    for (int i = n - 1; i > 0; i--) {
        int j = (int)(lcg() % (uint32_t)(i + 1));
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    for (int i = 0; i < n - 1; i++)
        nodes[order[i]]->next = nodes[order[i + 1]];
    nodes[order[n - 1]]->next = NULL;
    struct node *head = nodes[order[0]];

    /* Walk the array. */
    uint32_t array_sum = 0;
    for (int p = 0; do_array && p < passes; p++)
        for (int i = 0; i < n; i++)
            array_sum += (uint32_t)array[i];

    /* Walk the list. */
    uint32_t list_sum = 0;
    for (int p = 0; do_list && p < passes; p++)
        for (struct node *q = head; q != NULL; q = q->next)
            list_sum += (uint32_t)q->value;

    printf("N = %d, passes = %d\n", n, passes);
    if (do_array)
        printf("array sum = %lu\n", (unsigned long)array_sum);
    if (do_list)
        printf("list sum  = %lu\n", (unsigned long)list_sum);
    if (do_array && do_list)
        printf("sums equal: %s\n", array_sum == list_sum ? "yes" : "no");

    for (int i = 0; i < n; i++)
        free(nodes[i]);
    free(order);
    free(nodes);
    free(array);
    return 0;
}
