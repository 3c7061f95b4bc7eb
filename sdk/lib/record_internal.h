/*
 * record_internal.h - what the SDK's own modules need of records beyond
 * record.h.
 *
 * Internal to the SDK (not installed).
 */
#ifndef TOUCHFLOW_RECORD_INTERNAL_H
#define TOUCHFLOW_RECORD_INTERNAL_H

#include <stddef.h>
#include <touchflow/record.h>

struct tf_value;

/* A text record holding a copy of text, which the caller guarantees is a
 * JSON object the scanner accepts (tf_builder_finish() checked it): no
 * second validation.  origin may be NULL.  toks, when ntok is not 0, are
 * the text's tokens as tf__json_scan would write them (json_scan.h), which
 * the record copies: its index is then built from them, without scanning
 * the text.  NULL on ENOMEM. */
tf_record *tf__record_new_text(const char *text, size_t len,
                               const tf_origin *origin,
                               const struct tf_value *toks, size_t ntok);

#endif
