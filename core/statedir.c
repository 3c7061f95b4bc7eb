/*
 * statedir.c - stores, loads and locks the checkpoint (statedir.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <touchflow/error.h>

#include "crashpoint.h"
#include "fsutil.h"
#include "statedir.h"

#define CHECKPOINT_NAME "checkpoint.json"

struct tf__state_dir {
  char *dir;
  char *checkpoint; /* DIR/checkpoint.json */
  char *temp;       /* DIR/checkpoint.json.tmp */
  int lock_fd;
};

static char *join(const char *dir, const char *name)
{
  size_t len = strlen(dir) + strlen(name) + 2;
  char *path = malloc(len);

  if (path)
    snprintf(path, len, "%s/%s", dir, name);
  return path;
}

/* Takes the lock, or says who holds it. */
static int take_lock(tf__state_dir *sd, char *err, size_t errlen)
{
  char *path = join(sd->dir, "lock");
  char pid[32];

  if (!path) {
    snprintf(err, errlen, "out of memory");
    return TF_ERR_NOMEM;
  }
  if (tf__make_parent_dirs(path) < 0 ||
      (sd->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0) {
    snprintf(err, errlen, "%s: cannot create the state directory: %s", sd->dir,
             strerror(errno));
    free(path);
    return TF_ERR_IO;
  }
  free(path);
  if (flock(sd->lock_fd, LOCK_EX | LOCK_NB) < 0) {
    ssize_t n = pread(sd->lock_fd, pid, sizeof(pid) - 1, 0);

    pid[n > 0 ? n : 0] = '\0';
    pid[strcspn(pid, "\n")] = '\0';
    snprintf(err, errlen,
             "%s: another touchflow run (pid %s) is using this state "
             "directory",
             sd->dir, pid[0] ? pid : "unknown");
    return TF_ERR_INVAL;
  }
  snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
  if (ftruncate(sd->lock_fd, 0) < 0 ||
      pwrite(sd->lock_fd, pid, strlen(pid), 0) < 0) {
    snprintf(err, errlen, "%s/lock: %s", sd->dir, strerror(errno));
    return TF_ERR_IO;
  }
  return TF_OK;
}

int tf__state_dir_open(const char *dir, int reset, tf__state_dir **out,
                       char *err, size_t errlen)
{
  tf__state_dir *sd = calloc(1, sizeof(*sd));
  int rc;

  *out = NULL;
  if (!sd || !(sd->dir = strdup(dir)) ||
      !(sd->checkpoint = join(dir, CHECKPOINT_NAME)) ||
      !(sd->temp = join(dir, CHECKPOINT_NAME ".tmp"))) {
    tf__state_dir_close(sd);
    snprintf(err, errlen, "out of memory");
    return TF_ERR_NOMEM;
  }
  sd->lock_fd = -1;
  rc = take_lock(sd, err, errlen);
  if (rc == TF_OK && reset && unlink(sd->checkpoint) < 0 && errno != ENOENT) {
    snprintf(err, errlen, "%s: cannot remove: %s", sd->checkpoint,
             strerror(errno));
    rc = TF_ERR_IO;
  }
  if (rc != TF_OK) {
    tf__state_dir_close(sd);
    return rc;
  }
  unlink(sd->temp); /* a checkpoint write that never finished */
  *out = sd;
  return TF_OK;
}

json_t *tf__state_dir_load(tf__state_dir *sd, int *rc, char *err, size_t errlen)
{
  json_error_t jerr;
  json_t *cp;

  *rc = TF_OK;
  if (access(sd->checkpoint, F_OK) < 0 && errno == ENOENT)
    return NULL;
  cp = json_load_file(sd->checkpoint, JSON_REJECT_DUPLICATES, &jerr);
  if (!cp) {
    *rc = TF_ERR_PARSE;
    snprintf(err, errlen, "%s: not a readable checkpoint: %s (line %d)",
             sd->checkpoint, jerr.text, jerr.line);
  }
  return cp;
}

/* Writes all of text to fd. */
static int write_all(int fd, const char *text, size_t len)
{
  while (len > 0) {
    ssize_t n = write(fd, text, len);

    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return -1;
    text += n;
    len -= (size_t)n;
  }
  return 0;
}

/* fsyncs the folder so that the rename itself is durable. */
static int sync_dir(const char *dir)
{
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int rc;

  if (fd < 0)
    return -1;
  rc = fsync(fd);
  close(fd);
  return rc;
}

int tf__state_dir_save(tf__state_dir *sd, const json_t *cp, char *err,
                       size_t errlen)
{
  char *text = json_dumps(cp, JSON_INDENT(1) | JSON_ENSURE_ASCII);
  int fd, failed;

  if (!text) {
    snprintf(err, errlen, "out of memory writing the checkpoint");
    return TF_ERR_NOMEM;
  }
  fd = open(sd->temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  failed = fd < 0 || write_all(fd, text, strlen(text)) < 0 ||
           write_all(fd, "\n", 1) < 0 || fsync(fd) < 0;
  if (fd >= 0 && close(fd) < 0)
    failed = 1;
  free(text);
  tf__crash_point("checkpoint written, not renamed");
  if (!failed && rename(sd->temp, sd->checkpoint) == 0)
    tf__crash_point("checkpoint renamed, folder not synced");
  else
    failed = 1;
  if (failed || sync_dir(sd->dir) < 0) {
    snprintf(err, errlen, "%s: cannot write the checkpoint: %s", sd->checkpoint,
             strerror(errno));
    unlink(sd->temp);
    return TF_ERR_IO;
  }
  return TF_OK;
}

const char *tf__state_dir_path(const tf__state_dir *sd)
{
  return sd->dir;
}

void tf__state_dir_close(tf__state_dir *sd)
{
  if (!sd)
    return;
  if (sd->lock_fd >= 0)
    close(sd->lock_fd); /* releases the flock */
  free(sd->dir);
  free(sd->checkpoint);
  free(sd->temp);
  free(sd);
}
