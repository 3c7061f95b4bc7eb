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
 * middle of a write, never acknowledged).  The position of the source is
 * an offset into the spool, so lines are never moved: webhook_spool_free()
 * punches the lines a durable checkpoint covers out of the file (their
 * disk blocks are freed, the offsets stay; they read as NUL bytes), and
 * webhook_spool_skip_freed() steps a reader over them (README.md, "Spool,
 * stop and resume").
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
  uint64_t freed_to; /* punched out below it by this process; under lock */
  int no_punch;      /* the file system refused a punch: never again */
} webhook_spool;

/* How webhook_spool_free() punches len bytes at offset out of fd (0, or
 * -1 with errno): fallocate(PUNCH_HOLE | KEEP_SIZE) on Linux.  Tests set
 * it to a function that fails, to see a file system that refuses. */
extern int (*webhook_spool_punch)(int fd, uint64_t offset, uint64_t len);

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

/* Frees the disk blocks of the lines below offset, which must be the
 * start of a line that a durable checkpoint covers (no reader will ever
 * need what is before it).  The file keeps its size; the range reads as
 * NUL bytes.  Appends wait meanwhile.  The disk bytes freed (from the
 * file's block count; 0 when nothing was left to free) in *freed.  0, or
 * -1 with errno when the file system refused: the spool then stops
 * trying (every later call is 0, nothing freed), and grows as before. */
int webhook_spool_free(webhook_spool *sp, uint64_t offset, uint64_t *freed);

/* The first offset from offset on (below the durable length, which it
 * returns at most) whose byte is not NUL: a reader at a line start that
 * reads a NUL byte is at the freed part of the spool, and goes on there. */
uint64_t webhook_spool_skip_freed(webhook_spool *sp, uint64_t offset);

/* Closes the file.  Harmless on a spool whose open failed. */
void webhook_spool_close(webhook_spool *sp);

#endif
