/*
 * sink_checked.c - test sink with a check(): its `mode` option says what
 * check() does, to test how the host reports a plugin's own config
 * problems (full JSON paths, secret values masked, refusals without a
 * problem, a failing check).  It accepts every batch and writes nothing.
 */
#include <stdlib.h>
#include <string.h>
#include <touchflow/touchflow.h>

static const char *const modes[] = {"ok",    "echo_secret", "silent",
                                    "nomem", "nested",      NULL};

static const tf_option checked_options[] = {
    {"mode", TF_OPT_ENUM, "ok", 0, 0, 0, modes,
     "ok: no problem; echo_secret: problems quoting the token; silent: "
     "refused without a problem; nomem: the check fails; nested: a problem "
     "deep inside the config."},
    {"token", TF_OPT_STRING, NULL, TF_OPT_SECRET, 0, 0, NULL,
     "A secret, which check() quotes in echo_secret mode."},
    {NULL, 0, NULL, 0, 0, 0, NULL, NULL}};

static int checked_check(const tf_config *cfg, tf_problem_fn problem, void *ud)
{
  const char *mode = tf_config_string(cfg, "mode");
  const char *token = tf_config_string(cfg, "token");
  char path[256];

  if (strcmp(mode, "echo_secret") == 0) {
    tf_problemf(problem, ud, "token", "\"%s\" is not accepted",
                token ? token : "");
    snprintf(path, sizeof(path), "allowed.%s", token ? token : "");
    problem(ud, path, "not in the list");
    problem(ud, "", "a problem of the config as a whole");
    return TF_ERR_CONFIG;
  }
  if (strcmp(mode, "nested") == 0) {
    problem(ud, "rules[2].match.utm_mediun", "unknown condition");
    return TF_ERR_CONFIG;
  }
  if (strcmp(mode, "silent") == 0)
    return TF_ERR_CONFIG;
  return strcmp(mode, "nomem") == 0 ? TF_ERR_NOMEM : TF_OK;
}

static int checked_init(tf_ctx *ctx, const tf_host *host, const tf_config *cfg,
                        void **state)
{
  int rc = tf_check_logged(checked_check, cfg, ctx, host);

  *state = NULL;
  return rc;
}

static void checked_fini(void *state)
{
  (void)state;
}

static tf_sink_result checked_write(void *state, tf_ctx *ctx,
                                    const tf_batch *batch)
{
  (void)state;
  (void)ctx;
  (void)batch;
  return TF_SINK_OK;
}

static const tf_sink_plugin checked_plugin = {
    TF_SINK_HEADER,
    .base.name = "checked",
    .base.version = "1.0.0",
    .base.description = "Test sink whose check() does what its mode says.",
    .base.license = "MIT",
    .base.options = checked_options,
    .base.init = checked_init,
    .base.fini = checked_fini,
    .write = checked_write,
    .base.check = checked_check,
};

TF_SINK_PLUGIN(sink_checked, checked_plugin)
