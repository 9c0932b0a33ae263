/* bare.h — what start.S offers to a freestanding C test.
 *
 * Define `int test_main(void)`; start.S calls it in M-mode with a 4 KiB
 * stack and ends the run with its result: 0 = pass (tohost = 1), n = failed
 * at case n (tohost = n << 1 | 1, exit status n).
 */
#ifndef BARE_H
#define BARE_H

#include "encoding.h"
#include "test.h"

/* HTIF console putchar (device 1, command 1). */
void htif_putc(int c);
/* Writes a NUL-terminated string with htif_putc. */
void htif_puts(const char *s);
/* Ends the run now: exit status `status` (0 = pass). */
__attribute__((noreturn)) void htif_exit(int status);

int test_main(void);

#endif /* BARE_H */
