/*
 * test_check_host.c - libtouchflow-check's host starts a plugin the three
 * ways a test asks for (check() then init(), init() alone, check() alone)
 * and forgets records without forgetting the run's messages.
 *
 * The plugin under test is defined here: a transform whose check() refuses
 * "limit" above 10 and whose init() refuses 0, counting its init() and
 * fini() calls.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <touchflow/check.h>
#include <touchflow/touchflow.h>

static int inits, finis;

typedef struct strict {
  tf_ctx *ctx;
  const tf_host *host;
} strict;

static const tf_option strict_options[] = {
    {"limit", TF_OPT_INT, "1", 0, 0, 0, NULL, "How many (1 to 10)."},
    {NULL, 0, NULL, 0, 0, 0, NULL, NULL}};

static int strict_check(const tf_config *cfg, tf_problem_fn problem, void *ud)
{
  if (tf_config_int(cfg, "limit") <= 10)
    return TF_OK;
  problem(ud, "limit", "at most 10");
  return TF_OK; /* a problem reported is a refusal, whatever it returns */
}

static int strict_init(tf_ctx *ctx, const tf_host *host, const tf_config *cfg,
                       void **state)
{
  strict *s;

  inits++;
  if (tf_config_int(cfg, "limit") == 0) {
    host->log(ctx, TF_LOG_ERROR, "limit must not be 0");
    return TF_ERR_CONFIG;
  }
  s = calloc(1, sizeof(*s));
  if (!s)
    return TF_ERR_NOMEM;
  s->ctx = ctx;
  s->host = host;
  host->log(ctx, TF_LOG_INFO, "started");
  *state = s;
  return TF_OK;
}

static void strict_fini(void *state)
{
  finis++;
  free(state);
}

/* Emits every JSON record again, rejects raw ones, counts "seen". */
static int strict_process(void *state, tf_ctx *ctx, const tf_batch *batch)
{
  strict *s = state;
  size_t i;
  int rc = TF_OK;

  for (i = 0; i < tf_batch_count(batch) && rc == TF_OK; i++) {
    tf_record *rec = tf_batch_get(batch, i);

    s->host->metric(ctx, "seen", 1);
    rc = !tf_record_has_json(rec)
             ? s->host->reject(ctx, rec, "not_json", "not JSON")
             : s->host->emit(ctx, tf_record_ref(rec));
  }
  s->host->log(ctx, TF_LOG_WARN, "processed %zu", tf_batch_count(batch));
  return rc;
}

static const tf_transform_plugin strict_plugin = {
    TF_TRANSFORM_HEADER,
    .base.name = "strict",
    .base.version = "1.0.0",
    .base.description = "A test transform with a check().",
    .base.license = "MIT",
    .base.options = strict_options,
    .base.check = strict_check,
    .base.init = strict_init,
    .base.fini = strict_fini,
    .process = strict_process,
};

/* The same transform without check(). */
static const tf_plugin *lax_plugin(void)
{
  static tf_transform_plugin lax;

  lax = strict_plugin;
  lax.base.name = "lax";
  lax.base.check = NULL;
  return &lax.base;
}

static void reset_counts(void)
{
  inits = finis = 0;
}

static json_t *config_with_limit(json_int_t limit)
{
  json_t *cfg = json_pack("{s:I}", "limit", limit);

  ck_assert_ptr_nonnull(cfg);
  return cfg;
}

START_TEST(init_runs_check_before_init)
{
  tf_check_host *h = tf_check_host_new(&strict_plugin.base, NULL);
  json_t *cfg = config_with_limit(20);
  char msg[512];

  ck_assert_int_eq(tf_check_host_init(h, cfg, NULL), TF_ERR_CONFIG);
  ck_assert_int_eq(inits, 0);
  ck_assert_int_eq(tf_check_live(h), 0);
  ck_assert_str_eq(tf_check_messages_text(h, msg, sizeof(msg)),
                   "check: limit: at most 10");
  ck_assert_uint_eq(tf_check_error_count(h), 1);
  tf_check_host_free(h);
  json_decref(cfg);
}
END_TEST

