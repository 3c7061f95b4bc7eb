/*
 * touchflow/filesource.h - the reading half of every file-based source.
 *
 * A tf_file_source reads the files a source's `path` names (one file or a
 * glob, sorted by name), NDJSON or CSV, plain or gzip, and hands each
 * record to the plugin's map function, which emits zero or more records of
 * its own (host->emit) or rejects it (host->reject).  Bad input never stops
 * a run: an invalid JSON line, a CSV row with the wrong column count,
 * invalid UTF-8 or a line longer than max_line_length goes to the
 * dead-letter output as raw text with its file:line and a code
 * (invalid_json, not_an_object, invalid_utf8, line_too_long,
 * csv_column_count, csv_unterminated_quote, csv_stray_quote).  A truncated
 * gzip file is an error naming the file; records read before it are kept.
 *
 * It also keeps the position (file and line) so the source can report it
 * after each produce() and resume from it without repeating or losing a
 * record.
 *
 * Two cores: with the option read_ahead (on by default) a second thread
 * opens, reads and decompresses the files and splits them into NDJSON
 * lines and CSV rows (fields unquoted) ahead of produce(), into a small
 * bounded queue (6 chunks of at most 256 lines or 256 KiB each).
 * produce() takes them in order and does the rest as one thread does:
 * NDJSON validation, records, the map function, dead letters.  So what it
 * passes on, in which order, with which origins, dead-letter codes and
 * messages, and the position are exactly what one thread gives.  The map
 * function and every host callback are called on the thread that calls
 * produce() only, never on the read-ahead thread, and records are made
 * there too.  The position is what produce() passed on, not what was read
 * ahead; seek and tf_file_source_free stop the thread.
 *
 * Event time: a source whose table has the option `sorted_by_time`
 * (TF_SORTED_BY_TIME_OPTION of timeorder.h, or an entry of its own of that
 * name and type) lets the user declare the input sorted by event time,
 * over all the files in the order read (name order, see `path`).  The file
 * source then keeps the order check (tf_file_source_time_order): the map
 * function emits its events through tf_time_order_emit with their event
 * time, the source's watermark() answers tf_file_source_watermark, and the
 * position carries the latest time so that a resumed source goes on
 * checking.
 *
 * A plugin built on it:
 *
 *   static const tf_option opts[] = {
 *     TF_FILE_SOURCE_OPTIONS,
 *     {"chat_enabled", TF_OPT_BOOL, "true", 0, 0, 0, NULL, "..."},
 *     {NULL, 0, NULL, 0, 0, 0, NULL, NULL}
 *   };
 *   init:     tf_file_source_new(ctx, host, cfg, my_map, state, &fs)
 *   produce:  return tf_file_source_produce(fs, max_records);
 *   position: return tf_file_source_position(fs, pos);
 *   seek:     return tf_file_source_seek(fs, pos);
 *   fini:     tf_file_source_free(fs);
 *   and with sorted_by_time:
 *   map:       return tf_time_order_emit(order, ctx, host, event, ts_ms);
 *   watermark: return tf_file_source_watermark(fs);
 * where order is tf_file_source_time_order(fs), handed to the map function
 * through its ud once the file source exists.
 */
#ifndef TOUCHFLOW_FILESOURCE_H
#define TOUCHFLOW_FILESOURCE_H

#include <stddef.h>
#include <jansson.h>
#include "host.h"
#include "options.h"
#include "record.h"
#include "timeorder.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The option entries every file-reading source takes, in this order:
 * path (required, a file or glob), format (auto|ndjson|csv), compression
 * (auto|none|gzip), max_line_length (size, default 1M), csv_delimiter
 * (default ","), csv_empty_as_null (default false), read_ahead (default
 * true; a config without it, from a plugin built before it existed, reads
 * ahead too).  Put it first in the plugin's own table. */
