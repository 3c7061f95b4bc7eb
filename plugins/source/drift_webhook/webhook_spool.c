/*
 * webhook_spool.c - the durable spool of accepted webhook events
 * (webhook_spool.h).
 */
#define _GNU_SOURCE /* fallocate(), FALLOC_FL_PUNCH_HOLE, SEEK_DATA */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "webhook_spool.h"

/* The first data at or after offset, below length: SEEK_DATA skips a
 * hole at once where the system has it. */
static uint64_t data_start(int fd, uint64_t offset, uint64_t length)
{
#ifdef SEEK_DATA
  off_t d = lseek(fd, (off_t)offset, SEEK_DATA);

  if (d < 0)
    return errno == ENXIO ? length : offset; /* ENXIO: a hole to the end */
  return (uint64_t)d < length ? (uint64_t)d : length;
#else
  (void)fd;
  (void)length;
  return offset;
#endif
}

/* The first byte at or after offset and before end that is not NUL
 * (end when none): past the part of the spool freed by a punch. */
static uint64_t skip_nul(int fd, uint64_t offset, uint64_t end)
{
  char buf[4096];
  ssize_t n, i;

  /* The rest of the block a hole ends in was zeroed, not freed. */
  offset = data_start(fd, offset, end);
  while (offset < end) {
    n = pread(fd, buf,
              end - offset < sizeof(buf) ? (size_t)(end - offset) : sizeof(buf),
              (off_t)offset);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    for (i = 0; i < n; i++)
      if (buf[i] != '\0')
        return offset + (uint64_t)i;
    offset += (uint64_t)n;
  }
  return offset;
}

/* The size of the file without a torn last line, in *length.  0 or -1.
 * The search for the last newline stops where the part freed by trimming
 * ends (a torn line right after it is cut back to it). */
static int complete_length(int fd, uint64_t *length)
{
  struct stat st;
  char buf[4096];
  off_t end, kept;

  if (fstat(fd, &st) != 0)
    return -1;
  end = st.st_size;
  kept = (off_t)skip_nul(fd, 0, (uint64_t)st.st_size);
  while (end > kept) {
    size_t n =
        end - kept < (off_t)sizeof(buf) ? (size_t)(end - kept) : sizeof(buf);
    ssize_t got = pread(fd, buf, n, end - (off_t)n);
    size_t i;

    if (got != (ssize_t)n)
      return -1;
    for (i = n; i > 0; i--)
      if (buf[i - 1] == '\n') {
        *length = (uint64_t)(end - (off_t)n + (off_t)i);
        return 0;
      }
    end -= (off_t)n;
  }
  *length = (uint64_t)kept;
  return 0;
}

int webhook_spool_open(webhook_spool *sp, const char *path, uint64_t limit,
                       char *err, size_t errlen)
{
  struct stat st;

  memset(sp, 0, sizeof(*sp));
  sp->limit = limit;
  sp->fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (sp->fd < 0) {
    snprintf(err, errlen, "cannot open the spool %s: %s", path,
             strerror(errno));
    return -1;
  }
  if (complete_length(sp->fd, &sp->length) != 0 || fstat(sp->fd, &st) != 0 ||
      ((uint64_t)st.st_size != sp->length &&
       (ftruncate(sp->fd, (off_t)sp->length) != 0 || fsync(sp->fd) != 0))) {
    snprintf(err, errlen, "cannot read the spool %s: %s", path,
             strerror(errno));
    close(sp->fd);
    sp->fd = -1;
    return -1;
  }
  pthread_mutex_init(&sp->lock, NULL);
  pthread_cond_init(&sp->grown, NULL);
  return 0;
}

/* Writes all of line at the end; 0 or -1. */
static int write_all(int fd, const char *line, size_t len)
{
  while (len > 0) {
    ssize_t n = write(fd, line, len);

    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return -1;
    line += n;
    len -= (size_t)n;
  }
  return 0;
}

