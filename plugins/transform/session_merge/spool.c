/*
 * spool.c - the waiting records of session_merge: an in-memory array kept
 * under a budget, and sorted runs in unlinked temporary files beyond it,
 * merged back in (event time, arrival) order (see spool.h).
 *
 * Run file format, one record after another (host byte order: a run lives
 * only as long as the process that wrote it):
 *   int64 ts | uint64 seq | int64 line | uint32 file_len | uint32 json_len
 *   | file bytes | JSON text bytes
 * file_len is UINT32_MAX when the record's origin has no file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <touchflow/error.h>
#include <touchflow/value.h>
#include "sort.h"
#include "spool.h"

/* Past this many runs, all runs are merged into one (as sort(1) does), so
 * that open files stay few whatever the input size. */
#define SM_SPOOL_MAX_RUNS 32
#define SM_SPOOL_IO_BUFFER (64 * 1024)
/* What one record costs beyond its values: the tf_record, its origin, the
 * spool's item and the allocator's headers. */
#define SM_RECORD_OVERHEAD 640
/* Spare kept events held for reuse at most: enough for a sorted input's
 * steady state; past it (the end of an unsorted input, when everything
 * leaves at once) they are freed. */
#define SM_SPARE_EVENTS 4096

/* A kept event, or a spare one in the spool's free list. */
typedef union kept_event {
  sm_event ev;
  union kept_event *next;
} kept_event;

typedef struct item {
  int64_t ts;
  uint64_t seq; /* arrival order: ties in ts keep it */
  tf_record *rec;
  kept_event *ev; /* owned: the event read from rec, or NULL */
  size_t bytes;   /* estimated memory, counted in sp->bytes */
} item;

typedef struct run_header {
  int64_t ts;
  uint64_t seq;
  int64_t line;
  uint32_t file_len;
  uint32_t json_len;
} run_header;

typedef struct run {
  FILE *f;
  char *buffer; /* setvbuf's buffer, owned */
  int has_head;
  item head; /* the next record of the run, read and parsed */
} run;

struct sm_spool {
  size_t budget;
  char *dir;
  item *mem;        /* [head, count) wait, sorted when `sorted` */
  item *sort_space; /* the sort's scratch, room for cap / 2 items */
  size_t head, count, cap;
  int sorted;
  size_t bytes;
  run *runs;
  size_t nruns;
  uint64_t seq, held;
  uint64_t runs_written, spilled;
  char *scratch; /* read buffer for run records */
  size_t scratch_cap;
  FILE *building;    /* the run sm_spool_restore_run_* writes, or NULL */
  kept_event *spare; /* events no longer kept, for the next adds */
  size_t nspare;
  char error[512];
};

/* --- kept events ------------------------------------------------------- */

/* A copy of ev from the spare list (or the heap); NULL on ENOMEM. */
static kept_event *event_keep(sm_spool *sp, const sm_event *ev)
{
  kept_event *k = sp->spare;

  if (k) {
    sp->spare = k->next;
    sp->nspare--;
  } else if ((k = malloc(sizeof(*k))) == NULL) {
    return NULL;
  }
  k->ev = *ev;
  return k;
}

/* Puts k (or NULL) on the spare list, or frees it when the list is full. */
static void event_drop(sm_spool *sp, kept_event *k)
{
  if (!k)
    return;
  if (sp->nspare >= SM_SPARE_EVENTS) {
    free(k);
    return;
  }
  k->next = sp->spare;
  sp->spare = k;
  sp->nspare++;
}

/* Drops what an item holds: its record reference and its event. */
static void item_release(sm_spool *sp, item *it)
{
  tf_record_unref(it->rec);
  event_drop(sp, it->ev);
  it->ev = NULL;
}

sm_spool *sm_spool_new(size_t budget, const char *dir)
{
  sm_spool *sp = calloc(1, sizeof(*sp));
  const char *tmp = getenv("TMPDIR");

  if (!sp)
    return NULL;
  if (!dir || !*dir)
    dir = tmp && *tmp ? tmp : "/tmp";
  sp->budget = budget;
  sp->sorted = 1;
  sp->dir = strdup(dir);
  if (!sp->dir) {
    free(sp);
    return NULL;
  }
  return sp;
}

static void run_close(run *r)
{
  if (r->has_head)
    tf_record_unref(r->head.rec);
  r->has_head = 0;
  if (r->f)
    fclose(r->f);
  r->f = NULL;
  free(r->buffer);
  r->buffer = NULL;
}

