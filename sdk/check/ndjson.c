/*
 * ndjson.c - reading NDJSON files into batches and comparing runs of
 * records (touchflow/check.h).  Tests are not the fast path: records are
 * compared through jansson trees.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <touchflow/check.h>
#include <touchflow/record_json.h>

int tf_check_read_ndjson(const char *path, tf_batch **out, char *err,
                         size_t errlen)
{
  FILE *in;
  tf_batch *batch;
  char *line = NULL, why[256];
  size_t cap = 0;
  ssize_t n;
  long lineno = 0;
  int rc = TF_OK;

  *out = NULL;
  in = fopen(path, "r");
  if (!in) {
    if (err)
      snprintf(err, errlen, "%s: %s", path, strerror(errno));
    return TF_ERR_IO;
  }
  batch = tf_batch_new();
  if (!batch) {
    fclose(in);
    return TF_ERR_NOMEM;
  }
  while ((n = getline(&line, &cap, in)) >= 0) {
    tf_origin origin = {path, ++lineno};
    size_t len = (size_t)n;
    tf_record *rec;

    while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
      len--;
    if (strspn(line, " \t") >= len)
      continue;
    rec = tf_record_parse(line, len, &origin, why, sizeof(why));
    if (!rec) {
      if (err)
        snprintf(err, errlen, "%s:%ld: %s", path, lineno, why);
      rc = TF_ERR_PARSE;
      break;
    }
    rc = tf_batch_push(batch, rec);
    if (rc != TF_OK)
      break;
  }
  if (rc == TF_OK && ferror(in)) {
    if (err)
      snprintf(err, errlen, "%s: read error", path);
    rc = TF_ERR_IO;
  }
  free(line);
  fclose(in);
  if (rc != TF_OK) {
    tf_batch_free(batch);
    return rc;
  }
  *out = batch;
  return TF_OK;
}

char *tf_check_record_text(const tf_record *rec)
{
  const json_t *obj = tf_record_json(rec);
  const char *bytes;
  size_t len;
  char *text;

  if (obj)
    return json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS);
  bytes = tf_record_bytes(rec, &len);
  text = malloc(len + 5);
  if (!text)
    return NULL;
  memcpy(text, "raw:", 4);
  if (len)
    memcpy(text + 4, bytes, len);
  text[len + 4] = '\0';
  return text;
}

static int records_equal(const tf_record *a, const tf_record *b)
{
  const json_t *ja = tf_record_json(a), *jb = tf_record_json(b);
  const char *ba, *bb;
  size_t la, lb;

  if (ja || jb)
    return ja && jb && json_equal((json_t *)ja, (json_t *)jb);
  ba = tf_record_bytes(a, &la);
  bb = tf_record_bytes(b, &lb);
  return la == lb && (!la || memcmp(ba, bb, la) == 0);
}

int tf_check_compare_batches(const tf_batch *got, const tf_batch *expected,
                             char *msg, size_t len)
{
  size_t n_got = tf_batch_count(got), n_want = tf_batch_count(expected);
  size_t i;

  for (i = 0; i < n_got && i < n_want; i++) {
    const tf_record *g = tf_batch_get(got, i), *w = tf_batch_get(expected, i);
    char *gt, *wt;

    if (records_equal(g, w))
      continue;
    if (msg) {
      gt = tf_check_record_text(g);
      wt = tf_check_record_text(w);
      snprintf(msg, len, "record %zu differs: expected %s, got %s", i + 1,
               wt ? wt : "?", gt ? gt : "?");
      free(gt);
      free(wt);
    }
    return TF_ERR_INVAL;
  }
  if (n_got == n_want)
    return TF_OK;
  if (msg) {
    const tf_record *extra =
        n_got > n_want ? tf_batch_get(got, i) : tf_batch_get(expected, i);
    char *text = tf_check_record_text(extra);

    snprintf(msg, len, "expected %zu records, got %zu: record %zu is %s%s",
             n_want, n_got, i + 1,
             n_got > n_want ? "" : "missing: ", text ? text : "?");
    free(text);
  }
  return TF_ERR_INVAL;
}

int tf_check_compare_ndjson(const tf_batch *got, const char *expected_path,
                            char *msg, size_t len)
{
  tf_batch *want;
  char err[512];
  int rc = tf_check_read_ndjson(expected_path, &want, err, sizeof(err));

  if (rc != TF_OK) {
    if (msg)
      snprintf(msg, len, "%s", err);
    return rc;
  }
  rc = tf_check_compare_batches(got, want, msg, len);
  tf_batch_free(want);
  return rc;
}
