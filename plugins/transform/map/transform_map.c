/*
 * transform_map.c - the `map` transform: builds each output record from
 * fields of its input record (selected, renamed, nested) and constants.
 *
 * Owns the `fields` mapping language (a target path per key; a source path,
 * {"const": v} or {"path": p, "default": v} per value), its validation (the
 * plugin's check(), which init runs too: every bad entry and every pair of
 * conflicting targets is reported, then init fails), and how one record
 * becomes its output: values are read from the untouched input record, then
 * set on a copy of it (or on an empty object with drop_unmapped) that
 * becomes a derived record keeping the input's origin.  It keeps no state
 * between records.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <touchflow/configcheck.h>
#include <touchflow/plugin.h>

typedef enum missing_mode {
  MISSING_SKIP,
  MISSING_NULL,
  MISSING_REJECT
} missing_mode;

/* One entry of `fields`.  Strings and JSON borrowed from the config (which
 * lives until fini) are const; segments and source_top are owned. */
typedef struct mapping {
  const char *target; /* the key as written: "person.email" */
  char *segments;     /* the target split at dots: "person\0email\0" */
  size_t nsegments;
  const char *source;  /* source path; NULL for a constant */
  char *source_top;    /* the source's first name, for remove_sources */
  const json_t *value; /* the constant, or the default; NULL: none */
} mapping;

/* A mapping's value for the record being mapped. */
typedef struct resolved {
  const json_t *value; /* borrowed; NULL: leave the target out */
  int found;           /* the source path was present in the input */
} resolved;

typedef struct transform_map {
  tf_ctx *ctx;
  const tf_host *host;
  mapping *maps;
  resolved *values; /* scratch, one per mapping, for the record in hand */
  size_t count;
  int drop_unmapped;
  int remove_sources;
  missing_mode missing;
} transform_map;

static const char *const missing_values[] = {"skip", "null", "reject", NULL};

static const tf_option transform_map_options[] = {
    {"fields", TF_OPT_OBJECT, NULL, TF_OPT_REQUIRED, 0, 0, NULL,
     "Target field -> value. A target is a dotted path; missing objects on "
     "the way are created (\"person.email\" sets {\"person\": {\"email\": "
     "...}}). A value is a source path string (dotted, array elements by "
     "index: \"messages.0.body\"), {\"const\": any JSON} for a constant, or "
     "{\"path\": \"...\", \"default\": any JSON} for a fallback when the "
     "source is absent. Two targets where one lies inside the other (\"a\" "
     "and \"a.b\") are an error."},
    {"drop_unmapped", TF_OPT_BOOL, "false", 0, 0, 0, NULL,
     "false: the output is the input record with the targets set. true: the "
     "output holds only the targets."},
    {"remove_sources", TF_OPT_BOOL, "false", 0, 0, 0, NULL,
     "Rename instead of copy: remove from the output the top-level field each "
     "found source path starts in (for \"contact.email\", all of "
     "\"contact\") before the targets are set. No effect with "
     "drop_unmapped."},
    {"missing", TF_OPT_ENUM, "skip", 0, 0, 0, missing_values,
     "When a source path is absent and has no default: skip leaves the target "
     "out, null sets it to null, reject sends the record to the dead-letter "
     "output with code missing_field. A null value is present, not absent."},
    {NULL, 0, NULL, 0, 0, 0, NULL, NULL}};

/* --- Paths ------------------------------------------------------------ */

/* 1 when path is a non-empty run of non-empty names separated by dots. */
static int path_is_valid(const char *path)
{
  size_t len = strlen(path);

  return len > 0 && path[0] != '.' && path[len - 1] != '.' &&
         strstr(path, "..") == NULL;
}

/* 1 when inner names a field inside outer ("a.b" inside "a"). */
static int path_is_inside(const char *inner, const char *outer)
{
  size_t len = strlen(outer);

  return strncmp(inner, outer, len) == 0 && inner[len] == '.';
}

/* Splits m->target at its dots into m->segments. */
static int split_target(mapping *m)
{
  char *p;

  m->segments = strdup(m->target);
  if (!m->segments)
    return TF_ERR_NOMEM;
  m->nsegments = 1;
  for (p = strchr(m->segments, '.'); p; p = strchr(p + 1, '.')) {
    *p = '\0';
    m->nsegments++;
  }
  return TF_OK;
}

