/*
 * deadletter.h - the dead-letter output: one NDJSON line per rejected
 * record, in the shape docs/contract.md#the-dead-letter-record fixes:
 *   {"stage","plugin","code","message","input":"file:line","record":{...}}
 * "record" is the original JSON object, or the raw text (a string) when
 * the input was not valid JSON; "input" is null when the origin is unknown.
 * Lines are written as records are rejected, so a failed run keeps them.
 * The file is locked (flock) while open: two runs of one pipeline never
 * write it at once.
 */
#ifndef TF_CORE_DEADLETTER_H
#define TF_CORE_DEADLETTER_H

#include <stdint.h>
#include <touchflow/record.h>

typedef struct tf__dead_letter tf__dead_letter;

/* Opens PATH for appending, making missing parent folders; emptied first
 * unless keep (a resumed run keeps what its checkpoint covers, see
 * tf__dead_letter_rewind).  Origins under base_dir are written relative to
 * it.  NULL with err set on failure. */
tf__dead_letter *tf__dead_letter_open(const char *path, const char *base_dir,
                                      int keep, char *err, size_t errlen);

/* Appends one line.  rec is borrowed.  TF_OK or TF_ERR_IO/TF_ERR_NOMEM. */
int tf__dead_letter_write(tf__dead_letter *dl, const char *stage,
                          const char *plugin, const char *code,
                          const char *message, const tf_record *rec);

/* Hands what was written so far to the file (no fsync), so that a reader
 * of the file, e.g. the report sink's dead_letters at its flush, sees
 * every line: the runner calls it before the sinks commit.  TF_OK or
 * TF_ERR_IO. */
int tf__dead_letter_flush(tf__dead_letter *dl);

/* Checkpoints: makes every line written so far durable (fflush + fsync)
 * and gives the file's length.  TF_OK or TF_ERR_IO (err set). */
int tf__dead_letter_sync(tf__dead_letter *dl, uint64_t *length, char *err,
                         size_t errlen);

/* Resume: cuts the file back to the length a checkpoint recorded (what
 * was written after it is written again) and restores the line count.
 * TF_ERR_INVAL when the file is shorter than that (it was changed). */
int tf__dead_letter_rewind(tf__dead_letter *dl, uint64_t length, uint64_t count,
                           const json_t *reasons, char *err, size_t errlen);

/* The lines written so far by reason code, {"code": count}; borrowed.
 * A resumed run starts from the counts tf__dead_letter_rewind was given. */
const json_t *tf__dead_letter_reasons(const tf__dead_letter *dl);

uint64_t tf__dead_letter_count(const tf__dead_letter *dl);
const char *tf__dead_letter_path(const tf__dead_letter *dl);

/* Flushes and closes.  TF_OK or TF_ERR_IO (err set).  NULL-safe. */
int tf__dead_letter_close(tf__dead_letter *dl, char *err, size_t errlen);

#endif
