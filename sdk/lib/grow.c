/*
 * grow.c - growing an array that starts in an inline buffer (grow.h).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"

int tf__grow(void **buf, size_t *cap, size_t need, size_t elem_size,
             const void *local)
{
  size_t ncap = *cap ? *cap : 8;
  void *p;

  while (ncap < need) {
    if (ncap > SIZE_MAX / 2 / elem_size)
      return -1;
    ncap *= 2;
  }
  if (ncap == *cap)
    return 0;
  if (*buf == local) {
    p = malloc(ncap * elem_size);
    if (p && *cap)
      memcpy(p, local, *cap * elem_size);
  } else {
    p = realloc(*buf, ncap * elem_size);
  }
  if (!p)
    return -1;
  *buf = p;
  *cap = ncap;
  return 0;
}
