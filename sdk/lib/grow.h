/*
 * grow.h - growing an array that starts in an inline buffer.
 *
 * Internal to the SDK (not installed).  The scanner and its helpers keep
 * small arrays on the stack and move to the heap only when a document is
 * larger than usual; this is the one place that does the move.
 */
#ifndef TOUCHFLOW_GROW_H
#define TOUCHFLOW_GROW_H

#include <stddef.h>

/* Makes *buf (of *cap elements of elem_size bytes, currently `local` or a
 * heap block) hold at least need elements, doubling its capacity.  The
 * first growth copies local to the heap; later ones realloc.  Returns 0, or
 * -1 when out of memory (then *buf and *cap are unchanged). */
int tf__grow(void **buf, size_t *cap, size_t need, size_t elem_size,
             const void *local);

#endif
