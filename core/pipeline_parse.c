/*
 * pipeline_parse.c - the pipeline file's structure: keys, types, stages.
 *
 * Turns the parsed JSON into tf__stage_def entries, reporting every unknown
 * key (with "did you mean"), missing key and wrong type at its JSON path.
 * It does not look at the graph or the plugins: dag.c and
 * pipeline_plugins.c do.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline.h"
#include "suggest.h"

#define DEFAULT_DEAD_LETTER "rejected.ndjson"

static const char *const top_keys[] = {
    "version",    "name",  "description", "sources",
    "transforms", "sinks", "dead_letter"};
static const char *const stage_keys[] = {"id", "plugin", "inputs", "config"};
static const char *const dead_letter_keys[] = {"path"};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static const char *json_type_name(const json_t *v)
{
  switch (json_typeof(v)) {
  case JSON_OBJECT: return "an object";
  case JSON_ARRAY: return "an array";
  case JSON_STRING: return "a string";
  case JSON_INTEGER: return "an integer";
  case JSON_REAL: return "a number";
  case JSON_TRUE:
  case JSON_FALSE: return "a boolean";
  default: return "null";
  }
}

/* Reports every key of obj not in `known`.  Returns the number reported. */
static size_t check_keys(const json_t *obj, const char *path,
                         const char *const *known, size_t n, tf__diag *diag)
{
  const char *key;
  json_t *value;
  size_t bad = 0, i;
  char kpath[256];

  json_object_foreach ((json_t *)obj, key, value) {
    const char *hint;

    for (i = 0; i < n; i++)
      if (strcmp(key, known[i]) == 0)
        break;
    if (i < n)
      continue;
    bad++;
    snprintf(kpath, sizeof(kpath), "%s%s%s", path, *path ? "." : "", key);
    hint = tf__suggest(key, known, n);
    if (hint)
      tf__diag_add(diag, kpath, "unknown key \"%s\" (did you mean \"%s\"?)",
                   key, hint);
    else
      tf__diag_add(diag, kpath, "unknown key \"%s\"", key);
  }
  return bad;
}

static char *join_path(const char *dir, const char *path)
{
  size_t len;
  char *out;

  if (path[0] == '/' || !dir || !*dir || strcmp(dir, ".") == 0)
    return strdup(path);
  len = strlen(dir) + strlen(path) + 2;
  out = malloc(len);
  if (out)
    snprintf(out, len, "%s/%s", dir, path);
  return out;
}

static size_t parse_inputs(tf__stage_def *s, const json_t *inputs,
                           tf__diag *diag)
{
  char path[96];
  size_t i, n = json_array_size(inputs);

  snprintf(path, sizeof(path), "%s.inputs", s->json_path);
  if (!json_is_array(inputs) || n == 0) {
    tf__diag_add(diag, path, "expected a non-empty array of stage ids");
    return 1;
  }
  s->inputs = calloc(n, sizeof(*s->inputs));
  if (!s->inputs) {
    tf__diag_add(diag, path, "out of memory");
    return 1;
  }
  for (i = 0; i < n; i++) {
    const json_t *in = json_array_get(inputs, i);

    if (!json_is_string(in)) {
      char epath[128];

      snprintf(epath, sizeof(epath), "%s[%zu]", path, i);
      tf__diag_add(diag, epath, "expected a stage id (string), got %s",
                   json_type_name(in));
      continue;
    }
    s->inputs[s->n_inputs] = strdup(json_string_value(in));
    if (s->inputs[s->n_inputs])
      s->n_inputs++;
  }
  return s->n_inputs == n ? 0 : 1;
}

static size_t parse_string(const json_t *obj, const char *key, const char *path,
                           char **out, tf__diag *diag)
{
  const json_t *v = json_object_get(obj, key);
  char kpath[96];

  snprintf(kpath, sizeof(kpath), "%s.%s", path, key);
  if (!v) {
    tf__diag_add(diag, path, "missing \"%s\"", key);
    return 1;
  }
  if (!json_is_string(v) || json_string_length(v) == 0) {
    tf__diag_add(diag, kpath, "expected a non-empty string, got %s",
                 json_is_string(v) ? "\"\"" : json_type_name(v));
    return 1;
  }
  *out = strdup(json_string_value(v));
  return *out ? 0 : 1;
}

static size_t parse_stage(tf__stage_def *s, const json_t *obj,
                          tf_plugin_kind kind, tf__diag *diag)
{
  const json_t *inputs = json_object_get(obj, "inputs");
  const json_t *config = json_object_get(obj, "config");
  char cpath[96];
  size_t bad = 0;

  s->kind = kind;
  if (!json_is_object(obj)) {
    tf__diag_add(diag, s->json_path, "expected a stage object, got %s",
                 json_type_name(obj));
    return 1;
  }
  bad += check_keys(obj, s->json_path, stage_keys, N_OF(stage_keys), diag);
  bad += parse_string(obj, "id", s->json_path, &s->id, diag);
  bad += parse_string(obj, "plugin", s->json_path, &s->plugin_name, diag);
  if (kind == TF_KIND_SOURCE && inputs) {
    tf__diag_add(diag, s->json_path, "a source takes no \"inputs\"");
    bad++;
  } else if (kind != TF_KIND_SOURCE && !inputs) {
    tf__diag_add(diag, s->json_path, "missing \"inputs\"");
    bad++;
  } else if (inputs) {
    bad += parse_inputs(s, inputs, diag);
  }
  snprintf(cpath, sizeof(cpath), "%s.config", s->json_path);
  if (config && !json_is_object(config)) {
    tf__diag_add(diag, cpath, "expected an object, got %s",
                 json_type_name(config));
    return bad + 1;
  }
  s->config_raw = config ? json_incref((json_t *)config) : json_object();
  s->config = tf__env_subst(s->config_raw, cpath, diag);
  return bad + (s->config ? 0 : 1);
}

