/*
 * run_metrics.h - the run's metrics outputs (internal;
 * docs/operations.md#metrics): the endpoint of --metrics-listen and the
 * file of --metrics-textfile.
 *
 * The run's thread publishes a fresh exposition to the endpoint at most
 * every TF_METRICS_PUBLISH_S seconds, between batches; the server thread
 * only ever reads what was published (metrics_server.h).  The textfile is
 * written once, when the run ends, atomically.
 */
#ifndef TF_CORE_RUN_METRICS_H
#define TF_CORE_RUN_METRICS_H

#include <stddef.h>

#include "runner_internal.h"

#define TF_METRICS_PUBLISH_S 0.1

/* The start of the run: notes the time, and whether to time stage calls. */
void tf__run_metrics_init(tf__runner *r);

/* Starts the endpoint when --metrics-listen asks for one and prints where
 * it listens (and a warning when that is not a loopback address).  0, or
 * the exit status 2 with the reason in err (an address in use). */
int tf__run_metrics_start(tf__runner *r, char *err, size_t errlen);

/* Between batches: publishes when the last publication is old enough. */
void tf__run_metrics_tick(tf__runner *r);

/* The end of the run, with its exit status: writes --metrics-textfile
 * (a failure is printed, the status stays) and stops the endpoint. */
void tf__run_metrics_end(tf__runner *r, int status);

#endif
