/*
 * redact.c - secrets masked and control characters escaped (redact.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "redact.h"

/* A copy of text with every occurrence of secret replaced by the mask. */
static char *mask_one(const char *text, const char *secret)
{
  size_t n = strlen(secret), hits = 0;
  const char *p, *hit;
  char *out, *o;

  for (p = text; (hit = strstr(p, secret)) != NULL; p = hit + n)
    hits++;
  out = malloc(strlen(text) + hits * sizeof(TF_SECRET_MASK) + 1);
  if (!out)
    return NULL;
  for (p = text, o = out; (hit = strstr(p, secret)) != NULL; p = hit + n) {
    memcpy(o, p, (size_t)(hit - p));
    o += hit - p;
    memcpy(o, TF_SECRET_MASK, sizeof(TF_SECRET_MASK) - 1);
    o += sizeof(TF_SECRET_MASK) - 1;
  }
  strcpy(o, p);
  return out;
}

char *tf__redact_secrets(const tf__stage_def *s, const char *text)
{
  const tf_option *o;
  char *out = strdup(text);

  if (!s->cfg || !s->plugin.plugin)
    return out;
  for (o = s->plugin.plugin->options; out && o && o->name; o++) {
    const char *secret = (o->flags & TF_OPT_SECRET) && o->type == TF_OPT_STRING
                             ? tf_config_string(s->cfg, o->name)
                             : NULL;
    char *next;

    if (!secret || !*secret)
      continue;
    next = mask_one(out, secret);
    free(out);
    out = next;
  }
  return out;
}

char *tf__printable(const char *text, char *out, size_t len)
{
  size_t o = 0;
  const unsigned char *p;

  if (len == 0)
    return out;
  for (p = (const unsigned char *)text; *p && o + 1 < len; p++) {
    if (*p < 0x20 || *p == 0x7f) {
      if (o + 5 > len)
        break;
      snprintf(out + o, len - o, "\\x%02x", *p);
      o += 4;
    } else {
      out[o++] = (char)*p;
    }
  }
  out[o] = '\0';
  return out;
}