void sm_spool_free(sm_spool *sp)
{
  size_t i;
  kept_event *k;

  if (!sp)
    return;
  for (i = sp->head; i < sp->count; i++)
    item_release(sp, &sp->mem[i]);
  for (i = 0; i < sp->nruns; i++)
    run_close(&sp->runs[i]);
  if (sp->building)
    fclose(sp->building);
  while ((k = sp->spare) != NULL) {
    sp->spare = k->next;
    free(k);
  }
  free(sp->runs);
  free(sp->mem);
  free(sp->scratch);
  free(sp->sort_space);
  free(sp->dir);
  free(sp);
}

static int io_error(sm_spool *sp, const char *what)
{
  snprintf(sp->error, sizeof(sp->error), "%s: %s: %s", sp->dir, what,
           strerror(errno ? errno : EIO));
  return TF_ERR_IO;
}

/* --- memory estimate ---------------------------------------------------- */

/* The record's JSON text: its bytes, or for a record made from a json_t
 * the compact text its value index was built over.  NULL for a raw record
 * (or when the index cannot be built). */
static const char *record_text(const tf_record *rec, size_t *len)
{
  const char *text = tf_record_bytes(rec, len);

  if (text || !tf_record_has_json(rec))
    return text;
  return tf_value_raw(tf_record_root(rec), len);
}

/* What a waiting record costs: its text, the value index the event read
 * built (a copy of the text and a token of 24 bytes per key and value),
 * a jansson tree when something built one, and the overhead. */
static size_t record_cost(const tf_record *rec)
{
  size_t len = 0, members;
  unsigned state = tf_record_debug_state(rec);
  tf_origin origin = tf_record_origin(rec);

  if (record_text(rec, &len) == NULL)
    len = 0;
  members = tf_value_count(tf_record_root(rec));
  return SM_RECORD_OVERHEAD + len +
         (state & TF_RECORD_HAS_INDEX ? 64 + len + 24 * (1 + 2 * members) : 0) +
         (state & TF_RECORD_HAS_TREE ? 96 + 4 * len + 96 * members : 0) +
         (origin.file ? strlen(origin.file) + 16 : 0);
}

/* --- ordering ----------------------------------------------------------- */

static int item_before(const item *a, const item *b)
{
  return a->ts < b->ts || (a->ts == b->ts && a->seq < b->seq);
}

SM_SORT_DEFINE(sort_items, item, item_before)

static void sort_memory(sm_spool *sp)
{
  if (!sp->sorted)
    sort_items(sp->mem + sp->head, sp->count - sp->head, sp->sort_space);
  sp->sorted = 1;
}

/* --- runs --------------------------------------------------------------- */

/* A new run file, unlinked at once; NULL after setting the error. */
static FILE *run_file_create(sm_spool *sp)
{
  size_t n = strlen(sp->dir) + sizeof("/touchflow-spill-XXXXXX");
  char *path = malloc(n);
  FILE *f = NULL;
  int fd;

  if (!path)
    return NULL;
  snprintf(path, n, "%s/touchflow-spill-XXXXXX", sp->dir);
  errno = 0;
  fd = mkstemp(path);
  if (fd < 0) {
    io_error(sp, "cannot create a spill file (set spill_dir to a writable "
                 "folder with room)");
  } else {
    unlink(path);
    f = fdopen(fd, "w+b");
    if (!f) {
      io_error(sp, "cannot open a spill file");
      close(fd);
    }
  }
  free(path);
  return f;
}

/* Writes one record to f.  TF_OK, TF_ERR_NOMEM or TF_ERR_IO. */
static int run_write(sm_spool *sp, FILE *f, const item *it)
{
  run_header h;
  tf_origin origin = tf_record_origin(it->rec);
  size_t len = 0;
  const char *text = record_text(it->rec, &len);
  int ok;

  if (!text)
    return TF_ERR_NOMEM;
  memset(&h, 0, sizeof(h));
  h.ts = it->ts;
  h.seq = it->seq;
  h.line = origin.line;
  h.file_len = origin.file ? (uint32_t)strlen(origin.file) : UINT32_MAX;
  h.json_len = (uint32_t)len;
  errno = 0;
  ok = fwrite(&h, sizeof(h), 1, f) == 1 &&
       (!origin.file || fwrite(origin.file, 1, h.file_len, f) == h.file_len) &&
       fwrite(text, 1, len, f) == len;
  return ok ? TF_OK : io_error(sp, "cannot write a spill file");
}

