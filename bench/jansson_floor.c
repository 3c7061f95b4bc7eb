/*
 * jansson_floor.c - the "jansson floor" for bench/compare.sh: the least a
 * tool built on jansson does per NDJSON line, with no framework around it.
 *
 *   jansson_floor --mode pass   IN OUT   json_loadb, json_dumpb (compact), write
 *   jansson_floor --mode dedupe --keys type,biz_uid,ts IN OUT
 *                                        the same, writing only the first
 *                                        record of each key
 *   jansson_floor --mode parse  IN       json_loadb only, no output
 *
 * IN ending in ".gz" is read through zlib.  Lines are parsed with
 * JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, the flags touchflow's NDJSON
 * reading accepts exactly.  Blank lines are skipped.  A line that is not a
 * JSON object is reported on stderr as IN:LINE (the first 10 of them) and
 * skipped; the exit status is then 1.  In dedupe mode a record whose key
 * field is absent or null is written without dedupe (as touchflow's dedupe
 * does); the key is the compact JSON of the fields' values, and the set of
 * seen keys an open-addressing hash table holding the keys themselves
 * (exact, no hash collisions possible).  A summary line goes to stderr.
 *
 * Build: cc -std=c11 -O2 -Wall -Wextra -Werror jansson_floor.c \
 *          $(pkg-config --cflags --libs jansson) -lz
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define READ_CHUNK (1u << 20)
#define MAX_KEYS 16
#define MAX_REPORTED 10

enum mode { MODE_PASS, MODE_DEDUPE, MODE_PARSE };

/* Reads an input file, plain or gzip, line by line. */
typedef struct reader {
  const char *name;
  FILE *plain;
  gzFile gz;
  char *buf;
  size_t cap, start, end; /* unread bytes are buf[start, end) */
  int eof;
  long line;
} reader;

/* A set of byte strings: open addressing, linear probing. */
typedef struct slot {
  uint64_t hash;
  char *key; /* NULL: empty */
  size_t len;
} slot;

typedef struct keyset {
  slot *slots;
  size_t cap, n;
} keyset;

/* A growable byte buffer. */
typedef struct bytes {
  char *p;
  size_t len, cap;
} bytes;

static const char *prog = "jansson_floor";

static void die(const char *fmt, ...)
{
  va_list ap;

  fprintf(stderr, "%s: ", prog);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  exit(2);
}

static void *xmalloc(size_t n)
{
  void *p = malloc(n ? n : 1);

  if (!p)
    die("out of memory (%zu bytes)", n);
  return p;
}

static void *xrealloc(void *old, size_t n)
{
  void *p = realloc(old, n ? n : 1);

  if (!p)
    die("out of memory (%zu bytes)", n);
  return p;
}

static int ends_with(const char *s, const char *suffix)
{
  size_t a = strlen(s), b = strlen(suffix);

  return a >= b && strcmp(s + a - b, suffix) == 0;
}

static void reader_open(reader *r, const char *name)
{
  memset(r, 0, sizeof(*r));
  r->name = name;
  if (ends_with(name, ".gz")) {
    r->gz = gzopen(name, "rb");
    if (!r->gz)
      die("%s: cannot open: %s", name, strerror(errno ? errno : ENOMEM));
    gzbuffer(r->gz, 256u * 1024u);
  } else {
    r->plain = fopen(name, "rb");
    if (!r->plain)
      die("%s: cannot open: %s", name, strerror(errno));
  }
  r->cap = READ_CHUNK;
  r->buf = xmalloc(r->cap);
}

static void reader_close(reader *r)
{
  if (r->gz)
    gzclose(r->gz);
  if (r->plain)
    fclose(r->plain);
  free(r->buf);
}

/* Appends more input after buf[end]; sets eof at the end. */
static void reader_fill(reader *r)
{
  size_t room;

  if (r->start > 0) {
    memmove(r->buf, r->buf + r->start, r->end - r->start);
    r->end -= r->start;
    r->start = 0;
  }
  if (r->end == r->cap) {
    r->cap *= 2;
    r->buf = xrealloc(r->buf, r->cap);
  }
  room = r->cap - r->end;
  if (r->gz) {
    unsigned want = room > (1u << 30) ? (1u << 30) : (unsigned)room;
    int got = gzread(r->gz, r->buf + r->end, want);
    int zerr;
    const char *msg;

    if (got < 0) {
      msg = gzerror(r->gz, &zerr);
      die("%s: after line %ld: %s", r->name, r->line, msg);
    }
    if (got == 0) {
      msg = gzerror(r->gz, &zerr);
      if (zerr == Z_BUF_ERROR)
        die("%s: after line %ld: the gzip data ends early", r->name,
            r->line);
      if (zerr != Z_OK)
        die("%s: after line %ld: %s", r->name, r->line, msg);
      r->eof = 1;
    }
    r->end += (size_t)(got > 0 ? got : 0);
  } else {
    size_t got = fread(r->buf + r->end, 1, room, r->plain);

    if (got == 0) {
      if (ferror(r->plain))
        die("%s: after line %ld: read error", r->name, r->line);
      r->eof = 1;
    }
    r->end += got;
  }
}