static size_t parse_section(tf__pipeline *p, const json_t *root,
                            const char *key, tf_plugin_kind kind, int required,
                            tf__diag *diag)
{
  const json_t *arr = json_object_get(root, key);
  size_t i, bad = 0;

  if (!arr) {
    if (!required)
      return 0;
    tf__diag_add(diag, NULL,
                 "missing \"%s\": a pipeline needs at least "
                 "one %s",
                 key, kind == TF_KIND_SOURCE ? "source" : "sink");
    return 1;
  }
  if (!json_is_array(arr) || (required && json_array_size(arr) == 0)) {
    tf__diag_add(diag, key, "expected a%s array of stages, got %s",
                 required ? " non-empty" : "n",
                 json_is_array(arr) ? "an empty array" : json_type_name(arr));
    return 1;
  }
  for (i = 0; i < json_array_size(arr); i++) {
    tf__stage_def *s = &p->stages[p->n_stages++];

    snprintf(s->json_path, sizeof(s->json_path), "%s[%zu]", key, i);
    bad += parse_stage(s, json_array_get(arr, i), kind, diag);
  }
  return bad;
}

static size_t parse_dead_letter(tf__pipeline *p, const json_t *root,
                                tf__diag *diag)
{
  const json_t *dl = json_object_get(root, "dead_letter");
  const json_t *path;
  json_t *subst;
  size_t bad = 0;

  if (!dl) {
    p->dead_letter_path = join_path(p->dir, DEFAULT_DEAD_LETTER);
    return p->dead_letter_path ? 0 : 1;
  }
  if (!json_is_object(dl)) {
    tf__diag_add(diag, "dead_letter",
                 "expected an object like "
                 "{\"path\": \"out/rejected.ndjson\"}, got %s",
                 json_type_name(dl));
    return 1;
  }
  bad += check_keys(dl, "dead_letter", dead_letter_keys, N_OF(dead_letter_keys),
                    diag);
  path = json_object_get(dl, "path");
  if (!json_is_string(path) || json_string_length(path) == 0) {
    tf__diag_add(diag, path ? "dead_letter.path" : "dead_letter",
                 path ? "expected a non-empty string" : "missing \"path\"");
    return bad + 1;
  }
  subst = tf__env_subst(path, "dead_letter.path", diag);
  if (!subst)
    return bad + 1;
  p->dead_letter_path = join_path(p->dir, json_string_value(subst));
  json_decref(subst);
  return bad + (p->dead_letter_path ? 0 : 1);
}

static size_t parse_header(tf__pipeline *p, const json_t *root, tf__diag *diag)
{
  const json_t *version = json_object_get(root, "version");
  const json_t *name = json_object_get(root, "name");
  size_t bad = 0;

  if (!version) {
    tf__diag_add(diag, NULL, "missing \"version\": add \"version\": 1");
    bad++;
  } else if (!json_is_integer(version)) {
    tf__diag_add(diag, "version", "expected the integer 1, got %s",
                 json_type_name(version));
    bad++;
  } else if (json_integer_value(version) != 1) {
    tf__diag_add(diag, "version",
                 "unsupported pipeline version: this "
                 "touchflow reads version 1");
    bad++;
  }
  if (name && !json_is_string(name)) {
    tf__diag_add(diag, "name", "expected a string, got %s",
                 json_type_name(name));
    bad++;
  }
  p->name = strdup(json_is_string(name) ? json_string_value(name) : "");
  return bad + (p->name ? 0 : 1);
}

size_t tf__pipeline_parse(tf__pipeline *p, const json_t *root, tf__diag *diag)
{
  size_t bad, total = 0;
  const char *sections[] = {"sources", "transforms", "sinks"};
  size_t i;

  bad = check_keys(root, "", top_keys, N_OF(top_keys), diag);
  bad += parse_header(p, root, diag);
  for (i = 0; i < 3; i++)
    total += json_array_size(json_object_get(root, sections[i]));
  p->stages = calloc(total ? total : 1, sizeof(*p->stages));
  if (!p->stages) {
    tf__diag_add(diag, NULL, "out of memory");
    return bad + 1;
  }
  bad += parse_section(p, root, "sources", TF_KIND_SOURCE, 1, diag);
  bad += parse_section(p, root, "transforms", TF_KIND_TRANSFORM, 0, diag);
  bad += parse_section(p, root, "sinks", TF_KIND_SINK, 1, diag);
  bad += parse_dead_letter(p, root, diag);
  return bad;
}
