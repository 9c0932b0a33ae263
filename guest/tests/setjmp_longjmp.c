// setjmp_longjmp.c — non-local jumps: setjmp saves the callee-saved registers
// and the stack pointer, longjmp restores them and returns from setjmp again.
#include <stdio.h>
#include <setjmp.h>

static jmp_buf env;
static jmp_buf inner_env;
static int calls;

/* Recurse a few levels and then jump all the way back out. */
static void dive(int depth, int target)
{
    volatile char frame[128];   /* use some stack in every frame */
    frame[0] = (char)depth;
    calls++;
    if (depth == target)
        longjmp(env, depth * 10 + frame[0] % 10);
    if (depth < 1000)
        dive(depth + 1, target);
}

static int nested(void)
{
    int r = setjmp(inner_env);
    if (r == 0)
        longjmp(inner_env, 0);   /* longjmp(.., 0) makes setjmp return 1 */
    return r;
}

int main(void)
{
    /* A local that changes between setjmp and longjmp must be volatile to
       have a defined value afterwards. */
    volatile int counter = 0;
    int r = setjmp(env);
    printf("setjmp returned %d (counter %d)\n", r, counter);
    counter++;
    if (counter <= 3)
        dive(1, counter * 4);
    printf("after %d dives: %d calls\n", counter - 1, calls);

    printf("longjmp with 0 gives: %d\n", nested());

    /* Jump many times in a loop: the stack must not leak. */
    volatile int rounds = 0;
    if (setjmp(env) < 1000) {
        rounds++;
        if (rounds < 1000)
            longjmp(env, rounds);
    }
    printf("rounds: %d\n", rounds);
    return 0;
}
