/*
 * atomicfile.c - output files that appear complete or not at all
 * (touchflow/atomicfile.h): the folders above them, the temporary file
 * beside them, the rename into place and the sync of its folder.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <touchflow/atomicfile.h>
#include <touchflow/error.h>

/* mkdir that takes an existing folder as done. */
static int make_one(const char *dir)
{
  return mkdir(dir, 0777) == 0 || errno == EEXIST ? TF_OK : TF_ERR_IO;
}

int tf_make_dirs(const char *path, int include_last)
{
  char *copy = strdup(path);
  char *p;
  int rc = TF_OK;

  if (!copy)
    return TF_ERR_NOMEM;
  for (p = strchr(copy + 1, '/'); p && rc == TF_OK; p = strchr(p + 1, '/')) {
    *p = '\0';
    rc = make_one(copy);
    *p = '/';
  }
  if (rc == TF_OK && include_last && *copy)
    rc = make_one(copy);
  free(copy);
  return rc;
}

int tf_atomic_create(const char *path, char **tmp_path, int *fd)
{
  const char *slash = strrchr(path, '/');
  size_t dir_len = slash ? (size_t)(slash - path) + 1 : 0;
  size_t size = strlen(path) + sizeof("..tmp.XXXXXX");
  char *tmpl = malloc(size);
  int saved;

  *tmp_path = NULL;
  *fd = -1;
  if (!tmpl)
    return TF_ERR_NOMEM;
  snprintf(tmpl, size, "%.*s.%s.tmp.XXXXXX", (int)dir_len, path,
           path + dir_len);
  *fd = mkstemp(tmpl);
  if (*fd >= 0 && fchmod(*fd, 0644) == 0) {
    *tmp_path = tmpl;
    return TF_OK;
  }
  saved = errno;
  if (*fd >= 0) {
    close(*fd);
    unlink(tmpl);
    *fd = -1;
  }
  free(tmpl);
  errno = saved;
  return TF_ERR_IO;
}

/* fsync of the folder holding path ("." without a slash). */
static int sync_folder(const char *path)
{
  const char *slash = strrchr(path, '/');
  size_t len = slash ? (size_t)(slash - path) : 0;
  char *dir = malloc(len + 2);
  int fd, rc = TF_OK, saved;

  if (!dir)
    return TF_ERR_NOMEM;
  if (slash)
    snprintf(dir, len + 2, "%.*s", (int)(len ? len : 1), len ? path : "/");
  else
    snprintf(dir, len + 2, ".");
  fd = open(dir, O_RDONLY);
  if (fd < 0 || (fsync(fd) < 0 && errno != EINVAL))
    rc = TF_ERR_IO;
  saved = errno;
  if (fd >= 0)
    close(fd);
  free(dir);
  errno = saved;
  return rc;
}

int tf_atomic_commit(const char *tmp_path, const char *path)
{
  if (rename(tmp_path, path) < 0)
    return TF_ERR_IO;
  return sync_folder(path);
}
