/*
 * deadletter.c - writes rejected records as NDJSON (deadletter.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/types.h>
#include <unistd.h>
#include <touchflow/error.h>
#include <touchflow/record_json.h>

#include "deadletter.h"
#include "fsutil.h"

struct tf__dead_letter {
  FILE *fp;
  char *path;
  char *base_dir;
  uint64_t count;
  json_t *reasons; /* {"code": count} */
  int io_error;
};

/* Opens the file for writing and locks it, then empties it unless keep.
 * -2 when another run holds the lock. */
static int open_file(tf__dead_letter *dl, int keep)
{
  int fd = open(dl->path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);

  if (fd < 0)
    return -1;
  if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
    close(fd);
    return -2;
  }
  if (!keep && ftruncate(fd, 0) < 0) {
    close(fd);
    return -1;
  }
  dl->fp = fdopen(fd, "r+");
  if (!dl->fp || fseeko(dl->fp, 0, SEEK_END) < 0) {
    int saved = errno;

    if (dl->fp)
      fclose(dl->fp);
    else
      close(fd);
    dl->fp = NULL;
    errno = saved;
    return -1;
  }
  return 0;
}

tf__dead_letter *tf__dead_letter_open(const char *path, const char *base_dir,
                                      int keep, char *err, size_t errlen)
{
  tf__dead_letter *dl = calloc(1, sizeof(*dl));
  int rc = 0;

  if (!dl || !(dl->path = strdup(path)) ||
      !(dl->base_dir = strdup(base_dir ? base_dir : ".")) ||
      !(dl->reasons = json_object())) {
    snprintf(err, errlen, "out of memory");
    goto out_free;
  }
  if (tf__make_parent_dirs(path) < 0 || (rc = open_file(dl, keep)) == -1) {
    snprintf(err, errlen, "%s: cannot create the dead-letter file: %s", path,
             strerror(errno));
    goto out_free;
  }
  if (rc == -2) {
    snprintf(err, errlen,
             "%s: another touchflow run is writing this dead-letter file (the "
             "same pipeline running twice?); wait for it to end",
             path);
    goto out_free;
  }
  return dl;

out_free:
  if (dl) {
    free(dl->path);
    free(dl->base_dir);
    json_decref(dl->reasons);
    free(dl);
  }
  return NULL;
}

/* "file:line" of the record's origin, relative to the pipeline folder. */
static json_t *origin_json(const tf__dead_letter *dl, const tf_record *rec)
{
  tf_origin o = tf_record_origin(rec);
  const char *file;
  char buf[4096];

  if (!o.file)
    return json_null();
  file = tf__path_relative_to(o.file, dl->base_dir);
  if (o.line > 0)
    snprintf(buf, sizeof(buf), "%s:%ld", file, o.line);
  else
    snprintf(buf, sizeof(buf), "%s", file);
  return json_string(buf);
}

/* Raw text as a JSON string.  Text that is not valid UTF-8 is kept with
 * every byte outside printable ASCII replaced by '?', so that the
 * dead-letter line itself stays valid JSON. */
static json_t *raw_text_json(const char *bytes, size_t len)
{
  json_t *s = json_stringn(bytes, len);
  char *fixed;
  size_t i;

  if (s)
    return s;
  fixed = malloc(len + 1);
  if (!fixed)
    return NULL;
  for (i = 0; i < len; i++)
    fixed[i] = (unsigned char)bytes[i] < 0x80 && bytes[i] ? bytes[i] : '?';
  s = json_stringn(fixed, len);
  free(fixed);
  return s;
}

/* The rejected record: its JSON object, else its raw text, else null. */
static json_t *record_json(const tf_record *rec)
{
  const json_t *obj = tf_record_json(rec);
  const char *bytes;
  size_t len;

  if (obj)
    return json_incref((json_t *)obj);
  bytes = tf_record_bytes(rec, &len);
  return bytes ? raw_text_json(bytes, len) : json_null();
}

