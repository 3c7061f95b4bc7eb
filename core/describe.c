/*
 * describe.c - prints descriptors and option tables (describe.h).
 */
#include <inttypes.h>
#include <string.h>

#include "describe.h"

static json_t *allowed_json(const tf_option *o)
{
  json_t *arr = json_array();
  size_t i;

  for (i = 0; arr && o->allowed && o->allowed[i]; i++)
    json_array_append_new(arr, json_string(o->allowed[i]));
  return arr;
}

static json_t *option_json(const tf_option *o)
{
  json_t *obj = json_pack("{s:s, s:s, s:b, s:b, s:b, s:s}", "name", o->name,
                          "type", tf_option_type_name(o->type), "required",
                          !!(o->flags & TF_OPT_REQUIRED), "secret",
                          !!(o->flags & TF_OPT_SECRET), "path",
                          !!(o->flags & TF_OPT_PATH), "description",
                          o->description ? o->description : "");

  if (!obj)
    return NULL;
  json_object_set_new(obj, "default",
                      o->default_value ? json_string(o->default_value)
                                       : json_null());
  if (o->flags & TF_OPT_RANGE) {
    json_object_set_new(obj, "min", json_real(o->min));
    json_object_set_new(obj, "max", json_real(o->max));
  }
  if (o->type == TF_OPT_ENUM)
    json_object_set_new(obj, "allowed", allowed_json(o));
  return obj;
}

json_t *tf__describe_json(const tf__loaded_plugin *p, int with_options)
{
  const tf_plugin *d = p->plugin;
  char abi[32];
  json_t *obj, *opts;
  size_t i;

  snprintf(abi, sizeof(abi), "%u", (unsigned)d->abi_major);
  obj = json_pack(
      "{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "name", d->name, "kind",
      tf_plugin_kind_name(d->kind), "version", d->version ? d->version : "",
      "description", d->description ? d->description : "", "license",
      d->license ? d->license : "", "abi", abi, "module", p->module_path);
  if (!obj || !with_options)
    return obj;
  opts = json_array();
  for (i = 0; opts && d->options && d->options[i].name; i++)
    json_array_append_new(opts, option_json(&d->options[i]));
  json_object_set_new(obj, "options", opts);
  return obj;
}

void tf__describe_line(FILE *out, const tf__loaded_plugin *p)
{
  const tf_plugin *d = p->plugin;

  fprintf(out, "%-10s %-16s %-8s %s\n", tf_plugin_kind_name(d->kind), d->name,
          d->version ? d->version : "", d->description ? d->description : "");
}

/* Ranges print in the converted unit the type names (bytes for sizes,
 * milliseconds for durations), whole numbers without an exponent. */
static void print_range(FILE *out, const tf_option *o)
{
  const char *unit = o->type == TF_OPT_SIZE       ? " bytes"
                     : o->type == TF_OPT_DURATION ? " ms"
                     : o->type == TF_OPT_LIST     ? " elements"
                                                  : "";

  fprintf(out, ", range %.15g to %.15g%s", o->min, o->max, unit);
}

static void print_option(FILE *out, const tf_option *o)
{
  size_t i;

  fprintf(out, "  %s\n      %s", o->name, tf_option_type_name(o->type));
  if (o->type == TF_OPT_ENUM && o->allowed) {
    fputs(" (", out);
    for (i = 0; o->allowed[i]; i++)
      fprintf(out, "%s%s", i ? " | " : "", o->allowed[i]);
    fputc(')', out);
  }
  if (o->flags & TF_OPT_REQUIRED)
    fputs(", required", out);
  if (o->default_value)
    fprintf(out, ", default: %s", o->default_value);
  else if (!(o->flags & TF_OPT_REQUIRED))
    fputs(", optional, no default", out);
  if (o->flags & TF_OPT_RANGE)
    print_range(out, o);
  if (o->flags & TF_OPT_PATH)
    fputs(", a path (relative to the pipeline file)", out);
  if (o->flags & TF_OPT_SECRET)
    fputs(", secret: give it as \"${ENV_VAR}\"; never printed", out);
  fprintf(out, "\n      %s\n", o->description ? o->description : "");
}

void tf__describe_text(FILE *out, const tf__loaded_plugin *p)
{
  const tf_plugin *d = p->plugin;
  size_t i, n = tf_options_count(d->options);

  fprintf(out, "%s %s %s\n", tf_plugin_kind_name(d->kind), d->name,
          d->version ? d->version : "");
  fprintf(out, "  %s\n\n", d->description ? d->description : "");
  fprintf(out, "  license: %s\n  ABI:     %u\n  module:  %s\n\n",
          d->license ? d->license : "(none)", (unsigned)d->abi_major,
          p->module_path);
  fprintf(out, "Options (%zu):\n", n);
  for (i = 0; i < n; i++)
    print_option(out, &d->options[i]);
  if (n == 0)
    fputs("  (none)\n", out);
}
