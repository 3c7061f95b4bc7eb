/*
 * sink_report.c - the `report` sink: counts the touchpoints and credit
 * records it receives into small tables and, at flush(), writes one
 * self-contained HTML page (inline CSS, inline SVG stacked bars, a table
 * beside each chart, no script, nothing fetched) and one CSV per table.
 *
 * Memory: one row per distinct key (channel x type, day, model x channel,
 * model x source, model x campaign), never the records.  Every file is
 * written to a temporary name in its folder and renamed into place at
 * flush(): the CSV files first, the HTML page last, so a page on disk
 * always has its tables beside it.  A run that fails or stops leaves
 * nothing under the final names.  Checkpoints: snapshot() saves the tables
 * and counters (not the records), restore() takes them back.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>
#include <touchflow/atomicfile.h>
#include <touchflow/plugin.h>
#include <touchflow/value.h>
#include "report.h"

enum {
  T_CHANNEL_TYPE,
  T_CALLS_CHATS,
  T_DAY,
  T_REV_CHANNEL,
  T_REV_SOURCE,
  T_REV_CAMPAIGN,
  T_DEAD,
  T_SUMMARY,
  T_COUNT
};

/* A table's name (its CSV file and data-table attribute) and columns; b
 * NULL: a one-key table. */
typedef struct table_info {
  const char *id;
  const char *title;
  const char *a;
  const char *b;
  const char *value;
  int money;
} table_info;

static const table_info tables[T_COUNT] = {
    {"touchpoints_by_channel_type", "Touchpoints by channel and type",
     "channel", "type", "touchpoints", 0},
    {"calls_chats_by_channel", "Calls and chats by channel", "channel", "type",
     "touchpoints", 0},
    {"touchpoints_by_day", "Touchpoints per day", "day", NULL, "touchpoints",
     0},
    {"revenue_by_channel", "Revenue by channel", "model", "channel", "revenue",
     1},
    {"revenue_by_source", "Revenue by source", "model", "source", "revenue", 1},
    {"revenue_by_campaign", "Revenue by campaign", "model", "campaign",
     "revenue", 1},
    {"dead_letters", "Records rejected (dead letters) by reason", "reason",
     "stage", "records", 0},
    {"summary", "What the report received", "measure", NULL, "count", 0},
};

/* Okabe & Ito's colour-blind-safe palette (black last). */
static const char *const palette[] = {"#0072B2", "#E69F00", "#009E73",
                                      "#CC79A7", "#56B4E9", "#D55E00",
                                      "#F0E442", "#000000"};
#define PALETTE_SIZE (sizeof(palette) / sizeof(palette[0]))
#define CHART_ROWS 30 /* a chart shows at most this many bars */

typedef struct sink_report {
  tf_ctx *ctx;
  const tf_host *host;
  char *path;
  char *csv_dir;
  char *title;
  char *dead_letters; /* the run's dead-letter file, or NULL */
  tf_report_table t[T_COUNT];
  int64_t touchpoints, credits, credits_no_amount, other;
  int committed;
} sink_report;

static const tf_option sink_report_options[] = {
    {"path", TF_OPT_STRING, NULL, TF_OPT_REQUIRED | TF_OPT_PATH, 0, 0, NULL,
     "The HTML page to write, relative to the pipeline file's folder. "
     "Missing folders are created. It appears, complete, when the run ends."},
    {"csv_dir", TF_OPT_STRING, NULL, TF_OPT_PATH, 0, 0, NULL,
     "The folder for the tables as CSV, one file per table. Default: path "
     "without .html, followed by -tables."},
    {"title", TF_OPT_STRING, "touchflow report", 0, 0, 0, NULL,
     "The page's title."},
    {"dead_letters", TF_OPT_STRING, NULL, TF_OPT_PATH | TF_OPT_READ_AT_END, 0,
     0, NULL,
     "The run's dead-letter file (the pipeline's dead_letter.path), read "
     "when the run ends to count the records rejected by reason code and "
     "stage. Not set: the report has no dead-letter counts."},
    {NULL, 0, NULL, 0, 0, 0, NULL, NULL}};

/* --- Setup ------------------------------------------------------------ */

