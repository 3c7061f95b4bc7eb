/*
 * watermark.h - how far event time has surely progressed.
 *
 * Every `origin` of hits, calls and chats (web, calltracking, drift, ...)
 * is a stream whose records come roughly in time order.  The watermark is
 * the smallest of the streams' latest times minus allowed_lateness: an
 * event older than it can no longer be placed correctly (it is late).  It
 * never goes back, even when a new stream shows up behind it.  Streams
 * named in advance (wait_for_origins) hold it at its start until they have
 * been seen.
 */
#ifndef SM_WATERMARK_H
#define SM_WATERMARK_H

#include <stddef.h>
#include <stdint.h>

typedef struct sm_stream {
  char *origin;  /* owned */
  int64_t max;   /* the latest event time seen in it; INT64_MIN before
                    the first one */
  int late_seen; /* one of its events was late */
} sm_stream;

typedef struct sm_watermark {
  sm_stream *streams; /* owned */
  size_t count;
  int64_t lateness;
  int64_t value; /* INT64_MIN until a stream is seen */
} sm_watermark;

void sm_watermark_init(sm_watermark *w, int64_t lateness);

/* Names a stream the watermark waits for: it stays at its start until an
 * event of that origin has been noted.  TF_OK or TF_ERR_NOMEM. */
int sm_watermark_expect(sm_watermark *w, const char *origin);

/* 1 the first time it is called for origin (a noted stream), 0 after:
 * lets the caller say once per stream that its events come late. */
int sm_watermark_first_late(sm_watermark *w, const char *origin);

/* 1 when origin is a stream the watermark knows (noted or expected). */
int sm_watermark_knows(const sm_watermark *w, const char *origin);

/* Frees the streams. */
void sm_watermark_clear(sm_watermark *w);

/* Notes an event of stream origin at ts and moves the watermark forward
 * when it can.  TF_OK or TF_ERR_NOMEM. */
int sm_watermark_note(sm_watermark *w, const char *origin, int64_t ts);

/* The watermark: events with a time before it are late. */
int64_t sm_watermark_value(const sm_watermark *w);

#endif
