/*
 * transform_picky.c - broken on purpose: its check() refuses what its
 * init() accepts ("every" below 2, the default included), so `validate`
 * would refuse a pipeline `run` could run.  Conformance must fail
 * "check_sample" only.
 */
#include "copy_transform.h"

static const tf_option picky_options[] = {
    {"every", TF_OPT_INT, "1", 0, 0, 0, NULL,
     "Keep one record out of this many (all of them: 1)."},
    {NULL, 0, NULL, 0, 0, 0, NULL, NULL}};

static int picky_check(const tf_config *cfg, tf_problem_fn problem, void *ud)
{
  if (tf_config_int(cfg, "every") >= 2)
    return TF_OK;
  problem(ud, "every", "must be at least 2");
  return TF_ERR_CONFIG;
}

static const tf_transform_plugin picky_plugin = {
    TF_TRANSFORM_HEADER,
    .base.name = "picky",
    .base.version = "1.0.0",
    .base.description =
        "Broken on purpose: check() refuses what init() accepts.",
    .base.license = "MIT",
    .base.options = picky_options,
    .base.init = copier_init,
    .base.fini = copier_fini,
    .process = copier_process,
    .base.check = picky_check,
};

TF_TRANSFORM_PLUGIN(transform_picky, picky_plugin)