/* "dir/report.html" -> "dir/report-tables". */
static char *default_csv_dir(const char *path)
{
  size_t len = strlen(path);
  char *dir;

  if (len > 5 && strcmp(path + len - 5, ".html") == 0)
    len -= 5;
  else if (len > 4 && strcmp(path + len - 4, ".htm") == 0)
    len -= 4;
  dir = malloc(len + sizeof("-tables"));
  if (dir) {
    memcpy(dir, path, len);
    strcpy(dir + len, "-tables");
  }
  return dir;
}

static void sink_report_fini(void *state)
{
  sink_report *s = state;
  int i;

  if (!s)
    return;
  for (i = 0; i < T_COUNT; i++)
    tf_report_table_clear(&s->t[i]);
  free(s->path);
  free(s->csv_dir);
  free(s->dead_letters);
  free(s->title);
  free(s);
}

static int sink_report_init(tf_ctx *ctx, const tf_host *host,
                            const tf_config *cfg, void **state)
{
  sink_report *s = calloc(1, sizeof(*s));
  const char *dir = tf_config_string(cfg, "csv_dir");
  const char *dead = tf_config_string(cfg, "dead_letters");

  *state = NULL;
  if (!s)
    return TF_ERR_NOMEM;
  s->ctx = ctx;
  s->host = host;
  s->path = strdup(tf_config_string(cfg, "path"));
  s->title = strdup(tf_config_string(cfg, "title"));
  s->csv_dir = dir ? strdup(dir) : s->path ? default_csv_dir(s->path) : NULL;
  s->dead_letters = dead ? strdup(dead) : NULL;
  if (!s->path || !s->title || !s->csv_dir || (dead && !s->dead_letters)) {
    sink_report_fini(s);
    return TF_ERR_NOMEM;
  }
  *state = s;
  return TF_OK;
}

/* --- Counting --------------------------------------------------------- */

/* A member's string, or "(none)" when it is missing, null or not a
 * string. */
static const char *text_of(const tf_value *root, const char *key, size_t *len)
{
  const char *text = tf_value_string(tf_value_get(root, key), len);

  if (text && *len > 0)
    return text;
  *len = 6;
  return "(none)";
}

static int count_touchpoint(sink_report *s, const tf_value *root)
{
  size_t clen, tlen, dlen;
  const char *channel = text_of(root, "channel", &clen);
  const char *type = text_of(root, "type", &tlen);
  const char *date = text_of(root, "date", &dlen);
  int rc;

  s->touchpoints++;
  rc = tf_report_add(&s->t[T_CHANNEL_TYPE], channel, clen, type, tlen, 1);
  if (rc == TF_OK && ((tlen == 4 && memcmp(type, "Call", 4) == 0) ||
                      (tlen == 8 && memcmp(type, "Web Chat", 8) == 0)))
    rc = tf_report_add(&s->t[T_CALLS_CHATS], channel, clen, type, tlen, 1);
  if (rc == TF_OK)
    rc = tf_report_add(&s->t[T_DAY], date, dlen >= 10 ? 10 : dlen, "", 0, 1);
  return rc;
}

static int count_credit(sink_report *s, tf_ctx *ctx, const tf_record *rec,
                        const tf_value *root)
{
  static const char *const dims[3] = {"channel", "source", "campaign"};
  size_t mlen, alen, len;
  const char *model = text_of(root, "model", &mlen);
  const tf_value *amount = tf_value_get(root, "amount");
  const char *text = tf_value_string(amount, &alen);
  int64_t cents;
  int i, rc = TF_OK;

  if (tf_value_type(amount) == TF_TYPE_NULL ||
      tf_value_type(amount) == TF_TYPE_ABSENT) {
    s->credits++;
    s->credits_no_amount++;
    return TF_OK;
  }
  if (!text || tf_report_parse_cents(text, alen, &cents) != TF_OK)
    return s->host->reject(ctx, rec, "invalid_amount",
                           "amount is not a decimal string with at most two "
                           "decimals");
  s->credits++;
  for (i = 0; i < 3 && rc == TF_OK; i++) {
    const char *key = text_of(root, dims[i], &len);

    rc = tf_report_add(&s->t[T_REV_CHANNEL + i], model, mlen, key, len, cents);
  }
  return rc;
}

