/*
 * checkpoint.c - takes and restores consistent checkpoints (checkpoint.h).
 *
 * The checkpoint is one JSON object:
 *   {"format": "touchflow-checkpoint", "version": 1,
 *    "status": "running" | "interrupted",
 *    "pipeline": "pipelines/x.json", "sequence": 3,
 *    "runner": {"records_read": N, "next_source": K},
 *    "dead_letter": {"path": "...", "length": BYTES, "count": LINES},
 *    "stages": [{"id", "plugin", "kind", "config": FINGERPRINT,
 *                "done", "wm_out", "wm_in", "in", "out", "rejected",
 *                "retries", "metrics": {...},
 *                "position" | "snapshot": ...}, ...]}
 * Watermarks are strings (int64 does not survive every JSON reader).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"

/* FNV-1a, 64 bits: a fingerprint, not a secret. */
static uint64_t fnv1a(uint64_t h, const char *s, size_t len)
{
  size_t i;

  for (i = 0; i < len; i++) {
    h ^= (unsigned char)s[i];
    h *= 0x100000001b3ull;
  }
  return h;
}

/* The fingerprint of a stage as written: plugin, kind, inputs and config
 * before ${ENV} substitution (so no secret value goes into it; a changed
 * environment value is not a changed pipeline). */
static void stage_fingerprint(const tf__stage_def *d, char out[17])
{
  uint64_t h = 0xcbf29ce484222325ull;
  char *cfg = d->config_raw
                  ? json_dumps(d->config_raw, JSON_COMPACT | JSON_SORT_KEYS)
                  : NULL;
  size_t i;

  h = fnv1a(h, d->plugin_name, strlen(d->plugin_name) + 1);
  h = fnv1a(h, (const char *)&d->kind, sizeof(d->kind));
  for (i = 0; i < d->n_inputs; i++)
    h = fnv1a(h, d->inputs[i], strlen(d->inputs[i]) + 1);
  if (cfg)
    h = fnv1a(h, cfg, strlen(cfg));
  free(cfg);
  snprintf(out, 17, "%016" PRIx64, h);
}

static int holds_state(const tf__stage *s)
{
  return s->transform && (s->transform->flush || s->transform->advance);
}

int tf__checkpoint_supported(const tf__runner *r, char *err, size_t errlen)
{
  size_t i;

  for (i = 0; i < r->p->n_stages; i++) {
    const tf__stage *s = &r->stages[i];
    const char *lacks = NULL;

    if (s->source && (!s->source->position || !s->source->seek))
      lacks = "it cannot report a position to resume from (no position())";
    else if (holds_state(s) &&
             (!s->transform->snapshot || !s->transform->restore))
      lacks = "it keeps state between batches but cannot save it (no "
              "snapshot())";
    if (lacks) {
      snprintf(err, errlen,
               "--state-dir: stage \"%s\" (%s %s) cannot be checkpointed: %s",
               s->def->id, tf_plugin_kind_name(s->plugin->kind),
               s->plugin->name, lacks);
      return TF_ERR_UNSUPPORTED;
    }
  }
  return TF_OK;
}

static json_t *wm_json(int64_t wm)
{
  char buf[32];

  snprintf(buf, sizeof(buf), "%" PRId64, wm);
  return json_string(buf);
}

static int wm_from_json(const json_t *v, int64_t *wm)
{
  const char *s = json_string_value(v);
  char *end;

  if (!s)
    return -1;
  *wm = (int64_t)strtoll(s, &end, 10);
  return *end ? -1 : 0;
}

/* Whether a transform's state goes on into the next run: it can save it
 * and has no advance() (its state is not a window of event time, which
 * closes at the end of each run). */
static int carries(const tf__stage *s)
{
  return s->transform && s->transform->snapshot && s->transform->restore &&
         !s->transform->advance;
}

/* The plugin's own state of one stage, into obj.  complete: the state the
 * next run goes on from (a finished run's checkpoint): only sources'
 * positions and the snapshots of transforms that carry their state. */
