/*
 * options.c - checking a plugin's JSON config against its option table
 * (options.h): unknown keys, types, required options, ranges, allowed
 * values and secrets, every problem reported through the diag callback.
 * Also owns the unit parsers (sizes, durations) and the table helpers.
 *
 * The result is a tf_config (config.c) holding normalized values: defaults
 * filled in, sizes in bytes, durations in milliseconds, paths resolved.
 * Option defaults run through the same checks; a default that fails them is
 * reported as a plugin bug.  A secret value is never put into a message.
 */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <touchflow/error.h>
#include "config_internal.h"
#include "suggest.h"

#define MSG_MAX 1024
#define PATH_MAX_LEN 1024
#define SHOW_MAX 64

#define SIZE_HINT "use a number with an optional K, M or G suffix"
#define DURATION_HINT "use a number with ms, s, m, h or d"

typedef struct validator {
  const tf_option *table;
  const json_t *raw;
  const char *prefix; /* json path of the config object; "" for none */
  const char *base_dir;
  tf_diag_fn diag;
  void *ud;
  tf_config *cfg;
  size_t problems;
  int in_default; /* checking a table default: problems are plugin bugs */
} validator;

/* --- Unit parsers ------------------------------------------------------ */

/* Reads one or more decimal digits at *p into *out, advancing *p. */
static int parse_digits(const char **p, int64_t *out)
{
  const char *s = *p;
  int64_t n = 0;

  if (*s < '0' || *s > '9')
    return TF_ERR_INVAL;
  for (; *s >= '0' && *s <= '9'; s++) {
    int digit = *s - '0';

    if (n > (INT64_MAX - digit) / 10)
      return TF_ERR_INVAL;
    n = n * 10 + digit;
  }
  *p = s;
  *out = n;
  return TF_OK;
}

static int scale(int64_t n, int64_t factor, int64_t *out)
{
  if (n > INT64_MAX / factor)
    return TF_ERR_INVAL;
  *out = n * factor;
  return TF_OK;
}

int tf_parse_size(const char *text, int64_t *bytes)
{
  static const struct {
    const char *suffix;
    int64_t factor;
  } units[] = {
      {"", 1},
      {"k", INT64_C(1) << 10},
      {"kb", INT64_C(1) << 10},
      {"m", INT64_C(1) << 20},
      {"mb", INT64_C(1) << 20},
      {"g", INT64_C(1) << 30},
      {"gb", INT64_C(1) << 30},
  };
  const char *p = text;
  int64_t n;
  size_t i;

  if (!text || !bytes || parse_digits(&p, &n) != TF_OK)
    return TF_ERR_INVAL;
  for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
    if (strcasecmp(p, units[i].suffix) == 0)
      return scale(n, units[i].factor, bytes);
  return TF_ERR_INVAL;
}

int tf_parse_duration(const char *text, int64_t *ms)
{
  static const struct {
    const char *suffix;
    int64_t factor;
  } units[] = {
      {"", 1000},   {"ms", 1},      {"s", 1000},
      {"m", 60000}, {"h", 3600000}, {"d", 86400000},
  };
  const char *p = text;
  int64_t n;
  size_t i;

  if (!text || !ms || parse_digits(&p, &n) != TF_OK)
    return TF_ERR_INVAL;
  for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
    if (strcmp(p, units[i].suffix) == 0)
      return scale(n, units[i].factor, ms);
  return TF_ERR_INVAL;
}

/* --- Table helpers ----------------------------------------------------- */

const char *tf_option_type_name(tf_option_type type)
{
  switch (type) {
  case TF_OPT_STRING: return "string";
  case TF_OPT_INT: return "int";
  case TF_OPT_BOOL: return "bool";
  case TF_OPT_DOUBLE: return "double";
  case TF_OPT_SIZE: return "size";
  case TF_OPT_DURATION: return "duration";
  case TF_OPT_ENUM: return "enum";
  case TF_OPT_LIST: return "list";
  case TF_OPT_OBJECT: return "object";
  }
  return "unknown";
}

