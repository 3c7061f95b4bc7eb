/*
 * readahead.c - the ordered, bounded read-ahead queue (readahead.h).
 *
 * A fixed pool of RA_CHUNKS chunks circulates between the two threads:
 * the read-ahead thread takes a spare chunk, fills it with the producer's
 * items and their bytes (without a lock), and appends it to the queue;
 * the owner's thread takes the queue's first chunk, hands its items out
 * one by one, and gives it back as spare.  One mutex guards the queue and
 * the spare list; one condition variable wakes the reader (spare chunks,
 * or stop), another the owner (chunks queued, or the thread ended).  A
 * side that runs out sleeps until RA_WAKE chunks are there for it (or the
 * other side ended), not just one, so that it is woken less often (waking
 * a thread on another core is dear, in a virtual machine above all).
 * Everything the thread wrote into a chunk, and the producer's state it
 * changed, is published by that mutex (and by pthread_join when it ends).
 *
 * The thread ends after an item the producer marks PAUSE (an error),
 * when the producer is exhausted, or when told to stop; the pool is
 * allocated before it starts, so it never allocates a chunk itself (only
 * grows a chunk's byte buffer).  When no thread can be started (or the
 * switch is off), the producer runs inline: the same items in the same
 * order.
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <touchflow/error.h>

#include "readahead.h"

/* A chunk is handed over when it holds this many items... */
#define RA_CHUNK_ITEMS 256
/* ...or its items' bytes reach this many, whichever comes first... */
#define RA_CHUNK_BYTES (256 * 1024)
/* ...and this many chunks exist: one being filled, one being taken
 * from, the rest queued. */
#define RA_CHUNKS 6
/* A side that waits is woken when this many chunks are there for it. */
#define RA_WAKE 3
/* A byte buffer grown past this (an over-long line) is freed once used. */
#define RA_KEEP_BYTES (4 * RA_CHUNK_BYTES)

typedef struct ra_chunk {
  struct ra_chunk *next;
  size_t count; /* items filled */
  size_t pos;   /* items taken */
  tf__ra_buf buf;
  tf__ra_item items[RA_CHUNK_ITEMS];
} ra_chunk;

struct tf__readahead {
  tf__ra_produce_fn produce;
  void *ud;
  int threaded; /* the switch */

  /* The owner's thread only. */
  ra_chunk *cur;         /* the chunk items are being taken from */
  tf__ra_buf inline_buf; /* the bytes of an item produced inline */
  int running;           /* a thread was started and not joined */
  int exhausted;         /* the producer said so; cleared by stop */
  int no_thread;         /* starting one failed: inline from then on */
  pthread_t thread;

  /* Under mu. */
  pthread_mutex_t mu;
  pthread_cond_t has_spare; /* the reader waits for spare chunks */
  pthread_cond_t has_chunk; /* the owner waits for queued chunks */
  ra_chunk *head, *tail;    /* queued chunks, oldest first */
  ra_chunk *spare;          /* free chunks */
  size_t nqueued, nspare;   /* chunks in the queue and the spare list */
  int owner_waits;          /* the owner sleeps on has_chunk */
  int reader_waits;         /* the reader sleeps on has_spare */
  int ended;                /* the thread has queued its last chunk */
  int thread_exhausted;     /* ...and the producer was exhausted */

  atomic_int stop; /* tells the thread to end soon */
};

int tf__ra_put(tf__ra_buf *buf, tf__ra_item *item, int i, const void *bytes,
               size_t len)
{
  if (i < 0 || i >= TF__RA_STRINGS || (!bytes && len))
    return TF_ERR_INVAL;
  if (len >= (size_t)-1 - buf->len - 1)
    return TF_ERR_NOMEM;
  if (buf->len + len + 1 > buf->cap) {
    size_t cap = buf->cap ? buf->cap : 4096;
    char *grown;

    while (cap < buf->len + len + 1)
      cap = cap > (size_t)-1 / 2 ? buf->len + len + 1 : cap * 2;
    grown = realloc(buf->data, cap);
    if (!grown)
      return TF_ERR_NOMEM;
    buf->data = grown;
    buf->cap = cap;
  }
  if (len)
    memcpy(buf->data + buf->len, bytes, len);
  buf->data[buf->len + len] = '\0';
  item->off[i] = buf->len;
  item->len[i] = len;
  item->strings |= 1u << i;
  buf->len += len + 1;
  return TF_OK;
}

/* Empties a buffer, freeing it when an over-long item grew it. */
static void buf_reset(tf__ra_buf *buf)
{
  buf->len = 0;
  if (buf->cap > RA_KEEP_BYTES) {
    free(buf->data);
    buf->data = NULL;
    buf->cap = 0;
  }
}

