/*
 * cmd_explain.c - `touchflow explain PIPELINE --biz-uid ID | --email ADDR |
 * --record FILE:LINE`: the pipeline run for one visitor, in memory, and
 * its journey told (explain.h; docs/operations.md#explaining-a-journey).
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <touchflow/error.h>
#include <touchflow/options.h>

#include "cli.h"
#include "explain.h"
#include "fsutil.h"

#define SESSION_TIMEOUT_MS (30LL * 60 * 1000)

/* The identities (BizibleIds, emails) joined to the ones known by the
 * pairs seen in pass 1, until nothing new comes. */
static int close_identities(tf__explain *e)
{
  size_t i, before;
  int rc = TF_OK;

  do {
    before = e->biz.n + e->emails.n;
    for (i = 0; i < json_array_size(e->pairs) && rc == TF_OK; i++) {
      const json_t *pair = json_array_get(e->pairs, i);
      const char *b = json_string_value(json_array_get(pair, 0));
      const char *m = json_string_value(json_array_get(pair, 1));

      if (tf__strset_has(&e->biz, b))
        rc = tf__strset_add(&e->emails, m);
      else if (tf__strset_has(&e->emails, m))
        rc = tf__strset_add(&e->biz, b);
    }
  } while (rc == TF_OK && e->biz.n + e->emails.n != before);
  return rc;
}

static int add_lower(tf__strset *set, const char *s)
{
  char buf[512];
  size_t i;

  for (i = 0; s[i] && i + 1 < sizeof(buf); i++)
    buf[i] = (char)tolower((unsigned char)s[i]);
  buf[i] = '\0';
  return tf__strset_add(set, buf);
}

/* --record FILE:LINE: FILE as given, else under the pipeline's folder. */
static int parse_record(tf__explain *e, const char *arg, const char *dir)
{
  const char *colon = strrchr(arg, ':');
  char file[PATH_MAX], *end;
  long line;

  if (!colon || colon == arg || (size_t)(colon - arg) >= sizeof(file))
    return -1;
  line = strtol(colon + 1, &end, 10);
  if (*end || line < 1)
    return -1;
  memcpy(file, arg, (size_t)(colon - arg));
  file[colon - arg] = '\0';
  e->record_line = line;
  e->record_path = realpath(file, NULL);
  if (!e->record_path && file[0] != '/') {
    char joined[PATH_MAX * 2];

    snprintf(joined, sizeof(joined), "%s/%s", dir, file);
    e->record_path = realpath(joined, NULL);
  }
  return e->record_path ? 0 : -2;
}

static long long session_timeout(const tf__pipeline *p)
{
  int64_t ms;

  for (size_t i = 0; i < p->n_stages; i++) {
    const char *t = json_string_value(
        json_object_get(p->stages[i].config, "session_timeout"));

    if (strcmp(p->stages[i].plugin_name, "session_merge") == 0 && t &&
        tf_parse_duration(t, &ms) == TF_OK)
      return ms;
  }
  return SESSION_TIMEOUT_MS;
}

/* One pass of the pipeline; its dead letters go to dead_path. */
static int run_pass(tf__pipeline *p, const char *dead_path)
{
  tf__run_options opt;

  tf__run_options_default(&opt);
  opt.quiet = 1;
  opt.progress = TF_PROGRESS_NEVER;
  /* The sources' emit() is filter_emit (explain_stages.c), which learns
   * into state shared by every source: all on the pipeline thread. */
  opt.source_threads = 0;
  free(p->dead_letter_path);
  p->dead_letter_path = strdup(dead_path);
  return p->dead_letter_path ? tf__run(p, &opt) : 1;
}

/* 1 when a string inside v equals (any case) one of the identities. */
static int mentions(const tf__explain *e, const json_t *v)
{
  const char *key;
  json_t *item;
  size_t i;

  if (json_is_string(v)) {
    char buf[512];
    const char *s = json_string_value(v);

    for (i = 0; s[i] && i + 1 < sizeof(buf); i++)
      buf[i] = (char)tolower((unsigned char)s[i]);
    buf[i] = '\0';
    return tf__strset_has(&e->biz, buf) || tf__strset_has(&e->emails, buf);
  }
  json_object_foreach ((json_t *)v, key, item)
    if (mentions(e, item))
      return 1;
  json_array_foreach (v, i, item)
    if (mentions(e, item))
      return 1;
  return 0;
}

/* The dead letters about the visitor, from the file of pass 2. */
static json_t *read_dead_letters(const tf__explain *e, const char *path,
                                 const char *dir)
{
  json_t *all = json_array();
  FILE *f = fopen(path, "r");
  char line[1 << 16], input[PATH_MAX * 2];

  while (all && f && fgets(line, sizeof(line), f)) {
    json_t *dl = json_loads(line, 0, NULL);
    const char *in = json_string_value(json_object_get(dl, "input"));
    const char *colon = in ? strrchr(in, ':') : NULL;
    int same = 0;

    if (colon) {
      snprintf(input, sizeof(input), "%s%s%.*s", in[0] == '/' ? "" : dir,
               in[0] == '/' ? "" : "/", (int)(colon - in), in);
      same = tf__explain_same_input(e, input, atol(colon + 1));
    }
    if (dl && (same || mentions(e, json_object_get(dl, "record"))))
      json_array_append(all, dl);
    json_decref(dl);
  }
  if (f)
    fclose(f);
  return all;
}

