/*
 * sink_file.c - the `file` sink: writes records to one NDJSON or CSV file,
 * plain or gzip, that appears atomically.
 *
 * Owns the temporary file (".NAME.tmp.XXXXXX" next to the output), its
 * rename into place in flush() and its removal in fini() when flush() never
 * ran, so a half-written file never carries the final name.  Also owns how
 * a record becomes a line: for NDJSON its text copied as it is (the bytes
 * it was read from, spacing included, or that a builder wrote; the record
 * is never parsed), else the compact JSON of its json_t; for CSV a header
 * (csv_columns, or the first record's keys) and one row per record, nested
 * values as compact JSON.
 *
 * Checkpoints (docs/checkpoints.md): snapshot() closes what was written so
 * far (for gzip, the end of a gzip member), fsyncs it and reports the
 * temporary file and its length; writing goes on in the same file (a new
 * gzip member).  restore() takes that file back, cut to the length, in
 * place of the one init() made.  Once a snapshot names the temporary file,
 * fini() leaves it for the run that resumes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <touchflow/atomicfile.h>
#include <touchflow/configcheck.h>
#include <touchflow/csv.h>
#include <touchflow/linereader.h>
#include <touchflow/plugin.h>
#include <touchflow/value.h>
#include <touchflow/record_json.h>

typedef enum out_format { FORMAT_AUTO, FORMAT_NDJSON, FORMAT_CSV } out_format;

/* NDJSON lines are gathered in a buffer of this size and handed to the
 * line writer in large pieces at the end of each write(): a few write(2)
 * calls a batch instead of one for every 4 KiB of stdio buffer, and one
 * call into the writer instead of two a record. */
#define LINES_SIZE (256 * 1024)

typedef struct sink_file {
  tf_ctx *ctx;
  const tf_host *host;
  char *path;     /* the final file */
  char *tmp_path; /* the file being written; NULL once renamed */
  int fd;         /* a second descriptor of tmp_path, to fsync it */
  tf_line_writer *out;
  out_format format;
  json_t *columns;      /* CSV: array of column names, or NULL until known */
  int implicit_columns; /* the columns are the first record's keys */
  tf_compression comp;
  int committed;
  int failed;   /* a write or flush failed: never rename */
  int snapshot; /* a checkpoint names tmp_path: fini keeps it */
  char *lines;  /* NDJSON: LINES_SIZE bytes, the lines not yet handed to
                   out (empty between write() calls) */
  size_t lines_used;
} sink_file;

static const char *const format_values[] = {"auto", "ndjson", "csv", NULL};
static const char *const compression_values[] = {"auto", "none", "gzip", NULL};

static const tf_option sink_file_options[] = {
    {"path", TF_OPT_STRING, NULL, TF_OPT_REQUIRED | TF_OPT_PATH, 0, 0, NULL,
     "The file to write, relative to the pipeline file's folder. Missing "
     "folders are created. It appears, complete, when the run ends."},
    {"format", TF_OPT_ENUM, "auto", 0, 0, 0, format_values,
     "ndjson or csv. auto: by extension, .ndjson/.jsonl or .csv, before an "
     "optional .gz."},
    {"compression", TF_OPT_ENUM, "auto", 0, 0, 0, compression_values,
     "none or gzip. auto: gzip when the name ends in .gz."},
    {"csv_columns", TF_OPT_LIST, NULL, 0, 0, 0, NULL,
     "CSV: the columns, in order. Default: the keys of the first record."},
    {NULL, 0, NULL, 0, 0, 0, NULL, NULL}};

/* --- Setup ------------------------------------------------------------ */

static out_format format_by_name(const char *name)
{
  size_t len = strlen(name);

  if (len >= 3 && strcmp(name + len - 3, ".gz") == 0)
    len -= 3;
  if ((len >= 7 && strncmp(name + len - 7, ".ndjson", 7) == 0) ||
      (len >= 6 && strncmp(name + len - 6, ".jsonl", 6) == 0))
    return FORMAT_NDJSON;
  if (len >= 4 && strncmp(name + len - 4, ".csv", 4) == 0)
    return FORMAT_CSV;
  return FORMAT_AUTO;
}