static int scratch_reserve(sm_spool *sp, size_t n)
{
  char *grown;

  if (n <= sp->scratch_cap)
    return TF_OK;
  grown = realloc(sp->scratch, n);
  if (!grown)
    return TF_ERR_NOMEM;
  sp->scratch = grown;
  sp->scratch_cap = n;
  return TF_OK;
}

/* Reads the record at f's position into *out (a new reference); *got is
 * 0 at the end of the file. */
static int read_item(sm_spool *sp, FILE *f, item *out, int *got)
{
  run_header h;
  size_t file_len;
  tf_origin origin;
  char err[256];

  *got = 0;
  errno = 0;
  if (fread(&h, sizeof(h), 1, f) != 1)
    return ferror(f) ? io_error(sp, "cannot read a spill file") : TF_OK;
  file_len = h.file_len == UINT32_MAX ? 0 : h.file_len;
  if (scratch_reserve(sp, file_len + 1 + h.json_len + 1) != TF_OK)
    return TF_ERR_NOMEM;
  if (fread(sp->scratch, 1, file_len + h.json_len, f) != file_len + h.json_len)
    return io_error(sp, "a spill file ends early");
  memmove(sp->scratch + file_len + 1, sp->scratch + file_len, h.json_len);
  sp->scratch[file_len] = '\0';
  origin.file = h.file_len == UINT32_MAX ? NULL : sp->scratch;
  origin.line = (long)h.line;
  out->rec = tf_record_parse(sp->scratch + file_len + 1, h.json_len, &origin,
                             err, sizeof(err));
  if (!out->rec) {
    snprintf(sp->error, sizeof(sp->error),
             "%s: a spilled record does not read back: %s", sp->dir, err);
    return TF_ERR_IO;
  }
  out->ts = h.ts;
  out->seq = h.seq;
  out->ev = NULL;
  out->bytes = 0;
  *got = 1;
  return TF_OK;
}

/* Reads the next record of r into r->head (has_head 0 at the end). */
static int run_read_head(sm_spool *sp, run *r)
{
  r->has_head = 0;
  return read_item(sp, r->f, &r->head, &r->has_head);
}

/* Adds a run whose records were written to f, positioned at its first. */
static int run_open(sm_spool *sp, FILE *f)
{
  run *grown = realloc(sp->runs, (sp->nruns + 1) * sizeof(*grown));
  run *r;

  if (!grown) {
    fclose(f);
    return TF_ERR_NOMEM;
  }
  sp->runs = grown;
  r = &sp->runs[sp->nruns++];
  memset(r, 0, sizeof(*r));
  r->f = f;
  errno = 0;
  if (fflush(f) != 0 || fseek(f, 0, SEEK_SET) != 0)
    return io_error(sp, "cannot write a spill file");
  r->buffer = malloc(SM_SPOOL_IO_BUFFER);
  if (r->buffer)
    setvbuf(f, r->buffer, _IOFBF, SM_SPOOL_IO_BUFFER);
  sp->runs_written++;
  return run_read_head(sp, r);
}

/* --- merging ------------------------------------------------------------ */

typedef int (*item_fn)(sm_spool *sp, void *ud, const item *it);

/* The source of the next item in order: -1 memory, a run index, or -2
 * when nothing is left. */
static long next_source(const sm_spool *sp)
{
  const item *best = sp->head < sp->count ? &sp->mem[sp->head] : NULL;
  long at = best ? -1 : -2;
  size_t i;

  for (i = 0; i < sp->nruns; i++)
    if (sp->runs[i].has_head &&
        (!best || item_before(&sp->runs[i].head, best))) {
      best = &sp->runs[i].head;
      at = (long)i;
    }
  return at;
}

/* Drops the runs that are read to their end. */
static void close_finished_runs(sm_spool *sp)
{
  size_t i, kept = 0;

  for (i = 0; i < sp->nruns; i++) {
    if (sp->runs[i].has_head)
      sp->runs[kept++] = sp->runs[i];
    else
      run_close(&sp->runs[i]);
  }
  sp->nruns = kept;
}

/* Compacts the in-memory array after a take. */
static void compact_memory(sm_spool *sp)
{
  if (sp->head == sp->count) {
    sp->head = sp->count = 0;
  } else if (sp->head > sp->cap / 2) {
    memmove(sp->mem, sp->mem + sp->head, (sp->count - sp->head) * sizeof(item));
    sp->count -= sp->head;
    sp->head = 0;
  }
}