size_t tf_options_count(const tf_option *table)
{
  size_t n = 0;

  while (table && table[n].name)
    n++;
  return n;
}

const tf_option *tf_options_find(const tf_option *table, const char *name)
{
  if (!name)
    return NULL;
  for (; table && table->name; table++)
    if (strcmp(table->name, name) == 0)
      return table;
  return NULL;
}

/* --- Reporting --------------------------------------------------------- */

/* Reports one problem at prefix[.name][[index]]; name NULL: the config
 * itself, index < 0: not a list element. */
static void report(validator *v, const char *name, long index, const char *fmt,
                   ...)
{
  char path[PATH_MAX_LEN], msg[MSG_MAX];
  int len;
  va_list ap;

  len = snprintf(path, sizeof(path), "%s%s%s", v->prefix,
                 name && *v->prefix ? "." : "", name ? name : "");
  if (index >= 0 && len >= 0 && (size_t)len < sizeof(path))
    snprintf(path + len, sizeof(path) - (size_t)len, "[%ld]", index);
  len = snprintf(msg, sizeof(msg), "%s",
                 v->in_default ? "plugin bug: invalid default: " : "");
  va_start(ap, fmt);
  vsnprintf(msg + len, sizeof(msg) - (size_t)len, fmt, ap);
  va_end(ap);
  v->problems++;
  if (v->diag)
    v->diag(v->ud, path, msg);
}

static const char *kind_of(const json_t *value)
{
  switch (json_typeof(value)) {
  case JSON_OBJECT: return "an object";
  case JSON_ARRAY: return "a list";
  case JSON_STRING: return "a string";
  case JSON_INTEGER:
  case JSON_REAL: return "a number";
  case JSON_TRUE:
  case JSON_FALSE: return "a boolean";
  case JSON_NULL: break;
  }
  return "null";
}

/* Writes value as the user wrote it (strings quoted and shortened), or
 * <secret> for a secret option. */
static const char *show(const tf_option *opt, const json_t *value, char *buf,
                        size_t len)
{
  if (opt->flags & TF_OPT_SECRET)
    snprintf(buf, len, "<secret>");
  else if (json_is_string(value) && json_string_length(value) > SHOW_MAX)
    snprintf(buf, len, "\"%.*s...\"", SHOW_MAX, json_string_value(value));
  else if (json_is_string(value))
    snprintf(buf, len, "\"%s\"", json_string_value(value));
  else if (json_is_integer(value))
    snprintf(buf, len, "%" JSON_INTEGER_FORMAT, json_integer_value(value));
  else if (json_is_real(value))
    snprintf(buf, len, "%g", json_real_value(value));
  else
    snprintf(buf, len, "%s", kind_of(value));
  return buf;
}

/* Writes an amount in the option's unit as a user would write it: sizes
 * with the largest exact K/M/G suffix, durations with the largest exact
 * unit, other numbers plainly.  Integer arithmetic keeps libm out. */
static const char *show_amount(tf_option_type type, double x, char *buf,
                               size_t len)
{
  static const struct {
    const char *suffix;
    int64_t factor;
  } sizes[] = {{"G", INT64_C(1) << 30},
               {"M", INT64_C(1) << 20},
               {"K", INT64_C(1) << 10}},
    durations[] = {{"d", 86400000}, {"h", 3600000}, {"m", 60000}, {"s", 1000}};
  int64_t n;
  size_t i;

  if (isnan(x) || isinf(x) || x >= 1e15 || x <= -1e15 ||
      x != (double)(int64_t)x) {
    snprintf(buf, len, "%g", x);
    return buf;
  }
  n = (int64_t)x;
  for (i = 0; type == TF_OPT_SIZE && n != 0 && i < 3; i++)
    if (n % sizes[i].factor == 0) {
      snprintf(buf, len, "%" PRId64 "%s", n / sizes[i].factor, sizes[i].suffix);
      return buf;
    }
  for (i = 0; type == TF_OPT_DURATION && n != 0 && i < 4; i++)
    if (n % durations[i].factor == 0) {
      snprintf(buf, len, "%" PRId64 "%s", n / durations[i].factor,
               durations[i].suffix);
      return buf;
    }
  snprintf(buf, len, "%" PRId64 "%s", n, type == TF_OPT_DURATION ? "ms" : "");
  return buf;
}

