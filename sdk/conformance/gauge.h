/*
 * gauge.h - what a process holds right now: heap bytes in use and open
 * file descriptors, to see whether init/fini cycles leak.
 *
 * Heap bytes come from the allocator that is really in use: ASan's own
 * counter in a sanitizer build, glibc's mallinfo2() otherwise.  Under
 * valgrind mallinfo2() does not see valgrind's heap, so the byte count
 * stays flat there; valgrind's own leak check covers that case.
 */
#ifndef TF_CONFORMANCE_GAUGE_H
#define TF_CONFORMANCE_GAUGE_H

#include <stddef.h>

/* Heap bytes in use; 0 when the allocator cannot tell. */
size_t tf_gauge_heap_bytes(void);

/* Open file descriptors of this process; 0 when /proc is unavailable. */
size_t tf_gauge_open_fds(void);

/* The names of the open descriptors' targets ("3 -> /tmp/x; ..."), for a
 * failure message.  Writes into buf (truncated to len) and returns it. */
const char *tf_gauge_fd_list(char *buf, size_t len);

#endif
