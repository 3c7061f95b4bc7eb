/*
 * transform_map.c - the `map` transform: builds each output record from
 * fields of its input record (selected, renamed, nested) and constants.
 *
 * Owns the `fields` mapping language (a target path per key; a source path,
 * {"const": v} or {"path": p, "default": v} per value), its validation (the
 * plugin's check(), which init runs too: every bad entry and every pair of
 * conflicting targets is reported, then init fails), and how one record
 * becomes its output.  Records are read through their value index
 * (touchflow/value.h) and the output is written with one reused tf_builder
 * (touchflow/builder.h): no jansson tree is built for a record.  The
 * values are found in the untouched input first; then the output object is
 * written in one walk over the input's top-level members (none with
 * drop_unmapped), in their order: a member no target touches is copied as
 * its text stands (tf_builder_value), one a target replaces gets the new
 * value in its place, one a nested target goes into is walked the same way;
 * then the targets not yet written follow, in the order of `fields`.  This
 * is the key order the jansson version had (a copy of the input, removed
 * sources deleted, targets set one after the other).  The finished record
 * keeps the input's origin.  Constants and defaults are JSON text of one
 * record made at init, copied like any value.  It keeps no state between
 * records.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <touchflow/builder.h>
#include <touchflow/configcheck.h>
#include <touchflow/plugin.h>
#include <touchflow/value.h>

#define NONE ((size_t)-1)

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
  const char **names; /* each name in segments */
  size_t nsegments;
  const char *source; /* source path; NULL for a constant */
  char *source_top;   /* the source's first name, for remove_sources */
  size_t source_top_len;
  const json_t *value;   /* the constant, or the default; NULL: none */
  const tf_value *fixed; /* value as a tf_value of the fixed record */
} mapping;

/* A mapping's value for the record being mapped. */
typedef struct resolved {
  const tf_value *value; /* borrowed; NULL: leave the target out */
  int found;             /* the source path was present in the input */
} resolved;

