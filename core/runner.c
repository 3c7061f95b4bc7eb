/*
 * runner.c - the scheduler that moves batches through the stages.
 *
 * Loop: first drain the queued batch closest to a sink (reverse topological
 * order); else hand a risen input watermark to a stage whose queue is
 * empty (advance); else let the source with the lowest watermark produce
 * one batch (watermark alignment; ties and unknown watermarks in round
 * robin, file order) if every queue below it has room.  When no source is left,
 * flush transforms in topological order, draining after each, then flush
 * (commit) the sinks.  A failed source ends alone (the others go on, so
 * that every problem of the input shows in one run); a failed transform or
 * sink stops the run.  A run that failed commits no sink.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "checkpoint.h"
#include "crashpoint.h"
#include "redact.h"
#include "run_metrics.h"
#include "runner_internal.h"
#include "signals.h"
#include "source_thread.h"
#include "statedir.h"
#include "summary_json.h"

void tf__run_options_default(tf__run_options *opt)
{
  memset(opt, 0, sizeof(*opt));
  opt->batch_size = 512;
  opt->queue_limit = 4;
  opt->progress = TF_PROGRESS_AUTO;
  opt->sink_retries = 5;
  opt->retry_base_ms = 100;
  opt->retry_cap_ms = 5000;
  opt->checkpoint_every = 100000;
  opt->source_threads = 1;
}

void tf__log_json_line(json_t *obj)
{
  char when[32];
  time_t t = time(NULL);
  struct tm tm;
  char *text;

  gmtime_r(&t, &tm);
  strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
  json_object_set_new(obj, "time", json_string(when));
  text = json_dumps(obj, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_SORT_KEYS);
  if (text)
    fprintf(stderr, "%s\n", text);
  free(text);
  json_decref(obj);
}

void tf__runner_print_line(tf__runner *r, const char *fmt, ...)
{
  char line[8192], safe[8192];
  const char *msg = line;
  va_list ap;

  tf__progress_clear(r);
  va_start(ap, fmt);
  vsnprintf(line, sizeof(line), fmt, ap);
  va_end(ap);
  if (!r->opt->log_json) {
    fprintf(stderr, "%s\n", tf__printable(line, safe, sizeof(safe)));
    return;
  }
  if (strncmp(msg, "touchflow: ", 11) == 0)
    msg += 11;
  /* json_string refuses invalid UTF-8: the escaped text always passes */
  tf__log_json_line(json_pack("{s:s, s:s}", "level", "info", "message",
                              tf__printable(msg, safe, sizeof(safe))));
}

void tf__runner_log(tf__runner *r, const char *level, const char *stage,
                    const char *message)
{
  char safe[8192];

  if (!r->opt->log_json) {
    tf__runner_print_line(r, "touchflow: %s: %s: %s", stage, level, message);
    return;
  }
  tf__progress_clear(r);
  tf__log_json_line(json_pack("{s:s, s:s, s:s}", "level", level, "stage", stage,
                              "message",
                              tf__printable(message, safe, sizeof(safe))));
}

/* Sends what the stage emitted during its last callback to its consumers. */
static int dispatch(tf__runner *r, tf__stage *s)
{
  tf__shared_batch *sb;
  size_t i;
  int rc = TF_OK;

  if (tf_batch_count(s->out) == 0)
    return TF_OK;
  sb = tf__shared_batch_new(s->out);
  s->out = tf_batch_new();
  if (!sb || !s->out) {
    tf__shared_batch_unref(sb);
    tf__stage_log(s, TF_LOG_ERROR, "out of memory");
    return TF_ERR_NOMEM;
  }
  for (i = 0; i < s->n_consumers && rc == TF_OK; i++)
    rc = tf__queue_push(&s->consumers[i]->in, sb);
  tf__shared_batch_unref(sb);
  (void)r;
  return rc;
}

static void fail_stage(tf__runner *r, tf__stage *s, int stop_run)
{
  s->failed = 1;
  s->done = 1;
  r->failed = 1;
  if (stop_run)
    r->stop = 1;
}

static void sleep_ms(unsigned ms)
{
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

  nanosleep(&ts, NULL);
}

/* Full-jitter backoff: a random delay in [0, min(cap, base * 2^attempt)]. */
static void backoff(tf__runner *r, unsigned attempt)
{
  unsigned long ceiling = r->opt->retry_base_ms;

  while (attempt-- > 0 && ceiling < r->opt->retry_cap_ms)
    ceiling *= 2;
  if (ceiling > r->opt->retry_cap_ms)
    ceiling = r->opt->retry_cap_ms;
  sleep_ms(ceiling ? (unsigned)(rand_r(&r->rand_state) % (ceiling + 1)) : 0);
}