/* The next line without its end (LF or CRLF); 0 at the end of input. */
static int reader_next(reader *r, const char **text, size_t *len)
{
  for (;;) {
    char *nl = memchr(r->buf + r->start, '\n', r->end - r->start);

    if (nl || (r->eof && r->end > r->start)) {
      size_t n = nl ? (size_t)(nl - (r->buf + r->start)) : r->end - r->start;

      *text = r->buf + r->start;
      r->start += nl ? n + 1 : n;
      if (n > 0 && (*text)[n - 1] == '\r')
        n--;
      *len = n;
      r->line++;
      return 1;
    }
    if (r->eof)
      return 0;
    reader_fill(r);
  }
}

/* FNV-1a, 64 bits. */
static uint64_t hash_bytes(const char *p, size_t n)
{
  uint64_t h = 14695981039346656037ull;

  for (size_t i = 0; i < n; i++) {
    h ^= (unsigned char)p[i];
    h *= 1099511628211ull;
  }
  return h;
}

static void keyset_grow(keyset *s)
{
  size_t cap = s->cap ? s->cap * 2 : 1024;
  slot *slots = xmalloc(cap * sizeof(*slots));

  memset(slots, 0, cap * sizeof(*slots));
  for (size_t i = 0; i < s->cap; i++) {
    size_t j;

    if (!s->slots[i].key)
      continue;
    j = (size_t)s->slots[i].hash & (cap - 1);
    while (slots[j].key)
      j = (j + 1) & (cap - 1);
    slots[j] = s->slots[i];
  }
  free(s->slots);
  s->slots = slots;
  s->cap = cap;
}

/* Adds the key; 1 if it was new, 0 if it was there already. */
static int keyset_add(keyset *s, const char *key, size_t len)
{
  uint64_t h = hash_bytes(key, len);
  size_t j;

  if ((s->n + 1) * 4 > s->cap * 3)
    keyset_grow(s);
  j = (size_t)h & (s->cap - 1);
  while (s->slots[j].key) {
    if (s->slots[j].hash == h && s->slots[j].len == len &&
        memcmp(s->slots[j].key, key, len) == 0)
      return 0;
    j = (j + 1) & (s->cap - 1);
  }
  s->slots[j].hash = h;
  s->slots[j].key = xmalloc(len);
  memcpy(s->slots[j].key, key, len);
  s->slots[j].len = len;
  s->n++;
  return 1;
}

static void keyset_free(keyset *s)
{
  for (size_t i = 0; i < s->cap; i++)
    free(s->slots[i].key);
  free(s->slots);
}

/* Writes the compact JSON of VALUE at the end of B (growing it). */
static void dump_append(bytes *b, const json_t *value, size_t flags)
{
  for (;;) {
    size_t room = b->cap - b->len;
    size_t n = json_dumpb(value, b->p + b->len, room, flags);

    if (n == 0)
      die("json_dumpb failed");
    if (n <= room) {
      b->len += n;
      return;
    }
    b->cap = (b->len + n) * 2;
    b->p = xrealloc(b->p, b->cap);
  }
}

/* The dedupe key of OBJ into KEY; 0 when a key field is absent or null. */
static int make_key(const json_t *obj, char *const *names, size_t nnames,
                    bytes *key)
{
  key->len = 0;
  for (size_t i = 0; i < nnames; i++) {
    json_t *v = json_object_get(obj, names[i]);

    if (!v || json_is_null(v))
      return 0;
    dump_append(key, v, JSON_COMPACT | JSON_ENCODE_ANY);
    /* compact JSON holds no raw line feed: a safe separator */
    if (key->len == key->cap) {
      key->cap *= 2;
      key->p = xrealloc(key->p, key->cap);
    }
    key->p[key->len++] = '\n';
  }
  return 1;
}

