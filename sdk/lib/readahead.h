/*
 * readahead.h - an ordered, bounded read-ahead queue fed by a second
 * thread (internal to libtouchflow-io; used by filesource.c).
 *
 * A producer function hands out items one at a time: a kind, a few
 * numbers and up to TF__RA_STRINGS byte strings, which it writes into the
 * byte buffer of the chunk the item goes into.  tf__readahead runs the
 * producer on a thread of its own, which puts the items in order into
 * chunks of a bounded queue, while the owner's thread takes them out in
 * the same order with tf__readahead_next.  The sequence of items is the
 * producer's, whether it runs ahead on the other thread or inline (the
 * `threaded` switch off, or no thread could be started): only the timing
 * differs.
 *
 * Items own nothing: their bytes live in the chunk's buffer, which is
 * reused.  So nothing allocated on the read-ahead thread is ever freed on
 * the owner's (freeing another thread's memory contends for its malloc
 * arena: handing over records made that way cost more than the second
 * core gave).  Memory stays bounded: RA_CHUNKS chunks of up to
 * RA_CHUNK_ITEMS items whose bytes reach RA_CHUNK_BYTES (plus one item).
 *
 * The producer must not call back into the host or a plugin: it may run
 * on the read-ahead thread.  While a thread runs, it owns the producer's
 * state; after tf__readahead_stop (or when tf__readahead_next returns 0)
 * the state is the caller's again.
 */
#ifndef TF_READAHEAD_H
#define TF_READAHEAD_H

#include <stddef.h>
#include <stdint.h>

/* Byte strings an item can hold. */
#define TF__RA_STRINGS 2

/* One item.  kind and the numbers mean what the producer says. */
typedef struct tf__ra_item {
  int kind;
  int rc;
  long line;             /* e.g. the line the item starts on */
  long line_after;       /* e.g. the reader's line number after the item */
  uint64_t offset_after; /* e.g. the reader's byte offset after it */
  size_t count;          /* e.g. the number of fields in a string */
  const char *code;      /* a static string, or NULL */
  /* Byte strings in the chunk's buffer: offset and length (tf__ra_put);
   * tf__readahead_next turns them into pointers. */
  unsigned strings; /* bit i: string i was put */
  size_t off[TF__RA_STRINGS];
  size_t len[TF__RA_STRINGS];
  const char *str[TF__RA_STRINGS]; /* set by tf__readahead_next, each
                                      NUL-terminated; NULL when unset */
} tf__ra_item;

/* The byte buffer of a chunk, which the producer writes into. */
typedef struct tf__ra_buf {
  char *data;
  size_t len, cap;
} tf__ra_buf;

/* Appends len bytes and a NUL to buf as string i of item (i below
 * TF__RA_STRINGS).  TF_OK or TF_ERR_NOMEM. */
int tf__ra_put(tf__ra_buf *buf, tf__ra_item *item, int i, const void *bytes,
               size_t len);

/* What a producer returns.  MORE: *item is filled, more may follow.
 * PAUSE: *item is filled (an error) and the thread stops after it; the
 * next tf__readahead_next that finds the queue empty starts it again.
 * EXHAUSTED: no item, nothing more to read. */
#define TF__RA_MORE 0
#define TF__RA_PAUSE 1
#define TF__RA_EXHAUSTED 2

/* Fills *item (zeroed by the caller) with the next item, its strings in
 * buf.  Must not call host or plugin callbacks. */
typedef int (*tf__ra_produce_fn)(void *ud, tf__ra_item *item, tf__ra_buf *buf);

typedef struct tf__readahead tf__readahead;

/* A read-ahead queue over produce(ud, ...).  threaded 0: produce runs
 * inline, in tf__readahead_next.  The thread starts at the first
 * tf__readahead_next.  NULL when out of memory. */
tf__readahead *tf__readahead_new(tf__ra_produce_fn produce, void *ud,
                                 int threaded);

/* Copies the next item into *item, its strings' pointers set (valid until
 * the next call on ra), and returns 1; 0 when the producer is exhausted. */
int tf__readahead_next(tf__readahead *ra, tf__ra_item *item);

/* Stops and joins the thread and drops every item read ahead and not yet
 * taken.  The producer's state is then the caller's to change (a seek);
 * the next tf__readahead_next starts reading again from it. */
void tf__readahead_stop(tf__readahead *ra);

/* 1 when items are read on a thread of its own. */
int tf__readahead_threaded(const tf__readahead *ra);

/* tf__readahead_stop, then frees.  NULL-safe. */
void tf__readahead_free(tf__readahead *ra);

#endif
