/*
 * fuzz_pipeline.c - libFuzzer target: a pipeline file, as validate reads it.
 *
 * The bytes are written to a file and loaded with the host's pipeline
 * reader (without plugins: the JSON, keys, ids, inputs, cycles, ${ENV}
 * references, the dead-letter path).  Either a pipeline comes back, or at
 * least one problem is reported; nothing crashes or leaks.  Run by
 * .ci/fuzz; see docs/testing.md.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "diag.h"
#include "pipeline.h"

static char path[64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  tf__pipeline *p = NULL;
  tf__diag diag;
  FILE *f;
  int rc;

  if (!path[0])
    snprintf(path, sizeof(path), "/tmp/touchflow-fuzz-pipeline.%ld.json",
             (long)getpid());
  f = fopen(path, "wb");
  if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
    abort();
  tf__diag_init(&diag, path);
  rc = tf__pipeline_load(path, NULL, &diag, &p);
  if ((rc == TF_OK) != (p != NULL) ||
      (rc != TF_OK && diag.n == 0 && !diag.nomem))
    abort(); /* a refused pipeline always says why */
  tf__pipeline_free(p);
  tf__diag_cleanup(&diag);
  return 0;
}