/* The format the config asks for: `format`, else by the file's name;
 * FORMAT_AUTO when neither tells. */
static out_format format_of(const tf_config *cfg)
{
  const char *fmt = tf_config_string(cfg, "format");

  if (fmt && strcmp(fmt, "csv") == 0)
    return FORMAT_CSV;
  if (fmt && strcmp(fmt, "ndjson") == 0)
    return FORMAT_NDJSON;
  return format_by_name(tf_config_string(cfg, "path"));
}

/* The plugin's check(), which init() runs too: the format must be known. */
static int sink_file_check(const tf_config *cfg, tf_problem_fn problem,
                           void *ud)
{
  const char *path = tf_config_string(cfg, "path");
  const char *name = strrchr(path, '/');

  if (format_of(cfg) != FORMAT_AUTO)
    return TF_OK;
  tf_problemf(problem, ud, "path",
              "cannot tell the format from the name \"%s\" (.ndjson, "
              ".jsonl or .csv, before an optional .gz): set \"format\"",
              name ? name + 1 : path);
  return TF_ERR_CONFIG;
}

static int open_temp(sink_file *s, tf_compression comp)
{
  int fd, rc;

  if (tf_make_dirs(s->path, 0) != TF_OK) {
    s->host->log(s->ctx, TF_LOG_ERROR, "%s: cannot create its folder: %s",
                 s->path, strerror(errno));
    return TF_ERR_IO;
  }
  rc = tf_atomic_create(s->path, &s->tmp_path, &fd);
  if (rc == TF_ERR_IO)
    s->host->log(s->ctx, TF_LOG_ERROR,
                 "%s: cannot create its temporary file: %s", s->path,
                 strerror(errno));
  if (rc != TF_OK)
    return rc;
  s->fd = dup(fd);
  if (s->fd < 0) {
    close(fd);
    return TF_ERR_IO;
  }
  return tf_line_writer_fdopen(&s->out, fd, s->path, comp);
}

static int write_csv_header(sink_file *s);

static int read_columns(sink_file *s, const tf_config *cfg)
{
  const json_t *list = tf_config_json(cfg, "csv_columns");

  if (!list)
    return TF_OK;
  s->columns = json_deep_copy(list);
  return s->columns ? TF_OK : TF_ERR_NOMEM;
}

static void sink_file_fini(void *state);

static int sink_file_init(tf_ctx *ctx, const tf_host *host,
                          const tf_config *cfg, void **state)
{
  sink_file *s = calloc(1, sizeof(*s));
  tf_compression comp = TF_COMPRESSION_AUTO;
  int rc;

  *state = NULL;
  if (!s)
    return TF_ERR_NOMEM;
  s->ctx = ctx;
  s->host = host;
  s->fd = -1;
  rc = tf_check_logged(sink_file_check, cfg, ctx, host);
  if (rc != TF_OK)
    goto out_free_state;
  s->path = strdup(tf_config_string(cfg, "path"));
  if (!s->path) {
    rc = TF_ERR_NOMEM;
    goto out_free_state;
  }
  tf_compression_parse(tf_config_string(cfg, "compression"), &comp);
  s->comp = comp;
  s->format = format_of(cfg);
  rc = read_columns(s, cfg);
  if (rc == TF_OK && s->format == FORMAT_NDJSON &&
      !(s->lines = malloc(LINES_SIZE)))
    rc = TF_ERR_NOMEM;
  if (rc == TF_OK)
    rc = open_temp(s, comp);
  if (rc == TF_OK && s->format == FORMAT_CSV && s->columns)
    rc = write_csv_header(s);
  if (rc != TF_OK)
    goto out_free_state;
  *state = s;
  return TF_OK;

out_free_state:
  sink_file_fini(s);
  return rc;
}

/* Removes the temporary file unless it was renamed into place. */
static void sink_file_fini(void *state)
{
  sink_file *s = state;

  if (!s)
    return;
  tf_line_writer_close(s->out);
  if (s->fd >= 0)
    close(s->fd);
  if (s->tmp_path && !s->snapshot)
    unlink(s->tmp_path);
  free(s->tmp_path);
  free(s->path);
  json_decref(s->columns);
  free(s->lines);
  free(s);
}

