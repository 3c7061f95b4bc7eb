/*
 * touchflow/configcheck.h - helpers for a plugin's own config checks, the
 * check() callback of the descriptor (plugin.h).
 *
 * check() judges a config the option table has already accepted and
 * reports each problem with a JSON path inside the stage's config
 * ("mapping", "channel_rules[2].match") through a tf_problem_fn:
 * tf_problemf() formats one.  `touchflow validate` calls check() and shows
 * every problem; init() must call the same check() through
 * tf_check_logged(), which logs each problem as an error, so that what
 * validate accepts init() accepts too.
 *
 * A message never holds the value of a secret option.
 */
#ifndef TOUCHFLOW_CONFIGCHECK_H
#define TOUCHFLOW_CONFIGCHECK_H

#include "host.h"
#include "options.h"
#include "plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The type of the descriptor's check member. */
typedef int (*tf_check_fn)(const tf_config *config, tf_problem_fn problem,
                           void *ud);

/* problem(ud, path, message) with a printf-style message (cut at 512
 * bytes).  path may be "" (the config as a whole). */
void tf_problemf(tf_problem_fn problem, void *ud, const char *path,
                 const char *fmt, ...) TF_PRINTF(4, 5);

/* For init(): runs check on config and logs every problem it reports
 * through host->log at TF_LOG_ERROR, as "PATH: message" (or "message" when
 * the path is "").  Returns what check returned, except TF_ERR_CONFIG when
 * it reported a problem and still returned TF_OK. */
int tf_check_logged(tf_check_fn check, const tf_config *config, tf_ctx *ctx,
                    const tf_host *host);

#ifdef __cplusplus
}
#endif
#endif
