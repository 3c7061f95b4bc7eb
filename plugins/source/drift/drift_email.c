/*
 * drift_email.c - the address finder: every '@' is a candidate; the local
 * part is read backwards and the domain forwards over the characters an
 * address may hold, then both are checked.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <touchflow/error.h>
#include "drift_email.h"

/* Longest address kept (RFC 5321: 64 + 1 + 255). */
#define MAX_EMAIL 320

static int is_local_char(char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || (c != '\0' && strchr("._%+-", c) != NULL);
}

static int is_domain_char(char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '.' || c == '-';
}

/* The start of the local part ending before `at`, dots at its start
 * dropped; returns `at` when it is empty. */
static size_t local_start(const char *text, size_t at)
{
  size_t i = at;

  while (i > 0 && is_local_char(text[i - 1]))
    i--;
  while (i < at && text[i] == '.')
    i++;
  return i;
}

/* A domain label: not empty, no hyphen at either end. */
static int label_ok(const char *label, size_t len)
{
  return len > 0 && label[0] != '-' && label[len - 1] != '-';
}

static int tld_ok(const char *label, size_t len)
{
  size_t i;

  if (len < 2)
    return 0;
  for (i = 0; i < len; i++)
    if (!isalpha((unsigned char)label[i]))
      return 0;
  return 1;
}

/* The length of a valid domain at text[start..), trailing dots (the end
 * of a sentence) left out; 0 when there is none. */
static size_t domain_length(const char *text, size_t len, size_t start)
{
  size_t end = start, label = start, i, dots = 0;

  while (end < len && is_domain_char(text[end]))
    end++;
  while (end > start && text[end - 1] == '.')
    end--;
  for (i = start; i <= end; i++) {
    if (i < end && text[i] != '.')
      continue;
    if (!label_ok(text + label, i - label))
      return 0;
    if (i == end && !tld_ok(text + label, i - label))
      return 0;
    dots += i < end;
    label = i + 1;
  }
  return dots > 0 ? end - start : 0;
}

static int local_ok(const char *local, size_t len)
{
  size_t i;

  if (len == 0 || local[len - 1] == '.')
    return 0;
  for (i = 1; i < len; i++)
    if (local[i] == '.' && local[i - 1] == '.')
      return 0;
  return 1;
}

static int copy_lower(const char *text, size_t len, char **email)
{
  size_t i;

  *email = malloc(len + 1);
  if (!*email)
    return TF_ERR_NOMEM;
  for (i = 0; i < len; i++)
    (*email)[i] = (char)tolower((unsigned char)text[i]);
  (*email)[len] = '\0';
  return TF_OK;
}

int drift_email_find(const char *text, size_t len, char **email)
{
  size_t at;

  *email = NULL;
  for (at = 0; text && at < len; at++) {
    size_t start, domain;

    if (text[at] != '@')
      continue;
    start = local_start(text, at);
    domain = domain_length(text, len, at + 1);
    if (!local_ok(text + start, at - start) || domain == 0 ||
        at + 1 + domain - start > MAX_EMAIL)
      continue;
    return copy_lower(text + start, at + 1 + domain - start, email);
  }
  return TF_ERR_NOTFOUND;
}