static void dead_letter_batch(tf__stage *s, const tf_batch *b, unsigned tries)
{
  const tf_host *host = tf__host_table();
  char msg[256];
  size_t i;

  snprintf(msg, sizeof(msg),
           "sink asked to retry the batch %u times; "
           "giving up on it",
           tries);
  for (i = 0; i < tf_batch_count(b); i++)
    host->reject(&s->ctx, tf_batch_get(b, i), "retry_exhausted", msg);
}

static void run_sink(tf__runner *r, tf__stage *s, const tf_batch *b)
{
  unsigned attempt = 0;
  tf_sink_result res;

  for (;;) {
    res = s->sink->write(s->state, &s->ctx, b);
    if (res != TF_SINK_RETRY)
      break;
    if (attempt == r->opt->sink_retries) {
      tf__stage_log(s, TF_LOG_WARN,
                    "batch of %zu records dead-lettered after "
                    "%u retries",
                    tf_batch_count(b), attempt);
      dead_letter_batch(s, b, attempt);
      return;
    }
    s->n_retries++;
    backoff(r, attempt++);
  }
  if (res != TF_SINK_OK) {
    tf__stage_log(s, TF_LOG_ERROR, "sink failed; stopping the run");
    fail_stage(r, s, 1);
  }
}

/* The latency histogram: a clock read before and after each stage call,
 * only when metrics are asked for. */
static double call_started(const tf__runner *r)
{
  return r->timing ? tf__now() : 0;
}

static void call_ended(const tf__runner *r, tf__stage *s, double started)
{
  if (r->timing)
    tf__histogram_observe(&s->batch_seconds, tf__now() - started);
}

static void run_batch(tf__runner *r, tf__stage *s, const tf_batch *b)
{
  double started = call_started(r);
  int rc;

  s->n_in += tf_batch_count(b);
  if (s->plugin->kind == TF_KIND_SINK) {
    run_sink(r, s, b);
    call_ended(r, s, started);
    return;
  }
  rc = s->transform->process(s->state, &s->ctx, b);
  call_ended(r, s, started);
  if (dispatch(r, s) < 0 || rc < 0) {
    if (rc < 0)
      tf__stage_log(s, TF_LOG_ERROR, "failed: %s; stopping the run",
                    tf_strerror(rc));
    fail_stage(r, s, 1);
  }
}

/* Runs one queued batch, the one closest to a sink.  1 if one ran. */
static int drain_one(tf__runner *r)
{
  size_t k = r->p->n_stages;

  while (k-- > 0) {
    tf__stage *s = &r->stages[r->p->order[k]];
    tf__shared_batch *sb;

    if (s->failed)
      continue;
    sb = tf__queue_pop(&s->in);
    if (!sb)
      continue;
    run_batch(r, s, sb->batch);
    tf__shared_batch_unref(sb);
    return 1;
  }
  return 0;
}

static int downstream_has_room(const tf__stage *s)
{
  size_t i;

  for (i = 0; i < s->n_consumers; i++)
    if (!tf__queue_has_room(&s->consumers[i]->in))
      return 0;
  return 1;
}

/* A source's watermark after a produce() call that returned rc; wm is
 * what its watermark() answered then (TF_WATERMARK_UNKNOWN without one). */
static void note_source_watermark(tf__stage *s, int rc, int64_t wm)
{
  if (rc != TF_MORE) {
    s->wm_out = TF_WATERMARK_END; /* ended (or failed): nothing follows */
    return;
  }
  if (wm > s->wm_out && wm != TF_WATERMARK_END)
    s->wm_out = wm;
}

/* What follows a produce() call that emitted `emitted` records (now in
 * s->out) and returned rc: dispatch, watermark, the end of the source. */
static void produced(tf__runner *r, tf__stage *s, int rc, uint64_t emitted,
                     int64_t wm)
{
  r->records_read += emitted;
  if (dispatch(r, s) < 0) {
    fail_stage(r, s, 1);
    return;
  }
  note_source_watermark(s, rc, wm);
  if (rc == TF_DONE) {
    s->done = 1;
  } else if (rc < 0) {
    tf__stage_log(s, TF_LOG_ERROR,
                  "source failed: %s (the other sources go on, so "
                  "that every problem shows; the run will fail)",
                  tf_strerror(rc));
    fail_stage(r, s, 0);
  }
}

/* Acts on what the source asked of the host on its own thread, in the
 * order it asked.  A reject the dead-letter output refused fails the
 * source, as the plugin would have on the pipeline thread. */