static int stage_state(tf__stage *s, json_t *obj, int complete, char *err,
                       size_t errlen)
{
  int (*snap)(void *, json_t **) = NULL;
  const char *key = "snapshot";
  json_t *state = NULL;
  int rc;

  if (s->source) {
    snap = s->source->position;
    key = "position";
  } else if (s->transform && (!complete || carries(s))) {
    snap = s->transform->snapshot;
  } else if (s->sink && !complete) {
    snap = s->sink->snapshot;
  }
  if (!snap)
    return TF_OK;
  if (s->thread) { /* on its own thread: the last result's position */
    rc = s->position_rc;
    state = json_incref(s->position);
  } else {
    rc = snap(s->state, &state);
  }
  if (rc != TF_OK || !state) {
    snprintf(err, errlen, "stage \"%s\": %s failed%s: %s", s->def->id,
             s->source ? "position()" : "snapshot()",
             complete ? " at the end of the run" : "",
             tf_strerror(rc != TF_OK ? rc : TF_ERR_PLUGIN));
    json_decref(state);
    return rc != TF_OK ? rc : TF_ERR_PLUGIN;
  }
  json_object_set_new(obj, key, state);
  return TF_OK;
}

static json_t *stage_json(tf__stage *s, char *err, size_t errlen)
{
  char fp[17];
  json_t *metrics = json_object();
  json_t *obj;
  size_t i;

  stage_fingerprint(s->def, fp);
  for (i = 0; metrics && i < s->n_metrics; i++)
    json_object_set_new(metrics, s->metrics[i].name,
                        json_integer(s->metrics[i].value));
  obj = json_pack("{s:s, s:s, s:s, s:s, s:b, s:o, s:o, s:I, s:I, s:I, s:I, "
                  "s:o}",
                  "id", s->def->id, "plugin", s->plugin->name, "kind",
                  tf_plugin_kind_name(s->plugin->kind), "config", fp, "done",
                  s->done, "wm_out", wm_json(s->wm_out), "wm_in",
                  wm_json(s->wm_in), "in", (json_int_t)s->n_in, "out",
                  (json_int_t)s->n_out, "rejected", (json_int_t)s->n_rejected,
                  "retries", (json_int_t)s->n_retries, "metrics", metrics);
  if (!obj) {
    snprintf(err, errlen, "out of memory taking a checkpoint");
    return NULL;
  }
  if (stage_state(s, obj, 0, err, errlen) != TF_OK) {
    json_decref(obj);
    return NULL;
  }
  return obj;
}

json_t *tf__checkpoint_take(tf__runner *r, const char *status, char *err,
                            size_t errlen)
{
  json_t *cp, *stages = json_array();
  uint64_t dl_length;
  size_t i;

  if (!stages ||
      tf__dead_letter_sync(r->dead_letter, &dl_length, err, errlen) != TF_OK) {
    json_decref(stages);
    return NULL;
  }
  for (i = 0; i < r->p->n_stages; i++) {
    json_t *st = stage_json(&r->stages[i], err, errlen);

    if (!st) {
      json_decref(stages);
      return NULL;
    }
    json_array_append_new(stages, st);
  }
  cp = json_pack(
      "{s:s, s:i, s:s, s:s, s:I, s:{s:I, s:I}, s:{s:s, s:I, s:I, s:O}, "
      "s:o}",
      "format", TF_CHECKPOINT_FORMAT, "version", TF_CHECKPOINT_VERSION,
      "status", status, "pipeline", r->p->file, "sequence",
      (json_int_t)r->checkpoints + 1, "runner", "records_read",
      (json_int_t)r->records_read, "next_source", (json_int_t)r->next_source,
      "dead_letter", "path", tf__dead_letter_path(r->dead_letter), "length",
      (json_int_t)dl_length, "count",
      (json_int_t)tf__dead_letter_count(r->dead_letter), "reasons",
      tf__dead_letter_reasons(r->dead_letter), "stages", stages);
  if (!cp)
    snprintf(err, errlen, "out of memory taking a checkpoint");
  return cp;
}

/* Finds the entry of stage s in the checkpoint's stages, checking that it
 * is the same stage. */
