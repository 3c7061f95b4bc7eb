/*
 * tfnats.h - what the `nats` sink and the `nats` source share: the
 * connection options, connecting (with reconnect and backoff), the stream's
 * subjects, the partition of a key, and the message headers that carry a
 * record's origin and the per-partition markers.
 *
 * Compiled into both modules (each has its own copy; nothing here keeps
 * global state).  libnats keeps process-wide state of its own that it frees
 * only in nats_Close(); neither plugin calls it, since a pipeline may hold
 * a nats sink and a nats source at once and neither may tear the library
 * down under the other (valgrind shows it as "still reachable", which
 * .ci/valgrind does not count as a leak).
 */
#ifndef TF_NATS_COMMON_H
#define TF_NATS_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <nats/nats.h>
#include <touchflow/plugin.h>

/* The options both plugins take, first in their tables. */
#define TFNATS_OPTIONS                                                         \
  {"url",                                                                      \
   TF_OPT_STRING,                                                              \
   "nats://127.0.0.1:4222",                                                    \
   0,                                                                          \
   0,                                                                          \
   0,                                                                          \
   NULL,                                                                       \
   "The NATS servers, comma separated (nats://host:port or tls://...). "       \
   "The client picks one and fails over to the others."},                      \
      {"token",                                                                \
       TF_OPT_STRING,                                                          \
       NULL,                                                                   \
       TF_OPT_SECRET,                                                          \
       0,                                                                      \
       0,                                                                      \
       NULL,                                                                   \
       "An authentication token, as one ${ENV} reference. Unset: no token."},  \
      {"credentials",                                                          \
       TF_OPT_STRING,                                                          \
       NULL,                                                                   \
       TF_OPT_PATH,                                                            \
       0,                                                                      \
       0,                                                                      \
       NULL,                                                                   \
       "A NATS .creds file (JWT and NKey seed). Unset: none."},                \
      {"tls_ca",                                                               \
       TF_OPT_STRING,                                                          \
       NULL,                                                                   \
       TF_OPT_PATH,                                                            \
       0,                                                                      \
       0,                                                                      \
       NULL,                                                                   \
       "A PEM file of CA certificates that sign the servers' certificates. "   \
       "Unset: TLS only when the URL asks for it, with the system's CAs."},    \
      {"connect_timeout",                                                      \
       TF_OPT_DURATION,                                                        \
       "5s",                                                                   \
       TF_OPT_RANGE,                                                           \
       1,                                                                      \
       600000,                                                                 \
       NULL,                                                                   \
       "How long one connection attempt may take."},                           \
      {"reconnect_wait",                                                       \
       TF_OPT_DURATION,                                                        \
       "250ms",                                                                \
       TF_OPT_RANGE,                                                           \
       1,                                                                      \
       60000,                                                                  \
       NULL,                                                                   \
       "The first wait between reconnection attempts after the connection "    \
       "is lost; libnats adds jitter and tries each server in turn."},         \
      {"max_reconnect",                                                        \
       TF_OPT_INT,                                                             \
       "120",                                                                  \
       TF_OPT_RANGE,                                                           \
       -1,                                                                     \
       1000000,                                                                \
       NULL,                                                                   \
       "Reconnection attempts before the connection is given up (-1: "         \
       "forever)."},                                                           \
      {"request_timeout",                                                      \
       TF_OPT_DURATION,                                                        \
       "10s",                                                                  \
       TF_OPT_RANGE,                                                           \
       1,                                                                      \
       600000,                                                                 \
       NULL,                                                                   \
       "How long a JetStream request (a publish acknowledgement, a stream "    \
       "or consumer call) may take before it counts as failed."},              \
      {"stream",    TF_OPT_STRING,                                             \
       "TOUCHFLOW", 0,                                                         \
       0,           0,                                                         \
       NULL,        "The JetStream stream that holds the records."},           \
      {"subject_prefix",                                                       \
       TF_OPT_STRING,                                                          \
       "touchflow.records",                                                    \
       0,                                                                      \
       0,                                                                      \
       0,                                                                      \
       NULL,                                                                   \
       "Partition p is the subject PREFIX.p; the stream holds PREFIX.*."},     \
  {                                                                            \
    "partitions", TF_OPT_INT, "8", TF_OPT_RANGE, 1, 4096, NULL,                \
        "How many partitions the records are spread over. Every ingest "       \
        "and merge worker of one stream must use the same number."             \
  }