tf__readahead *tf__readahead_new(tf__ra_produce_fn produce, void *ud,
                                 int threaded)
{
  tf__readahead *ra;

  if (!produce)
    return NULL;
  ra = calloc(1, sizeof(*ra));
  if (!ra)
    return NULL;
  ra->produce = produce;
  ra->ud = ud;
  ra->threaded = threaded;
  if (pthread_mutex_init(&ra->mu, NULL) != 0)
    goto out_free;
  if (pthread_cond_init(&ra->has_spare, NULL) != 0)
    goto out_mutex;
  if (pthread_cond_init(&ra->has_chunk, NULL) != 0)
    goto out_cond;
  atomic_init(&ra->stop, 0);
  return ra;

out_cond:
  pthread_cond_destroy(&ra->has_spare);
out_mutex:
  pthread_mutex_destroy(&ra->mu);
out_free:
  free(ra);
  return NULL;
}

int tf__readahead_threaded(const tf__readahead *ra)
{
  return ra && ra->threaded && !ra->no_thread;
}

/* --- The read-ahead thread ---------------------------------------------- */

/* A spare chunk, waiting for some; NULL when told to stop. */
static ra_chunk *take_spare(tf__readahead *ra)
{
  ra_chunk *c;

  pthread_mutex_lock(&ra->mu);
  if (!ra->spare) {
    ra->reader_waits = 1;
    while (ra->nspare < RA_WAKE &&
           !atomic_load_explicit(&ra->stop, memory_order_relaxed))
      pthread_cond_wait(&ra->has_spare, &ra->mu);
    ra->reader_waits = 0;
  }
  c = ra->spare;
  if (c && !atomic_load_explicit(&ra->stop, memory_order_relaxed)) {
    ra->spare = c->next;
    ra->nspare--;
  } else {
    c = NULL;
  }
  pthread_mutex_unlock(&ra->mu);
  if (c) {
    c->next = NULL;
    c->count = 0;
    c->pos = 0;
    buf_reset(&c->buf);
  }
  return c;
}

/* Queues a filled chunk (or gives an empty one back); last: the thread
 * ends after it. */
static void queue_chunk(tf__readahead *ra, ra_chunk *c, int last, int exhausted)
{
  pthread_mutex_lock(&ra->mu);
  if (c && c->count > 0) {
    if (ra->tail)
      ra->tail->next = c;
    else
      ra->head = c;
    ra->tail = c;
    ra->nqueued++;
  } else if (c) {
    c->next = ra->spare;
    ra->spare = c;
    ra->nspare++;
  }
  if (last) {
    ra->ended = 1;
    ra->thread_exhausted = exhausted;
  }
  if (ra->owner_waits && (ra->nqueued >= RA_WAKE || ra->ended))
    pthread_cond_signal(&ra->has_chunk);
  pthread_mutex_unlock(&ra->mu);
}

static void *reader_main(void *arg)
{
  tf__readahead *ra = arg;

  for (;;) {
    ra_chunk *c = take_spare(ra);
    int rc = TF__RA_MORE;

    if (!c) {
      queue_chunk(ra, NULL, 1, 0);
      return NULL;
    }
    while (c->count < RA_CHUNK_ITEMS && c->buf.len < RA_CHUNK_BYTES &&
           !atomic_load_explicit(&ra->stop, memory_order_relaxed)) {
      tf__ra_item *item = &c->items[c->count];

      memset(item, 0, sizeof(*item));
      rc = ra->produce(ra->ud, item, &c->buf);
      if (rc == TF__RA_EXHAUSTED)
        break;
      c->count++;
      if (rc == TF__RA_PAUSE)
        break;
    }
    if (rc != TF__RA_MORE ||
        atomic_load_explicit(&ra->stop, memory_order_relaxed)) {
      queue_chunk(ra, c, 1, rc == TF__RA_EXHAUSTED);
      return NULL;
    }
    queue_chunk(ra, c, 0, 0);
  }
}

/* --- The owner's side --------------------------------------------------- */

static void free_chunk_list(ra_chunk *c)
{
  while (c) {
    ra_chunk *next = c->next;

    free(c->buf.data);
    free(c);
    c = next;
  }
}

