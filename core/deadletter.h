/*
 * deadletter.h - the dead-letter output: one NDJSON line per rejected
 * record, in the shape CONTRACT.md fixes:
 *   {"stage","plugin","code","message","input":"file:line","record":{...}}
 * "record" is the original JSON object, or the raw text (a string) when
 * the input was not valid JSON; "input" is null when the origin is unknown.
 * Lines are written as records are rejected, so a failed run keeps them.
 */
#ifndef TF_CORE_DEADLETTER_H
#define TF_CORE_DEADLETTER_H

#include <stdint.h>
#include <touchflow/record.h>

typedef struct tf__dead_letter tf__dead_letter;

/* Creates (truncates) PATH, making missing parent folders.  Origins under
 * base_dir are written relative to it.  NULL with err set on failure. */
tf__dead_letter *tf__dead_letter_open(const char *path, const char *base_dir,
                                      char *err, size_t errlen);

/* Appends one line.  rec is borrowed.  TF_OK or TF_ERR_IO/TF_ERR_NOMEM. */
int tf__dead_letter_write(tf__dead_letter *dl, const char *stage,
                          const char *plugin, const char *code,
                          const char *message, const tf_record *rec);

uint64_t tf__dead_letter_count(const tf__dead_letter *dl);
const char *tf__dead_letter_path(const tf__dead_letter *dl);

/* Flushes and closes.  TF_OK or TF_ERR_IO (err set).  NULL-safe. */
int tf__dead_letter_close(tf__dead_letter *dl, char *err, size_t errlen);

#endif
