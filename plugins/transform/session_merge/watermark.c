/*
 * watermark.c - per-stream latest times and the watermark derived from
 * them (the minimum, minus allowed_lateness, never decreasing).
 */
#include <stdlib.h>
#include <string.h>
#include <touchflow/error.h>
#include "watermark.h"

void sm_watermark_init(sm_watermark *w, int64_t lateness)
{
  memset(w, 0, sizeof(*w));
  w->lateness = lateness;
  w->value = INT64_MIN;
}

void sm_watermark_clear(sm_watermark *w)
{
  size_t i;

  for (i = 0; i < w->count; i++)
    free(w->streams[i].origin);
  free(w->streams);
  w->streams = NULL;
  w->count = 0;
}

static sm_stream *find_stream(const sm_watermark *w, const char *origin)
{
  size_t i;

  for (i = 0; i < w->count; i++)
    if (strcmp(w->streams[i].origin, origin) == 0)
      return &w->streams[i];
  return NULL;
}

int sm_watermark_knows(const sm_watermark *w, const char *origin)
{
  return find_stream(w, origin) != NULL;
}

/* The stream called origin, added (with no time yet) when new; NULL on
 * ENOMEM. */
static sm_stream *stream_of(sm_watermark *w, const char *origin)
{
  sm_stream *grown, *found = find_stream(w, origin);

  if (found)
    return found;
  grown = realloc(w->streams, (w->count + 1) * sizeof(*grown));
  if (!grown)
    return NULL;
  w->streams = grown;
  grown[w->count].origin = strdup(origin);
  if (!grown[w->count].origin)
    return NULL;
  grown[w->count].max = INT64_MIN;
  grown[w->count].late_seen = 0;
  return &grown[w->count++];
}

int sm_watermark_first_late(sm_watermark *w, const char *origin)
{
  sm_stream *s = find_stream(w, origin);

  if (!s || s->late_seen)
    return 0;
  s->late_seen = 1;
  return 1;
}

int sm_watermark_expect(sm_watermark *w, const char *origin)
{
  return stream_of(w, origin) ? TF_OK : TF_ERR_NOMEM;
}

int sm_watermark_note(sm_watermark *w, const char *origin, int64_t ts)
{
  sm_stream *s = stream_of(w, origin);
  int64_t low;
  size_t i;

  if (!s)
    return TF_ERR_NOMEM;
  if (ts > s->max)
    s->max = ts;
  low = w->streams[0].max;
  for (i = 1; i < w->count; i++)
    if (w->streams[i].max < low)
      low = w->streams[i].max;
  if (low < INT64_MIN + w->lateness)
    return TF_OK;
  low -= w->lateness;
  if (low > w->value)
    w->value = low;
  return TF_OK;
}

int64_t sm_watermark_value(const sm_watermark *w)
{
  return w->value;
}
