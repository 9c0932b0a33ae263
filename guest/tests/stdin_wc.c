// stdin_wc.c — read all of standard input like `wc`, echoing it in upper case.
//
// The first line is read with getchar(), the rest with fgets(), so both
// paths through newlib's stdio buffer are used.
//
// rvscope-stdin: tests/data/words.txt
#include <stdio.h>
#include <string.h>
#include <ctype.h>

static long lines, words, bytes;
static int in_word;
static int last = '\n';

static void count(int c)
{
    bytes++;
    last = c;
    if (c == '\n')
        lines++;
    if (isspace(c)) {
        in_word = 0;
    } else if (!in_word) {
        in_word = 1;
        words++;
    }
}

int main(void)
{
    int c;

    /* First line, one character at a time. */
    while ((c = getchar()) != EOF) {
        count(c);
        putchar(toupper(c));
        if (c == '\n')
            break;
    }

    /* The rest, a (partial) line at a time. */
    char line[40];   /* short on purpose: long lines arrive in pieces */
    long pieces = 0;
    while (fgets(line, sizeof line, stdin) != NULL) {
        pieces++;
        for (char *p = line; *p != '\0'; p++) {
            count((unsigned char)*p);
            *p = (char)toupper((unsigned char)*p);
        }
        fputs(line, stdout);
    }

    if (last != '\n')
        printf("\n(no newline at the end of the input)\n");
    printf("---\n");
    printf("lines %ld, words %ld, bytes %ld, fgets pieces %ld\n", lines, words, bytes, pieces);
    printf("eof: %s, error: %s\n", feof(stdin) ? "yes" : "no", ferror(stdin) ? "yes" : "no");
    return 0;
}