static int count_record(sink_report *s, tf_ctx *ctx, const tf_record *rec)
{
  const tf_value *root;
  size_t len;
  const char *type;

  if (!tf_record_has_json(rec))
    return s->host->reject(ctx, rec, "not_json",
                           "the record holds no JSON object");
  if (tf_value_type(root = tf_record_root(rec)) != TF_TYPE_OBJECT)
    return TF_ERR_NOMEM; /* has_json was checked: the index failed */
  type = tf_value_string(tf_value_get(root, "type"), &len);
  if (type && len == 6 && memcmp(type, "credit", 6) == 0)
    return count_credit(s, ctx, rec, root);
  if (tf_value_type(tf_value_get(root, "touchpoint_id")) == TF_TYPE_STRING)
    return count_touchpoint(s, root);
  s->other++;
  return TF_OK;
}

static tf_sink_result sink_report_write(void *state, tf_ctx *ctx,
                                        const tf_batch *batch)
{
  sink_report *s = state;
  size_t i;
  int rc = TF_OK;

  if (s->committed) {
    s->host->log(ctx, TF_LOG_ERROR, "%s: written after the end", s->path);
    return TF_SINK_ERROR;
  }
  for (i = 0; i < tf_batch_count(batch) && rc == TF_OK; i++)
    rc = count_record(s, ctx, tf_batch_get(batch, i));
  if (rc == TF_OK)
    return TF_SINK_OK;
  s->host->log(ctx, TF_LOG_ERROR, "%s: %s", s->path, tf_strerror(rc));
  return TF_SINK_ERROR;
}

/* --- Output ----------------------------------------------------------- */

static void value_text(const table_info *info, int64_t v, char *buf,
                       size_t size)
{
  if (info->money)
    tf_report_format_cents(v, buf, size);
  else
    snprintf(buf, size, "%lld", (long long)v);
}

static void csv_cell(FILE *f, const char *text)
{
  const char *p;

  if (!strpbrk(text, ",\"\r\n")) {
    fputs(text, f);
    return;
  }
  fputc('"', f);
  for (p = text; *p; p++) {
    if (*p == '"')
      fputc('"', f);
    fputc(*p, f);
  }
  fputc('"', f);
}

static void write_csv(FILE *f, const table_info *info, const tf_report_table *t)
{
  size_t i;
  char num[32];

  fprintf(f, "%s,%s%s%s\n", info->a, info->b ? info->b : "", info->b ? "," : "",
          info->value);
  for (i = 0; i < t->count; i++) {
    csv_cell(f, t->rows[i].a);
    fputc(',', f);
    if (info->b) {
      csv_cell(f, t->rows[i].b);
      fputc(',', f);
    }
    value_text(info, t->rows[i].value, num, sizeof(num));
    fprintf(f, "%s\n", num);
  }
}

static void esc(FILE *out, const char *text)
{
  tf_report_html_escape(out, text, strlen(text));
}

/* The distinct strings in rows[].b (filter: only rows whose a is it) in
 * first-seen order, into *list (borrowed pointers).  The count, or
 * (size_t)-1 on ENOMEM. */
static size_t distinct(const tf_report_table *t, int use_b, const char *filter,
                       const char ***list)
{
  size_t i, j, n = 0;
  const char **out = calloc(t->count + 1, sizeof(*out));

  *list = out;
  if (!out)
    return (size_t)-1;
  for (i = 0; i < t->count; i++) {
    const char *key = use_b ? t->rows[i].b : t->rows[i].a;

    if (filter && strcmp(t->rows[i].a, filter) != 0)
      continue;
    /* The rows are sorted by (a, b): a and, under one a, b come in order,
     * so only other b's need a search. */
    if (!use_b || filter)
      j = n > 0 && strcmp(out[n - 1], key) == 0 ? n - 1 : n;
    else
      for (j = 0; j < n && strcmp(out[j], key) != 0; j++)
        ;
    if (j == n)
      out[n++] = key;
  }
  return n;
}

