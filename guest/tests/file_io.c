// file_io.c — files through stdio and through the POSIX calls underneath.
//
// Runs in a sandbox directory that holds input.txt (rvscope --fs-root DIR;
// for qemu-riscv32, cd into DIR first).  Only relative paths are used.
//
// rvscope-files: tests/data/input.txt
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>

static int failures;

static void check(const char *what, int ok)
{
    printf("%-44s %s\n", what, ok ? "ok" : "FAILED");
    if (!ok)
        failures++;
}

int main(void)
{
    char line[128];

    /* 1. Read the file the harness provides. */
    FILE *in = fopen("input.txt", "r");
    check("fopen input.txt", in != NULL);
    if (in == NULL)
        return 1;
    int nlines = 0;
    while (fgets(line, sizeof line, in) != NULL)
        printf("input %d: %s", ++nlines, line);
    fclose(in);
    printf("input.txt has %d lines\n", nlines);

    /* 2. Write a new file with stdio, read it back. */
    FILE *out = fopen("out.txt", "w");
    check("fopen out.txt for writing", out != NULL);
    if (out == NULL)
        return 1;
    for (int i = 1; i <= 5; i++)
        fprintf(out, "line %d: %d squared is %d\n", i, i, i * i);
    check("fclose out.txt", fclose(out) == 0);

    FILE *back = fopen("out.txt", "r");
    check("reopen out.txt", back != NULL);
    if (back == NULL)
        return 1;
    int same = 1, count = 0;
    while (fgets(line, sizeof line, back) != NULL) {
        char expect[64];
        count++;
        snprintf(expect, sizeof expect, "line %d: %d squared is %d\n", count, count,
                 count * count);
        same &= strcmp(line, expect) == 0;
    }
    check("read back 5 identical lines", same && count == 5);
    fseek(back, 0, SEEK_END);
    long size = ftell(back);
    printf("ftell at end: %ld\n", size);
    fseek(back, 8, SEEK_SET);
    printf("fgetc at offset 8: '%c'\n", fgetc(back));
    fclose(back);

    /* 3. A missing file. */
    errno = 0;
    FILE *missing = fopen("no_such_file.txt", "r");
    check("fopen missing file fails", missing == NULL);
    check("... with errno ENOENT", errno == ENOENT);

    /* 4. open/fstat/lseek/read/write on the file descriptor. */
    int fd = open("out.txt", O_RDWR);
    check("open out.txt O_RDWR", fd >= 0);
    struct stat st;
    check("fstat", fstat(fd, &st) == 0);
    check("fstat: regular file", S_ISREG(st.st_mode));
    check("fstat: size matches ftell", st.st_size == size);
    printf("st_size = %ld\n", (long)st.st_size);
    check("lseek SEEK_END returns the size", lseek(fd, 0, SEEK_END) == size);
    check("lseek SEEK_SET 5", lseek(fd, 5, SEEK_SET) == 5);
    char five[6] = "";
    check("read 5 bytes", read(fd, five, 5) == 5);
    printf("bytes 5..9: \"%s\"\n", five);
    check("lseek SEEK_CUR is 10", lseek(fd, 0, SEEK_CUR) == 10);
    check("lseek SEEK_CUR -10 is 0", lseek(fd, -10, SEEK_CUR) == 0);
    check("write over the start", write(fd, "LINE", 4) == 4);
    errno = 0;
    check("lseek to a negative offset fails", lseek(fd, -100, SEEK_SET) == -1);
    check("... with errno EINVAL", errno == EINVAL);
    check("close", close(fd) == 0);
    errno = 0;
    check("read after close fails", read(fd, five, 1) == -1);
    check("... with errno EBADF", errno == EBADF);

    /* 5. O_APPEND, O_CREAT|O_EXCL, O_TRUNC. */
    fd = open("out.txt", O_WRONLY | O_APPEND);
    check("open O_APPEND", fd >= 0);
    check("append 6 bytes", write(fd, "tail!\n", 6) == 6);
    check("fstat after append", fstat(fd, &st) == 0 && st.st_size == size + 6);
    close(fd);
    errno = 0;
    check("O_CREAT|O_EXCL on an existing file fails",
          open("out.txt", O_WRONLY | O_CREAT | O_EXCL, 0644) == -1 && errno == EEXIST);
    fd = open("new.txt", O_WRONLY | O_CREAT | O_EXCL, 0644);
    check("O_CREAT|O_EXCL creates new.txt", fd >= 0);
    close(fd);
    fd = open("out.txt", O_WRONLY | O_TRUNC);
    check("open O_TRUNC", fd >= 0 && fstat(fd, &st) == 0 && st.st_size == 0);
    close(fd);

    /* 6. The first bytes, after the overwrite and the truncation. */
    out = fopen("out.txt", "a+");
    fputs("appended via stdio\n", out);
    rewind(out);
    check("a+ then rewind reads it back", fgets(line, sizeof line, out) != NULL &&
                                              strcmp(line, "appended via stdio\n") == 0);
    fclose(out);

    printf("%d failures\n", failures);
    return failures != 0;
}
