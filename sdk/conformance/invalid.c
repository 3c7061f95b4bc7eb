/*
 * invalid.c - invalid and edge-value configs generated from an option
 * table (see invalid.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "invalid.h"

/* Adds sample with option `name` set to value (stolen; NULL removes it)
 * under a label.  Returns 0, or -1 on ENOMEM. */
static int add_case(json_t *out, const json_t *sample, const char *name,
                    json_t *value, const char *label)
{
  json_t *cfg = json_deep_copy(sample);

  if (!cfg) {
    json_decref(value);
    return -1;
  }
  if (value ? json_object_set_new(cfg, name, value) != 0
            : (json_object_del(cfg, name), 0) != 0) {
    json_decref(cfg);
    return -1;
  }
  return json_object_set_new(out, label, cfg);
}

static int add_value_case(json_t *out, const json_t *sample, const tf_option *o,
                          json_t *value)
{
  char label[512], *text;

  if (!value)
    return -1;
  text = json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY);
  snprintf(label, sizeof(label), "%s = %s", o->name, text ? text : "?");
  free(text);
  return add_case(out, sample, o->name, value, label);
}

static json_t *wrong_type_value(const tf_option *o)
{
  switch (o->type) {
  case TF_OPT_STRING:
  case TF_OPT_ENUM: return json_integer(12345);
  case TF_OPT_BOOL: return json_string("yes");
  case TF_OPT_LIST: return json_pack("{s:i}", "a", 1);
  case TF_OPT_OBJECT: return json_string("text");
  default: return json_true();
  }
}

/* A list of n strings, for list length ranges. */
static json_t *list_of(double n)
{
  json_t *list = json_array();
  double i;

  for (i = 0; list && i < n; i++)
    json_array_append_new(list, json_string("x"));
  return list;
}

/* A value just outside the option's range or allowed values; NULL when
 * none can be written (a list range up to a huge length). */
static json_t *out_of_range_value(const tf_option *o)
{
  char text[64];
  int above = o->max < 1e15;

  if (o->type == TF_OPT_ENUM)
    return json_string("tf_conformance_not_allowed");
  if (!(o->flags & TF_OPT_RANGE))
    return NULL;
  switch (o->type) {
  case TF_OPT_INT:
  case TF_OPT_SIZE:
    return json_integer((json_int_t)(above ? o->max + 1 : o->min - 1));
  case TF_OPT_DOUBLE: return json_real(above ? o->max + 1 : o->min - 1);
  case TF_OPT_DURATION:
    snprintf(text, sizeof(text), "%.0fms", above ? o->max + 1 : o->min - 1);
    return json_string(text);
  case TF_OPT_LIST:
    if (o->max < 1000)
      return list_of(o->max + 1);
    return o->min >= 1 ? list_of(o->min - 1) : NULL;
  default: return NULL;
  }
}

json_t *tf_invalid_configs(const tf_option *table, const json_t *sample,
                           tf_invalid_kind kind)
{
  json_t *out = json_object();
  const tf_option *o;
  int rc = 0;

  if (!out)
    return NULL;
  if (kind == TF_INVALID_UNKNOWN_KEY)
    rc = add_case(out, sample, TF_INVALID_UNKNOWN_NAME, json_integer(1),
                  "unknown option " TF_INVALID_UNKNOWN_NAME);
  for (o = table; o && o->name && rc == 0; o++) {
    if (kind == TF_INVALID_WRONG_TYPE)
      rc = add_value_case(out, sample, o, wrong_type_value(o));
    else if (kind == TF_INVALID_MISSING_REQUIRED &&
             (o->flags & TF_OPT_REQUIRED)) {
      char label[256];

      snprintf(label, sizeof(label), "%s left out", o->name);
      rc = add_case(out, sample, o->name, NULL, label);
    } else if (kind == TF_INVALID_OUT_OF_RANGE) {
      json_t *v = out_of_range_value(o);

      rc = v ? add_value_case(out, sample, o, v) : 0;
    }
  }
  if (rc != 0) {
    json_decref(out);
    return NULL;
  }
  return out;
}

/* The edge values of one option, appended to out. */
static int add_edges(json_t *out, const json_t *sample, const tf_option *o)
{
  const char *const *a;
  int rc = 0;

  switch (o->type) {
  case TF_OPT_STRING: return add_value_case(out, sample, o, json_string(""));
  case TF_OPT_BOOL:
    rc = add_value_case(out, sample, o, json_true());
    return rc ? rc : add_value_case(out, sample, o, json_false());
  case TF_OPT_ENUM:
    for (a = o->allowed; a && *a && rc == 0; a++)
      rc = add_value_case(out, sample, o, json_string(*a));
    return rc;
  case TF_OPT_LIST:
    if (o->flags & TF_OPT_RANGE)
      return add_value_case(out, sample, o, list_of(o->min));
    rc = add_value_case(out, sample, o, json_array());
    return rc ? rc : add_value_case(out, sample, o, json_pack("[s]", ""));
  case TF_OPT_OBJECT: return add_value_case(out, sample, o, json_object());
  case TF_OPT_DOUBLE:
  case TF_OPT_INT:
    if (o->flags & TF_OPT_RANGE)
      return add_value_case(out, sample, o, json_integer((json_int_t)o->min));
    rc = add_value_case(out, sample, o, json_integer(0));
    return rc ? rc : add_value_case(out, sample, o, json_integer(-1));
  case TF_OPT_SIZE:
    return add_value_case(
        out, sample, o,
        json_integer((o->flags & TF_OPT_RANGE) ? (json_int_t)o->min : 0));
  default:
    return add_value_case(
        out, sample, o,
        json_sprintf("%.0fms", (o->flags & TF_OPT_RANGE) ? o->min : 0.0));
  }
}

json_t *tf_edge_configs(const tf_option *table, const json_t *sample)
{
  json_t *out = json_object();
  const tf_option *o;
  int rc = 0;

  if (!out)
    return NULL;
  for (o = table; o && o->name && rc == 0; o++)
    if (!(o->flags & (TF_OPT_PATH | TF_OPT_SECRET)))
      rc = add_edges(out, sample, o);
  if (rc != 0) {
    json_decref(out);
    return NULL;
  }
  return out;
}
