/*
 * fuzz_csv.c - libFuzzer target: a CSV file, as a source reads it.
 *
 * The bytes are written to a file and read with the CSV reader with a
 * small row limit (64 bytes), so that quoted fields longer than the limit,
 * rows spanning lines and rows cut mid-field are all exercised: every row
 * is either good (as many fields as the header) or refused with a reason,
 * and the reader always reaches the end.  Good rows become JSON objects as
 * the file source makes them.  Run by .ci/fuzz; see docs/testing.md.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <touchflow/io.h>
#include <touchflow/touchflow.h>

static char path[64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  tf_line_reader *lines;
  tf_csv_reader *csv;
  tf_csv_row row;
  FILE *f;
  int rc, guard = 0;

  if (!path[0])
    snprintf(path, sizeof(path), "/tmp/touchflow-fuzz-csv.%ld.csv",
             (long)getpid());
  f = fopen(path, "wb");
  if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
    abort();
  if (tf_line_reader_open(&lines, path, TF_COMPRESSION_NONE, 64) != TF_OK)
    return 0;
  if (tf_csv_reader_new(&csv, lines, ',', 64) != TF_OK)
    return 0; /* an empty file or a bad header: refused as a whole */
  while ((rc = tf_csv_reader_next(csv, &row)) != TF_CSV_EOF) {
    if (rc == TF_OK) {
      const tf_csv_row *h = tf_csv_reader_header(csv);
      json_t *obj = NULL;

      if (row.count != h->count)
        abort(); /* a good row has as many fields as the header */
      if (tf_csv_row_to_json(h, &row, 0, &obj) == TF_OK)
        json_decref(obj);
    } else if (rc == TF_ERR_PARSE || rc == TF_ERR_TOOLONG) {
      if (!tf_csv_error_code(tf_csv_reader_row_error(csv))[0] &&
          rc == TF_ERR_PARSE)
        abort(); /* a refused row says why */
    } else {
      break; /* a file error ends the file */
    }
    if (++guard > 1000000)
      abort(); /* the reader must move on */
  }
  tf_csv_reader_close(csv);
  return 0;
}
