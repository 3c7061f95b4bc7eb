/*
 * source_file.c - the `file` source: NDJSON or CSV records from one file or
 * a glob of files, plain or gzip.
 *
 * Owns the expansion of `path` into a sorted file list, the choice of
 * format per file, turning lines or CSV rows into records (each with its
 * file:line origin), the dead-lettering of bad input, and the resume
 * position {"file": NAME, "line": N}: every line up to N of file NAME has
 * been emitted or dead-lettered, and so has every earlier file.
 */
#include <glob.h>
#include <stdlib.h>
#include <string.h>
#include <touchflow/csv.h>
#include <touchflow/linereader.h>
#include <touchflow/plugin.h>

/* Dead-letter records of over-long lines keep this many first bytes. */
#define TOO_LONG_PREFIX 1024

typedef enum file_format { FORMAT_AUTO, FORMAT_NDJSON, FORMAT_CSV } file_format;

typedef struct input_file {
  char *path; /* as found on disk */
  char *name; /* as the user sees it: relative to the pipeline folder */
  file_format format;
} input_file;

typedef struct source_file {
  tf_ctx *ctx; /* the stage, for logging outside produce() */
  const tf_host *host;
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
} source_file;

static const char *const format_values[] = {"auto", "ndjson", "csv", NULL};
static const char *const compression_values[] = {"auto", "none", "gzip", NULL};

static const tf_option source_file_options[] = {
    {"path", TF_OPT_STRING, NULL, TF_OPT_REQUIRED | TF_OPT_PATH, 0, 0, NULL,
     "The file to read, or a glob (\"data/hits-*.ndjson.gz\"); matching files "
     "are read in name order. Relative to the pipeline file's folder."},
    {"format", TF_OPT_ENUM, "auto", 0, 0, 0, format_values,
     "ndjson (one JSON object a line) or csv (header row, RFC 4180). auto: "
     "by extension, .ndjson/.jsonl or .csv, before an optional .gz."},
    {"compression", TF_OPT_ENUM, "auto", 0, 0, 0, compression_values,
     "none or gzip. auto: gzip when the name ends in .gz."},
    {"max_line_length", TF_OPT_SIZE, "1M", TF_OPT_RANGE, 1,
     1024.0 * 1024 * 1024, NULL,
     "Longest line (for CSV: row) accepted; a longer one is dead-lettered "
     "with code line_too_long."},
    {"csv_delimiter", TF_OPT_STRING, ",", 0, 0, 0, NULL,
     "CSV field delimiter, one character (\",\", \";\", \"|\", \"\\t\")."},
    {"csv_empty_as_null", TF_OPT_BOOL, "false", 0, 0, 0, NULL,
     "CSV: an empty field becomes null instead of \"\" (Salesforce exports "
     "write null as an empty field)."},
    {NULL, 0, NULL, 0, 0, 0, NULL, NULL}};

/* --- Setup ------------------------------------------------------------ */

static file_format format_by_name(const char *name)
{
  size_t len = strlen(name);
  static const struct {
    const char *ext;
    file_format format;
  } exts[] = {{".ndjson", FORMAT_NDJSON},
              {".jsonl", FORMAT_NDJSON},
              {".csv", FORMAT_CSV}};
  size_t i;

  if (len >= 3 && strcmp(name + len - 3, ".gz") == 0)
    len -= 3;
  for (i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
    size_t n = strlen(exts[i].ext);

    if (len >= n && strncmp(name + len - n, exts[i].ext, n) == 0)
      return exts[i].format;
  }
  return FORMAT_AUTO;
}

/* The file's name relative to the pipeline folder when it lies inside. */
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

static int add_file(source_file *s, const char *path, const char *base,
                    file_format format)
{
  input_file *f = &s->files[s->nfiles];

  f->path = strdup(path);
  f->name = strdup(relative_name(path, base));
  if (!f->path || !f->name) {
    free(f->path);
    free(f->name);
    return TF_ERR_NOMEM;
  }
  f->format = format != FORMAT_AUTO ? format : format_by_name(path);
  s->nfiles++;
  if (f->format == FORMAT_AUTO) {
    s->host->log(s->ctx, TF_LOG_ERROR,
                 "%s: cannot tell the format from the "
                 "name (.ndjson, .jsonl, .csv): set \"format\"",
                 f->name);
    return TF_ERR_CONFIG;
  }
  return TF_OK;
}

