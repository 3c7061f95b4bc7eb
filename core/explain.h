/*
 * explain.h - `touchflow explain` (docs/operations.md#explaining-a-journey):
 * runs a pipeline for one visitor and tells the journey (internal).
 *
 * The command runs the pipeline twice, in memory, with the same runner as
 * `run`:
 *   1. learn: every source's records are read and dropped before the
 *      transforms; the pairs (BizibleId, email) they carry are kept, so that
 *      the visitor's identities are known (a BizibleId, the emails it gave,
 *      the other BizibleIds of those emails); --record finds its record.
 *   2. explain: only the records of those identities reach the transforms
 *      (and the opportunities, which carry none); the sinks are replaced by
 *      a capture that keeps what they receive.
 * Neither pass writes the pipeline's outputs nor reads or writes a state
 * directory; dead letters go to a temporary file that is read back.
 *
 * The stages are rewired by swapping descriptors in the loaded pipeline:
 * a source keeps its own functions except init(), which wraps the host so
 * that emit() goes through the filter; a transform likewise, its emit()
 * keeping a copy of what it emits; a sink becomes the capture.  The
 * wrappers find their stage by host->stage_id(), in the one explain
 * context a process has (a command runs once).
 */
#ifndef TF_CORE_EXPLAIN_H
#define TF_CORE_EXPLAIN_H

#include <jansson.h>
#include <stddef.h>
#include <touchflow/plugin.h>

#include "pipeline.h"

#define TF_EXPLAIN_MAX_STAGES 64

/* A set of strings (owned), small: searched in order. */
typedef struct tf__strset {
  char **s;
  size_t n, cap;
} tf__strset;

int tf__strset_add(tf__strset *set, const char *s); /* TF_OK, TF_ERR_NOMEM */
int tf__strset_has(const tf__strset *set, const char *s);
void tf__strset_clear(tf__strset *set);

typedef struct tf__explain_stage {
  const char *id;        /* borrowed from the pipeline */
  const tf_plugin *real; /* the stage's own descriptor */
  tf_plugin_kind kind;
  union { /* the real descriptor with init wrapped */
    tf_source_plugin source;
    tf_transform_plugin transform;
  } wrapped;
  tf_host host;        /* the host the real source gets */
  const tf_host *orig; /* the runner's host */
} tf__explain_stage;

typedef struct tf__explain {
  int learning;            /* pass 1 */
  const char *record_path; /* --record: realpath of FILE, or NULL */
  const char *dir;         /* the pipeline's folder (borrowed) */
  long record_line;
  tf__strset biz, emails; /* who (lowercased) */
  json_t *pairs;          /* pass 1: [[biz_uid, email], ...] */
  json_t *events;         /* pass 2: [{"stage","input","record"}] */
  json_t *outputs;        /* pass 2: [{"stage","record"}] the
                             transforms emitted and the sinks got */
  int has_chat_source;    /* the pipeline reads Drift chats */
  size_t n_transforms;
  tf__explain_stage stages[TF_EXPLAIN_MAX_STAGES];
  size_t n_stages;
} tf__explain;

/* explain_stages.c: swaps the descriptors of p's sources and sinks for the
 * wrappers, with e as the process's explain context; tf__explain_unwire
 * puts them back.  TF_ERR_CONFIG when p has too many stages. */
int tf__explain_wire(tf__explain *e, tf__pipeline *p);
void tf__explain_unwire(tf__explain *e, tf__pipeline *p);

/* 1 when origin (a record's file, relative to the current folder or, when
 * not found there, to the pipeline's) and line name the --record target. */
int tf__explain_same_input(const tf__explain *e, const char *file, long line);

/* explain_print.c: prints the journey: the sources' events, the
 * touchpoints with their reasons, the sessions, the dead letters
 * (`dead`, an array of dead-letter records) and the credits.  timeout_ms
 * is session_merge's session_timeout. */
void tf__explain_print(const tf__explain *e, const json_t *dead,
                       long long timeout_ms, FILE *out);

#endif
