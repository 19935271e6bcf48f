/*
 * The example C task, built with wasi-libc and turned into a command component through the
 * preview1 adapter. Its first argument picks what it does:
 *
 *   env            prints each KEY=VALUE of its environment followed by a NUL byte
 *   print <text>   prints <text> to stdout and "err:<text>" to stderr
 *   exit <code>    exits with <code> (the adapter reports any non-zero code as 1)
 *   files          tries to read the host's files and prints what it could reach
 *   (nothing)      prints one line and exits 0
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

int main(int argc, char **argv) {
  const char *op = argc > 1 ? argv[1] : "";
  if (strcmp(op, "env") == 0) {
    for (char **e = environ; *e; e++) {
      fputs(*e, stdout);
      fputc('\0', stdout);
    }
    return 0;
  }
  if (strcmp(op, "print") == 0 && argc > 2) {
    printf("%s", argv[2]);
    fprintf(stderr, "err:%s", argv[2]);
    return 0;
  }
  if (strcmp(op, "exit") == 0 && argc > 2) return atoi(argv[2]);
  if (strcmp(op, "files") == 0) {
    FILE *f = fopen("/etc/passwd", "r");
    DIR *d = opendir("/");
    printf("passwd:%s root:%s\n", f ? "open" : "denied", d ? "open" : "denied");
    return 0;
  }
  printf("hello from c\n");
  return 0;
}