/* --- Checking one value ------------------------------------------------ */

static int resolve_path(validator *v, const char *text, json_t **out)
{
  size_t blen;
  char *joined;
  int slash;

  if (!v->base_dir || !*v->base_dir || text[0] == '/') {
    *out = json_string(text);
    return *out ? TF_OK : TF_ERR_NOMEM;
  }
  blen = strlen(v->base_dir);
  slash = v->base_dir[blen - 1] != '/';
  joined = malloc(blen + (size_t)slash + strlen(text) + 1);
  if (!joined)
    return TF_ERR_NOMEM;
  sprintf(joined, "%s%s%s", v->base_dir, slash ? "/" : "", text);
  *out = json_string(joined);
  free(joined);
  return *out ? TF_OK : TF_ERR_NOMEM;
}

/* A string option or list element; paths are resolved. */
static int check_string(validator *v, const tf_option *opt, long index,
                        const json_t *in, json_t **out)
{
  if (!json_is_string(in)) {
    report(v, opt->name, index, "expected a string, got %s", kind_of(in));
    return TF_ERR_CONFIG;
  }
  if (!(opt->flags & TF_OPT_PATH)) {
    *out = json_copy((json_t *)in);
    return *out ? TF_OK : TF_ERR_NOMEM;
  }
  if (!*json_string_value(in)) {
    report(v, opt->name, index, "expected a path, got an empty string");
    return TF_ERR_CONFIG;
  }
  return resolve_path(v, json_string_value(in), out);
}

/* Sizes and durations: a non-negative JSON integer in `per_integer` units,
 * or a string for `parse`. */
static int check_amount(validator *v, const tf_option *opt, const json_t *in,
                        json_t **out)
{
  int is_size = opt->type == TF_OPT_SIZE;
  int64_t n = 0;
  int rc = TF_ERR_INVAL;
  char shown[SHOW_MAX + 8];

  if (json_is_string(in))
    rc = is_size ? tf_parse_size(json_string_value(in), &n)
                 : tf_parse_duration(json_string_value(in), &n);
  else if (json_is_integer(in) && json_integer_value(in) >= 0)
    rc = scale(json_integer_value(in), is_size ? 1 : 1000, &n);
  else if (!json_is_number(in)) {
    report(v, opt->name, -1, "expected a %s like \"%s\", got %s",
           is_size ? "size" : "duration", is_size ? "64M" : "30m", kind_of(in));
    return TF_ERR_CONFIG;
  }
  if (rc != TF_OK) {
    report(v, opt->name, -1, "invalid %s %s: %s", is_size ? "size" : "duration",
           show(opt, in, shown, sizeof(shown)),
           is_size ? SIZE_HINT : DURATION_HINT);
    return TF_ERR_CONFIG;
  }
  *out = json_integer(n);
  return *out ? TF_OK : TF_ERR_NOMEM;
}

static int check_enum(validator *v, const tf_option *opt, const json_t *in,
                      json_t **out)
{
  const char *const *allowed = opt->allowed;
  char list[MSG_MAX / 2] = "", shown[SHOW_MAX + 8];
  const char *hint;
  size_t i, n = 0, used = 0;

  while (allowed && allowed[n])
    n++;
  for (i = 0; json_is_string(in) && i < n; i++)
    if (strcmp(allowed[i], json_string_value(in)) == 0) {
      *out = json_copy((json_t *)in);
      return *out ? TF_OK : TF_ERR_NOMEM;
    }
  for (i = 0; i < n && used < sizeof(list); i++)
    used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s",
                             i ? ", " : "", allowed[i]);
  if (!json_is_string(in)) {
    report(v, opt->name, -1, "expected one of: %s, got %s", list, kind_of(in));
    return TF_ERR_CONFIG;
  }
  show(opt, in, shown, sizeof(shown));
  hint = (opt->flags & TF_OPT_SECRET)
             ? NULL
             : tf__suggest(json_string_value(in), allowed, n);
  if (hint)
    report(v, opt->name, -1, "%s is not one of: %s (did you mean \"%s\"?)",
           shown, list, hint);
  else
    report(v, opt->name, -1, "%s is not one of: %s", shown, list);
  return TF_ERR_CONFIG;
}

