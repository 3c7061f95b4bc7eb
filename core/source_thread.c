/*
 * source_thread.c - a source's produce() on a thread of its own
 * (source_thread.h).
 *
 * One mutex guards the ring of results; `ready` wakes the pipeline thread
 * when a result is queued, `room` the source thread when one is taken or
 * when it must stop.  The source thread blocks every signal, so that the
 * runner's handlers see them on the pipeline thread.
 */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <touchflow/plugin.h>
#include <touchflow/value.h>

#include "runner_internal.h"
#include "source_thread.h"

struct tf__source_thread {
  tf__stage *stage;
  size_t batch_size;
  int keep_positions;
  int index_records;
  pthread_t thread;
  pthread_mutex_t lock;
  pthread_cond_t ready, room;
  tf__produced **ring; /* results not taken yet */
  size_t head, count, depth;
  int quit;  /* the pipeline thread asks it to stop */
  int ended; /* produce() returned something else than TF_MORE */
};

static _Thread_local tf__produced *capturing;

tf__produced *tf__source_thread_capture(void)
{
  return capturing;
}

void tf__produced_free(tf__produced *p)
{
  size_t i;

  if (!p)
    return;
  for (i = 0; i < p->n_ops; i++) {
    tf_record_unref(p->ops[i].rec);
    free(p->ops[i].code);
    free(p->ops[i].text);
  }
  free(p->ops);
  tf_batch_free(p->batch);
  json_decref(p->position);
  free(p);
}

/* The op of a metric called name, or NULL. */
static tf__op *kept_metric(tf__produced *p, const char *name)
{
  size_t i;

  for (i = 0; i < p->n_ops; i++)
    if (p->ops[i].kind == TF__OP_METRIC && strcmp(p->ops[i].text, name) == 0)
      return &p->ops[i];
  return NULL;
}

void tf__produced_add_op(tf__produced *p, tf__op_kind kind,
                         const tf_record *rec, const char *code,
                         const char *text, tf_log_level level, int64_t delta)
{
  tf__op *op;

  if (kind == TF__OP_METRIC && (op = kept_metric(p, text)) != NULL) {
    op->delta += delta;
    return;
  }
  if (p->n_ops == p->cap_ops) {
    size_t cap = p->cap_ops ? 2 * p->cap_ops : 8;
    tf__op *grown = realloc(p->ops, cap * sizeof(*grown));

    if (!grown) {
      p->failed_capture = 1;
      return;
    }
    p->ops = grown;
    p->cap_ops = cap;
  }
  op = &p->ops[p->n_ops];
  memset(op, 0, sizeof(*op));
  op->kind = kind;
  op->level = level;
  op->delta = delta;
  op->code = code ? strdup(code) : NULL;
  op->text = text ? strdup(text) : NULL;
  if ((code && !op->code) || (text && !op->text)) {
    free(op->code);
    free(op->text);
    p->failed_capture = 1;
    return;
  }
  op->rec = rec ? tf_record_ref((tf_record *)rec) : NULL;
  p->n_ops++;
}

/* Builds each record's value index here, on the source's thread, so that
 * the transform reading them does not (records are immutable and publish
 * their index atomically: record.c). */
static void index_batch(const tf_batch *b)
{
  size_t i, n = tf_batch_count(b);

  for (i = 0; i < n; i++)
    (void)tf_record_root(tf_batch_get(b, i));
}

/* One produce() call and what follows it, on the source thread. */
static tf__produced *produce_once(tf__source_thread *t)
{
  tf__stage *s = t->stage;
  tf__produced *p = calloc(1, sizeof(*p));
  double started;

  if (!p || !(p->batch = tf_batch_new())) {
    free(p);
    return NULL;
  }
  p->watermark = TF_WATERMARK_UNKNOWN;
  capturing = p;
  started = tf__now();
  p->rc = s->source->produce(s->state, &s->ctx, t->batch_size);
  p->seconds = tf__now() - started;
  if (p->rc == TF_MORE && s->source->watermark)
    p->watermark = s->source->watermark(s->state);
  if (t->keep_positions && s->source->position)
    p->position_rc = s->source->position(s->state, &p->position);
  capturing = NULL;
  if (t->index_records)
    index_batch(p->batch);
  return p;
}