/* Allocates the pool and starts the thread.  0, or -1: run inline. */
static int start_thread(tf__readahead *ra)
{
  sigset_t all, old;
  int rc;

  if (!ra->spare && !ra->head && !ra->cur) {
    for (int i = 0; i < RA_CHUNKS; i++) {
      ra_chunk *c = calloc(1, sizeof(*c));

      if (!c) {
        free_chunk_list(ra->spare);
        ra->spare = NULL;
        ra->nspare = 0;
        return -1;
      }
      c->next = ra->spare;
      ra->spare = c;
    }
    ra->nspare = RA_CHUNKS;
  }
  atomic_store(&ra->stop, 0);
  ra->ended = 0;
  ra->thread_exhausted = 0;
  /* Signals go to the owner's threads, never to the reader. */
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  rc = pthread_create(&ra->thread, NULL, reader_main, ra);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (rc != 0)
    return -1;
  ra->running = 1;
  return 0;
}

/* Gives the chunk taken from back to the pool. */
static void recycle_current(tf__readahead *ra)
{
  ra_chunk *c = ra->cur;

  ra->cur = NULL;
  pthread_mutex_lock(&ra->mu);
  c->next = ra->spare;
  ra->spare = c;
  ra->nspare++;
  if (ra->reader_waits && ra->nspare >= RA_WAKE)
    pthread_cond_signal(&ra->has_spare);
  pthread_mutex_unlock(&ra->mu);
}

/* The next queued chunk into cur, waiting while the thread runs.  0 when
 * the thread ended with nothing more queued (then joined). */
static int take_chunk(tf__readahead *ra)
{
  int exhausted;

  pthread_mutex_lock(&ra->mu);
  if (!ra->head) {
    ra->owner_waits = 1;
    while (ra->nqueued < RA_WAKE && !ra->ended)
      pthread_cond_wait(&ra->has_chunk, &ra->mu);
    ra->owner_waits = 0;
  }
  if (ra->head) {
    ra->cur = ra->head;
    ra->head = ra->cur->next;
    ra->nqueued--;
    if (!ra->head)
      ra->tail = NULL;
    pthread_mutex_unlock(&ra->mu);
    return 1;
  }
  exhausted = ra->thread_exhausted;
  pthread_mutex_unlock(&ra->mu);
  pthread_join(ra->thread, NULL);
  ra->running = 0;
  ra->exhausted = exhausted;
  return 0;
}

/* Points the strings of item into base. */
static void resolve(tf__ra_item *item, const char *base)
{
  for (int i = 0; i < TF__RA_STRINGS; i++)
    item->str[i] = item->strings & (1u << i) ? base + item->off[i] : NULL;
}

int tf__readahead_next(tf__readahead *ra, tf__ra_item *item)
{
  if (!ra || !item)
    return 0;
  for (;;) {
    if (ra->cur && ra->cur->pos < ra->cur->count) {
      *item = ra->cur->items[ra->cur->pos++];
      resolve(item, ra->cur->buf.data);
      return 1;
    }
    if (ra->cur)
      recycle_current(ra);
    if (ra->running) {
      take_chunk(ra);
      continue;
    }
    if (ra->exhausted)
      return 0;
    if (ra->threaded && !ra->no_thread) {
      if (start_thread(ra) == 0)
        continue;
      ra->no_thread = 1;
    }
    memset(item, 0, sizeof(*item));
    buf_reset(&ra->inline_buf);
    if (ra->produce(ra->ud, item, &ra->inline_buf) == TF__RA_EXHAUSTED) {
      ra->exhausted = 1;
      return 0;
    }
    resolve(item, ra->inline_buf.data);
    return 1;
  }
}

void tf__readahead_stop(tf__readahead *ra)
{
  if (!ra)
    return;
  if (ra->running) {
    pthread_mutex_lock(&ra->mu);
    atomic_store(&ra->stop, 1);
    pthread_cond_broadcast(&ra->has_spare);
    pthread_mutex_unlock(&ra->mu);
    pthread_join(ra->thread, NULL);
    ra->running = 0;
  }
  /* Nothing runs now: drop what was read ahead, keep the pool. */
  if (ra->cur)
    recycle_current(ra);
  if (ra->tail) {
    ra->tail->next = ra->spare;
    ra->spare = ra->head;
    ra->nspare += ra->nqueued;
  }
  ra->head = ra->tail = NULL;
  ra->nqueued = 0;
  for (ra_chunk *c = ra->spare; c; c = c->next)
    c->count = c->pos = 0;
  ra->ended = 0;
  ra->thread_exhausted = 0;
  ra->exhausted = 0;
  atomic_store(&ra->stop, 0);
}

void tf__readahead_free(tf__readahead *ra)
{
  if (!ra)
    return;
  tf__readahead_stop(ra);
  free_chunk_list(ra->spare);
  free(ra->inline_buf.data);
  pthread_cond_destroy(&ra->has_chunk);
  pthread_cond_destroy(&ra->has_spare);
  pthread_mutex_destroy(&ra->mu);
  free(ra);
}
