/*
 * summary_json.c - the run's outcome as JSON (summary_json.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"
#include "summary_json.h"

/* What an exit status means (docs/contract.md#exit-status,
 * docs/checkpoints.md). */
static const char *status_name(int status)
{
  switch (status) {
  case 0: return "finished";
  case 1: return "failed";
  case 2: return "refused";
  default: return status > 128 ? "stopped" : "failed";
  }
}

static json_t *utc_now(void)
{
  char buf[32];
  time_t t = time(NULL);
  struct tm tm;

  gmtime_r(&t, &tm);
  strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return json_string(buf);
}

static json_t *stage_json(const tf__stage *s, double elapsed)
{
  json_t *counters = json_object();
  uint64_t moved = s->source ? s->n_out : s->n_in;
  size_t i;

  for (i = 0; counters && i < s->n_metrics; i++)
    json_object_set_new(counters, s->metrics[i].name,
                        json_integer(s->metrics[i].value));
  return json_pack(
      "{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:f, s:b, s:o}", "id",
      s->def->id, "kind", tf_plugin_kind_name(s->plugin->kind), "plugin",
      s->plugin->name, "module", s->def->plugin.module_path, "in",
      (json_int_t)s->n_in, "out", (json_int_t)s->n_out, "rejected",
      (json_int_t)s->n_rejected, "retries", (json_int_t)s->n_retries,
      "records_per_second", elapsed > 0 ? (double)moved / elapsed : 0.0,
      "failed", s->failed, "counters", counters);
}

json_t *tf__summary_json(const tf__runner *r, int status, double elapsed)
{
  json_t *stages = json_array(), *out;
  size_t k;

  for (k = 0; stages && k < r->p->n_stages; k++)
    json_array_append_new(stages,
                          stage_json(&r->stages[r->p->order[k]], elapsed));
  out = json_pack(
      "{s:s, s:i, s:s, s:s, s:i, s:s, s:o, s:f, s:I, s:o, "
      "s:{s:s?, s:I, s:O?}, s:{s:s?, s:b, s:b, s:b, s:I}}",
      "format", TF_SUMMARY_FORMAT, "version", TF_SUMMARY_VERSION, "pipeline",
      r->p->name, "file", r->p->file, "exit_status", status, "status",
      status_name(status), "finished_at", utc_now(), "duration_s", elapsed,
      "records_read", (json_int_t)r->records_read, "stages", stages,
      "dead_letter", "path", tf__dead_letter_path(r->dead_letter), "count",
      (json_int_t)tf__dead_letter_count(r->dead_letter), "by_reason",
      tf__dead_letter_reasons(r->dead_letter), "checkpoint", "state_dir",
      r->opt->state_dir, "resumed", r->resumed, "incremental", r->incremental,
      "nothing_new", r->nothing_new, "sequence", (json_int_t)r->checkpoints);
  return out;
}

json_t *tf__summary_json_refused(const char *pipeline_file,
                                 const tf__diag *diag)
{
  json_t *problems = json_array();
  size_t i;

  for (i = 0; problems && i < diag->n; i++)
    json_array_append_new(problems, json_string(diag->lines[i]));
  return json_pack("{s:s, s:i, s:s, s:i, s:s, s:o, s:o}", "format",
                   TF_SUMMARY_FORMAT, "version", TF_SUMMARY_VERSION, "file",
                   pipeline_file, "exit_status", 2, "status", "refused",
                   "finished_at", utc_now(), "problems", problems);
}

json_t *tf__summary_json_early(const char *pipeline_file, int status,
                               const char *why)
{
  return json_pack("{s:s, s:i, s:s, s:i, s:s, s:o, s:[s]}", "format",
                   TF_SUMMARY_FORMAT, "version", TF_SUMMARY_VERSION, "file",
                   pipeline_file, "exit_status", status, "status",
                   status_name(status), "finished_at", utc_now(), "problems",
                   why);
}

int tf__summary_json_write(const char *path, const json_t *summary, char *err,
                           size_t errlen)
{
  size_t len = strlen(path) + 16;
  char *tmp = malloc(len);
  int rc = TF_OK;

  if (!tmp || !summary) {
    free(tmp);
    snprintf(err, errlen, "out of memory writing the summary");
    return TF_ERR_NOMEM;
  }
  snprintf(tmp, len, "%s.tmp", path);
  if (tf__make_parent_dirs(path) < 0 ||
      json_dump_file(summary, tmp, JSON_INDENT(1) | JSON_ENSURE_ASCII) != 0 ||
      rename(tmp, path) < 0) {
    snprintf(err, errlen, "%s: cannot write the summary: %s", path,
             strerror(errno ? errno : EIO));
    unlink(tmp);
    rc = TF_ERR_IO;
  }
  free(tmp);
  return rc;
}
