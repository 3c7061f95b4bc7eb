/*
 * suggest.h - "did you mean": the closest known word to a mistyped one.
 *
 * Internal to the SDK and the host (not installed).  Used for option names,
 * enum values, pipeline keys and plugin names.
 */
#ifndef TOUCHFLOW_SUGGEST_H
#define TOUCHFLOW_SUGGEST_H

#include <stddef.h>

/* The candidate closest to `word` by edit distance (insertions, deletions,
 * substitutions and swaps of two neighbouring letters; case-insensitive),
 * when that distance is at most max(1, strlen(word) / 3); else NULL.  Ties
 * go to the earliest candidate.  NULL entries of `candidates` are skipped.
 * Returns a borrowed pointer into `candidates`, or NULL when `word` is
 * NULL or empty, nothing is close enough, or memory ran out. */
const char *tf__suggest(const char *word, const char *const *candidates,
                        size_t n);

#endif
