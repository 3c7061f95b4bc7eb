/*
 * checks_common.c - the checks every plugin must pass, whatever its kind:
 * a complete descriptor, an inspect output generated from it, init (and
 * check(), when the plugin has one) with the sample config, every kind of
 * invalid config refused with a message, edge values taken or refused
 * cleanly, and init/fini cycles that leak neither memory nor descriptors.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "describe.h"
#include "gauge.h"
#include "invalid.h"
#include "loader.h"
#include "suite.h"

/* Problems found, joined with "; ". */
typedef struct problems {
  char text[TF_CONF_MSG];
  size_t n;
} problems;

static void problem(problems *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void problem(problems *p, const char *fmt, ...)
{
  size_t used = strlen(p->text);
  va_list ap;

  if (used + 3 >= sizeof(p->text))
    return;
  if (p->n++)
    used += (size_t)snprintf(p->text + used, sizeof(p->text) - used, "; ");
  va_start(ap, fmt);
  vsnprintf(p->text + used, sizeof(p->text) - used, fmt, ap);
  va_end(ap);
}

static int is_empty(const char *s)
{
  return !s || !*s;
}

static void check_header(const tf_plugin *d, problems *p)
{
  const tf_source_plugin *src = tf_plugin_source(d);
  const tf_transform_plugin *tr = tf_plugin_transform(d);
  const tf_sink_plugin *sink = tf_plugin_sink(d);

  if (d->abi_major != TF_ABI_MAJOR)
    problem(p, "ABI %u: this SDK is %d", (unsigned)d->abi_major, TF_ABI_MAJOR);
  if (!src && !tr && !sink)
    problem(p, "struct_size %u is too small for a %s descriptor",
            d->struct_size, tf_plugin_kind_name(d->kind));
  if (!tf__loader_valid_name(d->name))
    problem(p, "name must be [a-z0-9_]+");
  if (is_empty(d->version))
    problem(p, "version is empty");
  if (is_empty(d->description))
    problem(p, "description is empty");
  if (is_empty(d->license))
    problem(p, "license is empty (an SPDX identifier, e.g. \"MIT\")");
  if (src && (src->position == NULL) != (src->seek == NULL))
    problem(p, "position() and seek() come together (one is NULL)");
  if ((tr && (tr->snapshot == NULL) != (tr->restore == NULL)) ||
      (sink && (sink->snapshot == NULL) != (sink->restore == NULL)))
    problem(p, "snapshot() and restore() come together (one is NULL)");
}

static void check_option(const tf_option *o, problems *p)
{
  if (!tf__loader_valid_name(o->name))
    problem(p, "option \"%s\": name must be [a-z0-9_]+", o->name);
  if (o->type < TF_OPT_STRING || o->type > TF_OPT_OBJECT)
    problem(p, "option \"%s\": unknown type %d", o->name, (int)o->type);
  if (is_empty(o->description))
    problem(p, "option \"%s\": no description", o->name);
  if (o->default_value && (o->flags & TF_OPT_REQUIRED))
    problem(p, "option \"%s\": required options have no default", o->name);
  if (o->type == TF_OPT_ENUM && (!o->allowed || !o->allowed[0]))
    problem(p, "option \"%s\": an enum without allowed values", o->name);
  if ((o->flags & TF_OPT_RANGE) && o->min > o->max)
    problem(p, "option \"%s\": range min %g > max %g", o->name, o->min, o->max);
}

/* The defaults must pass the plugin's own table: the SDK checks every
 * default of an option left unset and calls a bad one a "plugin bug". */
static void default_diag(void *ud, const char *json_path, const char *message)
{
  if (strstr(message, "plugin bug"))
    problem(ud, "%s: %s", json_path, message);
}

static void check_defaults(const tf_option *table, problems *p)
{
  tf_config *cfg = NULL;

  tf_options_validate(table, NULL, NULL, "option", NULL, default_diag, p, &cfg);
  tf_config_free(cfg);
}

START_TEST(descriptor)
{
  const tf_plugin *d = tf_conf.plugin;
  const tf_option *o;
  problems p = {"", 0};

  check_header(d, &p);
  for (o = d->options; o && o->name; o++)
    check_option(o, &p);
  check_defaults(d->options, &p);
  ck_assert_msg(p.n == 0, "expected a complete descriptor; %zu problem(s): %s",
                p.n, p.text);
}
END_TEST

/* Checks the JSON description against the option table. */
static void check_described_options(const json_t *desc, problems *p)
{
  const tf_option *table = tf_conf.plugin->options;
  const json_t *opts = json_object_get(desc, "options");
  size_t i, n = tf_options_count(table);

  if (json_array_size(opts) != n) {
    problem(p, "inspect --json lists %zu options, the table has %zu",
            json_array_size(opts), n);
    return;
  }
  for (i = 0; i < n; i++) {
    const json_t *o = json_array_get(opts, i);

    if (!json_is_string(json_object_get(o, "type")) ||
        !json_object_get(o, "default") ||
        !json_is_boolean(json_object_get(o, "required")))
      problem(p,
              "inspect --json: option \"%s\" lacks type, default or "
              "required",
              table[i].name);
  }
}

START_TEST(inspect)
{
  tf__loaded_plugin lp = {tf_conf.plugin, tf_conf.module_path};
  json_t *desc = tf__describe_json(&lp, 1);
  problems p = {"", 0};
  const tf_option *o;
  char *text = NULL;
  size_t len = 0;
  FILE *out = open_memstream(&text, &len);

  ck_assert_msg(desc != NULL, "inspect --json gave nothing (out of memory)");
  ck_assert_msg(out != NULL, "open_memstream failed");
  tf__describe_text(out, &lp);
  fclose(out);
  check_described_options(desc, &p);
  if (!text || !strstr(text, tf_conf.plugin->name))
    problem(&p, "inspect's text does not name the plugin");
  for (o = tf_conf.plugin->options; o && o->name; o++)
    if (!text || !strstr(text, o->name))
      problem(&p, "inspect's text does not show option \"%s\"", o->name);
  free(text);
  json_decref(desc);
  ck_assert_msg(p.n == 0, "expected inspect to show every option; %s", p.text);
}
END_TEST

START_TEST(init_sample)
{
  tf_check_host *h = tf_conf_start(NULL);

  tf_conf_done(h, NULL, NULL);
}
END_TEST

/* A plugin with a check() must accept the sample config with it: validate
 * (which runs check()) may not refuse what init() takes. */
START_TEST(check_sample)
{
  tf_check_host *h = tf_check_host_new(tf_conf.plugin, "conformance");
  json_t *cfg = tf_conf_sample_config();
  char msgs[TF_CONF_MSG];
  int rc;

  ck_assert_msg(h != NULL, "out of memory");
  rc = tf_check_host_validate(h, cfg, tf_conf.file.fixtures_dir);
  tf_check_messages_text(h, msgs, sizeof(msgs));
  tf_conf_done(h, NULL, cfg);
  ck_assert_msg(rc == TF_OK,
                "expected check() to accept the sample config, it returned "
                "%d (%s): %s",
                rc, tf_strerror(rc), msgs);
}
END_TEST

/* One config that must be refused: validation or init() fails, with at
 * least one message, and without a crash. */
typedef struct refusal {
  const json_t *config;
  const char *option; /* the option a validation message must name */
} refusal;

static int refuse_case(const void *arg, char *msg, size_t len)
{
  const refusal *r = arg;
  tf_check_host *h = tf_check_host_new(tf_conf.plugin, "conformance");
  char msgs[TF_CONF_MSG];
  int rc, ok;

  if (!h)
    return snprintf(msg, len, "out of memory"), -1;
  rc = tf_check_host_init_unchecked(h, r->config, tf_conf.file.fixtures_dir);
  tf_check_messages_text(h, msgs, sizeof(msgs));
  ok = rc != TF_OK && tf_check_error_count(h) > 0 &&
       (!r->option || rc != TF_ERR_CONFIG || strstr(msgs, r->option));
  if (rc == TF_OK)
    snprintf(msg, len, "was accepted (init returned TF_OK)");
  else if (!ok && tf_check_error_count(h) == 0)
    snprintf(msg, len,
             "was refused (%s) without an error message: log one with "
             "host->log(ctx, TF_LOG_ERROR, ...)",
             tf_strerror(rc));
  else if (!ok)
    snprintf(msg, len, "was refused but no message names \"%s\": %s", r->option,
             msgs);
  tf_check_host_free(h);
  return ok ? 0 : -1;
}

/* Runs every config of cases (label -> config), each in its own process,
 * and fails the check listing every one that was not refused properly. */
static void expect_refused(const json_t *cases, int name_option)
{
  const char *label;
  const json_t *cfg;
  problems p = {"", 0};
  char why[TF_CONF_MSG], err[256];

  json_object_foreach ((json_t *)cases, label, cfg) {
    json_t *expanded = tf_conf_file_expand(cfg, err, sizeof(err));
    char option[256] = "";
    refusal r = {expanded, NULL};

    if (!expanded) {
      problem(&p, "%s: %s", label, err);
      continue;
    }
    if (name_option) {
      snprintf(option, sizeof(option), "%.*s", (int)strcspn(label, " "), label);
      r.option = option;
    }
    if (tf_conf_isolated(refuse_case, &r, why, sizeof(why)) != 0)
      problem(&p, "config with %s: %s", label, why);
    json_decref(expanded);
  }
  ck_assert_msg(p.n == 0,
                "expected every invalid config refused with a "
                "message; %zu not: %s",
                p.n, p.text);
}

static void expect_kind_refused(tf_invalid_kind kind)
{
  json_t *cases =
      tf_invalid_configs(tf_conf.plugin->options, tf_conf.file.config, kind);

  ck_assert_msg(cases != NULL, "out of memory");
  expect_refused(cases, kind != TF_INVALID_UNKNOWN_KEY);
  json_decref(cases);
}

START_TEST(invalid_unknown_key)
{
  expect_kind_refused(TF_INVALID_UNKNOWN_KEY);
}
END_TEST

START_TEST(invalid_wrong_type)
{
  expect_kind_refused(TF_INVALID_WRONG_TYPE);
}
END_TEST

START_TEST(invalid_missing_required)
{
  expect_kind_refused(TF_INVALID_MISSING_REQUIRED);
}
END_TEST

START_TEST(invalid_out_of_range)
{
  expect_kind_refused(TF_INVALID_OUT_OF_RANGE);
}
END_TEST

START_TEST(invalid_plugin_specific)
{
  expect_refused(tf_conf.file.invalid, 0);
}
END_TEST

/* An edge-value config: init() takes it (then fini) or refuses it with an
 * error message; validation may refuse it too. */
static int edge_case(const void *arg, char *msg, size_t len)
{
  tf_check_host *h = tf_check_host_new(tf_conf.plugin, "conformance");
  int rc, ok;

  if (!h)
    return snprintf(msg, len, "out of memory"), -1;
  rc = tf_check_host_init_unchecked(h, arg, tf_conf.file.fixtures_dir);
  ok = rc == TF_OK || tf_check_error_count(h) > 0;
  if (!ok)
    snprintf(msg, len,
             "init() refused it (%s) without an error message: log one "
             "with host->log(ctx, TF_LOG_ERROR, ...)",
             tf_strerror(rc));
  tf_check_host_free(h);
  return ok ? 0 : -1;
}

START_TEST(config_edge_values)
{
  json_t *cases = tf_edge_configs(tf_conf.plugin->options, tf_conf.file.config);
  const char *label;
  const json_t *cfg;
  problems p = {"", 0};
  char why[TF_CONF_MSG], err[256];

  ck_assert_msg(cases != NULL, "out of memory");
  json_object_foreach (cases, label, cfg) {
    json_t *expanded = tf_conf_file_expand(cfg, err, sizeof(err));

    if (!expanded)
      problem(&p, "%s: %s", label, err);
    else if (tf_conf_isolated(edge_case, expanded, why, sizeof(why)) != 0)
      problem(&p, "config with %s: %s", label, why);
    json_decref(expanded);
  }
  json_decref(cases);
  ck_assert_msg(p.n == 0,
                "expected init() to take or cleanly refuse every "
                "edge value; %zu failed: %s",
                p.n, p.text);
}
END_TEST

/* One init/fini cycle with the sample config. */
static void cycle(const json_t *cfg)
{
  tf_check_host *h = tf_conf_start(cfg);

  tf_check_host_free(h);
}

#define WARMUP_CYCLES 10
#define MEASURED_CYCLES 40

START_TEST(init_fini_cycles)
{
  json_t *cfg = tf_conf_sample_config();
  size_t heap, fds, i, heap_after, fds_after;
  char list[TF_CONF_MSG];

  for (i = 0; i < WARMUP_CYCLES; i++)
    cycle(cfg);
  heap = tf_gauge_heap_bytes();
  fds = tf_gauge_open_fds();
  for (i = 0; i < MEASURED_CYCLES; i++)
    cycle(cfg);
  heap_after = tf_gauge_heap_bytes();
  fds_after = tf_gauge_open_fds();
  json_decref(cfg);
  ck_assert_msg(fds_after <= fds,
                "expected no descriptor left open after fini(); %zu more "
                "open after %d init/fini cycles (open now: %s)",
                fds_after - fds, MEASURED_CYCLES,
                tf_gauge_fd_list(list, sizeof(list)));
  ck_assert_msg(heap_after < heap + 16 * MEASURED_CYCLES,
                "expected fini() to free what init() allocated; %zu more "
                "heap bytes in use after %d init/fini cycles (about %zu a "
                "cycle)",
                heap_after - heap, MEASURED_CYCLES,
                (heap_after - heap) / MEASURED_CYCLES);
}
END_TEST

const tf_conf_check tf_conf_common_checks[] = {
    {"descriptor", 0, &descriptor,
     "ABI, name, version, license, description; every option typed, "
     "described, with a default or required"},
    {"inspect", 0, &inspect, "inspect's text and JSON show every option"},
    {"init_sample", 0, &init_sample, "init() with the sample config succeeds"},
    {"check_sample", 0, &check_sample,
     "check(), when the plugin has one, accepts the sample config"},
    {"invalid_unknown_key", 0, &invalid_unknown_key,
     "an unknown option is refused with a message"},
    {"invalid_wrong_type", 0, &invalid_wrong_type,
     "each option given a value of the wrong type is refused"},
    {"invalid_missing_required", 0, &invalid_missing_required,
     "each required option left out is refused"},
    {"invalid_out_of_range", 0, &invalid_out_of_range,
     "each ranged or enum option given a value outside is refused"},
    {"invalid_plugin_specific", 0, &invalid_plugin_specific,
     "the conformance file's invalid_configs are refused by init()"},
    {"config_edge_values", 0, &config_edge_values,
     "empty, zero, -1 and every allowed value: taken or refused cleanly"},
    {"init_fini_cycles", 0, &init_fini_cycles,
     "50 init/fini cycles leak no memory and no descriptor"},
    {NULL, 0, NULL, NULL}};
