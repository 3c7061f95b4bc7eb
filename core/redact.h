/*
 * redact.h - what the host prints is safe to print (internal).
 *
 * Two rules for every line the host writes to a terminal or a log:
 *   - no secret: the value of every secret option of a stage is replaced
 *     by "<secret>" in what that stage's plugin logs or reports, whatever
 *     the plugin wrote (a server's error text may quote the credentials);
 *   - no control characters: bytes below 0x20 and 0x7f (an ESC starting a
 *     terminal escape in an id read from a file, a CR hiding the start of
 *     a line) are written as \xNN.
 */
#ifndef TF_CORE_REDACT_H
#define TF_CORE_REDACT_H

#include <stddef.h>

#include "pipeline.h"

/* The placeholder of a secret value. */
#define TF_SECRET_MASK "<secret>"

/* A copy of text with the value of each secret option of the stage
 * replaced by TF_SECRET_MASK.  The caller frees it; NULL when memory ran
 * out. */
char *tf__redact_secrets(const tf__stage_def *s, const char *text);

/* text with control characters written as \xNN, into out (always
 * terminated; cut when it does not fit).  Returns out. */
char *tf__printable(const char *text, char *out, size_t len);

#endif
