/*
 * report.c - prints the conformance report and writes it as JSON (see
 * report.h).
 */
#include <string.h>

#include "report.h"

json_t *tf_report_new(const char *kind, const char *name, const char *version,
                      const char *module, const char *conformance_file)
{
  return json_pack("{s:s, s:s, s:s, s:s, s:s?, s:[]}", "kind", kind, "plugin",
                   name, "version", version ? version : "", "module", module,
                   "conformance_file", conformance_file, "checks");
}

int tf_report_add(json_t *report, const char *check, const char *result,
                  const char *message)
{
  json_t *entry = json_pack("{s:s, s:s, s:s}", "name", check, "result", result,
                            "message", message ? message : "");

  if (!entry)
    return -1;
  return json_array_append_new(json_object_get(report, "checks"), entry);
}

size_t tf_report_count(const json_t *report, const char *result)
{
  const json_t *entry;
  size_t i, n = 0;

  json_array_foreach (json_object_get(report, "checks"), i, entry)
    n += strcmp(json_string_value(json_object_get(entry, "result")), result) ==
         0;
  return n;
}

static const char *label_of(const char *result)
{
  if (strcmp(result, "pass") == 0)
    return "PASS";
  if (strcmp(result, "fail") == 0)
    return "FAIL";
  if (strcmp(result, "skip") == 0)
    return "SKIP";
  return "NOT RUN";
}

void tf_report_print(const json_t *report, FILE *out)
{
  const json_t *entry;
  const char *file =
      json_string_value(json_object_get(report, "conformance_file"));
  size_t i;

  fprintf(out, "touchflow-conformance: %s \"%s\" %s (%s)\n",
          json_string_value(json_object_get(report, "kind")),
          json_string_value(json_object_get(report, "plugin")),
          json_string_value(json_object_get(report, "version")),
          json_string_value(json_object_get(report, "module")));
  fprintf(out, "conformance file: %s\n", file ? file : "(none)");
  json_array_foreach (json_object_get(report, "checks"), i, entry) {
    const char *msg = json_string_value(json_object_get(entry, "message"));

    fprintf(out, "%-7s %s%s%s\n",
            label_of(json_string_value(json_object_get(entry, "result"))),
            json_string_value(json_object_get(entry, "name")),
            msg && *msg ? ": " : "", msg ? msg : "");
  }
  fprintf(out, "%zu checks: %zu passed, %zu failed, %zu skipped, %zu not run\n",
          json_array_size(json_object_get(report, "checks")),
          tf_report_count(report, "pass"), tf_report_count(report, "fail"),
          tf_report_count(report, "skip"), tf_report_count(report, "not_run"));
}

int tf_report_write_json(const json_t *report, const char *path)
{
  json_t *out = json_deep_copy(report);
  json_t *passed = json_array(), *failed = json_object(),
         *skipped = json_object(), *not_run = json_array();
  const json_t *entry;
  size_t i;
  int rc = -1;

  if (!out || !passed || !failed || !skipped || !not_run)
    goto out_decref;
  json_array_foreach (json_object_get(report, "checks"), i, entry) {
    const char *name = json_string_value(json_object_get(entry, "name"));
    const char *result = json_string_value(json_object_get(entry, "result"));
    json_t *msg = json_incref(json_object_get(entry, "message"));

    if (strcmp(result, "pass") == 0)
      json_array_append_new(passed, json_string(name));
    else if (strcmp(result, "fail") == 0)
      json_object_set(failed, name, msg);
    else if (strcmp(result, "skip") == 0)
      json_object_set(skipped, name, msg);
    else
      json_array_append_new(not_run, json_string(name));
    json_decref(msg);
  }
  json_object_set(out, "passed", passed);
  json_object_set(out, "failed", failed);
  json_object_set(out, "skipped", skipped);
  json_object_set(out, "not_run", not_run);
  rc = json_dump_file(out, path, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
out_decref:
  json_decref(passed);
  json_decref(failed);
  json_decref(skipped);
  json_decref(not_run);
  json_decref(out);
  return rc;
}