/* An SVG bar chart.  Without filter: one bar per distinct a, stacked by b
 * (one colour per b, a legend below).  With filter: one bar per b of the
 * rows whose a is filter.  Every segment carries a <title> tooltip. */
static int write_chart(FILE *out, const table_info *info,
                       const tf_report_table *t, const char *filter)
{
  const char **bars, **segs = NULL;
  size_t nbars, nsegs = 1, i, j, k, shown;
  int64_t max = 1;
  const int label_w = 190, bar_w = 420, row_h = 24;
  int height, stacked = !filter && info->b;
  char num[32];

  nbars = distinct(t, filter != NULL, filter, &bars);
  if (nbars == (size_t)-1)
    return TF_ERR_NOMEM;
  if (stacked && (nsegs = distinct(t, 1, NULL, &segs)) == (size_t)-1) {
    free(bars);
    return TF_ERR_NOMEM;
  }
  shown = nbars < CHART_ROWS ? nbars : CHART_ROWS;
  for (i = 0; i < shown; i++) {
    int64_t total = 0;

    for (k = 0; k < t->count; k++) {
      const tf_report_row *r = &t->rows[k];

      if (filter ? strcmp(r->a, filter) == 0 && strcmp(r->b, bars[i]) == 0
                 : strcmp(r->a, bars[i]) == 0)
        total += r->value > 0 ? r->value : 0;
    }
    if (total > max)
      max = total;
  }
  height = (int)(shown * row_h) + (stacked ? (int)(nsegs * 20) + 10 : 0) + 4;
  fprintf(out,
          "<svg class=\"chart\" role=\"img\" width=\"%d\" height=\"%d\" "
          "viewBox=\"0 0 %d %d\" aria-label=\"",
          label_w + bar_w + 80, height, label_w + bar_w + 80, height);
  esc(out, info->title);
  fputs("\">\n", out);
  for (i = 0; i < shown; i++) {
    int y = (int)i * row_h, x = label_w;
    int64_t total = 0;

    fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", label_w - 6,
            y + 16);
    esc(out, bars[i]);
    fputs("</text>\n", out);
    for (j = 0; j < nsegs; j++) {
      const tf_report_row *r = filter    ? tf_report_find(t, filter, bars[i])
                               : stacked ? tf_report_find(t, bars[i], segs[j])
                                         : tf_report_find(t, bars[i], "");
      int w;

      if (!r || r->value <= 0)
        continue;
      total += r->value;
      w = (int)((double)r->value / (double)max * bar_w + 0.5);
      value_text(info, r->value, num, sizeof(num));
      fprintf(out,
              "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
              "fill=\"%s\"><title>",
              x, y + 3, w, row_h - 6, palette[j % PALETTE_SIZE]);
      esc(out, bars[i]);
      if (stacked) {
        fputs(" \xc2\xb7 ", out);
        esc(out, segs[j]);
      }
      fprintf(out, ": %s</title></rect>\n", num);
      x += w;
    }
    value_text(info, total, num, sizeof(num));
    fprintf(out, "<text x=\"%d\" y=\"%d\" class=\"total\">%s</text>\n", x + 4,
            y + 16, num);
  }
  for (j = 0; stacked && j < nsegs; j++) {
    int y = (int)(shown * row_h) + 10 + (int)j * 20;

    fprintf(out,
            "<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"14\" "
            "fill=\"%s\"/><text x=\"%d\" y=\"%d\">",
            label_w, y, palette[j % PALETTE_SIZE], label_w + 20, y + 12);
    esc(out, segs[j]);
    fputs("</text>\n", out);
  }
  fputs("</svg>\n", out);
  if (shown < nbars)
    fprintf(out,
            "<p class=\"note\">The chart shows the first %zu of %zu; the "
            "table has them all.</p>\n",
            shown, nbars);
  free(bars);
  free(segs);
  return TF_OK;
}

/* The numbers: one row per table row (filter: only rows whose a is it),
 * each value cell with its number in data-value, as in the CSV. */