/* --- Writing ---------------------------------------------------------- */

static int write_csv_header(sink_file *s)
{
  size_t i, n = json_array_size(s->columns);
  const char **names = calloc(n ? n : 1, sizeof(*names));
  int rc;

  if (!names)
    return TF_ERR_NOMEM;
  for (i = 0; i < n; i++)
    names[i] = json_string_value(json_array_get(s->columns, i));
  rc = tf_csv_write_row(s->out, ',', n, names, NULL);
  free(names);
  return rc;
}

/* The first record's keys become the columns. */
static int columns_from_record(sink_file *s, const tf_value *root)
{
  const tf_value *m;

  s->columns = json_array();
  s->implicit_columns = 1;
  if (!s->columns)
    return TF_ERR_NOMEM;
  for (m = tf_value_first(root); m; m = tf_value_next(m)) {
    size_t len;
    const char *key = tf_value_key(m, &len);

    if (json_array_append_new(s->columns, json_stringn(key, len)) != 0)
      return TF_ERR_NOMEM;
  }
  return write_csv_header(s);
}

/* The first of the record's keys that is not a column, or NULL. */
static const char *unknown_key(const sink_file *s, const tf_value *root)
{
  size_t i, n = json_array_size(s->columns);
  const tf_value *m;

  for (m = tf_value_first(root); m; m = tf_value_next(m)) {
    size_t len;
    const char *key = tf_value_key(m, &len);

    for (i = 0; i < n; i++) {
      const json_t *col = json_array_get(s->columns, i);

      if (json_string_length(col) == len &&
          memcmp(json_string_value(col), key, len) == 0)
        break;
    }
    if (i == n)
      return key;
  }
  return NULL;
}

/* A CSV cell: a string as it is, null or missing as empty, anything else
 * as its JSON text. */
static const char *cell_text(const tf_value *v, size_t *len)
{
  switch (tf_value_type(v)) {
  case TF_TYPE_ABSENT:
  case TF_TYPE_NULL:
  case TF_TYPE_INVALID: *len = 0; return "";
  case TF_TYPE_STRING: return tf_value_string(v, len);
  default: return tf_value_raw(v, len);
  }
}

/* One row; the record is read through its value index, never parsed into a
 * tree.  With columns taken from the first record, a record holding a key
 * that is not a column is dead-lettered rather than written without it. */
static int write_csv_record(sink_file *s, tf_ctx *ctx, const tf_record *rec)
{
  const tf_value *root = tf_record_root(rec);
  size_t i, n;
  const char **cells;
  size_t *lengths;
  const char *extra;
  int rc = TF_OK;

  if (tf_value_type(root) != TF_TYPE_OBJECT)
    return TF_ERR_NOMEM; /* has_json was checked: the index failed */
  if (!s->columns && (rc = columns_from_record(s, root)) != TF_OK)
    return rc;
  if (s->implicit_columns && (extra = unknown_key(s, root)) != NULL)
    return tf_rejectf(s->host, ctx, rec, "csv_unknown_field",
                      "key \"%.200s\" is not a column (the columns are the "
                      "first record's keys; set csv_columns to choose them)",
                      extra);
  n = json_array_size(s->columns);
  cells = calloc(n + 1, sizeof(*cells));
  lengths = calloc(n + 1, sizeof(*lengths));
  if (!cells || !lengths) {
    free(cells);
    free(lengths);
    return TF_ERR_NOMEM;
  }
  for (i = 0; i < n; i++) {
    const json_t *col = json_array_get(s->columns, i);

    cells[i] = cell_text(
        tf_value_getn(root, json_string_value(col), json_string_length(col)),
        &lengths[i]);
  }
  rc = tf_csv_write_row(s->out, ',', n, cells, lengths);
  free(lengths);
  free(cells);
  return rc;
}

/* Hands the gathered lines to the line writer. */
static int flush_lines(sink_file *s)
{
  size_t used = s->lines_used;

  s->lines_used = 0;
  return used ? tf_line_writer_write(s->out, s->lines, used) : TF_OK;
}

