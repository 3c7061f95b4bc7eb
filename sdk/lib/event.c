/*
 * event.c - the fields every attribution event has (event.h,
 * docs/events.md): their names, their order and how each is written.
 */
#include <stdlib.h>
#include <string.h>
#include <touchflow/event.h>
#include <touchflow/time.h>

/* A new copy of text with its ASCII letters lowercased; NULL on ENOMEM. */
static char *lowercase_copy(const char *text)
{
  char *copy = strdup(text);
  size_t i;

  for (i = 0; copy && copy[i]; i++) {
    if (copy[i] >= 'A' && copy[i] <= 'Z')
      copy[i] = (char)(copy[i] - 'A' + 'a');
  }
  return copy;
}

json_t *tf_event_new(const char *type, int64_t ts_ms, const char *biz_uid,
                     const char *email, const char *origin,
                     const char *source_record_id)
{
  char ts[TF_TIME_ISO_LEN];
  char *lower = NULL;
  json_t *event;

  if (email) {
    lower = lowercase_copy(email);
    if (!lower)
      return NULL;
  }
  tf_time_format_ms(ts_ms, ts, sizeof(ts));
  event =
      json_pack("{s:s, s:s, s:I, s:s?, s:s?, s:s, s:s}", "event", type, "ts",
                ts, "ts_ms", (json_int_t)ts_ms, "biz_uid", biz_uid, "email",
                lower, "origin", origin, "source_record_id", source_record_id);
  free(lower);
  return event;
}
