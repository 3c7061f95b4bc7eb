/*
 * sort.h - a stable merge sort for arrays of one struct type, with the
 * comparison inlined (qsort calls a function through a pointer for every
 * comparison, and glibc's copies elements larger than 32 bytes through an
 * array of pointers).  Used where the engine orders what it hands on: the
 * spool's records and the outbox's touchpoints, both mostly in order
 * already, which a merge that finds its halves in order skips.
 *
 * SM_SORT_DEFINE(name, type, before) defines
 *   static void name(type *items, size_t n, type *scratch);
 * which sorts items[0..n) so that no element comes after one it is
 * `before` (before(a, b): 1 when *a must come first, a strict order),
 * keeping the order of equal elements.  scratch has room for n / 2
 * elements (the caller's: no allocation here).
 */
#ifndef SM_SORT_H
#define SM_SORT_H

#include <stddef.h>
#include <string.h>

/* Below this many elements, an insertion sort. */
#define SM_SORT_SMALL 12

#define SM_SORT_DEFINE(name, type, before)                                     \
  static void name##_insertion(type *a, size_t n)                              \
  {                                                                            \
    size_t i, j;                                                               \
    type x;                                                                    \
                                                                               \
    for (i = 1; i < n; i++) {                                                  \
      if (!before(&a[i], &a[i - 1]))                                           \
        continue;                                                              \
      x = a[i];                                                                \
      for (j = i; j > 0 && before(&x, &a[j - 1]); j--)                         \
        a[j] = a[j - 1];                                                       \
      a[j] = x;                                                                \
    }                                                                          \
  }                                                                            \
                                                                               \
  static void name(type *a, size_t n, type *scratch)                           \
  {                                                                            \
    size_t half = n / 2, i = 0, j = half, k = 0;                               \
                                                                               \
    if (n <= SM_SORT_SMALL) {                                                  \
      name##_insertion(a, n);                                                  \
      return;                                                                  \
    }                                                                          \
    name(a, half, scratch);                                                    \
    name(a + half, n - half, scratch);                                         \
    if (!before(&a[half], &a[half - 1]))                                       \
      return; /* the halves are already in order */                            \
    memcpy(scratch, a, half * sizeof(type));                                   \
    while (i < half && j < n)                                                  \
      a[k++] = before(&a[j], &scratch[i]) ? a[j++] : scratch[i++];             \
    while (i < half)                                                           \
      a[k++] = scratch[i++];                                                   \
  }

#endif