/* Adds one line (len bytes and a newline) to the gathered lines; a line
 * longer than the buffer goes straight to the line writer. */
static int put_line(sink_file *s, const char *bytes, size_t len)
{
  int rc;

  if (len >= LINES_SIZE - s->lines_used) {
    rc = flush_lines(s);
    if (rc != TF_OK || len >= LINES_SIZE)
      return rc != TF_OK ? rc : tf_line_writer_line(s->out, bytes, len);
  }
  memcpy(s->lines + s->lines_used, bytes, len);
  s->lines[s->lines_used + len] = '\n';
  s->lines_used += len + 1;
  return TF_OK;
}

/* A record's text as it is (parsed from a line or built by a tf_builder),
 * else the compact dump of its json_t. */
static int write_ndjson_record(sink_file *s, const tf_record *rec)
{
  size_t len;
  const char *bytes = tf_record_bytes(rec, &len);
  char *text;
  int rc;

  if (bytes)
    return put_line(s, bytes, len);
  text = json_dumps(tf_record_json(rec), JSON_COMPACT);
  if (!text)
    return TF_ERR_NOMEM;
  rc = put_line(s, text, strlen(text));
  free(text);
  return rc;
}

/* NDJSON never looks into a record that has its text: no parsing. */
static int write_record(sink_file *s, tf_ctx *ctx, const tf_record *rec)
{
  if (!tf_record_has_json(rec))
    return s->host->reject(ctx, rec, "not_json",
                           "the record holds no JSON object");
  if (s->format == FORMAT_NDJSON)
    return write_ndjson_record(s, rec);
  return write_csv_record(s, ctx, rec);
}

static tf_sink_result sink_file_write(void *state, tf_ctx *ctx,
                                      const tf_batch *batch)
{
  sink_file *s = state;
  size_t i;
  int rc = TF_OK;

  if (s->committed || !s->out) {
    s->host->log(ctx, TF_LOG_ERROR, "%s: written after the end", s->path);
    return TF_SINK_ERROR;
  }
  for (i = 0; i < tf_batch_count(batch) && rc == TF_OK; i++)
    rc = write_record(s, ctx, tf_batch_get(batch, i));
  if (rc == TF_OK)
    rc = flush_lines(s);
  s->lines_used = 0;
  if (rc == TF_OK)
    return TF_SINK_OK;
  s->failed = 1;
  s->host->log(ctx, TF_LOG_ERROR, "%s: cannot write: %s", s->tmp_path,
               rc == TF_ERR_IO ? strerror(errno) : tf_strerror(rc));
  return TF_SINK_ERROR;
}

/* Closes, syncs and renames the output into place; a second call does
 * nothing (or fails again when the first failed). */
static int sink_file_flush(void *state, tf_ctx *ctx)
{
  sink_file *s = state;
  tf_line_writer *out = s->out;
  int rc;

  if (s->committed)
    return TF_OK;
  if (s->failed)
    return TF_ERR_IO;
  s->out = NULL;
  rc = tf_line_writer_close(out);
  if (rc == TF_OK && fsync(s->fd) < 0)
    rc = TF_ERR_IO;
  if (rc == TF_OK)
    rc = tf_atomic_commit(s->tmp_path, s->path);
  if (rc != TF_OK) {
    s->failed = 1;
    s->host->log(ctx, TF_LOG_ERROR, "%s: cannot finish writing: %s", s->path,
                 strerror(errno));
    return rc;
  }
  free(s->tmp_path);
  s->tmp_path = NULL;
  s->committed = 1;
  return TF_OK;
}

/* --- Checkpoints ------------------------------------------------------ */

/* Ends what was written (a gzip member), makes it durable and opens the
 * temporary file again for appending.  *length: its size. */
static int close_and_reopen(sink_file *s, off_t *length)
{
  struct stat st;
  int fd, rc = tf_line_writer_close(s->out);

  s->out = NULL;
  if (rc != TF_OK || fsync(s->fd) < 0 || fstat(s->fd, &st) < 0)
    return TF_ERR_IO;
  *length = st.st_size;
  fd = open(s->tmp_path, O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd < 0)
    return TF_ERR_IO;
  return tf_line_writer_fdopen(&s->out, fd, s->path, s->comp);
}

