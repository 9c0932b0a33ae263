// args_env.c — the command line and the environment.
//
// The kernel puts argc, argv[] and the environment on the initial stack;
// rvscope's crt0 passes envp to main and sets `environ` from it.  The
// entries are printed sorted, as their order depends on the launcher.
// Run qemu with an empty environment, e.g. `env -i GREETING=hello ...
// qemu-riscv32 args_env.elf ...`, otherwise it hands the host's whole
// environment over to the program.
//
// rvscope-args: one two "three four" "" --flag=5
// rvscope-env: GREETING=hello
// rvscope-env: EMPTY=
// rvscope-env: PATH_LIKE=/a:/b
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv, char **envp)
{
    printf("argc = %d\n", argc);
    /* argv[0] is the program's path as given by whoever started it. */
    size_t len0 = argv[0] ? strlen(argv[0]) : 0;
    printf("argv[0] ends in .elf: %s\n",
           len0 >= 4 && strcmp(argv[0] + len0 - 4, ".elf") == 0 ? "yes" : "no");
    for (int i = 1; i < argc; i++)
        printf("argv[%d] = \"%s\"\n", i, argv[i]);
    printf("argv[argc] is NULL: %s\n", argv[argc] == NULL ? "yes" : "no");

    /* The order of the environment depends on whoever started the program,
       so print the entries sorted. */
    int n = 0;
    while (environ[n] != NULL)
        n++;
    char **sorted = malloc((size_t)(n + 1) * sizeof *sorted);
    if (sorted == NULL)
        return 1;
    memcpy(sorted, environ, (size_t)n * sizeof *sorted);
    qsort(sorted, (size_t)n, sizeof *sorted, cmp_str);
    for (int i = 0; i < n; i++)
        printf("environ (sorted) %d: \"%s\"\n", i, sorted[i]);
    printf("%d environment entries\n", n);
    free(sorted);
    printf("envp == environ: %s\n", envp == environ ? "yes" : "no");

    const char *g = getenv("GREETING");
    const char *empty = getenv("EMPTY");
    const char *none = getenv("NOT_SET");
    printf("getenv GREETING = %s\n", g ? g : "(null)");
    printf("getenv EMPTY = \"%s\"\n", empty ? empty : "(null)");
    printf("getenv NOT_SET = %s\n", none ? none : "(null)");
    return 0;
}
