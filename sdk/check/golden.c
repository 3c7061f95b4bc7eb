/*
 * golden.c - golden-case folders (touchflow/check.h): config.json, an
 * optional input.ndjson, expected.ndjson and expected_rejects.ndjson; the
 * plugin runs through a tf_check_host and its output is compared.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <touchflow/check.h>
#include <touchflow/record_json.h>

#define PRODUCE_MAX 64
#define PRODUCE_CALLS 1000000

static int exists(const char *dir, const char *name, char *path, size_t len)
{
  struct stat st;
  int n = snprintf(path, len, "%s/%s", dir, name);

  if (n < 0 || (size_t)n >= len)
    return 0;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Reads an optional NDJSON file of the case: an empty batch when absent. */
static int read_optional(const char *dir, const char *name, tf_batch **out,
                         char *msg, size_t len)
{
  char path[4096], err[512];
  int rc;

  if (!exists(dir, name, path, sizeof(path))) {
    *out = tf_batch_new();
    return *out ? TF_OK : TF_ERR_NOMEM;
  }
  rc = tf_check_read_ndjson(path, out, err, sizeof(err));
  if (rc != TF_OK && msg)
    snprintf(msg, len, "%s: %s", dir, err);
  return rc;
}

static int compare_rejects(const tf_check_host *h, const tf_batch *want,
                           const char *dir, char *msg, size_t len)
{
  size_t n_got = tf_check_reject_count(h), n_want = tf_batch_count(want);
  size_t i;

  for (i = 0; i < n_got && i < n_want; i++) {
    const tf_check_reject *r = tf_check_reject_get(h, i);
    const json_t *w = tf_record_json(tf_batch_get(want, i));
    const char *code = json_string_value(json_object_get(w, "code"));
    const json_t *line = json_object_get(w, "line");
    const char *part = json_string_value(json_object_get(w, "message"));

    if (!code) {
      snprintf(msg, len, "%s: expected_rejects.ndjson:%zu has no \"code\"", dir,
               i + 1);
      return TF_ERR_PARSE;
    }
    if (strcmp(code, r->code) != 0 ||
        (line && json_integer_value(line) != r->origin.line) ||
        (part && !strstr(r->message, part))) {
      snprintf(msg, len,
               "%s: reject %zu: expected %s at line %ld%s%s%s, got %s at "
               "line %ld: %s",
               dir, i + 1, code, line ? (long)json_integer_value(line) : 0L,
               part ? " (message with \"" : "", part ? part : "",
               part ? "\")" : "", r->code, r->origin.line, r->message);
      return TF_ERR_INVAL;
    }
  }
  if (n_got == n_want)
    return TF_OK;
  if (n_got > n_want) {
    const tf_check_reject *r = tf_check_reject_get(h, i);

    snprintf(msg, len,
             "%s: expected %zu rejects, got %zu: reject %zu is %s at line "
             "%ld: %s",
             dir, n_want, n_got, i + 1, r->code, r->origin.line, r->message);
  } else {
    snprintf(msg, len, "%s: expected %zu rejects, got %zu", dir, n_want, n_got);
  }
  return TF_ERR_INVAL;
}

/* Runs the instance over the input as its kind does in a pipeline. */
static int run_case(tf_check_host *h, const tf_batch *input, const char *dir,
                    char *msg, size_t len)
{
  const tf_plugin *p = tf_check_plugin(h);
  char buf[2048];
  int rc;

  switch (p->kind) {
  case TF_KIND_SOURCE:
    rc = tf_check_produce_all(h, PRODUCE_MAX, PRODUCE_CALLS);
    if (rc != TF_DONE) {
      snprintf(msg, len, "%s: produce() returned %d (%s): %s", dir, rc,
               rc == TF_MORE ? "never done" : tf_strerror(rc),
               tf_check_messages_text(h, buf, sizeof(buf)));
      return rc == TF_MORE ? TF_ERR_PLUGIN : rc;
    }
    return TF_OK;
  case TF_KIND_TRANSFORM:
    rc = tf_check_process(h, input);
    if (rc == TF_OK)
      rc = tf_check_flush(h);
    break;
  case TF_KIND_SINK: {
    tf_sink_result verdict = tf_check_write(h, input);

    if (verdict != TF_SINK_OK) {
      snprintf(msg, len, "%s: write() returned %d: %s", dir, (int)verdict,
               tf_check_messages_text(h, buf, sizeof(buf)));
      return TF_ERR_PLUGIN;
    }
    rc = tf_check_flush(h);
    break;
  }
  default:
    snprintf(msg, len, "%s: unknown plugin kind %d", dir, (int)p->kind);
    return TF_ERR_INVAL;
  }
  if (rc != TF_OK)
    snprintf(msg, len, "%s: the plugin failed (%s): %s", dir, tf_strerror(rc),
             tf_check_messages_text(h, buf, sizeof(buf)));
  return rc;
}

