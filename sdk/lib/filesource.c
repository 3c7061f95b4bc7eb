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
 */
#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "touchflow/csv.h"
#include "touchflow/error.h"
#include "touchflow/filesource.h"
#include "touchflow/linereader.h"
#include "touchflow/plugin.h"

/* Dead-letter records of over-long lines keep this many first bytes. */
#define TOO_LONG_PREFIX 1024

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

typedef struct input_file {
  char *path; /* as found on disk */
  char *name; /* as the user sees it: relative to the pipeline folder */
  file_format format;
} input_file;

struct tf_file_source {
  tf_ctx *ctx; /* borrowed: the stage */
  const tf_host *host;
  tf_file_source_map_fn map; /* NULL: emit records unchanged */
  void *ud;
  input_file *files;
  size_t nfiles;
  tf_compression compression;
  size_t max_line_length;
  char delimiter;
  unsigned csv_flags;
  size_t index;          /* the file being read; nfiles when done */
  long resume_line;      /* lines up to this one are already handled */
  tf_line_reader *lines; /* open NDJSON file, or NULL */
  tf_csv_reader *csv;    /* open CSV file, or NULL */
  tf_time_order order;   /* the map function emits through it */
};

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

static int add_file(tf_file_source *fs, const char *path, const char *base,
                    file_format format)
{
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
  return check_file(fs, f);
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
  *out = fs;
  return TF_OK;

out_free_source:
  tf_file_source_free(fs);
  return rc;
}

static void close_current(tf_file_source *fs)
{
  tf_line_reader_close(fs->lines);
  tf_csv_reader_close(fs->csv);
  fs->lines = NULL;
  fs->csv = NULL;
}

void tf_file_source_free(tf_file_source *fs)
{
  if (!fs)
    return;
  close_current(fs);
  for (size_t i = 0; i < fs->nfiles; i++) {
    free(fs->files[i].path);
    free(fs->files[i].name);
  }
  free(fs->files);
  free(fs);
}

/* --- Reading ---------------------------------------------------------- */

static int open_current(tf_file_source *fs)
{
  const input_file *f = &fs->files[fs->index];
  tf_line_reader *lines;
  char why[1024];
  int rc;

  rc = tf_line_reader_open(&lines, f->path, fs->compression,
                           fs->max_line_length);
  if (rc != TF_OK) {
    fs->host->log(fs->ctx, TF_LOG_ERROR, "%s: cannot open: %s", f->name,
                  tf_strerror(rc));
    return rc;
  }
  if (f->format == FORMAT_NDJSON) {
    fs->lines = lines;
    return TF_OK;
  }
  rc = tf_csv_reader_open(&fs->csv, lines, fs->delimiter, fs->max_line_length,
                          why, sizeof(why));
  if (rc != TF_OK)
    fs->host->log(fs->ctx, TF_LOG_ERROR, "%s: cannot read the CSV header: %s",
                  f->name, why);
  return rc;
}

static void next_file(tf_file_source *fs)
{
  close_current(fs);
  fs->index++;
  fs->resume_line = 0;
}

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
static const char *ndjson_error_code(const tf_line *ln)
{
  json_error_t jerr;
  json_t *value = json_loadb(
      ln->text, ln->len,
      JSON_DECODE_ANY | JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);

  if (value) {
    json_decref(value);
    return "not_an_object";
  }
  return json_error_code(&jerr) == json_error_invalid_utf8 ? "invalid_utf8"
                                                           : "invalid_json";
}

static int is_blank(const tf_line *ln)
{
  for (size_t i = 0; i < ln->len; i++)
    if (!strchr(" \t\r", ln->text[i]))
      return 0;
  return 1;
}

static int ndjson_line(tf_file_source *fs, const tf_line *ln)
{
  tf_origin origin = {fs->files[fs->index].name, ln->number};
  char err[256];
  tf_record *rec;

  rec = tf_record_parse(ln->text, ln->len, &origin, err, sizeof(err));
  if (rec)
    return pass_on(fs, rec);
  return reject_text(fs, ln->text, ln->len, ln->number, ndjson_error_code(ln),
                     err);
}

/* Handles the next NDJSON line: READ_RECORD, READ_SKIPPED, READ_END or an
 * error. */