/* A list of strings; every bad element is reported at its own path. */
/* One element of a TF_OPT_OBJECTS list: an object, copied as it is (the
 * plugin checks what is inside). */
static int check_list_object(validator *v, const tf_option *opt, long index,
                             const json_t *elem, json_t **out)
{
  if (!json_is_object(elem)) {
    report(v, opt->name, index, "expected an object, got %s", kind_of(elem));
    return TF_ERR_CONFIG;
  }
  *out = json_deep_copy(elem);
  return *out ? TF_OK : TF_ERR_NOMEM;
}

static int check_list(validator *v, const tf_option *opt, const json_t *in,
                      json_t **out)
{
  json_t *list, *elem, *copy;
  size_t i;
  int rc, bad = 0;

  if (!json_is_array(in)) {
    report(v, opt->name, -1, "expected a list, got %s", kind_of(in));
    return TF_ERR_CONFIG;
  }
  list = json_array();
  if (!list)
    return TF_ERR_NOMEM;
  json_array_foreach (in, i, elem) {
    if (opt->flags & TF_OPT_OBJECTS)
      rc = check_list_object(v, opt, (long)i, elem, &copy);
    else
      rc = check_string(v, opt, (long)i, elem, &copy);
    if (rc == TF_ERR_CONFIG) {
      bad = 1;
      continue;
    }
    if (rc == TF_OK && json_array_append_new(list, copy) != 0)
      rc = TF_ERR_NOMEM;
    if (rc != TF_OK)
      goto out_free_list;
  }
  if (bad) {
    rc = TF_ERR_CONFIG;
    goto out_free_list;
  }
  *out = list;
  return TF_OK;

out_free_list:
  json_decref(list);
  return rc;
}

static int check_type_mismatch(validator *v, const tf_option *opt,
                               const char *expected, const json_t *in)
{
  report(v, opt->name, -1, "expected %s, got %s", expected, kind_of(in));
  return TF_ERR_CONFIG;
}

/* Checks `in` against the option's type and converts it into *out. */
static int convert(validator *v, const tf_option *opt, const json_t *in,
                   json_t **out)
{
  char shown[SHOW_MAX + 8];

  switch (opt->type) {
  case TF_OPT_STRING: return check_string(v, opt, -1, in, out);
  case TF_OPT_INT:
    if (json_is_real(in)) {
      report(v, opt->name, -1, "expected an integer, got %s",
             show(opt, in, shown, sizeof(shown)));
      return TF_ERR_CONFIG;
    }
    if (!json_is_integer(in))
      return check_type_mismatch(v, opt, "an integer", in);
    break;
  case TF_OPT_BOOL:
    if (!json_is_boolean(in))
      return check_type_mismatch(v, opt, "a boolean", in);
    break;
  case TF_OPT_DOUBLE:
    if (!json_is_number(in))
      return check_type_mismatch(v, opt, "a number", in);
    *out = json_real(json_number_value(in));
    return *out ? TF_OK : TF_ERR_NOMEM;
  case TF_OPT_SIZE:
  case TF_OPT_DURATION: return check_amount(v, opt, in, out);
  case TF_OPT_ENUM: return check_enum(v, opt, in, out);
  case TF_OPT_LIST: return check_list(v, opt, in, out);
  case TF_OPT_OBJECT:
    if (!json_is_object(in))
      return check_type_mismatch(v, opt, "an object", in);
    *out = json_deep_copy(in);
    return *out ? TF_OK : TF_ERR_NOMEM;
  default:
    report(v, opt->name, -1, "plugin bug: option has unknown type %d",
           (int)opt->type);
    return TF_ERR_CONFIG;
  }
  *out = json_copy((json_t *)in);
  return *out ? TF_OK : TF_ERR_NOMEM;
}

