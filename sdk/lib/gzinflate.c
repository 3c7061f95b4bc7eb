/*
 * gzinflate.c - streaming gzip decompression with ISA-L (gzinflate.h).
 *
 * The file is read in IN_SIZE pieces into `in`; isal_inflate parses each
 * member's header, inflates its data and checks its trailer (crc_flag
 * ISAL_GZIP).  When a member ends (ISAL_BLOCK_FINISH) the next bytes must
 * be another member's magic; the state is reset for it, keeping the input
 * position.  A refill keeps the last KEEP bytes already consumed in front
 * of the new ones: when a member ends, ISA-L gives back the whole bytes it
 * had loaded ahead into its bit buffer by moving next_in back, and those
 * bytes may have come from the previous piece.
 */
#include <errno.h>
#include <inttypes.h>
#include <isa-l/igzip_lib.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <touchflow/error.h>
#include <touchflow/linereader.h>

#include "gzinflate.h"

#define IN_SIZE (128 * 1024)
#define KEEP 16 /* > the 8 bytes of ISA-L's bit buffer */
#define SKIP_SIZE (64 * 1024)

struct tf__gzin {
  int fd;
  int between;      /* a member ended: what follows must start another */
  int eof;          /* read() said the file ends */
  int failed;       /* the error every later call returns, or 0 */
  uint64_t in_base; /* offset in the file of in[0] */
  uint64_t out_pos; /* decompressed bytes handed out or skipped */
  char err[192];
  struct inflate_state st;
  unsigned char in[KEEP + IN_SIZE];
};

static int fail(tf__gzin *z, int rc, const char *fmt, ...)
{
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(z->err, sizeof(z->err), fmt, ap);
  va_end(ap);
  z->failed = rc;
  return rc;
}

/* Offset in the file of the next byte ISA-L will take. */
static uint64_t in_offset(const tf__gzin *z)
{
  return z->in_base + (uint64_t)(z->st.next_in - z->in);
}

static void start(tf__gzin *z)
{
  isal_inflate_init(&z->st);
  z->st.crc_flag = ISAL_GZIP;
  z->st.next_in = z->in;
  z->st.avail_in = 0;
  z->in_base = 0;
  z->out_pos = 0;
  z->between = z->eof = z->failed = 0;
  z->err[0] = '\0';
}

int tf__gzin_open(tf__gzin **out, int fd)
{
  tf__gzin *z = malloc(sizeof(*z));

  *out = NULL;
  if (!z)
    return TF_ERR_NOMEM;
  z->fd = fd;
  start(z);
  *out = z;
  return TF_OK;
}

/* Moves the unconsumed bytes (and KEEP consumed ones before them) to the
 * front of `in` and reads more after them. */
static int fill(tf__gzin *z)
{
  size_t used = (size_t)(z->st.next_in - z->in);
  size_t keep = used < KEEP ? used : KEEP;
  size_t have = keep + z->st.avail_in;
  ssize_t n;

  memmove(z->in, z->st.next_in - keep, have);
  z->in_base += used - keep;
  z->st.next_in = z->in + keep;
  do
    n = read(z->fd, z->in + have, sizeof(z->in) - have);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return fail(z, TF_ERR_IO, "cannot read at byte %" PRIu64 ": %s",
                z->in_base + have, strerror(errno));
  z->eof = n == 0;
  z->st.avail_in += (uint32_t)n;
  return TF_OK;
}

/* A member ended and more bytes follow: they must be the next member. */
static int next_member(tf__gzin *z)
{
  const unsigned char *p = z->st.next_in;
  uint8_t *next_in = z->st.next_in;
  uint32_t avail_in = z->st.avail_in;

  if (p[0] != 0x1f || (avail_in > 1 && p[1] != 0x8b))
    return fail(z, TF_ERR_IO,
                "not gzip data at byte %" PRIu64 ", after the end of a gzip "
                "member (first byte %02x, not 1f 8b)",
                in_offset(z), p[0]);
  if (avail_in < 2)
    return fail(z, TF_ERR_TRUNCATED, "gzip data ends early at byte %" PRIu64,
                in_offset(z) + avail_in);
  isal_inflate_reset(&z->st);
  z->st.next_in = next_in;
  z->st.avail_in = avail_in;
  z->st.crc_flag = ISAL_GZIP;
  z->between = 0;
  return TF_OK;
}

