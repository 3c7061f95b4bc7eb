/*
 * record.c - the opaque, reference-counted record handle (record.h), and
 * what it builds lazily.
 *
 * A record is one of three kinds:
 *   - text: JSON text that the strict scanner accepted (tf_record_parse) or
 *     that a tf_builder wrote.  Only the bytes are kept (and, from a
 *     builder, the tokens it wrote them with: builder_tokens.h); the value
 *     index (value_index.h) is built by the first tf_value access (from
 *     those tokens when there are some, else by a scan), the jansson tree
 *     by the first call of the json_t API.  A record that is only passed
 *     on gets neither.
 *   - tree: made from a json_t (tf_record_new, tf_record_derive).  The
 *     index, when asked for, is built over the tree's compact dump.
 *   - raw: text that is not a JSON object, kept for the dead-letter output.
 *
 * Records are immutable to their users; the two caches are filled at most
 * once, without a lock: a thread builds the index (or tree) and publishes it
 * with a compare-and-swap; one that loses the race frees its own and uses
 * the winner's.  An index that has room in the record's own allocation
 * (made with its tokens) is filled there by the one thread that claims it
 * first (an atomic flag); another that needs it meanwhile waits the few
 * microseconds until it is published.  The reference count is atomic too,
 * so records may be shared between threads.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <touchflow/record.h>
#include <touchflow/value.h>
#include <touchflow/record_json.h>

#include "json_scan.h"
#include "record_internal.h"
#include "value_index.h"

typedef enum record_kind { RECORD_TEXT, RECORD_TREE, RECORD_RAW } record_kind;

struct tf_record {
  atomic_uint refcount;
  record_kind kind;
  char *bytes; /* text and raw records: the text, NUL-terminated */
  size_t len;
  char *file; /* origin file, or NULL */
  long line;
  _Atomic(json_t *) obj;      /* tree: from the start; text: on demand */
  _Atomic(tf__index *) index; /* on demand */
  /* A record made with its tokens (parsed with its index, or written by a
   * tf_builder) has room for its index in its own allocation, laid out
   * with the tokens: the first thread to claim it fills it there (no scan,
   * no allocation); else NULL. */
  tf__index *block_index;
  atomic_flag claimed;
  size_t cap; /* bytes of its allocation */
};

/* --- The spare block ----------------------------------------------------
 *
 * A record freed is most often followed, on the same thread, by one of
 * about its size (a source's input record, freed once mapped, then the
 * next line's): each thread keeps the last block it freed, up to
 * SPARE_MAX bytes, for the next record it makes, so that such a record
 * costs no malloc and no free.  A block is taken only by a record that
 * does not leave much of it unused (SPARE_SLACK).  The block of a thread
 * that ends is freed (a pthread key's destructor); the one of the thread
 * that ends the process (or unloads the library), by the library's
 * destructor. */

#define SPARE_MAX 4096
#define SPARE_SLACK 512

/* A thread's spare. */
typedef struct spare_slot {
  void *block;
  size_t cap;
  int registered; /* the thread has set spare_key (for its destructor) */
} spare_slot;

#if defined(__GNUC__)
/* The initial-exec model (an offset from the thread pointer, no call):
 * the slot is 24 bytes, which the static TLS surplus that glibc keeps for
 * libraries loaded later holds too. */
__attribute__((tls_model("initial-exec")))
#endif
static _Thread_local spare_slot spare;
static pthread_key_t spare_key;
static pthread_once_t spare_once = PTHREAD_ONCE_INIT;
static int spare_key_ok;

static void spare_drop(void *unused)
{
  spare_slot *sl = &spare;

  (void)unused;
  free(sl->block);
  sl->block = NULL;
  sl->cap = 0;
}

static void spare_key_make(void)
{
  spare_key_ok = pthread_key_create(&spare_key, spare_drop) == 0;
}

#if defined(__GNUC__)
/* Also deletes the key: were the library unloaded before other threads
 * end, their destructors would not be called into code that is gone (their
 * spares are then lost). */
__attribute__((destructor)) static void spare_at_exit(void)
{
  spare_drop(NULL);
  if (spare_key_ok)
    pthread_key_delete(spare_key);
}
#endif

