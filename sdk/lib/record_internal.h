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

/* A text record holding a copy of text, which the caller guarantees is a
 * JSON object the scanner accepts (tf_builder_finish() checked it): no
 * second validation.  origin may be NULL.  NULL on ENOMEM. */
tf_record *tf__record_new_text(const char *text, size_t len,
                               const tf_origin *origin);

#endif