typedef struct transform_map {
  tf_ctx *ctx;
  const tf_host *host;
  mapping *maps;
  resolved *values; /* scratch, one per mapping, for the record in hand */
  size_t count;
  size_t *common;       /* [i * count + j]: names targets i and j share */
  tf_record *fixed;     /* {"0": constant or default of mapping 0, ...,
                             "null": null}, made at init */
  const tf_value *null; /* its "null" */
  tf_builder *builder;  /* writes every output record */
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

/* Splits m->target at its dots into m->segments and m->names. */
static int split_target(mapping *m)
{
  char *p;
  size_t i;

  m->segments = strdup(m->target);
  if (!m->segments)
    return TF_ERR_NOMEM;
  m->nsegments = 1;
  for (p = strchr(m->segments, '.'); p; p = strchr(p + 1, '.')) {
    *p = '\0';
    m->nsegments++;
  }
  m->names = calloc(m->nsegments, sizeof(*m->names));
  if (!m->names)
    return TF_ERR_NOMEM;
  for (i = 0, p = m->segments; i < m->nsegments; i++, p += strlen(p) + 1)
    m->names[i] = p;
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
  m->source_top_len = strcspn(m->source, ".");
  m->source_top = strndup(m->source, m->source_top_len);
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

/* How many leading names targets a and b share. */
static size_t shared_names(const mapping *a, const mapping *b)
{
  size_t d = 0;

  while (d < a->nsegments && d < b->nsegments &&
         strcmp(a->names[d], b->names[d]) == 0)
    d++;
  return d;
}

/* The record of the constants and defaults, {"0": v0, "3": v3, ...,
 * "null": null} by mapping index, as jansson writes them (JSON_COMPACT),
 * and each mapping's tf_value in it. */
static int make_fixed(transform_map *t)
{
  json_t *obj = json_object();
  char *text = NULL, key[32];
  size_t i;
  int rc = TF_ERR_NOMEM;

  if (!obj || json_object_set_new(obj, "null", json_null()) != 0)
    goto out;
  for (i = 0; i < t->count; i++) {
    snprintf(key, sizeof(key), "%zu", i);
    if (t->maps[i].value &&
        json_object_set(obj, key, (json_t *)t->maps[i].value) != 0)
      goto out;
  }
  text = json_dumps(obj, JSON_COMPACT);
  t->fixed = text ? tf_record_parse(text, strlen(text), NULL, NULL, 0) : NULL;
  if (!t->fixed)
    goto out;
  t->null = tf_record_value(t->fixed, "null");
  if (tf_value_type(t->null) != TF_TYPE_NULL)
    goto out; /* the index could not be built */
  for (i = 0; i < t->count; i++) {
    snprintf(key, sizeof(key), "%zu", i);
    if (t->maps[i].value)
      t->maps[i].fixed = tf_record_value(t->fixed, key);
  }
  rc = TF_OK;
out:
  free(text);
  json_decref(obj);
  return rc;
}

/* What mapping records needs besides the mappings: the names targets
 * share, the fixed record and the builder. */
static int prepare(transform_map *t)
{
  size_t i, j;

  t->common = calloc(t->count * t->count, sizeof(*t->common));
  t->builder = tf_builder_new();
  if (!t->common || !t->builder)
    return TF_ERR_NOMEM;
  for (i = 0; i < t->count; i++)
    for (j = 0; j < t->count; j++)
      t->common[i * t->count + j] = shared_names(&t->maps[i], &t->maps[j]);
  return make_fixed(t);
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
    free((void *)t->maps[i].names);
    free(t->maps[i].source_top);
  }
  free(t->maps);
  free(t->values);
  free(t->common);
  tf_record_unref(t->fixed);
  tf_builder_free(t->builder);
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
  if (rc == TF_OK)
    rc = prepare(t);
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

/* Finds each mapping's value in the record whose root is root.  Returns
 * the first mapping whose source is absent when missing is reject, else
 * NULL. */
static const mapping *resolve_values(transform_map *t, const tf_value *root)
{
  size_t i;

  for (i = 0; i < t->count; i++) {
    const mapping *m = &t->maps[i];
    resolved *r = &t->values[i];

    r->value = m->source ? tf_value_path(root, m->source) : m->fixed;
    r->found = m->source && r->value;
    if (r->value || !m->source)
      continue;
    r->value = m->fixed;
    if (r->value || t->missing == MISSING_SKIP)
      continue;
    if (t->missing == MISSING_REJECT)
      return m;
    r->value = t->null;
  }
  return NULL;
}

/* 1 when the top-level field key (len bytes) is removed from the output:
 * the first name of a found source, with remove_sources. */
static int is_removed(const transform_map *t, const char *key, size_t len)
{
  size_t i;

  if (!t->remove_sources || t->drop_unmapped)
    return 0;
  for (i = 0; i < t->count; i++) {
    const mapping *m = &t->maps[i];

    if (t->values[i].found && m->source_top_len == len &&
        memcmp(m->source_top, key, len) == 0)
      return 1;
  }
  return 0;
}

/* Rejects rec (*rejected = 1) when a name on the way to a target holds a
 * value that is not an object, naming the first such target in the order
 * of `fields`.  Objects on the way that the record lacks (or that
 * remove_sources removes) are created, so they never block, nor do those
 * other targets create. */
static int check_targets(transform_map *t, const tf_record *rec,
                         const tf_value *root, int *rejected)
{
  size_t i, d;

  for (i = 0; i < t->count; i++) {
    const mapping *m = &t->maps[i];
    const tf_value *node = root;

    if (!t->values[i].value)
      continue;
    for (d = 0; d + 1 < m->nsegments; d++) {
      if (d == 0 && is_removed(t, m->names[0], strlen(m->names[0])))
        break;
      node = tf_value_get(node, m->names[d]);
      if (!node)
        break;
      if (tf_value_type(node) == TF_TYPE_OBJECT)
        continue;
      *rejected = 1;
      return tf_rejectf(t->host, t->ctx, rec, "target_conflict",
                        "cannot set %s: %s holds a value that is not an "
                        "object",
                        m->target, m->names[d]);
    }
  }
  return TF_OK;
}

/* 1 when a JSON text may hold whitespace between its tokens (bytes of a
 * string count too: then the value is just walked, which is right too). */
static int may_hold_space(const char *raw, size_t len)
{
  size_t i;

  for (i = 0; i < len; i++)
    if (raw[i] == ' ' || raw[i] == '\n' || raw[i] == '\t' || raw[i] == '\r')
      return 1;
  return 0;
}

/* Writes a copy of v: its text as it stands, except that an object or
 * array written with spaces in it is written compact, member by member. */
static void copy_value(tf_builder *b, const tf_value *v)
{
  tf_type type = tf_value_type(v);
  const tf_value *m;
  size_t len;
  const char *raw;

  if (type != TF_TYPE_OBJECT && type != TF_TYPE_ARRAY) {
    tf_builder_value(b, v);
    return;
  }
  raw = tf_value_raw(v, &len);
  if (!raw || !may_hold_space(raw, len)) {
    tf_builder_value(b, v);
    return;
  }
  if (type == TF_TYPE_OBJECT)
    tf_builder_begin_object(b);
  else
    tf_builder_begin_array(b);
  for (m = tf_value_first(v); m; m = tf_value_next(m)) {
    if (type == TF_TYPE_OBJECT) {
      const char *key = tf_value_key(m, &len);

      tf_builder_keyn(b, key, len);
    }
    copy_value(b, m);
  }
  if (type == TF_TYPE_OBJECT)
    tf_builder_end_object(b);
  else
    tf_builder_end_array(b);
}

/* 1 when mapping j has a value and lies in the object that mapping p's
 * target has at depth d (every mapping at depth 0, p NONE). */
static int in_group(const transform_map *t, size_t p, size_t j, size_t d)
{
  return t->values[j].value && (p == NONE || t->common[p * t->count + j] >= d);
}

/* The first mapping of p's group at depth d whose name there is key (len
 * bytes), or NONE. */
static size_t find_target(const transform_map *t, size_t p, size_t d,
                          const char *key, size_t len)
{
  size_t j;

  for (j = 0; j < t->count; j++) {
    const char *name;

    if (!in_group(t, p, j, d))
      continue;
    name = t->maps[j].names[d];
    if (strncmp(name, key, len) == 0 && name[len] == '\0')
      return j;
  }
  return NONE;
}

/* 1 when j is the first mapping of p's group at depth d with its name. */
static int is_first_with_name(const transform_map *t, size_t p, size_t j,
                              size_t d)
{
  size_t k;

  for (k = 0; k < j; k++)
    if (in_group(t, p, k, d) && t->common[k * t->count + j] > d)
      return 0;
  return 1;
}

static void write_object(transform_map *t, const tf_value *existing, size_t p,
                         size_t d);

/* Writes the value of the name mapping j has at depth d: its value when
 * that is the target's last name, else the object of the targets under
 * it (merged into existing, the record's object there, or NULL). */
static void write_target(transform_map *t, const tf_value *existing, size_t j,
                         size_t d)
{
  if (t->maps[j].nsegments == d + 1)
    copy_value(t->builder, t->values[j].value);
  else
    write_object(t, existing, j, d + 1);
}

/* Writes the object at depth d of p's group (the output's top level for
 * p NONE, d 0): the members of existing (the record's object there, or
 * NULL) in their order, each copied, replaced by its target's value or
 * merged with the targets under it; then the group's targets whose names
 * existing lacks, in the order of `fields`.  check_targets() made sure
 * that a member merged with targets is an object. */
static void write_object(transform_map *t, const tf_value *existing, size_t p,
                         size_t d)
{
  tf_builder *b = t->builder;
  const tf_value *m;
  size_t j, len;

  tf_builder_begin_object(b);
  for (m = tf_value_first(existing); m; m = tf_value_next(m)) {
    const char *key = tf_value_key(m, &len);

    if (d == 0 && is_removed(t, key, len))
      continue;
    tf_builder_keyn(b, key, len);
    j = find_target(t, p, d, key, len);
    if (j == NONE)
      copy_value(b, m);
    else
      write_target(t, m, j, d);
  }
  for (j = 0; j < t->count; j++) {
    const char *name;

    if (!in_group(t, p, j, d) || !is_first_with_name(t, p, j, d))
      continue;
    name = t->maps[j].names[d];
    if (existing && tf_value_get(existing, name) &&
        !(d == 0 && is_removed(t, name, strlen(name))))
      continue; /* written above */
    tf_builder_key(b, name);
    write_target(t, NULL, j, d);
  }
  tf_builder_end_object(b);
}

static int map_record(transform_map *t, const tf_record *rec)
{
  const tf_value *root;
  const mapping *missing;
  tf_record *out;
  int rejected = 0;
  int rc;

  if (!tf_record_has_json(rec))
    return t->host->reject(t->ctx, rec, "not_an_object",
                           "the record is raw text, not a JSON object");
  root = tf_record_root(rec);
  if (tf_value_type(root) != TF_TYPE_OBJECT)
    return TF_ERR_NOMEM; /* holding JSON, only then is it unreadable */
  missing = resolve_values(t, root);
  if (missing)
    return tf_rejectf(t->host, t->ctx, rec, "missing_field",
                      "no value at source path %s (for target %s)",
                      missing->source, missing->target);
  if (!t->drop_unmapped) {
    rc = check_targets(t, rec, root, &rejected);
    if (rc != TF_OK || rejected)
      return rc;
  }
  write_object(t, t->drop_unmapped ? NULL : root, NONE, 0);
  rc = tf_builder_finish(t->builder, rec, &out);
  if (rc != TF_OK) {
    t->host->log(t->ctx, TF_LOG_ERROR, "cannot write the output record: %s",
                 tf_builder_error(t->builder));
    return rc;
  }
  return t->host->emit(t->ctx, out);
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
    .base.check = transform_map_check,
};

TF_TRANSFORM_PLUGIN(transform_map, transform_map_descriptor)