static int sink_file_snapshot(void *state, json_t **snapshot)
{
  sink_file *s = state;
  off_t length;

  *snapshot = NULL;
  if (s->committed || s->failed || !s->out)
    return TF_ERR_INVAL;
  if (close_and_reopen(s, &length) != TF_OK) {
    s->failed = 1;
    s->host->log(s->ctx, TF_LOG_ERROR, "%s: cannot sync: %s", s->tmp_path,
                 strerror(errno));
    return TF_ERR_IO;
  }
  s->snapshot = 1;
  *snapshot = json_pack("{s:s, s:I, s:O?, s:b}", "file", s->tmp_path, "length",
                        (json_int_t)length, "columns", s->columns,
                        "implicit_columns", s->implicit_columns);
  return *snapshot ? TF_OK : TF_ERR_NOMEM;
}

/* Makes `file` the temporary file again, cut to `length`.  When it is gone
 * but the output exists, the run had renamed it into place before it
 * stopped: the output is taken back. */
static int reclaim(sink_file *s, const char *file, json_int_t length)
{
  struct stat st;

  if (stat(file, &st) < 0 && errno == ENOENT && rename(s->path, file) < 0) {
    s->host->log(s->ctx, TF_LOG_ERROR,
                 "%s: the checkpoint's file is gone (%s), and so is the "
                 "output: cannot resume",
                 file, strerror(errno));
    return TF_ERR_NOTFOUND;
  }
  if (stat(file, &st) < 0 || st.st_size < length) {
    s->host->log(s->ctx, TF_LOG_ERROR,
                 "%s: shorter than the checkpoint says (%lld bytes): it was "
                 "changed since",
                 file, (long long)length);
    return TF_ERR_INVAL;
  }
  return truncate(file, (off_t)length) < 0 ? TF_ERR_IO : TF_OK;
}

static int sink_file_restore(void *state, const json_t *snapshot)
{
  sink_file *s = state;
  const char *file = json_string_value(json_object_get(snapshot, "file"));
  json_t *length = json_object_get(snapshot, "length");
  json_t *columns = json_object_get(snapshot, "columns");
  int fd, rc;

  if (!file || !json_is_integer(length) || json_integer_value(length) < 0)
    return TF_ERR_PARSE;
  rc = reclaim(s, file, json_integer_value(length));
  if (rc != TF_OK)
    return rc;
  tf_line_writer_close(s->out); /* the file init() made goes */
  s->out = NULL;
  unlink(s->tmp_path);
  free(s->tmp_path);
  close(s->fd);
  s->fd = -1;
  if (!(s->tmp_path = strdup(file)))
    return TF_ERR_NOMEM;
  s->snapshot = 1;
  json_decref(s->columns);
  s->columns = json_is_array(columns) ? json_deep_copy(columns) : NULL;
  s->implicit_columns =
      json_is_true(json_object_get(snapshot, "implicit_columns"));
  if ((s->fd = open(file, O_RDONLY | O_CLOEXEC)) < 0 ||
      (fd = open(file, O_WRONLY | O_APPEND | O_CLOEXEC)) < 0)
    return TF_ERR_IO;
  return tf_line_writer_fdopen(&s->out, fd, s->path, s->comp);
}

static const tf_sink_plugin sink_file_plugin = {
    TF_SINK_HEADER,
    .base.name = "file",
    .base.version = "1.0.0",
    .base.description =
        "Writes records to an NDJSON or CSV file, plain or gzip, that appears "
        "atomically when the run ends.",
    .base.license = "MIT",
    .base.options = sink_file_options,
    .base.init = sink_file_init,
    .base.fini = sink_file_fini,
    .write = sink_file_write,
    .flush = sink_file_flush,
    .snapshot = sink_file_snapshot,
    .restore = sink_file_restore,
    .base.check = sink_file_check,
};

TF_SINK_PLUGIN(sink_file, sink_file_plugin)
