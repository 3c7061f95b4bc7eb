/*
 * fuzz_gzip.c - libFuzzer target: a gzip file, as the line reader reads it.
 *
 * The bytes are written to a file and read as gzip (ISA-L's inflate,
 * sdk/lib/gzinflate.c: headers, deflate blocks, trailers, several members,
 * what follows the last one).  Every call must end in lines and then
 * TF_LINE_EOF, TF_ERR_TRUNCATED or TF_ERR_IO, and an error must say what
 * happened, naming the file.  A seek back to the start of a file read to
 * its end must give as many lines again.  Run by .ci/fuzz; see docs/testing.md.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <touchflow/io.h>
#include <touchflow/touchflow.h>

static char path[64];

/* Reads r to its end; *count: the lines.  Returns the last code, or
 * aborts on one that reading gzip cannot give. */
static int read_all(tf_line_reader *r, long *count)
{
  tf_line ln;
  int rc;

  *count = 0;
  while ((rc = tf_line_reader_next(r, &ln)) == TF_OK)
    if (++*count > 10000000)
      abort(); /* the reader must move on */
  if (rc != TF_LINE_EOF && rc != TF_ERR_TRUNCATED && rc != TF_ERR_IO)
    abort();
  if (rc != TF_LINE_EOF && !strstr(tf_line_reader_error(r), path))
    abort(); /* an error names the file */
  return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  tf_line_reader *r;
  long count, again;
  FILE *f;
  int rc;

  if (!path[0])
    snprintf(path, sizeof(path), "/tmp/touchflow-fuzz-gzip.%ld.gz",
             (long)getpid());
  f = fopen(path, "wb");
  if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
    abort();
  if (tf_line_reader_open(&r, path, TF_COMPRESSION_GZIP, 0) != TF_OK)
    return 0; /* not gzip: refused by its magic */
  rc = read_all(r, &count);
  if (rc == TF_LINE_EOF && tf_line_reader_seek(r, 0, 0) == TF_OK) {
    if (read_all(r, &again) != TF_LINE_EOF || again != count)
      abort(); /* reading again from the start gives the same */
  }
  tf_line_reader_close(r);
  return 0;
}