/* --- Checking `fields` (check(): no I/O, no state) ---------------------- */

/* Reports a problem of the entry `target` at "fields.TARGET". */
static void entry_problem(tf_problem_fn problem, void *ud, const char *target,
                          const char *message)
{
  char path[512];

  snprintf(path, sizeof(path), "fields.%s", target);
  problem(ud, path, message);
}

static int check_source(const char *target, const json_t *path,
                        tf_problem_fn problem, void *ud)
{
  const char *text = json_string_value(path);

  if (text && path_is_valid(text))
    return TF_OK;
  entry_problem(problem, ud, target,
                "the source path must be a string of non-empty names "
                "separated by dots");
  return TF_ERR_CONFIG;
}

/* Every key of an object value is one of the three known ones. */
static int check_object_keys(const char *target, const json_t *value,
                             tf_problem_fn problem, void *ud)
{
  const char *key;
  const json_t *v;
  char message[320];
  int rc = TF_OK;

  json_object_foreach ((json_t *)value, key, v) {
    if (strcmp(key, "path") == 0 || strcmp(key, "default") == 0 ||
        strcmp(key, "const") == 0)
      continue;
    snprintf(message, sizeof(message),
             "unknown key \"%s\" (expected \"path\" with an optional "
             "\"default\", or \"const\")",
             key);
    entry_problem(problem, ud, target, message);
    rc = TF_ERR_CONFIG;
  }
  return rc;
}

/* An object value: {"const": v} or {"path": p[, "default": v]}. */
static int check_object_value(const char *target, const json_t *value,
                              tf_problem_fn problem, void *ud)
{
  const json_t *path = json_object_get(value, "path");
  const json_t *constant = json_object_get(value, "const");

  if (check_object_keys(target, value, problem, ud) != TF_OK)
    return TF_ERR_CONFIG;
  if (constant && (path || json_object_get(value, "default"))) {
    entry_problem(problem, ud, target,
                  "\"const\" cannot be combined with \"path\" or "
                  "\"default\"");
    return TF_ERR_CONFIG;
  }
  if (constant)
    return TF_OK;
  if (!path) {
    entry_problem(problem, ud, target,
                  "expected {\"const\": ...} or {\"path\": ...}");
    return TF_ERR_CONFIG;
  }
  return check_source(target, path, problem, ud);
}

/* One entry of `fields`. */
static int check_entry(const char *target, const json_t *value,
                       tf_problem_fn problem, void *ud)
{
  if (!path_is_valid(target)) {
    entry_problem(problem, ud, target,
                  "a target must be non-empty names separated by dots");
    return TF_ERR_CONFIG;
  }
  if (json_is_string(value))
    return check_source(target, value, problem, ud);
  if (json_is_object(value))
    return check_object_value(target, value, problem, ud);
  entry_problem(problem, ud, target,
                "expected a source path string or {\"const\": ...} or "
                "{\"path\": ..., \"default\": ...}");
  return TF_ERR_CONFIG;
}

/* Every pair of targets where one lies inside the other. */
static int check_conflicts(const json_t *fields, tf_problem_fn problem,
                           void *ud)
{
  const char *outer, *inner;
  const json_t *v, *w;
  char message[640];
  int rc = TF_OK;

  json_object_foreach ((json_t *)fields, outer, v) {
    json_object_foreach ((json_t *)fields, inner, w) {
      if (!path_is_inside(inner, outer))
        continue;
      snprintf(message, sizeof(message),
               "conflicts with fields.%s (a target cannot be both a value "
               "and an object holding other targets)",
               outer);
      entry_problem(problem, ud, inner, message);
      rc = TF_ERR_CONFIG;
    }
  }
  return rc;
}

/* The plugin's check(), which init() runs too: every bad entry and every
 * pair of conflicting targets is reported. */
static int transform_map_check(const tf_config *config, tf_problem_fn problem,
                               void *ud)
{
  const json_t *fields = tf_config_json(config, "fields");
  const char *target;
  const json_t *value;
  int rc = TF_OK;

  if (json_object_size(fields) == 0) {
    problem(ud, "fields", "needs at least one target");
    return TF_ERR_CONFIG;
  }
  json_object_foreach ((json_t *)fields, target, value)
    if (check_entry(target, value, problem, ud) != TF_OK)
      rc = TF_ERR_CONFIG;
  if (check_conflicts(fields, problem, ud) != TF_OK)
    rc = TF_ERR_CONFIG;
  return rc;
}

