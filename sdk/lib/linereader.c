/*
 * linereader.c - the line reader over plain or gzip files (linereader.h;
 * the writer is linewriter.c).
 *
 * The reader pulls fixed-size chunks from stdio or from the gzip
 * decompressor (gzinflate.h, ISA-L) and cuts them into lines in a growing
 * buffer.  It owns the decisions about line ends, the byte order mark,
 * over-long lines and gzip streams that end early; callers only see lines
 * and error codes.  The writer is a thin layer over stdio or zlib that
 * turns their failures into error codes.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <touchflow/error.h>
#include <touchflow/linereader.h>

#include "gzinflate.h"

#define CHUNK_SIZE (64 * 1024)
#define ERR_SIZE 1024

struct tf_line_reader {
  char *path;
  FILE *fp;     /* plain file, or NULL */
  tf__gzin *gz; /* gzip file, or NULL */
  unsigned char *chunk;
  size_t chunk_len, chunk_pos;
  int bom_checked;
  int finished;  /* every later call returns TF_LINE_EOF */
  char *line;    /* the line being assembled, NUL-terminated */
  size_t stored; /* bytes kept in line (at most max + 1) */
  size_t cap;    /* allocated size of line */
  size_t total;  /* bytes of the line seen, kept or not */
  unsigned char last_byte;
  size_t max; /* 0: no limit */
  long number;
  uint64_t base; /* bytes of the (decompressed) stream before chunk */
  char err[ERR_SIZE];
};

tf_compression tf_compression_for_path(const char *path, tf_compression comp)
{
  size_t len;

  if (comp != TF_COMPRESSION_AUTO)
    return comp;
  len = path ? strlen(path) : 0;
  if (len >= 3 && strcmp(path + len - 3, ".gz") == 0)
    return TF_COMPRESSION_GZIP;
  return TF_COMPRESSION_NONE;
}

int tf_compression_parse(const char *text, tf_compression *comp)
{
  if (!text || !comp)
    return TF_ERR_INVAL;
  if (strcmp(text, "auto") == 0)
    *comp = TF_COMPRESSION_AUTO;
  else if (strcmp(text, "none") == 0)
    *comp = TF_COMPRESSION_NONE;
  else if (strcmp(text, "gzip") == 0)
    *comp = TF_COMPRESSION_GZIP;
  else
    return TF_ERR_INVAL;
  return TF_OK;
}

/* --- Reader ----------------------------------------------------------- */

/* Says why opening failed (strerror of the open, and for the limits on
 * open files what to do about them) and maps errno to a code. */
static int open_failed(tf_line_reader *r, int err)
{
  const char *hint = "";

  if (err == EMFILE)
    hint = ": this process has as many files open as its limit allows; "
           "raise the limit (ulimit -n, or LimitNOFILE= in a systemd unit) "
           "or read fewer files at once";
  else if (err == ENFILE)
    hint = ": the system's table of open files is full (fs.file-max); "
           "close files elsewhere or raise that limit";
  snprintf(r->err, sizeof(r->err), "cannot open: %s%s", strerror(err), hint);
  if (err == ENOMEM)
    return TF_ERR_NOMEM;
  return err == ENOENT ? TF_ERR_NOTFOUND : TF_ERR_IO;
}

/* Why a file that must be gzip is not: its first bytes (at most 4). */
static int not_gzip(tf_line_reader *r, const unsigned char *head, ssize_t n,
                    tf_compression comp)
{
  char bytes[16] = "";
  size_t at = 0;
  const char *fix = comp == TF_COMPRESSION_GZIP
                        ? "compression is \"gzip\": set it to \"auto\" or "
                          "\"none\" for a plain file"
                        : "the name ends in .gz: set compression to \"none\" "
                          "for a plain file, or rename it";

  for (ssize_t i = 0; i < n && i < 4; i++)
    at += (size_t)snprintf(bytes + at, sizeof(bytes) - at, "%s%02x",
                           i ? " " : "", head[i]);
  if (n == 0)
    snprintf(r->err, sizeof(r->err),
             "not gzip: the file is empty (a gzip file starts with 1f 8b); %s",
             fix);
  else
    snprintf(r->err, sizeof(r->err),
             "not gzip: the first bytes are %s, not 1f 8b; %s", bytes, fix);
  return TF_ERR_PARSE;
}

/* Opens the file, plain or gzip: gzip when comp says so, or (AUTO) when
 * the name ends in ".gz" or the file starts with the gzip magic 1f 8b.  A
 * file that must be gzip and does not start with the magic is refused. */