/* Files matching the pattern, in byte order; directories are left out. */
static int expand_glob(source_file *s, tf_ctx *ctx, const char *pattern,
                       const char *base, file_format format)
{
  glob_t g;
  size_t i;
  int rc = TF_OK;

  if (glob(pattern, GLOB_MARK, NULL, &g) != 0 || g.gl_pathc == 0) {
    s->host->log(ctx, TF_LOG_ERROR, "%s: no file matches",
                 relative_name(pattern, base));
    rc = TF_ERR_NOTFOUND;
    goto out_free_glob;
  }
  qsort(g.gl_pathv, g.gl_pathc, sizeof(char *), compare_paths);
  s->files = calloc(g.gl_pathc, sizeof(*s->files));
  if (!s->files) {
    rc = TF_ERR_NOMEM;
    goto out_free_glob;
  }
  for (i = 0; i < g.gl_pathc && rc == TF_OK; i++) {
    const char *p = g.gl_pathv[i];

    if (p[strlen(p) - 1] != '/')
      rc = add_file(s, p, base, format);
  }
  if (rc == TF_OK && s->nfiles == 0) {
    s->host->log(ctx, TF_LOG_ERROR, "%s: matches only folders",
                 relative_name(pattern, base));
    rc = TF_ERR_NOTFOUND;
  }
out_free_glob:
  globfree(&g);
  return rc;
}

static int read_options(source_file *s, tf_ctx *ctx, const tf_config *cfg,
                        file_format *format)
{
  const char *fmt = tf_config_string(cfg, "format");
  const char *delim = tf_config_string(cfg, "csv_delimiter");

  *format = !fmt || strcmp(fmt, "auto") == 0 ? FORMAT_AUTO
            : strcmp(fmt, "csv") == 0        ? FORMAT_CSV
                                             : FORMAT_NDJSON;
  if (tf_compression_parse(tf_config_string(cfg, "compression"),
                           &s->compression) != TF_OK)
    s->compression = TF_COMPRESSION_AUTO;
  s->max_line_length = (size_t)tf_config_int(cfg, "max_line_length");
  s->csv_flags =
      tf_config_bool(cfg, "csv_empty_as_null") ? TF_CSV_EMPTY_AS_NULL : 0;
  if (!delim || strlen(delim) != 1 || strchr("\"\r\n", delim[0])) {
    s->host->log(ctx, TF_LOG_ERROR,
                 "csv_delimiter must be one character, "
                 "not a quote or a line end");
    return TF_ERR_CONFIG;
  }
  s->delimiter = delim[0];
  return TF_OK;
}

static void source_file_fini(void *state);

static int source_file_init(tf_ctx *ctx, const tf_host *host,
                            const tf_config *cfg, void **state)
{
  source_file *s = calloc(1, sizeof(*s));
  file_format format;
  int rc;

  *state = NULL;
  if (!s)
    return TF_ERR_NOMEM;
  s->ctx = ctx;
  s->host = host;
  rc = read_options(s, ctx, cfg, &format);
  if (rc == TF_OK)
    rc = expand_glob(s, ctx, tf_config_string(cfg, "path"),
                     tf_config_base_dir(cfg), format);
  if (rc != TF_OK) {
    source_file_fini(s);
    return rc;
  }
  *state = s;
  return TF_OK;
}

static void close_current(source_file *s)
{
  tf_line_reader_close(s->lines);
  tf_csv_reader_close(s->csv);
  s->lines = NULL;
  s->csv = NULL;
}

static void source_file_fini(void *state)
{
  source_file *s = state;
  size_t i;

  if (!s)
    return;
  close_current(s);
  for (i = 0; i < s->nfiles; i++) {
    free(s->files[i].path);
    free(s->files[i].name);
  }
  free(s->files);
  free(s);
}

/* --- Reading ---------------------------------------------------------- */

