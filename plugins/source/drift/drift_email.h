/*
 * drift_email.h - finding an email address in a Drift message body.
 *
 * Bodies are plain text or basic HTML ("<p>it's <a
 * href=\"mailto:Jane@Acme.com\">Jane@Acme.com</a></p>").  The finder does
 * not parse HTML: anything that cannot be part of an address (tags,
 * quotes, ':', ';', spaces, non-ASCII) ends one, so "mailto:x@y.com" and
 * "&nbsp;x@y.com" both give "x@y.com".
 */
#ifndef DRIFT_EMAIL_H
#define DRIFT_EMAIL_H

#include <stddef.h>

/* Finds the first plausible address in text[0..len): local@domain.tld,
 * with a local part of letters, digits and . _ % + -, a domain of labels
 * of letters, digits and inner hyphens, and a top-level label of two or
 * more letters.  On success stores a new lowercased copy in *email (the
 * caller frees it) and returns TF_OK; TF_ERR_NOTFOUND when there is none
 * (*email is NULL); TF_ERR_NOMEM. */
int drift_email_find(const char *text, size_t len, char **email);

#endif