static void *source_main(void *arg)
{
  tf__source_thread *t = arg;
  sigset_t all;

  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, NULL);
  for (;;) {
    tf__produced *p;

    pthread_mutex_lock(&t->lock);
    while (!t->quit && t->count == t->depth)
      pthread_cond_wait(&t->room, &t->lock);
    if (t->quit) {
      pthread_mutex_unlock(&t->lock);
      break;
    }
    pthread_mutex_unlock(&t->lock);
    p = produce_once(t);
    pthread_mutex_lock(&t->lock);
    if (!p) { /* out of memory: the pipeline thread sees a failed call */
      t->ended = 1;
    } else {
      t->ring[(t->head + t->count) % t->depth] = p;
      t->count++;
      t->ended = p->rc != TF_MORE;
    }
    pthread_cond_signal(&t->ready);
    pthread_mutex_unlock(&t->lock);
    if (t->ended)
      break;
  }
  return NULL;
}

tf__source_thread *tf__source_thread_start(tf__stage *s, size_t batch_size,
                                           size_t depth, int keep_positions,
                                           int index_records)
{
  tf__source_thread *t = calloc(1, sizeof(*t));

  if (!t)
    return NULL;
  t->stage = s;
  t->batch_size = batch_size;
  t->keep_positions = keep_positions;
  t->index_records = index_records;
  t->depth = depth ? depth : 1;
  t->ring = calloc(t->depth, sizeof(*t->ring));
  if (!t->ring) {
    free(t);
    return NULL;
  }
  pthread_mutex_init(&t->lock, NULL);
  pthread_cond_init(&t->ready, NULL);
  pthread_cond_init(&t->room, NULL);
  if (pthread_create(&t->thread, NULL, source_main, t) != 0) {
    pthread_cond_destroy(&t->room);
    pthread_cond_destroy(&t->ready);
    pthread_mutex_destroy(&t->lock);
    free(t->ring);
    free(t);
    return NULL;
  }
  return t;
}

int tf__source_thread_take(tf__source_thread *t, int (*interrupted)(void),
                           tf__produced **out)
{
  int rc = TF_ERR_NOMEM; /* ended without a result: it could not allocate */

  *out = NULL;
  pthread_mutex_lock(&t->lock);
  while (t->count == 0 && !t->ended) {
    struct timespec until;

    if (interrupted && interrupted()) {
      pthread_mutex_unlock(&t->lock);
      return 0;
    }
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += 50 * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
      until.tv_sec++;
      until.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(&t->ready, &t->lock, &until);
  }
  if (t->count > 0) {
    *out = t->ring[t->head];
    t->ring[t->head] = NULL;
    t->head = (t->head + 1) % t->depth;
    t->count--;
    pthread_cond_signal(&t->room);
    rc = 1;
  }
  pthread_mutex_unlock(&t->lock);
  return rc;
}

void tf__source_thread_stop(tf__source_thread *t)
{
  if (!t)
    return;
  pthread_mutex_lock(&t->lock);
  t->quit = 1;
  pthread_cond_signal(&t->room);
  pthread_mutex_unlock(&t->lock);
  pthread_join(t->thread, NULL);
  while (t->count > 0) {
    tf__produced_free(t->ring[t->head]);
    t->head = (t->head + 1) % t->depth;
    t->count--;
  }
  pthread_cond_destroy(&t->room);
  pthread_cond_destroy(&t->ready);
  pthread_mutex_destroy(&t->lock);
  free(t->ring);
  free(t);
}
