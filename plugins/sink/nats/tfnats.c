/*
 * tfnats.c - connection, partitioning and config checks shared by the
 * `nats` sink and source (tfnats.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <touchflow/configcheck.h>
#include "tfnats.h"

uint32_t tfnats_fnv1a32(const void *data, size_t len)
{
  const unsigned char *p = data;
  uint32_t h = UINT32_C(2166136261);

  for (size_t i = 0; i < len; i++) {
    h ^= p[i];
    h *= UINT32_C(16777619);
  }
  return h;
}

uint64_t tfnats_fnv1a64(uint64_t h, const void *data, size_t len)
{
  const unsigned char *p = data;

  for (size_t i = 0; i < len; i++) {
    h ^= p[i];
    h *= UINT64_C(1099511628211);
  }
  return h;
}

void tfnats_msg_id(char *buf, size_t len, const char *producer,
                   const char *file, long line, const char *bytes, size_t blen,
                   uint64_t ordinal, uint64_t *last_hash, uint64_t *repeat)
{
  char num[32];
  uint64_t h = TFNATS_FNV64_OFFSET;

  snprintf(num, sizeof(num), "%ld", line);
  if (file)
    h = tfnats_fnv1a64(h, file, strlen(file));
  h = tfnats_fnv1a64(h, ":", 1);
  h = tfnats_fnv1a64(h, num, strlen(num) + 1);
  h = tfnats_fnv1a64(h, bytes, blen);
  if (file && line > 0) {
    /* Known by its origin: the id does not depend on the order the
     * sources were read in (batch size, pipeline order). */
    *repeat = h == *last_hash ? *repeat + 1 : 0;
    *last_hash = h;
    snprintf(buf, len, "%s-%016llx-%llu", producer, (unsigned long long)h,
             (unsigned long long)*repeat);
  } else {
    snprintf(buf, len, "%s-n%llu-%016llx", producer,
             (unsigned long long)ordinal, (unsigned long long)h);
  }
}

unsigned tfnats_partition(const char *key, size_t len, unsigned partitions)
{
  return partitions ? tfnats_fnv1a32(key, len) % partitions : 0;
}

/* A NATS subject token: no space, no wildcard, no empty token. */
static int bad_subject(const char *s, int allow_dots)
{
  if (!*s || s[0] == '.' || s[strlen(s) - 1] == '.' || strstr(s, ".."))
    return 1;
  for (; *s; s++)
    if (*s <= ' ' || *s == '*' || *s == '>' || (!allow_dots && *s == '.'))
      return 1;
  return 0;
}

int tfnats_check(const tf_config *cfg, tf_problem_fn problem, void *ud)
{
  int rc = TF_OK;
  const char *url = tf_config_string(cfg, "url");

  if (bad_subject(tf_config_string(cfg, "subject_prefix"), 1)) {
    tf_problemf(problem, ud, "subject_prefix",
                "must be dot-separated tokens without spaces, \"*\" or "
                "\">\"");
    rc = TF_ERR_CONFIG;
  }
  if (bad_subject(tf_config_string(cfg, "stream"), 0) ||
      strchr(tf_config_string(cfg, "stream"), '/')) {
    tf_problemf(problem, ud, "stream",
                "a stream name holds no space, \".\", \"/\", \"*\" or \">\"");
    rc = TF_ERR_CONFIG;
  }
  if (!url || !*url || strspn(url, " ,") == strlen(url)) {
    tf_problemf(problem, ud, "url", "names no server");
    rc = TF_ERR_CONFIG;
  }
  return rc;
}

int tfnats_subject(char *buf, size_t len, const char *prefix, unsigned p)
{
  int n = snprintf(buf, len, "%s.%u", prefix, p);

  return n < 0 || (size_t)n >= len ? -1 : 0;
}

natsStatus tfnats_marker(natsMsg **out, const char *prefix, unsigned p,
                         const char *producer, const char *kind, int64_t wm)
{
  int is_end = strcmp(kind, TFNATS_KIND_END) == 0;
  char subject[512], id[TFNATS_ID_MAX], value[32];
  natsStatus st;

  *out = NULL;
  if (tfnats_subject(subject, sizeof(subject), prefix, p) != 0)
    return NATS_INVALID_ARG;
  snprintf(value, sizeof(value), "%lld", (long long)wm);
  if (is_end)
    snprintf(id, sizeof(id), "%s-end-%u", producer, p);
  else
    snprintf(id, sizeof(id), "%s-wm-%u-%s", producer, p, value);
  st = natsMsg_Create(out, subject, NULL, NULL, 0);
  if (st == NATS_OK)
    st = natsMsgHeader_Set(*out, "Nats-Msg-Id", id);
  if (st == NATS_OK)
    st = natsMsgHeader_Set(*out, TFNATS_H_KIND, kind);
  if (st == NATS_OK)
    st = natsMsgHeader_Set(*out, TFNATS_H_PRODUCER, producer);
  if (st == NATS_OK && !is_end)
    st = natsMsgHeader_Set(*out, TFNATS_H_WATERMARK, value);
  if (st != NATS_OK) {
    natsMsg_Destroy(*out);
    *out = NULL;
  }
  return st;
}