static int open_current(source_file *s, tf_ctx *ctx)
{
  const input_file *f = &s->files[s->index];
  tf_line_reader *lines;
  int rc;

  rc = tf_line_reader_open(&lines, f->path, s->compression, s->max_line_length);
  if (rc != TF_OK) {
    s->host->log(ctx, TF_LOG_ERROR, "%s: cannot open: %s", f->name,
                 tf_strerror(rc));
    return rc;
  }
  if (f->format == FORMAT_NDJSON) {
    s->lines = lines;
    return TF_OK;
  }
  rc = tf_csv_reader_new(&s->csv, lines, s->delimiter, s->max_line_length);
  if (rc != TF_OK)
    s->host->log(ctx, TF_LOG_ERROR, "%s: cannot read the CSV header: %s",
                 f->name, tf_strerror(rc));
  return rc;
}

/* Sends the first bytes of a bad line or row to the dead-letter output. */
static int reject_text(source_file *s, tf_ctx *ctx, const char *text,
                       size_t len, long line, const char *code,
                       const char *message)
{
  tf_origin origin = {s->files[s->index].name, line};
  tf_record *raw;
  int rc;

  if (strcmp(code, "line_too_long") == 0 && len > TOO_LONG_PREFIX)
    len = TOO_LONG_PREFIX;
  raw = tf_record_new_raw(text, len, &origin);
  if (!raw)
    return TF_ERR_NOMEM;
  rc = s->host->reject(ctx, raw, code, message);
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
  size_t i;

  for (i = 0; i < ln->len; i++)
    if (!strchr(" \t\r", ln->text[i]))
      return 0;
  return 1;
}

static int ndjson_line(source_file *s, tf_ctx *ctx, const tf_line *ln)
{
  tf_origin origin = {s->files[s->index].name, ln->number};
  char err[256];
  tf_record *rec;

  if (is_blank(ln))
    return TF_OK;
  rec = tf_record_parse(ln->text, ln->len, &origin, err, sizeof(err));
  if (rec)
    return s->host->emit(ctx, rec);
  return reject_text(s, ctx, ln->text, ln->len, ln->number,
                     ndjson_error_code(ln), err);
}

/* Handles the next NDJSON line: TF_OK, TF_LINE_EOF or an error. */
static int ndjson_next(source_file *s, tf_ctx *ctx)
{
  tf_line ln;
  int rc = tf_line_reader_next(s->lines, &ln);

  if ((rc == TF_OK || rc == TF_ERR_TOOLONG) && ln.number <= s->resume_line)
    return TF_OK;
  if (rc == TF_OK)
    return ndjson_line(s, ctx, &ln);
  if (rc == TF_ERR_TOOLONG)
    return reject_text(s, ctx, ln.text, ln.len, ln.number, "line_too_long",
                       tf_line_reader_error(s->lines));
  if (rc != TF_LINE_EOF)
    s->host->log(ctx, TF_LOG_ERROR, "%s", tf_line_reader_error(s->lines));
  return rc;
}

static int csv_row(source_file *s, tf_ctx *ctx, const tf_csv_row *row)
{
  tf_origin origin = {s->files[s->index].name, row->line};
  json_t *obj;
  tf_record *place, *rec;
  int rc;

  rc =
      tf_csv_row_to_json(tf_csv_reader_header(s->csv), row, s->csv_flags, &obj);
  if (rc == TF_ERR_PARSE)
    return reject_text(s, ctx, row->raw, row->raw_len, row->line,
                       "invalid_utf8", "a field is not valid UTF-8");
  if (rc != TF_OK)
    return rc;
  place = tf_record_new_raw(NULL, 0, &origin);
  if (!place) {
    json_decref(obj);
    return TF_ERR_NOMEM;
  }
  rec = tf_record_derive(place, obj);
  tf_record_unref(place);
  return rec ? s->host->emit(ctx, rec) : TF_ERR_NOMEM;
}