static int reader_open_file(tf_line_reader *r, tf_compression comp)
{
  unsigned char head[4];
  ssize_t n = 0;
  int gzip, fd;

  fd = open(r->path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return open_failed(r, errno);
  gzip = tf_compression_for_path(r->path, comp) == TF_COMPRESSION_GZIP;
  if (comp != TF_COMPRESSION_NONE) {
    n = pread(fd, head, sizeof(head), 0);
    if (n < 0) {
      snprintf(r->err, sizeof(r->err), "cannot read: %s", strerror(errno));
      close(fd);
      return TF_ERR_IO;
    }
    if (gzip && (n < 2 || head[0] != 0x1f || head[1] != 0x8b)) {
      close(fd);
      return not_gzip(r, head, n, comp);
    }
    gzip = n >= 2 && head[0] == 0x1f && head[1] == 0x8b;
  }
  if (gzip)
    tf__gzin_open(&r->gz, fd);
  else
    r->fp = fdopen(fd, "rb");
  if (!r->gz && !r->fp) {
    close(fd);
    return TF_ERR_NOMEM;
  }
  return TF_OK;
}

int tf_line_reader_open(tf_line_reader **out, const char *path,
                        tf_compression comp, size_t max_line_length)
{
  return tf_line_reader_open_why(out, path, comp, max_line_length, NULL, 0);
}

int tf_line_reader_open_why(tf_line_reader **out, const char *path,
                            tf_compression comp, size_t max_line_length,
                            char *why, size_t whylen)
{
  tf_line_reader *r;
  int rc;

  if (why && whylen)
    why[0] = '\0';
  if (!out)
    return TF_ERR_INVAL;
  *out = NULL;
  if (!path)
    return TF_ERR_INVAL;
  r = calloc(1, sizeof(*r));
  if (!r)
    return TF_ERR_NOMEM;
  r->max = max_line_length;
  r->path = strdup(path);
  r->chunk = malloc(CHUNK_SIZE);
  r->cap = 256;
  r->line = malloc(r->cap);
  if (!r->path || !r->chunk || !r->line) {
    rc = TF_ERR_NOMEM;
    goto out_free_reader;
  }
  rc = reader_open_file(r, comp);
  if (rc != TF_OK)
    goto out_free_reader;
  *out = r;
  return TF_OK;

out_free_reader:
  if (why && whylen)
    snprintf(why, whylen, "%s", r->err[0] ? r->err : tf_strerror(rc));
  tf_line_reader_close(r);
  return rc;
}

/* Reads the next chunk: TF_OK (data in chunk), TF_LINE_EOF, or an error. */
static int reader_fill_gzip(tf_line_reader *r)
{
  int rc = tf__gzin_read(r->gz, r->chunk, CHUNK_SIZE, &r->chunk_len);

  if (rc == TF_ERR_TRUNCATED)
    snprintf(r->err, sizeof(r->err),
             "%s: gzip data ends early (truncated file)", r->path);
  else if (rc != TF_OK && rc != TF_LINE_EOF)
    snprintf(r->err, sizeof(r->err), "%s: cannot read gzip data: %s", r->path,
             tf__gzin_error(r->gz));
  return rc;
}

static int reader_fill_plain(tf_line_reader *r)
{
  size_t n = fread(r->chunk, 1, CHUNK_SIZE, r->fp);

  if (n > 0) {
    r->chunk_len = n;
    return TF_OK;
  }
  if (ferror(r->fp)) {
    snprintf(r->err, sizeof(r->err), "%s: cannot read: %s", r->path,
             strerror(errno));
    return TF_ERR_IO;
  }
  return TF_LINE_EOF;
}

static void reader_skip_bom(tf_line_reader *r)
{
  static const unsigned char bom[3] = {0xEF, 0xBB, 0xBF};

  r->bom_checked = 1;
  if (r->chunk_len >= 3 && memcmp(r->chunk, bom, 3) == 0)
    r->chunk_pos = 3;
}

static int reader_fill(tf_line_reader *r)
{
  int rc;

  r->base += r->chunk_len;
  r->chunk_pos = 0;
  r->chunk_len = 0;
  rc = r->gz ? reader_fill_gzip(r) : reader_fill_plain(r);
  if (rc == TF_OK && !r->bom_checked)
    reader_skip_bom(r);
  return rc;
}

/* Adds a piece of the current line, keeping at most max + 1 bytes (the
 * extra byte may be the '\r' of a "\r\n"). */
static int reader_append(tf_line_reader *r, const unsigned char *p, size_t n)
{
  size_t keep = n;

  if (n == 0)
    return TF_OK;
  r->total += n;
  r->last_byte = p[n - 1];
  if (r->max) {
    size_t room = r->stored <= r->max ? r->max + 1 - r->stored : 0;

    keep = n < room ? n : room;
  }
  if (r->stored + keep + 1 > r->cap) {
    size_t cap = r->cap;
    char *grown;

    while (r->stored + keep + 1 > cap)
      cap *= 2;
    grown = realloc(r->line, cap);
    if (!grown)
      return TF_ERR_NOMEM;
    r->line = grown;
    r->cap = cap;
  }
  memcpy(r->line + r->stored, p, keep);
  r->stored += keep;
  return TF_OK;
}

/* Hands out the assembled line; has_newline: it ended with '\n'. */
static int reader_finish_line(tf_line_reader *r, tf_line *line, int has_newline)
{
  int crlf = has_newline && r->total > 0 && r->last_byte == '\r';
  size_t len = r->total - (crlf ? 1 : 0);
  int rc = TF_OK;

  if (r->max && len > r->max) {
    snprintf(r->err, sizeof(r->err),
             "%s:%ld: line is longer than %zu bytes (%zu bytes)", r->path,
             r->number + 1, r->max, len);
    len = r->max;
    rc = TF_ERR_TOOLONG;
  }
  r->line[len] = '\0';
  r->number++;
  line->text = r->line;
  line->len = len;
  line->number = r->number;
  line->eol = !has_newline ? "" : crlf ? "\r\n" : "\n";
  return rc;
}

/* The chunk ran out: refill, or end the file. */
static int reader_refill(tf_line_reader *r, tf_line *line, int *done)
{
  int rc = reader_fill(r);

  *done = 0;
  if (rc == TF_OK)
    return TF_OK;
  *done = 1;
  r->finished = 1;
  if (rc == TF_LINE_EOF && r->total > 0)
    return reader_finish_line(r, line, 0);
  return rc;
}

int tf_line_reader_next(tf_line_reader *r, tf_line *line)
{
  if (!r || !line)
    return TF_ERR_INVAL;
  r->err[0] = '\0';
  if (r->finished)
    return TF_LINE_EOF;
  r->stored = 0;
  r->total = 0;
  for (;;) {
    const unsigned char *start = r->chunk + r->chunk_pos;
    size_t avail = r->chunk_len - r->chunk_pos;
    const unsigned char *nl;
    size_t n;
    int rc, done;

    if (avail == 0) {
      rc = reader_refill(r, line, &done);
      if (done || rc != TF_OK)
        return rc;
      continue;
    }
    nl = memchr(start, '\n', avail);
    n = nl ? (size_t)(nl - start) : avail;
    rc = reader_append(r, start, n);
    if (rc != TF_OK)
      return rc;
    r->chunk_pos += nl ? n + 1 : n;
    if (nl)
      return reader_finish_line(r, line, 1);
  }
}

const char *tf_line_reader_error(const tf_line_reader *r)
{
  return r ? r->err : "";
}

const char *tf_line_reader_path(const tf_line_reader *r)
{
  return r ? r->path : NULL;
}

long tf_line_reader_line_number(const tf_line_reader *r)
{
  return r ? r->number : 0;
}

uint64_t tf_line_reader_offset(const tf_line_reader *r)
{
  return r ? r->base + r->chunk_pos : 0;
}

int tf_line_reader_seek(tf_line_reader *r, uint64_t offset, long line_number)
{
  if (!r || line_number < 0 || offset > (uint64_t)INT64_MAX)
    return TF_ERR_INVAL;
  if (r->gz) {
    /* Reading gzip, the seek decompresses up to offset. */
    int rc = tf__gzin_seek(r->gz, offset);

    if (rc == TF_ERR_TRUNCATED) {
      snprintf(r->err, sizeof(r->err),
               "%s: cannot go to byte %" PRIu64 " of the gzip data: it is "
               "shorter",
               r->path, offset);
      return rc;
    }
    if (rc != TF_OK) {
      snprintf(r->err, sizeof(r->err),
               "%s: cannot go to byte %" PRIu64 " of the gzip data: %s",
               r->path, offset, tf__gzin_error(r->gz));
      return rc;
    }
  } else if (fseeko(r->fp, (off_t)offset, SEEK_SET) != 0) {
    snprintf(r->err, sizeof(r->err), "%s: cannot go to byte %" PRIu64 ": %s",
             r->path, offset, strerror(errno));
    return TF_ERR_IO;
  }
  r->base = offset;
  r->chunk_len = r->chunk_pos = 0;
  r->bom_checked = offset > 0 || r->bom_checked;
  r->finished = 0;
  r->number = line_number;
  return TF_OK;
}

void tf_line_reader_close(tf_line_reader *r)
{
  if (!r)
    return;
  tf__gzin_close(r->gz);
  if (r->fp)
    fclose(r->fp);
  free(r->line);
  free(r->chunk);
  free(r->path);
  free(r);
}