static int replay_ops(tf__stage *s, const tf__produced *p)
{
  int rc = p->failed_capture ? TF_ERR_NOMEM : TF_OK;
  size_t i;

  for (i = 0; i < p->n_ops; i++) {
    const tf__op *op = &p->ops[i];

    if (op->kind == TF__OP_LOG) {
      tf__stage_log(s, op->level, "%s", op->text);
    } else if (op->kind == TF__OP_METRIC) {
      tf__stage_metric(s, op->text, op->delta);
    } else if (tf__dead_letter_write(s->runner->dead_letter, s->def->id,
                                     s->plugin->name, op->code, op->text,
                                     op->rec) == TF_OK) {
      s->n_rejected++;
    } else if (rc == TF_OK) {
      rc = TF_ERR_IO;
    }
  }
  if (rc != TF_OK)
    tf__stage_log(s, TF_LOG_ERROR, "%s",
                  rc == TF_ERR_IO
                      ? "the dead-letter output refused a rejected record"
                      : "out of memory keeping what the source asked");
  return rc;
}

/* The next result of a source on its own thread, applied as the
 * produce() call it stands for. */
static void take_produced(tf__runner *r, tf__stage *s)
{
  tf__produced *p;
  int rc;

  rc = tf__source_thread_take(s->thread, tf__signal_caught, &p);
  if (rc == 0)
    return; /* a stop signal: the loop sees it */
  if (rc < 0) {
    produced(r, s, rc, 0, TF_WATERMARK_UNKNOWN);
    return;
  }
  if (r->timing)
    tf__histogram_observe(&s->batch_seconds, p->seconds);
  json_decref(s->position);
  s->position = p->position;
  s->position_rc = p->position_rc;
  p->position = NULL;
  tf_batch_free(s->out);
  s->out = p->batch;
  p->batch = NULL;
  s->n_out += tf_batch_count(s->out);
  rc = replay_ops(s, p);
  rc = rc < 0 && p->rc >= 0 ? rc : p->rc;
  produced(r, s, rc, tf_batch_count(s->out), p->watermark);
  tf__produced_free(p);
}

/* 1 when a transform reads what s emits: its records' value index is then
 * worth building on s's own thread (a sink writing records as they are
 * never needs it). */
static int feeds_a_transform(const tf__stage *s)
{
  size_t i;

  for (i = 0; i < s->n_consumers; i++)
    if (s->consumers[i]->plugin->kind == TF_KIND_TRANSFORM)
      return 1;
  return 0;
}

static int on_own_thread(const tf__runner *r, const tf__stage *s)
{
  return r->opt->source_threads &&
         (TF_SOURCE_FLAGS(s->source) & TF_SOURCE_OWN_THREAD) &&
         !TF_PLUGIN_HAS(tf_source_plugin, s->source, stop);
}

static void run_produce(tf__runner *r, tf__stage *s)
{
  uint64_t before = s->n_out;
  double started;
  int rc;

  if (!s->thread && !s->thread_tried && on_own_thread(r, s)) {
    s->thread_tried = 1;
    s->thread =
        tf__source_thread_start(s, r->opt->batch_size, r->opt->queue_limit,
                                r->state_dir != NULL, feeds_a_transform(s));
    if (!s->thread)
      tf__stage_log(s, TF_LOG_WARN,
                    "could not start a thread for the "
                    "source: it produces on the pipeline "
                    "thread");
  }
  if (s->thread) {
    take_produced(r, s);
    return;
  }
  started = call_started(r);
  rc = s->source->produce(s->state, &s->ctx, r->opt->batch_size);
  call_ended(r, s, started);
  produced(r, s, rc, s->n_out - before,
           rc == TF_MORE && s->source->watermark
               ? s->source->watermark(s->state)
               : TF_WATERMARK_UNKNOWN);
}

/* Lets the source with the lowest watermark and room below it produce;
 * among equals, the next one in round robin.  Reading the source that is
 * furthest behind in event time first keeps what transforms must hold
 * small, and an unknown watermark is the lowest of all.  1 if one ran. */
static int produce_one(tf__runner *r)
{
  size_t n = r->p->n_stages, tried, at, best_at = 0;
  tf__stage *best = NULL;

  for (tried = 0; tried < n; tried++) {
    tf__stage *s;

    at = (r->next_source + tried) % n;
    s = &r->stages[r->p->order[at]];
    if (s->plugin->kind != TF_KIND_SOURCE || s->done || !downstream_has_room(s))
      continue;
    if (!best || s->wm_out < best->wm_out) {
      best = s;
      best_at = at;
    }
  }
  if (!best)
    return 0;
  r->next_source = (best_at + 1) % n;
  run_produce(r, best);
  return 1;
}

