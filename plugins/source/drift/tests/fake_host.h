/*
 * fake_host.h - a host table for the drift tests: emit collects records,
 * reject collects {code, message, file, line} entries, metric adds up
 * counters, log keeps the last line.  Call fake_host_reset() in a test's
 * setup and fake_host_clear() in its teardown.
 */
#ifndef DRIFT_FAKE_HOST_H
#define DRIFT_FAKE_HOST_H

#include <stdint.h>
#include <touchflow/touchflow.h>

struct tf_ctx {
  int unused;
};

extern tf_ctx fake_ctx;
extern const tf_host fake_host;
extern tf_batch *fake_emitted; /* every emitted record, in order */
extern json_t *fake_rejects;   /* [{"code","message","file","line"}] */
extern json_t *fake_metrics;   /* {"name": total} */
extern char fake_last_log[1024];

void fake_host_reset(void);
void fake_host_clear(void);

/* The total of counter `name` (0 when never counted). */
int64_t fake_metric(const char *name);

/* The code of the i-th rejected record, or NULL. */
const char *fake_reject_code(size_t i);

/* The i-th emitted record, borrowed. */
const tf_record *fake_chat(size_t i);

#endif