/* What an error code of isal_inflate means. */
static const char *isal_problem(int isal_rc)
{
  if (isal_rc == ISAL_INVALID_WRAPPER)
    return "invalid gzip header";
  if (isal_rc == ISAL_UNSUPPORTED_METHOD)
    return "compression method is not deflate";
  if (isal_rc == ISAL_INCORRECT_CHECKSUM)
    return "the CRC-32 of the data does not match the member's trailer";
  if (isal_rc == ISAL_INVALID_LOOKBACK)
    return "a back-reference goes before the start of the data";
  return "invalid deflate block";
}

static int corrupt(tf__gzin *z, int isal_rc)
{
  return fail(z, TF_ERR_IO, "corrupt gzip data found at byte %" PRIu64 ": %s",
              in_offset(z), isal_problem(isal_rc));
}

/* One isal_inflate call into buf; *got: bytes it wrote.  An error with
 * bytes written returns TF_OK; the next tf__gzin_read returns it. */
static int inflate_some(tf__gzin *z, unsigned char *buf, uint32_t cap,
                        size_t *got)
{
  uint32_t in_before = z->st.avail_in;
  int rc;

  z->st.next_out = buf;
  z->st.avail_out = cap;
  rc = isal_inflate(&z->st);
  *got = cap - z->st.avail_out;
  z->out_pos += *got;
  if (rc != ISAL_DECOMP_OK) {
    /* What came out before the damage is handed out first. */
    corrupt(z, rc);
    return *got > 0 ? TF_OK : z->failed;
  }
  if (z->st.block_state == ISAL_BLOCK_FINISH)
    z->between = 1;
  else if (*got == 0 && z->st.avail_in == in_before && z->eof)
    return fail(z, TF_ERR_TRUNCATED, "gzip data ends early at byte %" PRIu64,
                in_offset(z) + z->st.avail_in);
  else if (*got == 0 && z->st.avail_in == in_before && in_before >= KEEP)
    return fail(z, TF_ERR_IO,
                "corrupt gzip data found at byte %" PRIu64
                ": the decompressor makes no progress",
                in_offset(z));
  return TF_OK;
}

int tf__gzin_read(tf__gzin *z, unsigned char *buf, size_t cap, size_t *got)
{
  int rc;

  *got = 0;
  if (z->failed)
    return z->failed;
  if (cap > UINT32_MAX)
    cap = UINT32_MAX;
  while (*got == 0 && cap > 0) {
    if (z->st.avail_in < KEEP && !z->eof) {
      rc = fill(z);
      if (rc != TF_OK)
        return rc;
      continue;
    }
    if (z->between) {
      if (z->st.avail_in == 0)
        return TF_LINE_EOF;
      rc = next_member(z);
      if (rc != TF_OK)
        return rc;
    }
    rc = inflate_some(z, buf, (uint32_t)cap, got);
    if (rc != TF_OK)
      return rc;
  }
  return TF_OK;
}

int tf__gzin_seek(tf__gzin *z, uint64_t offset)
{
  unsigned char *scratch;
  int rc = TF_OK;

  if (offset < z->out_pos || z->failed) {
    if (lseek(z->fd, 0, SEEK_SET) != 0)
      return fail(z, TF_ERR_IO, "cannot go back to the start: %s",
                  strerror(errno));
    start(z);
  }
  if (offset == z->out_pos)
    return TF_OK;
  scratch = malloc(SKIP_SIZE);
  if (!scratch)
    return TF_ERR_NOMEM;
  while (rc == TF_OK && z->out_pos < offset) {
    uint64_t left = offset - z->out_pos;
    size_t got;

    rc = tf__gzin_read(z, scratch, left < SKIP_SIZE ? (size_t)left : SKIP_SIZE,
                       &got);
  }
  free(scratch);
  if (rc == TF_LINE_EOF)
    return fail(z, TF_ERR_TRUNCATED,
                "the gzip data is %" PRIu64
                " bytes long, shorter than %" PRIu64,
                z->out_pos, offset);
  return rc;
}

uint64_t tf__gzin_tell(const tf__gzin *z)
{
  return z->out_pos;
}

const char *tf__gzin_error(const tf__gzin *z)
{
  return z->err;
}

void tf__gzin_close(tf__gzin *z)
{
  if (!z)
    return;
  close(z->fd);
  free(z);
}
