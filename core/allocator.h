/*
 * allocator.h - which malloc the touchflow program runs on.
 *
 * The program is linked with mimalloc unless configured --without-mimalloc
 * (configure.ac says why; the sanitizer builds never are).  Linking is all
 * it takes: mimalloc's malloc and free come before the C library's in the
 * program's link order, so the host, the SDK libraries, jansson and every
 * plugin loaded into the process allocate through it.  This module only
 * names the allocator for `touchflow --version`, and so also keeps the
 * program's reference to the library that a linker dropping unreferenced
 * libraries (--as-needed) would otherwise remove.
 */
#ifndef TF_CORE_ALLOCATOR_H
#define TF_CORE_ALLOCATOR_H

#include <stddef.h>

/* Writes the allocator's name and version into buf (size bytes, always
 * terminated), e.g. "mimalloc 2.0.9" or "the C library's malloc", and
 * returns buf.  When the program is linked with mimalloc but malloc()
 * resolves to another allocator (one preloaded, as valgrind's), the name
 * says so: "mimalloc 2.0.9 (linked, but malloc is another's)". */
const char *tf__allocator_name(char *buf, size_t size);

#endif