/* The smallest output watermark among s's inputs. */
static int64_t input_watermark(const tf__runner *r, const tf__stage *s)
{
  int64_t low = TF_WATERMARK_END;
  size_t j;

  for (j = 0; j < s->def->n_inputs; j++) {
    const tf__stage *up = &r->stages[s->def->input_idx[j]];

    if (up->wm_out < low)
      low = up->wm_out;
  }
  return low;
}

/* A sink's input watermark rose to wm (its queue is empty: every record
 * before it was written).  Hands it to the sink's advance(), appended
 * after ABI 2.0, when the sink has one; END is the sink's flush().  1 if
 * advance() ran. */
static int advance_sink(tf__runner *r, tf__stage *s, int64_t wm)
{
  int rc;

  if (wm == TF_WATERMARK_END ||
      !TF_PLUGIN_HAS(tf_sink_plugin, s->sink, advance))
    return 0;
  rc = s->sink->advance(s->state, &s->ctx, wm);
  if (rc < 0) {
    tf__stage_log(s, TF_LOG_ERROR, "failed: %s; stopping the run",
                  tf_strerror(rc));
    fail_stage(r, s, 1);
  }
  return 1;
}

/* Hands a risen input watermark to the first stage (topological order)
 * whose queue is empty, so that every record sent before the watermark has
 * been processed (or, for a sink, written).  Transforms without advance()
 * forward it at once.  1 if a plugin's advance() ran. */
static int advance_one(tf__runner *r)
{
  size_t k;

  for (k = 0; k < r->p->n_stages; k++) {
    tf__stage *s = &r->stages[r->p->order[k]];
    int64_t wm;
    int rc;

    if (s->plugin->kind == TF_KIND_SOURCE || s->failed ||
        !tf__queue_empty(&s->in))
      continue;
    wm = input_watermark(r, s);
    if (wm <= s->wm_in)
      continue;
    s->wm_in = wm;
    if (s->plugin->kind == TF_KIND_SINK) {
      if (advance_sink(r, s, wm))
        return 1;
      continue;
    }
    if (!s->transform->advance) {
      s->wm_out = wm;
      continue;
    }
    if (wm == TF_WATERMARK_END)
      continue; /* the end of input is flush() */
    rc = s->transform->advance(s->state, &s->ctx, wm);
    if (dispatch(r, s) < 0 || rc < 0) {
      if (rc < 0)
        tf__stage_log(s, TF_LOG_ERROR, "failed: %s; stopping the run",
                      tf_strerror(rc));
      fail_stage(r, s, 1);
    }
    return 1;
  }
  return 0;
}

/* After each turn of the loop: the progress line and the metrics. */
static void turn_done(tf__runner *r)
{
  tf__progress_update(r);
  tf__run_metrics_tick(r);
}

static void drain_all(tf__runner *r)
{
  while (!r->stop && drain_one(r))
    turn_done(r);
}

/* Takes a checkpoint once nothing is in flight and stores it.  A failed
 * checkpoint fails the run: going on would mean a later crash loses more
 * than the user was promised. */
static void checkpoint(tf__runner *r, const char *status)
{
  char err[1024];
  json_t *cp;

  drain_all(r);
  if (r->stop)
    return;
  cp = tf__checkpoint_take(r, status, err, sizeof(err));
  if (!cp || tf__state_dir_save(r->state_dir, cp, err, sizeof(err)) != TF_OK) {
    tf__runner_print_line(r, "touchflow: checkpoint failed: %s", err);
    r->failed = 1;
    r->stop = 1;
  } else {
    r->checkpoints++;
    r->checkpoints_taken++;
  }
  json_decref(cp);
}

/* The first records_read at a multiple of checkpoint_every above n, so an
 * uninterrupted run and a resumed one checkpoint at the same points. */
static uint64_t next_multiple(uint64_t n, uint64_t every)
{
  return (n / every + 1) * every;
}

/* 1 when a source still running is unbounded (has stop()). */
static int unbounded_source_running(const tf__runner *r)
{
  size_t k;

  for (k = 0; k < r->p->n_stages; k++) {
    const tf__stage *s = &r->stages[k];

    if (s->plugin->kind == TF_KIND_SOURCE && !s->done &&
        TF_PLUGIN_HAS(tf_source_plugin, s->source, stop))
      return 1;
  }
  return 0;
}