int webhook_spool_append(webhook_spool *sp, const char *line, size_t len)
{
  int rc = 0, saved;

  pthread_mutex_lock(&sp->lock);
  if (sp->length - sp->consumed > sp->limit) {
    rc = 1;
  } else if (write_all(sp->fd, line, len) != 0 || fdatasync(sp->fd) != 0) {
    saved = errno;
    /* Nothing half-written may stay for the reader or a restart. */
    if (ftruncate(sp->fd, (off_t)sp->length) != 0)
      saved = errno;
    errno = saved;
    rc = -1;
  } else {
    sp->length += len;
    pthread_cond_broadcast(&sp->grown);
  }
  pthread_mutex_unlock(&sp->lock);
  return rc;
}

uint64_t webhook_spool_wait(webhook_spool *sp, uint64_t offset, int wait_ms)
{
  struct timespec until;
  uint64_t length;

  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_sec += wait_ms / 1000;
  until.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
  if (until.tv_nsec >= 1000000000L) {
    until.tv_sec++;
    until.tv_nsec -= 1000000000L;
  }
  pthread_mutex_lock(&sp->lock);
  while (sp->length <= offset && wait_ms > 0 &&
         pthread_cond_timedwait(&sp->grown, &sp->lock, &until) == 0)
    ;
  length = sp->length;
  pthread_mutex_unlock(&sp->lock);
  return length;
}

void webhook_spool_consume(webhook_spool *sp, uint64_t offset)
{
  pthread_mutex_lock(&sp->lock);
  sp->consumed = offset;
  pthread_mutex_unlock(&sp->lock);
}

long webhook_spool_read(webhook_spool *sp, uint64_t offset, char *buf,
                        size_t len)
{
  uint64_t length;
  ssize_t n;

  pthread_mutex_lock(&sp->lock);
  length = sp->length;
  pthread_mutex_unlock(&sp->lock);
  if (offset >= length)
    return 0;
  if (len > length - offset)
    len = (size_t)(length - offset);
  do
    n = pread(sp->fd, buf, len, (off_t)offset);
  while (n < 0 && errno == EINTR);
  return (long)n;
}

/* fallocate(PUNCH_HOLE), where the system has it. */
static int punch_hole(int fd, uint64_t offset, uint64_t len)
{
#ifdef FALLOC_FL_PUNCH_HOLE
  return fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                   (off_t)offset, (off_t)len);
#else
  (void)fd;
  (void)offset;
  (void)len;
  errno = EOPNOTSUPP;
  return -1;
#endif
}

int (*webhook_spool_punch)(int fd, uint64_t offset, uint64_t len) = punch_hole;

int webhook_spool_free(webhook_spool *sp, uint64_t offset, uint64_t *freed)
{
  struct stat before, after;
  uint64_t from;
  int rc = 0, saved = 0;

  *freed = 0;
  pthread_mutex_lock(&sp->lock);
  if (!sp->no_punch && offset > sp->freed_to && offset <= sp->length &&
      fstat(sp->fd, &before) == 0) {
    /* From the block the last punch ended in: its start was only zeroed
     * (a punch frees whole blocks), it can be freed now. */
    from = sp->freed_to;
    if (before.st_blksize > 0)
      from -= from % (uint64_t)before.st_blksize;
    if (webhook_spool_punch(sp->fd, from, offset - from) != 0) {
      saved = errno;
      sp->no_punch = 1;
      rc = -1;
    } else {
      sp->freed_to = offset;
      if (fstat(sp->fd, &after) == 0 && after.st_blocks < before.st_blocks)
        *freed = (uint64_t)(before.st_blocks - after.st_blocks) * 512u;
    }
  }
  pthread_mutex_unlock(&sp->lock);
  if (rc != 0)
    errno = saved;
  return rc;
}

uint64_t webhook_spool_skip_freed(webhook_spool *sp, uint64_t offset)
{
  uint64_t length;

  pthread_mutex_lock(&sp->lock);
  length = sp->length;
  pthread_mutex_unlock(&sp->lock);
  return offset >= length ? offset : skip_nul(sp->fd, offset, length);
}

void webhook_spool_close(webhook_spool *sp)
{
  if (sp->fd < 0)
    return;
  close(sp->fd);
  sp->fd = -1;
  pthread_cond_destroy(&sp->grown);
  pthread_mutex_destroy(&sp->lock);
}