/* With TF_OPT_RANGE: the converted value (or list length) within bounds. */
static int check_range(validator *v, const tf_option *opt, const json_t *value)
{
  char lo[48], hi[48], got[SHOW_MAX + 8];
  double x;

  if (!(opt->flags & TF_OPT_RANGE))
    return TF_OK;
  if (json_is_array(value))
    x = (double)json_array_size(value);
  else if (json_is_number(value))
    x = json_number_value(value);
  else
    return TF_OK;
  if (x >= opt->min && x <= opt->max)
    return TF_OK;
  show_amount(opt->type, opt->min, lo, sizeof(lo));
  show_amount(opt->type, opt->max, hi, sizeof(hi));
  if (opt->flags & TF_OPT_SECRET)
    snprintf(got, sizeof(got), "<secret>");
  else if (json_is_array(value))
    snprintf(got, sizeof(got), "a list of %.0f elements", x);
  else
    show_amount(opt->type, x, got, sizeof(got));
  if (isinf(opt->max))
    report(v, opt->name, -1, "%s is out of range: must be at least %s", got,
           lo);
  else if (isinf(opt->min))
    report(v, opt->name, -1, "%s is out of range: must be at most %s", got, hi);
  else
    report(v, opt->name, -1, "%s is out of range: must be between %s and %s",
           got, lo, hi);
  return TF_ERR_CONFIG;
}

/* convert() then check_range(); *out is set only on TF_OK. */
static int check_value(validator *v, const tf_option *opt, const json_t *in,
                       json_t **out)
{
  json_t *value = NULL;
  int rc;

  rc = convert(v, opt, in, &value);
  if (rc != TF_OK)
    return rc;
  rc = check_range(v, opt, value);
  if (rc != TF_OK) {
    json_decref(value);
    return rc;
  }
  *out = value;
  return TF_OK;
}

/* --- Checking the whole config ----------------------------------------- */

/* A raw secret must be exactly one "${NAME}" reference. */
static int is_env_reference(const json_t *raw)
{
  const char *s = json_string_value(raw);
  size_t i, len;

  if (!s)
    return 0;
  len = strlen(s);
  if (len < 4 || strncmp(s, "${", 2) != 0 || s[len - 1] != '}')
    return 0;
  for (i = 2; i < len - 1; i++)
    if (!(s[i] == '_' || (s[i] >= 'A' && s[i] <= 'Z') ||
          (s[i] >= 'a' && s[i] <= 'z') ||
          (i > 2 && s[i] >= '0' && s[i] <= '9')))
      return 0;
  return 1;
}

static void check_secret(validator *v, const tf_option *opt)
{
  const json_t *raw = v->raw ? json_object_get(v->raw, opt->name) : NULL;
  char example[64];
  size_t i;

  if (!raw || is_env_reference(raw))
    return;
  for (i = 0; opt->name[i] && i < sizeof(example) - 1; i++)
    example[i] = (opt->name[i] >= 'a' && opt->name[i] <= 'z')
                     ? (char)(opt->name[i] - 'a' + 'A')
                     : opt->name[i];
  example[i] = '\0';
  report(v, opt->name, -1,
         "secret option \"%s\" must come from the environment, "
         "e.g. \"${%s}\"",
         opt->name, example);
}

/* Reports every key of `given` the table does not know. */
static int check_unknown_keys(validator *v, const json_t *given)
{
  size_t n = tf_options_count(v->table), i;
  const char **names;
  const char *key, *hint;
  json_t *value;

  names = malloc((n ? n : 1) * sizeof(*names));
  if (!names)
    return TF_ERR_NOMEM;
  for (i = 0; i < n; i++)
    names[i] = v->table[i].name;
  json_object_foreach ((json_t *)given, key, value) {
    if (tf_options_find(v->table, key))
      continue;
    hint = tf__suggest(key, names, n);
    if (hint)
      report(v, key, -1, "unknown option \"%s\" (did you mean \"%s\"?)", key,
             hint);
    else
      report(v, key, -1, "unknown option \"%s\"", key);
  }
  free(names);
  return TF_OK;
}