/* A stop signal while unbounded sources (with stop()) run and no other
 * source does: asks each to stop, and the run goes on to its normal end
 * (docs/checkpoints.md, "Stopping").  1 when it does, 0 when the signal
 * stops the run as before. */
static int stop_unbounded_sources(tf__runner *r)
{
  size_t k;
  int rc;

  if (!unbounded_source_running(r))
    return 0;
  for (k = 0; k < r->p->n_stages; k++) {
    tf__stage *s = &r->stages[k];

    if (s->plugin->kind == TF_KIND_SOURCE && !s->done &&
        !TF_PLUGIN_HAS(tf_source_plugin, s->source, stop))
      return 0;
  }
  tf__runner_print_line(r,
                        "touchflow: signal %d (%s): the unbounded "
                        "sources stop taking input; the run ends when "
                        "what they took is through",
                        r->signal, strsignal(r->signal));
  r->sources_stopped = 1;
  r->signal = 0;
  for (k = 0; k < r->p->n_stages; k++) {
    tf__stage *s = &r->stages[k];

    if (s->plugin->kind != TF_KIND_SOURCE || s->done)
      continue;
    rc = s->source->stop(s->state);
    if (rc < 0) {
      tf__stage_log(s, TF_LOG_ERROR, "stop failed: %s; stopping the run",
                    tf_strerror(rc));
      fail_stage(r, s, 1);
    }
  }
  return 1;
}

/* With a state directory and an unbounded source, records read since the
 * last checkpoint and none for a second: a checkpoint of an idle stream
 * that checkpoint_every would not take (bounded runs keep checkpointing
 * at the same points only, docs/checkpoints.md). */
static int idle_checkpoint_due(tf__runner *r)
{
  double now;

  if (!r->state_dir || r->records_read == r->checkpointed_read)
    return 0;
  now = tf__now();
  if (r->records_read != r->idle_read) {
    r->idle_read = r->records_read;
    r->idle_since = now;
    return 0;
  }
  return now - r->idle_since >= 1.0 && unbounded_source_running(r);
}

/* One batch moves per turn; the progress line is checked every turn (a
 * clock read per batch of records costs nothing).  A stop signal ends the
 * loop at a batch boundary, unless it stops unbounded sources; with a
 * state directory, a checkpoint is taken whenever sources have read
 * checkpoint_every more records, or read some and then none for a
 * second. */
static void move_records(tf__runner *r)
{
  while (!r->stop) {
    if (!r->sources_stopped && (r->signal = tf__signal_caught()) != 0 &&
        !stop_unbounded_sources(r))
      break;
    if (r->state_dir &&
        (r->records_read >= r->next_checkpoint || idle_checkpoint_due(r))) {
      checkpoint(r, "running");
      r->checkpointed_read = r->records_read;
      r->next_checkpoint =
          next_multiple(r->records_read, r->opt->checkpoint_every);
      continue;
    }
    if (!drain_one(r) && !advance_one(r) && !produce_one(r))
      break;
    turn_done(r);
    tf__crash_point("between batches");
    tf__test_batch_delay();
  }
}

/* Flushes one stage; a transform answering TF_FLUSH_AGAIN is called again
 * after what it emitted has been drained downstream. */
static void flush_stage(tf__runner *r, tf__stage *s)
{
  int (*flush)(void *, tf_ctx *) = s->transform ? s->transform->flush
                                   : s->sink    ? s->sink->flush
                                                : NULL;
  int rc;

  if (!flush || s->failed)
    return;
  do {
    rc = flush(s->state, &s->ctx);
    if (s->plugin->kind != TF_KIND_SINK && dispatch(r, s) < 0)
      rc = TF_ERR_NOMEM;
    if (rc == TF_FLUSH_AGAIN && s->plugin->kind == TF_KIND_TRANSFORM)
      drain_all(r);
  } while (rc == TF_FLUSH_AGAIN && s->plugin->kind == TF_KIND_TRANSFORM &&
           !r->stop);
  if (rc < 0) {
    tf__stage_log(s, TF_LOG_ERROR, "flush failed: %s", tf_strerror(rc));
    fail_stage(r, s, s->plugin->kind != TF_KIND_SINK);
  }
}

