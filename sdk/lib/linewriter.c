/*
 * linewriter.c - the line writer of linereader.h: bytes and lines to a
 * plain or gzip file.
 *
 * Plain files are written through a buffer of WRITE_BUFFER bytes.  When it
 * fills the first time, a thread of the writer's own starts ("write
 * behind"): from then on a full buffer is handed to it and written by it
 * while the caller fills the other one, so the copies into the kernel cost
 * the caller's thread nothing.  A small file never starts the thread.  A
 * write that failed on that thread is reported (TF_ERR_IO, errno set) by
 * the next call that hands a buffer over, or by tf_line_writer_close.
 * gzip goes through zlib, on the caller's thread.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <touchflow/error.h>
#include <touchflow/linereader.h>

#define WRITE_BUFFER (1024 * 1024)

/* The thread that writes full buffers, and the one it is writing. */
typedef struct write_behind {
  pthread_t thread;
  pthread_mutex_t lock;
  pthread_cond_t changed;
  int fd;
  char *pending; /* handed over, not written yet; NULL when idle */
  size_t pending_len;
  char *spare; /* a buffer it wrote, for the caller to fill again */
  int err;     /* errno of the first failed write, 0 */
  int quit;
} write_behind;

struct tf_line_writer {
  gzFile gz; /* gzip: zlib buffers; NULL for a plain file */
  int fd;    /* plain: the file */
  char *buf; /* plain: bytes not handed on yet */
  size_t len;
  write_behind *behind; /* started when buf first fills */
  int err;              /* errno of a failed write seen, 0 */
};

/* Writes all of bytes to fd; 0 or the errno of the failure. */
static int write_all(int fd, const char *bytes, size_t len)
{
  while (len > 0) {
    ssize_t n = write(fd, bytes, len);

    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return n < 0 ? errno : EIO;
    bytes += n;
    len -= (size_t)n;
  }
  return 0;
}

static void *behind_main(void *arg)
{
  write_behind *wb = arg;
  sigset_t all;

  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, NULL);
  pthread_mutex_lock(&wb->lock);
  for (;;) {
    char *buf;
    size_t len;
    int err;

    while (!wb->pending && !wb->quit)
      pthread_cond_wait(&wb->changed, &wb->lock);
    if (!wb->pending)
      break;
    buf = wb->pending;
    len = wb->pending_len;
    pthread_mutex_unlock(&wb->lock);
    err = wb->err ? 0 : write_all(wb->fd, buf, len);
    pthread_mutex_lock(&wb->lock);
    if (err && !wb->err)
      wb->err = err;
    wb->spare = buf;
    wb->pending = NULL;
    pthread_cond_broadcast(&wb->changed);
  }
  pthread_mutex_unlock(&wb->lock);
  return NULL;
}

/* Starts the thread with a spare buffer; NULL when it cannot (the caller
 * then writes on its own thread). */
static write_behind *behind_start(int fd)
{
  write_behind *wb = calloc(1, sizeof(*wb));

  if (!wb || !(wb->spare = malloc(WRITE_BUFFER))) {
    free(wb);
    return NULL;
  }
  wb->fd = fd;
  pthread_mutex_init(&wb->lock, NULL);
  pthread_cond_init(&wb->changed, NULL);
  if (pthread_create(&wb->thread, NULL, behind_main, wb) != 0) {
    pthread_cond_destroy(&wb->changed);
    pthread_mutex_destroy(&wb->lock);
    free(wb->spare);
    free(wb);
    return NULL;
  }
  return wb;
}

/* Waits until the thread wrote what it was handed, stops it, and gives
 * the errno of a failed write (0). */
static int behind_stop(write_behind *wb)
{
  int err;

  pthread_mutex_lock(&wb->lock);
  wb->quit = 1;
  pthread_cond_broadcast(&wb->changed);
  pthread_mutex_unlock(&wb->lock);
  pthread_join(wb->thread, NULL);
  err = wb->err;
  pthread_cond_destroy(&wb->changed);
  pthread_mutex_destroy(&wb->lock);
  free(wb->spare);
  free(wb);
  return err;
}

/* Hands the full buffer on: to the thread (started the first time), or
 * written here when there is none.  TF_OK or TF_ERR_IO (errno set). */
