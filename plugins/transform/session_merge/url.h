/*
 * url.h - the parts of a page or referrer URL that attribution looks at.
 *
 * Only two things matter for attribution: the host (to tell an external
 * referrer from an internal one and to recognise search engines and social
 * networks) and the query string (utm_* parameters and ad click ids).  The
 * parser is lenient: what is not a URL simply has no host and no query.
 */
#ifndef SM_URL_H
#define SM_URL_H

#include <stddef.h>

/* Room for a host kept inside sm_url; longer ones are allocated. */
#define SM_URL_HOST_INLINE 64

typedef struct sm_url {
  char *host;        /* lowercased, without userinfo, port, trailing dot or
                        a leading "www."; "" when there is none; points into
                        host_buf, or is owned when longer */
  const char *query; /* borrowed from the parsed text: between '?' and '#'
                        (may be empty), or NULL; not NUL-terminated */
  size_t query_len;
  char host_buf[SM_URL_HOST_INLINE];
} sm_url;

/* Fills url from text (NULL: an empty URL).  The url borrows text (its
 * query points into it) and may point into itself (its host): use it while
 * text lives, and never copy it.  Accepts "scheme://host/...",
 * "//host/...", a scheme-less "host.tld/..." (the first segment must hold a
 * dot) and relative paths (no host).  Returns TF_OK or TF_ERR_NOMEM (then
 * url is empty and needs no clearing). */
int sm_url_parse(const char *text, sm_url *url);

/* Frees what sm_url_parse allocated; the url is empty afterwards. */
void sm_url_clear(sm_url *url);

/* The value of the first query parameter called `name` (compared without
 * regard to case), percent-decoded with '+' as a space (kept as written when
 * the decoded bytes would not be valid UTF-8), as a new string in
 * *value (the caller frees it); *value is NULL when there is no such
 * parameter.  Returns TF_OK or TF_ERR_NOMEM. */
int sm_url_param(const sm_url *url, const char *name, char **value);

/* 1 when the query has a parameter called `name` (any value, even empty). */
int sm_url_has_param(const sm_url *url, const char *name);

/* A parameter name and its length, for sm_url_find_params. */
typedef struct sm_url_name {
  const char *name;
  size_t len;
} sm_url_name;

/* A parameter's raw value in the query (borrowed); at is NULL when the
 * parameter is absent, len 0 when it has no value. */
typedef struct sm_url_raw {
  const char *at;
  size_t len;
} sm_url_raw;

/* For each of the n names, the first parameter of that name as
 * sm_url_param finds it, all in one pass over the query: found[i] is its
 * raw value (at NULL when absent). */
void sm_url_find_params(const sm_url *url, const sm_url_name *names, size_t n,
                        sm_url_raw *found);

/* A found raw value decoded as sm_url_param does, as a new string (the
 * caller frees it); NULL on ENOMEM. */
char *sm_url_decode(const sm_url_raw *raw);

/* The same, written into room (size bytes) when it fits (raw->len < size:
 * decoding never lengthens a value), else as a new string the caller
 * frees.  Returns room, the new string, or NULL on ENOMEM. */
char *sm_url_decode_in(const sm_url_raw *raw, char *room, size_t size);

/* Normalises a host or host pattern in place as sm_url_parse does
 * (lowercase, no leading "www.") and returns it. */
char *sm_host_normalize(char *host);

/* 1 when host (normalised) matches pattern (normalised): equal to it, or a
 * subdomain of it ("news.google.com" matches "google.com").  A pattern
 * ending in ".*" stands for any top-level suffix of one or two short labels
 * (up to 3 characters each): "google.*" matches "google.de",
 * "google.co.uk" and "maps.google.com.br", not "google.example.com". */
int sm_host_matches(const char *host, const char *pattern);

#endif