/* A block of at least `need` bytes: the spare when it fits, else a new one
 * (its size rounded up, so that the next records of about its size fit
 * it); its size in *cap.  NULL on ENOMEM. */
static void *block_get(size_t need, size_t *cap)
{
  spare_slot *sl = &spare;
  void *block = sl->block;

  if (block && sl->cap >= need && sl->cap - need <= SPARE_SLACK) {
    *cap = sl->cap;
    sl->block = NULL;
    sl->cap = 0;
    return block;
  }
  *cap = need <= SPARE_MAX ? (need + 255) / 256 * 256 : need;
  return malloc(*cap);
}

/* Frees a record's block, or keeps it as the thread's spare. */
static void block_put(void *block, size_t cap)
{
  spare_slot *sl;

  if (cap > SPARE_MAX || (sl = &spare)->block) {
    free(block);
    return;
  }
  if (!sl->registered) {
    pthread_once(&spare_once, spare_key_make);
    /* Without the key the block could outlive its thread: not kept. */
    if (!spare_key_ok || pthread_setspecific(spare_key, sl)) {
      free(block);
      return;
    }
    sl->registered = 1;
  }
  sl->block = block;
  sl->cap = cap;
}

/* Rounds n up to a multiple of the alignment of a pointer. */
static size_t aligned(size_t n)
{
  return (n + sizeof(void *) - 1) / sizeof(void *) * sizeof(void *);
}

/* A record in one allocation: the struct, then, with tokens, the room for
 * its index (value_index.h), then the bytes (when bytes is not NULL) and
 * the origin's file name, so that a record costs one malloc and one free
 * at most (none when the thread's spare block fits it). */
static tf_record *record_alloc(const tf_origin *origin, record_kind kind,
                               const char *bytes, size_t len,
                               const struct tf_value *toks, size_t ntok)
{
  size_t flen = origin && origin->file ? strlen(origin->file) + 1 : 0;
  size_t blen = bytes ? len + 1 : 0, head = aligned(sizeof(tf_record)), ilen;
  size_t cap;
  tf_record *rec;
  char *p;

  if (ntok > SIZE_MAX / 4 / sizeof(*toks) || len > SIZE_MAX / 4 - flen)
    return NULL;
  ilen = toks ? aligned(tf__index_size(len, ntok)) : 0;
  rec = block_get(head + ilen + blen + flen, &cap);
  if (!rec)
    return NULL;
  rec->cap = cap;
  atomic_init(&rec->refcount, 1);
  atomic_init(&rec->obj, NULL);
  atomic_init(&rec->index, NULL);
  atomic_flag_clear(&rec->claimed);
  rec->kind = kind;
  rec->block_index =
      toks ? tf__index_lay((char *)rec + head, len, toks, ntok) : NULL;
  p = (char *)rec + head + ilen;
  rec->bytes = bytes ? p : NULL;
  rec->len = bytes ? len : 0;
  if (bytes) {
    if (len)
      memcpy(p, bytes, len);
    p[len] = '\0';
  }
  rec->file = flen ? memcpy(p + blen, origin->file, flen) : NULL;
  rec->line = origin ? origin->line : 0;
  return rec;
}

/* Fills the index in the record's block and publishes it, when no other
 * thread claimed it first; else waits until that one publishes it (it
 * cannot fail: nothing is allocated).  NULL when the record has no room. */
static tf__index *fill_block_index(tf_record *rec)
{
  tf__index *expected = NULL, *idx;

  if (!rec->block_index)
    return NULL;
  if (atomic_flag_test_and_set_explicit(&rec->claimed, memory_order_acq_rel)) {
    while (!(idx = atomic_load_explicit(&rec->index, memory_order_acquire)))
      sched_yield();
    return idx;
  }
  tf__index_fill(rec->block_index, rec->bytes);
  atomic_compare_exchange_strong_explicit(
      &rec->index, &expected, rec->block_index, memory_order_acq_rel,
      memory_order_acquire);
  return rec->block_index;
}

/* A record of the given kind holding a copy of bytes. */
static tf_record *record_with_bytes(const char *bytes, size_t len,
                                    const tf_origin *origin, record_kind kind)
{
  return record_alloc(origin, kind, bytes, len, NULL, 0);
}