/* Handles the next CSV row: TF_OK, TF_LINE_EOF or an error. */
static int csv_next(source_file *s, tf_ctx *ctx)
{
  tf_csv_row row;
  int rc = tf_csv_reader_next(s->csv, &row);

  if (rc == TF_CSV_EOF)
    return TF_LINE_EOF;
  if ((rc == TF_OK || rc == TF_ERR_PARSE || rc == TF_ERR_TOOLONG) &&
      row.line <= s->resume_line)
    return TF_OK;
  if (rc == TF_OK)
    return csv_row(s, ctx, &row);
  if (rc == TF_ERR_PARSE || rc == TF_ERR_TOOLONG)
    return reject_text(s, ctx, row.raw, row.raw_len, row.line,
                       tf_csv_error_code(tf_csv_reader_row_error(s->csv)),
                       tf_csv_reader_error(s->csv));
  s->host->log(ctx, TF_LOG_ERROR, "%s", tf_csv_reader_error(s->csv));
  return rc;
}

static int source_file_produce(void *state, tf_ctx *ctx, size_t max_records)
{
  source_file *s = state;
  size_t handled = 0;
  int rc;

  while (handled < max_records) {
    if (s->index >= s->nfiles)
      return TF_DONE;
    if (!s->lines && !s->csv) {
      rc = open_current(s, ctx);
      if (rc != TF_OK)
        return rc;
    }
    rc = s->lines ? ndjson_next(s, ctx) : csv_next(s, ctx);
    if (rc == TF_LINE_EOF) {
      close_current(s);
      s->index++;
      s->resume_line = 0;
    } else if (rc != TF_OK) {
      return rc;
    } else {
      handled++;
    }
  }
  return s->index >= s->nfiles ? TF_DONE : TF_MORE;
}

/* --- Position --------------------------------------------------------- */

static long current_line(const source_file *s)
{
  long line = s->lines ? tf_line_reader_line_number(s->lines)
              : s->csv ? tf_csv_reader_line_number(s->csv)
                       : 0;

  return line > s->resume_line ? line : s->resume_line;
}

static int source_file_position(void *state, json_t **position)
{
  source_file *s = state;
  json_t *file =
      s->index < s->nfiles ? json_string(s->files[s->index].name) : json_null();

  *position = json_pack("{s:o, s:I}", "file", file, "line",
                        (json_int_t)current_line(s));
  return *position ? TF_OK : TF_ERR_NOMEM;
}

/* The index of the file named by a position: a name, an index or null. */
static int find_file(const source_file *s, const json_t *file, size_t *index)
{
  size_t i;

  if (json_is_null(file)) {
    *index = s->nfiles;
    return TF_OK;
  }
  if (json_is_integer(file) && json_integer_value(file) >= 0 &&
      (size_t)json_integer_value(file) <= s->nfiles) {
    *index = (size_t)json_integer_value(file);
    return TF_OK;
  }
  for (i = 0; json_is_string(file) && i < s->nfiles; i++) {
    if (strcmp(s->files[i].name, json_string_value(file)) == 0) {
      *index = i;
      return TF_OK;
    }
  }
  return TF_ERR_NOTFOUND;
}

static int source_file_seek(void *state, const json_t *position)
{
  source_file *s = state;
  const json_t *line = json_object_get(position, "line");
  size_t index;

  if (!json_is_integer(line) || json_integer_value(line) < 0 ||
      find_file(s, json_object_get(position, "file"), &index) != TF_OK) {
    s->host->log(s->ctx, TF_LOG_ERROR,
                 "cannot resume: the position does not "
                 "name one of the input files and a line");
    return TF_ERR_NOTFOUND;
  }
  close_current(s);
  s->index = index;
  s->resume_line = (long)json_integer_value(line);
  return TF_OK;
}

static const tf_plugin source_file_plugin = {
    TF_PLUGIN_HEADER,
    TF_KIND_SOURCE,
    "file",
    "1.0.0",
    "Reads records from NDJSON or CSV files, plain or gzip, one file or a "
    "glob.",
    "MIT",
    source_file_options,
    source_file_init,
    source_file_fini,
    source_file_produce,
    NULL,
    NULL,
    NULL,
    source_file_position,
    source_file_seek,
    NULL,
    NULL,
    {NULL}};

TF_PLUGIN_DEFINE(source_file, source_file_plugin)
