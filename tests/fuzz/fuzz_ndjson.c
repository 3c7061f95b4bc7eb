/*
 * fuzz_ndjson.c - libFuzzer target: one NDJSON line, as a source reads it.
 *
 * The bytes go through tf_record_parse (the strict scanner); a record it
 * accepts is read every way a stage can: walked through the value index
 * (every member and element, strings, numbers), parsed into a jansson tree
 * (which must also accept it: the scanner promises jansson's strictness),
 * and copied by a builder.  A line it refuses must come with a reason.
 * Run by .ci/fuzz; see docs/testing.md.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <touchflow/touchflow.h>
#include <touchflow/record_json.h>

static void walk(const tf_value *v, int depth)
{
  const tf_value *c;
  size_t len;
  int64_t i;
  double d;

  if (depth > 64)
    return;
  switch (tf_value_type(v)) {
  case TF_TYPE_STRING: (void)tf_value_string(v, &len); break;
  case TF_TYPE_INTEGER: (void)tf_value_int64(v, &i); break;
  case TF_TYPE_DOUBLE: (void)tf_value_double(v, &d); break;
  case TF_TYPE_OBJECT:
  case TF_TYPE_ARRAY:
    for (c = tf_value_first(v); c; c = tf_value_next(c))
      walk(c, depth + 1);
    break;
  default: break;
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char err[256] = "";
  tf_record *rec =
      tf_record_parse((const char *)data, size, NULL, err, sizeof(err));
  tf_builder *b;
  tf_record *copy;

  if (!rec) {
    if (!err[0])
      abort(); /* a refusal always says why */
    return 0;
  }
  walk(tf_record_root(rec), 0);
  if (!tf_record_json(rec))
    abort(); /* jansson must take what the scanner took */
  b = tf_builder_new();
  if (b && tf_builder_value(b, tf_record_root(rec)) == TF_OK &&
      tf_builder_finish(b, rec, &copy) == TF_OK)
    tf_record_unref(copy);
  tf_builder_free(b);
  tf_record_unref(rec);
  return 0;
}
