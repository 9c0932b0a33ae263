// rename_file.c — rename() and remove() inside the sandbox (newlib's rename is link + unlink,
// which the toolchain's libgloss sends as linkat/unlinkat, as rv32 Linux has them).
#include <errno.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
    FILE *f = fopen("before.txt", "w");
    if (!f) { printf("fopen failed: errno %d\n", errno); return 1; }
    fputs("moved content\n", f);
    fclose(f);
    printf("rename: %d\n", rename("before.txt", "after.txt"));
    errno = 0;
    printf("old name opens: %s (errno %s)\n", fopen("before.txt", "r") ? "yes" : "no",
           errno == ENOENT ? "ENOENT" : "other");
    char line[64] = "";
    f = fopen("after.txt", "r");
    if (!f || !fgets(line, sizeof line, f)) { printf("reading after.txt failed\n"); return 1; }
    fclose(f);
    printf("after.txt: %s", line);
    printf("remove: %d\n", remove("after.txt"));
    errno = 0;
    printf("remove again: %d (errno %s)\n", remove("after.txt"), errno == ENOENT ? "ENOENT" : "other");
    return 0;
}