/* Passes every item before limit, in order, to fn, and forgets it. */
static int merge_out(sm_spool *sp, int64_t limit, item_fn fn, void *ud)
{
  long at;
  int rc = TF_OK;

  sort_memory(sp);
  while (rc == TF_OK && (at = next_source(sp)) != -2) {
    item it = at == -1 ? sp->mem[sp->head] : sp->runs[at].head;

    if (it.ts >= limit)
      break;
    if (at == -1) {
      sp->head++;
      sp->bytes -= it.bytes;
    } else {
      rc = run_read_head(sp, &sp->runs[at]);
    }
    sp->held--;
    if (rc == TF_OK)
      rc = fn(sp, ud, &it);
    item_release(sp, &it);
  }
  compact_memory(sp);
  close_finished_runs(sp);
  return rc;
}

static int write_item(sm_spool *sp, void *ud, const item *it)
{
  return run_write(sp, ud, it);
}

/* Writes everything held (memory and runs) into one new run. */
static int merge_into_one_run(sm_spool *sp)
{
  uint64_t held = sp->held;
  FILE *f = run_file_create(sp);
  int rc;

  if (!f)
    return sp->error[0] ? TF_ERR_IO : TF_ERR_NOMEM;
  rc = merge_out(sp, INT64_MAX, write_item, f);
  if (rc != TF_OK) {
    fclose(f);
    return rc;
  }
  sp->held = held;
  return run_open(sp, f);
}

/* Moves the records in memory into a new sorted run. */
static int spill(sm_spool *sp)
{
  uint64_t n = sp->count - sp->head;
  size_t i;
  FILE *f;
  int rc = TF_OK;

  if (sp->nruns + 1 >= SM_SPOOL_MAX_RUNS) {
    sp->spilled += n;
    return merge_into_one_run(sp);
  }
  f = run_file_create(sp);
  if (!f)
    return sp->error[0] ? TF_ERR_IO : TF_ERR_NOMEM;
  sort_memory(sp);
  for (i = sp->head; i < sp->count && rc == TF_OK; i++)
    rc = run_write(sp, f, &sp->mem[i]);
  if (rc != TF_OK) {
    fclose(f);
    return rc;
  }
  for (i = sp->head; i < sp->count; i++)
    item_release(sp, &sp->mem[i]);
  sp->head = sp->count = 0;
  sp->bytes = 0;
  sp->spilled += n;
  return run_open(sp, f);
}

/* --- public ------------------------------------------------------------- */

/* Doubles the room for records in memory (and the sort's scratch).
 * TF_OK or TF_ERR_NOMEM (then the spool is as it was). */
static int grow_memory(sm_spool *sp)
{
  size_t cap = sp->cap ? sp->cap * 2 : 256;
  item *grown = realloc(sp->sort_space, cap / 2 * sizeof(*grown));

  if (!grown)
    return TF_ERR_NOMEM;
  sp->sort_space = grown;
  grown = realloc(sp->mem, cap * sizeof(*grown));
  if (!grown)
    return TF_ERR_NOMEM;
  sp->mem = grown;
  sp->cap = cap;
  return TF_OK;
}

int sm_spool_add(sm_spool *sp, int64_t ts, tf_record *rec, const sm_event *ev)
{
  item *it;
  kept_event *k = NULL;

  if (sp->count == sp->cap && grow_memory(sp) != TF_OK)
    return TF_ERR_NOMEM;
  if (ev && (k = event_keep(sp, ev)) == NULL)
    return TF_ERR_NOMEM;
  it = &sp->mem[sp->count];
  it->ts = ts;
  it->seq = sp->seq++;
  it->rec = tf_record_ref(rec);
  it->ev = k;
  it->bytes = record_cost(rec) + (k ? sizeof(*k) : 0);
  if (sp->count > sp->head && item_before(it, &sp->mem[sp->count - 1]))
    sp->sorted = 0;
  sp->count++;
  sp->held++;
  sp->bytes += it->bytes;
  return sp->bytes > sp->budget ? spill(sp) : TF_OK;
}

typedef struct take_ctx {
  sm_spool_take_fn take;
  void *ud;
} take_ctx;

static int take_item(sm_spool *sp, void *ud, const item *it)
{
  take_ctx *t = ud;

  (void)sp;
  return t->take(t->ud, it->rec, it->ev ? &it->ev->ev : NULL);
}

int sm_spool_take(sm_spool *sp, int64_t limit, sm_spool_take_fn take, void *ud)
{
  take_ctx t = {take, ud};

  return merge_out(sp, limit, take_item, &t);
}

