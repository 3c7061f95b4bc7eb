/*
 * fakehost.h - a host table for the marketo sink's tests: it records the
 * dead-lettered records, the counters and the log lines, and starts and
 * stops a sink instance the way the runner does.
 */
#ifndef MKTO_FAKEHOST_H
#define MKTO_FAKEHOST_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include <touchflow/touchflow.h>

/* One dead-lettered record. */
typedef struct fake_reject {
  char code[64];
  char message[512];
  json_t *record; /* a copy of the record's JSON */
} fake_reject;

extern const tf_host fake_host;
extern tf_ctx *fake_ctx;

/* Forgets every reject, counter and log line. */
void fake_reset(void);

size_t fake_reject_count(void);
const fake_reject *fake_reject_at(size_t i);
/* Rejects with this code. */
size_t fake_rejects_with(const char *code);

/* A counter's value (0 when never reported). */
int64_t fake_metric(const char *name);

/* 1 when a log line contains needle. */
int fake_log_contains(const char *needle);
/* Every log line, joined by newlines (for failure messages). */
const char *fake_log_text(void);

/* A running sink instance. */
typedef struct fake_sink {
  const tf_sink_plugin *plugin;
  tf_config *cfg;
  void *state;
} fake_sink;

/* Validates config_json against the plugin's table (which must pass) and
 * calls init(); returns init's code. */
int fake_sink_start(fake_sink *sink, const char *config_json);

/* write() of the records of a JSON array (string), in batches of
 * batch_records like the runner; returns the last verdict that was not
 * TF_SINK_OK, else TF_SINK_OK. */
tf_sink_result fake_sink_write_json(fake_sink *sink, const json_t *records,
                                    size_t batch_records);

/* fini() and frees the config. */
void fake_sink_stop(fake_sink *sink);

#endif