static void write_html_table(FILE *out, const table_info *info,
                             const tf_report_table *t, const char *filter)
{
  size_t i;
  char num[32];

  fputs("<table class=\"data\" data-table=\"", out);
  esc(out, info->id);
  fprintf(out, "\"><thead><tr><th scope=\"col\">%s</th>", info->a);
  if (info->b)
    fprintf(out, "<th scope=\"col\">%s</th>", info->b);
  fprintf(out, "<th scope=\"col\" class=\"num\">%s</th></tr></thead><tbody>\n",
          info->value);
  for (i = 0; i < t->count; i++) {
    if (filter && strcmp(t->rows[i].a, filter) != 0)
      continue;
    fputs("<tr><td>", out);
    esc(out, t->rows[i].a);
    if (info->b) {
      fputs("</td><td>", out);
      esc(out, t->rows[i].b);
    }
    value_text(info, t->rows[i].value, num, sizeof(num));
    fprintf(out, "</td><td class=\"num\" data-value=\"%s\">%s</td></tr>\n", num,
            num);
  }
  fputs("</tbody></table>\n", out);
}

static int write_section(FILE *out, int which, const tf_report_table *t,
                         const char *filter)
{
  const table_info *info = &tables[which];
  int rc = TF_OK;

  fputs("<section><h2>", out);
  esc(out, info->title);
  fputs("</h2>\n<div class=\"pair\">\n", out);
  if (t->count == 0)
    fputs("<p class=\"note\">Nothing to show.</p>\n", out);
  else if (which != T_SUMMARY)
    rc = write_chart(out, info, t, filter);
  write_html_table(out, info, t, filter);
  fputs("</div></section>\n", out);
  return rc;
}

static const char css[] =
    "body{font:15px/1.4 system-ui,sans-serif;margin:2em;color:#222;"
    "background:#fff}h1{font-size:1.6em}h2{font-size:1.2em;margin-top:2em}"
    ".pair{display:flex;flex-wrap:wrap;gap:2em;align-items:flex-start}"
    ".chart text{font:13px system-ui,sans-serif;fill:#222}"
    "table.data{border-collapse:collapse}"
    "table.data th,table.data td{border-bottom:1px solid #ddd;"
    "padding:2px 8px;text-align:left}"
    "table.data .num{text-align:right;font-variant-numeric:tabular-nums}"
    ".note{color:#555}.model{display:none}"
    ".switch label{margin-right:1em;cursor:pointer}";

static int write_html(sink_report *s, FILE *out)
{
  const tf_report_table *rev = &s->t[T_REV_CHANNEL];
  const char **models;
  size_t nmodels = distinct(rev, 0, NULL, &models), m;
  int i, rc = TF_OK;

  if (nmodels == (size_t)-1)
    return TF_ERR_NOMEM;
  fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<title>",
        out);
  esc(out, s->title);
  fprintf(out, "</title>\n<style>%s", css);
  for (m = 0; m < nmodels; m++)
    fprintf(out, "#model-%zu:checked~.model-%zu{display:block}", m, m);
  fputs("</style></head><body>\n<h1>", out);
  esc(out, s->title);
  fputs("</h1>\n", out);
  for (i = T_CHANNEL_TYPE; i <= T_DAY && rc == TF_OK; i++)
    rc = write_section(out, i, &s->t[i], NULL);
  fputs("<section><h2>Revenue by attribution model</h2>\n", out);
  if (nmodels == 0)
    fputs("<p class=\"note\">No credit records.</p>\n", out);
  fputs("<div class=\"switch\">\n", out);
  for (m = 0; m < nmodels; m++) {
    fprintf(out,
            "<input type=\"radio\" name=\"model\" id=\"model-%zu\"%s>"
            "<label for=\"model-%zu\">",
            m, m == 0 ? " checked" : "", m);
    esc(out, models[m]);
    fputs("</label>\n", out);
  }
  for (m = 0; m < nmodels && rc == TF_OK; m++) {
    fprintf(out, "<div class=\"model model-%zu\">\n", m);
    for (i = T_REV_CHANNEL; i <= T_REV_CAMPAIGN && rc == TF_OK; i++)
      rc = write_section(out, i, &s->t[i], models[m]);
    fputs("</div>\n", out);
  }
  fputs("</div></section>\n", out);
  if (rc == TF_OK)
    rc = write_section(out, T_DEAD, &s->t[T_DEAD], NULL);
  if (!s->dead_letters)
    fputs("<p class=\"note\">Dead letters are not counted: the report's "
          "dead_letters option names no file (the run's --summary-json has "
          "their counts by reason).</p>\n",
          out);
  if (rc == TF_OK)
    rc = write_section(out, T_SUMMARY, &s->t[T_SUMMARY], NULL);
  fputs("</body></html>\n", out);
  free(models);
  return rc;
}