static const json_t *matching_entry(const tf__stage *s, const json_t *stages,
                                    char *err, size_t errlen)
{
  const json_t *e;
  size_t i;
  char fp[17];

  json_array_foreach (stages, i, e) {
    const char *id = json_string_value(json_object_get(e, "id"));
    const char *plugin = json_string_value(json_object_get(e, "plugin"));
    const char *cfg = json_string_value(json_object_get(e, "config"));

    if (!id || strcmp(id, s->def->id) != 0)
      continue;
    stage_fingerprint(s->def, fp);
    if (!plugin || strcmp(plugin, s->plugin->name) != 0) {
      snprintf(err, errlen,
               "stage \"%s\" runs plugin \"%s\", the checkpoint's ran \"%s\"",
               s->def->id, s->plugin->name, plugin ? plugin : "?");
      return NULL;
    }
    if (!cfg || strcmp(cfg, fp) != 0) {
      snprintf(err, errlen,
               "the config of stage \"%s\" changed since the checkpoint",
               s->def->id);
      return NULL;
    }
    return e;
  }
  snprintf(err, errlen, "stage \"%s\" is new since the checkpoint", s->def->id);
  return NULL;
}

/* Stages in the checkpoint that the pipeline no longer has. */
static int check_removed(const tf__runner *r, const json_t *stages, char *err,
                         size_t errlen)
{
  const json_t *e;
  size_t i;

  json_array_foreach (stages, i, e) {
    const char *id = json_string_value(json_object_get(e, "id"));

    if (!id || tf__pipeline_find(r->p, id) < 0) {
      snprintf(err, errlen, "stage \"%s\" of the checkpoint was removed",
               id ? id : "?");
      return TF_ERR_CONFIG;
    }
  }
  return TF_OK;
}

/* Puts one stage back: counters, watermarks, then the plugin's state. */
static int restore_stage(tf__stage *s, const json_t *e, char *err,
                         size_t errlen)
{
  const tf_host *host = tf__host_table();
  const char *name;
  json_t *v;
  int rc = TF_OK;

  s->done = json_is_true(json_object_get(e, "done"));
  if (wm_from_json(json_object_get(e, "wm_out"), &s->wm_out) < 0 ||
      wm_from_json(json_object_get(e, "wm_in"), &s->wm_in) < 0) {
    snprintf(err, errlen, "stage \"%s\": the checkpoint has no watermarks",
             s->def->id);
    return TF_ERR_PARSE;
  }
  s->n_in = (uint64_t)json_integer_value(json_object_get(e, "in"));
  s->n_out = (uint64_t)json_integer_value(json_object_get(e, "out"));
  s->n_rejected = (uint64_t)json_integer_value(json_object_get(e, "rejected"));
  s->n_retries = (uint64_t)json_integer_value(json_object_get(e, "retries"));
  json_object_foreach (json_object_get(e, "metrics"), name, v)
    host->metric(&s->ctx, name, json_integer_value(v));
  if (s->source && (v = json_object_get(e, "position")))
    rc = s->source->seek(s->state, v);
  else if (s->transform && s->transform->restore &&
           (v = json_object_get(e, "snapshot")))
    rc = s->transform->restore(s->state, v);
  else if (s->sink && s->sink->restore && (v = json_object_get(e, "snapshot")))
    rc = s->sink->restore(s->state, v);
  if (rc != TF_OK)
    snprintf(err, errlen,
             "stage \"%s\" could not resume from the checkpoint: "
             "%s",
             s->def->id, tf_strerror(rc));
  return rc;
}

/* Checks that cp is a checkpoint of this version written by this
 * pipeline: every stage there, none new, none changed, none removed. */
static int check_pipeline(const tf__runner *r, const json_t *cp, char *err,
                          size_t errlen)
{
  const json_t *stages = json_object_get(cp, "stages");
  const json_t *dl = json_object_get(cp, "dead_letter");
  const char *format = json_string_value(json_object_get(cp, "format"));
  size_t i;

  if (!format || strcmp(format, TF_CHECKPOINT_FORMAT) != 0 ||
      json_integer_value(json_object_get(cp, "version")) !=
          TF_CHECKPOINT_VERSION ||
      !json_is_array(stages) || !json_is_object(dl)) {
    snprintf(err, errlen, "not a touchflow checkpoint of version %d",
             TF_CHECKPOINT_VERSION);
    return TF_ERR_PARSE;
  }
  if (check_removed(r, stages, err, errlen) != TF_OK)
    return TF_ERR_CONFIG;
  for (i = 0; i < r->p->n_stages; i++)
    if (!matching_entry(&r->stages[i], stages, err, errlen))
      return TF_ERR_CONFIG;
  return TF_OK;
}