/* The table default as JSON: strings bare, sizes and durations as an
 * integer or a string, everything else as JSON text.  NULL if invalid. */
static json_t *default_json(const tf_option *opt)
{
  json_t *value;

  switch (opt->type) {
  case TF_OPT_STRING:
  case TF_OPT_ENUM: return json_string(opt->default_value);
  case TF_OPT_SIZE:
  case TF_OPT_DURATION:
    value = json_loads(opt->default_value, JSON_DECODE_ANY, NULL);
    if (json_is_integer(value))
      return value;
    json_decref(value);
    return json_string(opt->default_value);
  default: return json_loads(opt->default_value, JSON_DECODE_ANY, NULL);
  }
}

/* Checks the option's default; *out gets its normalized value, or stays
 * NULL when the default is a plugin bug (reported). */
static int check_default(validator *v, const tf_option *opt, json_t **out)
{
  json_t *in;
  int rc;

  in = default_json(opt);
  v->in_default = 1;
  if (!in) {
    report(v, opt->name, -1, "\"%s\" is not valid JSON", opt->default_value);
    rc = TF_ERR_CONFIG;
  } else {
    rc = check_value(v, opt, in, out);
  }
  v->in_default = 0;
  json_decref(in);
  return rc;
}

/* Checks one table entry against the user's value or its default. */
static int check_option(validator *v, const tf_option *opt, const json_t *given)
{
  const json_t *in = given ? json_object_get(given, opt->name) : NULL;
  json_t *def = NULL, *value = NULL;
  int rc = TF_OK;

  if (opt->default_value)
    rc = check_default(v, opt, &def);
  if (rc != TF_OK && rc != TF_ERR_CONFIG)
    return rc;
  if (in) {
    json_decref(def);
    if (opt->flags & TF_OPT_SECRET)
      check_secret(v, opt);
    rc = check_value(v, opt, in, &value);
    if (rc == TF_OK)
      return tf__config_set_new(v->cfg, opt->name, value, 1);
    return rc == TF_ERR_CONFIG ? TF_OK : rc;
  }
  if (def)
    return tf__config_set_new(v->cfg, opt->name, def, 0);
  if ((opt->flags & TF_OPT_REQUIRED) && !opt->default_value)
    report(v, NULL, -1, "missing required option \"%s\"", opt->name);
  return TF_OK;
}

static int check_all(validator *v, const json_t *given)
{
  const tf_option *opt;
  int rc;

  if (given && !json_is_object(given)) {
    report(v, NULL, -1, "expected an object, got %s", kind_of(given));
    return TF_OK;
  }
  if (given) {
    rc = check_unknown_keys(v, given);
    if (rc != TF_OK)
      return rc;
  }
  for (opt = v->table; opt && opt->name; opt++) {
    rc = check_option(v, opt, given);
    if (rc != TF_OK)
      return rc;
  }
  return TF_OK;
}

int tf_options_validate(const tf_option *table, const json_t *given,
                        const json_t *raw, const char *json_path,
                        const char *base_dir, tf_diag_fn diag, void *ud,
                        tf_config **out)
{
  validator v = {
      table, raw, json_path ? json_path : "", base_dir, diag, ud, NULL, 0, 0};
  int rc;

  if (out)
    *out = NULL;
  v.cfg = tf__config_new(table, base_dir);
  if (!v.cfg)
    return TF_ERR_NOMEM;
  rc = check_all(&v, given);
  if (rc == TF_OK && v.problems)
    rc = TF_ERR_CONFIG;
  if (rc != TF_OK || !out) {
    tf_config_free(v.cfg);
    return rc;
  }
  *out = v.cfg;
  return TF_OK;
}