START_TEST(init_unchecked_skips_check)
{
  tf_check_host *h = tf_check_host_new(&strict_plugin.base, NULL);
  json_t *cfg = config_with_limit(20);
  char msg[512];

  ck_assert_int_eq(tf_check_host_init_unchecked(h, cfg, NULL), TF_OK);
  ck_assert_int_eq(inits, 1);
  ck_assert_int_eq(tf_check_live(h), 1);
  ck_assert_uint_eq(tf_check_error_count(h), 0);
  ck_assert_str_eq(tf_check_messages_text(h, msg, sizeof(msg)),
                   "info: started");
  tf_check_host_free(h);
  ck_assert_int_eq(finis, 1);
  json_decref(cfg);
}
END_TEST

START_TEST(init_unchecked_returns_what_init_refused)
{
  tf_check_host *h = tf_check_host_new(&strict_plugin.base, NULL);
  json_t *cfg = config_with_limit(0);
  char msg[512];

  ck_assert_int_eq(tf_check_host_init_unchecked(h, cfg, NULL), TF_ERR_CONFIG);
  ck_assert_int_eq(tf_check_live(h), 0);
  ck_assert_uint_eq(tf_check_error_count(h), 1);
  ck_assert_str_eq(tf_check_messages_text(h, msg, sizeof(msg)),
                   "error: limit must not be 0");
  tf_check_host_free(h);
  ck_assert_int_eq(finis, 0); /* fini follows only a successful init */
  json_decref(cfg);
}
END_TEST

START_TEST(init_unchecked_refuses_what_the_table_refuses)
{
  tf_check_host *h = tf_check_host_new(&strict_plugin.base, NULL);
  json_t *cfg = json_pack("{s:s}", "limit", "many");
  char msg[512];

  ck_assert_int_eq(tf_check_host_init_unchecked(h, cfg, NULL), TF_ERR_CONFIG);
  ck_assert_int_eq(inits, 0);
  ck_assert_ptr_nonnull(
      strstr(tf_check_messages_text(h, msg, sizeof(msg)), "invalid: "));
  ck_assert_ptr_nonnull(strstr(msg, "limit"));
  tf_check_host_free(h);
  json_decref(cfg);
}
END_TEST

START_TEST(validate_runs_check_without_init)
{
  tf_check_host *h = tf_check_host_new(&strict_plugin.base, NULL);
  json_t *bad = config_with_limit(20), *good = config_with_limit(7);
  char msg[512];

  ck_assert_int_eq(tf_check_host_validate(h, bad, NULL), TF_ERR_CONFIG);
  ck_assert_str_eq(tf_check_messages_text(h, msg, sizeof(msg)),
                   "check: limit: at most 10");
  tf_check_clear(h);
  ck_assert_int_eq(tf_check_host_validate(h, good, NULL), TF_OK);
  ck_assert_uint_eq(tf_check_error_count(h), 0);
  ck_assert_ptr_nonnull(tf_check_config(h));
  ck_assert_int_eq(tf_config_int(tf_check_config(h), "limit"), 7);
  ck_assert_int_eq(inits, 0);
  ck_assert_int_eq(tf_check_live(h), 0);
  tf_check_host_free(h);
  json_decref(bad);
  json_decref(good);
}
END_TEST

START_TEST(validate_without_check_only_uses_the_table)
{
  tf_check_host *h = tf_check_host_new(lax_plugin(), NULL);
  json_t *cfg = config_with_limit(20), *unknown = json_pack("{s:i}", "lim", 1);

  ck_assert_int_eq(tf_check_host_validate(h, cfg, NULL), TF_OK);
  ck_assert_int_eq(tf_check_host_validate(h, unknown, NULL), TF_ERR_CONFIG);
  ck_assert_uint_eq(tf_check_error_count(h), 1);
  ck_assert_int_eq(inits, 0);
  tf_check_host_free(h);
  json_decref(cfg);
  json_decref(unknown);
}
END_TEST