int tf__checkpoint_restore(tf__runner *r, const json_t *cp, char *err,
                           size_t errlen)
{
  const json_t *stages = json_object_get(cp, "stages");
  const json_t *dl = json_object_get(cp, "dead_letter");
  const json_t *runner = json_object_get(cp, "runner");
  size_t i;
  int rc;

  if ((rc = check_pipeline(r, cp, err, errlen)) != TF_OK)
    return rc;
  if (!json_is_object(runner)) {
    snprintf(err, errlen, "not a touchflow checkpoint of version %d",
             TF_CHECKPOINT_VERSION);
    return TF_ERR_PARSE;
  }
  rc = tf__dead_letter_rewind(
      r->dead_letter,
      (uint64_t)json_integer_value(json_object_get(dl, "length")),
      (uint64_t)json_integer_value(json_object_get(dl, "count")),
      json_object_get(dl, "reasons"), err, errlen);
  for (i = 0; rc == TF_OK && i < r->p->n_stages; i++)
    rc = restore_stage(&r->stages[i],
                       matching_entry(&r->stages[i], stages, err, errlen), err,
                       errlen);
  if (rc != TF_OK)
    return rc;
  r->records_read =
      (uint64_t)json_integer_value(json_object_get(runner, "records_read"));
  r->next_source =
      (size_t)json_integer_value(json_object_get(runner, "next_source"));
  r->checkpoints =
      (uint64_t)json_integer_value(json_object_get(cp, "sequence"));
  if (r->next_source >= r->p->n_stages)
    r->next_source = 0;
  return TF_OK;
}

/* --- Incremental runs --------------------------------------------------- */

json_t *tf__checkpoint_take_complete(tf__runner *r, char *err, size_t errlen)
{
  json_t *cp, *st, *stages = json_array();
  uint64_t dl_length;
  char fp[17];
  size_t i;

  if (!stages ||
      tf__dead_letter_sync(r->dead_letter, &dl_length, err, errlen) != TF_OK) {
    json_decref(stages);
    return NULL;
  }
  for (i = 0; i < r->p->n_stages; i++) {
    tf__stage *s = &r->stages[i];

    stage_fingerprint(s->def, fp);
    st = json_pack("{s:s, s:s, s:s, s:s}", "id", s->def->id, "plugin",
                   s->plugin->name, "kind",
                   tf_plugin_kind_name(s->plugin->kind), "config", fp);
    if (!st || json_array_append_new(stages, st) != 0 ||
        stage_state(s, st, 1, err, errlen) != TF_OK) {
      if (!st)
        snprintf(err, errlen, "out of memory taking a checkpoint");
      json_decref(stages);
      return NULL;
    }
  }
  cp = json_pack("{s:s, s:i, s:s, s:s, s:I, s:{s:I}, s:{s:s, s:I}, s:o}",
                 "format", TF_CHECKPOINT_FORMAT, "version",
                 TF_CHECKPOINT_VERSION, "status", "complete", "pipeline",
                 r->p->file, "sequence", (json_int_t)r->checkpoints + 1,
                 "runner", "records_read", (json_int_t)r->records_read,
                 "dead_letter", "path", tf__dead_letter_path(r->dead_letter),
                 "length", (json_int_t)dl_length, "stages", stages);
  if (!cp)
    snprintf(err, errlen, "out of memory taking a checkpoint");
  return cp;
}

/* Goes on with the dead-letter file of the last run: cut back to its
 * length then when it is the same file and still that long, else (moved
 * away, or another path) written on at its end. */
