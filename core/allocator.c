/*
 * allocator.c - the name of the program's malloc (allocator.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "allocator.h"

#ifdef HAVE_MIMALLOC
#include <mimalloc.h>
#endif

const char *tf__allocator_name(char *buf, size_t size)
{
#ifdef HAVE_MIMALLOC
  /* mi_version() is major * 100 + minor * 10 + patch: 209 is 2.0.9. */
  int v = mi_version();
  /* A block from malloc() that mimalloc does not own means another malloc
   * came first in the lookup order (a preloaded one: valgrind's, say). */
  void *probe = malloc(16);
  int owned = probe && mi_is_in_heap_region(probe);

  free(probe);
  snprintf(buf, size, "mimalloc %d.%d.%d%s", v / 100, v / 10 % 10, v % 10,
           owned ? "" : " (linked, but malloc is another's)");
#else
  snprintf(buf, size, "the C library's malloc");
#endif
  return buf;
}
