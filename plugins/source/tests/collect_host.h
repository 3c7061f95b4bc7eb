/*
 * collect_host.h - the fake host the source plugins' tests drive plugins
 * through: emit collects records, reject collects {code, message, line,
 * record} objects, metric sums counters, log keeps the last message.
 * One per test process; collect_host_setup/teardown are Check fixtures.
 */
#ifndef TF_TESTS_COLLECT_HOST_H
#define TF_TESTS_COLLECT_HOST_H

#include <touchflow/touchflow.h>

extern tf_ctx *const collect_ctx;
extern const tf_host collect_host;

extern tf_batch *emitted; /* what the plugin emitted, in order */
extern json_t *rejects;   /* [{"code", "message", "line", "record"?}] */
extern json_t *metrics;   /* {"name": total} */
extern char last_log[1024];

/* The stage id host->stage_id answers; set it before setup. */
extern const char *collect_stage_id;

void collect_host_setup(void);
void collect_host_teardown(void);

#endif