START_TEST(validate_finishes_a_live_instance)
{
  tf_check_host *h = tf_check_host_new(&strict_plugin.base, NULL);
  json_t *cfg = config_with_limit(3);

  ck_assert_int_eq(tf_check_host_init(h, cfg, NULL), TF_OK);
  ck_assert_int_eq(tf_check_host_validate(h, cfg, NULL), TF_OK);
  ck_assert_int_eq(finis, 1);
  ck_assert_int_eq(tf_check_live(h), 0);
  tf_check_host_free(h);
  ck_assert_int_eq(finis, 1);
  json_decref(cfg);
}
END_TEST

/* One JSON record and one raw record. */
static tf_batch *mixed_batch(void)
{
  static const char good[] = "{\"n\": 1}", bad[] = "{\"n\": ";
  tf_batch *batch = tf_batch_new();

  ck_assert_ptr_nonnull(batch);
  ck_assert_int_eq(tf_batch_push(batch, tf_record_parse(good, sizeof(good) - 1,
                                                        NULL, NULL, 0)),
                   TF_OK);
  ck_assert_int_eq(
      tf_batch_push(batch, tf_record_new_raw(bad, sizeof(bad) - 1, NULL)),
      TF_OK);
  return batch;
}

START_TEST(clear_records_keeps_logs_metrics_and_messages)
{
  tf_check_host *h = tf_check_host_new(&strict_plugin.base, "s");
  tf_batch *batch = mixed_batch();
  char before[512], after[512];

  ck_assert_int_eq(tf_check_host_init_text(h, "{}", NULL), TF_OK);
  ck_assert_int_eq(tf_check_process(h, batch), TF_OK);
  ck_assert_uint_eq(tf_check_emitted_count(h), 1);
  ck_assert_uint_eq(tf_check_reject_count(h), 1);
  tf_check_messages_text(h, before, sizeof(before));
  ck_assert_str_eq(before, "info: started; warning: processed 2");

  tf_check_clear_records(h);
  ck_assert_uint_eq(tf_check_emitted_count(h), 0);
  ck_assert_uint_eq(tf_check_reject_count(h), 0);
  ck_assert_ptr_null(tf_check_reject_get(h, 0));
  ck_assert_uint_eq(json_array_size(tf_check_rejects_json(h)), 0);
  ck_assert_uint_eq(tf_check_log_count(h), 2);
  ck_assert_int_eq(tf_check_metric(h, "seen"), 2);
  ck_assert_str_eq(tf_check_messages_text(h, after, sizeof(after)), before);

  ck_assert_int_eq(tf_check_process(h, batch), TF_OK);
  ck_assert_uint_eq(tf_check_emitted_count(h), 1);
  ck_assert_int_eq(tf_check_metric(h, "seen"), 4);
  tf_check_clear(h);
  ck_assert_uint_eq(tf_check_log_count(h), 0);
  ck_assert_int_eq(tf_check_metric(h, "seen"), 0);
  ck_assert_str_eq(tf_check_messages_text(h, after, sizeof(after)),
                   "(no message)");
  tf_check_host_free(h);
  tf_batch_free(batch);
}
END_TEST

static TCase *start_tests(void)
{
  TCase *tc = tcase_create("start");

  tcase_add_checked_fixture(tc, reset_counts, NULL);
  tcase_add_test(tc, init_runs_check_before_init);
  tcase_add_test(tc, init_unchecked_skips_check);
  tcase_add_test(tc, init_unchecked_returns_what_init_refused);
  tcase_add_test(tc, init_unchecked_refuses_what_the_table_refuses);
  tcase_add_test(tc, validate_runs_check_without_init);
  tcase_add_test(tc, validate_without_check_only_uses_the_table);
  tcase_add_test(tc, validate_finishes_a_live_instance);
  return tc;
}

static TCase *collect_tests(void)
{
  TCase *tc = tcase_create("collect");

  tcase_add_test(tc, clear_records_keeps_logs_metrics_and_messages);
  return tc;
}

TF_CHECK_MAIN("check_host", start_tests, collect_tests)