/* Header names.  Every message carries Tf-Kind: "record" (a record's JSON
 * text as its body, Tf-File and Tf-Line its origin when known), "end" (the
 * partition's end of input from the producer named by Tf-Producer) or
 * "watermark" (that producer's watermark on the partition, Tf-Watermark in
 * epoch milliseconds: no record it publishes to the partition after the
 * marker has an event time before it). */
#define TFNATS_H_KIND "Tf-Kind"
#define TFNATS_H_FILE "Tf-File"
#define TFNATS_H_LINE "Tf-Line"
#define TFNATS_H_PRODUCER "Tf-Producer"
#define TFNATS_H_WATERMARK "Tf-Watermark"
#define TFNATS_KIND_RECORD "record"
#define TFNATS_KIND_END "end"
#define TFNATS_KIND_WATERMARK "watermark"

typedef struct tfnats_conn {
  natsConnection *nc;
  jsCtx *js;
  char *url; /* as configured, for messages (never holds the token) */
} tfnats_conn;

/* FNV-1a, 32 bits: the same on every machine and every build. */
uint32_t tfnats_fnv1a32(const void *data, size_t len);

/* FNV-1a, 64 bits, continuing from h (start with TFNATS_FNV64_OFFSET). */
#define TFNATS_FNV64_OFFSET UINT64_C(0xcbf29ce484222325)
uint64_t tfnats_fnv1a64(uint64_t h, const void *data, size_t len);

/* A record's message id (sink_nats.c says why): "PRODUCER-HASH-K" when
 * file and line > 0 are known, HASH the FNV-1a 64 of "FILE:LINE\0BYTES"
 * and K how many ids right before had that HASH (*last_hash and *repeat
 * carry it from record to record); else "PRODUCER-nORDINAL-HASH".  Cut to
 * len - 1 characters. */
#define TFNATS_ID_MAX 256
void tfnats_msg_id(char *buf, size_t len, const char *producer,
                   const char *file, long line, const char *bytes, size_t blen,
                   uint64_t ordinal, uint64_t *last_hash, uint64_t *repeat);

/* The partition of a key: fnv1a32(key) mod partitions. */
unsigned tfnats_partition(const char *key, size_t len, unsigned partitions);

/* The config check both share: a usable subject prefix and stream name. */
int tfnats_check(const tf_config *cfg, tf_problem_fn problem, void *ud);

/* Connects to the configured servers and opens a JetStream context.  On
 * failure logs why, naming the URL and libnats' error, and returns
 * TF_ERR_IO (nothing is left to free).  jo: the JetStream context's
 * options (Wait is set from request_timeout here), or NULL. */
int tfnats_connect(tfnats_conn *c, const tf_config *cfg, tf_ctx *ctx,
                   const tf_host *host, const char *name, jsOptions *jo);

/* Closes and frees; NULL-safe members. */
void tfnats_close(tfnats_conn *c);

/* "PREFIX.p" into buf; 0, or -1 when it does not fit. */
int tfnats_subject(char *buf, size_t len, const char *prefix, unsigned p);

/* A marker for partition p from producer: kind TFNATS_KIND_END, or
 * TFNATS_KIND_WATERMARK with wm.  Its message id (PRODUCER-end-P,
 * PRODUCER-wm-P-W) makes JetStream store a marker sent again once.
 * NATS_OK with *out the caller's, or an error (nothing to free). */
natsStatus tfnats_marker(natsMsg **out, const char *prefix, unsigned p,
                         const char *producer, const char *kind, int64_t wm);

#endif
