/*
 * touchflow/time.h - timestamps as the attribution sources write them.
 *
 * Every time inside touchflow is an int64 count of milliseconds since
 * 1970-01-01T00:00:00Z (UTC).  The parsers accept what Salesforce, Marketo
 * Measure, Drift and CallTrackingMetrics write (docs/formats.md#times):
 *   2026-03-01T12:17:05Z          2026-03-01T12:17:05.123Z
 *   2026-03-01T12:17:05.000+0000  2026-03-01T12:17:05+00:00
 *   2026-03-01T07:17:05-05:00     2026-03-01 12:17:05 (no offset: UTC)
 *   2026-03-01                    (a date: 00:00:00Z that day)
 * Fractions of any length are accepted (kept to the millisecond).
 */
#ifndef TOUCHFLOW_TIME_H
#define TOUCHFLOW_TIME_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Buffer size for tf_time_format (with the terminating NUL). */
#define TF_TIME_ISO_LEN 32

typedef enum tf_epoch_unit {
  TF_EPOCH_SECONDS = 1,
  TF_EPOCH_MILLISECONDS = 1000
} tf_epoch_unit;

/* Parses one of the forms above.  TF_OK, or TF_ERR_PARSE for anything else
 * (including impossible dates such as 2026-02-30 and trailing text). */
int tf_time_parse(const char *text, int64_t *ms);

/* A JSON value as a time: a string in one of the forms above, or a number
 * of `unit` since the epoch (an integer or a numeric string).  TF_OK,
 * TF_ERR_PARSE, or TF_ERR_NOTFOUND for NULL/null. */
int tf_time_from_json(const json_t *value, tf_epoch_unit unit, int64_t *ms);

/* Writes ms as "2026-03-01T12:17:05Z" (UTC, whole seconds) into buf, which
 * holds at least TF_TIME_ISO_LEN bytes. */
void tf_time_format(int64_t ms, char *buf, size_t len);

/* Like tf_time_format with milliseconds: "2026-03-01T12:17:05.123Z". */
void tf_time_format_ms(int64_t ms, char *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif
