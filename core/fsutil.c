/*
 * fsutil.c - file-system helpers (fsutil.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fsutil.h"

int tf__make_parent_dirs(const char *path)
{
  char *copy = strdup(path);
  char *p;

  if (!copy)
    return -1;
  for (p = copy + 1; (p = strchr(p, '/')) != NULL; p++) {
    *p = '\0';
    if (mkdir(copy, 0777) < 0 && errno != EEXIST) {
      int saved = errno;

      free(copy);
      errno = saved;
      return -1;
    }
    *p = '/';
  }
  free(copy);
  return 0;
}

const char *tf__path_relative_to(const char *path, const char *base)
{
  size_t n;

  if (!path || !base || strcmp(base, ".") == 0)
    return path;
  n = strlen(base);
  if (strncmp(path, base, n) == 0 && path[n] == '/')
    return path + n + 1;
  return path;
}