int tf__dead_letter_write(tf__dead_letter *dl, const char *stage,
                          const char *plugin, const char *code,
                          const char *message, const tf_record *rec)
{
  json_t *line = json_pack("{s:s, s:s, s:s, s:s, s:o, s:o*}", "stage", stage,
                           "plugin", plugin, "code", code ? code : "rejected",
                           "message", message ? message : "", "input",
                           origin_json(dl, rec), "record", record_json(rec));
  int rc = TF_OK;

  if (!line)
    return TF_ERR_NOMEM;
  if (json_dumpf(line, dl->fp, JSON_COMPACT | JSON_PRESERVE_ORDER) < 0 ||
      fputc('\n', dl->fp) == EOF) {
    dl->io_error = errno ? errno : EIO;
    rc = TF_ERR_IO;
  } else {
    const char *c = code ? code : "rejected";
    json_t *n = json_object_get(dl->reasons, c);

    dl->count++;
    json_object_set_new(dl->reasons, c,
                        json_integer(n ? json_integer_value(n) + 1 : 1));
  }
  json_decref(line);
  return rc;
}

int tf__dead_letter_flush(tf__dead_letter *dl)
{
  if (fflush(dl->fp) != 0) {
    dl->io_error = errno ? errno : EIO;
    return TF_ERR_IO;
  }
  return TF_OK;
}

int tf__dead_letter_sync(tf__dead_letter *dl, uint64_t *length, char *err,
                         size_t errlen)
{
  off_t end;

  if (fflush(dl->fp) != 0 || fsync(fileno(dl->fp)) < 0 ||
      (end = ftello(dl->fp)) < 0) {
    snprintf(err, errlen, "%s: cannot sync the dead-letter file: %s", dl->path,
             strerror(errno));
    return TF_ERR_IO;
  }
  *length = (uint64_t)end;
  return TF_OK;
}

const json_t *tf__dead_letter_reasons(const tf__dead_letter *dl)
{
  return dl ? dl->reasons : NULL;
}

int tf__dead_letter_rewind(tf__dead_letter *dl, uint64_t length, uint64_t count,
                           const json_t *reasons, char *err, size_t errlen)
{
  off_t end;

  if (fflush(dl->fp) != 0 || (end = lseek(fileno(dl->fp), 0, SEEK_END)) < 0) {
    snprintf(err, errlen, "%s: %s", dl->path, strerror(errno));
    return TF_ERR_IO;
  }
  if ((uint64_t)end < length) {
    snprintf(err, errlen,
             "%s: the dead-letter file is shorter (%lld bytes) than the "
             "checkpoint says (%llu): it was changed since; use --reset-state "
             "to start over",
             dl->path, (long long)end, (unsigned long long)length);
    return TF_ERR_INVAL;
  }
  if (ftruncate(fileno(dl->fp), (off_t)length) < 0 ||
      fseeko(dl->fp, (off_t)length, SEEK_SET) < 0) {
    snprintf(err, errlen, "%s: %s", dl->path, strerror(errno));
    return TF_ERR_IO;
  }
  dl->count = count;
  if (json_is_object(reasons)) {
    json_decref(dl->reasons);
    dl->reasons = json_deep_copy(reasons);
  }
  return dl->reasons ? TF_OK : TF_ERR_NOMEM;
}

uint64_t tf__dead_letter_count(const tf__dead_letter *dl)
{
  return dl ? dl->count : 0;
}

const char *tf__dead_letter_path(const tf__dead_letter *dl)
{
  return dl ? dl->path : NULL;
}

int tf__dead_letter_close(tf__dead_letter *dl, char *err, size_t errlen)
{
  int rc = TF_OK;

  if (!dl)
    return TF_OK;
  if (fclose(dl->fp) != 0 || dl->io_error) {
    snprintf(err, errlen, "%s: writing the dead-letter file failed: %s",
             dl->path, strerror(dl->io_error ? dl->io_error : errno));
    rc = TF_ERR_IO;
  }
  free(dl->path);
  free(dl->base_dir);
  json_decref(dl->reasons);
  free(dl);
  return rc;
}