int tf_check_golden_dir(const tf_plugin *plugin, const char *dir, char *msg,
                        size_t len)
{
  char path[4096], buf[2048], local[16];
  json_error_t error;
  json_t *config = NULL;
  tf_batch *input = NULL, *expected = NULL, *want_rejects = NULL;
  tf_check_host *h = NULL;
  int rc;

  if (!msg) {
    msg = local;
    len = sizeof(local);
  }
  if (len)
    msg[0] = '\0';
  if (!exists(dir, "config.json", path, sizeof(path))) {
    snprintf(msg, len, "%s: no config.json", dir);
    return TF_ERR_NOTFOUND;
  }
  config = json_load_file(path, 0, &error);
  if (!json_is_object(config)) {
    snprintf(msg, len, "%s: config.json is not a JSON object%s%s", dir,
             config ? "" : ": ", config ? "" : error.text);
    json_decref(config);
    return TF_ERR_PARSE;
  }
  rc = read_optional(dir, "input.ndjson", &input, msg, len);
  if (rc == TF_OK)
    rc = read_optional(dir, "expected.ndjson", &expected, msg, len);
  if (rc == TF_OK)
    rc = read_optional(dir, "expected_rejects.ndjson", &want_rejects, msg, len);
  if (rc != TF_OK)
    goto out;
  h = tf_check_host_new(plugin, "golden");
  if (!h) {
    rc = TF_ERR_NOMEM;
    goto out;
  }
  rc = tf_check_host_init(h, config, dir);
  if (rc != TF_OK) {
    snprintf(msg, len, "%s: init failed (%s): %s", dir, tf_strerror(rc),
             tf_check_messages_text(h, buf, sizeof(buf)));
    goto out;
  }
  rc = run_case(h, input, dir, msg, len);
  if (rc != TF_OK)
    goto out;
  if (tf_check_error_count(h) > 0) {
    snprintf(msg, len, "%s: the plugin logged errors: %s", dir,
             tf_check_messages_text(h, buf, sizeof(buf)));
    rc = TF_ERR_PLUGIN;
    goto out;
  }
  rc =
      tf_check_compare_batches(tf_check_emitted(h), expected, buf, sizeof(buf));
  if (rc != TF_OK) {
    snprintf(msg, len, "%s: expected.ndjson: %s", dir, buf);
    goto out;
  }
  rc = compare_rejects(h, want_rejects, dir, msg, len);
out:
  tf_check_host_free(h);
  tf_batch_free(input);
  tf_batch_free(expected);
  tf_batch_free(want_rejects);
  json_decref(config);
  return rc;
}

static int by_name(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

int tf_check_golden_tree(const tf_plugin *plugin, const char *root,
                         size_t *cases, char *msg, size_t len)
{
  DIR *d = opendir(root);
  struct dirent *e;
  char **names = NULL, path[4096], config[4096], one[2048], local[16];
  size_t n = 0, cap = 0, i, ran = 0, used = 0;
  int rc = TF_OK;

  if (cases)
    *cases = 0;
  if (!msg) {
    msg = local;
    len = sizeof(local);
  }
  if (len)
    msg[0] = '\0';
  if (!d) {
    snprintf(msg, len, "%s: %s", root, strerror(errno));
    return TF_ERR_IO;
  }
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.')
      continue;
    if (n == cap) {
      size_t grown_cap = cap ? cap * 2 : 16;
      char **grown = realloc(names, grown_cap * sizeof(*grown));

      if (!grown) {
        rc = TF_ERR_NOMEM;
        break;
      }
      names = grown;
      cap = grown_cap;
    }
    names[n] = strdup(e->d_name);
    if (!names[n]) {
      rc = TF_ERR_NOMEM;
      break;
    }
    n++;
  }
  closedir(d);
  if (rc == TF_OK && n)
    qsort(names, n, sizeof(*names), by_name);
  for (i = 0; rc != TF_ERR_NOMEM && i < n; i++) {
    int one_rc;
    int n_path = snprintf(path, sizeof(path), "%s/%s", root, names[i]);

    if (n_path < 0 || (size_t)n_path >= sizeof(path))
      continue;
    if (!exists(path, "config.json", config, sizeof(config)))
      continue;
    ran++;
    one_rc = tf_check_golden_dir(plugin, path, one, sizeof(one));
    if (one_rc == TF_OK)
      continue;
    if (rc == TF_OK)
      rc = one_rc;
    if (used + 1 < len) {
      int w = snprintf(msg + used, len - used, "%s%s", used ? "\n" : "", one);

      if (w > 0)
        used += (size_t)w;
    }
  }
  for (i = 0; i < n; i++)
    free(names[i]);
  free(names);
  if (cases)
    *cases = ran;
  if (rc == TF_OK && !ran) {
    snprintf(msg, len, "%s: no golden case (a folder with config.json)", root);
    return TF_ERR_NOTFOUND;
  }
  return rc;
}