/* --- Commit ----------------------------------------------------------- */

typedef struct pending {
  char *tmp;
  char *final;
} pending;

/* Opens a temporary file beside `final`. */
static FILE *open_temp(pending *p, const char *final)
{
  FILE *f;
  int fd;

  p->final = strdup(final);
  if (!p->final || tf_atomic_create(final, &p->tmp, &fd) != TF_OK)
    return NULL;
  f = fdopen(fd, "w");
  if (!f)
    close(fd);
  return f;
}

/* Flushes, syncs and closes f; TF_ERR_IO when any of it failed. */
static int close_synced(FILE *f)
{
  int bad = ferror(f) || fflush(f) != 0 || fsync(fileno(f)) < 0;

  return (fclose(f) != 0 || bad) ? TF_ERR_IO : TF_OK;
}

static int summary_table(sink_report *s)
{
  static const char *const names[4] = {"touchpoints", "credits",
                                       "credits_without_amount", "other"};
  int64_t values[4];
  int i, rc = TF_OK;

  values[0] = s->touchpoints;
  values[1] = s->credits;
  values[2] = s->credits_no_amount;
  values[3] = s->other;
  tf_report_table_clear(&s->t[T_SUMMARY]);
  for (i = 0; i < 4 && rc == TF_OK; i++)
    rc = tf_report_add(&s->t[T_SUMMARY], names[i], strlen(names[i]), "", 0,
                       values[i]);
  return rc;
}

/* The dead letters written so far (every stage upstream of the sinks has
 * finished when flush() runs), counted again from the file. */
static int dead_table(sink_report *s, tf_ctx *ctx)
{
  char err[512];
  int rc;

  tf_report_table_clear(&s->t[T_DEAD]);
  if (!s->dead_letters)
    return TF_OK;
  rc = tf_report_count_dead_letters(&s->t[T_DEAD], s->dead_letters, err,
                                    sizeof(err));
  if (rc != TF_OK && rc != TF_ERR_NOMEM)
    s->host->log(ctx, TF_LOG_ERROR, "dead_letters: %s", err);
  return rc;
}

static int sink_report_flush(void *state, tf_ctx *ctx)
{
  sink_report *s = state;
  pending p[T_COUNT + 1];
  size_t dlen = strlen(s->csv_dir);
  int i, n = 0, rc;

  if (s->committed)
    return TF_OK;
  memset(p, 0, sizeof(p));
  rc = summary_table(s);
  if (rc == TF_OK)
    rc = dead_table(s, ctx);
  if (rc == TF_OK && (tf_make_dirs(s->path, 0) != TF_OK ||
                      tf_make_dirs(s->csv_dir, 1) != TF_OK))
    rc = TF_ERR_IO;
  for (i = 0; i < T_COUNT && rc == TF_OK; i++, n++) {
    size_t size = dlen + strlen(tables[i].id) + sizeof("/.csv");
    char *name = malloc(size);
    FILE *f;

    if (!name) {
      rc = TF_ERR_NOMEM;
      break;
    }
    snprintf(name, size, "%s/%s.csv", s->csv_dir, tables[i].id);
    f = open_temp(&p[n], name);
    free(name);
    if (!f) {
      rc = TF_ERR_IO;
      break;
    }
    write_csv(f, &tables[i], &s->t[i]);
    rc = close_synced(f);
  }
  if (rc == TF_OK) {
    FILE *f = open_temp(&p[n++], s->path);

    if (!f)
      rc = TF_ERR_IO;
    else {
      rc = write_html(s, f);
      if (close_synced(f) != TF_OK && rc == TF_OK)
        rc = TF_ERR_IO;
    }
  }
  for (i = 0; i < n && rc == TF_OK; i++)
    rc = tf_atomic_commit(p[i].tmp, p[i].final);
  if (rc != TF_OK)
    s->host->log(ctx, TF_LOG_ERROR, "%s: cannot write the report: %s", s->path,
                 rc == TF_ERR_IO ? strerror(errno) : tf_strerror(rc));
  for (i = 0; i <= T_COUNT; i++) {
    if (rc != TF_OK && p[i].tmp)
      unlink(p[i].tmp);
    free(p[i].tmp);
    free(p[i].final);
  }
  if (rc == TF_OK)
    s->committed = 1;
  return rc;
}

