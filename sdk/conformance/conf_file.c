/*
 * conf_file.c - reads a plugin's conformance.json (see conf_file.h) and
 * expands "${NAME}" references in its configs.
 */
/* realpath() and nftw() are X/Open, beyond the POSIX level of the build. */
#define _XOPEN_SOURCE 700

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_file.h"
#include "diag.h"
#include "pipeline.h"

static const char *const known_keys[] = {
    "config",          "fixtures", "input",
    "invalid_configs", "output",   "retry_config",
    "idempotent",      "skip",     NULL};

static int check_keys(const json_t *root, const char *path, char *err,
                      size_t errlen)
{
  const char *key;
  const json_t *value;
  size_t i;

  json_object_foreach ((json_t *)root, key, value) {
    for (i = 0; known_keys[i] && strcmp(known_keys[i], key) != 0; i++)
      continue;
    if (!known_keys[i]) {
      snprintf(err, errlen,
               "%s: unknown key \"%s\" (known: config, fixtures, input, "
               "invalid_configs, output, retry_config, idempotent, skip)",
               path, key);
      return -1;
    }
  }
  return 0;
}

/* The folder of path, as an absolute path (caller frees). */
static char *folder_of(const char *path)
{
  char *copy = strdup(path), *slash, *abs;

  if (!copy)
    return NULL;
  slash = strrchr(copy, '/');
  if (slash)
    *slash = '\0';
  abs = realpath(slash ? (copy[0] ? copy : "/") : ".", NULL);
  free(copy);
  return abs;
}

/* dir/rel made absolute (rel may already be absolute); caller frees. */
static char *resolve(const char *dir, const char *rel)
{
  char joined[PATH_MAX];

  if (rel[0] == '/')
    snprintf(joined, sizeof(joined), "%s", rel);
  else
    snprintf(joined, sizeof(joined), "%s/%s", dir, rel);
  return realpath(joined, NULL);
}

/* Checks the type of each key that is present. */
static int check_types(const json_t *root, const char *path, char *err,
                       size_t errlen)
{
  static const struct {
    const char *key;
    json_type type;
  } want[] = {{"config", JSON_OBJECT}, {"fixtures", JSON_STRING},
              {"input", JSON_STRING},  {"invalid_configs", JSON_OBJECT},
              {"output", JSON_STRING}, {"retry_config", JSON_OBJECT},
              {"skip", JSON_OBJECT}};
  const json_t *idem = json_object_get(root, "idempotent");
  const char *key;
  const json_t *reason;
  size_t i;

  for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
    const json_t *v = json_object_get(root, want[i].key);

    if (v && json_typeof(v) != want[i].type) {
      snprintf(err, errlen, "%s: \"%s\" has the wrong type (expected %s)", path,
               want[i].key,
               want[i].type == JSON_OBJECT ? "an object" : "a string");
      return -1;
    }
  }
  if (idem && !json_is_boolean(idem)) {
    snprintf(err, errlen, "%s: \"idempotent\" must be true or false", path);
    return -1;
  }
  json_object_foreach (json_object_get(root, "skip"), key, reason) {
    if (!json_is_string(reason) || json_string_length(reason) == 0) {
      snprintf(err, errlen,
               "%s: skip.%s: a check is skipped only with a written "
               "reason (a non-empty string)",
               path, key);
      return -1;
    }
  }
  return 0;
}

static json_t *object_or_empty(const json_t *root, const char *key)
{
  json_t *v = json_object_get(root, key);

  return v ? json_deep_copy(v) : json_object();
}

/* Fills cf from the parsed file (root may be NULL: no file). */
static int fill(tf_conf_file *cf, const json_t *root, const char *base,
                const char *fixtures_dir, char *err, size_t errlen)
{
  const char *fixtures = json_string_value(json_object_get(root, "fixtures"));
  const char *input = json_string_value(json_object_get(root, "input"));
  const char *output = json_string_value(json_object_get(root, "output"));
  const json_t *retry = json_object_get(root, "retry_config");

  cf->fixtures_dir = fixtures_dir ? resolve(".", fixtures_dir)
                     : fixtures   ? resolve(base, fixtures)
                                  : strdup(base);
  if (!cf->fixtures_dir) {
    snprintf(err, errlen, "fixtures folder %s/%s: not found", base,
             fixtures_dir ? fixtures_dir : fixtures);
    return -1;
  }
  if (input && !(cf->input_path = resolve(cf->fixtures_dir, input))) {
    snprintf(err, errlen, "input %s/%s: not found", cf->fixtures_dir, input);
    return -1;
  }
  cf->config = object_or_empty(root, "config");
  cf->invalid = object_or_empty(root, "invalid_configs");
  cf->skip = object_or_empty(root, "skip");
  cf->retry_config = retry ? json_deep_copy(retry) : NULL;
  cf->output = output ? strdup(output) : NULL;
  cf->idempotent = json_is_true(json_object_get(root, "idempotent"));
  if (!cf->config || !cf->invalid || !cf->skip ||
      (retry && !cf->retry_config) || (output && !cf->output)) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  return 0;
}

int tf_conf_file_load(tf_conf_file *cf, const char *path,
                      const char *fixtures_dir, char *err, size_t errlen)
{
  json_error_t jerr;
  json_t *root = NULL;
  char *base = NULL;
  int rc = -1;

  memset(cf, 0, sizeof(*cf));
  if (path) {
    root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
      snprintf(err, errlen, "%s:%d:%d: %s", path, jerr.line, jerr.column,
               jerr.text);
      return -1;
    }
    if (!json_is_object(root)) {
      snprintf(err, errlen, "%s: not a JSON object", path);
      goto out_decref_root;
    }
    if (check_keys(root, path, err, errlen) < 0 ||
        check_types(root, path, err, errlen) < 0)
      goto out_decref_root;
    cf->path = strdup(path);
  }
  base = path ? folder_of(path) : realpath(".", NULL);
  if (!base || (path && !cf->path)) {
    snprintf(err, errlen, "out of memory");
    goto out_decref_root;
  }
  rc = fill(cf, root, base, fixtures_dir, err, errlen);
  free(base);
out_decref_root:
  json_decref(root);
  if (rc < 0)
    tf_conf_file_cleanup(cf);
  return rc;
}

void tf_conf_file_cleanup(tf_conf_file *cf)
{
  free(cf->path);
  free(cf->fixtures_dir);
  free(cf->input_path);
  free(cf->output);
  json_decref(cf->config);
  json_decref(cf->invalid);
  json_decref(cf->skip);
  json_decref(cf->retry_config);
  memset(cf, 0, sizeof(*cf));
}

json_t *tf_conf_file_expand(const json_t *config, char *err, size_t errlen)
{
  tf__diag diag;
  json_t *out;

  tf__diag_init(&diag, "conformance config");
  out = tf__env_subst(config, "config", &diag);
  if (!out)
    snprintf(err, errlen, "%s",
             diag.n ? diag.lines[0] : "cannot expand ${NAME} references");
  tf__diag_cleanup(&diag);
  return out;
}
