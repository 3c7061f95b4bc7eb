/*
 * filesource.c - the reading half of every file-based source.
 *
 * Owns the expansion of `path` into a sorted file list, the choice of
 * format per file, turning NDJSON lines or CSV rows into records (each with
 * its file:line origin), the dead-lettering of bad input, handing each
 * record to the plugin's map function (or emitting it unchanged), and the
 * resume position {"file": NAME, "line": N}: every line up to N of file
 * NAME has been passed on or dead-lettered, and so has every earlier file.
 * Also keeps the source's event-time order check (timeorder.h, option
 * sorted_by_time), whose latest time the position carries as "max_ts_ms".
 *
 * Two sides, so that two cores can share the work (option read_ahead):
 * the reading side opens the files, reads, decompresses and splits them
 * into NDJSON lines and CSV rows (and finds over-long lines and malformed
 * rows), all into a sequence of items (readahead.h) whose bytes live in
 * the queue's own buffers, on the read-ahead thread when one runs;
 * produce() takes the items in order and does the rest: validating NDJSON
 * into records, CSV rows into records, dead letters, the map function.
 * The host and the map function are called there only, and every record
 * is made and freed on that side.  The items are the same, in the same
 * order, with or without the thread, so the output is too.  The position
 * is what produce() handed on, never what was read ahead: each item
 * carries the line the reader had reached.
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "touchflow/csv.h"
#include "touchflow/error.h"
#include "touchflow/filesource.h"
#include "touchflow/linereader.h"
#include "touchflow/plugin.h"
#include "touchflow/record_json.h"

#include "readahead.h"

/* Dead-letter records of over-long lines keep this many first bytes. */
#define TOO_LONG_PREFIX 1024

/* The first bytes of a file that its identity fingerprints. */
#define HEAD_BYTES 1024

/* What reading one line or row did: a record was read (and passed on or
 * dead-lettered), the file ended, or the line needs no handling (blank or
 * already read before a resume).  Errors are the negative codes. */
#define READ_RECORD TF_OK
#define READ_END TF_LINE_EOF
#define READ_SKIPPED (TF_LINE_EOF + 1)

const char *const tf_file_source_formats[] = {"auto", "ndjson", "csv", NULL};
const char *const tf_file_source_compressions[] = {"auto", "none", "gzip",
                                                   NULL};

typedef enum file_format { FORMAT_AUTO, FORMAT_NDJSON, FORMAT_CSV } file_format;

/* What tells a file apart from another one at the same path: device and
 * inode, and a fingerprint of its first bytes (an inode can be reused). */
typedef struct file_identity {
  int known;         /* the file could be looked at */
  uint64_t dev, ino; /* st_dev, st_ino */
  uint64_t size;     /* its size on disk when the source started */
  size_t head_len;   /* the bytes fingerprinted: up to HEAD_BYTES */
  uint64_t head;     /* FNV-1a of those bytes */
} file_identity;

typedef struct input_file {
  char *path; /* as found on disk */
  char *name; /* as the user sees it: relative to the pipeline folder */
  file_format format;
  file_identity id;
  /* Where reading starts: the byte offset (decompressed) just after the
   * last line handled before, and that line's number (seek; 0, 0 from
   * the start).  Set before reading, then read by the reading side. */
  uint64_t resume_bytes;
  long resume_lines;
  long skip_lines; /* lines up to this one are already handled (a
                      position of file and line only; LONG_MAX: all) */
  /* What produce() has handed on, up to: starts at the resume point. */
  uint64_t bytes;
  long lines;
} input_file;

/* The reading side's state: the read-ahead thread's while it runs (see
 * readahead.h), produce()'s otherwise. */
typedef struct reading {
  size_t index;          /* the file being read; nfiles when done */
  long skip_to;          /* lines up to this one are already handled */
  tf_line_reader *lines; /* open NDJSON file, or NULL */
  tf_csv_reader *csv;    /* open CSV file, or NULL */
  tf_line_reader *src;   /* the open file's line reader (lines, or the
                            one csv reads from), or NULL */
  int header_due;        /* the CSV header is still to be handed on */
  char *pack;            /* room to pack a row's fields */
  size_t pack_cap;
} reading;

/* The fields of a CSV row, unpacked from an item (see put_fields). */
typedef struct csv_fields {
  tf_csv_row row;
  const char **fields;
  size_t *lengths;
  size_t cap;
  char *packed; /* the header's: a copy kept until the next one */
} csv_fields;

struct tf_file_source {
  tf_ctx *ctx; /* borrowed: the stage */
  const tf_host *host;
  tf_file_source_map_fn map; /* NULL: emit records unchanged */
  void *ud;
  /* Settings: fixed once made, read by both sides. */
  input_file *files;
  size_t nfiles;
  tf_compression compression;
  size_t max_line_length;
  char delimiter;
  unsigned csv_flags;
  int read_ahead;    /* read on a second thread */
  reading rd;        /* the reading side */
  tf__readahead *ra; /* the items from the reading side, in order */
  /* What produce() has handed on (its thread only). */
  size_t index;        /* the file of the items handed on; nfiles when done */
  csv_fields header;   /* the current CSV file's header row */
  csv_fields fields;   /* the row being handed on */
  tf_time_order order; /* the map function emits through it */
};

static int read_item(void *ud, tf__ra_item *item, tf__ra_buf *buf);
static void free_fields(csv_fields *f);
static void close_reading(reading *rd);

/* --- Setup ------------------------------------------------------------ */