/* --- Checkpoints ------------------------------------------------------ */

/* The tables and counters as they stand: {"tables": [[[a, b, value], ...]
 * per table], "counts": [touchpoints, credits, without amount, other]}.
 * As large as the tables, never the records. */
static int sink_report_snapshot(void *state, json_t **snapshot)
{
  sink_report *s = state;
  json_t *all = json_array();
  int i;
  size_t k;

  *snapshot = NULL;
  if (!all || s->committed) {
    json_decref(all);
    return all ? TF_ERR_INVAL : TF_ERR_NOMEM;
  }
  for (i = 0; i < T_COUNT; i++) {
    json_t *rows = json_array();

    if (!rows || json_array_append_new(all, rows) != 0) {
      json_decref(all);
      return TF_ERR_NOMEM;
    }
    for (k = 0; k < s->t[i].count; k++) {
      const tf_report_row *r = &s->t[i].rows[k];

      if (json_array_append_new(rows, json_pack("[s, s, I]", r->a, r->b,
                                                (json_int_t)r->value)) != 0) {
        json_decref(all);
        return TF_ERR_NOMEM;
      }
    }
  }
  *snapshot = json_pack("{s:o, s:[I, I, I, I]}", "tables", all, "counts",
                        (json_int_t)s->touchpoints, (json_int_t)s->credits,
                        (json_int_t)s->credits_no_amount, (json_int_t)s->other);
  return *snapshot ? TF_OK : TF_ERR_NOMEM;
}

/* Takes the tables and counters of a snapshot back in place of what this
 * instance counted. */
static int sink_report_restore(void *state, const json_t *snapshot)
{
  sink_report *s = state;
  const json_t *all = json_object_get(snapshot, "tables");
  json_int_t c[4];
  int i, rc = TF_OK;

  if (!json_is_array(all) || json_array_size(all) != T_COUNT ||
      json_unpack((json_t *)snapshot, "{s:[I, I, I, I]}", "counts", &c[0],
                  &c[1], &c[2], &c[3]) != 0)
    return TF_ERR_PARSE;
  for (i = 0; i < T_COUNT; i++)
    tf_report_table_clear(&s->t[i]);
  for (i = 0; i < T_COUNT && rc == TF_OK; i++) {
    const json_t *rows = json_array_get(all, (size_t)i), *row;
    size_t k;

    if (!json_is_array(rows))
      rc = TF_ERR_PARSE;
    json_array_foreach (rows, k, row) {
      const char *a, *b;
      json_int_t v;

      if (rc != TF_OK)
        break;
      if (json_unpack((json_t *)row, "[s, s, I]", &a, &b, &v) != 0)
        rc = TF_ERR_PARSE;
      else
        rc = tf_report_add(&s->t[i], a, strlen(a), b, strlen(b), v);
    }
  }
  s->touchpoints = c[0];
  s->credits = c[1];
  s->credits_no_amount = c[2];
  s->other = c[3];
  return rc;
}

static const tf_sink_plugin sink_report_plugin = {
    TF_SINK_HEADER,
    .base.name = "report",
    .base.version = "1.0.0",
    .base.description =
        "Writes one self-contained HTML report (charts and tables of "
        "touchpoints and attributed revenue) and its tables as CSV files, "
        "when the run ends.",
    .base.license = "MIT",
    .base.options = sink_report_options,
    .base.init = sink_report_init,
    .base.fini = sink_report_fini,
    .write = sink_report_write,
    .flush = sink_report_flush,
    .snapshot = sink_report_snapshot,
    .restore = sink_report_restore,
};

TF_SINK_PLUGIN(sink_report, sink_report_plugin)
