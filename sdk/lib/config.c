/*
 * config.c - the validated plugin configuration: building it, reading it
 * back (the tf_config_* accessors of options.h), redacting and freeing it.
 *
 * Every accessor is NULL-safe and answers "unset" for unknown names, so a
 * plugin reading an option it never declared gets a zero value, not a crash.
 */
#include <stdlib.h>
#include <string.h>
#include <touchflow/error.h>
#include "config_internal.h"

tf_config *tf__config_new(const tf_option *table, const char *base_dir)
{
  tf_config *cfg = calloc(1, sizeof(*cfg));

  if (!cfg)
    return NULL;
  cfg->table = table;
  cfg->values = json_object();
  cfg->given = json_object();
  if (!cfg->values || !cfg->given)
    goto out_free_config;
  if (base_dir) {
    cfg->base_dir = strdup(base_dir);
    if (!cfg->base_dir)
      goto out_free_config;
  }
  return cfg;

out_free_config:
  tf_config_free(cfg);
  return NULL;
}

int tf__config_set_new(tf_config *cfg, const char *name, json_t *value,
                       int given)
{
  if (!value || json_object_set_new(cfg->values, name, value) != 0)
    return TF_ERR_NOMEM;
  if (given && json_object_set_new(cfg->given, name, json_true()) != 0)
    return TF_ERR_NOMEM;
  return TF_OK;
}

void tf_config_free(tf_config *cfg)
{
  if (!cfg)
    return;
  json_decref(cfg->values);
  json_decref(cfg->given);
  free(cfg->base_dir);
  free(cfg);
}

static const json_t *lookup(const tf_config *cfg, const char *name)
{
  if (!cfg || !name)
    return NULL;
  return json_object_get(cfg->values, name);
}

const char *tf_config_string(const tf_config *cfg, const char *name)
{
  return json_string_value(lookup(cfg, name));
}

int64_t tf_config_int(const tf_config *cfg, const char *name)
{
  return json_integer_value(lookup(cfg, name));
}

int tf_config_bool(const tf_config *cfg, const char *name)
{
  return json_is_true(lookup(cfg, name));
}

double tf_config_double(const tf_config *cfg, const char *name)
{
  return json_number_value(lookup(cfg, name));
}

const json_t *tf_config_json(const tf_config *cfg, const char *name)
{
  return lookup(cfg, name);
}

int tf_config_is_set(const tf_config *cfg, const char *name)
{
  return lookup(cfg, name) != NULL;
}

int tf_config_given(const tf_config *cfg, const char *name)
{
  if (!cfg || !name)
    return 0;
  return json_object_get(cfg->given, name) != NULL;
}

const char *tf_config_base_dir(const tf_config *cfg)
{
  return cfg && cfg->base_dir ? cfg->base_dir : ".";
}

json_t *tf_config_redacted(const tf_config *cfg)
{
  json_t *out;
  const tf_option *opt;

  if (!cfg)
    return json_object();
  out = json_deep_copy(cfg->values);
  if (!out)
    return NULL;
  for (opt = cfg->table; opt && opt->name; opt++) {
    if (!(opt->flags & TF_OPT_SECRET) || !json_object_get(out, opt->name))
      continue;
    if (json_object_set_new(out, opt->name, json_string("<secret>")) != 0) {
      json_decref(out);
      return NULL;
    }
  }
  return out;
}