/* clang-format off */
#define TF_FILE_SOURCE_OPTIONS                                                 \
  {"path", TF_OPT_STRING, NULL, TF_OPT_REQUIRED | TF_OPT_PATH, 0, 0, NULL,     \
   "The file to read, or a glob (\"data/hits-*.ndjson.gz\"); matching files " \
   "are read in name order. Relative to the pipeline file's folder."},        \
  {"format", TF_OPT_ENUM, "auto", 0, 0, 0, tf_file_source_formats,            \
   "ndjson (one JSON object a line) or csv (header row, RFC 4180). auto: by " \
   "extension, .ndjson/.jsonl or .csv, before an optional .gz."},             \
  {"compression", TF_OPT_ENUM, "auto", 0, 0, 0, tf_file_source_compressions,  \
   "none or gzip (a file that is not gzip is an error). auto: gzip when "     \
   "the name ends in .gz (it must then be gzip) or the file starts with "     \
   "the gzip bytes 1f 8b."},                                                  \
  {"max_line_length", TF_OPT_SIZE, "1M", TF_OPT_RANGE, 1, 1073741824.0, NULL, \
   "Longest line (for CSV: row) accepted; a longer one is dead-lettered "     \
   "with code line_too_long."},                                               \
  {"csv_delimiter", TF_OPT_STRING, ",", 0, 0, 0, NULL,                         \
   "CSV field delimiter, one character (\",\", \";\", \"|\", \"\\t\")."},     \
  {"csv_empty_as_null", TF_OPT_BOOL, "false", 0, 0, 0, NULL,                   \
   "CSV: an empty field becomes null instead of \"\" (Salesforce exports "    \
   "write null as an empty field)."},                                         \
  {"read_ahead", TF_OPT_BOOL, "true", 0, 0, 0, NULL,                          \
   "Read, decompress and split the input into lines and CSV rows on a "       \
   "second thread while the pipeline works on what was read (at most about "  \
   "1,500 lines ahead). The output is the same either way; false: one "       \
   "thread."}
/* clang-format on */

/* The allowed values the option entries above point to. */
extern const char *const tf_file_source_formats[];
extern const char *const tf_file_source_compressions[];

typedef struct tf_file_source tf_file_source;

/* Called for every record read.  rec is borrowed (take a reference to
 * emit it unchanged).  Emit results with host->emit, reject with
 * host->reject.  Return TF_OK, or a negative code to fail the source. */
typedef int (*tf_file_source_map_fn)(void *ud, tf_ctx *ctx, const tf_host *host,
                                     const tf_record *rec);

/* Opens the files the config names (the TF_FILE_SOURCE_OPTIONS entries).
 * map may be NULL: records are then emitted unchanged.  On error logs the
 * reason (no file matches, unknown extension, unreadable file) through
 * host->log and returns TF_ERR_CONFIG, TF_ERR_NOTFOUND or TF_ERR_IO.
 * ctx, host and ud are borrowed and must outlive the file source. */
int tf_file_source_new(tf_ctx *ctx, const tf_host *host, const tf_config *cfg,
                       tf_file_source_map_fn map, void *ud,
                       tf_file_source **out);

/* Reads up to max_records input records (each passed to map).  Returns
 * TF_MORE, TF_DONE, or a negative code after logging (a truncated gzip
 * file: TF_ERR_TRUNCATED; records before it were already passed on). */
int tf_file_source_produce(tf_file_source *fs, size_t max_records);

/* The position after the last record read: {"file": NAME, "line": N}
 * (NAME relative to the pipeline folder), {"file": null} when done, with
 * "files": every file read so far, with its identity (device, inode, size
 * and a fingerprint of its first bytes) and how far it was read ("bytes"
 * and "lines"), plus "max_ts_ms": the latest event time emitted, when
 * sorted_by_time is on and an event was emitted (docs/checkpoints.md).  A
 * new reference in *position. */
int tf_file_source_position(const tf_file_source *fs, json_t **position);

/* Resumes after a position returned by tf_file_source_position, with the
 * order check's latest time (none when the position has no "max_ts_ms").
 * Every input file is read on from where "files" says it was left, so a
 * file that grew since gives what was appended (an incremental run); a
 * file found under another name (same inode and first bytes) goes on too;
 * a file that is shorter, rewritten or another inode at the same name is
 * read from its start, with a warning; a file not in "files" is read
 * whole.  A position without "files" (file and line only) skips the
 * files before "file" and its lines up to "line".  Call before the first
 * produce.  TF_ERR_INVAL when it names no known file, an entry of "files"
 * is malformed or "max_ts_ms" is not an integer. */
int tf_file_source_seek(tf_file_source *fs, const json_t *position);

/* The event-time order check of the source, owned by the file source
 * (borrowed: valid until tf_file_source_free); on when the config's
 * sorted_by_time is true.  NULL when fs is NULL. */
tf_time_order *tf_file_source_time_order(tf_file_source *fs);

/* The source's watermark: tf_time_order_watermark of its order check. */
int64_t tf_file_source_watermark(const tf_file_source *fs);

/* Closes files and frees.  NULL-safe. */
void tf_file_source_free(tf_file_source *fs);

#ifdef __cplusplus
}
#endif
#endif