static int ndjson_next(tf_file_source *fs)
{
  tf_line ln;
  int rc = tf_line_reader_next(fs->lines, &ln);

  if ((rc == TF_OK || rc == TF_ERR_TOOLONG) && ln.number <= fs->resume_line)
    return READ_SKIPPED;
  if (rc == TF_OK && is_blank(&ln))
    return READ_SKIPPED;
  if (rc == TF_OK)
    return ndjson_line(fs, &ln);
  if (rc == TF_ERR_TOOLONG)
    return reject_text(fs, ln.text, ln.len, ln.number, "line_too_long",
                       tf_line_reader_error(fs->lines));
  if (rc == TF_LINE_EOF)
    return READ_END;
  fs->host->log(fs->ctx, TF_LOG_ERROR, "%s", tf_line_reader_error(fs->lines));
  return rc;
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

static int csv_row(tf_file_source *fs, const tf_csv_row *row)
{
  json_t *obj;
  tf_record *rec;
  int rc;

  rc = tf_csv_row_to_json(tf_csv_reader_header(fs->csv), row, fs->csv_flags,
                          &obj);
  if (rc == TF_ERR_PARSE)
    return reject_text(fs, row->raw, row->raw_len, row->line, "invalid_utf8",
                       "a field is not valid UTF-8");
  if (rc != TF_OK)
    return rc;
  rec = csv_record(fs, obj, row->line);
  return rec ? pass_on(fs, rec) : TF_ERR_NOMEM;
}

/* Handles the next CSV row: READ_RECORD, READ_SKIPPED, READ_END or an
 * error. */
static int csv_next(tf_file_source *fs)
{
  tf_csv_row row;
  int rc = tf_csv_reader_next(fs->csv, &row);

  if (rc == TF_CSV_EOF)
    return READ_END;
  if ((rc == TF_OK || rc == TF_ERR_PARSE || rc == TF_ERR_TOOLONG) &&
      row.line <= fs->resume_line)
    return READ_SKIPPED;
  if (rc == TF_OK)
    return csv_row(fs, &row);
  if (rc == TF_ERR_PARSE || rc == TF_ERR_TOOLONG)
    return reject_text(fs, row.raw, row.raw_len, row.line,
                       tf_csv_error_code(tf_csv_reader_row_error(fs->csv)),
                       tf_csv_reader_row_message(fs->csv));
  fs->host->log(fs->ctx, TF_LOG_ERROR, "%s", tf_csv_reader_error(fs->csv));
  return rc;
}

int tf_file_source_produce(tf_file_source *fs, size_t max_records)
{
  size_t read = 0;
  int rc;

  if (!fs)
    return TF_ERR_INVAL;
  while (read < max_records && fs->index < fs->nfiles) {
    if (!fs->lines && !fs->csv) {
      rc = open_current(fs);
      if (rc != TF_OK)
        return rc;
    }
    rc = fs->lines ? ndjson_next(fs) : csv_next(fs);
    if (rc == READ_END)
      next_file(fs);
    else if (rc == READ_RECORD)
      read++;
    else if (rc != READ_SKIPPED)
      return rc;
  }
  return fs->index >= fs->nfiles ? TF_DONE : TF_MORE;
}

/* --- Position --------------------------------------------------------- */

static long current_line(const tf_file_source *fs)
{
  long line = fs->lines ? tf_line_reader_line_number(fs->lines)
              : fs->csv ? tf_csv_reader_line_number(fs->csv)
                        : 0;

  return line > fs->resume_line ? line : fs->resume_line;
}

int tf_file_source_position(const tf_file_source *fs, json_t **position)
{
  json_t *file;

  if (!fs || !position)
    return TF_ERR_INVAL;
  file = fs->index < fs->nfiles ? json_string(fs->files[fs->index].name)
                                : json_null();
  *position = json_pack("{s:o, s:I}", "file", file, "line",
                        (json_int_t)current_line(fs));
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
  for (size_t i = 0; json_is_string(file) && i < fs->nfiles; i++) {
    if (strcmp(fs->files[i].name, json_string_value(file)) == 0) {
      *index = i;
      return TF_OK;
    }
  }
  return TF_ERR_NOTFOUND;
}

int tf_file_source_seek(tf_file_source *fs, const json_t *position)
{
  const json_t *line = json_object_get(position, "line");
  size_t index;

  if (!fs)
    return TF_ERR_INVAL;
  if (!json_is_integer(line) || json_integer_value(line) < 0 ||
      json_integer_value(line) > LONG_MAX ||
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
  close_current(fs);
  fs->index = index;
  fs->resume_line = (long)json_integer_value(line);
  return TF_OK;
}