static int hand_on(tf_line_writer *w)
{
  write_behind *wb;
  char *next;

  if (!w->behind && !w->err)
    w->behind = behind_start(w->fd);
  if (!(wb = w->behind)) {
    if (!w->err)
      w->err = write_all(w->fd, w->buf, w->len);
    w->len = 0;
  } else {
    pthread_mutex_lock(&wb->lock);
    while (wb->pending)
      pthread_cond_wait(&wb->changed, &wb->lock);
    if (wb->err && !w->err)
      w->err = wb->err;
    next = wb->spare;
    wb->spare = NULL;
    wb->pending = w->buf;
    wb->pending_len = w->len;
    pthread_cond_broadcast(&wb->changed);
    pthread_mutex_unlock(&wb->lock);
    w->buf = next;
    w->len = 0;
  }
  if (!w->err)
    return TF_OK;
  errno = w->err;
  return TF_ERR_IO;
}

int tf_line_writer_fdopen(tf_line_writer **out, int fd, const char *name,
                          tf_compression comp)
{
  tf_line_writer *w;

  if (out)
    *out = NULL;
  if (!out || fd < 0) {
    if (fd >= 0)
      close(fd);
    return TF_ERR_INVAL;
  }
  w = calloc(1, sizeof(*w));
  if (w && tf_compression_for_path(name, comp) == TF_COMPRESSION_GZIP)
    w->gz = gzdopen(fd, "wb");
  else if (w)
    w->buf = malloc(WRITE_BUFFER);
  if (!w || (!w->gz && !w->buf)) {
    close(fd);
    free(w);
    return TF_ERR_NOMEM;
  }
  w->fd = fd;
  *out = w;
  return TF_OK;
}

int tf_line_writer_open(tf_line_writer **out, const char *path,
                        tf_compression comp)
{
  int fd;

  if (!out || !path) {
    if (out)
      *out = NULL;
    return TF_ERR_INVAL;
  }
  fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) {
    *out = NULL;
    return errno == ENOMEM ? TF_ERR_NOMEM : TF_ERR_IO;
  }
  return tf_line_writer_fdopen(out, fd, path, comp);
}

static int gz_write(tf_line_writer *w, const char *bytes, size_t len)
{
  while (len > 0) {
    unsigned piece = len > INT_MAX ? INT_MAX : (unsigned)len;

    if (gzwrite(w->gz, bytes, piece) != (int)piece)
      return TF_ERR_IO;
    bytes += piece;
    len -= piece;
  }
  return TF_OK;
}

int tf_line_writer_write(tf_line_writer *w, const char *bytes, size_t len)
{
  if (!w || (!bytes && len))
    return TF_ERR_INVAL;
  if (w->gz)
    return gz_write(w, bytes, len);
  while (len > 0) {
    size_t room = WRITE_BUFFER - w->len, n = len < room ? len : room;

    memcpy(w->buf + w->len, bytes, n);
    w->len += n;
    bytes += n;
    len -= n;
    if (w->len == WRITE_BUFFER && hand_on(w) != TF_OK)
      return TF_ERR_IO;
  }
  return TF_OK;
}

int tf_line_writer_line(tf_line_writer *w, const char *bytes, size_t len)
{
  int rc = tf_line_writer_write(w, bytes, len);

  return rc == TF_OK ? tf_line_writer_write(w, "\n", 1) : rc;
}

int tf_line_writer_close(tf_line_writer *w)
{
  int err = 0, rc = TF_OK;

  if (!w)
    return TF_OK;
  if (w->gz) {
    rc = gzclose(w->gz) == Z_OK ? TF_OK : TF_ERR_IO;
    free(w);
    return rc;
  }
  if (w->len > 0 && w->behind)
    (void)hand_on(w);
  else if (w->len > 0 && !w->err)
    w->err = write_all(w->fd, w->buf, w->len);
  if (w->behind)
    err = behind_stop(w->behind);
  if (!w->err)
    w->err = err;
  if (close(w->fd) != 0 && !w->err)
    w->err = errno;
  err = w->err;
  free(w->buf);
  free(w);
  if (!err)
    return TF_OK;
  errno = err;
  return TF_ERR_IO;
}
