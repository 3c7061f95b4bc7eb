/*
 * inflate_bench.c - how fast three libraries inflate one gzip file on
 * this machine: zlib (inflate, streaming), ISA-L (isal_inflate,
 * streaming) and libdeflate (one call on the whole file, its output
 * buffer sized from the gzip trailer: one member only).
 *
 * Usage: inflate_bench FILE.gz [ROUNDS]
 * Build:  cc -O2 -o inflate_bench inflate_bench.c -lz -lisal -ldeflate
 *
 * The compressed file is read into memory first; each library then
 * inflates it ROUNDS times (default 3) into a 64 KiB window (the line
 * reader's chunk), or once into one buffer (libdeflate).  Prints the best
 * CPU time (user + system of this process) of each, the uncompressed size
 * and a checksum of the output, so that the three can be seen to agree.
 * Not part of the build: a measurement for bench/README.md.
 */
#include <isa-l/igzip_lib.h>
#include <libdeflate.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <zlib.h>

#ifndef OUT_SIZE
#define OUT_SIZE (64 * 1024)
#endif

typedef struct {
  uint64_t bytes;
  uint32_t sum; /* adler32 of the output */
} result;

static double cpu_seconds(void)
{
  struct rusage ru;

  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
         (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static int run_zlib(const unsigned char *in, size_t len, result *res)
{
  static unsigned char out[OUT_SIZE];
  z_stream z;
  int rc = Z_OK;

  memset(&z, 0, sizeof(z));
  if (inflateInit2(&z, 31) != Z_OK)
    return -1;
  z.next_in = (unsigned char *)in;
  z.avail_in = (uInt)len;
  while (rc != Z_STREAM_END || z.avail_in > 0) {
    if (rc == Z_STREAM_END && inflateReset(&z) != Z_OK)
      break;
    z.next_out = out;
    z.avail_out = OUT_SIZE;
    rc = inflate(&z, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END)
      break;
    res->bytes += OUT_SIZE - z.avail_out;
    res->sum = (uint32_t)adler32(res->sum, out, OUT_SIZE - z.avail_out);
  }
  inflateEnd(&z);
  return rc == Z_STREAM_END ? 0 : -1;
}

static int run_isal(const unsigned char *in, size_t len, result *res)
{
  static unsigned char out[OUT_SIZE];
  static struct inflate_state s;

  isal_inflate_init(&s);
  s.crc_flag = ISAL_GZIP;
  s.next_in = (uint8_t *)in;
  s.avail_in = (uint32_t)len;
  for (;;) {
    int rc;

    if (s.block_state == ISAL_BLOCK_FINISH) {
      if (s.avail_in == 0)
        return 0;
      isal_inflate_reset(&s); /* keeps next_in/avail_in */
      s.crc_flag = ISAL_GZIP;
    }
    s.next_out = out;
    s.avail_out = OUT_SIZE;
    rc = isal_inflate(&s);
    if (rc != ISAL_DECOMP_OK)
      return -1;
    res->bytes += OUT_SIZE - s.avail_out;
    res->sum = (uint32_t)adler32(res->sum, out, OUT_SIZE - s.avail_out);
    if (s.avail_out == OUT_SIZE && s.avail_in == 0 &&
        s.block_state != ISAL_BLOCK_FINISH)
      return -1; /* truncated */
  }
}

static int run_libdeflate(const unsigned char *in, size_t len, result *res)
{
  struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
  size_t size = (size_t)in[len - 4] | (size_t)in[len - 3] << 8 |
                (size_t)in[len - 2] << 16 | (size_t)in[len - 1] << 24;
  size_t got = 0;
  unsigned char *out = malloc(size ? size : 1);
  int rc;

  if (!d || !out)
    return -1;
  rc = libdeflate_gzip_decompress(d, in, len, out, size, &got);
  res->bytes = got;
  res->sum = (uint32_t)adler32(1, out, (uInt)got);
  free(out);
  libdeflate_free_decompressor(d);
  return rc == LIBDEFLATE_SUCCESS ? 0 : -1;
}

static unsigned char *slurp(const char *path, size_t *len)
{
  FILE *f = fopen(path, "rb");
  unsigned char *buf = NULL;
  long n;

  if (!f || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 18 ||
      fseek(f, 0, SEEK_SET) != 0 || !(buf = malloc((size_t)n)) ||
      fread(buf, 1, (size_t)n, f) != (size_t)n) {
    free(buf);
    buf = NULL;
  }
  if (f)
    fclose(f);
  *len = buf ? (size_t)n : 0;
  return buf;
}

int main(int argc, char **argv)
{
  static const struct {
    const char *name;
    int (*fn)(const unsigned char *, size_t, result *);
  } libs[] = {
      {"zlib", run_zlib}, {"isa-l", run_isal}, {"libdeflate", run_libdeflate}};
  int rounds = argc > 2 ? atoi(argv[2]) : 3;
  size_t len;
  unsigned char *in = argc > 1 ? slurp(argv[1], &len) : NULL;

  if (!in || rounds < 1) {
    fprintf(stderr, "usage: %s FILE.gz [ROUNDS] (a readable gzip file)\n",
            argv[0]);
    return 2;
  }
  for (size_t i = 0; i < sizeof(libs) / sizeof(libs[0]); i++) {
    double best = 0;
    result res = {0, 0};

    for (int k = 0; k < rounds; k++) {
      double t0 = cpu_seconds();

      res = (result){0, 1};
      if (libs[i].fn(in, len, &res) != 0) {
        fprintf(stderr, "%s: cannot inflate %s\n", libs[i].name, argv[1]);
        return 1;
      }
      t0 = cpu_seconds() - t0;
      best = k == 0 || t0 < best ? t0 : best;
    }
    printf("%-10s %6.3f CPU s  %8.1f MB/s out  %" PRIu64
           " bytes  adler32 %08x\n",
           libs[i].name, best, res.bytes / best / 1e6, res.bytes, res.sum);
  }
  free(in);
  return 0;
}