/* End of input: transforms release what they hold, sinks commit. */
static void finish(tf__runner *r)
{
  size_t k;

  for (k = 0; k < r->p->n_stages && !r->failed; k++) {
    tf__stage *s = &r->stages[r->p->order[k]];

    if (s->plugin->kind == TF_KIND_TRANSFORM) {
      flush_stage(r, s);
      s->wm_out = TF_WATERMARK_END;
      drain_all(r);
    }
  }
  if (r->failed) {
    /* A failed run commits nothing: no output takes its final name with
     * part of the records (an older file of that name stays), and with a
     * state directory the last checkpoint stands for the next run. */
    tf__runner_print_line(r, "touchflow: the run failed: no output was "
                             "committed");
    return;
  }
  /* Sinks may read the dead-letter file as they commit (report). */
  if (r->dead_letter)
    (void)tf__dead_letter_flush(
        r->dead_letter); /* an error stays in io_error */
  for (k = 0; k < r->p->n_stages; k++) {
    tf__stage *s = &r->stages[r->p->order[k]];

    if (s->plugin->kind == TF_KIND_SINK) {
      tf__crash_point("before a sink's commit");
      flush_stage(r, s);
      tf__crash_point("after a sink's commit");
    }
  }
}

/* Builds the stages and the consumer lists from the pipeline's inputs. */
static int build_stages(tf__runner *r)
{
  const tf__pipeline *p = r->p;
  size_t i, j;

  r->stages = calloc(p->n_stages, sizeof(*r->stages));
  if (!r->stages)
    return TF_ERR_NOMEM;
  for (i = 0; i < p->n_stages; i++) {
    tf__stage *s = &r->stages[i];

    s->ctx.stage = s;
    s->def = &p->stages[i];
    s->plugin = p->stages[i].plugin.plugin;
    s->source = tf_plugin_source(s->plugin);
    s->transform = tf_plugin_transform(s->plugin);
    s->sink = tf_plugin_sink(s->plugin);
    s->runner = r;
    s->out = tf_batch_new();
    s->wm_out = TF_WATERMARK_UNKNOWN;
    s->wm_in = TF_WATERMARK_UNKNOWN;
    s->consumers = calloc(p->n_stages, sizeof(*s->consumers));
    if (!s->out || !s->consumers ||
        tf__queue_init(&s->in, r->opt->queue_limit) < 0)
      return TF_ERR_NOMEM;
  }
  for (i = 0; i < p->n_stages; i++)
    for (j = 0; j < p->stages[i].n_inputs; j++) {
      tf__stage *up = &r->stages[p->stages[i].input_idx[j]];

      up->consumers[up->n_consumers++] = &r->stages[i];
    }
  return TF_OK;
}

static void free_stages(tf__runner *r)
{
  size_t i, j;

  if (!r->stages)
    return;
  for (i = 0; i < r->p->n_stages; i++) {
    tf__stage *s = &r->stages[i];

    tf__source_thread_stop(s->thread);
    json_decref(s->position);
    if (s->initialized)
      s->plugin->fini(s->state);
    tf__queue_cleanup(&s->in);
    tf_batch_free(s->out);
    free(s->consumers);
    for (j = 0; j < s->n_metrics; j++)
      free(s->metrics[j].name);
    free(s->metrics);
  }
  free(r->stages);
}

/* Calls init() in topological order; stops at the first refusal. */
static int init_stages(tf__runner *r)
{
  size_t k;

  for (k = 0; k < r->p->n_stages; k++) {
    tf__stage *s = &r->stages[r->p->order[k]];
    int rc = s->plugin->init(&s->ctx, tf__host_table(), s->def->cfg, &s->state);

    if (rc < 0) {
      tf__stage_log(s, TF_LOG_ERROR, "%s plugin \"%s\" %s: %s",
                    tf_plugin_kind_name(s->plugin->kind), s->plugin->name,
                    rc == TF_ERR_CONFIG ? "refused its config"
                                        : "could not start",
                    tf_strerror(rc));
      return rc;
    }
    s->initialized = 1;
  }
  return TF_OK;
}

static int is_complete(const json_t *cp)
{
  const char *status = json_string_value(json_object_get(cp, "status"));

  return status && strcmp(status, "complete") == 0;
}

/* Opens the state directory and loads its checkpoint (*cp, NULL when
 * none; a complete one makes the run incremental).  2 (the exit status)
 * with the reason in why, else 0. */