uint64_t sm_spool_count(const sm_spool *sp)
{
  return sp->held;
}

size_t sm_spool_bytes(const sm_spool *sp)
{
  return sp->bytes;
}

uint64_t sm_spool_runs_written(const sm_spool *sp)
{
  return sp->runs_written;
}

uint64_t sm_spool_records_spilled(const sm_spool *sp)
{
  return sp->spilled;
}

const char *sm_spool_error(const sm_spool *sp)
{
  return sp->error;
}

/* --- snapshot and restore ----------------------------------------------- */

uint64_t sm_spool_next_seq(const sm_spool *sp)
{
  return sp->seq;
}

size_t sm_spool_run_count(const sm_spool *sp)
{
  return sp->nruns;
}

/* Visits the records left in run r after its head, leaving the file where
 * it was. */
static int each_in_run(sm_spool *sp, run *r, size_t index,
                       sm_spool_visit_fn visit, void *ud)
{
  long pos;
  item it;
  int got = 1, rc = TF_OK, back;

  errno = 0;
  pos = ftell(r->f);
  if (pos < 0)
    return io_error(sp, "cannot read a spill file");
  while (rc == TF_OK) {
    rc = read_item(sp, r->f, &it, &got);
    if (rc != TF_OK || !got)
      break;
    rc = visit(ud, (long)index, it.ts, it.seq, 0, it.rec);
    tf_record_unref(it.rec);
  }
  errno = 0;
  clearerr(r->f);
  back = fseek(r->f, pos, SEEK_SET);
  if (back != 0 && rc == TF_OK)
    rc = io_error(sp, "cannot read a spill file");
  return rc;
}

int sm_spool_each(sm_spool *sp, sm_spool_visit_fn visit, void *ud)
{
  size_t i;
  int rc = TF_OK;

  for (i = sp->head; i < sp->count && rc == TF_OK; i++)
    rc = visit(ud, -1, sp->mem[i].ts, sp->mem[i].seq, sp->mem[i].bytes,
               sp->mem[i].rec);
  for (i = 0; i < sp->nruns && rc == TF_OK; i++) {
    run *r = &sp->runs[i];

    if (!r->has_head)
      continue;
    rc = visit(ud, (long)i, r->head.ts, r->head.seq, 0, r->head.rec);
    if (rc == TF_OK)
      rc = each_in_run(sp, r, i, visit, ud);
  }
  return rc;
}

void sm_spool_restore_counters(sm_spool *sp, uint64_t next_seq,
                               uint64_t runs_written, uint64_t spilled)
{
  sp->seq = next_seq;
  sp->runs_written = runs_written;
  sp->spilled = spilled;
}

int sm_spool_restore_memory(sm_spool *sp, int64_t ts, uint64_t seq,
                            size_t bytes, tf_record *rec)
{
  item *it;

  if (sp->count == sp->cap && grow_memory(sp) != TF_OK)
    return TF_ERR_NOMEM;
  it = &sp->mem[sp->count];
  it->ts = ts;
  it->seq = seq;
  it->rec = tf_record_ref(rec);
  it->ev = NULL;
  it->bytes = bytes ? bytes : record_cost(rec);
  if (sp->count > sp->head && item_before(it, &sp->mem[sp->count - 1]))
    sp->sorted = 0;
  sp->count++;
  sp->held++;
  sp->bytes += it->bytes;
  return TF_OK;
}

int sm_spool_restore_run_begin(sm_spool *sp)
{
  if (sp->building)
    return TF_ERR_INVAL;
  sp->building = run_file_create(sp);
  if (!sp->building)
    return sp->error[0] ? TF_ERR_IO : TF_ERR_NOMEM;
  return TF_OK;
}

int sm_spool_restore_run_add(sm_spool *sp, int64_t ts, uint64_t seq,
                             tf_record *rec)
{
  item it;

  if (!sp->building)
    return TF_ERR_INVAL;
  it.ts = ts;
  it.seq = seq;
  it.rec = rec;
  it.ev = NULL;
  it.bytes = 0;
  sp->held++;
  return run_write(sp, sp->building, &it);
}

int sm_spool_restore_run_end(sm_spool *sp)
{
  FILE *f = sp->building;
  uint64_t written = sp->runs_written;
  int rc;

  if (!f)
    return TF_ERR_INVAL;
  sp->building = NULL;
  rc = run_open(sp, f);
  sp->runs_written = written;
  return rc;
}