static void usage(void)
{
  fprintf(stderr,
          "usage: %s --mode pass IN OUT\n"
          "       %s --mode dedupe --keys F1,F2,... IN OUT\n"
          "       %s --mode parse IN\n"
          "IN may be gzip (name ending in .gz).\n",
          prog, prog, prog);
  exit(2);
}

int main(int argc, char **argv)
{
  enum mode mode = MODE_PASS;
  const char *mode_name = NULL, *keys_arg = NULL, *in = NULL, *out = NULL;
  char *keys_copy = NULL, *names[MAX_KEYS];
  size_t nnames = 0;
  long records = 0, written = 0, bad = 0, dropped = 0;
  FILE *o = NULL;
  bytes dump = {0}, key = {0};
  keyset seen = {0};
  reader r;
  const char *text;
  size_t len;
  int i;

  for (i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--mode") == 0 && i + 1 < argc)
      mode_name = argv[++i];
    else if (strcmp(argv[i], "--keys") == 0 && i + 1 < argc)
      keys_arg = argv[++i];
    else if (argv[i][0] == '-' && argv[i][1] != '\0')
      usage();
    else if (!in)
      in = argv[i];
    else if (!out)
      out = argv[i];
    else
      usage();
  }
  if (!mode_name || strcmp(mode_name, "pass") == 0)
    mode = MODE_PASS;
  else if (strcmp(mode_name, "dedupe") == 0)
    mode = MODE_DEDUPE;
  else if (strcmp(mode_name, "parse") == 0)
    mode = MODE_PARSE;
  else
    usage();
  if (!in || (mode == MODE_PARSE) != !out)
    usage();
  if ((mode == MODE_DEDUPE) != (keys_arg != NULL))
    usage();
  if (keys_arg) {
    char *save = NULL, *tok;

    keys_copy = xmalloc(strlen(keys_arg) + 1);
    strcpy(keys_copy, keys_arg);
    for (tok = strtok_r(keys_copy, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
      if (nnames == MAX_KEYS)
        die("--keys: at most %d fields", MAX_KEYS);
      names[nnames++] = tok;
    }
    if (nnames == 0)
      die("--keys: no field named");
  }

  dump.cap = key.cap = 4096;
  dump.p = xmalloc(dump.cap);
  key.p = xmalloc(key.cap);
  reader_open(&r, in);
  if (out) {
    o = fopen(out, "wb");
    if (!o)
      die("%s: cannot create: %s", out, strerror(errno));
    setvbuf(o, NULL, _IOFBF, 1u << 20);
  }

  while (reader_next(&r, &text, &len)) {
    json_error_t err;
    json_t *obj;
    size_t k;

    for (k = 0; k < len && strchr(" \t\r", text[k]); k++)
      ;
    if (k == len)
      continue; /* blank line */
    records++;
    obj = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &err);
    if (!obj || !json_is_object(obj)) {
      if (++bad <= MAX_REPORTED)
        fprintf(stderr, "%s:%ld: %s\n", in, r.line,
                obj ? "not a JSON object" : err.text);
      json_decref(obj);
      continue;
    }
    if (mode == MODE_DEDUPE && make_key(obj, names, nnames, &key) &&
        !keyset_add(&seen, key.p, key.len)) {
      dropped++;
      json_decref(obj);
      continue;
    }
    if (o) {
      dump.len = 0;
      dump_append(&dump, obj, JSON_COMPACT);
      if (dump.len == dump.cap) {
        dump.cap *= 2;
        dump.p = xrealloc(dump.p, dump.cap);
      }
      dump.p[dump.len++] = '\n';
      if (fwrite(dump.p, 1, dump.len, o) != dump.len)
        die("%s: write error: %s", out, strerror(errno));
      written++;
    }
    json_decref(obj);
  }

  if (o && fclose(o) != 0)
    die("%s: write error: %s", out, strerror(errno));
  reader_close(&r);
  keyset_free(&seen);
  free(dump.p);
  free(key.p);
  free(keys_copy);
  if (bad > MAX_REPORTED)
    fprintf(stderr, "%s: ... %ld more bad lines\n", in, bad - MAX_REPORTED);
  fprintf(stderr,
          "%s: mode %s: %ld records, %ld written, %ld duplicates dropped, "
          "%ld bad\n",
          prog, mode == MODE_PASS ? "pass" : mode == MODE_DEDUPE ? "dedupe"
                                                               : "parse",
          records, written, dropped, bad);
  return bad ? 1 : 0;
}