static int continue_dead_letter(tf__runner *r, const json_t *dl, char *err,
                                size_t errlen)
{
  const char *path = json_string_value(json_object_get(dl, "path"));
  json_int_t length = json_integer_value(json_object_get(dl, "length"));
  uint64_t now;

  if (tf__dead_letter_sync(r->dead_letter, &now, err, errlen) != TF_OK)
    return TF_ERR_IO;
  if (!path || strcmp(path, tf__dead_letter_path(r->dead_letter)) != 0 ||
      length < 0 || now < (uint64_t)length)
    return TF_OK;
  return tf__dead_letter_rewind(r->dead_letter, (uint64_t)length, 0, NULL, err,
                                errlen);
}

int tf__checkpoint_continue(tf__runner *r, const json_t *cp, char *err,
                            size_t errlen)
{
  const json_t *stages = json_object_get(cp, "stages");
  const json_t *e, *v = NULL;
  size_t i;
  int rc;

  if ((rc = check_pipeline(r, cp, err, errlen)) != TF_OK)
    return rc;
  rc = continue_dead_letter(r, json_object_get(cp, "dead_letter"), err, errlen);
  for (i = 0; rc == TF_OK && i < r->p->n_stages; i++) {
    tf__stage *s = &r->stages[i];

    e = matching_entry(s, stages, err, errlen);
    if (s->source && !(v = json_object_get(e, "position"))) {
      snprintf(err, errlen, "stage \"%s\": the checkpoint has no position",
               s->def->id);
      return TF_ERR_PARSE;
    }
    if (s->source)
      rc = s->source->seek(s->state, v);
    else if (carries(s) && (v = json_object_get(e, "snapshot")))
      rc = s->transform->restore(s->state, v);
    if (rc != TF_OK)
      snprintf(err, errlen,
               "stage \"%s\" could not go on from the last run: %s", s->def->id,
               tf_strerror(rc));
  }
  r->checkpoints =
      (uint64_t)json_integer_value(json_object_get(cp, "sequence"));
  return rc;
}

void tf__checkpoint_print(const json_t *cp, FILE *out)
{
  const json_t *dl = json_object_get(cp, "dead_letter");
  const char *status = json_string_value(json_object_get(cp, "status"));
  const json_t *e;
  size_t i;

  fprintf(out, "checkpoint %" JSON_INTEGER_FORMAT " of %s: %s\n",
          json_integer_value(json_object_get(cp, "sequence")),
          json_string_value(json_object_get(cp, "pipeline")),
          status ? status : "?");
  if (status && strcmp(status, "complete") == 0)
    fputs("  the last run finished and committed its output; the next run "
          "reads only what was added to the inputs since (below: where each "
          "source goes on)\n",
          out);
  fprintf(out, "  records read: %" JSON_INTEGER_FORMAT "\n",
          json_integer_value(
              json_object_get(json_object_get(cp, "runner"), "records_read")));
  fprintf(out,
          "  dead letters: %" JSON_INTEGER_FORMAT " (%s, %" JSON_INTEGER_FORMAT
          " bytes)\n",
          json_integer_value(json_object_get(dl, "count")),
          json_string_value(json_object_get(dl, "path")),
          json_integer_value(json_object_get(dl, "length")));
  json_array_foreach (json_object_get(cp, "stages"), i, e) {
    const json_t *state = json_object_get(e, "position");
    char *text;

    if (!state)
      state = json_object_get(e, "snapshot");
    text = state ? json_dumps(state, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    fprintf(out,
            "  %-9s %-16s %-14s in %" JSON_INTEGER_FORMAT
            ", out %" JSON_INTEGER_FORMAT "%s\n",
            json_string_value(json_object_get(e, "kind")),
            json_string_value(json_object_get(e, "id")),
            json_string_value(json_object_get(e, "plugin")),
            json_integer_value(json_object_get(e, "in")),
            json_integer_value(json_object_get(e, "out")),
            json_is_true(json_object_get(e, "done")) ? ", ended" : "");
    if (text)
      fprintf(out, "    %s: %.400s%s\n",
              json_object_get(e, "position") ? "position" : "snapshot", text,
              strlen(text) > 400 ? "..." : "");
    free(text);
  }
}