static tf_record *record_of_tree(json_t *obj, const tf_origin *origin)
{
  tf_record *rec;

  if (!json_is_object(obj)) {
    json_decref(obj);
    return NULL;
  }
  rec = record_alloc(origin, RECORD_TREE, NULL, 0, NULL, 0);
  if (!rec) {
    json_decref(obj);
    return NULL;
  }
  atomic_store_explicit(&rec->obj, obj, memory_order_relaxed);
  return rec;
}

tf_record *tf_record_new(json_t *obj)
{
  return record_of_tree(obj, NULL);
}

tf_record *tf_record_parse(const char *bytes, size_t len,
                           const tf_origin *origin, char *err, size_t errlen)
{
  tf__scan_error why;
  tf_record *rec;

  if (tf__json_scan(bytes, len, 0, NULL, &why) != TF__SCAN_OK) {
    if (err && errlen)
      tf__scan_error_message(&why, err, errlen);
    return NULL;
  }
  rec = record_with_bytes(bytes, len, origin, RECORD_TEXT);
  if (!rec && err && errlen)
    snprintf(err, errlen, "out of memory");
  return rec;
}

tf_record *tf_record_parse_indexed(const char *bytes, size_t len,
                                   const tf_origin *origin, char *err,
                                   size_t errlen)
{
  tf__json_tokens toks;
  tf__scan_error why;
  tf_record *rec = NULL;

  tf__json_tokens_init(&toks);
  switch (tf__json_scan(bytes, len, 0, &toks, &why)) {
  case TF__SCAN_OK: break;
  case TF__SCAN_TOO_BIG: /* too large to index, not to keep */
    tf__json_tokens_free(&toks);
    return tf_record_parse(bytes, len, origin, err, errlen);
  default:
    if (err && errlen)
      tf__scan_error_message(&why, err, errlen);
    goto out;
  }
  rec = record_alloc(origin, RECORD_TEXT, bytes, len, toks.v, toks.n);
  if (rec)
    fill_block_index(rec);
  else if (err && errlen)
    snprintf(err, errlen, "out of memory");
out:
  tf__json_tokens_free(&toks);
  return rec;
}

tf_record *tf__record_new_text(const char *text, size_t len,
                               const tf_origin *origin,
                               const struct tf_value *toks, size_t ntok)
{
  return record_alloc(origin, RECORD_TEXT, text, len, toks, ntok);
}

tf_record *tf_record_new_raw(const char *bytes, size_t len,
                             const tf_origin *origin)
{
  return record_with_bytes(bytes ? bytes : "", bytes ? len : 0, origin,
                           RECORD_RAW);
}

tf_record *tf_record_derive(const tf_record *src, json_t *obj)
{
  tf_origin origin = tf_record_origin(src);

  return record_of_tree(obj, &origin);
}

tf_record *tf_record_ref(tf_record *rec)
{
  if (rec)
    atomic_fetch_add_explicit(&rec->refcount, 1, memory_order_relaxed);
  return rec;
}

void tf_record_unref(tf_record *rec)
{
  if (!rec ||
      atomic_fetch_sub_explicit(&rec->refcount, 1, memory_order_acq_rel) != 1)
    return;
  json_decref(atomic_load_explicit(&rec->obj, memory_order_relaxed));
  tf__index_free(atomic_load_explicit(&rec->index, memory_order_relaxed));
  block_put(rec, rec->cap);
}

/* --- The jansson tree: the slow path ------------------------------------ */

/* Parses a text record's bytes into its tree, once.  NULL on ENOMEM. */
static json_t *build_tree(tf_record *rec)
{
  json_t *expected = NULL;
  json_t *obj = json_loadb(rec->bytes, rec->len,
                           JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, NULL);

  if (!obj)
    return NULL;
  if (atomic_compare_exchange_strong_explicit(&rec->obj, &expected, obj,
                                              memory_order_acq_rel,
                                              memory_order_acquire))
    return obj;
  json_decref(obj);
  return expected;
}

