/*
 * module_safety.c - refuses plugin folders and files anyone could change
 * (module_safety.h).
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <touchflow/error.h>

#include "module_safety.h"

int tf__module_dir_safe(const char *dir, char *err, size_t errlen)
{
  struct stat st;

  if (stat(dir, &st) < 0)
    return TF_OK; /* a folder that is not there holds nothing */
  if (S_ISDIR(st.st_mode) && (st.st_mode & S_IWOTH)) {
    snprintf(err, errlen,
             "%s: plugin folder is writable by every user (mode %03o): "
             "anyone could put code in it; refusing to load plugins from it "
             "(chmod o-w)",
             dir, (unsigned)(st.st_mode & 0777));
    return TF_ERR_PLUGIN;
  }
  return TF_OK;
}

/* 1 when path (resolved) lies inside dir (resolved). */
static int inside(const char *dir, const char *path)
{
  char rdir[PATH_MAX], rpath[PATH_MAX];
  size_t n;

  if (!realpath(dir, rdir) || !realpath(path, rpath))
    return 0;
  n = strlen(rdir);
  return strncmp(rpath, rdir, n) == 0 && (rpath[n] == '/' || n == 1);
}

int tf__module_file_safe(const char *dir, const char *path, char *err,
                         size_t errlen)
{
  struct stat lst, st;

  if (lstat(path, &lst) < 0 || stat(path, &st) < 0) {
    snprintf(err, errlen, "%s: %s", path, strerror(errno));
    return errno == ENOENT ? TF_ERR_NOTFOUND : TF_ERR_PLUGIN;
  }
  if (!S_ISREG(st.st_mode)) {
    snprintf(err, errlen, "%s: not a regular file", path);
    return TF_ERR_PLUGIN;
  }
  if (dir && S_ISLNK(lst.st_mode) && !inside(dir, path)) {
    snprintf(err, errlen,
             "%s: a symbolic link out of its plugin folder %s; refusing to "
             "load it (copy the module into the folder, or add its own "
             "folder to the plugin path)",
             path, dir);
    return TF_ERR_PLUGIN;
  }
  if (st.st_mode & S_IWOTH) {
    snprintf(err, errlen,
             "%s: module file is writable by every user (mode %03o); "
             "refusing to load it (chmod o-w)",
             path, (unsigned)(st.st_mode & 0777));
    return TF_ERR_PLUGIN;
  }
  return TF_OK;
}