static int open_state(tf__runner *r, json_t **cp, char *why, size_t len)
{
  char err[1024];
  int rc;

  *cp = NULL;
  if (!r->opt->state_dir)
    return 0;
  if (tf__state_dir_open(r->opt->state_dir, r->opt->reset_state, &r->state_dir,
                         err, sizeof(err)) != TF_OK) {
    snprintf(why, len, "--state-dir: %s", err);
    return 2;
  }
  *cp = tf__state_dir_load(r->state_dir, &rc, err, sizeof(err));
  if (rc != TF_OK) {
    snprintf(why, len, "--state-dir: %s; use --reset-state to start over", err);
    return 2;
  }
  if (*cp && is_complete(*cp)) {
    if (!json_is_array(json_object_get(*cp, "stages"))) {
      snprintf(why, len,
               "--state-dir: %s: the last run of this pipeline completed "
               "before touchflow kept what incremental runs go on from: use "
               "--reset-state to run it again from the start",
               r->opt->state_dir);
      json_decref(*cp);
      *cp = NULL;
      return 2;
    }
    r->incremental = 1;
  }
  return 0;
}

/* After init: checks that every stage can be checkpointed, then resumes
 * from cp when there is one.  2 with the reason printed, else 0. */
static int start_checkpoints(tf__runner *r, const json_t *cp)
{
  char err[1024];
  int rc;

  if (!r->state_dir)
    return 0;
  if (tf__checkpoint_supported(r, err, sizeof(err)) != TF_OK) {
    fprintf(stderr, "touchflow: %s\n", err);
    return 2;
  }
  if (cp && r->incremental) {
    rc = tf__checkpoint_continue(r, cp, err, sizeof(err));
    if (rc != TF_OK) {
      fprintf(stderr,
              "touchflow: --state-dir %s: cannot go on from the last "
              "run: %s%s\n",
              r->opt->state_dir, err,
              rc == TF_ERR_CONFIG || rc == TF_ERR_PARSE
                  ? "; use --reset-state to start over"
                  : "");
      return rc == TF_ERR_CONFIG || rc == TF_ERR_PARSE ? 2 : 1;
    }
    tf__runner_print_line(r,
                          "touchflow: incremental run: going on after the "
                          "last complete run (checkpoint %llu); only what "
                          "was added to the inputs since is read",
                          (unsigned long long)r->checkpoints);
  } else if (cp) {
    rc = tf__checkpoint_restore(r, cp, err, sizeof(err));
    if (rc != TF_OK) {
      fprintf(stderr, "touchflow: --state-dir %s: cannot resume: %s%s\n",
              r->opt->state_dir, err,
              rc == TF_ERR_CONFIG || rc == TF_ERR_PARSE
                  ? "; use --reset-state to start over"
                  : "");
      return rc == TF_ERR_CONFIG || rc == TF_ERR_PARSE ? 2 : 1;
    }
    r->resumed = 1;
    tf__runner_print_line(r,
                          "touchflow: resuming from checkpoint %llu (%llu "
                          "records read before)",
                          (unsigned long long)r->checkpoints,
                          (unsigned long long)r->records_read);
  }
  r->next_checkpoint = next_multiple(r->records_read, r->opt->checkpoint_every);
  r->checkpointed_read = r->records_read;
  return 0;
}

/* The end of a run with a state directory: a finished run marks its
 * checkpoint complete; a stopped one leaves a checkpoint to resume from. */
static void end_checkpoints(tf__runner *r, int finished)
{
  char err[1024];
  uint64_t length;
  json_t *cp;

  if (!r->state_dir || r->failed)
    return;
  if (!finished) {
    checkpoint(r, "interrupted");
    return;
  }
  if (tf__dead_letter_sync(r->dead_letter, &length, err, sizeof(err)) != 0) {
    fprintf(stderr, "touchflow: %s\n", err);
    r->failed = 1;
    return;
  }
  if (r->nothing_new)
    return; /* the last complete checkpoint still says it all */
  cp = tf__checkpoint_take_complete(r, err, sizeof(err));
  if (!cp || tf__state_dir_save(r->state_dir, cp, err, sizeof(err)) != TF_OK) {
    fprintf(stderr, "touchflow: %s\n", err);
    r->failed = 1;
  } else {
    r->checkpoints++;
  }
  json_decref(cp);
}

/* Moves every record, then flushes and commits, unless a signal stopped
 * the run first: then nothing is committed.  Once the end of input is
 * being flushed, a first signal waits for it (a second one ends the
 * process at once). */
static void run_stages(tf__runner *r)
{
  tf__signals_install();
  move_records(r);
  /* An incremental run that read nothing (no record, no dead letter)
   * commits nothing: the outputs of the last run stay as they are. */
  r->nothing_new = r->incremental && !r->signal && !r->failed &&
                   r->records_read == 0 &&
                   tf__dead_letter_count(r->dead_letter) == 0;
  if (r->nothing_new)
    tf__runner_print_line(r, "touchflow: nothing new in the inputs since the "
                             "last run: no output was written, the last "
                             "run's outputs stay");
  else if (!r->signal)
    finish(r);
  end_checkpoints(r, !r->signal);
  tf__signals_restore();
  if (r->signal)
    tf__runner_print_line(r,
                          "touchflow: stopped by signal %d (%s); nothing "
                          "was committed%s",
                          r->signal, strsignal(r->signal),
                          r->state_dir && !r->failed
                              ? ", the next run with this --state-dir "
                                "resumes where it stopped"
                              : "");
}