static file_format format_by_name(const char *name)
{
  static const struct {
    const char *ext;
    file_format format;
  } exts[] = {{".ndjson", FORMAT_NDJSON},
              {".jsonl", FORMAT_NDJSON},
              {".csv", FORMAT_CSV}};
  size_t len = strlen(name);

  if (len >= 3 && strcmp(name + len - 3, ".gz") == 0)
    len -= 3;
  for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
    size_t n = strlen(exts[i].ext);

    if (len >= n && strncmp(name + len - n, exts[i].ext, n) == 0)
      return exts[i].format;
  }
  return FORMAT_AUTO;
}

/* The file's name relative to the pipeline folder when it lies inside;
 * borrowed from path. */
static const char *relative_name(const char *path, const char *base)
{
  size_t n = base ? strlen(base) : 0;

  while (n > 1 && base[n - 1] == '/')
    n--;
  if (n > 0 && strncmp(path, base, n) == 0 && path[n] == '/')
    return path + n + 1;
  return path;
}

static int compare_paths(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Checks the file can be read and can be told apart as NDJSON or CSV. */
static int check_file(tf_file_source *fs, const input_file *f)
{
  if (access(f->path, R_OK) != 0) {
    int err = errno;

    fs->host->log(fs->ctx, TF_LOG_ERROR, "%s: cannot read: %s", f->name,
                  strerror(err));
    return err == ENOENT ? TF_ERR_NOTFOUND : TF_ERR_IO;
  }
  if (f->format == FORMAT_AUTO) {
    fs->host->log(fs->ctx, TF_LOG_ERROR,
                  "%s: cannot tell the format from the "
                  "name (.ndjson, .jsonl, .csv): set \"format\"",
                  f->name);
    return TF_ERR_CONFIG;
  }
  return TF_OK;
}

/* FNV-1a, 64 bits: a fingerprint, not a secret. */
static uint64_t fnv1a(const unsigned char *p, size_t n)
{
  uint64_t h = 0xcbf29ce484222325ull;

  for (size_t i = 0; i < n; i++) {
    h ^= p[i];
    h *= 0x100000001b3ull;
  }
  return h;
}

/* The fingerprint of the first len (<= HEAD_BYTES) bytes of path: 0, or
 * -1 when the file has fewer or cannot be read. */
static int head_hash(const char *path, size_t len, uint64_t *hash)
{
  unsigned char buf[HEAD_BYTES];
  ssize_t n = 0;
  int fd;

  if (len > HEAD_BYTES ||
      (fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0)
    return -1;
  if (len > 0)
    n = pread(fd, buf, len, 0);
  close(fd);
  if (n != (ssize_t)len)
    return -1;
  *hash = fnv1a(buf, len);
  return 0;
}

/* Takes the file's identity (device, inode, size, first bytes).  Only a
 * regular file has one: opening a pipe to look would take its data. */
static void identify(input_file *f)
{
  struct stat st;

  memset(&f->id, 0, sizeof(f->id));
  if (stat(f->path, &st) != 0 || !S_ISREG(st.st_mode))
    return;
  f->id.dev = (uint64_t)st.st_dev;
  f->id.ino = (uint64_t)st.st_ino;
  f->id.size = (uint64_t)st.st_size;
  f->id.head_len = f->id.size < HEAD_BYTES ? (size_t)f->id.size : HEAD_BYTES;
  f->id.known = head_hash(f->path, f->id.head_len, &f->id.head) == 0;
}

static int add_file(tf_file_source *fs, const char *path, const char *base,
                    file_format format)
{
  int rc;

  input_file *f = &fs->files[fs->nfiles];

  f->path = strdup(path);
  f->name = strdup(relative_name(path, base));
  if (!f->path || !f->name) {
    free(f->path);
    free(f->name);
    return TF_ERR_NOMEM;
  }
  f->format = format != FORMAT_AUTO ? format : format_by_name(path);
  fs->nfiles++;
  rc = check_file(fs, f);
  if (rc == TF_OK)
    identify(f);
  return rc;
}

/* Logs why a pattern gave no file: a plain name that does not exist, or a
 * glob that matched nothing. */
static int no_match(tf_file_source *fs, const char *pattern, const char *base)
{
  const char *name = relative_name(pattern, base);

  if (strpbrk(pattern, "*?[") == NULL)
    fs->host->log(fs->ctx, TF_LOG_ERROR, "%s: no such file", name);
  else
    fs->host->log(fs->ctx, TF_LOG_ERROR, "%s: no file matches the pattern",
                  name);
  return TF_ERR_NOTFOUND;
}

/* Files matching the pattern, in byte order; directories are left out. */
static int expand_glob(tf_file_source *fs, const char *pattern,
                       const char *base, file_format format)
{
  glob_t g;
  int rc = TF_OK;
  int grc = glob(pattern, GLOB_MARK, NULL, &g);

  if (grc == GLOB_NOSPACE) {
    rc = TF_ERR_NOMEM;
    goto out_free_glob;
  }
  if (grc != 0 || g.gl_pathc == 0) {
    rc = no_match(fs, pattern, base);
    goto out_free_glob;
  }
  qsort(g.gl_pathv, g.gl_pathc, sizeof(char *), compare_paths);
  fs->files = calloc(g.gl_pathc, sizeof(*fs->files));
  if (!fs->files) {
    rc = TF_ERR_NOMEM;
    goto out_free_glob;
  }
  for (size_t i = 0; i < g.gl_pathc && rc == TF_OK; i++) {
    const char *p = g.gl_pathv[i];

    if (p[strlen(p) - 1] != '/')
      rc = add_file(fs, p, base, format);
  }
  if (rc == TF_OK && fs->nfiles == 0) {
    fs->host->log(fs->ctx, TF_LOG_ERROR, "%s: matches only folders",
                  relative_name(pattern, base));
    rc = TF_ERR_NOTFOUND;
  }
out_free_glob:
  globfree(&g);
  return rc;
}

static int read_options(tf_file_source *fs, const tf_config *cfg,
                        file_format *format)
{
  const char *fmt = tf_config_string(cfg, "format");
  const char *delim = tf_config_string(cfg, "csv_delimiter");

  *format = !fmt || strcmp(fmt, "auto") == 0 ? FORMAT_AUTO
            : strcmp(fmt, "csv") == 0        ? FORMAT_CSV
                                             : FORMAT_NDJSON;
  if (tf_compression_parse(tf_config_string(cfg, "compression"),
                           &fs->compression) != TF_OK)
    fs->compression = TF_COMPRESSION_AUTO;
  fs->max_line_length = (size_t)tf_config_int(cfg, "max_line_length");
  fs->csv_flags =
      tf_config_bool(cfg, "csv_empty_as_null") ? TF_CSV_EMPTY_AS_NULL : 0;
  if (!delim || strlen(delim) != 1 || strchr("\"\r\n", delim[0])) {
    fs->host->log(fs->ctx, TF_LOG_ERROR,
                  "csv_delimiter must be one character, "
                  "not a quote or a line end");
    return TF_ERR_CONFIG;
  }
  fs->delimiter = delim[0];
  /* A plugin built before the option existed reads ahead too. */
  fs->read_ahead =
      !tf_config_is_set(cfg, "read_ahead") || tf_config_bool(cfg, "read_ahead");
  return TF_OK;
}

int tf_file_source_new(tf_ctx *ctx, const tf_host *host, const tf_config *cfg,
                       tf_file_source_map_fn map, void *ud,
                       tf_file_source **out)
{
  tf_file_source *fs;
  const char *path;
  file_format format;
  int rc;

  if (!out)
    return TF_ERR_INVAL;
  *out = NULL;
  if (!host || !cfg)
    return TF_ERR_INVAL;
  fs = calloc(1, sizeof(*fs));
  if (!fs)
    return TF_ERR_NOMEM;
  fs->ctx = ctx;
  fs->host = host;
  fs->map = map;
  fs->ud = ud;
  tf_time_order_init(&fs->order, tf_config_bool(cfg, "sorted_by_time"));
  rc = read_options(fs, cfg, &format);
  if (rc != TF_OK)
    goto out_free_source;
  path = tf_config_string(cfg, "path");
  if (!path) {
    host->log(ctx, TF_LOG_ERROR, "path: no file named");
    rc = TF_ERR_CONFIG;
    goto out_free_source;
  }
  rc = expand_glob(fs, path, tf_config_base_dir(cfg), format);
  if (rc != TF_OK)
    goto out_free_source;
  fs->ra = tf__readahead_new(read_item, fs, fs->read_ahead);
  if (!fs->ra) {
    rc = TF_ERR_NOMEM;
    goto out_free_source;
  }
  *out = fs;
  return TF_OK;

out_free_source:
  tf_file_source_free(fs);
  return rc;
}

void tf_file_source_free(tf_file_source *fs)
{
  if (!fs)
    return;
  tf__readahead_free(fs->ra); /* joins the thread: rd is ours again */
  close_reading(&fs->rd);
  free(fs->rd.pack);
  free_fields(&fs->header);
  free_fields(&fs->fields);
  for (size_t i = 0; i < fs->nfiles; i++) {
    free(fs->files[i].path);
    free(fs->files[i].name);
  }
  free(fs->files);
  free(fs);
}

/* --- Reading: what the read-ahead thread runs ------------------------- */

/* The functions down to read_item run on the reading side (readahead.h):
 * the read-ahead thread's while it runs, else produce()'s.  They read the
 * settings and fs->rd only, never call the host or the map function, and
 * allocate nothing that produce() frees: what they find goes into an
 * item's bytes, from which produce() makes the records.  (Records made on
 * the read-ahead thread and freed downstream made both threads contend for
 * one malloc arena, which cost more than the second core gave.) */

/* The kinds of item (tf__ra_item.kind) and their strings. */
enum {
  ITEM_LINE,   /* an NDJSON line: text (str 0) and number (line) */
  ITEM_HEADER, /* a CSV file's header row: fields (str 1, count) */
  ITEM_ROW,    /* a CSV row: raw text (str 0), fields (str 1, count),
                  the line it starts on (line) */
  ITEM_REJECT, /* bad input: raw text (str 0), code, message (str 1),
                  line */
  ITEM_ERROR,  /* reading failed: rc, what to log (str 1, or none) */
  ITEM_END     /* the file ended */
};
#define STR_TEXT 0
#define STR_AUX 1

/* An ERROR item; message (printf-style) is what produce() logs, NULL for
 * nothing.  Returns rc. */
static int fail_item(tf__ra_item *item, tf__ra_buf *buf, int rc,
                     const char *fmt, ...)
{
  va_list ap;
  char *text;
  int n;

  item->kind = ITEM_ERROR;
  item->rc = rc;
  item->strings = 0;
  if (!fmt)
    return rc;
  va_start(ap, fmt);
  n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0 || !(text = malloc((size_t)n + 1)))
    return rc;
  va_start(ap, fmt);
  vsnprintf(text, (size_t)n + 1, fmt, ap);
  va_end(ap);
  tf__ra_put(buf, item, STR_AUX, text, (size_t)n);
  free(text);
  return rc;
}

static int open_current(tf_file_source *fs, tf__ra_item *item, tf__ra_buf *buf)
{
  const input_file *f = &fs->files[fs->rd.index];
  tf_line_reader *lines;
  char why[1024];
  int rc;

  rc = tf_line_reader_open_why(&lines, f->path, fs->compression,
                               fs->max_line_length, why, sizeof(why));
  if (rc != TF_OK)
    return fail_item(item, buf, rc, "%s: %s", f->name, why);
  if (f->format == FORMAT_NDJSON) {
    fs->rd.lines = lines;
  } else {
    rc = tf_csv_reader_open(&fs->rd.csv, lines, fs->delimiter,
                            fs->max_line_length, why, sizeof(why));
    if (rc != TF_OK)
      return fail_item(item, buf, rc, "%s: cannot read the CSV header: %s",
                       f->name, why);
    fs->rd.header_due = 1;
  }
  fs->rd.src = lines;
  fs->rd.skip_to = f->skip_lines;
  if (f->resume_bytes == 0)
    return TF_OK;
  rc = tf_line_reader_seek(lines, f->resume_bytes, f->resume_lines);
  if (rc != TF_OK) {
    snprintf(why, sizeof(why), "%s", tf_line_reader_error(lines));
    close_reading(&fs->rd);
    return fail_item(item, buf, rc, "%s: cannot resume: %s", f->name, why);
  }
  return TF_OK;
}

static void close_reading(reading *rd)
{
  tf_line_reader_close(rd->lines);
  tf_csv_reader_close(rd->csv);
  rd->lines = NULL;
  rd->csv = NULL;
  rd->src = NULL;
  rd->header_due = 0;
}

/* The number of the last line the open file's reader consumed; 0 when no
 * file is open. */
static long reading_line(const reading *rd)
{
  return tf_line_reader_line_number(rd->src);
}

/* The byte offset after the last line the open file's reader consumed. */
static uint64_t reading_offset(const reading *rd)
{
  return tf_line_reader_offset(rd->src);
}

/* A REJECT item: the first bytes of a bad line or row, for the dead-letter
 * output. */
static int reject_item(tf__ra_item *item, tf__ra_buf *buf, const char *text,
                       size_t len, long line, const char *code,
                       const char *message)
{
  if (strcmp(code, "line_too_long") == 0 && len > TOO_LONG_PREFIX)
    len = TOO_LONG_PREFIX;
  item->kind = ITEM_REJECT;
  item->code = code;
  item->line = line;
  if (tf__ra_put(buf, item, STR_TEXT, text, len) != TF_OK ||
      tf__ra_put(buf, item, STR_AUX, message, strlen(message)) != TF_OK)
    return fail_item(item, buf, TF_ERR_NOMEM, NULL);
  return READ_RECORD;
}

/* Spaces, tabs and carriage returns only.  (Not strchr(" \t\r", c): it
 * finds a NUL byte too, and a line of NULs, a damaged block, would vanish
 * as blank.) */
static int is_blank(const tf_line *ln)
{
  for (size_t i = 0; i < ln->len; i++)
    if (ln->text[i] != ' ' && ln->text[i] != '\t' && ln->text[i] != '\r')
      return 0;
  return 1;
}

/* Reads the next NDJSON line into *item: READ_RECORD (a LINE or REJECT
 * item), READ_SKIPPED, READ_END, or an error (an ERROR item). */
static int ndjson_next(tf_file_source *fs, tf__ra_item *item, tf__ra_buf *buf)
{
  tf_line ln;
  int rc = tf_line_reader_next(fs->rd.lines, &ln);

  if ((rc == TF_OK || rc == TF_ERR_TOOLONG) && ln.number <= fs->rd.skip_to)
    return READ_SKIPPED;
  if (rc == TF_OK && is_blank(&ln))
    return READ_SKIPPED;
  if (rc == TF_OK) {
    item->kind = ITEM_LINE;
    item->line = ln.number;
    if (tf__ra_put(buf, item, STR_TEXT, ln.text, ln.len) != TF_OK)
      return fail_item(item, buf, TF_ERR_NOMEM, NULL);
    return READ_RECORD;
  }
  if (rc == TF_ERR_TOOLONG)
    return reject_item(item, buf, ln.text, ln.len, ln.number, "line_too_long",
                       tf_line_reader_error(fs->rd.lines));
  if (rc == TF_LINE_EOF)
    return READ_END;
  return fail_item(item, buf, rc, "%s", tf_line_reader_error(fs->rd.lines));
}

/* Puts a row's fields into *item as string 1: per field its length (a
 * size_t, unaligned), its bytes and a NUL; count is the number. */
static int put_fields(reading *rd, tf__ra_item *item, tf__ra_buf *buf,
                      const tf_csv_row *row)
{
  size_t need = 0, at = 0;

  for (size_t i = 0; i < row->count; i++)
    need += sizeof(size_t) + row->lengths[i] + 1;
  if (need > rd->pack_cap) {
    char *grown = realloc(rd->pack, need);

    if (!grown)
      return TF_ERR_NOMEM;
    rd->pack = grown;
    rd->pack_cap = need;
  }
  for (size_t i = 0; i < row->count; i++) {
    memcpy(rd->pack + at, &row->lengths[i], sizeof(size_t));
    at += sizeof(size_t);
    memcpy(rd->pack + at, row->fields[i], row->lengths[i]);
    at += row->lengths[i];
    rd->pack[at++] = '\0';
  }
  item->count = row->count;
  return tf__ra_put(buf, item, STR_AUX, rd->pack, need);
}

/* Reads the next CSV row into *item, like ndjson_next. */
static int csv_next(tf_file_source *fs, tf__ra_item *item, tf__ra_buf *buf)
{
  tf_csv_row row;
  int rc = tf_csv_reader_next(fs->rd.csv, &row);

  if (rc == TF_CSV_EOF)
    return READ_END;
  if ((rc == TF_OK || rc == TF_ERR_PARSE || rc == TF_ERR_TOOLONG) &&
      row.line <= fs->rd.skip_to)
    return READ_SKIPPED;
  if (rc == TF_OK) {
    item->kind = ITEM_ROW;
    item->line = row.line;
    if (tf__ra_put(buf, item, STR_TEXT, row.raw, row.raw_len) != TF_OK ||
        put_fields(&fs->rd, item, buf, &row) != TF_OK)
      return fail_item(item, buf, TF_ERR_NOMEM, NULL);
    return READ_RECORD;
  }
  if (rc == TF_ERR_PARSE || rc == TF_ERR_TOOLONG)
    return reject_item(item, buf, row.raw, row.raw_len, row.line,
                       tf_csv_error_code(tf_csv_reader_row_error(fs->rd.csv)),
                       tf_csv_reader_row_message(fs->rd.csv));
  return fail_item(item, buf, rc, "%s", tf_csv_reader_error(fs->rd.csv));
}

/* The producer of the read-ahead queue: the next item of the input, in
 * order.  A file that cannot be opened or read further gives an ERROR
 * item and a pause; asked again, reading goes on where the single-thread
 * reader would (the same open is tried again, a cut file ends). */
static int read_item(void *ud, tf__ra_item *item, tf__ra_buf *buf)
{
  tf_file_source *fs = ud;
  reading *rd = &fs->rd;
  int rc;

  while (rd->index < fs->nfiles) {
    if (!rd->lines && !rd->csv && open_current(fs, item, buf) != TF_OK)
      return TF__RA_PAUSE;
    if (rd->header_due) {
      rd->header_due = 0;
      item->kind = ITEM_HEADER;
      if (put_fields(rd, item, buf, tf_csv_reader_header(rd->csv)) != TF_OK) {
        fail_item(item, buf, TF_ERR_NOMEM, NULL);
        return TF__RA_PAUSE;
      }
      return TF__RA_MORE;
    }
    rc = rd->lines ? ndjson_next(fs, item, buf) : csv_next(fs, item, buf);
    if (rc == READ_SKIPPED)
      continue;
    if (rc == READ_END) {
      item->line_after = reading_line(rd);
      item->offset_after = reading_offset(rd);
      close_reading(rd);
      rd->index++;
      rd->skip_to = 0;
      item->kind = ITEM_END;
      return TF__RA_MORE;
    }
    item->line_after = reading_line(rd);
    item->offset_after = reading_offset(rd);
    return rc < 0 ? TF__RA_PAUSE : TF__RA_MORE;
  }
  return TF__RA_EXHAUSTED;
}

/* --- Handing on: produce()'s thread only -------------------------------- */

/* Hands a record read from the input on: to the map function, or
 * downstream unchanged.  Takes over the caller's reference. */
static int pass_on(tf_file_source *fs, tf_record *rec)
{
  tf_origin origin;
  int rc;

  if (!fs->map)
    return fs->host->emit(fs->ctx, rec);
  rc = fs->map(fs->ud, fs->ctx, fs->host, rec);
  if (rc < 0) {
    origin = tf_record_origin(rec);
    fs->host->log(fs->ctx, TF_LOG_ERROR, "%s:%ld: the record failed: %s",
                  origin.file, origin.line, tf_strerror(rc));
  }
  tf_record_unref(rec);
  return rc < 0 ? rc : TF_OK;
}

/* Sends the first bytes of a bad line or row to the dead-letter output. */
static int reject_text(tf_file_source *fs, const char *text, size_t len,
                       long line, const char *code, const char *message)
{
  tf_origin origin = {fs->files[fs->index].name, line};
  tf_record *raw;
  int rc;

  if (strcmp(code, "line_too_long") == 0 && len > TOO_LONG_PREFIX)
    len = TOO_LONG_PREFIX;
  raw = tf_record_new_raw(text, len, &origin);
  if (!raw)
    return TF_ERR_NOMEM;
  rc = fs->host->reject(fs->ctx, raw, code, message);
  tf_record_unref(raw);
  return rc;
}

/* Why a line that tf_record_parse refused is bad. */
static const char *ndjson_error_code(const char *text, size_t len)
{
  json_error_t jerr;
  json_t *value = json_loadb(
      text, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL,
      &jerr);

  if (value) {
    json_decref(value);
    return "not_an_object";
  }
  return json_error_code(&jerr) == json_error_invalid_utf8 ? "invalid_utf8"
                                                           : "invalid_json";
}

/* A line holding NUL bytes is never JSON; it is told apart from other bad
 * JSON because it usually means a damaged file, not a bad writer. */
static int reject_nul(tf_file_source *fs, const char *text, size_t len,
                      long line, const char *nul)
{
  char message[256];
  size_t count = 0;

  for (size_t i = 0; i < len; i++)
    count += text[i] == '\0';
  snprintf(
      message, sizeof(message),
      "NUL byte at column %zu (%zu of the line's %zu bytes are NUL): NUL is "
      "never part of a record; the file may be damaged (a crash or a "
      "full disk can leave blocks of zero bytes)",
      (size_t)(nul - text) + 1, count, len);
  return reject_text(fs, text, len, line, "nul_byte", message);
}

static int ndjson_line(tf_file_source *fs, const char *text, size_t len,
                       long line)
{
  tf_origin origin = {fs->files[fs->index].name, line};
  char err[256];
  tf_record *rec;
  const char *nul;

  rec = tf_record_parse(text, len, &origin, err, sizeof(err));
  if (rec)
    return pass_on(fs, rec);
  nul = memchr(text, '\0', len);
  if (nul)
    return reject_nul(fs, text, len, line, nul);
  return reject_text(fs, text, len, line, ndjson_error_code(text, len), err);
}

/* The fields put_fields packed, pointing into packed, into the arrays of
 * *f (grown as needed). */
static int unpack_fields(csv_fields *f, const char *packed, size_t count)
{
  if (count > f->cap) {
    const char **fields = realloc(f->fields, count * sizeof(*fields));
    size_t *lengths;

    if (!fields)
      return TF_ERR_NOMEM;
    f->fields = fields;
    lengths = realloc(f->lengths, count * sizeof(*lengths));
    if (!lengths)
      return TF_ERR_NOMEM;
    f->lengths = lengths;
    f->cap = count;
  }
  for (size_t i = 0; i < count; i++) {
    memcpy(&f->lengths[i], packed, sizeof(size_t));
    packed += sizeof(size_t);
    f->fields[i] = packed;
    packed += f->lengths[i] + 1;
  }
  f->row.count = count;
  f->row.fields = f->fields;
  f->row.lengths = f->lengths;
  return TF_OK;
}

static void free_fields(csv_fields *f)
{
  free(f->fields);
  free(f->lengths);
  free(f->packed);
}

/* Keeps a CSV file's header row for the rows that follow. */
static int keep_header(tf_file_source *fs, const tf__ra_item *item)
{
  char *packed = malloc(item->len[STR_AUX] + 1);

  if (!packed)
    return TF_ERR_NOMEM;
  memcpy(packed, item->str[STR_AUX], item->len[STR_AUX] + 1);
  free(fs->header.packed);
  fs->header.packed = packed;
  return unpack_fields(&fs->header, packed, item->count);
}

/* A record of a CSV row's object that carries the row's origin. */
static tf_record *csv_record(tf_file_source *fs, json_t *obj, long line)
{
  tf_origin origin = {fs->files[fs->index].name, line};
  tf_record *place = tf_record_new_raw(NULL, 0, &origin);
  tf_record *rec;

  if (!place) {
    json_decref(obj);
    return NULL;
  }
  rec = tf_record_derive(place, obj);
  tf_record_unref(place);
  return rec;
}

static int csv_row(tf_file_source *fs, const tf__ra_item *item)
{
  tf_csv_row *row = &fs->fields.row;
  json_t *obj;
  tf_record *rec;
  int rc;

  rc = unpack_fields(&fs->fields, item->str[STR_AUX], item->count);
  if (rc != TF_OK)
    return rc;
  row->line = item->line;
  row->raw = item->str[STR_TEXT];
  row->raw_len = item->len[STR_TEXT];
  rc = tf_csv_row_to_json(&fs->header.row, row, fs->csv_flags, &obj);
  if (rc == TF_ERR_PARSE)
    return reject_text(fs, row->raw, row->raw_len, row->line, "invalid_utf8",
                       "a field is not valid UTF-8");
  if (rc != TF_OK)
    return rc;
  rec = csv_record(fs, obj, row->line);
  return rec ? pass_on(fs, rec) : TF_ERR_NOMEM;
}

/* Does what an item says: READ_RECORD (a record passed on or
 * dead-lettered), READ_SKIPPED (a header), READ_END, or an error (logged
 * when the item says what). */
static int hand_on(tf_file_source *fs, const tf__ra_item *item)
{
  input_file *f = &fs->files[fs->index];

  if (item->kind == ITEM_HEADER)
    return keep_header(fs, item) == TF_OK ? READ_SKIPPED : TF_ERR_NOMEM;
  if (item->kind != ITEM_ERROR) {
    f->lines = item->line_after;
    f->bytes = item->offset_after;
  }
  if (item->kind == ITEM_END)
    return READ_END;
  switch (item->kind) {
  case ITEM_LINE:
    return ndjson_line(fs, item->str[STR_TEXT], item->len[STR_TEXT],
                       item->line);
  case ITEM_ROW: return csv_row(fs, item);
  case ITEM_REJECT:
    return reject_text(fs, item->str[STR_TEXT], item->len[STR_TEXT], item->line,
                       item->code, item->str[STR_AUX]);
  default:
    if (item->str[STR_AUX])
      fs->host->log(fs->ctx, TF_LOG_ERROR, "%s", item->str[STR_AUX]);
    return item->rc;
  }
}

int tf_file_source_produce(tf_file_source *fs, size_t max_records)
{
  size_t read = 0;
  tf__ra_item item;
  int rc;

  if (!fs)
    return TF_ERR_INVAL;
  while (read < max_records && fs->index < fs->nfiles) {
    if (!tf__readahead_next(fs->ra, &item))
      return TF_ERR_INVAL; /* cannot happen: each file ends with an END */
    rc = hand_on(fs, &item);
    if (rc == READ_END)
      fs->index++;
    else if (rc == READ_RECORD)
      read++;
    else if (rc != READ_SKIPPED)
      return rc;
  }
  return fs->index >= fs->nfiles ? TF_DONE : TF_MORE;
}

/* --- Position --------------------------------------------------------- */

/* The position keeps, for every file read or being read, its identity and
 * how far produce() handed it on:
 *   {"file": NAME | null, "line": N,
 *    "files": [{"name", "dev", "ino", "size", "head", "head_len",
 *               "bytes", "lines"}, ...], "max_ts_ms": T}
 * "file" and "line" say where reading is, for people; a resume reads every
 * input file from where "files" says it was left (a file not in it from
 * its start), so the same position serves a resume after a crash (nothing
 * changed: the records that followed) and the next run over inputs that
 * grew (incremental: what was appended). */

static long current_line(const tf_file_source *fs)
{
  return fs->index < fs->nfiles ? fs->files[fs->index].lines : 0;
}

static json_t *file_entry(const input_file *f)
{
  char head[17];

  snprintf(head, sizeof(head), "%016" PRIx64, f->id.head);
  return json_pack("{s:s, s:I, s:I, s:I, s:s, s:I, s:I, s:I}", "name", f->name,
                   "dev", (json_int_t)f->id.dev, "ino", (json_int_t)f->id.ino,
                   "size", (json_int_t)f->id.size, "head", head, "head_len",
                   (json_int_t)f->id.head_len, "bytes", (json_int_t)f->bytes,
                   "lines", (json_int_t)f->lines);
}

/* Every file reached, and every later one that a seek gave a place to
 * go on from (it was read in an earlier run: without its entry, the next
 * resume would read it again from its start). */
static json_t *file_entries(const tf_file_source *fs)
{
  json_t *files = json_array();

  for (size_t i = 0; files && i < fs->nfiles; i++) {
    const input_file *f = &fs->files[i];

    if (i > fs->index && f->resume_bytes == 0 && f->resume_lines == 0)
      continue;
    if (json_array_append_new(files, file_entry(f)) != 0) {
      json_decref(files);
      return NULL;
    }
  }
  return files;
}

int tf_file_source_position(const tf_file_source *fs, json_t **position)
{
  json_t *file;

  if (!fs || !position)
    return TF_ERR_INVAL;
  file = fs->index < fs->nfiles ? json_string(fs->files[fs->index].name)
                                : json_null();
  *position =
      json_pack("{s:o, s:I, s:o}", "file", file, "line",
                (json_int_t)current_line(fs), "files", file_entries(fs));
  if (*position && tf_time_order_save(&fs->order, *position) != TF_OK) {
    json_decref(*position);
    *position = NULL;
  }
  return *position ? TF_OK : TF_ERR_NOMEM;
}

tf_time_order *tf_file_source_time_order(tf_file_source *fs)
{
  return fs ? &fs->order : NULL;
}

int64_t tf_file_source_watermark(const tf_file_source *fs)
{
  return fs ? tf_time_order_watermark(&fs->order) : TF_WATERMARK_UNKNOWN;
}

/* --- Seek --------------------------------------------------------------- */

/* One entry of a position's "files", read back. */
typedef struct file_entry_in {
  const char *name;
  file_identity id;
  uint64_t bytes;
  long lines;
} file_entry_in;

static int get_u64(const json_t *obj, const char *key, uint64_t *out)
{
  const json_t *v = json_object_get(obj, key);

  if (!json_is_integer(v) || json_integer_value(v) < 0)
    return -1;
  *out = (uint64_t)json_integer_value(v);
  return 0;
}

static int read_entry(const json_t *e, file_entry_in *in)
{
  const char *head = json_string_value(json_object_get(e, "head"));
  uint64_t head_len, lines;
  char *end;

  memset(in, 0, sizeof(*in));
  in->name = json_string_value(json_object_get(e, "name"));
  if (!in->name || !head || get_u64(e, "dev", &in->id.dev) ||
      get_u64(e, "ino", &in->id.ino) || get_u64(e, "size", &in->id.size) ||
      get_u64(e, "head_len", &head_len) || head_len > HEAD_BYTES ||
      get_u64(e, "bytes", &in->bytes) || get_u64(e, "lines", &lines) ||
      lines > LONG_MAX)
    return -1;
  in->id.head = (uint64_t)strtoull(head, &end, 16);
  in->id.head_len = (size_t)head_len;
  in->lines = (long)lines;
  return *end || end == head ? -1 : 0;
}

/* The input file on the device and inode an entry names, whatever its
 * name now; nfiles when none. */
static size_t find_same_inode(const tf_file_source *fs, const file_entry_in *in,
                              const unsigned char *taken)
{
  size_t i;

  for (i = 0; i < fs->nfiles; i++) {
    const input_file *f = &fs->files[i];

    if (!taken[i] && f->id.known && f->id.dev == in->id.dev &&
        f->id.ino == in->id.ino)
      break;
  }
  return i;
}

static size_t find_by_name(const tf_file_source *fs, const char *name)
{
  size_t i;

  for (i = 0; i < fs->nfiles && strcmp(fs->files[i].name, name) != 0; i++)
    ;
  return i;
}

/* Where reading file i (on the entry's inode) goes on: after what the
 * entry says was handed on, or from the start when the file is shorter
 * than then or its first bytes changed. */
static void resume_file(tf_file_source *fs, size_t i, const file_entry_in *in)
{
  input_file *f = &fs->files[i];
  int plain =
      tf_compression_for_path(f->path, fs->compression) != TF_COMPRESSION_GZIP;
  uint64_t head;

  if (f->id.size < in->id.size || (plain && f->id.size < in->bytes)) {
    fs->host->log(fs->ctx, TF_LOG_WARN,
                  "%s: shorter than when it was read before (%" PRIu64
                  " bytes, then %" PRIu64 "): truncated; reading it from the "
                  "start",
                  f->name, f->id.size, in->id.size);
    return;
  }
  if (head_hash(f->path, in->id.head_len, &head) != 0 || head != in->id.head) {
    fs->host->log(fs->ctx, TF_LOG_WARN,
                  "%s: its first bytes changed since it was read before: "
                  "rewritten in place; reading it from the start",
                  f->name);
    return;
  }
  if (strcmp(f->name, in->name) != 0)
    fs->host->log(fs->ctx, TF_LOG_INFO,
                  "%s: read before as %s (renamed): going on after its line "
                  "%ld",
                  f->name, in->name, in->lines);
  f->resume_bytes = f->bytes = in->bytes;
  f->resume_lines = f->lines = in->lines;
}

/* Resumes every input file from the position's "files". */
static int seek_files(tf_file_source *fs, const json_t *entries)
{
  unsigned char *taken = calloc(fs->nfiles + 1, 1);
  const json_t *e;
  file_entry_in in;
  size_t k, i;

  if (!taken)
    return TF_ERR_NOMEM;
  json_array_foreach (entries, k, e) {
    if (read_entry(e, &in) != 0) {
      fs->host->log(fs->ctx, TF_LOG_ERROR,
                    "cannot resume: entry %zu of the position's \"files\" is "
                    "not a file's name, identity, bytes and lines",
                    k);
      free(taken);
      return TF_ERR_INVAL;
    }
    if ((i = find_same_inode(fs, &in, taken)) < fs->nfiles) {
      resume_file(fs, i, &in);
    } else if ((i = find_by_name(fs, in.name)) < fs->nfiles && !taken[i]) {
      fs->host->log(fs->ctx, TF_LOG_WARN,
                    "%s: not the file read before (another inode): rotated "
                    "or replaced; reading it from the start",
                    in.name);
    } else {
      fs->host->log(fs->ctx, TF_LOG_INFO,
                    "%s: read before, no longer among the input files",
                    in.name);
      continue;
    }
    taken[i] = 1;
  }
  free(taken);
  fs->index = 0;
  return TF_OK;
}

/* The index of the file named by a position: a name, an index or null. */
static int find_file(const tf_file_source *fs, const json_t *file,
                     size_t *index)
{
  if (json_is_null(file)) {
    *index = fs->nfiles;
    return TF_OK;
  }
  if (json_is_integer(file) && json_integer_value(file) >= 0 &&
      (size_t)json_integer_value(file) <= fs->nfiles) {
    *index = (size_t)json_integer_value(file);
    return TF_OK;
  }
  if (json_is_string(file) &&
      (*index = find_by_name(fs, json_string_value(file))) < fs->nfiles)
    return TF_OK;
  return TF_ERR_NOTFOUND;
}

/* A position of file and line only (no "files"): the files before it and
 * its lines up to "line" are skipped (read, not handed on). */
static void seek_line(tf_file_source *fs, size_t index, long line)
{
  for (size_t i = 0; i < index; i++)
    fs->files[i].skip_lines = LONG_MAX;
  if (index < fs->nfiles)
    fs->files[index].skip_lines = line;
  fs->index = 0;
}

int tf_file_source_seek(tf_file_source *fs, const json_t *position)
{
  const json_t *line = json_object_get(position, "line");
  const json_t *files = json_object_get(position, "files");
  size_t index;
  int rc;

  if (!fs)
    return TF_ERR_INVAL;
  if (!json_is_integer(line) || json_integer_value(line) < 0 ||
      json_integer_value(line) > LONG_MAX || (files && !json_is_array(files)) ||
      find_file(fs, json_object_get(position, "file"), &index) != TF_OK) {
    fs->host->log(fs->ctx, TF_LOG_ERROR,
                  "cannot resume: the position does not "
                  "name one of the input files and a line");
    return TF_ERR_INVAL;
  }
  if (tf_time_order_restore(&fs->order, position) != TF_OK) {
    fs->host->log(fs->ctx, TF_LOG_ERROR,
                  "cannot resume: the position's " TF_TIME_ORDER_POSITION_KEY
                  " is not an integer");
    return TF_ERR_INVAL;
  }
  /* Whatever was read ahead goes; reading starts again at the position. */
  tf__readahead_stop(fs->ra);
  close_reading(&fs->rd);
  for (size_t i = 0; i < fs->nfiles; i++) {
    input_file *f = &fs->files[i];

    f->resume_bytes = f->bytes = 0;
    f->resume_lines = f->lines = f->skip_lines = 0;
  }
  rc = TF_OK;
  if (files)
    rc = seek_files(fs, files);
  else
    seek_line(fs, index, (long)json_integer_value(line));
  fs->rd.index = fs->index;
  fs->rd.skip_to = 0;
  return rc;
}