/* --- Reading the checked `fields` ----------------------------------------- */

static int read_source(mapping *m, const json_t *path)
{
  m->source = json_string_value(path);
  m->source_top = strndup(m->source, strcspn(m->source, "."));
  return m->source_top ? TF_OK : TF_ERR_NOMEM;
}

/* Reads one entry of `fields`, which check_entry accepted, into m. */
static int read_mapping(mapping *m, const char *target, const json_t *value)
{
  const json_t *constant = json_object_get(value, "const");
  int rc;

  m->target = target;
  rc = split_target(m);
  if (rc != TF_OK)
    return rc;
  if (json_is_string(value))
    return read_source(m, value);
  if (constant) {
    m->value = constant;
    return TF_OK;
  }
  m->value = json_object_get(value, "default");
  return read_source(m, json_object_get(value, "path"));
}

/* Reads every entry of the checked `fields`; TF_OK or TF_ERR_NOMEM. */
static int read_fields(transform_map *t, const json_t *fields)
{
  const char *key;
  const json_t *value;
  int rc;

  t->maps = calloc(json_object_size(fields), sizeof(*t->maps));
  t->values = calloc(json_object_size(fields), sizeof(*t->values));
  if (!t->maps || !t->values)
    return TF_ERR_NOMEM;
  json_object_foreach ((json_t *)fields, key, value) {
    rc = read_mapping(&t->maps[t->count++], key, value);
    if (rc != TF_OK)
      return rc;
  }
  return TF_OK;
}

static missing_mode missing_by_name(const char *name)
{
  if (name && strcmp(name, "null") == 0)
    return MISSING_NULL;
  if (name && strcmp(name, "reject") == 0)
    return MISSING_REJECT;
  return MISSING_SKIP;
}

/* --- Lifecycle ---------------------------------------------------------- */

static void transform_map_fini(void *state)
{
  transform_map *t = state;
  size_t i;

  if (!t)
    return;
  for (i = 0; i < t->count; i++) {
    free(t->maps[i].segments);
    free(t->maps[i].source_top);
  }
  free(t->maps);
  free(t->values);
  free(t);
}

static int transform_map_init(tf_ctx *ctx, const tf_host *host,
                              const tf_config *config, void **state)
{
  transform_map *t = calloc(1, sizeof(*t));
  const json_t *fields = tf_config_json(config, "fields");
  int rc;

  if (!t)
    return TF_ERR_NOMEM;
  t->ctx = ctx;
  t->host = host;
  t->drop_unmapped = tf_config_bool(config, "drop_unmapped");
  t->remove_sources = tf_config_bool(config, "remove_sources");
  t->missing = missing_by_name(tf_config_string(config, "missing"));
  rc = tf_check_logged(transform_map_check, config, ctx, host);
  if (rc != TF_OK)
    goto out_free_state;
  rc = read_fields(t, fields);
  if (rc == TF_ERR_NOMEM)
    host->log(ctx, TF_LOG_ERROR, "fields: %s", tf_strerror(rc));
  if (rc != TF_OK)
    goto out_free_state;
  *state = t;
  return TF_OK;

out_free_state:
  transform_map_fini(t);
  return rc;
}

/* --- Mapping one record -------------------------------------------------- */

/* Finds each mapping's value in rec.  Returns the first mapping whose source
 * is absent when missing is reject, else NULL. */
static const mapping *resolve_values(transform_map *t, const tf_record *rec)
{
  size_t i;

  for (i = 0; i < t->count; i++) {
    const mapping *m = &t->maps[i];
    resolved *r = &t->values[i];

    r->value = m->source ? tf_record_get_path(rec, m->source) : m->value;
    r->found = m->source && r->value;
    if (r->value || !m->source)
      continue;
    r->value = m->value;
    if (r->value || t->missing == MISSING_SKIP)
      continue;
    if (t->missing == MISSING_REJECT)
      return m;
    r->value = json_null();
  }
  return NULL;
}

/* Removes the top-level field of every found source from out. */
static void remove_sources(transform_map *t, json_t *out)
{
  size_t i;

  for (i = 0; i < t->count; i++) {
    if (t->values[i].found)
      json_object_del(out, t->maps[i].source_top);
  }
}

