/*
 * webhook_spool.h - the spool of the drift_webhook source: an append-only
 * NDJSON file of the webhook events accepted, shared by the HTTP thread
 * (which appends) and the pipeline thread (which reads).
 *
 * An event is answered 200 only after webhook_spool_append() has written
 * its line and fsynced the file, so an acknowledged event survives a
 * crash.  `length` is the durable size: the reader never reads past it.
 * `consumed` is where the reader got to; the bytes between the two are
 * the backlog that `limit` bounds (webhook_spool_append refuses new lines
 * while the backlog is over it: the caller answers 503).
 *
 * Opening drops a torn last line (one without its newline: a crash in the
 * middle of a write, never acknowledged).  The spool is never trimmed: the
 * position of the source is an offset into it (README.md, "Spool").
 */
#ifndef WEBHOOK_SPOOL_H
#define WEBHOOK_SPOOL_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

typedef struct webhook_spool {
  pthread_mutex_t lock;
  pthread_cond_t grown; /* signalled when length grows */
  int fd;
  uint64_t length;   /* durable bytes; under lock */
  uint64_t consumed; /* the reader's offset; under lock */
  uint64_t limit;    /* the largest backlog that still takes a line */
} webhook_spool;

/* Opens (creates) the spool at path.  0, or -1 with err naming the file
 * and the reason. */
int webhook_spool_open(webhook_spool *sp, const char *path, uint64_t limit,
                       char *err, size_t errlen);

/* Appends one line (len bytes, its newline included) and fsyncs.  0 when
 * durable, 1 when the backlog is over the limit (nothing written), -1 on
 * an I/O error (errno set; the file is cut back to its durable length). */
int webhook_spool_append(webhook_spool *sp, const char *line, size_t len);

/* The durable length, after waiting up to wait_ms for it to pass offset. */
uint64_t webhook_spool_wait(webhook_spool *sp, uint64_t offset, int wait_ms);

/* The reader got to offset: the backlog shrinks. */
void webhook_spool_consume(webhook_spool *sp, uint64_t offset);

/* Reads up to len bytes at offset (never past the durable length).  The
 * number read, or -1 (errno set). */
long webhook_spool_read(webhook_spool *sp, uint64_t offset, char *buf,
                        size_t len);

/* Closes the file.  Harmless on a spool whose open failed. */
void webhook_spool_close(webhook_spool *sp);

#endif