/* The --summary-json of a run that stopped before any stage started. */
static void write_early_summary(const tf__pipeline *p, const char *path,
                                int status, const char *why)
{
  json_t *summary = tf__summary_json_early(p->file, status, why);
  char err[1024];

  if (tf__summary_json_write(path, summary, err, sizeof(err)) != TF_OK)
    fprintf(stderr, "touchflow: --summary-json: %s\n", err);
  json_decref(summary);
}

/* The end of a run: the summary on stderr (a table, or one JSON line with
 * --log-format json) unless quiet, and the --summary-json file. */
static void report(tf__runner *r, int status, double elapsed)
{
  json_t *summary = NULL;
  char err[1024];

  if (r->opt->summary_json || (r->opt->log_json && !r->opt->quiet))
    summary = tf__summary_json(r, status, elapsed);
  if (!r->opt->quiet && status != 2) {
    if (r->opt->log_json && summary)
      tf__log_json_line(json_pack("{s:s, s:s, s:O}", "level", "info", "message",
                                  "summary", "summary", summary));
    else if (!r->opt->log_json)
      tf__summary_print(r, elapsed);
  }
  if (r->opt->summary_json &&
      tf__summary_json_write(r->opt->summary_json, summary, err, sizeof(err)) !=
          TF_OK)
    tf__runner_print_line(r, "touchflow: --summary-json: %s", err);
  json_decref(summary);
}

int tf__run(const tf__pipeline *p, const tf__run_options *opt)
{
  tf__runner r;
  json_t *cp = NULL;
  uint64_t dl_length;
  char err[4096];
  int status = 0;

  memset(&r, 0, sizeof(r));
  r.p = p;
  r.opt = opt;
  r.rand_state = 0x7f4a7c15u;
  r.started = tf__now();
  tf__run_metrics_init(&r);
  r.progress_on =
      !opt->log_json && (opt->progress == TF_PROGRESS_ALWAYS ||
                         (opt->progress == TF_PROGRESS_AUTO && isatty(2)));
  status = open_state(&r, &cp, err, sizeof(err));
  if (status == 0 &&
      !(r.dead_letter = tf__dead_letter_open(p->dead_letter_path, p->dir,
                                             cp != NULL, err, sizeof(err))))
    status = 1;
  if (status != 0) { /* nothing started: say why, and to machines too */
    tf__runner_print_line(&r, "touchflow: %s", err);
    if (opt->summary_json)
      write_early_summary(p, opt->summary_json, status, err);
    tf__run_metrics_end(&r, status);
    json_decref(cp);
    tf__state_dir_close(r.state_dir);
    return status;
  }
  if (build_stages(&r) < 0) {
    fprintf(stderr, "touchflow: out of memory\n");
    status = 1;
  } else if ((status = tf__run_metrics_start(&r, err, sizeof(err))) != 0) {
    tf__runner_print_line(&r, "touchflow: %s", err);
    r.failed = 1;
  } else if ((status = init_stages(&r)) < 0) {
    /* Only a config the plugin refused is exit 2 (docs/contract.md#exit-status:
     * a usage, pipeline or plugin-config error); a service it cannot reach,
     * a file it cannot open is a failed run. */
    status = status == TF_ERR_CONFIG ? 2 : 1;
    r.failed = 1;
  } else if ((status = start_checkpoints(&r, cp)) == 0) {
    run_stages(&r);
    status = r.signal ? 128 + r.signal : r.failed ? 1 : 0;
  }
  json_decref(cp);
  tf__progress_clear(&r);
  if (tf__dead_letter_sync(r.dead_letter, &dl_length, err, sizeof(err)) < 0) {
    tf__runner_print_line(&r, "touchflow: %s", err);
    status = status ? status : 1;
  }
  report(&r, status, tf__now() - r.started);
  tf__run_metrics_end(&r, status);
  free_stages(&r);
  if (tf__dead_letter_close(r.dead_letter, err, sizeof(err)) < 0) {
    tf__runner_print_line(&r, "touchflow: %s", err);
    status = status ? status : 1;
  }
  tf__state_dir_close(r.state_dir);
  tf__crash_points_report();
  return status;
}