/* Sets m's target in out to a copy of value, creating objects on the way.
 * Returns TF_OK, TF_ERR_NOMEM, or TF_ERR_INVAL when a name on the way
 * holds something other than an object (then *blocker names it). */
static int set_target(json_t *out, const mapping *m, const json_t *value,
                      const char **blocker)
{
  const char *name = m->segments;
  json_t *node = out;
  json_t *copy;
  size_t i;

  for (i = 1; i < m->nsegments; i++) {
    json_t *child = json_object_get(node, name);

    if (!child) {
      child = json_object();
      if (json_object_set_new(node, name, child) != 0)
        return TF_ERR_NOMEM;
    } else if (!json_is_object(child)) {
      *blocker = name;
      return TF_ERR_INVAL;
    }
    node = child;
    name += strlen(name) + 1;
  }
  copy = json_deep_copy(value);
  if (!copy || json_object_set_new(node, name, copy) != 0)
    return TF_ERR_NOMEM;
  return TF_OK;
}

/* Sets every resolved target in out; rejects rec when one is blocked.
 * Returns TF_OK with *rejected set when it was, or an error code. */
static int set_targets(transform_map *t, const tf_record *rec, json_t *out,
                       int *rejected)
{
  const char *blocker = NULL;
  size_t i;
  int rc;

  for (i = 0; i < t->count; i++) {
    if (!t->values[i].value)
      continue;
    rc = set_target(out, &t->maps[i], t->values[i].value, &blocker);
    if (rc != TF_ERR_INVAL) {
      if (rc != TF_OK)
        return rc;
      continue;
    }
    *rejected = 1;
    return tf_rejectf(t->host, t->ctx, rec, "target_conflict",
                      "cannot set %s: %s holds a value that is not an object",
                      t->maps[i].target, blocker);
  }
  return TF_OK;
}

/* Builds rec's output object in *out, or rejects rec (*out stays NULL). */
static int build_output(transform_map *t, const tf_record *rec, json_t **out)
{
  const mapping *missing = resolve_values(t, rec);
  json_t *obj;
  int rejected = 0;
  int rc;

  *out = NULL;
  if (missing)
    return tf_rejectf(t->host, t->ctx, rec, "missing_field",
                      "no value at source path %s (for target %s)",
                      missing->source, missing->target);
  obj = t->drop_unmapped ? json_object() : tf_record_copy_json(rec);
  if (!obj)
    return TF_ERR_NOMEM;
  if (t->remove_sources && !t->drop_unmapped)
    remove_sources(t, obj);
  rc = set_targets(t, rec, obj, &rejected);
  if (rc != TF_OK || rejected) {
    json_decref(obj);
    return rc;
  }
  *out = obj;
  return TF_OK;
}

static int map_record(transform_map *t, const tf_record *rec)
{
  json_t *obj;
  tf_record *derived;
  int rc;

  if (!tf_record_json(rec))
    return t->host->reject(t->ctx, rec, "not_an_object",
                           "the record is raw text, not a JSON object");
  rc = build_output(t, rec, &obj);
  if (rc != TF_OK || !obj)
    return rc;
  derived = tf_record_derive(rec, obj);
  if (!derived)
    return TF_ERR_NOMEM;
  return t->host->emit(t->ctx, derived);
}

static int transform_map_process(void *state, tf_ctx *ctx,
                                 const tf_batch *batch)
{
  transform_map *t = state;
  size_t i, n = tf_batch_count(batch);
  int rc;

  for (i = 0; i < n; i++) {
    rc = map_record(t, tf_batch_get(batch, i));
    if (rc != TF_OK)
      return rc;
  }
  return TF_OK;
}

/* Every record is emitted as it is processed: nothing is held. */
static int transform_map_flush(void *state, tf_ctx *ctx)
{
  return TF_OK;
}

static const tf_transform_plugin transform_map_descriptor = {
    TF_TRANSFORM_HEADER,
    .base.name = "map",
    .base.version = "0.1.0",
    .base.description =
        "Builds records from selected, renamed or nested fields and constants.",
    .base.license = "MIT",
    .base.options = transform_map_options,
    .base.init = transform_map_init,
    .base.fini = transform_map_fini,
    .process = transform_map_process,
    .flush = transform_map_flush,
    .base.check = transform_map_check,
};

TF_TRANSFORM_PLUGIN(transform_map, transform_map_descriptor)