const json_t *tf_record_json(const tf_record *rec)
{
  json_t *obj;

  if (!rec || rec->kind == RECORD_RAW)
    return NULL;
  obj = atomic_load_explicit(&rec->obj, memory_order_acquire);
  return obj ? obj : build_tree((tf_record *)rec);
}

const json_t *tf_record_get(const tf_record *rec, const char *field)
{
  const json_t *obj = tf_record_json(rec);

  if (!obj || !field)
    return NULL;
  return json_object_get(obj, field);
}

/* One step of a dotted path: an object member, or an array index. */
static const json_t *path_step(const json_t *node, const char *key, size_t n)
{
  char buf[256];
  char *end;
  unsigned long idx;

  if (n >= sizeof(buf))
    return NULL;
  memcpy(buf, key, n);
  buf[n] = '\0';
  if (json_is_object(node))
    return json_object_get(node, buf);
  if (json_is_array(node) && n > 0) {
    idx = strtoul(buf, &end, 10);
    if (*end == '\0')
      return json_array_get(node, idx);
  }
  return NULL;
}

const json_t *tf_record_get_path(const tf_record *rec, const char *path)
{
  const json_t *node = path ? tf_record_json(rec) : NULL;
  const char *p = path;

  if (!node)
    return NULL;
  while (node) {
    const char *dot = strchr(p, '.');
    size_t n = dot ? (size_t)(dot - p) : strlen(p);

    node = path_step(node, p, n);
    if (!dot)
      return node;
    p = dot + 1;
  }
  return NULL;
}

const char *tf_record_get_string(const tf_record *rec, const char *field)
{
  return json_string_value(tf_record_get(rec, field));
}

json_t *tf_record_copy_json(const tf_record *rec)
{
  const json_t *obj = tf_record_json(rec);

  return obj ? json_deep_copy(obj) : NULL;
}

/* --- The value index: the fast path ------------------------------------ */

/* Indexes the record's text (a tree's compact dump), once.  NULL on
 * ENOMEM. */
static tf__index *build_index(tf_record *rec)
{
  tf__index *expected = NULL, *idx;
  char *text;

  if (rec->block_index) {
    return fill_block_index(rec);
  } else if (rec->kind == RECORD_TEXT) {
    idx = tf__index_build(rec->bytes, rec->len, NULL);
  } else {
    text = json_dumps(atomic_load_explicit(&rec->obj, memory_order_acquire),
                      JSON_COMPACT);
    idx = text ? tf__index_build(text, strlen(text), text) : NULL;
  }
  if (!idx)
    return NULL;
  if (atomic_compare_exchange_strong_explicit(&rec->index, &expected, idx,
                                              memory_order_acq_rel,
                                              memory_order_acquire))
    return idx;
  tf__index_free(idx);
  return expected;
}

const tf_value *tf_record_root(const tf_record *rec)
{
  tf__index *idx;

  if (!rec)
    return NULL;
  if (rec->kind == RECORD_RAW)
    return tf__value_invalid();
  idx = atomic_load_explicit(&rec->index, memory_order_acquire);
  if (!idx)
    idx = build_index((tf_record *)rec);
  return idx ? idx->tok : tf__value_invalid();
}

/* --- The rest ---------------------------------------------------------- */

int tf_record_has_json(const tf_record *rec)
{
  return rec && rec->kind != RECORD_RAW;
}

unsigned tf_record_debug_state(const tf_record *rec)
{
  unsigned state = 0;

  if (!rec)
    return 0;
  if (atomic_load_explicit(&rec->index, memory_order_acquire))
    state |= TF_RECORD_HAS_INDEX;
  if (atomic_load_explicit(&rec->obj, memory_order_acquire))
    state |= TF_RECORD_HAS_TREE;
  return state;
}

const char *tf_record_bytes(const tf_record *rec, size_t *len)
{
  if (!rec || !rec->bytes) {
    if (len)
      *len = 0;
    return NULL;
  }
  if (len)
    *len = rec->len;
  return rec->bytes;
}

tf_origin tf_record_origin(const tf_record *rec)
{
  tf_origin origin = {NULL, 0};

  if (rec) {
    origin.file = rec->file;
    origin.line = rec->line;
  }
  return origin;
}