/* Splits "a, b,c" into servers; the array and strings in one block. */
static char **split_urls(const char *url, int *count)
{
  size_t len = strlen(url);
  size_t slots = 1;
  char **v;
  char *text;
  int n = 0;

  for (const char *p = url; *p; p++)
    slots += *p == ',';
  v = malloc(slots * sizeof(*v) + len + 1);
  if (!v)
    return NULL;
  text = (char *)(v + slots);
  memcpy(text, url, len + 1);
  for (char *tok = strtok(text, ", "); tok; tok = strtok(NULL, ", "))
    v[n++] = tok;
  *count = n;
  return v;
}

/* The URLs for messages, without user:password@ (a credential in a URL
 * must not reach a log). */
static char *redacted(const char *url)
{
  char *out = malloc(3 * strlen(url) + 4); /* "@" may become "***@" */
  char *o = out;

  if (!out)
    return NULL;
  while (*url) {
    const char *end = url + strcspn(url, ",");
    const char *scheme = strstr(url, "://");
    const char *host = scheme && scheme < end ? scheme + 3 : url;
    const char *at = memchr(host, '@', (size_t)(end - host));

    memcpy(o, url, (size_t)(host - url));
    o += host - url;
    if (at) {
      memcpy(o, "***@", 4);
      o += 4;
      host = at + 1;
    }
    memcpy(o, host, (size_t)(end - host));
    o += end - host;
    url = end;
    if (*url)
      *o++ = *url++;
  }
  *o = '\0';
  return out;
}

static void log_status(tf_ctx *ctx, const tf_host *host, const char *what,
                       const char *url, natsStatus s)
{
  const char *text = natsStatus_GetText(s);
  const char *detail = nats_GetLastError(NULL);

  /* libnats' last error repeats the status text after its file:line. */
  if (detail && strstr(detail, text))
    detail = NULL;

  host->log(ctx, TF_LOG_ERROR, "%s %s: %s%s%s", what, url, text,
            detail && *detail ? ": " : "", detail ? detail : "");
}

int tfnats_connect(tfnats_conn *c, const tf_config *cfg, tf_ctx *ctx,
                   const tf_host *host, const char *name, jsOptions *jo)
{
  const char *url = tf_config_string(cfg, "url");
  const char *token = tf_config_string(cfg, "token");
  const char *creds = tf_config_string(cfg, "credentials");
  const char *ca = tf_config_string(cfg, "tls_ca");
  natsOptions *opts = NULL;
  jsOptions own;
  char **servers;
  int count = 0;
  natsStatus s;

  memset(c, 0, sizeof(*c));
  c->url = redacted(url);
  servers = split_urls(url, &count);
  if (!c->url || !servers) {
    free(servers);
    free(c->url);
    c->url = NULL;
    return TF_ERR_NOMEM;
  }
  s = natsOptions_Create(&opts);
  if (s == NATS_OK)
    s = natsOptions_SetServers(opts, (const char **)servers, count);
  if (s == NATS_OK)
    s = natsOptions_SetName(opts, name);
  if (s == NATS_OK)
    s = natsOptions_SetTimeout(opts, tf_config_int(cfg, "connect_timeout"));
  if (s == NATS_OK)
    s = natsOptions_SetReconnectWait(opts,
                                     tf_config_int(cfg, "reconnect_wait"));
  if (s == NATS_OK)
    s = natsOptions_SetMaxReconnect(opts,
                                    (int)tf_config_int(cfg, "max_reconnect"));
  /* Records published while reconnecting wait in libnats' buffer (8 MiB by
   * default) and then in the in-flight bound: memory stays bounded. */
  if (s == NATS_OK && token)
    s = natsOptions_SetToken(opts, token);
  if (s == NATS_OK && creds)
    s = natsOptions_SetUserCredentialsFromFiles(opts, creds, NULL);
  if (s == NATS_OK && ca) {
    s = natsOptions_SetSecure(opts, true);
    if (s == NATS_OK)
      s = natsOptions_LoadCATrustedCertificates(opts, ca);
  }
  free(servers);
  if (s != NATS_OK) {
    log_status(ctx, host, "cannot set up the connection to", c->url, s);
    natsOptions_Destroy(opts);
    tfnats_close(c);
    return TF_ERR_CONFIG;
  }
  s = natsConnection_Connect(&c->nc, opts);
  natsOptions_Destroy(opts);
  if (s != NATS_OK) {
    log_status(ctx, host, "cannot connect to NATS at", c->url, s);
    tfnats_close(c);
    return TF_ERR_IO;
  }
  if (!jo) {
    jsOptions_Init(&own);
    jo = &own;
  }
  jo->Wait = tf_config_int(cfg, "request_timeout");
  s = natsConnection_JetStream(&c->js, c->nc, jo);
  if (s != NATS_OK) {
    log_status(ctx, host, "cannot use JetStream at", c->url, s);
    tfnats_close(c);
    return TF_ERR_IO;
  }
  return TF_OK;
}

void tfnats_close(tfnats_conn *c)
{
  jsCtx_Destroy(c->js);
  if (c->nc) {
    natsConnection_Close(c->nc);
    natsConnection_Destroy(c->nc);
  }
  free(c->url);
  memset(c, 0, sizeof(*c));
}