static int usage(const char *why)
{
  fprintf(stderr,
          "touchflow: %s\nusage: touchflow explain PIPELINE.json (--biz-uid "
          "ID | --email ADDR | --record FILE:LINE) [--plugin-path DIR]...\n",
          why);
  return 2;
}

static void cleanup(tf__explain *e)
{
  tf__strset_clear(&e->biz);
  tf__strset_clear(&e->emails);
  json_decref(e->pairs);
  json_decref(e->events);
  json_decref(e->outputs);
  free((char *)e->record_path);
}

static int seed(tf__explain *e, const tf__cli_args *args, const char *dir)
{
  int n =
      !!args->explain_biz_uid + !!args->explain_email + !!args->explain_record;

  if (n != 1)
    return usage("explain needs one of --biz-uid, --email or --record");
  if (args->explain_biz_uid && add_lower(&e->biz, args->explain_biz_uid))
    return 1;
  if (args->explain_email && add_lower(&e->emails, args->explain_email))
    return 1;
  if (args->explain_record) {
    int rc = parse_record(e, args->explain_record, dir);

    if (rc == -1)
      return usage("--record takes FILE:LINE (a line number from 1)");
    if (rc == -2) {
      fprintf(stderr, "touchflow: --record %s: no such file\n",
              args->explain_record);
      return 2;
    }
  }
  return 0;
}

/* Both passes and the story; the exit status. */
static int explain(tf__explain *e, tf__pipeline *p, const char *tmp,
                   const char *who)
{
  char dead1[PATH_MAX], dead2[PATH_MAX];
  json_t *dead;
  int rc, found;

  snprintf(dead1, sizeof(dead1), "%s/learn.ndjson", tmp);
  snprintf(dead2, sizeof(dead2), "%s/explain.ndjson", tmp);
  e->learning = 1;
  rc = run_pass(p, dead1);
  if (rc == 0 && close_identities(e) != TF_OK)
    rc = 1;
  e->learning = 0;
  if (rc == 0)
    rc = run_pass(p, dead2);
  if (rc != 0) {
    fprintf(stderr, "touchflow: explain: the pipeline failed (exit %d)\n", rc);
    return rc;
  }
  dead = read_dead_letters(e, dead2, p->dir);
  found = json_array_size(e->events) > 0 || json_array_size(dead) > 0;
  if (found)
    tf__explain_print(e, dead, session_timeout(p), stdout);
  else
    fprintf(stderr,
            "touchflow: explain: %s: no record of %s in the inputs of this "
            "pipeline\n",
            p->file, who);
  json_decref(dead);
  unlink(dead1);
  unlink(dead2);
  return found ? 0 : 1;
}

int tf__cmd_explain(const tf__cli_args *args)
{
  tf__explain e;
  tf__loader *loader;
  tf__pipeline *p = NULL;
  tf__diag diag;
  char tmp[] = "/tmp/touchflow-explain-XXXXXX";
  char *saved;
  int rc;

  memset(&e, 0, sizeof(e));
  e.pairs = json_array();
  e.events = json_array();
  e.outputs = json_array();
  if (!(loader = tf__cli_loader(args)))
    return 2;
  tf__diag_init(&diag, args->target);
  if (tf__pipeline_load(args->target, loader, &diag, &p) != TF_OK) {
    tf__diag_print(&diag, stderr);
    rc = 2;
  } else if ((e.dir = p->dir, rc = seed(&e, args, p->dir)) == 0 &&
             !mkdtemp(tmp)) {
    perror("touchflow: explain: a temporary folder");
    rc = 1;
  } else if (rc == 0 && tf__explain_wire(&e, p) != TF_OK) {
    fprintf(stderr, "touchflow: explain: more than %d stages\n",
            TF_EXPLAIN_MAX_STAGES);
    rc = 2;
  } else if (rc == 0) {
    saved = p->dead_letter_path;
    p->dead_letter_path = NULL;
    rc = explain(&e, p, tmp,
                 args->explain_biz_uid ? args->explain_biz_uid
                 : args->explain_email ? args->explain_email
                                       : args->explain_record);
    free(p->dead_letter_path);
    p->dead_letter_path = saved;
    tf__explain_unwire(&e, p);
    rmdir(tmp);
  }
  tf__diag_cleanup(&diag);
  tf__pipeline_free(p);
  tf__loader_free(loader);
  cleanup(&e);
  return rc;
}
